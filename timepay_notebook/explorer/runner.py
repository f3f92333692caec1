"""Run only the latest request, after a quiet period, on one worker thread (no widgets here).

`LatestRunner` is the live panel's engine:

- **Debounce.** `submit` schedules a job `delay` seconds ahead; another `submit` before then
  replaces it and restarts the wait, so a burst of changes becomes one job.
- **Latest only.** Every `submit` takes a new generation number. A job learns whether it is
  still wanted with `is_current(generation)`; once a newer one is submitted it is stale, and it
  stops at its next check and writes nothing. `cancel_event(generation)` is set the moment the
  generation goes stale: pass it as a pull's `cancel=` to stop the pull at once.
- **Off the caller's thread.** Jobs run one at a time on a worker thread that starts when there
  is work and ends when there is none, so an idle runner holds no thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["LatestRunner"]

T = TypeVar("T")
logger = logging.getLogger(__name__)


class LatestRunner(Generic[T]):
    """Runs `job(generation, payload)` for the latest payload submitted.

    Args:
        job: the work; called on the worker thread, one call at a time. It should check
            `is_current(generation)` between steps and before writing anything. Exceptions it
            raises are logged and swallowed (the job is expected to report its own errors).
        debounce: seconds of quiet `submit` waits for by default.
        name: the worker thread's name.
    """

    def __init__(
        self, job: Callable[[int, T], None], *, debounce: float, name: str = "timepay-panel"
    ) -> None:
        if isinstance(debounce, bool) or not isinstance(debounce, int | float) or debounce < 0:
            raise ValueError(f"debounce must be a number of seconds >= 0, got {debounce!r}")
        self.debounce = float(debounce)
        self._job = job
        self._name = name
        self._cond = threading.Condition()
        self._generation = 0
        self._stale = threading.Event()  # set once the current generation is superseded
        self._pending: tuple[int, T] | None = None
        self._latest: T | None = None
        self._due = 0.0
        self._running = False
        self._closed = False
        self._worker: threading.Thread | None = None

    @property
    def latest(self) -> T | None:
        """The payload most recently submitted (None before the first)."""
        return self._latest

    @property
    def busy(self) -> bool:
        """True while a job is waiting for its quiet period or running."""
        with self._cond:
            return self._pending is not None or self._running

    def is_current(self, generation: int) -> bool:
        """True if `generation` is the latest submission and the runner is open."""
        return generation == self._generation and not self._closed

    def cancel_event(self, generation: int) -> threading.Event:
        """An event set once `generation` is stale (already set if it is): a pull's `cancel`."""
        with self._cond:
            if self.is_current(generation):
                return self._stale
        stale = threading.Event()
        stale.set()
        return stale

    def submit(self, payload: T, *, delay: float | None = None) -> int:
        """Schedule `payload` in `delay` seconds (default `debounce`); returns its generation.

        Anything submitted earlier becomes stale: a pending job is replaced, a running one
        sees `is_current` turn False and its `cancel_event` set.
        """
        with self._cond:
            if self._closed:
                raise RuntimeError("this panel is closed")
            self._stale.set()
            self._stale = threading.Event()
            self._generation += 1
            self._pending = (self._generation, payload)
            self._latest = payload
            self._due = time.monotonic() + (self.debounce if delay is None else max(0.0, delay))
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name=self._name, daemon=True)
                self._worker.start()
            self._cond.notify_all()
            return self._generation

    def wait(self, timeout: float | None = None) -> None:
        """Block until no job is pending or running; raises `TimeoutError` after `timeout` s."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._pending is not None or self._running:
                if threading.current_thread() is self._worker:
                    raise RuntimeError(
                        "wait() was called from the panel's own worker (an on_change callback?): "
                        "it would wait for itself"
                    )
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    raise TimeoutError(f"the panel's query was still running after {timeout} s")
                self._cond.wait(remaining)

    def close(self) -> None:
        """Drop any pending job and make the running one stale; later `submit`s raise."""
        with self._cond:
            self._closed = True
            self._stale.set()
            self._pending = None
            self._cond.notify_all()

    def _work(self) -> None:
        """The worker: wait out the quiet period, run the latest job, repeat until idle."""
        while True:
            with self._cond:
                task = self._next_task()
                if task is None:
                    self._worker = None
                    self._cond.notify_all()
                    return
                self._running = True
            try:
                self._job(*task)
            except Exception:
                logger.exception("a panel job failed")
            finally:
                with self._cond:
                    self._running = False
                    self._cond.notify_all()

    def _next_task(self) -> tuple[int, T] | None:
        """The pending job once its quiet period is over, or None if there is none (locked)."""
        while self._pending is not None:
            remaining = self._due - time.monotonic()
            if remaining <= 0:
                task, self._pending = self._pending, None
                return task
            self._cond.wait(remaining)
        return None
