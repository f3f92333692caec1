"""`sync_logs`: keep a local Parquet store up to date, fetching only what is new.

How a sync works (the store's layout and manifest are in `.files`, the planning of windows in
`.planner`):

1. **Range.** `start_time`..`end_time` (wire form, inclusive). `end_time` defaults to now in the
   API's time zone. `start_time` defaults to the store's origin; on the first sync without one,
   the origin is found with counts: `count_only` up to `end_time`, then up to 1, 2, 4, ... days
   before it until a count is 0 (about a dozen requests for a year of data, asked
   `max_workers` at a time); the store covers everything after that empty stretch. An earlier `start_time` later extends the store back.
2. **Settled and overlap.** What the store covers (`covered`) up to `overlap` (2 days by
   default, kept in the manifest) before its newest log (the high-water mark) is settled and
   not asked for again. Everything after that, and any span not covered (before the origin, or
   windows a failed sync did not complete), is examined. Late arrivals older than the overlap
   are not seen: pass a larger `overlap=` to look further back.
3. **Count-driven windows.** Each examined span is compared with the store by `count_only`
   requests and split (`planner.plan_windows`): spans whose count equals the store's are
   verified without fetching them (`overlap_check="fetch"` fetches them anyway, which also
   picks up logs updated in place); new ones are fetched in windows of at most `window_logs`
   logs; a span with a few late arrivals among stored logs is bisected around them. A next-day
   sync costs a few counts plus one page per 10 new logs.
4. **Concurrent windows, one limit.** Up to `max_windows` (2) windows are pulled at once, each
   by `client.pull_arrow` (the pull behind `load_logs`: its own page sequence, deduplicated,
   retried and repaired; its typed report says whether the count matched; its logs typed as
   Arrow columns, written without building a DataFrame). The windows share one `AdaptiveLimit`
   of the client's `max_workers` requests in flight: each may take all of them, and takes
   whatever the others leave free, so the requests in flight stay at `max_workers` while a
   window waits for its page 1, ends with its last few pages, or writes (a lone window, as the
   one window of a next-day sync, takes them all). They also share the `max_workers` threads
   that send the requests (`pager.DaemonPool`): no thread waits for a permit, and none is
   started per window. One window at a time takes pages in: a window of more pages than
   `max_workers` lets the next one begin only once it has asked for all of its pages (its
   last few still on the wire), so the next one's page 1 overlaps its last pages and its write,
   and the page threads never serve two windows' queues side by side (two windows taking pages
   in at once cost the client markedly more CPU at latency 0; on the shared threads a window's
   page 1 goes before the queue of the window begun before it, its other pages after it).
   Planning runs ahead in its own thread, so its count requests overlap with the pulls; they
   take their permits from the same limit, so the sync never has more than `max_workers`
   requests in flight.
5. **Each day written once, in batches, recorded once on disk** (`.writer`). Windows come
   newest first, so a day is complete once no window in flight, and not the oldest one begun,
   reaches it. A completed window's logs are kept (as Arrow) until their days are complete and
   those hold `FLUSH_LOGS` logs, or the windows run out; then the thread whose window completed
   them merges them into the store (unless another is writing: then the next one does), each
   day read and written once (deduplicated by id; each window replaces what the store had in
   its span), and only then are the windows written in full recorded in the manifest. The
   other windows go on meanwhile. A first sync of 1M logs (about 11,000 logs a day) writes each
   day once, where a write per window would write most days six times; the cost is memory
   (a batch and the days not yet complete: past 3 x `FLUSH_LOGS` logs of those, they are
   written too, and may be written again) and a larger
   loss when the process is killed: the logs kept as well as the windows in flight, which the
   next sync examines again and finishes without duplicates (a window is never recorded
   without its logs on disk). A sync that stops (a failure, Ctrl-C) first writes the windows
   it completed. Ids are compared column-wise (`pyarrow.compute`).
6. **Failures.** A window whose pages still fail after every retry stops new windows from
   starting; the windows in flight finish and are stored; then `IncompleteSyncError` (an
   `IncompletePullError`) names the failed windows and carries the `SyncResult` so far.
   Ctrl-C sets the windows' `cancel` event and closes their limit: their pulls stop at once,
   unwritten, and no request waiting for a permit starts. A write that fails (a damaged day
   file, a full disk) stops the sync with its error.

Caching: sync needs answers as of now (a cached count or page could hide logs that arrived since
it was stored), so it refuses a client with a response cache; with `client=None` it builds one
from the environment with `cache=False`.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from ..client import TimePayClient
from ..errors import (
    IncompletePullError,
    IncompleteSyncError,
    PullCancelledError,
    StoreError,
    SyncCancelledError,
    TimePayError,
    redact_url,
)
from ..limiter import AdaptiveLimit
from ..pager import POLL, DaemonPool
from ..progress import Progress
from .ahead import Ahead
from .damage import repair_damage
from .files import MANIFEST, Fetched, Store, WriteStats
from .manifest import Manifest, identity
from .planner import Window, plan_windows
from .result import SyncResult
from .spans import DAY, Span, clip, subtract, to_seconds, to_wire
from .writer import BatchWriter, Completed

OVERLAP = dt.timedelta(days=2)
WINDOW_LOGS = 5000  # fewer windows, less work per log: a count, a pull and its tables a window
MAX_WINDOWS = 2
FLUSH_LOGS = 20_000  # logs of completed windows kept before they are written
OverlapCheck = Literal["count", "fetch"]


def sync_logs(
    path: str | os.PathLike[str],
    *,
    client: TimePayClient | None = None,
    overlap: dt.timedelta | float | None = None,
    overlap_check: OverlapCheck = "count",
    window_logs: int = WINDOW_LOGS,
    max_windows: int = MAX_WINDOWS,
    progress: bool | None = None,
    repair: bool = False,
    **filters: Any,
) -> SyncResult:
    """Bring the store at `path` up to date for `filters`; see the module docstring.

    Args:
        path: the store's directory (created on the first sync; must be empty or a store).
        client: a `TimePayClient` without a cache; default: one from the environment.
        overlap: how far before the newest stored log to look again for late arrivals
            (timedelta or seconds); default: the store's (2 days for a new store).
        overlap_check: "count" verifies the overlap by counts and fetches only what changed;
            "fetch" fetches all of it again.
        window_logs: the most logs in one window (sized with `count_only` requests).
        max_windows: windows pulled at once; together they keep at most the client's
            `max_workers` requests in flight, each taking what the others leave free (more
            windows cost threads and memory; two keep every request busy).
        progress: show a progress bar (default: the client's setting).
        repair: read every day file in full first; any sync already fetches again the days whose
            file is missing or unreadable (`timepay_notebook.store.damage`).
        **filters: type, status, disposition, from_phone, phone, campaign_id, agent_id (the
            store's filter set), and start_time / end_time (the range to bring up to date).

    Returns:
        A `SyncResult`. Raises `IncompleteSyncError` when windows failed (what completed is
        stored), `StoreMismatchError` for a store of other filters, `FilterError` for bad
        filters (before any request).
    """
    if client is None:
        with TimePayClient(cache=False) as own:
            return sync_logs(
                path,
                client=own,
                overlap=overlap,
                overlap_check=overlap_check,
                window_logs=window_logs,
                max_windows=max_windows,
                progress=progress,
                repair=repair,
                **filters,
            )
    params = client.params(**filters)
    options = _Options.checked(client, overlap, overlap_check, window_logs, max_windows, progress)
    return _Sync(Path(path), client, params, options, repair=repair).run()


@dataclass(frozen=True)
class _Options:
    overlap: int | None  # seconds; None: the store's
    trust_counts: bool
    window_logs: int
    max_windows: int
    progress: bool | None

    @classmethod
    def checked(
        cls,
        client: TimePayClient,
        overlap: dt.timedelta | float | None,
        overlap_check: str,
        window_logs: int,
        max_windows: int,
        progress: bool | None,
    ) -> _Options:
        if client.cache is not None:
            raise ValueError(
                "sync_logs needs a client without a response cache (TimePayClient(cache=False)): "
                "a cached count or page could hide logs that arrived since it was stored"
            )
        if overlap_check not in ("count", "fetch"):
            raise ValueError(f"overlap_check must be 'count' or 'fetch', got {overlap_check!r}")
        if isinstance(window_logs, bool) or not isinstance(window_logs, int) or window_logs < 10:
            raise ValueError(f"window_logs must be an integer of at least 10, got {window_logs!r}")
        if (
            isinstance(max_windows, bool)
            or not isinstance(max_windows, int)
            or not 1 <= max_windows <= 64
        ):
            raise ValueError(f"max_windows must be an integer from 1 to 64, got {max_windows!r}")
        shown = client.progress if progress is None else progress
        return cls(
            _overlap_seconds(overlap), overlap_check == "count", window_logs, max_windows, shown
        )


def _overlap_seconds(overlap: dt.timedelta | float | None) -> int | None:
    if overlap is None:
        return None
    if isinstance(overlap, dt.timedelta):
        seconds = overlap.total_seconds()
    elif isinstance(overlap, int | float) and not isinstance(overlap, bool):
        seconds = float(overlap)
    else:
        raise TypeError(f"overlap must be a timedelta or seconds, got {overlap!r}")
    if seconds < 0:
        raise ValueError(f"overlap must not be negative, got {seconds:g} seconds")
    return int(seconds)


class _Sync:
    """One run of `sync_logs`: plans windows, pulls them concurrently, writes each when done."""

    def __init__(
        self,
        path: Path,
        client: TimePayClient,
        params: dict[str, str],
        options: _Options,
        *,
        repair: bool = False,
    ) -> None:
        self.path = path
        self.client = client
        self.params = params
        self.filters = identity(params)
        self.options = options
        self.windows_written = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()  # counters
        self.known: dict[Span, int] = {}  # counts asked for while finding the origin
        # every request of the sync, counts and pages, holds a permit of one limit while on the
        # wire, so no more than the client's `max_workers` are ever in flight
        self.limit = AdaptiveLimit(client.max_workers)
        self.started = time.perf_counter()
        self.count_requests = self.page_requests = 0
        self.pages_done = self.pages_expected = 0
        self.written: list[WriteStats] = []
        self.verified = 0
        self.failed: dict[str, str] = {}
        self.first_pages: dict[int, str] = {}
        self.span: Span | None = None
        self.bar = Progress(options.progress, "TimePay sync")
        self.repair = repair
        self.repaired: list[str] = []

    def run(self) -> SyncResult:
        store = self._store()
        with store.writing(), self.bar, self.client.one_operation():
            self.repaired = repair_damage(store, thorough=self.repair)  # fetched again below
            self.span = self._range(store)
            if self.span is not None:
                self._pull(store, self._examine(store, self.span))
            store.manifest.logs = store.count_logs()
            store.save()
        result = self._result(store)
        if result.failed:
            raise IncompleteSyncError(result, self.first_pages)
        return result

    # -- the store and the range -------------------------------------------------------------

    def _store(self) -> Store:
        """The store at the path, checked against the filters; a new one if there is none."""
        overlap = self.options.overlap
        if not (self.path / MANIFEST).exists():
            manifest = Manifest(
                filters=self.filters,
                api_timezone=self.client.api_timezone,
                overlap_seconds=overlap if overlap is not None else int(OVERLAP.total_seconds()),
                source=redact_url(self.client.base_url),
            )
            return Store.create(self.path, manifest)
        store = Store.open(self.path)
        store.check(self.params, self.client.api_timezone)
        if overlap is not None:
            store.manifest.overlap_seconds = overlap
        return store

    def _range(self, store: Store) -> Span | None:
        """The span to bring up to date; None when the API has no logs at all yet."""
        manifest = store.manifest
        end = _seconds(self.params.get("end_time"))
        if end is None:
            end = _now(self.client.api_timezone)
        start = _seconds(self.params.get("start_time"))
        if start is None:
            start = manifest.origin if manifest.origin is not None else self._discover(end)
        if start is None:
            return None
        if manifest.origin is None or start < manifest.origin:
            manifest.origin = start
            store.save()
        return (start, end) if start <= end else None

    def _discover(self, end: int) -> int | None:
        """The start of an empty stretch before the oldest log up to `end` (None: no logs):
        the counts up to 1, 2, 4, ... days before `end` are asked for `max_workers` at a time
        (a dozen counts in two or three round trips instead of a dozen)."""
        total = self._count(None, end)
        if total == 0:
            return None
        steps = [DAY << k for k in range(64) if end - (DAY << k) > 0]
        size = self.client.max_workers
        with ThreadPoolExecutor(size, thread_name_prefix="timepay-origin") as pool:
            for first in range(0, len(steps), size):
                some = steps[first : first + size]
                counts = pool.map(lambda step: self._count(None, end - step), some)
                for step, count in zip(some, counts, strict=True):
                    if count == 0:  # the shortest step back to an empty stretch
                        self.known = {(end - step + 1, end): total}
                        return end - step + 1
        self.known = {(0, end): total}
        return 0

    def _examine(self, store: Store, span: Span) -> Iterator[Window]:
        """The planned windows of `span` that are not settled in the store."""
        manifest = store.manifest
        settled: list[Span] = []
        if manifest.high_water_mark is not None:
            edge = manifest.high_water_mark - manifest.overlap_seconds - 1
            settled = clip(manifest.covered, span[0], edge)
        spans = subtract([span], settled)
        if not spans:
            return iter(())
        stored = store.start_times(spans[0][0], spans[-1][1])
        options = self.options
        return plan_windows(
            spans,
            self._count,
            stored,
            window_logs=options.window_logs,
            trust_counts=options.trust_counts,
            known=self.known,
        )

    def _count(self, start: int | None, end: int) -> int:
        with self.lock:
            self.count_requests += 1
        times = {"end_time": to_wire(end)} | (
            {"start_time": to_wire(start)} if start is not None else {}
        )
        return self.client.count({**self.filters, **times}, limit=self.limit, cancel=self.stop)

    # -- pulling and writing windows ---------------------------------------------------------

    def _pull(self, store: Store, windows: Iterator[Window]) -> None:
        """Pull the windows to fetch, `max_windows` at a time sharing one limit of requests in
        flight, each begun once the one before it has asked for all its pages; each window's
        thread hands its logs to the writer (`BatchWriter`)."""
        planned = Ahead(windows, self.options.max_windows)
        senders = DaemonPool(self.client.max_workers, "timepay-page")  # the windows' requests
        pool = ThreadPoolExecutor(self.options.max_windows, thread_name_prefix="timepay-window")
        writer = BatchWriter(store, FLUSH_LOGS)
        pending: dict[Future[None], Window] = {}
        try:
            try:
                for window in planned:
                    if not window.fetch:
                        self.verified += 1
                        store.record(window.span, None)
                        continue
                    self._expect(window.pages)
                    writer.begin(window)
                    asked = threading.Event()
                    future = pool.submit(self._window, window, senders, writer, asked)
                    pending[future] = window
                    while len(pending) >= self.options.max_windows or (pending and self.failed):
                        self._collect(pending)
                    if self.failed:
                        break
                    if window.pages > self.client.max_workers:  # more than one round of requests
                        _await(asked, future)  # the next window begins once it asked them all
            except StoreError:
                raise  # a write failed: the sync stops with its error
            except TimePayError as error:  # a count failed: finish the windows in flight
                self.failed["planning"] = str(error)
            while pending:
                self._collect(pending)
        except BaseException:
            self.stop.set()  # the windows in flight: their pulls' cancel event
            self.limit.close()  # and no request waiting for a permit starts
            raise
        finally:
            planned.close(timeout=self.client.timeout)
            try:
                # after a stop, the pulls of windows in flight are cancelled at once: wait for
                # them (and a write in progress), so that no window is written once the store's
                # lock is released; then write the windows completed, on a window's thread
                wait(pending)
                pool.submit(writer.flush).result()
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
                senders.shutdown()
                self.written, self.windows_written = writer.written, writer.windows

    def _collect(self, pending: dict[Future[None], Window]) -> None:
        """Wait for a window to end; note it if it failed (a failed write is raised)."""
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            window = pending.pop(future)
            try:
                future.result()
            except StoreError:
                raise  # writing failed: the sync stops
            except TimePayError as error:
                self.failed[str(window)] = str(error)
                if not self.first_pages:  # page 1 failing raises its own error
                    pages = error.failed_pages if isinstance(error, IncompletePullError) else {}
                    self.first_pages = pages or {1: str(error)}

    def _window(
        self, window: Window, senders: DaemonPool, writer: BatchWriter, asked: threading.Event
    ) -> None:
        """Pull one window (its requests holding permits of `self.limit` and sent by the threads of
        `senders`, both shared by the windows; `asked` set once it has asked for all its pages)
        and hand its logs to `writer` (which may write a batch on this thread)."""
        fetched, counted_right = self._fetch(window, senders, asked)
        writer.add(Completed(window, fetched, counted_right))

    def _fetch(
        self, window: Window, senders: DaemonPool, asked: threading.Event
    ) -> tuple[Fetched, bool]:
        """The window's logs, as Arrow (`client.pull_arrow`: the pull behind `load_logs`
        without its DataFrame), and whether they match the server's count."""
        filters = {**self.filters, "start_time": window.start_time, "end_time": window.end_time}
        try:
            pull = self.client.pull_arrow(
                filters,
                on_page=self._page_done,
                cancel=self.stop,
                limit=self.limit,
                pool=senders,
                asked=asked,
            )
        except PullCancelledError:
            raise SyncCancelledError(f"the sync stopped: window {window} cancelled") from None
        fetched = Fetched.of_arrow(pull.table, pull.objects, window.span)
        return fetched, not pull.report.count_mismatch

    def _expect(self, pages: int) -> None:
        with self.lock:
            self.pages_expected += pages

    def _page_done(self, done: int, expected: int) -> None:
        """Progress of a window's pull (its own numbers: the sync counts across windows)."""
        with self.lock:
            self.page_requests += 1
            self.pages_done += 1
            self.pages_expected = max(self.pages_expected, self.pages_done)
            self.bar.update(self.pages_done, self.pages_expected)

    def _result(self, store: Store) -> SyncResult:
        manifest = store.manifest
        return SyncResult(
            path=store.path,
            filters=dict(self.filters),
            start_time=to_wire(self.span[0]) if self.span else None,
            end_time=to_wire(self.span[1]) if self.span else None,
            added=sum(s.added for s in self.written),
            updated=sum(s.updated for s in self.written),
            removed=sum(s.removed for s in self.written),
            logs=manifest.logs,
            windows_fetched=self.windows_written,
            windows_verified=self.verified,
            windows_failed=len(self.failed),
            count_requests=self.count_requests,
            page_requests=self.page_requests,
            seconds=time.perf_counter() - self.started,
            high_water_mark=to_wire(manifest.high_water_mark)
            if manifest.high_water_mark is not None
            else None,
            failed=dict(self.failed),
            repaired=list(self.repaired),
        )


def _await(asked: threading.Event, future: Future[None]) -> None:
    """Wait until a window has asked for all its pages (`asked`), or has ended."""
    while not asked.wait(POLL) and not future.done():
        pass


def _seconds(text: str | None) -> int | None:
    return to_seconds(text) if text is not None else None


def _now(zone: str) -> int:
    """Now in the API's time zone, as naive seconds."""
    return to_seconds(dt.datetime.now(ZoneInfo(zone)).replace(tzinfo=None))
