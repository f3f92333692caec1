"""Filters are validated and normalised before any request: pure checks, then zero requests."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import warnings
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import timepay_notebook as tp
from timepay_notebook.errors import mask_phone, mask_phones, redact_url
from timepay_notebook.filters import (
    MAX_VALUE_LENGTH,
    VOCABULARY,
    canonical_value,
    normalize_filters,
    suggest_value,
)
from timepay_notebook.protocol import TIME_FILTERS, WIRE_TIME_FORMAT
from timepay_notebook.sandbox import Faults, SandboxServer

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


# -- near misses of the vocabulary ------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "meant"),
    [
        ("status", "Complete", "Completed"),
        ("status", "Compleeted", "Completed"),
        ("status", "No Contacts", "No Contact"),
        ("status", "fail", "Failed"),
        ("disposition", "Promise", "Promise to Pay"),
        ("disposition", "Promised to pay", "Promise to Pay"),
        ("disposition", "Voice mail", "Voicemail"),
        ("disposition", "Wrong No", "Wrong Number"),
        ("status", "Pending", None),
        ("disposition", "No", None),  # No Answer, No Response: ambiguous
        ("status", "completed", None),  # known: normalised, nothing to suggest
        ("disposition", "PTP", None),
        ("campaign_id", "Complete", None),  # no vocabulary
    ],
)
def test_suggest_value_offers_the_known_value_meant(
    name: str, value: str, meant: str | None
) -> None:
    assert suggest_value(name, value) == meant


def test_canonical_value_matches_case_spacing_and_aliases_only() -> None:
    assert canonical_value("disposition", "callback_requested") == "Callback Requested"
    assert canonical_value("disposition", "Switched-Off") == "Switched Off"
    assert canonical_value("disposition", "ptp") == "Promise to Pay"
    assert canonical_value("status", "PTP") is None  # the alias is a disposition's
    assert canonical_value("status", "Complete") is None
    assert canonical_value("agent_id", "Completed") is None


@pytest.fixture(scope="module")
def vocab_server() -> SandboxServer:
    with SandboxServer(n_logs=300, seed=5) as srv:
        yield srv


def test_a_near_miss_spelling_is_sent_in_the_exact_spelling(vocab_server: SandboxServer) -> None:
    promises = vocab_server.count(disposition="Promise to Pay")
    assert promises > 0
    with tp.TimePayClient(vocab_server.token, vocab_server.url, progress=False, cache=False) as c:
        for spelling in ("Promise To Pay", "promise  to pay", "PTP"):
            vocab_server.reset_stats()
            assert len(c.load_logs(disposition=spelling)) == promises
            assert {r.params["disposition"] for r in vocab_server.request_log} == {"Promise to Pay"}
        assert c.count_logs(status="completed") == vocab_server.count(status="Completed") > 0


def test_an_unknown_value_that_matches_nothing_warns_with_a_did_you_mean(
    vocab_server: SandboxServer,
) -> None:
    with tp.TimePayClient(vocab_server.token, vocab_server.url, progress=False, cache=False) as c:
        with pytest.warns(
            tp.UnknownValueWarning, match="status='Complete'.*did you mean 'Completed'"
        ):
            assert c.count_logs(status="Complete") == 0
        with pytest.warns(tp.UnknownValueWarning, match="did you mean 'Promise to Pay'"):
            assert c.load_logs(disposition="Promise").empty
        with pytest.warns(
            tp.UnknownValueWarning, match="known values: Completed, No Contact, Failed"
        ):
            assert c.count_logs(status="Pending") == 0
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a known value that matches nothing is not a typo
            assert c.count_logs(status="Failed", phone="1234567") == 0
            assert c.load_logs(disposition="Dispute", phone="1234567").empty


# -- phone numbers in messages ----------------------------------------------------------------


def test_mask_phone_keeps_the_last_digits_only() -> None:
    assert mask_phone("+918035450808") == "+********0808"
    assert mask_phone("8888889956") == "******9956"
    assert mask_phone("%2B918035450808") == "%2B********0808"
    assert mask_phone("1234567") == "*****67"


def test_mask_phones_masks_numbers_standing_alone_only() -> None:
    text = "no logs for 8888889956 or +918035450808 on 2026-01-17T08:30:00 (1,000,086 chars, c7x123456)"
    assert mask_phones(text) == (
        "no logs for ******9956 or +********0808 on 2026-01-17T08:30:00 (1,000,086 chars, c7x123456)"
    )


def test_redact_url_masks_phone_filters_and_credentials() -> None:
    url = "http://u:secret@h:8/api/v1/logs?type=call&from_phone=%2B918035450808&phone=8888889956&page=2"
    assert redact_url(url) == (
        "http://h:8/api/v1/logs?type=call&from_phone=%2B********0808&phone=******9956&page=2"
    )
    assert redact_url("http://h/api/v1/logs?campaign_id=8888889956") == (
        "http://h/api/v1/logs?campaign_id=8888889956"
    )


def test_api_error_message_masks_phone_numbers(vocab_server: SandboxServer) -> None:
    phone = "+918035450808"
    vocab_server.faults = Faults(rate=1.0, kinds=("echo_500",))  # a body quoting the request
    try:
        with (
            tp.TimePayClient(
                vocab_server.token, vocab_server.url, progress=False, cache=False, retries=0
            ) as c,
            pytest.raises(tp.APIError) as info,
        ):
            c.count_logs(from_phone=phone, phone="8888889956")
    finally:
        vocab_server.faults = None
    text = f"{info.value} {info.value.message} {info.value.url}"
    assert "8035450808" not in text and "88889956" not in text
    assert "+********0808" in text or "%2B********0808" in text
    assert "******9956" in info.value.url


# -- every value: one exact wire value, or a FilterError before any request --------------------

_ANY_CHAR = st.characters(codec=None, exclude_categories=())
_OFFSETS = st.timedeltas(
    min_value=-dt.timedelta(hours=23, minutes=59), max_value=dt.timedelta(hours=23, minutes=59)
)
_ZONES = st.none() | st.builds(dt.timezone, _OFFSETS) | st.timezones()
_DATETIMES = st.datetimes(timezones=_ZONES)
VALUES = st.one_of(
    st.none(),
    st.text(_ANY_CHAR, max_size=12),
    st.text(max_size=300),
    st.sampled_from(
        ["Completed", "completed", "Complete", " no_contact ", "PTP", "Promise To Pay", "call",
         "WhatsApp", "+918035450808", "8888889956", "2026-01-17", "x" * 100_000, "a\x00b"]
    ),
    st.from_regex(r"\+?[0-9]{4,17}", fullmatch=True),
    st.binary(max_size=8),
    st.integers() | st.floats() | st.booleans(),
    _DATETIMES,
    _DATETIMES.map(lambda d: d.isoformat(sep=" ")),
    st.dates() | st.dates().map(dt.date.isoformat),
    st.datetimes(min_value=dt.datetime(1700, 1, 1), max_value=dt.datetime(2200, 1, 1)).map(pd.Timestamp),
    st.integers(-(2**62), 2**62).map(lambda n: np.datetime64(n, "s")),
)  # fmt: skip
_WIRE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}")


def _accepted(name: str, value: object) -> dict[str, str] | None:
    """The parameters `value` becomes, checked to be one exact sendable value; None if it is a
    `FilterError` (with a short message)."""
    try:
        params = normalize_filters({name: value})
    except tp.FilterError as exc:
        message = str(exc)
    else:
        message = ""
    if message:
        assert len(message) < 400
        return None
    if value is None or value == "":
        assert params == {}
        return params
    assert list(params) == [name]
    wire = params[name]
    wire.encode("utf-8")
    assert 0 < len(wire) <= MAX_VALUE_LENGTH
    assert not any(unicodedata.category(c) == "Cc" for c in wire)
    if name in TIME_FILTERS:
        assert _WIRE_TIME.fullmatch(wire)
        assert dt.datetime.strptime(wire, WIRE_TIME_FORMAT).strftime(WIRE_TIME_FORMAT) == wire
    elif name == "type":
        assert wire in tp.protocol.TYPES
    elif name in VOCABULARY:
        assert wire == (canonical_value(name, str(value)) or value)
    else:
        assert wire == value
    assert normalize_filters(params) == params  # the wire value is itself accepted as is
    return params


@settings(max_examples=600, deadline=None)
@given(name=st.sampled_from(tp.FILTERS), value=VALUES)
def test_every_value_is_one_exact_wire_value_or_a_filter_error(name: str, value: object) -> None:
    event("accepted" if _accepted(name, value) is not None else "FilterError")


@pytest.fixture(scope="module")
def wire_client(counted: SandboxServer) -> tp.TimePayClient:
    with tp.TimePayClient(counted.token, counted.url, progress=False, cache=False, retries=0) as c:
        yield c


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(tp.FILTERS), value=VALUES)
def test_the_sandbox_receives_exactly_the_wire_value_or_nothing(
    counted: SandboxServer, wire_client: tp.TimePayClient, name: str, value: object
) -> None:
    params = _accepted(name, value)
    event("sent" if params is not None else "not sent")
    counted.reset_stats()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", tp.UnknownValueWarning)
        if params is None:
            with pytest.raises(tp.FilterError):
                wire_client.count_logs(**{name: value})
            assert counted.stats.requests == 0
            return
        wire_client.count_logs(**{name: value})
    [record] = counted.request_log
    assert record.status == 200
    assert record.params == {**params, "count_only": "true"}
