"""`BatchWriter`: a sync's completed windows, written to the store in batches.

Each window's thread hands its logs (as Arrow) to the writer once its pull is done. They are
kept until `flush_logs` logs have come; the thread whose window fills the batch then writes it,
unless a write is already in progress (the batch then waits for the next window, or for
`flush`): merged into the store (`Store.write_windows`: each day the batch touches read and
written once), then its windows are recorded in the manifest (those whose logs matched the API's
count; the others are examined again by the next sync), then the manifest is saved. A window is
never recorded before its logs are on disk; one batch is written at a time; a window's thread
never waits for another's write.

Why on the window's thread: while it writes, the other windows take every request in flight
(the windows share one limit); and Arrow's allocator keeps a heap per thread: a thread that has
built windows reuses its memory for the write, where a thread of its own for the writes would
grow one more heap (about 10 MiB more at the peak of a 200,000-log sync).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from .files import Fetched, Store, WriteStats
from .planner import Window


@dataclass(frozen=True)
class Completed:
    """A window pulled in full: its logs, and whether they matched the API's count (else it is
    written but not recorded as covered)."""

    window: Window
    fetched: Fetched
    counted_right: bool


class BatchWriter:
    """Writes completed windows into `store` in batches of at least `flush_logs` logs (see the
    module docstring). `add` is called from the windows' threads."""

    def __init__(self, store: Store, flush_logs: int) -> None:
        self.store = store
        self.flush_logs = flush_logs
        self.written: list[WriteStats] = []  # one per batch written
        self.windows = 0  # windows written
        self._batch: list[Completed] = []
        self._batch_logs = 0
        self._writing = False
        self._lock = threading.Lock()

    def add(self, completed: Completed) -> None:
        """Keep a completed window; write the batch (on this thread) if it now holds
        `flush_logs` logs and no other thread is writing."""
        with self._lock:
            self._batch.append(completed)
            self._batch_logs += completed.fetched.table.num_rows
            if self._writing or self._batch_logs < self.flush_logs:
                return
            self._writing = True
            batch = self._take()
        try:
            self._write(batch)
        finally:
            with self._lock:
                self._writing = False

    def flush(self) -> None:
        """Write what is kept (once no window is in flight, and no write in progress)."""
        with self._lock:
            assert not self._writing, "flush runs once the windows' threads are done"
            batch = self._take()
        self._write(batch)

    def _take(self) -> list[Completed]:
        batch, self._batch, self._batch_logs = self._batch, [], 0
        return batch

    def _write(self, batch: list[Completed]) -> None:
        """Merge `batch` into the store, then record its windows and save the manifest."""
        if not batch:
            return
        store = self.store
        stats = store.write_windows([c.fetched for c in batch])
        for completed in batch:
            if completed.counted_right:  # else examined again next time
                store.record(completed.window.span, completed.fetched.newest)
        store.save()
        with self._lock:
            self.written.append(stats)
            self.windows += len(batch)
