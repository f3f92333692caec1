"""`BatchWriter`: a sync's completed windows, written to the store in batches, each day once.

Windows are pulled newest first (`planner.plan_windows`), a few at a time. The sync tells the
writer when a window `begin`s; each window's thread hands it the window's logs (as Arrow) once
its pull is done (`add`). A day is *closed* once no window can bring it more logs: it is newer
than the day every window in flight ends on, and than the day the oldest window begun starts on
(windows still to come are older). Logs wait until their day is closed; once closed days hold
`flush_logs` logs, the thread whose window closed them writes them, unless a write is already in
progress (they then wait for the next window, or for `flush`): merged into the store
(`Store.write_windows`: each day the batch touches read and written once), then the windows
written in full are recorded in the manifest (those whose logs matched the API's count; the
others are examined again by the next sync), then the manifest is saved. So a first sync writes
each day once (a window spanning days is written in parts, day by day); a window is never
recorded before all of its logs are on disk; one batch is written at a time; a window's thread
never waits for another's write. `flush` writes whatever is left, closed or not (the end of a
sync, or its stop: a window that failed never closes the days it shares with others). Two
exceptions: once `most_kept` logs wait for days not closed (default `3 * flush_logs`: a window
in flight for long holds up the days of every window completed after it), those days are written
too, and may be written again; and a window a part of which was in a write that failed is never
recorded.

Why on the window's thread: while it writes, the other windows take every request in flight
(the windows share one limit); and Arrow's allocator keeps a heap per thread: a thread that has
built windows reuses its memory for the write, where a thread of its own for the writes would
grow one more heap (about 10 MiB more at the peak of a 200,000-log sync).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ..columnar import NULL_PARTITION
from .files import Fetched, Store, WriteStats
from .planner import Window
from .spans import DAY, Span, day_of


@dataclass(frozen=True)
class Completed:
    """A window pulled in full: its logs, and whether they matched the API's count (else it is
    written but not recorded as covered)."""

    window: Window
    fetched: Fetched
    counted_right: bool


@dataclass
class _Waiting:
    """A completed window not yet written in full: what is left of it (its older days), and
    the newest start time of the whole window (recorded with it)."""

    completed: Completed
    left: Fetched
    newest: int | None
    lost: bool = False  # a part of it was in a write that failed: never recorded


_Batch = tuple[list[tuple[Fetched, _Waiting]], list[_Waiting]]


class BatchWriter:
    """Writes completed windows into `store`, each day once its logs are all in, in batches of
    at least `flush_logs` logs (see the module docstring). `begin` and `add` are called from
    the sync's threads."""

    def __init__(self, store: Store, flush_logs: int, most_kept: int | None = None) -> None:
        self.store = store
        self.flush_logs = flush_logs
        self.most_kept = most_kept or 3 * flush_logs  # logs of days not closed; past it, written
        self.written: list[WriteStats] = []  # one per batch written
        self.windows = 0  # windows written in full
        self._waiting: list[_Waiting] = []
        self._in_flight: set[Span] = set()
        self._oldest: int | None = None  # the start of the oldest window begun
        self._writing = False
        self._lock = threading.Lock()

    def begin(self, window: Window) -> None:
        """Note a window about to be pulled: its days are not closed until it is added."""
        with self._lock:
            self._in_flight.add(window.span)
            if self._oldest is None or window.start < self._oldest:
                self._oldest = window.start

    def add(self, completed: Completed) -> None:
        """Keep a completed window; write the closed days (on this thread) if they now hold
        `flush_logs` logs and no other thread is writing."""
        waiting = _Waiting(completed, completed.fetched, completed.fetched.newest)
        with self._lock:
            self._in_flight.discard(completed.window.span)
            self._waiting.append(waiting)
            if self._writing:
                return
            since = self._closed_since()
            closed = self._logs_since(since) if since is not None else 0
            if sum(w.left.logs_by_day.total() for w in self._waiting) - closed >= self.most_kept:
                since = None  # a window in flight holds up too many days: write them all
            elif since is None or closed < self.flush_logs:
                return
            self._writing = True
            batch = self._take(since)
        try:
            self._write(*batch)
        finally:
            with self._lock:
                self._writing = False

    def flush(self) -> None:
        """Write everything kept, closed or not (once no window is in flight that will be added,
        and no write is in progress)."""
        with self._lock:
            assert not self._writing, "flush runs once the windows' threads are done"
            batch = self._take(None)
        self._write(*batch)

    def _closed_since(self) -> int | None:
        """The first second of the closed days (None: none are known to be, as no window
        has begun)."""
        edges = [end for _, end in self._in_flight]
        if self._oldest is not None:
            edges.append(self._oldest - 1)  # windows still to come end before the oldest begun
        return (max(edges) // DAY + 1) * DAY if edges else None

    def _logs_since(self, since: int) -> int:
        """The logs kept of the days from `since` on (counted by day, not row by row)."""
        first = day_of(since)
        return sum(
            n
            for w in self._waiting
            for day, n in w.left.logs_by_day.items()
            if day >= first and day != NULL_PARTITION
        )

    def _take(self, since: int | None) -> _Batch:
        """The logs of the days from `since` on (None: all), taken off the windows kept, with
        the windows they are of; and the windows now taken in full."""
        parts: list[tuple[Fetched, _Waiting]] = []
        whole: list[_Waiting] = []
        kept: list[_Waiting] = []
        for waiting in self._waiting:
            part, rest = (waiting.left, None) if since is None else waiting.left.cut(since)
            if part is not None:
                parts.append((part, waiting))
            if rest is None:
                whole.append(waiting)
            else:
                waiting.left = rest
                kept.append(waiting)
        self._waiting = kept
        return parts, whole

    def _write(self, parts: list[tuple[Fetched, _Waiting]], whole: list[_Waiting]) -> None:
        """Merge `parts` into the store, then record the windows of `whole` and save the
        manifest. If the write fails, the windows of `parts` are never recorded (what is left
        of them may still be written: the next sync examines them again)."""
        if not parts and not whole:
            return
        store = self.store
        try:
            stats = store.write_windows([part for part, _ in parts])
        except BaseException:
            with self._lock:
                for _, waiting in parts:
                    waiting.lost = True
            raise
        for waiting in whole:
            completed = waiting.completed
            if completed.counted_right and not waiting.lost:  # else examined again next time
                store.record(completed.window.span, waiting.newest)
        store.save()
        with self._lock:
            if parts:
                self.written.append(stats)
            self.windows += sum(not waiting.lost for waiting in whole)
