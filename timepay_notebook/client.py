"""`TimePayClient` and the module-level `load_logs` / `count_logs`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
import requests
import requests_cache

from . import cache as caching
from ._support import Closing
from .conclusions import conclude, pull_attrs
from .errors import (
    AuthenticationError,
    NetworkError,
    PullCancelledError,
    redact_url,
)
from .filters import normalize_filters, warn_unknown_values, zone
from .frame_cache import FrameCache
from .frames import FrameBuilder
from .limiter import AdaptiveLimit
from .options import (
    base_url_of,
    check_cancel,
    check_number,
    check_on_error,
    seconds_of,
)
from .pager import DaemonPool, OnPage, Puller, PullReport
from .progress import Progress
from .protocol import API_TIMEZONE, DEFAULT_BASE_URL
from .transport import (
    DEADLINE_FACTOR,
    BearerAuth,
    Page,
    Transport,
    has_default_adapters,
    mount_pooled_adapter,
)

OnError = Literal["raise", "warn"]
TOKEN_ENV, BASE_URL_ENV = "TIMEPAY_API_TOKEN", "TIMEPAY_BASE_URL"
_OPTIONS = ("on_error", "tz", "on_page", "max_workers", "cancel", "fresh", "client")
_BATCH = 2000  # records handed to the frame builder at a time


@dataclass(frozen=True)
class Pull:
    """What `TimePayClient.pull` returns: the frame and how it was fetched."""

    frame: pd.DataFrame
    report: PullReport


@dataclass(frozen=True)
class ArrowPull:
    """What `TimePayClient.pull_arrow` returns: the typed Arrow columns, the object and extra
    columns (name -> values as sent), and how the pull went."""

    table: pa.Table
    objects: dict[str, list[Any]]
    report: PullReport


class TimePayClient(Closing):
    """A connection to the TimePay logs API.

    Args:
        token: the API token; defaults to the `TIMEPAY_API_TOKEN` environment variable.
        base_url: defaults to `TIMEPAY_BASE_URL`, then `https://api.agents.timepay.ai`.
        max_workers: most requests in flight during a pull (lowered at each 429 the API
            answers, then raised again slowly).
        timeout: seconds to wait for the server: to connect, and for each read of its answer
            (a server that keeps sending a byte now and then never reaches it: see `deadline`).
        retries: retries of a failed request (429, 5xx, a 200 saying `success: false`, an
            unreadable body, a dropped connection, a timeout, a passed deadline), with
            exponential backoff and jitter; a 429 waits at least its `Retry-After`. A refused
            connection is tried at most 3 times in all, quickly; 401/403 and other 4xx never.
        deadline: seconds one request (one attempt) may take in all, its answer's body
            included; default 4 x `timeout`.
        cache: True (default) caches answers in `timepay_notebook.cache.default_cache_path()`;
            a path chooses the SQLite file; a `requests_cache.CachedSession` (or a requests-cache
            backend) lends its backend, keyed and expired as here (the session is then also the
            HTTP session, unless `session` is given); False sends every request. With a cache
            file, finished frames of closed windows are also kept beside it, as Parquet
            (`timepay_notebook.frame_cache`). See `timepay_notebook.cache`.
        progress: show a progress bar; None shows one in Jupyter and terminals.
        backoff: backoff factor in seconds (waits are about backoff * 2**attempt).
        api_timezone: the zone the API's naive times are in (timezone-aware filter values are
            converted to it; `tz=` frames are localized from it).
        expire_after: how long cached answers of windows reaching now are kept.
        closed_expire_after: how long cached answers of closed windows are kept (a window is
            closed when its `end_time` is more than `closed_lag` before now).
        session: your own `requests.Session` (proxies, CA bundle, headers, mounted adapters),
            used as given: if it has only requests' default adapters the client mounts its
            retrying, pooled adapter on it; if you mounted any adapter of your own, yours are
            kept (the client's own retries come on top of any they make). The client never
            closes a session you bring. Default: a session of its own, closed by `close()`.
    """

    def __init__(
        self,
        token: str | None = None,
        base_url: str | None = None,
        *,
        max_workers: int = 4,
        timeout: float = 30.0,
        retries: int = 5,
        deadline: float | None = None,
        cache: caching.CacheOption = True,
        progress: bool | None = None,
        backoff: float = 0.5,
        api_timezone: str = API_TIMEZONE,
        expire_after: dt.timedelta | float = caching.EXPIRE_AFTER,
        closed_expire_after: dt.timedelta | float = caching.CLOSED_EXPIRE_AFTER,
        closed_lag: dt.timedelta | float = caching.CLOSED_LAG,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url_of(base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL)
        token = token if token is not None else os.environ.get(TOKEN_ENV)
        if not token or not token.strip():
            raise AuthenticationError(None, "no API token", self.base_url)
        if any(c.isspace() for c in token.strip()) or token != token.strip():
            raise AuthenticationError(None, "the API token contains whitespace", self.base_url)
        check_number("max_workers", max_workers, int, 1, 64)
        check_number("timeout", timeout, (int, float), 0.001, None)
        check_number("retries", retries, int, 0, 50)
        check_number("backoff", backoff, (int, float), 0, 60)
        if deadline is not None:
            check_number("deadline", deadline, (int, float), 0.001, None)
        self.max_workers = max_workers
        self.timeout = float(timeout)
        self.deadline = float(deadline) if deadline is not None else DEADLINE_FACTOR * self.timeout
        self.retries = retries
        self.progress = progress
        self.api_timezone = api_timezone
        zone(api_timezone)  # an unknown zone fails here
        self.expire_after = seconds_of("expire_after", expire_after)
        self.closed_expire_after = seconds_of("closed_expire_after", closed_expire_after)
        self.closed_lag = seconds_of("closed_lag", closed_lag)
        if session is not None and not isinstance(session, requests.Session):
            raise TypeError(f"session must be a requests.Session, got {type(session).__name__}")
        if session is None and isinstance(cache, requests_cache.CachedSession):
            session = cache  # as before: a CachedSession given as the cache is also the session
        self._owns_session = session is None
        self.session = session if session is not None else requests.Session()
        if has_default_adapters(self.session):
            mount_pooled_adapter(self.session, pool_size=max_workers + 2)
        if self._owns_session:
            self.session.headers["User-Agent"] = "timepay-notebook"
        self.cache = caching.ResponseCache.open(
            cache,
            api_timezone=api_timezone,
            expire_after=self.expire_after,
            closed_expire_after=self.closed_expire_after,
            closed_lag=self.closed_lag,
        )
        self.frames = FrameCache.beside(self.cache) if self.cache is not None else None
        self._frame_scope = FrameCache.scope(
            self.base_url, api_timezone, BearerAuth(token).header
        )  # a fingerprint of the token, never the token
        self._transport = Transport(
            self.session,
            self.base_url,
            token,
            timeout=self.timeout,
            retries=retries,
            backoff=backoff,
            deadline=self.deadline,
            cache=self.cache,
        )

    def cache_info(self) -> dict[str, Any]:
        """The cache file, its size in bytes and how many answers it holds; the frame cache's
        directory (`frames_dir`), how many frames it holds and their size."""
        info = self.cache.info() if self.cache else dict(caching.DISABLED_INFO)
        frames = {"frames_dir": None, "frames": 0, "frames_size_bytes": 0}
        return info | (self.frames.info() if self.frames else frames)

    def clear_cache(self) -> int:
        """Delete every cached answer and every cached frame; returns how many there were."""
        frames = self.frames.clear() if self.frames else 0
        return (self.cache.clear() if self.cache else 0) + frames

    def __repr__(self) -> str:
        return (
            f"TimePayClient(base_url={redact_url(self.base_url)!r}, max_workers={self.max_workers}, "
            f"timeout={self.timeout:g}, deadline={self.deadline:g}, retries={self.retries}, "
            "token=***)"
        )

    def close(self) -> None:
        """Close the cache and the HTTP session, unless the session is the caller's."""
        if self.cache is not None:
            self.cache.close()
        if self._owns_session:
            self.session.close()

    def params(self, **filters: Any) -> dict[str, str]:
        """The query parameters `filters` become; raises `FilterError` for bad filters."""
        return normalize_filters(filters, api_timezone=self.api_timezone, options=_OPTIONS)

    def one_operation(self) -> AbstractContextManager[None]:
        """A context whose counts and pulls are one load (as a sync's windows are): the
        session's settings (headers, adapter, proxies, TLS options) and the environment's proxy
        and CA settings are read at its start and kept until it ends, for every thread using
        this client, instead of being read again at each count and pull."""
        return self._transport.one_operation()

    def count_logs(self, **filters: Any) -> int:
        """How many logs match `filters` (one `count_only=true` request)."""
        return self.count(filters)

    def count(
        self,
        filters: Mapping[str, Any],
        *,
        limit: AdaptiveLimit | None = None,
        cancel: threading.Event | None = None,
    ) -> int:
        """`count_logs` of a mapping of filters. `limit`: permits for requests in flight shared
        with pulls (as `pull_arrow`'s), so that a count sent beside them keeps within it;
        `cancel`: once set, the count stops (`PullCancelledError`) instead of waiting for a
        permit or a retry."""
        check_cancel(cancel)
        params = self.params(**filters)
        self._transport.reset()
        total = self._transport.count(params, limit=limit, stop=cancel)
        if not total:
            warn_unknown_values(params)  # "Complete" matched nothing: did you mean "Completed"?
        return total

    def iter_pages(
        self,
        *,
        on_error: OnError = "raise",
        cancel: threading.Event | None = None,
        **filters: Any,
    ) -> Iterator[list[dict[str, Any]]]:
        """Stream the logs matching `filters`, a page's new logs at a time (raw dicts).

        Pages come in page order, deduplicated, with the same retries, concurrency and repair as
        `load_logs`. Failed pages raise `IncompletePullError` at the end (or warn, with
        `on_error="warn"`); a set `cancel` event raises `PullCancelledError`.
        """
        check_on_error(on_error)
        check_cancel(cancel)
        return self._stream(self.params(**filters), on_error, cancel)

    def _stream(
        self, params: dict[str, str], on_error: OnError, cancel: threading.Event | None
    ) -> Iterator[list[dict[str, Any]]]:
        puller = self._puller(params, cancel=cancel)
        with Progress(self.progress) as progress:
            puller.on_page = progress.update
            yield from (records for records in puller.pages() if records)
        conclude(puller.report, on_error, partial=None)

    def load_logs(
        self,
        *,
        on_error: OnError = "raise",
        tz: str | None = None,
        on_page: OnPage | None = None,
        max_workers: int | None = None,
        cancel: threading.Event | None = None,
        fresh: bool = False,
        **filters: Any,
    ) -> pd.DataFrame:
        """Every log matching `filters`, as a typed DataFrame (`timepay_notebook.schema`).

        Args:
            on_error: "raise" raises `IncompletePullError` (its `.partial` holds what was
                fetched) when pages fail after every retry; "warn" returns what was fetched with
                a `PartialDataWarning`. A token refused in the middle of the pull raises
                `AuthenticationError` either way (no page is requested after it; `.partial`
                holds what was fetched).
            tz: localize times to the API's zone and convert them to `tz` (default: naive).
            on_page: progress: called with (pages done, pages expected) after each page, from
                the thread running the pull. An exception it raises ends the pull and
                propagates, but the way to stop a pull is `cancel`.
            max_workers: most requests in flight for this call (default: the client's), e.g.
                to share the client's budget between concurrent pulls.
            cancel: a `threading.Event`; once it is set (from any thread) no further request
                is started, answers in flight are dropped, and `PullCancelledError` is raised
                at once (its `.partial` holds the logs fetched before). Set before the call,
                nothing is sent.
            fresh: answers as of now: a cached frame of a closed window is served only after
                a `count_only` request confirms it (as when it has expired), and pages are
                fetched from the API, not the cache (the answers are stored again).
            **filters: type, status, disposition, from_phone, phone, campaign_id, agent_id,
                start_time, end_time.

        `df.attrs` records the filters, the base URL, when it was fetched, the server's total,
        pages fetched, duplicates dropped, whether the data moved and was repaired, and any
        failed pages or count mismatch.
        """
        pulled = self.pull(
            filters,
            on_error=on_error,
            tz=tz,
            on_page=on_page,
            max_workers=max_workers,
            cancel=cancel,
            fresh=fresh,
        )
        if pulled.frame.empty:
            warn_unknown_values(pulled.frame.attrs["filters"])  # "Complete": did you mean ...?
        return pulled.frame

    def pull(
        self,
        params: Mapping[str, Any],
        *,
        on_error: OnError = "raise",
        tz: str | None = None,
        on_page: OnPage | None = None,
        max_workers: int | None = None,
        cancel: threading.Event | None = None,
        fresh: bool = False,
    ) -> Pull:
        """`load_logs` for code that needs to know how the pull went: a `Pull` of the frame
        and the typed `PullReport` (pages, totals, failures, repair, cancel).

        `params` are filters as `load_logs` takes them (checked here again, so the wire values
        `params()` returns pass unchanged); the options, errors and warnings are `load_logs`'.
        `sync_logs`, the explorer and the CLI pull through here and read the report, never
        `df.attrs` (which stay for users).

        A closed window is looked up in the frame cache first (`FrameCache`): a fresh frame is
        returned without a request; an expired one (or any, with `fresh`) after one `count_only`
        request finds the same count (else the window is pulled again, its pages fresh). A
        pull of a closed window that completed cleanly is stored there.
        """
        check_on_error(on_error)
        if tz is not None:
            zone(tz)
        if max_workers is not None:
            check_number("max_workers", max_workers, int, 1, 64)
        check_cancel(cancel)
        wire = self.params(**params)
        frame_key = self._frame_key(wire, tz, cancel)
        if frame_key is not None:
            hit, fresh = self._cached_frame(frame_key, wire, tz, fresh, on_page)
            if hit is not None:
                return hit
        puller = self._puller(wire, max_workers, cancel, fresh)
        builder = FrameBuilder(tz=tz, api_timezone=self.api_timezone)
        cancelled = self._collect(puller, builder, on_page)
        frame = builder.finish()
        frame.attrs.update(pull_attrs(wire, puller.report, tz, self.base_url))
        if cancelled is not None:
            raise PullCancelledError(str(cancelled), frame) from None
        conclude(puller.report, on_error, partial=frame)
        report = puller.report
        clean = report.complete and not (report.count_mismatch or report.stale or report.guard_hit)
        if frame_key is not None and self.frames is not None and clean and not builder.unparsed:
            self.frames.store(frame_key, frame, report, api_timezone=self.api_timezone)
        return Pull(frame, report)

    def pull_arrow(
        self,
        params: Mapping[str, Any],
        *,
        on_page: OnPage | None = None,
        max_workers: int | None = None,
        cancel: threading.Event | None = None,
        limit: AdaptiveLimit | None = None,
        pool: DaemonPool | None = None,
        asked: threading.Event | None = None,
    ) -> ArrowPull:
        """`pull` for writers of Arrow (`sync_logs`): the typed Arrow columns and the object
        and extra columns (`FrameBuilder.finish_arrow`), never a DataFrame; naive times, no
        frame cache. Failed pages raise `IncompletePullError`, a cancel `PullCancelledError`
        (neither with a `.partial`). `limit`: the permits for requests in flight, shared with
        other pulls running at the same time (then `max_workers` is its `maximum`); `pool`:
        the threads that send them, shared likewise (as many as the limit's permits: no thread
        waits for one), instead of threads of the pull's own; `asked`: set once every page
        page 1 announced has been asked for, or the pull ended (`Puller`)."""
        if max_workers is not None:
            check_number("max_workers", max_workers, int, 1, 64)
        if limit is not None and max_workers is not None:
            raise ValueError("give pull_arrow max_workers or a shared limit, not both")
        check_cancel(cancel)
        puller = self._puller(
            self.params(**params), max_workers, cancel, limit=limit, pool=pool, asked=asked
        )
        builder = FrameBuilder(api_timezone=self.api_timezone)
        cancelled = self._collect(puller, builder, on_page)
        if cancelled is not None:
            raise PullCancelledError(str(cancelled)) from None
        conclude(puller.report, "raise", partial=None)
        table, objects = builder.finish_arrow()
        return ArrowPull(table, objects, puller.report)

    def _collect(
        self, puller: Puller, builder: FrameBuilder, on_page: OnPage | None
    ) -> PullCancelledError | None:
        """Every page of `puller` into `builder`, progress shown; the cancel, if one came."""
        batch: list[dict[str, Any]] = []
        cancelled: PullCancelledError | None = None
        with Progress(self.progress) as progress:

            def pages_done(done: int, expected: int) -> None:
                progress.update(done, expected)
                if on_page is not None:
                    on_page(done, expected)

            puller.on_page = pages_done
            try:
                for records in puller.pages():
                    if puller.report.pages_fetched == 1:  # page 1 says how many logs to expect
                        builder.reserve(puller.report.total)
                    batch += records
                    if len(batch) >= _BATCH:
                        builder.add(batch)
                        batch = []
            except PullCancelledError as error:
                cancelled = error
        builder.add(batch)
        return cancelled

    def _frame_key(
        self, params: dict[str, str], tz: str | None, cancel: threading.Event | None
    ) -> str | None:
        """The frame cache's key for a pull of `params`, if it is a closed window (None: the
        frame cache is not used)."""
        if self.frames is None or self.cache is None or not self.cache.closed(params):
            return None
        if cancel is not None and cancel.is_set():
            return None  # the pull raises at once
        return FrameCache.key(self._frame_scope, params, tz)

    def _cached_frame(
        self,
        key: str,
        params: dict[str, str],
        tz: str | None,
        fresh: bool,
        on_page: OnPage | None,
    ) -> tuple[Pull | None, bool]:
        """The frame cache's answer for `key`, confirmed by a count if it expired or `fresh`;
        else None, and whether the pull must fetch its pages fresh (the frame no longer holds)."""
        assert self.frames is not None
        cached = self.frames.lookup(key, tz=tz, api_timezone=self.api_timezone)
        if cached is None:
            return None, fresh
        report, stale = cached.report, 0
        if cached.expired or fresh:
            self._transport.reset()
            try:
                count = self._transport.count(params, fresh=True)
            except NetworkError:
                count = None  # unreachable, and no stored count either
            if self._transport.offline or count is None:
                stale = report.pages_fetched  # the API could not confirm it
            elif count != report.final_total:
                return None, True  # the window changed: its cached pages did too
            else:
                self.frames.refresh(key)
        report = dataclasses.replace(report, from_cache=report.pages_fetched, stale=stale)
        frame = cached.frame
        frame.attrs.update(
            pages_from_cache=report.from_cache, stale_pages=stale, from_frame_cache=True
        )
        if on_page is not None:
            on_page(report.pages_fetched, report.pages_fetched)
        conclude(report, "raise", partial=frame)
        return Pull(frame, report), fresh

    def _puller(
        self,
        params: dict[str, str],
        max_workers: int | None = None,
        cancel: threading.Event | None = None,
        fresh: bool = False,
        limit: AdaptiveLimit | None = None,
        pool: DaemonPool | None = None,
        asked: threading.Event | None = None,
    ) -> Puller:
        self._transport.reset()
        if limit is None:
            limit = AdaptiveLimit(max_workers or self.max_workers)
        stop = threading.Event()

        def fetch(number: int, again: bool) -> Page:
            return self._transport.page(params, number, again or fresh, limit=limit, stop=stop)

        def peek(number: int) -> Page | None:
            return self._transport.cached_page(params, number)

        return Puller(
            fetch,
            cancel=cancel,
            limit=limit,
            stop=stop,
            peek=peek if self.cache is not None and not fresh else None,
            pool=pool,
            asked=asked,
        )


def load_logs(*, client: TimePayClient | None = None, **filters: Any) -> pd.DataFrame:
    """`TimePayClient.load_logs` on `client`, or on a client built from the environment."""
    if client is not None:
        return client.load_logs(**filters)
    with TimePayClient() as default:
        return default.load_logs(**filters)


def count_logs(*, client: TimePayClient | None = None, **filters: Any) -> int:
    """`TimePayClient.count_logs` on `client`, or on a client built from the environment."""
    if client is not None:
        return client.count_logs(**filters)
    with TimePayClient() as default:
        return default.count_logs(**filters)
