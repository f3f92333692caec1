"""Report commentary: sentences computed from the summaries, checked on a hand-worked frame."""

from __future__ import annotations

import numpy as np
import pandas as pd

import timepay_notebook  # noqa: F401 - registers df.timepay
from timepay_notebook.frames import empty_frame
from timepay_notebook.intervals import wilson
from timepay_notebook.report import commentary


def test_headline(small: pd.DataFrame) -> None:
    assert commentary.headline(small.timepay.kpis()) == (
        "10 attempts on 4 loans reached the customer on 40.0% of attempts (someone answered on "
        "50.0%); 20.0% of attempts (50.0% of contacts) ended in a promise to pay, \u20b97,500 "
        "promised, each promise counted once."
    )


def test_headline_quotes_money_counted_once_in_indian_grouping() -> None:
    kpis = pd.DataFrame(
        {
            "attempts": [5000],
            "unique_loans": [1],
            "contact_rate": [0.4],
            "connect_rate": [0.5],
            "ptp_rate": [0.2],
            "ptp_per_contact": [0.5],
            "promised_amount": [3280300.0],
            "promised_amount_gross": [7201000.0],
        }
    )
    text = commentary.headline(kpis)
    assert text.startswith("5,000 attempts on 1 loan reached")  # "1 loan", not "1 loans"
    assert "\u20b932,80,300 promised, each promise counted once (\u20b972,01,000 if" in text
    assert "3,280,300" not in text and ".0" not in text.split("promise to pay")[1]
    assert "\u20b93,280,300 promised" in commentary.headline(kpis, grouping="plain")


def test_best_hour(small: pd.DataFrame) -> None:
    assert commentary.best_hour(small.timepay.by_hour(channel=None, min_attempts=1), 1) == (
        "Among hours from 08:00-19:00 with at least 1 attempt, customers were easiest to reach "
        "at 10:00-10:59 (60.0% contact rate, 95% interval 23.1%-88.2%, 5 attempts) and hardest "
        "at 11:00-11:59 (0.0% contact rate, 95% interval 0.0%-79.3%, 1 attempt); their 95% "
        "intervals overlap, so the hours are not distinguishable."
    )  # 19:00 (50%) is outside the calling window
    assert commentary.best_hour(small.timepay.by_hour()).startswith("Too few hours with 30")


def test_best_hour_recommends_only_hours_with_enough_calls_inside_the_window() -> None:
    hours = pd.DataFrame(
        {"attempts": [200, 2, 200, 200, 200], "contact_rate": [0.40, 1.0, 0.30, 0.45, 0.60]},
        index=pd.Index([9, 10, 11, 18, 20], name="hour"),
    )
    low, high = wilson(np.round(hours["contact_rate"] * hours["attempts"]), hours["attempts"])
    hours = hours.assign(ci_low=low, ci_high=high)
    text = commentary.best_hour(hours)
    # 10:00 (2 calls, 100%) has too few calls; 20:00 (60%) is after 19:00
    assert "easiest to reach at 18:00-18:59 (45.0% contact rate" in text
    assert "hardest at 11:00-11:59 (30.0%" in text and "not distinguishable" not in text
    wider = commentary.best_hour(hours, window=(8, 21))
    assert "easiest to reach at 20:00-20:59" in wider and "08:00-21:00" in wider


def test_durations(small: pd.DataFrame) -> None:
    assert commentary.durations(small.timepay.duration_summary()) == (
        "4 connected calls lasted 1.4 minutes at the median; 90% ended within 4.1 minutes, "
        "0.1 hours of conversation in all."
    )


def test_attempts_per_loan(small: pd.DataFrame) -> None:
    assert commentary.attempts_per_loan(small.timepay.attempts_per_loan(), many=3) == (
        "Loans were attempted 2.5 times on average (at most 3); 1 loan (25%) had 3 attempts or "
        "more without a promise to pay."
    )


def test_busiest_day(small: pd.DataFrame) -> None:
    assert commentary.busiest_day(small.timepay.daily()) == (
        "The busiest day was Tue 06 Jan 2026 with 3 attempts; 2.5 a day on average over 4 days "
        "with activity."
    )


def comparison(ratios: list[tuple[float, float, float]], ns: list[int]) -> pd.DataFrame:
    rows = pd.DataFrame(
        ratios, columns=["ratio", "ratio_low", "ratio_high"], index=["a1", "a2", "a3"]
    )
    rows["n"] = ns
    enough = rows["n"] >= 30
    rows["verdict"] = np.where(
        ~enough,
        "too few",
        np.where(
            rows["ratio_low"] > 1,
            "above",
            np.where(rows["ratio_high"] < 1, "below", "not distinguishable"),
        ),
    )
    rows["rank"] = rows["ratio"].where(enough).rank(ascending=False).astype("Int64")
    return rows


def test_agents_name_the_first_and_last_only_when_their_intervals_part() -> None:
    apart = comparison([(1.3, 1.1, 1.5), (0.7, 0.5, 0.9), (2.0, 0.5, 3.5)], [300, 300, 5])
    assert commentary.agents(apart) == (
        "After adjusting for campaign and channel, agent a1 reached customers 1.30x (95% "
        "interval 1.10-1.50x) as often as expected and agent a2 0.70x (95% interval "
        "0.50-0.90x); 1 agent above expectation, 1 agent below, 0 agents not distinguishable "
        "(1 agent with too few attempts not ranked)."
    )  # a3's 2.0x from 5 attempts is never ranked
    close = comparison([(1.1, 0.9, 1.3), (0.95, 0.8, 1.1), (1.0, 0.9, 1.1)], [300, 300, 300])
    text = commentary.agents(close, adjusted_for="campaign")
    assert text.startswith("After adjusting for campaign, the agents are not distinguishable")
    assert "a1, 1.10x (95% interval 0.90-1.30x)" in text and "(a2, 0.95x" in text
    assert commentary.agents(close.iloc[:1]).startswith("Too few attempts")


def test_empty_frames_say_there_is_nothing() -> None:
    empty = empty_frame()
    assert commentary.headline(empty.timepay.kpis()) == commentary.NOTHING
    assert commentary.busiest_day(empty.timepay.daily()) == commentary.NOTHING
    assert commentary.attempts_per_loan(empty.timepay.attempts_per_loan()) == commentary.NOTHING
    assert commentary.durations(empty.timepay.duration_summary()).startswith("No call connected")
