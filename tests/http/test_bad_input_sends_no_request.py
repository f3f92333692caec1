"""Bad filters and options fail before any request: the sandbox's request counter stays at zero."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import timepay_notebook as tp
from tests.helpers import BAD_FILTERS
from timepay_notebook.sandbox import SandboxServer


@pytest.fixture(scope="module")
def counted() -> Iterator[SandboxServer]:
    with SandboxServer(n_logs=30) as srv:
        yield srv


@pytest.mark.parametrize(("filters", "words"), BAD_FILTERS)
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
