"""Did the promises hold: kept, broken, pending and superseded on a frame worked by hand.

    log  loan  made              kind            promised date (due +3)  amount
    0    L1    2026-01-05 10:00  Promise to Pay  2026-01-10 (01-13)      1000  kept: Already Paid 01-12 09:00
    1    L1    2026-01-12 09:00  Already Paid
    2    L2    2026-01-05 10:00  Promise to Pay  2026-01-08 (01-11)      2000  broken: paid too late
    3    L2    2026-01-12 10:00  Already Paid
    4    L3    2026-01-17 10:00  Already Paid    (before the promise: not evidence)
    5    L3    2026-01-18 10:00  Promise to Pay  2026-01-25 (01-28)      3000  pending
    6    L4    2026-01-02 10:00  Promise to Pay  2026-01-04              4000  superseded by 01-03
    7    L4    2026-01-03 10:00  Promise to Pay  2026-01-10 (01-13)       500  broken
    8    L5    2026-01-20 08:00  No Answer       (the latest log: as_of defaults to it)

Default (as of 2026-01-20 08:00, 3 days' grace, proxy): kept 1, broken 2, pending 1,
superseded 1; kept rate 1/3. Net promised 1000 + 2000 + 3000 + 500 = 6500.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import timepay_notebook  # noqa: F401 - registers df.timepay
from timepay_notebook.frames import to_frame
from timepay_notebook.promises import PROMISE_STATUSES

LOGS = [
    ("L1", "2026-01-05T10:00:00", "Promise to Pay", "2026-01-10", 1000, "A"),
    ("L1", "2026-01-12T09:00:00", "Already Paid", None, None, "B"),
    ("L2", "2026-01-05T10:00:00", "Promise to Pay", "2026-01-08", 2000, "A"),
    ("L2", "2026-01-12T10:00:00", "Already Paid", None, None, "A"),
    ("L3", "2026-01-17T10:00:00", "Already Paid", None, None, "B"),
    ("L3", "2026-01-18T10:00:00", "Promise to Pay", "2026-01-25", 3000, "B"),
    ("L4", "2026-01-02T10:00:00", "Promise to Pay", "2026-01-04", 4000, "B"),
    ("L4", "2026-01-03T10:00:00", "Promise to Pay", "2026-01-10", 500, "B"),
    ("L5", "2026-01-20T08:00:00", "No Answer", None, None, "A"),
]


def record(
    i: int, loan: str, start: str, disposition: str, date: Any, amount: Any, agent: str
) -> dict[str, Any]:
    extracted = {"promised_amount": amount, "promised_date": date} if amount else {}
    return {
        "call_id": f"id{i}",
        "start_time": start,
        "campaign_id": "C",
        "loan_id": loan,
        "status": "No Contact" if disposition == "No Answer" else "Completed",
        "disposition": disposition,
        "extracted_data": extracted,
        "agent_id": agent,
        "type": "call",
        "duration": 60,
    }


def frame() -> pd.DataFrame:
    return to_frame([record(i, *row) for i, row in enumerate(LOGS)])


def test_each_promise_gets_its_status_and_evidence() -> None:
    table = frame().timepay.promises()
    assert list(table.index) == [0, 2, 5, 6, 7]
    assert list(table.columns) == [
        "loan_id",
        "agent_id",
        "campaign_id",
        "promised_at",
        "amount",
        "promised_date",
        "due_date",
        "status",
        "evidence",
        "evidence_at",
    ]
    assert table["status"].tolist() == ["kept", "broken", "pending", "superseded", "broken"]
    assert table.loc[0, "evidence"] == "Already Paid log on 2026-01-12 09:00 (proxy)"
    assert table.loc[0, "evidence_at"] == pd.Timestamp("2026-01-12 09:00")
    assert table.loc[0, "due_date"] == pd.Timestamp("2026-01-13")
    assert table.loc[2, "evidence"] == "nothing by 2026-01-11"
    assert pd.isna(table.loc[2, "evidence_at"])  # the late Already Paid is not evidence
    assert table.loc[5, "evidence"] == "due by 2026-01-28"
    assert table.loc[6, "evidence_at"] == pd.Timestamp("2026-01-03 10:00")
    assert table.loc[0, "promised_at"] == pd.Timestamp("2026-01-05 10:00")
    assert "proxy" in table.attrs["timepay"]["title"]


def test_grace_and_as_of_move_the_line() -> None:
    df = frame()
    no_grace = df.timepay.promises(grace_days=0)["status"].tolist()
    assert no_grace == ["broken", "broken", "pending", "superseded", "broken"]  # 01-12 > 01-10
    long_grace = df.timepay.promises(grace_days=5)["status"].tolist()
    assert long_grace == ["kept", "kept", "pending", "superseded", "broken"]  # L2 due 01-13
    early = df.timepay.promises(as_of="2026-01-12")["status"].tolist()
    # on 01-12 00:00 nothing is paid yet; L1 is due 01-13, L2 was due 01-11, L4's 01-13
    assert early == ["pending", "broken", "pending", "superseded", "pending"]
    later = df.timepay.promises(as_of="2026-02-01")["status"].tolist()
    assert later == ["kept", "broken", "broken", "superseded", "broken"]


def test_payments_replace_the_proxy() -> None:
    payments = pd.DataFrame(
        {
            "loan_id": ["L2", "L1", "L4"],
            "paid_at": pd.to_datetime(["2026-01-09 12:00", "2026-01-14 09:00", "2026-01-02 12:00"]),
            "amount": [2000.0, 1000.0, 4000.0],
        }
    )
    table = frame().timepay.promises(payments=payments)
    # L1 paid a day late; L2 on time; L4's payment was before its live promise was made
    assert table["status"].tolist() == ["broken", "kept", "pending", "superseded", "broken"]
    assert table.loc[2, "evidence"] == "payment of 2,000 on 2026-01-09 12:00"
    assert "proxy" not in table.attrs["timepay"]["title"]
    with pytest.raises(KeyError, match="paid_at"):
        frame().timepay.promises(payments=payments.drop(columns="paid_at"))


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="grace_days"):
        frame().timepay.promises(grace_days=-1)
    with pytest.raises(ValueError, match="as_of"):
        frame().timepay.promises(as_of="next tuesday")


def test_summary_counts_statuses_and_rupees() -> None:
    df = frame()
    row = df.timepay.promise_summary().loc["All"]
    assert row[["promises", *PROMISE_STATUSES]].tolist() == [5, 1, 1, 2, 1]
    assert row["kept_rate"] == pytest.approx(1 / 3)
    assert row["amount"] == 6500.0  # net: the superseded 4000 is not counted
    assert row[["kept_amount", "broken_amount", "pending_amount"]].tolist() == [
        1000.0,
        2500.0,
        3000.0,
    ]
    assert df.timepay.kpis().loc["All", "ptp_kept_rate"] == pytest.approx(1 / 3)
    assert df.timepay.kpis().loc["All", "promised_amount"] == 6500.0
    by_agent = df.timepay.promise_summary(by="agent_id")
    assert by_agent["kept"].to_dict() == {"A": 1, "B": 0}
    assert by_agent["broken"].to_dict() == {"A": 1, "B": 1}
    assert df.timepay.kpis(by="agent_id")["ptp_kept_rate"].tolist() == [0.5, 0.0]


def test_empty_and_promise_free_frames() -> None:
    df = frame()
    none = df[df["disposition"] != "Promise to Pay"]
    assert none.timepay.promises().empty
    row = none.timepay.promise_summary().loc["All"]
    assert row["promises"] == 0 and np.isnan(row["kept_rate"])
    assert df.iloc[:0].timepay.promises().empty


DISPOSITIONS = ["Promise to Pay", "Already Paid", "No Answer", "Callback Requested"]


@st.composite
def logs(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 30))
    rows = []
    for i in range(n):
        loan = draw(st.sampled_from(["L1", "L2", "L3"]))
        day, hour = draw(st.integers(1, 28)), draw(st.integers(8, 18))
        disposition = draw(st.sampled_from(DISPOSITIONS))
        start = f"2026-01-{day:02d}T{hour:02d}:00:00"
        date = draw(st.one_of(st.none(), st.integers(1, 28).map(lambda d: f"2026-02-{d:02d}")))
        date = date if date is None else f"2026-01-{min(28, day + int(date[-2:]) % 9):02d}"
        rows.append(record(i, loan, start, disposition, date, 100 * (i + 1), "A"))
    return to_frame(rows) if rows else frame().iloc[:0]


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(logs(), st.integers(0, 5), st.one_of(st.none(), st.integers(1, 40)))
def test_statuses_partition_the_promises(df: pd.DataFrame, grace: int, day: int | None) -> None:
    as_of = None if day is None else pd.Timestamp("2026-01-01") + pd.Timedelta(days=day)
    table = df.timepay.promises(as_of=as_of, grace_days=grace)
    promises = int((df["disposition"] == "Promise to Pay").sum()) if len(df) else 0
    assert len(table) == promises
    assert table["status"].isin(PROMISE_STATUSES).all()  # exactly one status each
    summary = df.timepay.promise_summary(as_of=as_of, grace_days=grace).loc["All"]
    assert summary[list(PROMISE_STATUSES)].sum() == summary["promises"] == promises
    kept = table[table["status"] == "kept"]
    assert (kept["evidence_at"] > kept["promised_at"]).all()
    dated = kept[kept["due_date"].notna()]
    assert (dated["evidence_at"].dt.normalize() <= dated["due_date"]).all()
