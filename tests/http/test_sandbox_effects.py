"""The analyses find the effects the sandbox was built with (`sandbox.sequences`, `vocab`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import timepay_notebook  # noqa: F401 - registers df.timepay
from timepay_notebook.frames import to_frame
from timepay_notebook.sandbox import SandboxServer, vocab

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return to_frame(SandboxServer(n_logs=30_000, seed=5).truth())


def multiplier(k: np.ndarray) -> np.ndarray:
    return np.maximum(vocab.ATTEMPT_FLOOR, vocab.ATTEMPT_DECAY ** (k - 1))


def test_the_attempt_curve_falls_as_built(df: pd.DataFrame) -> None:
    table = df.timepay.by_attempt(max_attempt=15).set_index("attempt")
    early, late = table.loc[1:3], table.loc[10:15]
    measured = (late["contacts"].sum() / late["loans"].sum()) / (
        early["contacts"].sum() / early["loans"].sum()
    )
    built = np.average(multiplier(late.index.to_numpy()), weights=late["loans"]) / np.average(
        multiplier(early.index.to_numpy()), weights=early["loans"]
    )
    assert measured == pytest.approx(built, abs=0.1)  # 0.48 found, 0.50 built
    assert table["cumulative_contacted"].is_monotonic_increasing
    needed = df.timepay.attempts_to_contact()
    assert (
        needed["attempts_needed"].iloc[0] == 1 and needed["loans"].iloc[0] == needed["loans"].max()
    )


def test_promises_are_kept_at_each_campaigns_rate(df: pd.DataFrame) -> None:
    summary = df.timepay.promise_summary(by="campaign_name")
    built = pd.Series({c.name: c.keep for c in vocab.CAMPAIGNS})
    found = summary["kept_rate"].reindex(built.index)
    assert (found - built).abs().max() < 0.08
    assert found.rank().tolist() == built.rank().tolist()  # the same order of campaigns
    assert (summary["superseded"] > 0).all()  # kept promises are often renewed first
    kpis = df.timepay.kpis().loc["All"]
    assert kpis["ptp_kept_rate"] == pytest.approx(
        summary["kept"].sum() / (summary["kept"].sum() + summary["broken"].sum())
    )


def test_policy_breaches_are_rare_and_of_the_kinds_injected(df: pd.DataFrame) -> None:
    calls = int((df["type"] == "call").sum())
    loans = df["loan_id"].nunique()
    rules = df.timepay.compliance()["rule"].value_counts()
    assert rules["call_window"] / calls == pytest.approx(vocab.OFF_WINDOW_RATE, rel=0.5)
    assert 0 < rules["max_per_day"] <= 2 * vocab.OVERDIAL_RATE * loans
    assert 0 < rules["after_suppression"] <= 2 * vocab.IGNORED_STOP_RATE * loans
    hours = df.loc[df["type"] == "call", "start_time"].dt.hour
    assert hours.between(8, 18).mean() > 0.99


def test_callbacks_follow_callback_requested(df: pd.DataFrame) -> None:
    work = df.sort_values(["loan_id", "start_time"], kind="stable")
    after = work.groupby("loan_id", observed=True)["disposition"].shift(1) == "Callback Requested"
    gap = work.groupby("loan_id", observed=True)["start_time"].diff()
    contact = (work["status"] == "Completed") & (work["disposition"] != "Wrong Number")
    assert contact[after].mean() > 1.2 * contact[~after].mean()
    assert (gap[after] <= pd.Timedelta(days=2)).mean() > 0.8  # the next evening, or sooner
