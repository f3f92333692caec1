"""Filter values over HTTP: near-miss spellings, masked phone numbers, and every value either
sent as one exact wire value or refused before any request."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

import timepay_notebook as tp
from timepay_notebook.filters import (
    MAX_VALUE_LENGTH,
    VOCABULARY,
    canonical_value,
    normalize_filters,
)
from timepay_notebook.protocol import TIME_FILTERS, WIRE_TIME_FORMAT
from timepay_notebook.sandbox import Faults, SandboxServer


@pytest.fixture(scope="module")
def counted() -> SandboxServer:
    with SandboxServer(n_logs=30) as srv:
        yield srv


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
        [
            "Completed",
            "completed",
            "Complete",
            " no_contact ",
            "PTP",
            "Promise To Pay",
            "call",
            "WhatsApp",
            "+918035450808",
            "8888889956",
            "2026-01-17",
            "x" * 100_000,
            "a\x00b",
        ]
    ),
    st.from_regex(r"\+?[0-9]{4,17}", fullmatch=True),
    st.binary(max_size=8),
    st.integers() | st.floats() | st.booleans(),
    _DATETIMES,
    _DATETIMES.map(lambda d: d.isoformat(sep=" ")),
    st.dates() | st.dates().map(dt.date.isoformat),
    st.datetimes(min_value=dt.datetime(1700, 1, 1), max_value=dt.datetime(2200, 1, 1)).map(
        pd.Timestamp
    ),
    st.integers(-(2**62), 2**62).map(lambda n: np.datetime64(n, "s")),
)
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
