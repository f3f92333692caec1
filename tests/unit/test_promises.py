"""Promises counted once: a loan that promises three times, renewals on the day, the sandbox.

    loan  agent  made              promised date  amount
    L1    A      2026-01-05 10:00  2026-01-10       5000   superseded: L1 promised again on 01-08
    L1    B      2026-01-08 11:00  2026-01-15       4000   counts: the next promise is after 01-15
    L1    A      2026-01-20 12:00  2026-01-25       3000   counts: the last one
    L2    B      2026-01-05 09:00  2026-01-07       2000   superseded: renewed on its date
    L2    B      2026-01-07 17:00  2026-01-09       1500   counts
    L3    A      2026-01-06 09:00  (none)            700   superseded: no date, promised again
    L3    A      2026-01-30 09:00  2026-02-02        800   counts
    L4    A      2026-01-06 10:00  (a callback, not a promise; its amount is ignored)

Net: 4000 + 3000 + 1500 + 800 = 9300; gross: every promise, 17000. By agent: A net 3800
(3000 + 800) of gross 9500; B net 5500 (4000 + 1500) of gross 7500.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

import timepay_notebook  # noqa: F401 - registers df.timepay
from timepay_notebook.frames import to_frame
from timepay_notebook.sandbox import SandboxServer

PROMISES = [
    ("L1", "A", "2026-01-05T10:00:00", "2026-01-10", 5000),
    ("L1", "B", "2026-01-08T11:00:00", "2026-01-15", 4000),
    ("L1", "A", "2026-01-20T12:00:00", "2026-01-25", 3000),
    ("L2", "B", "2026-01-05T09:00:00", "2026-01-07", 2000),
    ("L2", "B", "2026-01-07T17:00:00", "2026-01-09", 1500),
    ("L3", "A", "2026-01-06T09:00:00", None, 700),
    ("L3", "A", "2026-01-30T09:00:00", "2026-02-02", 800),
    ("L4", "A", "2026-01-06T10:00:00", "2026-01-08", 9999),
]


def records() -> list[dict[str, Any]]:
    rows = []
    for i, (loan, agent, start, date, amount) in enumerate(PROMISES):
        extracted: dict[str, Any] = {"promised_amount": amount}
        if date:
            extracted["promised_date"] = date
        rows.append(
            {
                "call_id": f"id{i}",
                "date": start[:10],
                "start_time": start,
                "end_time": start,
                "campaign_id": "C",
                "loan_id": loan,
                "to": f"900000000{loan[1]}",
                "status": "Completed",
                "disposition": "Callback Requested" if loan == "L4" else "Promise to Pay",
                "extracted_data": extracted,
                "agent_id": agent,
                "type": "call",
                "duration": 60,
            }
        )
    return rows


def test_a_loan_that_promises_three_times_counts_its_live_promises_once() -> None:
    df = to_frame(records())
    row = df.timepay.kpis().loc["All"]
    assert row["promises_to_pay"] == 7
    assert row["promised_amount"] == 9300.0
    assert row["promised_amount_gross"] == 17000.0
    by_agent = df.timepay.kpis(by="agent_id")
    assert by_agent["promised_amount"].to_dict() == {"A": 3800.0, "B": 5500.0}
    assert by_agent["promised_amount_gross"].to_dict() == {"A": 9500.0, "B": 7500.0}


def test_promises_lists_each_promise_and_whether_it_was_superseded() -> None:
    df = to_frame(records()).set_axis(range(100, 108))
    table = df.timepay.promises()
    assert list(table.index) == list(range(100, 107))  # the callback is not a promise
    superseded = (table["status"] == "superseded").tolist()
    assert superseded == [True, False, False, True, False, True, False]
    assert table.loc[102, "amount"] == 3000.0
    assert table.loc[100, "promised_date"] == pd.Timestamp("2026-01-10")
    assert table.loc[100, "evidence_at"] == pd.Timestamp("2026-01-08 11:00")  # the renewal
    assert table.loc[100, "evidence"] == "promised again on 2026-01-08 11:00"
    shuffled = df.sample(frac=1.0, random_state=3)  # order of the rows does not matter
    assert shuffled.timepay.promises()["status"].sort_index().tolist() == (table["status"].tolist())
    assert shuffled.timepay.kpis().loc["All", "promised_amount"] == 9300.0


def independent_net(records: list[dict[str, Any]]) -> float:
    """The rule, applied loan by loan with plain Python."""
    promises = sorted(
        (r["loan_id"], r["start_time"], r["extracted_data"])
        for r in records
        if r["disposition"] == "Promise to Pay"
    )
    total = 0.0
    for i, (loan, _, data) in enumerate(promises):
        later = [p for p in promises[i + 1 :] if p[0] == loan]
        if not later or later[0][1][:10] > data["promised_date"]:
            total += data["promised_amount"]
    return total


def test_on_the_sandbox_renewed_promises_are_not_added_again() -> None:
    srv = SandboxServer(n_logs=5000)
    truth = srv.truth()
    row = to_frame(truth).timepay.kpis().loc["All"]
    assert row["promises_to_pay"] == 419
    assert row["promised_amount_gross"] == 3_755_500  # what the old KPI called promised
    assert row["promised_amount"] == pytest.approx(independent_net(truth))
    assert row["promised_amount"] < 0.8 * row["promised_amount_gross"]  # 76%: renewals
