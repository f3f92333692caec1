"""The sandbox's knobs for misbehaving: injected faults, drift, and request limits."""

from __future__ import annotations

import atexit
import functools
import random
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

FAULT_KINDS = (
    "429", "500", "502", "503", "html", "truncated", "drop", "unsuccessful",
    "trickle", "echo_401", "echo_500", "hang",
)  # fmt: skip
"""
- ``429``: Too Many Requests with a ``Retry-After`` header.
- ``500``/``502``/``503``: a JSON error body with that status.
- ``html``: a 502 whose body is an HTML error page (as a proxy in front of an API sends).
- ``truncated``: status 200 and a JSON body cut in half (Content-Length matches the cut body).
- ``drop``: the connection is closed without any response.
- ``unsuccessful``: status 200 with ``{"success": false, "message": ...}``.
- ``trickle``: the normal answer, but its body is sent one byte every ``trickle_interval``
  seconds (the headers, with the full Content-Length, at once): each socket read gets a byte
  well within a read timeout, while the whole answer takes ``len(body) * trickle_interval``.
- ``echo_401``/``echo_500``: a JSON error whose ``message`` quotes the request line and every
  request header, ``Authorization`` (the token) included, and whose ``request`` object holds
  them too (as a debugging server or a careless proxy does).
- ``hang``: the request is read and never answered; the connection closes when the server stops.
"""


@dataclass(frozen=True)
class Faults:
    """Failures to inject into `/api/v1/logs` responses.

    Attributes:
        rate: probability that any request gets a fault, drawn from `kinds`.
        kinds: the faults `rate` chooses among (uniformly).
        schedule: request number (1-based, counting requests to the logs endpoint) -> fault.
        pages: page number -> fault for every request of that page (count-only requests
            excluded), or `(fault, times)` to fail only the first `times` requests of it.
        retry_after: seconds announced in the `Retry-After` header of a 429.
        retry_after_date: send `Retry-After` as an HTTP-date instead of seconds.
        trickle_interval: seconds between the bytes of a ``trickle`` body.
        seed: seed of the random draws behind `rate`.
    """

    rate: float = 0.0
    kinds: tuple[str, ...] = ("500",)
    schedule: Mapping[int, str] = field(default_factory=dict)
    pages: Mapping[int, str | tuple[str, int]] = field(default_factory=dict)
    retry_after: float = 1.0
    retry_after_date: bool = False
    trickle_interval: float = 0.5
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"rate must be between 0 and 1, got {self.rate!r}")
        named = [*self.kinds, *self.schedule.values()]
        named += [v if isinstance(v, str) else v[0] for v in self.pages.values()]
        bad = sorted({k for k in named if k not in FAULT_KINDS})
        if bad:
            raise ValueError(f"unknown fault kind(s) {bad}; known: {', '.join(FAULT_KINDS)}")
        if not 0.0 <= self.trickle_interval <= 60.0:
            raise ValueError(
                f"trickle_interval must be between 0 and 60 s, got {self.trickle_interval!r}"
            )
        if self.rate and not self.kinds:
            raise ValueError("a fault rate needs at least one kind")


class FaultInjector:
    """Decides, request by request, which fault (if any) a `Faults` plan calls for."""

    def __init__(self, plan: Faults) -> None:
        self.plan = plan
        self._random = random.Random(plan.seed)
        self._lock = threading.Lock()
        self._page_hits: dict[int, int] = {}

    def decide(self, number: int, page: int | None) -> str | None:
        """The fault for the `number`-th logs request, asking for `page` (None: count only)."""
        plan = self.plan
        if number in plan.schedule:
            return plan.schedule[number]
        if page is not None and page in plan.pages:
            spec = plan.pages[page]
            kind, times = (spec, None) if isinstance(spec, str) else spec
            with self._lock:
                seen = self._page_hits.get(page, 0)
                self._page_hits[page] = seen + 1
            if times is None or seen < times:
                return kind
        if plan.rate:
            with self._lock:
                if self._random.random() < plan.rate:
                    return self._random.choice(plan.kinds)
        return None


@dataclass(frozen=True)
class Drift:
    """New logs arriving while clients read: `count` logs every `every` logs requests.

    `where="now"` adds logs newer than all others (they appear on page 1 and push every other
    log one place further); `"random"` adds late arrivals anywhere in the data's time span.
    """

    every: int
    count: int = 1
    where: Literal["now", "random"] = "now"

    def __post_init__(self) -> None:
        if self.every < 1 or self.count < 0:
            raise ValueError("Drift needs every >= 1 and count >= 0")
        if self.where not in ("now", "random"):
            raise ValueError(f"where must be 'now' or 'random', got {self.where!r}")


class RateLimiter:
    """A token bucket: `per_second` requests a second, bursts up to `burst`."""

    def __init__(self, per_second: float, burst: float | None = None) -> None:
        if per_second <= 0:
            raise ValueError(f"per_second must be positive, got {per_second!r}")
        self.per_second = per_second
        self.burst = burst if burst is not None else max(1.0, per_second)
        self._tokens = self.burst
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> float:
        """0 if the request may pass, else the seconds until it could."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.per_second)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.per_second


def refused_url() -> str:
    """A base URL on 127.0.0.1 where every connection is refused at once.

    Its port is bound by a socket that never listens, held for the life of the process, so no
    other server can take it and a connection attempt gets a reset (ECONNREFUSED) right away.
    """
    return f"http://127.0.0.1:{_refusing_socket().getsockname()[1]}"


@functools.cache
def _refusing_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    atexit.register(sock.close)
    return sock
