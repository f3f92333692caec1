"""Filters are validated and normalised before any request: pure checks, then zero requests."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

import timepay_notebook as tp
from tests.helpers import BAD_FILTERS
from timepay_notebook.filters import normalize_filters

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


def test_unknown_filter_lists_every_valid_name() -> None:
    with pytest.raises(tp.FilterError) as info:
        normalize_filters({"typo": 1})
    for name in tp.FILTERS:
        assert name in str(info.value)
