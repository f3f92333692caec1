"""Funnels: five loans worked by hand, and random frames whose stages must never grow.

log  loan  channel   status      disposition         reaches
0    L1    call      No Contact  No Answer
1    L1    call      Completed   Promise to Pay      (due 2026-01-10 + 3)
2    L1    whatsapp  Completed   Already Paid        kept: L1 reaches every stage
3    L2    call      Completed   Wrong Number        connected, not contacted
4    L3    call      No Contact  No Answer           attempted only
5    L4    whatsapp  Completed   Callback Requested  contacted
6    L5    call      Failed      Network Error
7    L5    call      No Contact  Promise to Pay      (a promise without a contact: not counted)
8    L6    whatsapp  No Contact  No Response         delivered (message_status), not read
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import timepay_notebook  # noqa: F401 - registers df.timepay
from timepay_notebook.frames import to_frame
from timepay_notebook.funnel import STAGES, WHATSAPP_STAGES

LOGS = [
    ("L1", "call", "No Contact", "No Answer", None),
    ("L1", "call", "Completed", "Promise to Pay", None),
    ("L1", "whatsapp", "Completed", "Already Paid", "read"),
    ("L2", "call", "Completed", "Wrong Number", None),
    ("L3", "call", "No Contact", "No Answer", None),
    ("L4", "whatsapp", "Completed", "Callback Requested", "read"),
    ("L5", "call", "Failed", "Network Error", None),
    ("L5", "call", "No Contact", "Promise to Pay", None),
    ("L6", "whatsapp", "No Contact", "No Response", "delivered"),
]


def record(
    i: int, loan: str, kind: str, status: str, disposition: str, state: Any
) -> dict[str, Any]:
    promise = disposition == "Promise to Pay"
    return {
        "call_id" if kind == "call" else "message_id": f"id{i}",
        "start_time": f"2026-01-05T09:{i:02d}:00",
        "campaign_id": "C" if loan < "L4" else "D",
        "loan_id": loan,
        "status": status,
        "disposition": disposition,
        "extracted_data": {"promised_amount": 100, "promised_date": "2026-01-10"}
        if promise
        else {},
        "agent_id": "A",
        "type": kind,
        "message_status": state,
    }


def frame(logs: list[tuple[str, str, str, str, Any]] = LOGS) -> pd.DataFrame:
    return to_frame([record(i, *row) for i, row in enumerate(logs)])


def test_loans_fall_out_stage_by_stage() -> None:
    table = frame().timepay.funnel()
    assert list(table.columns) == ["stage", "count", "rate_from_previous", "rate_from_first"]
    assert table["stage"].tolist() == list(STAGES)
    assert table["count"].tolist() == [6, 3, 2, 1, 1]
    assert table["rate_from_previous"].tolist()[1:] == pytest.approx([0.5, 2 / 3, 0.5, 1.0])
    assert pd.isna(table["rate_from_previous"].iloc[0])
    assert table["rate_from_first"].tolist() == pytest.approx([1, 0.5, 1 / 3, 1 / 6, 1 / 6])


def test_per_attempt_per_channel_and_by_group() -> None:
    df = frame()
    assert df.timepay.funnel(unit=None)["count"].tolist() == [9, 4, 3, 1, 1]
    calls = df.timepay.funnel(channel="call")
    assert calls["count"].tolist() == [4, 2, 1, 1, 1]  # L1's promise, kept by its WhatsApp log
    messages = df.timepay.funnel(channel="whatsapp")
    assert messages["count"].tolist() == [3, 2, 2, 0, 0]
    by = df.timepay.funnel(by="campaign_id")
    assert by.columns[0] == "campaign_id"
    assert by.set_index(["campaign_id", "stage"])["count"].to_dict() == {
        **{("C", s): n for s, n in zip(STAGES, [3, 2, 1, 1, 1], strict=True)},
        **{("D", s): n for s, n in zip(STAGES, [3, 1, 1, 0, 0], strict=True)},
    }
    assert by["rate_from_first"].iloc[5] == 1.0  # each group starts again at its first stage
    assert df.timepay.funnel(unit="campaign_id")["count"].tolist() == [2, 2, 2, 1, 1]


def test_whatsapp_funnel_reads_the_message_statuses() -> None:
    table = frame().timepay.whatsapp_funnel()
    assert table["stage"].tolist() == list(WHATSAPP_STAGES)
    assert table["count"].tolist() == [3, 3, 2, 2, 0]
    with pytest.raises(KeyError, match="message_status"):
        frame().drop(columns="message_status").timepay.whatsapp_funnel()


def test_empty_and_missing_columns() -> None:
    df = frame()
    empty = df.iloc[:0].timepay.funnel()
    assert empty["count"].tolist() == [0] * 5 and empty["rate_from_first"].isna().all()
    with pytest.raises(KeyError, match="unit"):
        df.timepay.funnel(unit="nope")
    with pytest.raises(ValueError, match="channel"):
        df.timepay.funnel(channel="sms")


STATUS_OF = {
    "No Answer": "No Contact",
    "Promise to Pay": "Completed",
    "Already Paid": "Completed",
    "Wrong Number": "Completed",
    "Network Error": "Failed",
}


@st.composite
def logs(draw: st.DrawFn) -> pd.DataFrame:
    rows = []
    for _ in range(draw(st.integers(1, 25))):
        disposition = draw(st.sampled_from(list(STATUS_OF)))
        status = draw(st.sampled_from([STATUS_OF[disposition], "Completed", "No Contact"]))
        kind = draw(st.sampled_from(["call", "whatsapp"]))
        loan = draw(st.sampled_from(["L1", "L2", "L3", "L4"]))
        rows.append((loan, kind, status, disposition, draw(st.sampled_from(["read", "sent"]))))
    return frame(rows)


@pytest.mark.slow
@settings(max_examples=30, deadline=None)
@given(logs(), st.sampled_from(["loan_id", None, "campaign_id"]), st.sampled_from([None, "call"]))
def test_funnel_stages_never_grow(df: pd.DataFrame, unit: str | None, channel: str | None) -> None:
    in_channel = df if channel is None else df[df["type"] == channel]
    for table, groups in (
        (df.timepay.funnel(unit=unit, channel=channel), 1),
        (df.timepay.funnel(unit=unit, channel=channel, by="agent_id"), min(1, len(in_channel))),
        (df.timepay.whatsapp_funnel(unit=unit), 1),
    ):
        counts = table["count"].to_numpy()
        assert len(counts) == 5 * groups  # one agent: one group, none without a log to group
        assert (counts[1:] <= counts[:-1]).all()
        assert table["rate_from_previous"].dropna().between(0, 1).all()
