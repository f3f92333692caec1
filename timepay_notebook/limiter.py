"""`AdaptiveLimit`: how many requests of one pull may be in flight, learnt from the server's 429s.

Every attempt of a request (retries included) holds a permit while it is on the wire, and gives
it back before any wait. A 429 lowers the limit at once to below the number that was in flight
when it came (never below one), so the next attempts already fit what the server allows; the
limit then grows by one after `window` answers in a row without a 429. A probe that meets a 429
right away doubles the run needed before the next one, so a client sitting just under a
server's limit probes ever more rarely instead of paying a `Retry-After` wait every few pages.
"""

from __future__ import annotations

import threading

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
    """

    def __init__(self, maximum: int, window: int = 8) -> None:
        self.maximum = self.value = self.lowest = max(1, maximum)
        self.in_flight = 0
        self._needed = window  # clean answers before the next probe upward
        self._clean = 0
        self._probed = False  # raised since the last 429
        self._closed = False
        self._ready = threading.Condition()

    def acquire(self, stop: threading.Event | None = None) -> bool:
        """Wait for a permit; False (and no permit) once `stop` is set. After `close`, a caller
        with a `stop` event gets no permit: it waits for its `stop`."""
        with self._ready:
            while self.in_flight >= self.value or (self._closed and stop is not None):
                if stop is not None and stop.is_set():
                    self._ready.notify()  # a permit it was woken for goes to another waiter
                    return False
                self._ready.wait(POLL)
            if stop is not None and stop.is_set():
                self._ready.notify()
                return False
            self.in_flight += 1
            return True

    def close(self) -> None:
        """Give no permit any more to callers with a `stop` event (e.g. once the pulls sharing
        this limit are being cancelled, so that no request waiting for a permit starts)."""
        with self._ready:
            self._closed = True
            self._ready.notify_all()

    def release(self, *, throttled: bool = False) -> None:
        """Give a permit back; `throttled`: its answer was a 429."""
        with self._ready:
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
            free = self.value - self.in_flight
            if free > 0:  # wake only as many waiters as may start (not all: a herd)
                self._ready.notify(free)
