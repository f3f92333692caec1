"""The client's options, checked before any request: base URL, numbers, durations, `on_error`,
`cancel`."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from .errors import redact_url
from .protocol import DEFAULT_BASE_URL


def base_url_of(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL!r}, got {url!r}"
        )
    if parts.query or parts.fragment:
        raise ValueError(f"base_url must not have a query or fragment, got {redact_url(url)!r}")
    return url.strip().rstrip("/")


def check_cancel(cancel: object) -> None:
    if cancel is not None and not callable(getattr(cancel, "is_set", None)):
        raise TypeError(f"cancel must be a threading.Event (or None), got {cancel!r}")


def check_on_error(on_error: str) -> None:
    if on_error not in ("raise", "warn"):
        raise ValueError(f"on_error must be 'raise' or 'warn', got {on_error!r}")


def check_number(
    name: str, value: object, kind: type | tuple[type, ...], low: float, high: float | None
) -> None:
    if isinstance(value, bool) or not isinstance(value, kind):
        raise TypeError(f"{name} must be a number, got {value!r}")
    number = float(value)  # type: ignore[arg-type]
    if number < low or (high is not None and number > high):
        bound = f"between {low:g} and {high:g}" if high is not None else f"at least {low:g}"
        raise ValueError(f"{name} must be {bound}, got {value!r}")


def seconds_of(name: str, value: dt.timedelta | float) -> dt.timedelta:
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise TypeError(f"{name} must be seconds or a timedelta, got {value!r}")
    if seconds <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return dt.timedelta(seconds=seconds)
