"""Fetching every page: concurrency, deduplication, and repair when the data moves mid-pull.

The strategy, independent of the order the server pages in:

1. Page 1 gives `total` and `total_pages`.
2. Pages 2..N are fetched by at most `max_workers` threads, handed on in page order. `AHEAD`
   pages a thread are queued, so a thread that has finished a page starts the next at once
   instead of waiting for the thread taking pages in; a page asked for alone (page 1, those
   past the last, the second pass) goes before any queued page, so on a pool shared with other
   pulls it does not wait behind their queues; the other pages of such a pool go pull by pull,
   the pull begun first first. How many are on the wire at once is the pull's
   `AdaptiveLimit`, which every attempt (retries included) takes a permit from: a 429 lowers it
   at once below what was in flight, and it grows back by one after a run of answers without
   one.
3. While the last page says `has_next`, the next page is fetched, until one brings nothing new
   (a guard stops a server that never stops saying `has_next`).
4. Logs are deduplicated by id (`protocol.record_key`, else the whole record). A page served from
   a cache whose total disagrees with page 1's belongs to another snapshot: it is fetched fresh.
5. If the data moved during the pull (a page reported another total, a log was seen twice, or
   logs appeared past the last page), a log may have slid from a page not yet fetched into one
   already fetched, and been missed by every request. A second pass then reads the pages one
   after another in page order: as logs only move to later pages when others arrive, a
   sequential pass cannot miss a log that existed when the pull began. Logs it finds are added.
   The second pass bypasses any cache.

Failures after the transport's retries are recorded per page, never dropped: the caller decides
to raise or warn. A page that fails costs that page only, except a refused token (401/403):
then no further page is requested (`PullReport.refused` holds the error).

Stopping: every request runs on the puller's own threads (or on a pool it shares with other
pulls: `sync_logs`' windows) while the caller's thread waits for them, waking every `POLL`
seconds. A `cancel` event (looked at before each request is started, while waiting, and before
each page is taken in) or Ctrl-C ends the pull at once, with `PullCancelledError` or
`KeyboardInterrupt`: no request is started after that (those queued are cancelled), and answers
still in flight are dropped. The pull's `stop` event is then set: no retry starts, no backoff goes on
and no body is read further. The threads are daemon threads, abandoned (never waited for): a
request the server never answers ends in them at its timeout, without holding up the caller
or the interpreter's exit. `on_page` only reports progress.
"""

from __future__ import annotations

import heapq
import itertools
import queue
import threading
from collections import deque
from collections.abc import Callable, Collection, Generator, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from .errors import AuthenticationError, PullCancelledError, TimePayError
from .limiter import AdaptiveLimit
from .protocol import record_key
from .transport import Page

FetchPage = Callable[[int, bool], Page]  # (page number, fresh: bypass any cache)
PeekPage = Callable[[int], Page | None]  # a page from a cache, without a request, or None
OnPage = Callable[[int, int], None]  # (pages done, pages expected)
POLL = 0.05  # seconds between looks at the cancel event while waiting for pages
AHEAD = 2  # pages queued a thread (32 threads at 20 ms: 1.22x the bound, not 1.31x)


class _NotSentError(TimePayError):
    """A queued page not requested: the token was refused, or the pull cancelled or ended."""


@dataclass
class PullReport:
    """What happened during a pull (`TimePayClient.pull` returns it); the basis of `df.attrs`
    and of warnings."""

    total: int = 0  # the server's total on page 1
    final_total: int = 0  # the last total the server reported
    total_pages: int = 0  # on page 1
    pages_fetched: int = 0
    unique: int = 0
    duplicates: int = 0
    failed_pages: dict[int, str] = field(default_factory=dict)
    moved: bool = False
    repaired: bool = False
    guard_hit: bool = False
    throttled: int = 0
    cancelled: bool = False  # stopped by its cancel event
    from_cache: int = 0  # pages answered from a cache
    stale: int = 0  # of which past their expiry (the API could not be reached)
    concurrency: dict[str, int] = field(default_factory=dict)
    refused: AuthenticationError | None = None  # the token was refused: no page after it

    @property
    def complete(self) -> bool:
        """Every page came: none failed and the pull was not cancelled."""
        return not self.failed_pages and not self.cancelled

    @property
    def count_mismatch(self) -> bool:
        """Every page came, yet the unique logs differ from the server's last total."""
        return self.complete and self.unique != self.final_total


class DaemonPool:
    """A thread pool whose threads are daemons, never joined: a request hung in one of them
    holds up neither `shutdown` nor the interpreter's exit (`ThreadPoolExecutor` joins its
    threads at exit). Each future, once done, is also put on the queue given with it, so that a
    waiter takes what is done from a queue instead of watching every pending future. Pulls
    running at the same time may share one pool (`sync_logs`' windows): its threads are then
    all the requests they have in flight, and none are started and ended per pull. A task
    submitted `first` starts before every task queued without it; the others start in the order
    their pulls (their `finished` queues) were first seen, then in the order submitted: the
    pull begun first takes the threads, and one begun after it gets those it leaves free (at its
    end, while its caller writes) instead of every other one: two pulls taking pages in side by
    side make two threads build at once, which costs a sync at latency 0 several percent of its
    time (`sync_logs`' windows)."""

    def __init__(self, workers: int, name: str) -> None:
        self.workers = workers
        self.name = name
        self._first: deque[_Task] = deque()
        self._rest: list[tuple[int, int, _Task]] = []  # a heap: (the pull's rank, order, task)
        self._ranks: dict[queue.SimpleQueue[Future[Any]], int] = {}  # a pull's queue -> rank
        self._numbers = itertools.count()  # ranks and the order tasks were submitted in
        self._ready: queue.SimpleQueue[None] = queue.SimpleQueue()  # one item a task queued
        self._threads = 0
        self._lock = threading.Lock()
        self._closed = False

    def submit(
        self,
        finished: queue.SimpleQueue[Future[Any]],
        function: Callable[..., Any],
        *args: Any,
        first: bool = False,
    ) -> Future[Any]:
        """Run `function(*args)` on a thread of the pool (`first`: before the tasks queued
        without it); its future goes on `finished` once done (not if it is cancelled before it
        starts)."""
        future: Future[Any] = Future()
        task = (future, function, args, finished)
        with self._lock:  # pulls sharing the pool submit from their own threads
            if first:
                self._first.append(task)
            else:
                rank = self._ranks.get(finished)
                if rank is None:  # the pull's first task: it ranks after those begun before
                    rank = self._ranks[finished] = next(self._numbers)
                heapq.heappush(self._rest, (rank, next(self._numbers), task))
            name = f"{self.name}_{self._threads + 1}" if self._threads < self.workers else None
            self._threads += name is not None
        self._ready.put(None)
        if name is not None:
            threading.Thread(target=self._work, name=name, daemon=True).start()
        return future

    def shutdown(self) -> None:
        """Cancel what has not started; the threads end after their current task."""
        self._closed = True
        with self._lock:
            tasks = [*self._first, *(task for _, _, task in self._rest)]
            self._first.clear()
            self._rest.clear()
            self._ranks.clear()
        for future, _, _, _ in tasks:
            future.cancel()

    def forget(self, finished: queue.SimpleQueue[Future[Any]]) -> None:
        """The pull of `finished` has ended: its rank is dropped (a task it left queued, if
        any, keeps its place)."""
        with self._lock:
            self._ranks.pop(finished, None)

    def _work(self) -> None:
        while not self._closed:
            try:
                self._ready.get(timeout=POLL)
                future, function, args, finished = self._next_task()
            except (queue.Empty, IndexError):  # IndexError: `shutdown` took the task
                continue
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = function(*args)
            except BaseException as error:  # handed to the waiting thread, as a pool does
                future.set_exception(error)
            else:
                future.set_result(result)
            finished.put(future)

    def _next_task(self) -> _Task:
        """The next task: one submitted `first` if there is one, else the oldest pull's first."""
        with self._lock:
            if self._first:
                return self._first.popleft()
            return heapq.heappop(self._rest)[2]  # IndexError if none is left


_Task = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], "queue.SimpleQueue[Future[Any]]"]


class Puller:
    """Yields the new (unseen) logs of each page of one query, in page order.

    Args:
        fetch: fetches one page (with retries; fresh=True bypasses any cache), raising
            `TimePayError` when it can't. Called on the puller's threads.
        max_workers: the most requests in flight (the threads of the pull).
        on_page: progress: called after each page with (pages done, pages expected), on the
            thread iterating `pages`. An exception it raises ends the pull and propagates.
        max_extra_pages: most pages fetched past the last one page 1 announced
            (default: as many as page 1 announced, at least 10).
        cancel: once set, no further request is started, answers in flight are dropped and
            `pages` raises `PullCancelledError` (within about `POLL` seconds).
        limit: the permits `fetch` takes for each attempt (default: `max_workers` of them);
            reported in `PullReport.concurrency`.
        stop: set when `pages` ends for any reason (a cancel, Ctrl-C, an error, the end):
            `fetch` gives up its retries and waits then.
        peek: a page from a cache, read on the thread iterating `pages` before a request is
            made for it (the cache-first pass: only the pages it lacks go to the pool), or
            None. A page whose total is not page 1's is not taken from it.
        pool: threads shared with other pulls (with `limit`; as many as its permits), kept
            after the pull (its requests not started are cancelled); default: the pull's own
            `max_workers` threads.
        asked: set once the pull has asked for every page page 1 announced (its last few may
            still be on the wire), or has ended: a pull to follow it on a shared `pool` may
            then begin without the two taking pages in side by side (`sync_logs`).
    """

    def __init__(
        self,
        fetch: FetchPage,
        *,
        max_workers: int = 4,
        on_page: OnPage | None = None,
        max_extra_pages: int | None = None,
        cancel: threading.Event | None = None,
        limit: AdaptiveLimit | None = None,
        stop: threading.Event | None = None,
        peek: PeekPage | None = None,
        pool: DaemonPool | None = None,
        asked: threading.Event | None = None,
    ) -> None:
        self.fetch = fetch
        self.asked = asked or threading.Event()
        self.shared_pool = pool
        self.peek = peek
        self.limit = limit or AdaptiveLimit(max_workers)
        self.stop = stop or threading.Event()
        self.on_page = on_page
        self.max_extra_pages = max_extra_pages
        self.cancel = cancel
        self.report = PullReport()
        self._seen: set[str] = set()
        self._expected = 0
        self._stopped: str | None = None  # why no more pages are requested (a fatal error)
        self._refused = False  # a page's token was refused: set on the thread that fetched it
        self._pool: DaemonPool | None = None
        self._finished: queue.SimpleQueue[Future[Page]] = queue.SimpleQueue()  # done requests
        self._early: set[Future[Page]] = set()  # done, taken off `finished`, not yet waited for
        self._unfinished: set[Future[Page]] = set()  # submitted, not yet taken off `finished`

    def pages(self) -> Iterator[list[dict[str, Any]]]:
        """The unseen logs of each page; raises if page 1 fails, records later failures.

        Raises:
            PullCancelledError: the cancel event was set (before page 1: nothing was sent).
        """
        self._check_cancel()
        self._pool = self.shared_pool or DaemonPool(self.limit.maximum, "timepay-page")
        try:
            yield from self._pages()
        finally:  # also on a cancel, Ctrl-C or an abandoned iterator: never wait for answers
            self.stop.set()
            self.asked.set()
            if self.shared_pool is None:
                self._pool.shutdown()
            else:
                self._pool.forget(self._finished)
            for future in self._unfinished:  # not started yet: never started
                future.cancel()
            self._pool = None

    def _pages(self) -> Iterator[list[dict[str, Any]]]:
        first = self._peek(1) or self._one(1).result()
        report = self.report
        report.total = report.final_total = first.total
        report.total_pages = first.total_pages
        self._expected = max(1, first.total_pages)
        if first.total_pages <= 1:
            self.asked.set()
        yield self._take(first)
        last = first
        if first.total_pages > 1:
            last_or_none = yield from self._concurrent(range(2, first.total_pages + 1))
            last = last_or_none or last
        extra = (
            self.max_extra_pages if self.max_extra_pages is not None else max(10, first.total_pages)
        )
        if last.number == max(1, first.total_pages):
            yield from self._continue(last, extra)
        if report.moved and not self._stopped:
            report.repaired = True
            yield from self._sequential_pass(extra)
        report.concurrency = {
            "max": self.limit.maximum,
            "lowest": self.limit.lowest,
            "final": self.limit.value,
        }

    # -- requests: on the pool, waited for with an eye on the cancel event ---------------------

    def _check_cancel(self) -> None:
        """Raise `PullCancelledError` if the cancel event is set."""
        if self.cancel is None or not self.cancel.is_set():
            return
        report = self.report
        report.cancelled = True
        expected = max(self._expected, report.pages_fetched)
        raise PullCancelledError(
            f"the pull was cancelled after {report.pages_fetched:,} of {expected:,} page(s); "
            "no request was started after that"
        )

    def _submit(self, number: int, fresh: bool = False, first: bool = False) -> Future[Page]:
        self._check_cancel()
        assert self._pool is not None, "requests are made while `pages` runs"
        future: Future[Page] = self._pool.submit(
            self._finished, self._fetch, number, fresh, first=first
        )
        self._unfinished.add(future)
        return future

    def _wait(self, futures: Collection[Future[Page]]) -> set[Future[Page]]:
        """The futures of `futures` done once at least one is, taken from the pull's `finished`
        queue, looking at the cancel event every `POLL` s (waking also lets a Ctrl-C that
        another thread received end the wait)."""
        finished = self._finished
        while True:
            done = {f for f in self._early if f in futures}
            try:
                done.add(finished.get(timeout=0 if done else POLL))
                while True:
                    done.add(finished.get_nowait())
            except queue.Empty:
                pass
            self._unfinished -= done
            self._check_cancel()  # an answer that came after the cancel is dropped
            self._early |= {f for f in done if f not in futures}
            done = {f for f in done if f in futures}
            self._early -= done
            if done:
                return done

    def _peek(self, number: int) -> Page | None:
        """Page `number` from `peek`, on this thread (None: ask the pool for it)."""
        if self.peek is None:
            return None
        self._check_cancel()
        page = self.peek(number)
        if page is None or (number > 1 and page.total != self.report.total):
            return None
        return page

    def _one(self, number: int, fresh: bool = False) -> Future[Page]:
        """Page `number` fetched on the pool while this thread waits: a done future."""
        future = self._submit(number, fresh, first=True)
        self._wait([future])
        return future

    def _fetch(self, number: int, fresh: bool = False) -> Page:
        """A page; a cached one from another snapshot than page 1's is fetched again, fresh.
        Raises `_NotSentError` when the page was queued before a refusal, a cancel or the end."""
        if self._refused or self.stop.is_set() or (self.cancel and self.cancel.is_set()):
            raise _NotSentError("not requested: the token was refused or the pull stopped")
        try:
            page = self.fetch(number, fresh)
            if (
                page.from_cache
                and not page.stale
                and number > 1
                and page.total != self.report.total
            ):
                page = self.fetch(number, True)
        except AuthenticationError:
            self._refused = True  # the pages queued behind this one are not requested
            raise
        return page

    # -- taking pages in --------------------------------------------------------------------

    def _take(self, page: Page) -> list[dict[str, Any]]:
        """The logs of `page` not seen before; notes totals and duplicates."""
        self._check_cancel()
        report = self.report
        report.pages_fetched += 1
        report.throttled += page.throttled
        report.from_cache += page.from_cache
        report.stale += page.stale
        report.final_total = page.total
        if page.total != report.total:  # the data changed since page 1
            report.moved = True
        new = []
        for record in page.records:
            key = record_key(record)
            if key in self._seen:
                if not report.repaired:  # the second pass re-reads what it has on purpose
                    report.duplicates += 1
                    report.moved = True
                continue
            self._seen.add(key)
            new.append(record)
        report.unique += len(new)
        if self.on_page:
            self.on_page(report.pages_fetched, max(self._expected, report.pages_fetched))
        return new

    def _fail(self, number: int, error: BaseException) -> None:
        again = "second pass: " if self.report.repaired else ""
        self.report.failed_pages[number] = f"{again}{error}"
        if isinstance(error, AuthenticationError):
            self._stopped = str(error)
            self.report.refused = self.report.refused or error

    # -- the three phases -------------------------------------------------------------------

    def _concurrent(self, numbers: range) -> Generator[list[dict[str, Any]], None, Page | None]:
        """Fetch `numbers` concurrently; yield in page order. Returns the last page if fetched."""
        todo = iter(numbers)
        pending: dict[Future[Page], int] = {}
        done: dict[int, Page | None] = {}
        next_out = numbers.start
        last: Page | None = None
        unsent: list[int] = []  # queued before the token was refused (or a cancel)
        queued = AHEAD * self.limit.maximum
        while True:
            while len(pending) < queued and not self._stopped:
                number = next(todo, None)
                if number is None:
                    self.asked.set()
                    break
                cached = self._peek(number)
                if cached is not None:
                    done[number] = cached
                else:
                    pending[self._submit(number)] = number
            finished = not pending  # nothing left to request (or stopped): take what came
            for future in self._wait(pending) if pending else ():
                number = pending.pop(future)
                try:
                    page = future.result()
                except _NotSentError:
                    unsent.append(number)
                    done[number] = None
                except TimePayError as error:
                    self._fail(number, error)
                    done[number] = None
                else:
                    done[number] = page
            while next_out in done:
                page_or_none = done.pop(next_out)
                if page_or_none is not None:
                    last = page_or_none
                    yield self._take(page_or_none)
                next_out += 1
            if finished:
                break
        why = self._stopped or "the pull was stopped"
        for number in [*unsent, *(todo if self._stopped else ())]:
            self.report.failed_pages.setdefault(number, f"not requested: {why}")
        return last if last is not None and last.number == numbers.stop - 1 else None

    def _continue(self, last: Page, extra: int) -> Iterator[list[dict[str, Any]]]:
        """Follow `has_next` past the announced last page until a page brings nothing new."""
        fetched = 0
        while last.has_next and not self._stopped:
            if fetched >= extra:
                self.report.guard_hit = True
                return
            number = last.number + 1
            self._expected = max(self._expected, number)
            future = self._one(number)
            try:
                page = future.result()
            except TimePayError as error:
                self._fail(number, error)
                return
            fetched += 1
            new = self._take(page)
            if not new:
                return
            self.report.moved = True  # logs past the announced end: the data grew
            yield new
            last = page

    def _sequential_pass(self, extra: int) -> Iterator[list[dict[str, Any]]]:
        """Read every page again, one after another in page order, keeping unseen logs."""
        number = 1
        self._expected += max(1, self.report.total_pages)
        while not self._stopped:
            future = self._one(number, fresh=True)
            try:
                page = future.result()
            except TimePayError as error:
                self._fail(number, error)
                return
            yield self._take(page)
            if not page.has_next or not page.records:
                return
            if number >= page.total_pages + extra:
                self.report.guard_hit = True
                return
            number += 1
