"""Whole-second time spans and their arithmetic.

Pure: no I/O.

**Times.** The API's times are naive local `YYYY-MM-DDTHH:MM:SS`, inclusive at both ends, whole
seconds. Here a time is an `int`: naive seconds since `1970-01-01T00:00:00` (no zone, no DST), and
a `Span` is an inclusive `(start, end)` pair of them. Adjacent spans never overlap and leave no
gap: one ends a second before the next starts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ..protocol import WIRE_TIME_FORMAT

Span = tuple[int, int]
"""An inclusive range of whole seconds (naive, API-local), `start <= end`."""

_EPOCH = dt.datetime(1970, 1, 1)
DAY = 86_400


def to_seconds(moment: str | dt.datetime) -> int:
    """`YYYY-MM-DDTHH:MM:SS` (or a naive datetime) as naive seconds since 1970, floored."""
    if isinstance(moment, str):
        moment = dt.datetime.strptime(moment, WIRE_TIME_FORMAT)
    return (moment.replace(microsecond=0) - _EPOCH) // dt.timedelta(seconds=1)


def to_wire(seconds: int) -> str:
    """Naive seconds since 1970 as the API's `YYYY-MM-DDTHH:MM:SS`."""
    return (_EPOCH + dt.timedelta(seconds=seconds)).strftime(WIRE_TIME_FORMAT)


def day_of(seconds: int) -> str:
    """The day holding `seconds`, as a partition names it (`YYYY-MM-DD`)."""
    return to_wire(seconds)[:10]


def wire_or_none(seconds: int | None) -> str | None:
    """`to_wire`, passing None through."""
    return to_wire(seconds) if seconds is not None else None


def seconds_or_none(text: object) -> int | None:
    """`to_seconds` of `str(text)`, passing None through."""
    return to_seconds(str(text)) if text is not None else None


def merge(spans: Iterable[Span]) -> list[Span]:
    """The union of `spans`, sorted, with touching or overlapping spans joined."""
    out: list[Span] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def subtract(spans: Iterable[Span], minus: Iterable[Span]) -> list[Span]:
    """The seconds of `spans` that are in none of `minus`, as sorted, disjoint spans."""
    holes = merge(minus)
    out: list[Span] = []
    for start, end in merge(spans):
        cursor = start
        for h_start, h_end in holes:
            if h_end < cursor or h_start > end:
                continue
            if h_start > cursor:
                out.append((cursor, h_start - 1))
            cursor = max(cursor, h_end + 1)
        if cursor <= end:
            out.append((cursor, end))
    return out


def clip(spans: Iterable[Span], low: int, high: int) -> list[Span]:
    """The seconds of `spans` between `low` and `high` (inclusive)."""
    return [(max(s, low), min(e, high)) for s, e in merge(spans) if s <= high and e >= low]
