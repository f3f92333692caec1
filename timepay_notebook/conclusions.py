"""What a finished pull tells its caller: the frame's `attrs`, and the warnings or errors its
report calls for (a refused token, stale pages, failed pages, a count mismatch)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from .errors import (
    AuthenticationError,
    CountMismatchWarning,
    IncompletePullError,
    PagingGuardWarning,
    PartialDataWarning,
    StaleCacheWarning,
    describe_pages,
    redact_url,
    warn_user,
)
from .pager import PullReport


def pull_attrs(
    params: dict[str, str], report: PullReport, tz: str | None, base_url: str
) -> dict[str, Any]:
    """What `df.attrs` records of a pull (never the token)."""
    mismatch = None
    if report.count_mismatch:
        mismatch = {"server_total": report.final_total, "unique_logs": report.unique}
    return {
        "filters": dict(params),
        "base_url": redact_url(base_url),
        "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "total": report.final_total,
        "total_at_start": report.total,
        "pages_fetched": report.pages_fetched,
        "duplicates_dropped": report.duplicates,
        "data_moved": report.moved,
        "second_pass": report.repaired,
        "complete": report.complete,
        "cancelled": report.cancelled,
        "failed_pages": dict(report.failed_pages),
        "count_mismatch": mismatch,
        "throttled": report.throttled,
        "pages_from_cache": report.from_cache,
        "stale_pages": report.stale,
        "concurrency": dict(report.concurrency),
        "from_frame_cache": False,
        "tz": tz,
    }


def conclude(report: PullReport, on_error: str, partial: pd.DataFrame | None) -> None:
    """Raise or warn about what went wrong in a finished pull."""
    if report.refused is not None:
        raise _refused(report, partial)
    if report.stale:
        warn_user(
            f"the API could not be reached, so {report.stale} of {report.pages_fetched} "
            "page(s) came from the cache past their expiry: the data may be out of date",
            StaleCacheWarning,
        )
    if report.guard_hit:
        warn_user(
            "the server kept saying has_next past the pages it announced; the pull stopped "
            "there, and more logs may exist",
            PagingGuardWarning,
        )
    if report.failed_pages:
        if on_error == "raise":
            raise IncompletePullError(report.failed_pages, partial)
        warn_user(
            f"{len(report.failed_pages)} page(s) failed after every retry "
            f"({describe_pages(report.failed_pages)}); returning the {report.unique:,} logs "
            "that were fetched (see .attrs['failed_pages'])",
            PartialDataWarning,
        )
    elif report.count_mismatch:
        moved = (
            f" The data changed during the pull (total {report.total:,} at the start)"
            + ("; a second pass in page order was made." if report.repaired else ".")
            if report.moved
            else ""
        )
        warn_user(
            f"the server reported {report.final_total:,} logs but {report.unique:,} unique "
            f"logs were fetched ({report.duplicates:,} duplicates dropped).{moved}",
            CountMismatchWarning,
        )


def _refused(report: PullReport, partial: pd.DataFrame | None) -> AuthenticationError:
    """The token was refused mid-pull: what happened, whatever `on_error` says."""
    error = report.refused
    assert error is not None
    failed = report.failed_pages
    unasked = sum(1 for why in failed.values() if why.startswith("not requested"))
    refused = describe_pages(
        [n for n, why in failed.items() if not why.startswith("not requested")]
    )
    other = len(failed) - unasked - len(refused.split(", "))
    expected = max(report.total_pages, report.pages_fetched + len(failed))
    message = (
        f"the token was refused ({error.reason}) on page(s) {refused}, in the middle of the pull: "
        f"{report.pages_fetched:,} of {expected:,} page(s) were fetched and {unasked:,} not "
        "requested (a refused token is not retried)"
        + (f"; {other} other page(s) failed" if other > 0 else "")
    )
    return AuthenticationError(error.status, message, error.url, partial)
