"""Report commentary: sentences computed from the summaries, checked on a hand-worked frame."""

from __future__ import annotations

import pandas as pd

import timepay_notebook  # noqa: F401 - registers df.timepay
from timepay_notebook.frames import empty_frame
from timepay_notebook.report import commentary


def test_headline(small: pd.DataFrame) -> None:
    assert commentary.headline(small.timepay.kpis()) == (
        "10 attempts on 4 loans reached the customer 40.0% of the time; 20.0% of attempts "
        "(50.0% of contacts) ended in a promise to pay, \u20b97,500 promised in all."
    )


def test_best_hour(small: pd.DataFrame) -> None:
    assert commentary.best_hour(small.timepay.by_hour(), min_attempts=1) == (
        "Customers were easiest to reach at 10:00-10:59 (60.0% contact rate) and hardest at "
        "11:00-11:59 (0.0%), among hours with at least 1 attempts."
    )
    assert commentary.best_hour(small.timepay.by_hour()).startswith("Too few attempts")


def test_durations(small: pd.DataFrame) -> None:
    assert commentary.durations(small.timepay.duration_summary()) == (
        "4 connected calls lasted 1.4 minutes at the median; 90% ended within 4.1 minutes, "
        "0.1 hours of conversation in all."
    )


def test_attempts_per_loan(small: pd.DataFrame) -> None:
    assert commentary.attempts_per_loan(small.timepay.attempts_per_loan(), many=3) == (
        "Loans were attempted 2.5 times on average (at most 3); 1 loans (25%) had 3 attempts or "
        "more without a promise to pay."
    )


def test_busiest_day(small: pd.DataFrame) -> None:
    assert commentary.busiest_day(small.timepay.daily()) == (
        "The busiest day was Tue 06 Jan 2026 with 3 attempts; 2.5 a day on average over 4 days "
        "with activity."
    )


def test_agents() -> None:
    table = pd.DataFrame(
        {"contacts": [40, 50, 5], "ptp_per_contact": [0.25, 0.5, 0.9]}, index=["a1", "a2", "a3"]
    )
    assert commentary.agents(table) == (
        "Agent a2 turned the most contacts into promises to pay (50.0%), agent a1 the fewest "
        "(25.0%), among agents with at least 30 contacts."
    )
    assert commentary.agents(table.iloc[:1]).startswith("Too few contacts")


def test_empty_frames_say_there_is_nothing() -> None:
    empty = empty_frame()
    assert commentary.headline(empty.timepay.kpis()) == commentary.NOTHING
    assert commentary.busiest_day(empty.timepay.daily()) == commentary.NOTHING
    assert commentary.attempts_per_loan(empty.timepay.attempts_per_loan()) == commentary.NOTHING
    assert commentary.durations(empty.timepay.duration_summary()).startswith("No call connected")
