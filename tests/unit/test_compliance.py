"""Contact policy: a frame of known breaches, and breaches injected at random into clean work.

log  loan  start                type      disposition     breach
0    L1    2026-01-05 07:30     call      No Answer       call_window (before 08:00)
1    L1    2026-01-05 19:30     call      No Answer       call_window (after 19:00)
2    L2    2026-01-06 09:00     call      No Answer
3    L2    2026-01-06 10:00     call      No Answer
4    L2    2026-01-06 11:00     call      Busy
5    L2    2026-01-06 12:00     call      No Answer       max_per_day (the fourth call)
6    L3    2026-01-07 10:00     call      Already Paid
7    L3    2026-01-08 10:00     call      No Answer       after_suppression
8    L3    2026-01-08 11:00     whatsapp  No Response     (a message: calls only by default)
9    L4    2026-01-07 08:00     call      No Answer       (08:00 and 19:00 are inside)
10   L4    2026-01-07 19:00     call      No Answer
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import timepay_notebook  # noqa: F401 - registers df.timepay
from timepay_notebook.frames import to_frame

LOGS = [
    ("L1", "2026-01-05T07:30:00", "call", "No Answer"),
    ("L1", "2026-01-05T19:30:00", "call", "No Answer"),
    ("L2", "2026-01-06T09:00:00", "call", "No Answer"),
    ("L2", "2026-01-06T10:00:00", "call", "No Answer"),
    ("L2", "2026-01-06T11:00:00", "call", "Busy"),
    ("L2", "2026-01-06T12:00:00", "call", "No Answer"),
    ("L3", "2026-01-07T10:00:00", "call", "Already Paid"),
    ("L3", "2026-01-08T10:00:00", "call", "No Answer"),
    ("L3", "2026-01-08T11:00:00", "whatsapp", "No Response"),
    ("L4", "2026-01-07T08:00:00", "call", "No Answer"),
    ("L4", "2026-01-07T19:00:00", "call", "No Answer"),
]
STATUS = {"Already Paid": "Completed", "Wrong Number": "Completed", "Promise to Pay": "Completed"}


def record(i: int, loan: str, start: str, kind: str, disposition: str) -> dict[str, Any]:
    return {
        "call_id" if kind == "call" else "message_id": f"id{i}",
        "start_time": start,
        "campaign_id": "C",
        "loan_id": loan,
        "status": STATUS.get(disposition, "No Contact"),
        "disposition": disposition,
        "agent_id": "A",
        "type": kind,
    }


def frame(logs: list[tuple[str, str, str, str]] = LOGS) -> pd.DataFrame:
    return to_frame([record(i, *row) for i, row in enumerate(logs)])


def test_each_breach_is_one_row() -> None:
    table = frame().timepay.compliance()
    assert list(table.columns) == [
        "log_id",
        "loan_id",
        "start_time",
        "agent_id",
        "campaign_id",
        "rule",
        "detail",
    ]
    assert table[["log_id", "rule"]].values.tolist() == [
        ["id0", "call_window"],
        ["id1", "call_window"],
        ["id5", "max_per_day"],
        ["id7", "after_suppression"],
    ]
    assert table["detail"].tolist() == [
        "started 07:30:00, outside 08:00-19:00",
        "started 19:30:00, outside 08:00-19:00",
        "attempt 4 of 4 on 2026-01-06 (limit 3)",
        "after Already Paid on 2026-01-07 10:00",
    ]
    assert table.loc[2, "start_time"] == pd.Timestamp("2026-01-06 12:00")
    assert table["loan_id"].tolist() == ["L1", "L1", "L2", "L3"]


def test_settings_change_what_counts() -> None:
    df = frame()
    loose = df.timepay.compliance(call_window=None, max_per_day=None, suppress_after=None)
    assert loose.empty and list(loose.columns)[-2:] == ["rule", "detail"]
    strict = df.timepay.compliance(
        call_window=("09:00", "18:00"), max_per_day=2, suppress_after=(), channel=None
    )
    counts = strict["rule"].value_counts().to_dict()
    # 07:30, 19:30, 08:00, 19:00 are outside 09:00-18:00; L2's 3rd and 4th calls are over 2;
    # L3's call and message of 01-08 are two (every channel counts), within the limit
    assert counts == {"call_window": 4, "max_per_day": 2}
    week = df.timepay.compliance(max_per_day=None, max_per_week=1, call_window=None)
    assert week["rule"].value_counts().to_dict() == {"max_per_week": 6, "after_suppression": 1}
    assert week.iloc[0]["detail"] == "attempt 2 of 2 in the week of 2026-01-05 (limit 1)"


def test_a_wrong_number_suppresses_and_a_message_can_suppress_calls() -> None:
    logs = [
        ("L1", "2026-01-05T10:00:00", "whatsapp", "Already Paid"),
        ("L1", "2026-01-05T12:00:00", "call", "No Answer"),
        ("L2", "2026-01-05T10:00:00", "call", "Wrong Number"),
        ("L2", "2026-01-05T10:00:00", "call", "No Answer"),  # the same second: not after
        ("L2", "2026-01-06T10:00:00", "call", "Wrong Number"),
    ]
    table = frame(logs).timepay.compliance()
    assert table["log_id"].tolist() == ["id1", "id4"]
    assert set(table["rule"]) == {"after_suppression"}


def test_bad_settings_fail_clearly() -> None:
    df = frame()
    with pytest.raises(ValueError, match="call_window"):
        df.timepay.compliance(call_window=("19:00", "08:00"))
    with pytest.raises(ValueError, match="call_window"):
        df.timepay.compliance(call_window=("8 am", "7 pm"))
    with pytest.raises(ValueError, match="max_per_day"):
        df.timepay.compliance(max_per_day=0)
    with pytest.raises(ValueError, match="channel"):
        df.timepay.compliance(channel="sms")
    with pytest.raises(KeyError, match="loan_id"):
        df.drop(columns="loan_id").timepay.compliance()
    assert (
        len(df.drop(columns="loan_id").timepay.compliance(max_per_day=None, suppress_after=None))
        == 2
    )
    assert df.iloc[:0].timepay.compliance().empty


@st.composite
def work_with_breaches(draw: st.DrawFn) -> tuple[pd.DataFrame, set[tuple[str, str]]]:
    """Clean calls (09:00/11:00/13:00, at most 3 a loan a day), then known breaches."""
    logs: list[tuple[str, str, str, str]] = []
    expected: set[tuple[str, str]] = set()
    for loan in ("L0", "L1", "L2", "L3"):
        paid_on = draw(st.one_of(st.none(), st.integers(1, 6)))  # a WhatsApp Already Paid
        for day in range(1, 7):
            extra = draw(st.integers(0, 2))  # calls beyond the limit, at 18:00 and 18:30
            n = 3 if extra else draw(st.integers(0, 3))
            starts = [f"{h:02d}:00" for h in (9, 11, 13)][:n]
            if not extra and n and draw(st.booleans()):
                starts[-1] = draw(st.sampled_from(["07:30", "19:30", "23:59", "00:00"]))
            starts += ["18:00", "18:30"][:extra]
            for k, hm in enumerate(starts):
                i = len(logs)
                logs.append((loan, f"2026-01-{day:02d}T{hm}:00", "call", "No Answer"))
                if hm in ("07:30", "19:30", "23:59", "00:00"):
                    expected.add((f"id{i}", "call_window"))
                if k >= 3:
                    expected.add((f"id{i}", "max_per_day"))
                if paid_on is not None and (day, hm) > (paid_on, "12:00"):
                    expected.add((f"id{i}", "after_suppression"))
            if paid_on == day:
                logs.append((loan, f"2026-01-{day:02d}T12:00:00", "whatsapp", "Already Paid"))
    return frame(logs) if logs else frame()[:0], expected


@pytest.mark.slow
@settings(max_examples=50, deadline=None)
@given(work_with_breaches())
def test_compliance_finds_exactly_the_injected_breaches(
    case: tuple[pd.DataFrame, set[tuple[str, str]]],
) -> None:
    df, expected = case
    table = df.timepay.compliance()
    found = list(zip(table["log_id"], table["rule"], strict=True))
    assert len(found) == len(set(found))  # one row per offence
    assert set(found) == expected
