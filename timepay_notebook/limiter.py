"""`AdaptiveLimit`: how many requests of one pull may be in flight, learnt from the server's 429s.

Every attempt of a request (retries included) holds a permit while it is on the wire, and gives
it back before any wait. A 429 lowers the limit at once to below the number that was in flight
when it came (never below one), so the next attempts already fit what the server allows; the
limit then grows by one after `window` answers in a row without a 429. A probe that meets a 429
right away doubles the run needed before the next one, so a client sitting just under a
server's limit probes ever more rarely instead of paying a `Retry-After` wait every few pages.

Permits go to waiting callers in the order they asked: a caller that finds others waiting queues
behind them, and a permit given back wakes only the oldest waiter. (A caller that just gave one
back and asks again would otherwise take it before a waiter woke: the sync's count requests,
waiting beside its eight page threads, were woken for nothing at almost every page, thousands of
times a sync, and waited for seconds.)
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

POLL = 0.05  # seconds between looks at the stop event while waiting for a permit
MOST_PATIENT = 1024  # the longest run of clean answers a probe upward waits for


class AdaptiveLimit:
    """Permits for requests in flight: lowered on a 429 below what was in flight, +1 after
    `window` (doubling after each failed probe) answers without one.

    Attributes:
        maximum: the most permits (the pull's workers).
        value: the permits now allowed.
        lowest: the lowest `value` reached.
        in_flight: permits now held.
        waiting: callers now waiting for one.
    """

    def __init__(self, maximum: int, window: int = 8) -> None:
        self.maximum = self.value = self.lowest = max(1, maximum)
        self.in_flight = 0
        self._needed = window  # clean answers before the next probe upward
        self._clean = 0
        self._probed = False  # raised since the last 429
        self._closed = False
        self._lock = threading.Lock()
        self._waiting: deque[_Waiter] = deque()  # callers waiting for a permit, oldest first

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def acquire(self, stop: threading.Event | None = None) -> bool:
        """Wait for a permit, after the callers already waiting; False (and no permit) once
        `stop` is set. After `close`, a caller with a `stop` event gets no permit: it waits for
        its `stop` (and no longer holds up the callers behind it)."""
        with self._lock:
            if self._next() is None and self._may_take(stop):
                self.in_flight += 1
                return True
            waiter = _Waiter(threading.Condition(self._lock), stop)
            self._waiting.append(waiter)
            try:
                while not (stop is not None and stop.is_set()):
                    if self._next() is waiter and self._may_take(stop):
                        self.in_flight += 1
                        return True
                    waiter.ready.wait(POLL)
                return False
            finally:
                self._waiting.remove(waiter)
                self._wake()  # a permit still free (or one it gave up) goes to the next

    def close(self) -> None:
        """Give no permit any more to callers with a `stop` event (e.g. once the pulls sharing
        this limit are being cancelled, so that no request waiting for a permit starts)."""
        with self._lock:
            self._closed = True
            self._wake()

    def release(self, *, throttled: bool = False) -> None:
        """Give a permit back; `throttled`: its answer was a 429."""
        with self._lock:
            if throttled:
                self.value = max(1, min(self.value, self.in_flight - 1))
                self.lowest = min(self.lowest, self.value)
                if self._probed:  # the last probe upward was one too many: probe later
                    self._needed = min(MOST_PATIENT, self._needed * 2)
                self._probed = False
                self._clean = 0
            else:
                self._clean += 1
                if self._clean >= self._needed and self.value < self.maximum:
                    self.value += 1
                    self._clean = 0
                    self._probed = True
            self.in_flight -= 1
            self._wake()

    def _may_take(self, stop: threading.Event | None) -> bool:
        return self.in_flight < self.value and not (self._closed and stop is not None)

    def _next(self) -> _Waiter | None:
        """The oldest waiter that may still get a permit (after `close`, those with a `stop`
        event may not)."""
        for waiter in self._waiting:
            if not (self._closed and waiter.stop is not None):
                return waiter
        return None

    def _wake(self) -> None:
        """Wake the next waiter if a permit is free (only it: not a herd); it wakes the one
        after it in turn."""
        waiter = self._next()
        if waiter is not None and self.in_flight < self.value:
            waiter.ready.notify()


@dataclass(frozen=True, eq=False)
class _Waiter:
    ready: threading.Condition  # on the limit's lock: notified when it may take a permit
    stop: threading.Event | None
