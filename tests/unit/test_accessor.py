"""The `.timepay` accessor: summaries and KPIs against hand-worked numbers and independent groupbys.

`small` (the fixture; the records are `tests.helpers.small_records()`) is ten logs whose every figure below was worked out by hand from this table:

    #  type      campaign loan to          status     disposition     sec  start (weekday hour)
    0  call      A        L1   9000000001  Completed  Promise to Pay  120  Mon 10  {5000}
    1  call      A        L1   9000000001  No Contact Voicemail        20  Mon 11
    2  call      A        L2   9000000002  No Contact No Answer         0  Tue 10
    3  call      A        L2   9000000002  Completed  Wrong Number     15  Tue 18
    4  call      B        L3   9000000003  Failed     Network Error     0  Tue 18
    5  call      B        L3   9000000003  Completed  Dispute         300  Wed 10
    6  whatsapp  B        L3   9000000003  Completed  Promise to Pay    -  Wed 19  {2500}
    7  whatsapp  B        L4   9000000004  No Contact No Response       -  Wed 19
    8  whatsapp  C        L4   9000000004  Failed     Undelivered       -  Thu 10  (None)
    9  call      C        L4   9000000004  Completed  Not Interested   45  Thu 10
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import timepay_notebook  # noqa: F401 - registers df.timepay
from tests.helpers import NAMES, small_records
from timepay_notebook import accessor, masking, presentation
from timepay_notebook.export import write_frame
from timepay_notebook.frames import empty_frame, to_frame
from timepay_notebook.sandbox import SandboxServer


@pytest.fixture(scope="module")
def sandbox_frame() -> pd.DataFrame:
    return to_frame(SandboxServer(n_logs=3000, seed=11).truth())


def contact(frame: pd.DataFrame) -> pd.Series:
    """Contacts, computed independently of the accessor."""
    return (frame["status"].astype(str) == "Completed") & (
        frame["disposition"].astype(str) != "Wrong Number"
    )


# ---------------------------------------------------------------- registration


def test_the_accessor_is_rebuilt_each_time_and_holds_no_state(small: pd.DataFrame) -> None:
    first, second = small.timepay, small.timepay
    assert isinstance(first, accessor.TimePayAccessor)
    assert first is not second
    assert not hasattr(first, "__dict__")  # __slots__: nothing but the frame


def test_a_frame_without_the_needed_columns_has_no_accessor(small: pd.DataFrame) -> None:
    with pytest.raises(AttributeError, match="lacks 'disposition'"):
        _ = small.drop(columns="disposition").timepay
    assert not hasattr(pd.DataFrame({"a": [1]}), "timepay")


def test_no_method_modifies_the_frame(small: pd.DataFrame) -> None:
    small.attrs["filters"] = {"phone": "9000000001"}
    before = small.copy()
    cells, attrs = copy.deepcopy(small["extracted_data"].tolist()), copy.deepcopy(small.attrs)
    for name in (
        "disposition_summary",
        "duration_summary",
        "kpis",
        "by_hour",
        "by_weekday",
        "attempts_per_loan",
        "daily",
        "extracted",
        "mask_pii",
        "contact_grid",
        "promises",
    ):
        getattr(small.timepay, name)()
    small.timepay.compare("agent_id", adjust_for="campaign_id", channel=None)
    pd.testing.assert_frame_equal(small, before)
    assert small["extracted_data"].tolist() == cells
    assert small.attrs == attrs


# ---------------------------------------------------------------- summaries, by hand


def test_disposition_summary_by_hand(small: pd.DataFrame) -> None:
    table = small.timepay.disposition_summary()
    assert table.index.names == ["status", "disposition"]
    assert list(table.index) == [
        ("Completed", "Promise to Pay"),
        ("Completed", "Not Interested"),
        ("Completed", "Wrong Number"),
        ("Completed", "Dispute"),
        ("No Contact", "Voicemail"),
        ("No Contact", "No Answer"),
        ("No Contact", "No Response"),
        ("Failed", "Network Error"),
        ("Failed", "Undelivered"),
        ("Total", ""),
    ]
    assert table["count"].tolist() == [2, 1, 1, 1, 1, 1, 1, 1, 1, 10]
    assert table["share"].tolist() == pytest.approx([0.2, *[0.1] * 8, 1.0])
    # a disposition's share of its status: 2 of the 5 Completed, 1 of the 3 No Contact, ...
    within = table["share_within_status"].tolist()
    assert within[:-1] == pytest.approx([0.4, 0.2, 0.2, 0.2, 1 / 3, 1 / 3, 1 / 3, 0.5, 0.5])
    assert math.isnan(within[-1])
    assert table.attrs["timepay"]["rates"] == ["share", "share_within_status"]
    assert "Total" not in table.index.get_level_values("disposition")  # labelled once


def test_disposition_summary_grouped_by_hand(small: pd.DataFrame) -> None:
    table = small.timepay.disposition_summary(by="campaign_name")
    c = table.loc["Campaign C"]
    assert list(c.index) == [
        ("Completed", "Not Interested"),
        ("Failed", "Undelivered"),
        ("Total", ""),
    ]
    assert c["count"].tolist() == [1, 1, 2]
    assert c["share_within_status"].tolist()[:2] == [1.0, 1.0]  # the only one of its status
    assert c["share"].tolist() == [0.5, 0.5, 1.0]
    assert list(table.index.get_level_values(0).unique()) == [
        "Campaign A",
        "Campaign B",
        "Campaign C",
    ]
    totals = table.xs("Total", level="status")["count"]
    assert totals.tolist() == [4, 4, 2]


def test_duration_summary_by_hand(small: pd.DataFrame) -> None:
    table = small.timepay.duration_summary()
    assert list(table.index) == ["connected", "not connected"]
    connected, not_connected = table.loc["connected"], table.loc["not connected"]
    # connected calls (status Completed, Wrong Number included): 120, 15, 300, 45 seconds
    assert connected["calls"] == 4
    assert connected["total_minutes"] == pytest.approx(480 / 60)
    assert connected["mean_seconds"] == pytest.approx(120)
    assert connected["median_seconds"] == pytest.approx((45 + 120) / 2)
    assert connected["p90_seconds"] == pytest.approx(120 + 0.7 * (300 - 120))
    assert connected["max_seconds"] == 300
    # not connected calls: 20, 0, 0 seconds; WhatsApp messages have no duration and don't count
    assert not_connected["calls"] == 3
    assert not_connected["total_minutes"] == pytest.approx(20 / 60)
    assert not_connected["mean_seconds"] == pytest.approx(20 / 3)
    assert not_connected["median_seconds"] == 0
    assert not_connected["p90_seconds"] == pytest.approx(0.8 * 20)
    assert table["calls"].dtype == "int64"


def test_kpis_by_hand(small: pd.DataFrame) -> None:
    row = small.timepay.kpis().loc["All"]
    expected = {
        "attempts": 10,
        "unique_loans": 4,
        "unique_customers": 4,
        "contacts": 4,  # five Completed, less one Wrong Number
        "contact_rate": 0.4,
        "connect_rate": 0.5,  # five Completed of ten
        "loans_contacted_rate": 0.75,  # L1, L3 and L4 had a contact; L2 only a wrong number
        "attempts_per_contact": 2.5,
        "promises_to_pay": 2,
        "ptp_rate": 0.2,
        "ptp_per_contact": 0.5,
        "voicemail_rate": 1 / 7,  # one voicemail in seven calls
        "failure_rate": 0.2,
        "avg_connected_seconds": 120.0,
        "attempts_per_loan": 2.5,
        "promised_amount": 7500.0,
        "promised_amount_gross": 7500.0,  # two loans, one promise each
        "ptp_kept_rate": np.nan,  # both promises pending on 2026-01-08: none came due
    }
    assert list(row.index) == list(expected)
    assert row.to_dict() == pytest.approx(expected, nan_ok=True)


def test_kpis_grouped_by_hand(small: pd.DataFrame) -> None:
    table = small.timepay.kpis(by="campaign_name")
    assert list(table.index) == ["Campaign A", "Campaign B", "Campaign C"]
    assert table["attempts"].tolist() == [4, 4, 2]
    assert table["contacts"].tolist() == [1, 2, 1]
    assert table["contact_rate"].tolist() == pytest.approx([0.25, 0.5, 0.5])
    assert table["ptp_per_contact"].tolist() == pytest.approx([1.0, 0.5, 0.0])
    assert table["voicemail_rate"].tolist() == pytest.approx([0.25, 0.0, 0.0])
    assert table["failure_rate"].tolist() == pytest.approx([0.0, 0.25, 0.5])
    assert table["avg_connected_seconds"].tolist() == pytest.approx([67.5, 300.0, 45.0])
    assert table["attempts_per_loan"].tolist() == pytest.approx([2.0, 2.0, 2.0])
    assert table["promised_amount"].tolist() == [5000.0, 2500.0, 0.0]


def test_by_hour_and_by_weekday_by_hand(small: pd.DataFrame) -> None:
    hours = small.timepay.by_hour(channel=None, min_attempts=1)
    assert list(hours.index) == [10, 11, 18, 19]
    assert hours["attempts"].tolist() == [5, 1, 2, 2]
    assert hours["contacts"].tolist() == [3, 0, 0, 1]
    assert hours["contact_rate"].tolist() == pytest.approx([0.6, 0.0, 0.0, 0.5])
    days = small.timepay.by_weekday(channel=None, min_attempts=1)
    assert list(days.index) == ["Monday", "Tuesday", "Wednesday", "Thursday"]
    assert days["attempts"].tolist() == [2, 3, 3, 2]
    assert days["contact_rate"].tolist() == pytest.approx([0.5, 0.0, 2 / 3, 0.5])


def test_daily_by_hand(small: pd.DataFrame) -> None:
    table = small.timepay.daily()
    assert list(table.columns) == ["Completed", "No Contact", "Failed", "total"]
    assert list(table.index) == list(pd.date_range("2026-01-05", "2026-01-08"))
    assert table.to_numpy().tolist() == [[1, 1, 0, 2], [1, 1, 1, 3], [2, 1, 0, 3], [1, 0, 1, 2]]


def test_attempts_per_loan_by_hand(small: pd.DataFrame) -> None:
    table = small.timepay.attempts_per_loan()
    assert list(table.index) == ["LOAN-L3", "LOAN-L4", "LOAN-L1", "LOAN-L2"]  # most attempts first
    assert table["attempts"].tolist() == [3, 3, 2, 2]
    assert table["contacts"].tolist() == [2, 1, 1, 0]
    assert table["promises_to_pay"].tolist() == [1, 0, 1, 0]
    assert table.loc["LOAN-L1", "first_attempt"] == pd.Timestamp("2026-01-05 10:15")
    assert table.loc["LOAN-L1", "last_attempt"] == pd.Timestamp("2026-01-05 11:00")


def test_extracted_expands_the_dicts_on_the_frame_index(small: pd.DataFrame) -> None:
    frame = small.set_axis(range(100, 110))
    frame.loc[105, "extracted_data"] = '{"promised_amount": "700", "channel": "app"}'
    table = frame.timepay.extracted()
    assert list(table.index) == list(range(100, 110))
    assert list(table.columns) == ["promised_amount", "promised_date", "channel"]
    assert table["promised_amount"].dtype == "float64"
    assert str(table["promised_date"].dtype) == "datetime64[us]"
    assert table["promised_amount"].dropna().to_dict() == {100: 5000.0, 105: 700.0, 106: 2500.0}
    assert table.loc[106, "promised_date"] == pd.Timestamp("2026-01-12")
    assert table["channel"].dropna().to_dict() == {105: "app"}
    assert table.loc[108].isna().all()  # None in extracted_data


# ---------------------------------------------------------------- grouped, against groupby


def test_kpis_grouped_match_an_independent_groupby(sandbox_frame: pd.DataFrame) -> None:
    df = sandbox_frame
    by = ["campaign_name", "type"]
    table = df.timepay.kpis(by=by)
    work = df.assign(
        contact=contact(df),
        promise=df["disposition"].astype(str) == "Promise to Pay",
        failed=df["status"].astype(str) == "Failed",
        voicemail=df["disposition"].astype(str) == "Voicemail",
        call=df["type"].astype(str) == "call",
    )
    g = work.groupby(by, observed=True)
    attempts = g.size()
    assert table["attempts"].to_dict() == attempts.to_dict()
    assert table["unique_loans"].to_dict() == g["loan_id"].nunique().to_dict()
    assert table["contact_rate"].to_numpy() == pytest.approx(
        (g["contact"].sum() / attempts).to_numpy()
    )
    assert table["ptp_per_contact"].to_numpy() == pytest.approx(
        (g["promise"].sum() / g["contact"].sum()).to_numpy()
    )
    assert table["failure_rate"].to_numpy() == pytest.approx(
        (g["failed"].sum() / attempts).to_numpy()
    )
    calls = g["call"].sum()
    voicemail = (g["voicemail"].sum() / calls.where(calls > 0)).to_numpy(dtype=float)
    assert table["voicemail_rate"].to_numpy() == pytest.approx(voicemail, nan_ok=True)
    connected = work[work["status"].astype(str) == "Completed"].groupby(by, observed=True)
    seconds = connected["duration"].mean().astype(float).reindex(table.index)
    assert table["avg_connected_seconds"].to_numpy() == pytest.approx(
        seconds.to_numpy(), nan_ok=True
    )
    amounts = df["extracted_data"].map(lambda d: d.get("promised_amount", 0))
    assert (
        table["promised_amount_gross"].to_dict()
        == amounts.groupby([df[k] for k in by], observed=True).sum().astype(float).to_dict()
    )
    assert table["contact_rate"].between(0, 1).all()


def test_disposition_summary_grouped_matches_groupby(sandbox_frame: pd.DataFrame) -> None:
    df = sandbox_frame
    table = df.timepay.disposition_summary(by="agent_id")
    rows = table.drop(index="Total", level="status")
    counts = df.groupby(["agent_id", "status", "disposition"], observed=True).size()
    assert rows["count"].to_dict() == counts.to_dict()
    per_agent = df.groupby("agent_id", observed=True).size()
    totals = table.xs("Total", level="status")["count"].droplevel("disposition")
    assert totals.to_dict() == per_agent.to_dict()
    shares = (counts / counts.groupby(level="agent_id").transform("sum")).to_dict()
    assert rows["share"].to_dict() == pytest.approx(shares)


def test_duration_summary_grouped_matches_groupby(sandbox_frame: pd.DataFrame) -> None:
    df = sandbox_frame
    table = df.timepay.duration_summary(by="campaign_name")
    calls = df[df["duration"].notna()].assign(
        connection=np.where(df["status"].astype(str) == "Completed", "connected", "not connected")[
            df["duration"].notna().to_numpy()
        ],
        seconds=lambda d: d["duration"].astype(float),
    )
    g = calls.groupby(["campaign_name", "connection"], observed=True)["seconds"]
    for (campaign, connection), seconds in g:
        row = table.loc[(campaign, connection)]
        assert row["calls"] == len(seconds)
        assert row["total_minutes"] == pytest.approx(seconds.sum() / 60)
        assert row["median_seconds"] == pytest.approx(seconds.median())
        assert row["p90_seconds"] == pytest.approx(seconds.quantile(0.9))
        assert row["max_seconds"] == seconds.max()
    # the all-WhatsApp campaign has both rows, with no calls
    nudge = table.loc["WhatsApp EMI Nudge"]
    assert nudge["calls"].tolist() == [0, 0] and nudge["mean_seconds"].isna().all()
    assert len(table) == 2 * df["campaign_name"].nunique()


def test_time_tables_match_groupby(sandbox_frame: pd.DataFrame) -> None:
    df = sandbox_frame
    hours = df.timepay.by_hour(by="type", channel=None, min_attempts=1)
    key = [df["type"], df["start_time"].dt.hour.rename("hour")]
    expected = contact(df).groupby(key, observed=True).agg(["size", "sum", "mean"])
    assert hours["attempts"].to_dict() == expected["size"].to_dict()
    assert hours["contact_rate"].to_numpy() == pytest.approx(expected["mean"].to_numpy())
    daily = df.timepay.daily()
    crosstab = pd.crosstab(df["date"], df["status"].astype(str))
    for status in ("Completed", "No Contact", "Failed"):
        assert daily[status].to_dict() == crosstab[status].to_dict()
    assert daily["total"].sum() == len(df)
    per_loan = df.timepay.attempts_per_loan()
    assert per_loan["attempts"].to_dict() == df.groupby("loan_id").size().to_dict()
    assert per_loan["attempts"].is_monotonic_decreasing


# ---------------------------------------------------------------- edge cases


def test_empty_frames_give_empty_tables_and_zero_counts() -> None:
    empty = empty_frame()
    kpis = empty.timepay.kpis()
    assert kpis.loc["All", "attempts"] == 0 and kpis.loc["All", "unique_loans"] == 0
    assert kpis.loc["All", ["contact_rate", "ptp_rate", "avg_connected_seconds"]].isna().all()
    summary = empty.timepay.disposition_summary()
    assert list(summary.index) == [("Total", "")] and summary["count"].tolist() == [0]
    durations = empty.timepay.duration_summary()
    assert durations["calls"].tolist() == [0, 0]
    for table in (
        empty.timepay.kpis(by="campaign_name"),
        empty.timepay.disposition_summary(by="agent_id"),
        empty.timepay.duration_summary(by="type"),
        empty.timepay.by_hour(),
        empty.timepay.by_weekday(),
        empty.timepay.daily(),
        empty.timepay.attempts_per_loan(),
        empty.timepay.extracted(),
    ):
        assert table.empty and len(table.columns) > 0
    assert list(empty.timepay.daily().columns) == ["Completed", "No Contact", "Failed", "total"]
    assert len(empty.timepay.mask_pii()) == 0


def test_a_whatsapp_only_frame_has_no_durations(small: pd.DataFrame) -> None:
    whatsapp = small[small["type"] == "whatsapp"]
    durations = whatsapp.timepay.duration_summary()
    assert durations["calls"].tolist() == [0, 0]
    assert durations["total_minutes"].tolist() == [0.0, 0.0]
    assert durations["mean_seconds"].isna().all()
    row = whatsapp.timepay.kpis().loc["All"]
    assert row["attempts"] == 3 and row["contacts"] == 1
    assert math.isnan(row["voicemail_rate"])  # no calls: no denominator
    assert math.isnan(row["avg_connected_seconds"])
    assert row["promised_amount"] == 2500.0


def test_a_filtered_frame_drops_unused_categories(sandbox_frame: pd.DataFrame) -> None:
    one = sandbox_frame[sandbox_frame["campaign_name"] == "WhatsApp EMI Nudge"]
    assert len(one["campaign_name"].cat.categories) > 1  # the filter kept them
    table = one.timepay.kpis(by="campaign_name")
    assert list(table.index) == ["WhatsApp EMI Nudge"]
    assert list(table.index.categories) == ["WhatsApp EMI Nudge"]
    summary = one.timepay.disposition_summary(by=["campaign_name", "agent_id"])
    assert set(summary.index.get_level_values("campaign_name")) == {"WhatsApp EMI Nudge"}
    assert summary.xs("Total", level="status")["count"].sum() == len(one)


def test_added_columns_group_and_missing_optional_columns_degrade(small: pd.DataFrame) -> None:
    frame = small.assign(region=["North", "South"] * 5)
    table = frame.timepay.kpis(by="region")
    assert table["attempts"].tolist() == [5, 5]
    assert table["contacts"].tolist() == [2, 2]  # North: rows 0, 6; South: rows 5, 9
    bare = small.drop(columns=["loan_id", "to", "duration", "extracted_data", "type"])
    row = bare.timepay.kpis().loc["All"]
    assert row["attempts"] == 10 and row["contact_rate"] == pytest.approx(0.4)
    assert pd.isna(row["unique_loans"]) and pd.isna(row["attempts_per_loan"])
    assert pd.isna(row["promised_amount"]) and pd.isna(row["avg_connected_seconds"])
    with pytest.raises(KeyError, match="duration_summary needs the column 'duration'"):
        bare.timepay.duration_summary()
    with pytest.raises(KeyError, match="no column 'regio'"):
        frame.timepay.kpis(by="regio")


def test_a_frame_read_back_from_csv_gives_the_same_numbers(
    sandbox_frame: pd.DataFrame, tmp_path: Path
) -> None:
    path = write_frame(sandbox_frame, tmp_path / "logs.csv")
    text_only = pd.read_csv(path, dtype={"to": "str", "loan_id": "str"})  # no categories, no dates
    pd.testing.assert_frame_equal(text_only.timepay.kpis(), sandbox_frame.timepay.kpis())
    pd.testing.assert_frame_equal(text_only.timepay.by_hour(), sandbox_frame.timepay.by_hour())
    assert text_only.timepay.extracted()["promised_amount"].sum() == pytest.approx(
        sandbox_frame.timepay.kpis().loc["All", "promised_amount_gross"]
    )


def test_the_methods_carry_their_definitions() -> None:
    doc = accessor.TimePayAccessor.kpis.__doc__ or ""
    assert "Wrong Number" in doc and "contacts / attempts" in doc
    assert accessor.TimePayAccessor.mask_pii.__doc__ == masking.mask_pii.__doc__


def test_timezone_aware_times_give_local_hours() -> None:
    naive = to_frame(small_records())
    aware = to_frame(small_records(), tz="Asia/Kolkata")
    pd.testing.assert_frame_equal(aware.timepay.by_hour(), naive.timepay.by_hour())
    utc = to_frame(small_records(), tz="UTC").timepay.by_hour(channel=None)
    assert list(utc.index) == [4, 5, 12, 13]  # 10:15 IST is 04:45 UTC


# ---------------------------------------------------------------- masking


def pii_frame() -> pd.DataFrame:
    records = small_records()
    records[3]["summary"] = (
        "The person who answered said the number does not belong to Vikram Sethi."
    )
    records[5]["summary"] = (
        "Dispute about penalty charges on loan LOAN-L3; call back on +91 90000 00003."
    )
    records[0]["extracted_data"] = {
        **records[0]["extracted_data"],
        "alt_phone": 9000000002,
        "note": "ASHA RAO asked for LOAN-L1 receipt",
    }
    frame = to_frame(records).assign(notes="Meera's number 9123456789")
    frame.attrs["filters"] = {"phone": "9000000001", "from_phone": "+918035450808"}
    return frame


def test_mask_pii_leaves_no_name_phone_or_loan_id() -> None:
    frame = pii_frame()
    masked = frame.timepay.mask_pii(key="team secret")
    text = masked.to_csv() + repr(masked.attrs) + repr(masked["extracted_data"].tolist())
    secrets_ = {
        *frame["name"],
        *frame["loan_id"],
        *frame["to"],
        *frame["from"],
        "8035450808",
        "9123456789",
        "90000 00003",
        "ASHA",
        "Meera",
        "Sethi",
    }
    secrets_ |= {word for name in NAMES.values() for word in name.split()}
    assert [s for s in secrets_ if s in text] == []
    assert masked.loc[0, "name"].startswith("Customer ")
    assert masked.loc[0, "to"].startswith("Phone ")
    assert masked.loc[0, "loan_id"].startswith("Loan ")
    assert (
        masked.loc[3, "summary"]
        == "The person who answered said the number does not belong to [name]."
    )
    assert masked.loc[5, "summary"].startswith(
        f"Dispute about penalty charges on loan {masked.loc[5, 'loan_id']};"
    )
    assert masked.attrs["filters"]["phone"] == masked.loc[0, "to"]
    assert masked.loc[0, "extracted_data"]["alt_phone"] == masked.loc[2, "to"]
    assert masked.loc[0, "extracted_data"]["promised_amount"] == 5000
    assert masked["notes"].iloc[0] == "[name]'s number [number]"
    assert masked.dtypes.equals(frame.dtypes)


def test_mask_pii_is_stable_per_value_and_keeps_every_count() -> None:
    frame = to_frame(SandboxServer(n_logs=600, seed=3).truth())
    one, two = frame.timepay.mask_pii(key=b"k"), frame.timepay.mask_pii(key=b"k")
    pd.testing.assert_frame_equal(one, two)
    other = frame.timepay.mask_pii(key=b"other")
    assert not (other["loan_id"] == one["loan_id"]).any()
    for column in ("name", "loan_id", "to"):
        pairs = frame[[column]].assign(masked=one[column]).drop_duplicates()
        assert pairs[column].is_unique and pairs["masked"].is_unique  # one-to-one
    pd.testing.assert_frame_equal(
        one.timepay.kpis(by="campaign_name"), frame.timepay.kpis(by="campaign_name")
    )
    random_key = frame.timepay.mask_pii()
    assert random_key["loan_id"].nunique() == frame["loan_id"].nunique()
    assert not (random_key["loan_id"] == one["loan_id"]).any()


def test_mask_pii_masks_an_index_of_loan_ids(small: pd.DataFrame) -> None:
    masked = small.set_index("loan_id").timepay.mask_pii(key="k")
    assert masked.index.name == "loan_id"
    assert not any("LOAN-" in v for v in masked.index)
    assert masked.index.nunique() == 4


# ---------------------------------------------------------------- presentation


def test_style_shows_rates_as_percentages_and_keeps_the_data(small: pd.DataFrame) -> None:
    table = small.timepay.kpis(by="campaign_name")
    styler = small.timepay.style(table)
    html = styler.to_html()
    assert "25.0%" in html and "Contact rate" in html and "PTP rate (per contact)" in html
    assert "0.250000" not in html
    assert styler.data is not None and styler.data.equals(table)
    assert table["contact_rate"].dtype == "float64"  # the data itself stays a fraction
    empty = presentation.style(empty_frame().timepay.kpis()).to_html()
    assert "\u2013" in empty  # NaN rates shown as a dash


def test_style_falls_back_to_rate_like_names() -> None:
    table = pd.DataFrame({"visits": [1200, 3], "open_rate": [0.5, 0.25]})
    html = presentation.style(table).to_html()
    assert "50.0%" in html and "1,200" in html


def test_summaries_show_percentages_in_their_html_repr(small: pd.DataFrame) -> None:
    table = small.timepay.kpis()
    assert table.loc["All", "contact_rate"] == pytest.approx(0.4)  # a fraction in the data
    html = table._repr_html_()  # what Jupyter and nbconvert render
    assert "40.0%" in html
    assert "Contact rate" in html
    derived = table[["contact_rate"]] * 2
    assert type(derived) is pd.DataFrame  # anything derived is a plain frame again
    assert "40.0%" not in derived._repr_html_()


def test_summaries_show_percentages_as_text_too(small: pd.DataFrame) -> None:
    text = repr(small.timepay.kpis())
    assert "40.0%" in text and "Contact rate" in text
    assert "10" in text and "10.0%" not in text  # counts stay counts
    derived = small.timepay.kpis()[["contact_rate"]] * 1  # a plain frame again
    assert "0.4" in repr(derived) and "40.0%" not in repr(derived)
