"""Filters are validated and normalised before any request is sent (pure checks)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

import timepay_notebook as tp
from tests.helpers import BAD_FILTERS
from timepay_notebook.errors import mask_phone, mask_phones, redact_url
from timepay_notebook.filters import (
    canonical_value,
    normalize_filters,
    suggest_value,
)

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
    (
        {"start_time": pd.Timestamp("2026-01-17 03:00", tz="UTC")},
        {"start_time": "2026-01-17T08:30:00"},
    ),
    (
        {"end_time": dt.datetime(2026, 1, 17, 9, 0, tzinfo=ZoneInfo("Europe/London"))},
        {"end_time": "2026-01-17T14:30:00"},
    ),
    # fractions of a second round inwards
    ({"start_time": "2026-01-17T08:30:00.250"}, {"start_time": "2026-01-17T08:30:01"}),
    ({"end_time": "2026-01-17T08:30:00.750"}, {"end_time": "2026-01-17T08:30:00"}),
    (
        {"start_time": "2026-01-17", "end_time": "2026-01-17"},
        {"start_time": "2026-01-17T00:00:00", "end_time": "2026-01-17T23:59:59"},
    ),
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
    (
        {"end_time": dt.datetime(9999, 12, 31, 18, tzinfo=dt.UTC)},
        {"end_time": "9999-12-31T23:30:00"},
    ),
    # (India's zone was local mean time, +05:53:28, before 1854)
    (
        {"start_time": dt.datetime(1000, 1, 1, 0, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))},
        {"start_time": "1000-01-01T00:53:28"},
    ),
]


@pytest.mark.parametrize(("filters", "params"), GOOD)
def test_good_filters_normalise(filters: dict[str, Any], params: dict[str, str]) -> None:
    assert normalize_filters(filters) == params


def test_parameters_follow_the_documented_order() -> None:
    params = normalize_filters({"end_time": "2026-01-02", "type": "call", "phone": "8888889956"})
    assert list(params) == ["type", "phone", "end_time"]


def test_api_timezone_is_configurable() -> None:
    params = normalize_filters({"start_time": "2026-01-17T00:00:00Z"}, api_timezone="UTC")
    assert params == {"start_time": "2026-01-17T00:00:00"}


@pytest.mark.parametrize(("filters", "words"), BAD_FILTERS)
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
