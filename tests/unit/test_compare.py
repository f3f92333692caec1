"""`df.timepay.compare`: rates with intervals, adjusted for mix, on data with known answers.

The Simpson frame: two agents on an easy and a hard campaign (calls; contact = right-party).

    agent  campaign  calls  contacts  rate
    A1     Easy         80        48   60%
    A1     Hard         20         2   10%     A1 in all: 50 / 100 = 50%
    A2     Easy         20        14   70%
    A2     Hard         80        16   20%     A2 in all: 30 / 100 = 30%
    A3     Solo         10        10  100%     too few calls to be ranked

Raw rates favour A1 (50% vs 30%), but A2 beats A1 on each campaign: A1 simply had the easy work.
Stratum rates: Easy 62 / 100 = 0.62, Hard 18 / 100 = 0.18, Solo 1.0. Expected contacts: A1
80 x 0.62 + 20 x 0.18 = 53.2, A2 20 x 0.62 + 80 x 0.18 = 26.8, A3 10. Ratios: A1 50 / 53.2 =
0.940, A2 30 / 26.8 = 1.119. A1 also sent 20 WhatsApp messages, all answered, which a
comparison of calls leaves out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import timepay_notebook  # noqa: F401 - registers df.timepay
from timepay_notebook.frames import empty_frame, to_frame
from timepay_notebook.intervals import wilson
from timepay_notebook.sandbox import SandboxServer, vocab

CELLS = [
    ("A1", "Easy", 80, 48),
    ("A1", "Hard", 20, 2),
    ("A2", "Easy", 20, 14),
    ("A2", "Hard", 80, 16),
    ("A3", "Solo", 10, 10),
]


def log(i: int, agent: str, campaign: str, contact: bool, kind: str = "call") -> dict[str, Any]:
    return {
        "call_id" if kind == "call" else "message_id": f"id{i}",
        "date": "2026-01-05",
        "start_time": "2026-01-05T10:00:00",
        "end_time": "2026-01-05T10:01:00",
        "campaign_id": campaign,
        "campaign_name": f"{campaign} campaign",
        "loan_id": f"L{i}",
        "to": f"9{i:09d}",
        "status": "Completed" if contact else "No Contact",
        "disposition": "Callback Requested" if contact else "No Answer",
        "extracted_data": {},
        "agent_id": agent,
        "type": kind,
        **({"duration": 30} if kind == "call" else {}),
    }


def simpson_frame() -> pd.DataFrame:
    records = []
    for agent, campaign, calls, contacts in CELLS:
        records += [log(len(records), agent, campaign, k < contacts) for k in range(calls)]
    records += [log(len(records), "A1", "Hard", True, "whatsapp") for _ in range(20)]
    return to_frame(records)


def test_raw_rates_favour_one_agent_and_the_adjusted_ratio_the_other() -> None:
    df = simpson_frame()
    raw = df.timepay.compare("agent_id")
    assert raw.loc[["A1", "A2", "A3"], "n"].tolist() == [100, 100, 10]  # calls only
    assert raw.loc[["A1", "A2"], "rate"].tolist() == [0.5, 0.3]
    assert list(raw.index) == ["A1", "A2", "A3"]  # ranked by raw rate; A3 shown last
    adjusted = df.timepay.compare("agent_id", adjust_for="campaign_id")
    assert list(adjusted.index) == ["A2", "A1", "A3"]
    assert adjusted["expected"].tolist() == pytest.approx([26.8, 53.2, 10.0])
    assert adjusted["ratio"].tolist() == pytest.approx([30 / 26.8, 50 / 53.2, 1.0])
    assert adjusted["rank"].tolist() == [1, 2, pd.NA]
    low, high = wilson([30, 50], [100, 100])
    assert adjusted["ratio_low"].iloc[:2].tolist() == pytest.approx(
        [low[0] * 100 / 26.8, low[1] * 100 / 53.2]
    )
    assert adjusted["ratio_high"].iloc[:2].tolist() == pytest.approx(
        [high[0] * 100 / 26.8, high[1] * 100 / 53.2]
    )
    assert adjusted["verdict"].tolist() == ["not distinguishable", "not distinguishable", "too few"]
    assert adjusted.loc["A3", "rate"] == 1.0  # shown, with its rate, but never ranked


def test_the_columns_and_their_types() -> None:
    table = simpson_frame().timepay.compare("agent_id", adjust_for="campaign_id")
    assert table.index.name == "agent_id"
    assert list(table.columns) == [
        "n",
        "successes",
        "rate",
        "ci_low",
        "ci_high",
        "expected",
        "ratio",
        "ratio_low",
        "ratio_high",
        "verdict",
        "rank",
    ]
    assert table["n"].dtype == "int64" and table["rank"].dtype == "Int64"
    low, high = wilson(table["successes"], table["n"])
    assert table["ci_low"].tolist() == pytest.approx(low.tolist())
    assert table["ci_high"].tolist() == pytest.approx(high.tolist())
    assert "adjusted for campaign_id" in table.attrs["timepay"]["title"]


def test_a_big_enough_difference_gets_a_verdict() -> None:
    df = pd.concat([simpson_frame()] * 20, ignore_index=True)  # the same rates, 20x the calls
    adjusted = df.timepay.compare("agent_id", adjust_for="campaign_id")
    assert adjusted.loc["A2", "verdict"] == "above" and adjusted.loc["A1", "verdict"] == "below"
    assert adjusted.loc["A3", "verdict"] == "not distinguishable"  # 200 calls at its own rate


def test_channels_metrics_and_several_columns() -> None:
    df = simpson_frame()
    every = df.timepay.compare("agent_id", channel=None)
    assert every.loc["A1", "n"] == 120 and every.loc["A1", "successes"] == 70
    whatsapp = df.timepay.compare("agent_id", channel="whatsapp", min_n=1)
    assert list(whatsapp.index) == ["A1"] and whatsapp.loc["A1", "rate"] == 1.0
    both = df.timepay.compare(["agent_id", "campaign_id"], min_n=1)
    assert both.index.names == ["agent_id", "campaign_id"]
    assert both.loc[("A2", "Easy"), "rate"] == pytest.approx(0.7)
    per_contact = df.timepay.compare("agent_id", metric="ptp_per_contact", min_n=1)
    assert per_contact.loc["A1", "n"] == 50 and per_contact["successes"].sum() == 0
    connect = df.timepay.compare("agent_id", metric="connect_rate")
    assert connect.loc["A2", "rate"] == pytest.approx(0.3)


def test_bad_arguments_fail_clearly() -> None:
    df = simpson_frame()
    with pytest.raises(ValueError, match="metric must be one of"):
        df.timepay.compare("agent_id", metric="contacts")
    with pytest.raises(ValueError, match="channel must be"):
        df.timepay.compare("agent_id", channel="sms")
    with pytest.raises(ValueError, match="min_n must be"):
        df.timepay.compare("agent_id", min_n=0)
    with pytest.raises(ValueError, match="name the column"):
        df.timepay.compare(None)
    with pytest.raises(KeyError, match="no column 'campaign'"):
        df.timepay.compare("agent_id", adjust_for="campaign")


def spearman(a: pd.Series, b: pd.Series) -> float:
    return float(a.rank().corr(b.rank()))


@pytest.mark.slow
def test_on_the_sandbox_the_adjusted_ranking_agrees_better_with_its_truth() -> None:
    """The sandbox draws contacts from campaign x agent x hour x weekday effects (`vocab`):
    the agents' own contact effects are the truth a fair ranking should recover (diluted by
    the payments and renewals the sandbox places after kept promises, whoever logs them)."""
    df = to_frame(SandboxServer(n_logs=20_000, seed=2).truth())
    truth = pd.Series({agent: contact for agent, contact, _ in vocab.AGENTS})
    raw = df.timepay.compare("agent_id", channel=None)
    adjusted = df.timepay.compare("agent_id", adjust_for=["campaign_id", "type"], channel=None)
    raw_agreement = spearman(raw["rate"], truth[raw.index])
    adjusted_agreement = spearman(adjusted["ratio"], truth[adjusted.index])
    assert raw_agreement < 0.3 < 0.6 < adjusted_agreement  # 0.16 and 0.69
    assert np.isfinite(adjusted["ratio"]).all()


def test_plot_compare_draws_each_ratio_and_its_interval() -> None:
    ax = simpson_frame().timepay.plot.compare("agent_id", adjust_for="campaign_id")
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["A2 (n=100)", "A1 (n=100)", "A3 (n=10, not ranked)"]
    ranked, unranked = (list(line.get_xdata()) for line in ax.lines if line.get_marker() == "o")
    assert ranked == pytest.approx([30 / 26.8, 50 / 53.2])
    assert unranked == pytest.approx([1.0])
    assert [list(line.get_xdata()) for line in ax.lines if line.get_linestyle() == "--"] == [
        [1.0, 1.0]
    ]
    assert "adjusted for campaign_id" in ax.get_xlabel()


def test_an_empty_frame_gives_an_empty_comparison_with_every_column() -> None:
    table = empty_frame().timepay.compare("agent_id", adjust_for="campaign_id")
    assert table.empty and list(table.columns)[-2:] == ["verdict", "rank"]
