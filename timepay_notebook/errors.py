"""Errors and warnings, one tree::

    TimePayError
    ├── FilterError (also ValueError)       bad filters; raised before any request
    ├── NetworkError                        the API could not be reached (after retries)
    ├── APIError                            an error answer: .status, .message, .url
    │   ├── AuthenticationError             401/403, or no token at all
    │   └── RateLimitError                  429 after every retry
    ├── IncompletePullError                 pages failed after retries: .failed_pages, .partial
    │   └── IncompleteSyncError             windows of a sync failed: .failed_windows, .result
    ├── PullCancelledError                  a pull's cancel event was set: .partial
    │   └── SyncCancelledError              a sync stopped, cancelling its windows in flight
    ├── StoreError                          a Parquet store is unusable or locked by a sync
    │   └── StoreMismatchError (+ValueError) the store holds other filters
    └── ReportError                         a report notebook failed: which cell, and why

    TimePayWarning (UserWarning)
    ├── CountMismatchWarning                unique logs fetched != the server's total
    ├── PartialDataWarning                  on_error="warn" returned what could be fetched
    ├── PagingGuardWarning                  the server kept saying has_next; the pull stopped
    ├── StaleCacheWarning                   the API was unreachable; stale cached pages served
    ├── CacheWarning                        the cache file was damaged or unwritable
    ├── UnparsedValuesWarning               values that could not be typed became missing
    └── UnknownValueWarning                 a filter value outside the vocabulary matched nothing

No message, repr or attribute here ever holds the token; URLs are shown without credentials
and with the phone numbers of their query masked (`redact_url`, `mask_phones`).
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from .protocol import PHONE_FILTERS

if TYPE_CHECKING:
    import pandas as pd

    from .store.result import SyncResult

__all__ = [
    "APIError",
    "AuthenticationError",
    "CacheWarning",
    "CountMismatchWarning",
    "FilterError",
    "IncompletePullError",
    "IncompleteSyncError",
    "NetworkError",
    "PagingGuardWarning",
    "PartialDataWarning",
    "PullCancelledError",
    "RateLimitError",
    "ReportError",
    "StaleCacheWarning",
    "StoreError",
    "StoreMismatchError",
    "SyncCancelledError",
    "TimePayError",
    "TimePayWarning",
    "UnknownValueWarning",
    "UnparsedValuesWarning",
]


class TimePayError(Exception):
    """Base class of every error this package raises."""


class FilterError(TimePayError, ValueError):
    """A filter name, type or value is wrong; raised before any request is sent."""


class NetworkError(TimePayError):
    """The API could not be reached or did not answer in time, after every retry.

    Attributes:
        unreachable: no connection could be made at all (refused, unknown host, no connection
            within the timeout), as opposed to a connection that broke or a late answer.
    """

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


class APIError(TimePayError):
    """The API answered with an error.

    Attributes:
        status: the HTTP status (200 for a `success: false` body or a body that is not JSON;
            None when no request was sent).
        message: what the server said, or what was wrong with its answer.
        url: the request URL, without credentials.
    """

    def __init__(self, status: int | None, message: str, url: str) -> None:
        self.status = status
        self.message = mask_phones(message)
        self.url = redact_url(url)
        prefix = f"{status}: " if status is not None else ""
        super().__init__(f"{prefix}{self.message} ({self.url})")


class AuthenticationError(APIError):
    """The token is missing, wrong or not allowed (401/403); never retried.

    Attributes:
        reason: what the server said (`message` adds what to check).
        partial: when the token was refused in the middle of a pull, the frame of the logs
            fetched before (else None).
    """

    HINT = (
        "check the token: pass token=... or set the TIMEPAY_API_TOKEN environment variable "
        "(and TIMEPAY_BASE_URL for a server other than https://api.agents.timepay.ai)"
    )

    def __init__(
        self, status: int | None, message: str, url: str, partial: pd.DataFrame | None = None
    ) -> None:
        self.reason = message
        self.partial = partial
        super().__init__(status, f"{message}; {self.HINT}", url)


class RateLimitError(APIError):
    """The API kept answering 429 Too Many Requests after every retry."""


class IncompletePullError(TimePayError):
    """Some pages could not be fetched after every retry.

    Attributes:
        failed_pages: page number -> why it failed.
        partial: the frame of everything that was fetched (None for streaming pulls).
    """

    def __init__(
        self, failed_pages: Mapping[int, str], partial: pd.DataFrame | None = None
    ) -> None:
        self.failed_pages = dict(failed_pages)
        self.partial = partial
        pages = describe_pages(self.failed_pages)
        first = next(iter(self.failed_pages.values()), "")
        kept = "" if partial is None else f"; the {len(partial):,} logs fetched are in .partial"
        super().__init__(
            f"{len(self.failed_pages)} page(s) failed after every retry: {pages} "
            f"(first error: {first}){kept}; pass on_error='warn' to get them with a warning"
        )


class IncompleteSyncError(IncompletePullError):
    """Windows of a sync failed after every retry; the windows that completed are stored.

    Run the same sync again to fetch the rest (without duplicates).

    Attributes:
        result: the `SyncResult` of what was done.
        failed_windows: window (`start..end`) -> why it failed.
        failed_pages: the failed pages of the first failed window (page -> why).
    """

    def __init__(self, result: SyncResult, first_pages: dict[int, str]) -> None:
        super().__init__(first_pages, None)
        self.result = result
        self.failed_windows = dict(result.failed)
        window, reason = next(iter(result.failed.items()))
        self.args = (
            f"{len(result.failed)} window(s) of the sync failed after every retry (first: "
            f"{window}: {reason}); {result.windows_fetched:,} windows were stored "
            f"({result.added:,} new logs, {result.logs:,} in {result.path}). Run the sync again "
            "to fetch the rest.",
        )


class PullCancelledError(TimePayError):
    """A pull stopped because its `cancel` event was set (`load_logs(cancel=...)`).

    No request was started after the event was set; answers still in flight were dropped.

    Attributes:
        partial: the frame of the logs fetched before the cancel (None for streaming pulls).
    """

    def __init__(self, message: str, partial: pd.DataFrame | None = None) -> None:
        self.partial = partial
        kept = "" if partial is None else f"; the {len(partial):,} logs fetched are in .partial"
        super().__init__(f"{message}{kept}")


class SyncCancelledError(PullCancelledError):
    """A sync stopped (Ctrl-C, or an unexpected error), so it cancelled its windows in flight."""


class StoreError(TimePayError):
    """A store can't be used as asked: not a store, locked by another sync, another schema."""


class StoreMismatchError(StoreError, ValueError):
    """The store holds another filter set (or time zone) than the one asked for."""


class ReportError(TimePayError):
    """The report notebook failed; the message says which cell and why, in plain words."""


class TimePayWarning(UserWarning):
    """Base class of every warning this package emits."""


class CountMismatchWarning(TimePayWarning):
    """The number of unique logs fetched differs from the total the server reported."""


class PartialDataWarning(TimePayWarning):
    """Pages failed and `on_error="warn"` returned what could be fetched."""


class PagingGuardWarning(TimePayWarning):
    """The server kept saying `has_next` without new logs, so the pull stopped."""


class StaleCacheWarning(TimePayWarning):
    """The API could not be reached, so answers past their expiry were served from the cache."""


class CacheWarning(TimePayWarning):
    """The cache file was damaged (moved aside, a new one started) or can't be written (no
    cache is used); the warning names the file."""


class UnparsedValuesWarning(TimePayWarning):
    """Values that could not be converted to their column's type became missing."""


class UnknownValueWarning(TimePayWarning):
    """A `status` or `disposition` outside the known vocabulary matched nothing (with a
    did-you-mean when one is close, e.g. "Complete" -> "Completed")."""


def redact_url(url: str) -> str:
    """`url` without any `user:password@` part, and with the values of its `phone` and
    `from_phone` query parameters masked (`mask_phone`)."""
    parts = urlsplit(url)
    if parts.query:
        parts = parts._replace(query=_PHONE_PARAM.sub(_mask_param, parts.query))
    if parts.username is not None or parts.password is not None:
        host = parts.hostname or ""
        parts = parts._replace(netloc=f"{host}:{parts.port}" if parts.port else host)
    return urlunsplit(parts)


_PHONE_PARAM = re.compile(rf"(?:^|(?<=[&;]))((?:{'|'.join(PHONE_FILTERS)})=)([^&;#]*)")
_PHONE_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\+|%2B|%2b)?([0-9]{6,15})(?![0-9A-Za-z])")


def mask_phone(number: str) -> str:
    """A phone number with all but its last digits starred: the last 4 of 10 digits or more,
    else the last 2; a leading `+` (or `%2B`) is kept. `"+918035450808"` -> `"+********0808"`."""
    prefix = ""
    for sign in ("+", "%2B", "%2b"):
        if number.startswith(sign):
            prefix, number = sign, number[len(sign) :]
            break
    keep = 4 if len(number) >= 10 else 2
    return prefix + "*" * max(0, len(number) - keep) + number[-keep:]


def mask_phones(text: str) -> str:
    """`text` with every phone-like number (6-15 digits standing alone, with an optional
    leading `+` or `%2B`) masked by `mask_phone`."""
    return _PHONE_NUMBER.sub(lambda m: mask_phone(m.group(0)), text)


def _mask_param(match: re.Match[str]) -> str:
    return match.group(1) + mask_phone(match.group(2)) if match.group(2) else match.group(0)


def describe_pages(pages: Mapping[int, Any] | list[int]) -> str:
    """Page numbers as compact ranges: `3, 7-9, 12`."""
    numbers = sorted(pages)
    spans: list[str] = []
    start = prev = None
    for n in [*numbers, None]:
        if start is not None and (n is None or prev is None or n != prev + 1):
            spans.append(str(start) if start == prev else f"{start}-{prev}")
            start = None
        if n is not None and start is None:
            start = n
        prev = n
    return ", ".join(spans)


_PACKAGE_DIR = str(Path(__file__).resolve().parent)


def warn_user(message: str, category: type[Warning]) -> None:
    """`warnings.warn`, attributed to the first caller outside this package."""
    level = 1
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    warnings.warn(message, category, stacklevel=level)
