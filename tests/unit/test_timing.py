"""Best time to call: channels kept apart, thin cells not trusted, intervals, the grid.

Uses the ten-log frame of `test_accessor` (its table is in that module's docstring): its
19:00 holds only WhatsApp messages, and Tuesday 18:00 holds two calls (a wrong number and a
network error: no contact).
"""

from __future__ import annotations

import math
from statistics import NormalDist

import pandas as pd
import pytest

import timepay_notebook  # noqa: F401 - registers df.timepay
from tests.helpers import small_records
from timepay_notebook.frames import to_frame
from timepay_notebook.sandbox import SandboxServer

Z = NormalDist().inv_cdf(0.975)


@pytest.fixture
def small() -> pd.DataFrame:
    return to_frame(small_records())


@pytest.fixture(scope="module")
def sandbox_frame() -> pd.DataFrame:
    return to_frame(SandboxServer(n_logs=5000).truth())


def test_hours_with_only_whatsapp_messages_are_not_call_hours(small: pd.DataFrame) -> None:
    calls = small.timepay.by_hour(min_attempts=1)
    assert list(calls.index) == [10, 11, 18]  # 19:00 had only WhatsApp messages
    assert calls["attempts"].tolist() == [4, 1, 2]  # 10:00: three calls, not the message
    assert calls["contact_rate"].tolist() == pytest.approx([0.75, 0.0, 0.0])
    whatsapp = small.timepay.by_hour(channel="whatsapp", min_attempts=1)
    assert list(whatsapp.index) == [10, 19] and whatsapp["attempts"].tolist() == [1, 2]
    every = small.timepay.by_hour(channel=None, min_attempts=1)
    assert every["attempts"].sum() == 10


def test_thin_hours_show_their_attempts_but_no_rate(small: pd.DataFrame) -> None:
    hours = small.timepay.by_hour()  # calls, at least 30 attempts for a rate
    assert hours["attempts"].tolist() == [4, 1, 2]
    assert hours[["contact_rate", "ci_low", "ci_high"]].isna().all().all()
    days = small.timepay.by_weekday(min_attempts=2)
    assert list(days.index) == ["Monday", "Tuesday", "Wednesday", "Thursday"]
    assert days["attempts"].tolist() == [2, 3, 1, 1]
    assert days["contact_rate"].tolist()[:2] == pytest.approx([0.5, 0.0])
    assert days["contact_rate"].isna().tolist() == [False, False, True, True]


def test_a_cell_with_two_calls(small: pd.DataFrame) -> None:
    grid = small.timepay.contact_grid(min_attempts=1)
    cell = grid[(grid["weekday"] == "Tuesday") & (grid["hour"] == 18)].iloc[0]
    assert (cell["attempts"], cell["contacts"], cell["contact_rate"]) == (2, 0, 0.0)
    # Wilson with no success: from 0 to z^2 / (n + z^2), not the 0%-0% of a naive interval
    assert cell["ci_low"] == 0.0
    assert cell["ci_high"] == pytest.approx(Z**2 / (2 + Z**2))
    default = small.timepay.contact_grid()
    thin = default[(default["weekday"] == "Tuesday") & (default["hour"] == 18)].iloc[0]
    assert thin["attempts"] == 2 and math.isnan(thin["contact_rate"])


def test_the_grid_is_long_with_every_weekday_and_hour(small: pd.DataFrame) -> None:
    grid = small.timepay.contact_grid(channel=None, metric="connect_rate", min_attempts=1)
    assert list(grid.columns) == [
        "weekday",
        "hour",
        "attempts",
        "connected",
        "connect_rate",
        "ci_low",
        "ci_high",
    ]
    assert len(grid) == 7 * 24 and grid["attempts"].sum() == 10
    assert grid["weekday"].iloc[0] == "Monday" and grid["hour"].iloc[:3].tolist() == [0, 1, 2]
    wednesday = grid[(grid["weekday"] == "Wednesday") & (grid["hour"] == 19)].iloc[0]
    assert (wednesday["attempts"], wednesday["connected"]) == (2, 1)
    assert grid["attempts"].dtype == "int64" and grid["hour"].dtype == "int64"
    with pytest.raises(ValueError, match="metric must be one of"):
        small.timepay.contact_grid(metric="ptp_per_contact")
    with pytest.raises(ValueError, match="min_attempts must be"):
        small.timepay.by_hour(min_attempts=0)


def test_the_readme_idiom_picks_a_well_measured_hour(sandbox_frame: pd.DataFrame) -> None:
    df = sandbox_frame
    # the old idiom ranked every hour, WhatsApp included, however few its attempts
    every = df.timepay.by_hour(channel=None, min_attempts=1)
    assert 21 in set(every.index)  # an hour that holds only WhatsApp messages
    hours = df.timepay.by_hour()
    assert 21 not in set(hours.index)
    best = hours["contact_rate"].idxmax()
    assert hours.loc[best, "attempts"] >= 30
    calls = df[df["type"] == "call"]
    expected = (
        ((calls["status"] == "Completed") & (calls["disposition"] != "Wrong Number"))
        .groupby(calls["start_time"].dt.hour)
        .mean()
    )
    shown = hours["contact_rate"].dropna()  # the few off-window hours have under 30 calls
    assert (hours.loc[hours["contact_rate"].isna(), "attempts"] < 30).all()
    assert shown.to_dict() == pytest.approx(expected[shown.index].to_dict())
    assert set(hours.index) == set(expected.index)
    grid = df.timepay.contact_grid()
    assert grid["attempts"].sum() == len(calls)
    shown = grid.dropna(subset=["contact_rate"])
    assert (shown["attempts"] >= 30).all() and (shown["ci_low"] <= shown["contact_rate"]).all()
