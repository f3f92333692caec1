"""The typed frame: schema and dtypes, missing and extra fields, malformed records (no network)."""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import timepay_notebook as tp
from timepay_notebook.frames import FrameBuilder, to_frame
from timepay_notebook.schema import SCHEMA

CALL = {
    "call_id": "KjbdfYCefvutafHGCDhgfhgafhdyfyg",
    "date": "2026-01-17",
    "start_time": "2026-01-17T08:33:36",
    "end_time": "2026-01-17T08:35:08",
    "campaign_name": "August EMI Reminder Campaign",
    "campaign_id": "LKsfiGVdygfvYFGCdygayhf",
    "name": "John Wick",
    "loan_id": "LOAN-ABC-123",
    "duration": 14,
    "direction": "outbound",
    "from": "+918888888888",
    "to": "9999999999",
    "status": "No Contact",
    "disposition": "Voicemail",
    "transcript_id": "7437557f-7ab9-4012-b411-a6f534c5aaf0",
    "recording_id": "9242c009-1f8f-4bd6-a40c-e40926d1fd88",
    "extracted_data": {},
    "summary": "Customer acknowledged the pending EMI of ₹12,500 due on August 15 and promised to deposit the amount by tomorrow.",
    "agent_id": "lGJVyhgvayGDtfsfdfdf",
    "disposition_id": "YefgTYRCdygdygw",
    "type": "call",
}
MESSAGE = {
    "message_id": "wamid.abc",
    "date": "2026-01-18",
    "start_time": "2026-01-18T10:00:00",
    "end_time": "2026-01-18T10:20:00",
    "campaign_name": "WhatsApp EMI Nudge",
    "campaign_id": "tcELESaJAtDfnWxJvzLU",
    "name": "Priya Naidu",
    "loan_id": "LOAN-XYZ-1",
    "direction": "outbound",
    "from": "+919892100100",
    "to": "8888889956",
    "status": "Completed",
    "disposition": "Promise to Pay",
    "message_status": "read",
    "template_name": "emi_nudge",
    "extracted_data": {"promised_amount": 12500, "promised_date": "2026-01-20"},
    "summary": "Promised.",
    "agent_id": "waBot",
    "disposition_id": "PtP",
    "type": "whatsapp",
    "button_clicked": "Pay now",
}


def assert_schema(frame: pd.DataFrame) -> None:
    assert list(frame.columns[: len(SCHEMA)]) == list(SCHEMA)
    for name, dtype in SCHEMA.items():
        assert str(frame[name].dtype) == dtype, (name, frame[name].dtype)


def test_the_api_example_types_every_column() -> None:
    frame = to_frame([CALL])
    assert_schema(frame)
    row = frame.iloc[0]
    assert row["start_time"] == pd.Timestamp("2026-01-17 08:33:36")
    assert row["date"] == pd.Timestamp("2026-01-17")
    assert row["duration"] == 14
    assert row["from"] == "+918888888888"
    assert row["extracted_data"] == {}
    assert pd.isna(row["message_id"])


def test_whatsapp_logs_lack_call_fields_and_keep_their_own() -> None:
    frame = to_frame([CALL, MESSAGE])
    assert_schema(frame)
    assert frame["duration"].isna().tolist() == [False, True]
    assert frame["transcript_id"].isna().tolist() == [False, True]
    assert frame["message_status"].tolist()[1] == "read"
    assert frame["button_clicked"].tolist() == [None, "Pay now"] or frame[
        "button_clicked"
    ].isna().tolist() == [True, False]
    assert frame.loc[1, "extracted_data"] == {
        "promised_amount": 12500,
        "promised_date": "2026-01-20",
    }
    assert list(frame.columns)[-1] == "button_clicked"


def test_empty_frame_has_every_column_typed() -> None:
    for frame in (tp.empty_frame(), to_frame([])):
        assert len(frame) == 0
        assert_schema(frame)


def test_categories_are_the_values_sorted() -> None:
    frame = to_frame([CALL, MESSAGE, {**CALL, "call_id": "2", "status": "Failed"}])
    assert list(frame["status"].cat.categories) == ["Completed", "Failed", "No Contact"]
    assert str(frame["status"].cat.categories.dtype) == "str"


def test_batches_union_their_categories() -> None:
    builder = FrameBuilder()
    builder.add([CALL])
    builder.add([MESSAGE])
    frame = builder.finish()
    assert frame["type"].tolist() == ["call", "whatsapp"]
    assert list(frame["type"].cat.categories) == ["call", "whatsapp"]


def test_unparseable_times_become_nat_with_one_counting_warning() -> None:
    records = [
        {**CALL, "start_time": "not a time"},
        {**CALL, "start_time": "2026-01-17T08:33:36.5+05:30", "end_time": 12},
        {**CALL, "date": "17/01/2026"},
    ]
    with pytest.warns(tp.UnparsedValuesWarning) as caught:
        frame = to_frame(records)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "1 start_time" in message and "1 end_time" in message and "1 date" in message
    assert pd.isna(frame.loc[0, "start_time"])
    assert frame.loc[1, "start_time"] == pd.Timestamp("2026-01-17 08:33:36.500")
    assert_schema(frame)


def test_other_iso_spellings_are_converted_to_api_local_time() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = to_frame([{**CALL, "start_time": "2026-01-17T03:03:36Z"}])
    assert frame.loc[0, "start_time"] == pd.Timestamp("2026-01-17 08:33:36")


def test_bad_durations_become_missing_and_are_counted() -> None:
    records = [{**CALL, "duration": v} for v in (14, "15", 16.0, 2.5, "abc", None, True, 10**30)]
    with pytest.warns(tp.UnparsedValuesWarning, match="4 duration"):
        frame = to_frame(records)
    assert frame["duration"].tolist()[:3] == [14, 15, 16]
    assert frame["duration"].isna().tolist()[3:] == [True] * 5


def test_non_text_values_in_text_columns_become_text() -> None:
    frame = to_frame([{**CALL, "to": 9999999999, "name": {"first": "John"}, "status": 3}])
    assert frame.loc[0, "to"] == "9999999999"
    assert frame.loc[0, "name"] == '{"first": "John"}'
    assert frame.loc[0, "status"] == "3"
    assert_schema(frame)


def test_tz_localizes_from_the_api_zone() -> None:
    frame = to_frame([CALL], tz="UTC")
    assert str(frame["start_time"].dtype) == "datetime64[us, UTC]"
    assert frame.loc[0, "start_time"] == pd.Timestamp("2026-01-17 03:03:36", tz="UTC")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
records = st.lists(
    st.dictionaries(
        st.sampled_from([*SCHEMA, "extra", "x-field", ""]) | st.text(max_size=8),
        json_values,
        max_size=12,
    ),
    max_size=12,
)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches=st.lists(records, max_size=4))
def test_random_and_malformed_records_never_crash(batches: list[list[dict[str, Any]]]) -> None:
    builder = FrameBuilder()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tp.UnparsedValuesWarning)
        for batch in batches:
            builder.add(batch)
        frame = builder.finish()
    assert len(frame) == sum(len(b) for b in batches)
    assert_schema(frame)
