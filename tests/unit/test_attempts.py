"""Attempt sequences on loans worked by hand (rows deliberately out of order).

    loan  call 1 (start)               call 2                        call 3
    L1    No Answer (01-05 09:00)      Promise to Pay (01-05 12:00)  No Answer (01-06 09:00)
    L2    Wrong Number (01-05 10:00)   No Answer (01-06 10:00)
    L3    Callback Requested (01-05 11:00)
    L4    (WhatsApp only: not a call)

By attempt: 1: 3 loans, 1 contact (L3), 1/3 contacted; 2: 2 loans, 1 contact and promise
(L1), 2/3 contacted; 3: 1 loan, no contact. First contact: L3 at 1, L1 at 2, L2 never.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import timepay_notebook  # noqa: F401 - registers df.timepay
from timepay_notebook.frames import to_frame

LOGS = [
    ("L1", "2026-01-06T09:00:00", "call", "No Contact", "No Answer"),
    ("L2", "2026-01-05T10:00:00", "call", "Completed", "Wrong Number"),
    ("L1", "2026-01-05T09:00:00", "call", "No Contact", "No Answer"),
    ("L3", "2026-01-05T11:00:00", "call", "Completed", "Callback Requested"),
    ("L1", "2026-01-05T12:00:00", "call", "Completed", "Promise to Pay"),
    ("L2", "2026-01-06T10:00:00", "call", "No Contact", "No Answer"),
    ("L4", "2026-01-05T09:30:00", "whatsapp", "Completed", "Callback Requested"),
]


def record(
    i: int, loan: str, start: str, kind: str, status: str, disposition: str
) -> dict[str, Any]:
    return {
        "call_id" if kind == "call" else "message_id": f"id{i}",
        "start_time": start,
        "campaign_id": "C" if loan in ("L1", "L2") else "D",
        "loan_id": loan,
        "status": status,
        "disposition": disposition,
        "agent_id": "A",
        "type": kind,
    }


def frame() -> pd.DataFrame:
    return to_frame([record(i, *row) for i, row in enumerate(LOGS)])


def test_by_attempt_by_hand() -> None:
    table = frame().timepay.by_attempt()
    assert list(table.columns) == [
        "attempt",
        "loans",
        "contacts",
        "contact_rate",
        "ci_low",
        "ci_high",
        "promises",
        "cumulative_contacted",
    ]
    assert table["attempt"].tolist() == [1, 2, 3]
    assert table["loans"].tolist() == [3, 2, 1]
    assert table["contacts"].tolist() == [1, 1, 0]
    assert table["promises"].tolist() == [0, 1, 0]
    assert table["contact_rate"].tolist() == pytest.approx([1 / 3, 0.5, 0.0])
    assert table["cumulative_contacted"].tolist() == pytest.approx([1 / 3, 2 / 3, 2 / 3])
    assert table.loc[2, "ci_low"] == 0.0 and 0 < table.loc[2, "ci_high"] < 1
    assert frame().timepay.by_attempt(max_attempt=2)["attempt"].tolist() == [1, 2]
    every = frame().timepay.by_attempt(channel=None)  # L4's message is its attempt 1
    assert every["loans"].tolist() == [4, 2, 1] and every["contacts"].tolist() == [2, 1, 0]


def test_by_attempt_by_group_numbers_each_group() -> None:
    table = frame().timepay.by_attempt(by="campaign_id")
    assert table[["campaign_id", "attempt", "loans", "contacts"]].values.tolist() == [
        ["C", 1, 2, 0],
        ["C", 2, 2, 1],
        ["C", 3, 1, 0],
        ["D", 1, 1, 1],
    ]
    assert table["cumulative_contacted"].tolist() == pytest.approx([0, 0.5, 0.5, 1.0])


def test_attempts_to_contact_by_hand() -> None:
    table = frame().timepay.attempts_to_contact()
    assert table["attempts_needed"].tolist()[:2] == [1, 2]
    assert pd.isna(table["attempts_needed"].iloc[2])  # never contacted
    assert table["loans"].tolist() == [1, 1, 1]
    assert table["share"].tolist() == pytest.approx([1 / 3] * 3)
    assert table["cumulative_share"].tolist()[:2] == pytest.approx([1 / 3, 2 / 3])
    assert np.isnan(table["cumulative_share"].iloc[2])


def test_empty_and_bad_arguments() -> None:
    df = frame()
    assert df.iloc[:0].timepay.by_attempt().empty
    empty = df.iloc[:0].timepay.attempts_to_contact()
    assert empty["loans"].tolist() == [0]
    with pytest.raises(ValueError, match="max_attempt"):
        df.timepay.by_attempt(max_attempt=0)
    with pytest.raises(KeyError, match="loan_id"):
        df.drop(columns="loan_id").timepay.by_attempt()
    with pytest.raises(KeyError, match="start_time"):
        df.drop(columns="start_time").timepay.attempts_to_contact()
