"""The sync planner: the windows that bring spans of time up to date, decided by count.

Pure: no I/O. Counts come in as a function, the store's logs as a sorted array; times are the
whole-second spans of `spans`.

**Planning** (`plan_windows`): each span to bring up to date is compared with the store, by
count, and split until every piece is one of:

- *verified*: the API's count equals the store's count for it; nothing is fetched (with
  `trust_counts`, the default: a log updated in place, or deleted and replaced by another in the
  same piece, goes unnoticed; `trust_counts=False` fetches every piece the store has logs in);
- *fetched*: the store has none of it; or, with no empty tail to cut off (below), it has few
  logs (`small_logs`) or at least half of it is new. A fetched piece holds at most `window_logs`
  logs (bisected at the middle second while it has more; a single second is never split);
- else it is split around the store's logs: first the empty tails past the store's newest and
  before its oldest log in it (so the logs after the high-water mark are fetched without the
  stored ones before it), then at the store's median log, so a few late arrivals among many
  stored logs cost a few counts and pages.

Every split costs one count request: the older half's; the newer half's count is the rest of
the span's. (A count is a snapshot: a log that arrives in a span after it was counted is a late
arrival, seen by a later sync's overlap, whether the count was asked for or derived.) Windows
come newest first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from ..protocol import pages_for
from .spans import Span, merge, to_wire


@dataclass(frozen=True)
class Window:
    """A piece of a sync: `start`..`end` (inclusive seconds), the API's count for it when it was
    planned, and whether it must be fetched (False: verified unchanged by count)."""

    start: int
    end: int
    count: int
    fetch: bool

    @property
    def span(self) -> Span:
        return (self.start, self.end)

    @property
    def start_time(self) -> str:
        return to_wire(self.start)

    @property
    def end_time(self) -> str:
        return to_wire(self.end)

    @property
    def pages(self) -> int:
        """Pages a pull of it takes (at least one: page 1 says it is empty)."""
        return pages_for(self.count)

    def __str__(self) -> str:
        return f"{self.start_time}..{self.end_time}"


CountFn = Callable[[int, int], int]
"""(start, end) -> how many logs the API has in that span."""


def stored_between(stored: np.ndarray, start: int, end: int) -> int:
    """How many of the sorted `stored` seconds are in `start`..`end`."""
    low, high = np.searchsorted(stored, [start, end + 1], side="left")
    return int(high - low)


def plan_windows(
    spans: Iterable[Span],
    count: CountFn,
    stored: np.ndarray,
    *,
    window_logs: int,
    small_logs: int = 100,
    trust_counts: bool = True,
    known: dict[Span, int] | None = None,
) -> Iterator[Window]:
    """The windows that bring `spans` up to date, newest first (see the module docstring).

    Args:
        spans: the spans to examine (disjoint).
        count: the API's count for a span (one request).
        stored: the store's logs' start times (seconds, sorted) in and around `spans`.
        window_logs: the most logs a fetched window should hold.
        small_logs: a span with at most this many logs is fetched rather than split further.
        trust_counts: take a span whose count equals the store's as unchanged.
        known: counts already asked for (span -> count), used instead of asking again.
    """
    pending: list[tuple[int, int, int | None]] = [
        (s, e, (known or {}).get((s, e))) for s, e in merge(spans)
    ]
    while pending:
        start, end, n = pending.pop()
        if n is None:
            n = count(start, end)
        m = stored_between(stored, start, end)
        if n == m and (trust_counts or m == 0):
            yield Window(start, end, n, fetch=False)
        elif _fetch_whole(stored, start, end, n, m, trust_counts, small_logs):
            if n > window_logs and start < end:
                pending += _halves(count, start, start + (end - start) // 2, end, n)
            else:
                yield Window(start, end, n, fetch=True)
        else:
            pending += _halves(count, start, _cut(stored, start, end), end, n)


def _halves(
    count: CountFn, start: int, cut: int, end: int, n: int
) -> list[tuple[int, int, int | None]]:
    """`start..cut` and `cut+1..end` with their counts: the older half's asked for, the newer
    half's the rest of `n` (asked for again only if that would be negative)."""
    older = count(start, cut)
    newer = n - older if n >= older else None
    return [(start, cut, older), (cut + 1, end, newer)]


def _fetch_whole(
    stored: np.ndarray, start: int, end: int, n: int, m: int, trust_counts: bool, small_logs: int
) -> bool:
    """Whether a span the store disagrees with is fetched whole rather than split around the
    store's `m` logs in it: when it has none, when counts aren't trusted or it is one second;
    else when no empty tail can be cut off for a count that saves at least two pages, and it is
    small or at least half new."""
    if m == 0 or not trust_counts or start == end:
        return True
    low, high = np.searchsorted(stored, [start, end + 1], side="left")
    tail = stored[high - 1] < end or stored[low] > start
    if tail and m >= 20:
        return False
    return n <= small_logs or n - m >= m


def _cut(stored: np.ndarray, start: int, end: int) -> int:
    """Where to split `start`..`end` (`start < end`) around the store's logs in it: after the
    newest, before the oldest, else at the median (left ends at the cut, right starts after)."""
    low, high = np.searchsorted(stored, [start, end + 1], side="left")
    inside = stored[low:high]
    if inside[-1] < end:
        return int(inside[-1])
    if inside[0] > start:
        return int(inside[0]) - 1
    return min(max(int(inside[len(inside) // 2]), start), end - 1)
