"""Filters are validated and normalised before any request: pure checks, then zero requests."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

import timepay_notebook as tp
from timepay_notebook.filters import normalize_filters
from timepay_notebook.sandbox import SandboxServer

GOOD: list[tuple[dict[str, Any], dict[str, str]]] = [
    ({}, {}),
    ({"type": "call"}, {"type": "call"}),
    ({"type": "WhatsApp"}, {"type": "whatsapp"}),
    ({"status": None, "disposition": ""}, {}),
    ({"from_phone": "+918035450808"}, {"from_phone": "+918035450808"}),
    ({"phone": "8888889956"}, {"phone": "8888889956"}),
    ({"start_time": "2026-01-17"}, {"start_time": "2026-01-17T00:00:00"}),
    ({"end_time": "2026-01-17"}, {"end_time": "2026-01-17T23:59:59"}),
    ({"end_time": dt.date(2026, 1, 17)}, {"end_time": "2026-01-17T23:59:59"}),
    ({"start_time": dt.date(2026, 1, 17)}, {"start_time": "2026-01-17T00:00:00"}),
    ({"start_time": "2026-01-17T08:30"}, {"start_time": "2026-01-17T08:30:00"}),
    ({"start_time": "2026-01-17 08:30:05"}, {"start_time": "2026-01-17T08:30:05"}),
    ({"start_time": dt.datetime(2026, 1, 17, 8, 30)}, {"start_time": "2026-01-17T08:30:00"}),
    ({"end_time": pd.Timestamp("2026-01-17 08:30:00")}, {"end_time": "2026-01-17T08:30:00"}),
    ({"end_time": np.datetime64("2026-01-17T08:30:00")}, {"end_time": "2026-01-17T08:30:00"}),
    # aware values are converted to India Standard Time (UTC+05:30), then sent naive
    ({"start_time": "2026-01-17T00:00:00Z"}, {"start_time": "2026-01-17T05:30:00"}),
    ({"start_time": pd.Timestamp("2026-01-17 03:00", tz="UTC")}, {"start_time": "2026-01-17T08:30:00"}),
    ({"end_time": dt.datetime(2026, 1, 17, 9, 0, tzinfo=ZoneInfo("Europe/London"))},
     {"end_time": "2026-01-17T14:30:00"}),
    # fractions of a second round inwards
    ({"start_time": "2026-01-17T08:30:00.250"}, {"start_time": "2026-01-17T08:30:01"}),
    ({"end_time": "2026-01-17T08:30:00.750"}, {"end_time": "2026-01-17T08:30:00"}),
    ({"start_time": "2026-01-17", "end_time": "2026-01-17"},
     {"start_time": "2026-01-17T00:00:00", "end_time": "2026-01-17T23:59:59"}),
    # the known vocabulary, up to case and spacing; unknown values are sent as given
    ({"status": "completed"}, {"status": "Completed"}),
    ({"status": " no_contact "}, {"status": "No Contact"}),
    ({"disposition": "Promise To Pay"}, {"disposition": "Promise to Pay"}),
    ({"disposition": "promise  to pay"}, {"disposition": "Promise to Pay"}),
    ({"disposition": "PTP"}, {"disposition": "Promise to Pay"}),
    ({"disposition": "ptp"}, {"disposition": "Promise to Pay"}),
    ({"status": "Complete"}, {"status": "Complete"}),
    ({"disposition": "Refused To Pay"}, {"disposition": "Refused To Pay"}),
    ({"campaign_id": "PTP"}, {"campaign_id": "PTP"}),
    ({"status": "Écrit à la main ✓"}, {"status": "Écrit à la main ✓"}),
    ({"agent_id": "a" * 200}, {"agent_id": "a" * 200}),
    # the limits of the wire format's years, after conversion
    ({"start_time": "1000-01-01"}, {"start_time": "1000-01-01T00:00:00"}),
    ({"end_time": dt.datetime(9999, 12, 31, 18, tzinfo=dt.UTC)}, {"end_time": "9999-12-31T23:30:00"}),
    # (India's zone was local mean time, +05:53:28, before 1854)
    ({"start_time": dt.datetime(1000, 1, 1, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))},
     {"start_time": "1000-01-01T00:53:28"}),
]  # fmt: skip


@pytest.mark.parametrize(("filters", "params"), GOOD)
def test_good_filters_normalise(filters: dict[str, Any], params: dict[str, str]) -> None:
    assert normalize_filters(filters) == params


def test_parameters_follow_the_documented_order() -> None:
    params = normalize_filters({"end_time": "2026-01-02", "type": "call", "phone": "8888889956"})
    assert list(params) == ["type", "phone", "end_time"]


def test_api_timezone_is_configurable() -> None:
    params = normalize_filters({"start_time": "2026-01-17T00:00:00Z"}, api_timezone="UTC")
    assert params == {"start_time": "2026-01-17T00:00:00"}


BAD: list[tuple[dict[str, Any], str]] = [
    ({"dispositon": "Voicemail"}, "did you mean 'disposition'"),
    ({"campaign": "x"}, "did you mean 'campaign_id'"),
    ({"start": "2026-01-01"}, "did you mean 'start_time'"),
    ({"phone_number": "8888889956"}, "unknown filter"),
    ({"page": 2}, "the filters are: type, status"),
    ({"count_only": True}, "unknown filter"),
    ({"on_eror": "warn"}, "did you mean 'on_error'"),
    ({"type": "sms"}, "type must be one of call, whatsapp"),
    ({"type": ["call", "whatsapp"]}, "must be a string, got list"),
    ({"type": 1}, "must be a string, got int"),
    ({"status": ["Failed"]}, "status must be a string, got list"),
    ({"status": "   "}, "status is blank"),
    ({"campaign_id": " c1"}, "leading or trailing spaces"),
    ({"status": "Fai\ud800led"}, "lone surrogate '\\ud800' at position 3"),
    ({"agent_id": "\udcff"}, "lone surrogate"),
    ({"start_time": "2026-01-17\ud800"}, "lone surrogate"),
    ({"status": "Fail\x00ed"}, "control character '\\x00' at position 4"),
    ({"disposition": "Voice\nmail"}, "control character '\\n'"),
    ({"campaign_id": "c\x1b[31m"}, "control character '\\x1b'"),
    ({"agent_id": "a\x85"}, "control character '\\x85'"),
    ({"type": "call\x00"}, "control character"),
    ({"status": "x" * 100_000}, "status is 100,000 characters long (at most 200)"),
    ({"agent_id": "a" * 201}, "at most 200"),
    ({"start_time": "2" * 100_000}, "start_time is 100,000 characters long"),
    ({"phone": "9" * 100_000}, "(100,002 chars)"),
    ({"start_time": "0999-12-31"}, "in the year 999"),
    ({"end_time": dt.date(1, 1, 1)}, "in the year 1 "),
    ({"start_time": dt.datetime(999, 6, 1)}, "years 1000-9999"),
    ({"start_time": np.datetime64("0500-01-01T00:00:00")}, "in the year 500"),
    ({"end_time": np.datetime64("12000-01-01")}, "outside the years 1000-9999"),
    ({"end_time": dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC)}, "out of range in the API's time zone"),
    ({"start_time": "9999-12-31T23:00:00-05:00"}, "out of range"),
    ({"start_time": dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=10)))}, "out of range"),
    ({"start_time": dt.datetime(1000, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=6)))},
     "in the year 999"),
    ({"start_time": "9999-12-31T23:59:59.5"}, "out of range"),
    ({"end_time": dt.datetime.min.replace(tzinfo=dt.UTC)}, "in the year 1 "),
    ({"disposition": 3.5}, "disposition must be a string, got float"),
    ({"campaign_id": {"id": "x"}}, "campaign_id must be a string, got dict"),
    ({"agent_id": b"abc"}, "agent_id must be a string, got bytes"),
    ({"phone": 8888889956}, "phone must be a string such as '8888889956'"),
    ({"from_phone": 918035450808}, "from_phone must be a string"),
    ({"phone": True}, "phone must be a string"),
    ({"phone": "88-88-889956"}, "6-15 digits"),
    ({"phone": "call me"}, "6-15 digits"),
    ({"from_phone": "+91 80354 50808"}, "6-15 digits"),
    ({"from_phone": "++918035450808"}, "6-15 digits"),
    ({"phone": "123"}, "6-15 digits"),
    ({"start_time": "yesterday"}, "'yesterday' is not an ISO 8601"),
    ({"start_time": "2026-13-01"}, "'2026-13-01' is not an ISO 8601"),
    ({"end_time": "2026-02-30"}, "'2026-02-30' is not an ISO 8601"),
    ({"end_time": "17/01/2026"}, "'17/01/2026' is not an ISO 8601"),
    ({"start_time": "2026-01-17T25:00:00"}, "is not an ISO 8601"),
    ({"start_time": 1768608000}, "start_time must be an ISO string, a date"),
    ({"end_time": 2026.5}, "end_time must be an ISO string"),
    ({"start_time": ["2026-01-01"]}, "start_time must be an ISO string"),
    ({"start_time": pd.NaT}, "start_time is NaT"),
    ({"end_time": np.datetime64("NaT")}, "end_time is NaT"),
    ({"end_time": float("nan")}, "end_time is missing"),
    ({"start_time": "2026-01-18", "end_time": "2026-01-17"}, "is after end_time"),
    ({"start_time": "2026-01-17T10:00:00", "end_time": "2026-01-17T09:59:59"}, "is after end_time"),
]  # fmt: skip


@pytest.mark.parametrize(("filters", "words"), BAD)
def test_bad_filters_raise_a_specific_filter_error(filters: dict[str, Any], words: str) -> None:
    with pytest.raises(tp.FilterError, match=None) as info:
        normalize_filters(filters, options=("on_error", "tz", "client"))
    assert words in str(info.value)
    assert isinstance(info.value, ValueError)
    assert len(str(info.value)) < 400  # a huge value is never quoted in full


def test_unknown_filter_lists_every_valid_name() -> None:
    with pytest.raises(tp.FilterError) as info:
        normalize_filters({"typo": 1})
    for name in tp.FILTERS:
        assert name in str(info.value)


@pytest.fixture(scope="module")
def counted() -> SandboxServer:
    with SandboxServer(n_logs=30) as srv:
        yield srv


@pytest.mark.parametrize(("filters", "words"), BAD)
def test_bad_filters_send_no_request(
    counted: SandboxServer, filters: dict[str, Any], words: str
) -> None:
    counted.reset_stats()
    with tp.TimePayClient(counted.token, counted.url, progress=False) as client:
        with pytest.raises(tp.FilterError, match=None):
            client.load_logs(**filters)
        with pytest.raises(tp.FilterError):
            client.count_logs(**filters)
        with pytest.raises(tp.FilterError):
            client.iter_pages(**filters)
    assert counted.stats.requests == 0


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"on_error": "ignore"}, "on_error must be 'raise' or 'warn'"),
        ({"tz": "Mars/Olympus"}, "unknown time zone"),
    ],
)
def test_bad_options_send_no_request(
    counted: SandboxServer, options: dict[str, Any], error: str
) -> None:
    counted.reset_stats()
    with (
        tp.TimePayClient(counted.token, counted.url, progress=False) as client,
        pytest.raises(ValueError, match=error),
    ):
        client.load_logs(**options)
    assert counted.stats.requests == 0
