"""One tenant's logs: columns in served order, indexed selection, and rendering to API records.

Rows are kept sorted the way the API serves them (newest `start_time` first, ties by the order
logs were created), so a time range is a slice found by binary search and a page is a slice of
the matching positions. Selections are cached per table version; adding logs makes a new
version (new arrays, never mutated in place), so readers need no lock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from . import vocab
from .population import FIELDS, Population, Rows, draw_logs, make_population
from .query import Query
from .records import RecordRenderer
from .sequences import draw_sequences

PER_PAGE = 10
_CACHE_SIZE = 256
Where = Literal["now", "random"]


@dataclass(frozen=True)
class Snapshot:
    """The rows of one table version and the arrays derived from them."""

    version: int
    rows: Rows
    neg_start: np.ndarray  # -rows.start, ascending: binary search for time ranges


@dataclass(frozen=True)
class Selection:
    """The positions (into `snapshot.rows`) that match a query, in served order."""

    snapshot: Snapshot
    positions: np.ndarray

    def __len__(self) -> int:
        return len(self.positions)


class LogTable:
    """The logs of one tenant, generated from `seed`; thread-safe."""

    def __init__(self, n_logs: int, seed: int, span_start: int, days: int) -> None:
        self.seed = seed
        self.span_start = span_start
        self.days = days
        rng = np.random.default_rng(seed)
        self.population: Population = make_population(rng, max(20, round(n_logs / 12)), days)
        rows = draw_sequences(rng, self.population, n_logs, span_start=span_start, days=days)
        self._renderer = RecordRenderer(self.population, seed)
        self._codes = self._code_tables()
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[int, Query], Selection] = OrderedDict()
        self._snapshot = _snapshot(0, rows.take(_served_order(rows)))
        self._added = 0

    def __len__(self) -> int:
        return len(self._snapshot.rows)

    def _code_tables(self) -> dict[str, tuple[str, dict[str, int]]]:
        """For each exact-match filter: the column it reads and value -> code."""
        return {
            "type": ("type", {t: i for i, t in enumerate(vocab.TYPES)}),
            "status": ("status", {s: i for i, s in enumerate(vocab.STATUSES)}),
            "disposition": ("disposition", dict(vocab.DISPOSITION_CODE)),
            "from_phone": ("caller", {p: i for i, p in enumerate(vocab.CALLERS)}),
            "phone": ("customer", {p: i for i, p in enumerate(self.population.phones)}),
            "campaign_id": ("campaign", {c.id: i for i, c in enumerate(vocab.CAMPAIGNS)}),
            "agent_id": ("agent", {a[0]: i for i, a in enumerate(vocab.AGENTS)}),
        }

    def select(self, query: Query) -> Selection:
        """The logs matching `query`, cached until the table changes."""
        snap = self._snapshot
        key = (snap.version, query)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        selection = Selection(snap, self._positions(snap, query))
        with self._lock:
            self._cache[key] = selection
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return selection

    def _positions(self, snap: Snapshot, query: Query) -> np.ndarray:
        lo, hi = 0, len(snap.rows)
        if query.end is not None:
            lo = int(np.searchsorted(snap.neg_start, -query.end, side="left"))
        if query.start is not None:
            hi = int(np.searchsorted(snap.neg_start, -query.start, side="right"))
        if hi <= lo:
            return np.empty(0, dtype=np.int64)
        mask: np.ndarray | None = None
        for name, value in query.equals:
            column, codes = self._codes[name]
            code = codes.get(value)
            if code is None:
                return np.empty(0, dtype=np.int64)
            hit = getattr(snap.rows, column)[lo:hi] == code
            mask = hit if mask is None else mask & hit
        if mask is None:
            return np.arange(lo, hi, dtype=np.int64)
        return np.flatnonzero(mask) + lo

    def page(self, query: Query, page: int) -> tuple[int, list[dict[str, Any]]]:
        """The total matching `query` and the records of 1-indexed `page`."""
        selection = self.select(query)
        chunk = selection.positions[(page - 1) * PER_PAGE : page * PER_PAGE]
        return len(selection), self._renderer.render(selection.snapshot.rows, chunk)

    def records(self, query: Query) -> list[dict[str, Any]]:
        """Every record matching `query`, in served order."""
        selection = self.select(query)
        return self._renderer.render(selection.snapshot.rows, selection.positions)

    def add(self, n: int, where: Where = "now", between: tuple[int, int] | None = None) -> int:
        """Add `n` new logs: newer than every log (`"now"`), anywhere in the span (`"random"`),
        or, with `between`, at start times drawn from that inclusive range (epoch seconds)."""
        if n <= 0:
            return 0
        if between is not None and between[0] > between[1]:
            raise ValueError(f"between must be (start, end) with start <= end, got {between!r}")
        with self._lock:
            snap = self._snapshot
            rng = np.random.default_rng([self.seed, 1, self._added])
            first_uid = int(snap.rows.uid.max(initial=-1)) + 1
            newest = int(snap.rows.start.max(initial=self.span_start))
            if between is not None:
                start = rng.integers(between[0], between[1] + 1, n)
            elif where == "now":
                start = newest + np.cumsum(rng.integers(1, 120, n))
            elif where == "random":
                start = rng.integers(self.span_start, newest + 1, n)
            else:
                raise ValueError(f"where must be 'now' or 'random', got {where!r}")
            new = draw_logs(
                rng, self.population, n, first_uid=first_uid, span_start=self.span_start,
                days=self.days, start=start,
            )  # fmt: skip
            new = new.take(_served_order(new))
            at = np.searchsorted(snap.neg_start, -new.start, side="right")
            merged = Rows(
                **{f: np.insert(getattr(snap.rows, f), at, getattr(new, f)) for f in FIELDS}
            )
            self._snapshot = _snapshot(snap.version + 1, merged)
            self._added += n
            self._cache.clear()
        return n


def _served_order(rows: Rows) -> np.ndarray:
    """Newest start first; logs with the same start in creation order."""
    return np.lexsort((rows.uid, -rows.start))


def _snapshot(version: int, rows: Rows) -> Snapshot:
    return Snapshot(version, rows, -rows.start)
