"""Time spans and count-driven window planning (pure: counts come from arrays, no network)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from timepay_notebook.store.planner import Window, plan_windows, stored_between
from timepay_notebook.store.spans import clip, merge, subtract, to_seconds, to_wire


class Api:
    """A fake API whose logs start at `times` (seconds); counts what it was asked."""

    def __init__(self, times: list[int] | np.ndarray) -> None:
        self.times = np.sort(np.asarray(times, dtype=np.int64))
        self.calls = 0

    def count(self, start: int, end: int) -> int:
        self.calls += 1
        return stored_between(self.times, start, end)


def plan(
    api: Api, stored: list[int] | np.ndarray, span: tuple[int, int], **kw: int | bool
) -> list[Window]:
    kw.setdefault("window_logs", 50)
    store = np.sort(np.asarray(stored, dtype=np.int64))
    return list(plan_windows([span], api.count, store, **kw))  # type: ignore[arg-type]


def test_wire_times_round_trip_at_one_second() -> None:
    assert to_wire(0) == "1970-01-01T00:00:00"
    assert to_seconds("2026-03-31T23:59:59") - to_seconds("2026-03-31T00:00:00") == 86_399
    assert to_wire(to_seconds("2026-01-17T08:30:05")) == "2026-01-17T08:30:05"


def test_merge_subtract_and_clip_are_inclusive_of_both_ends() -> None:
    assert merge([(5, 9), (0, 3), (4, 4), (20, 30), (25, 26)]) == [(0, 9), (20, 30)]
    assert subtract([(0, 100)], [(10, 19), (50, 100)]) == [(0, 9), (20, 49)]
    assert subtract([(0, 10)], [(0, 10)]) == []
    assert subtract([(0, 10)], []) == [(0, 10)]
    assert clip([(0, 10), (20, 30)], 5, 25) == [(5, 10), (20, 25)]


def tiles(windows: list[Window], span: tuple[int, int]) -> bool:
    """The windows cover `span` exactly: sorted, each next one starts a second after the last."""
    spans = sorted(w.span for w in windows)
    return (
        spans[0][0] == span[0]
        and spans[-1][1] == span[1]
        and all(a[1] + 1 == b[0] for a, b in itertools.pairwise(spans))
    )


def test_a_first_sync_splits_by_count_into_windows_that_tile_the_range() -> None:
    rng = np.random.default_rng(1)
    api = Api(rng.integers(1_000, 900_000, 1_000))
    windows = plan(api, [], (0, 1_000_000), window_logs=120)
    assert tiles(windows, (0, 1_000_000))
    fetched = [w for w in windows if w.fetch]
    assert sum(w.count for w in fetched) == 1_000
    assert all(0 < w.count <= 120 for w in fetched)
    assert all(w.count == 0 for w in windows if not w.fetch)
    assert [w.start for w in windows] == sorted((w.start for w in windows), reverse=True)


def test_new_logs_after_the_newest_stored_cost_two_counts() -> None:
    old = list(range(0, 100_000, 100))  # 1,000 stored logs
    new = list(range(100_001, 100_201))  # 200 new ones after them
    api = Api(old + new)
    windows = plan(api, old, (50_000, 200_000), window_logs=2_500)
    assert api.calls == 2  # the span, its stored part (verified); the new tail is the rest
    fetched = [w for w in windows if w.fetch]
    assert [(w.start, w.count) for w in fetched] == [(99_901, 200)]


def test_a_few_late_arrivals_among_many_stored_logs_are_bisected_out() -> None:
    old = list(range(0, 200_000, 20))  # 10,000 stored logs
    late = [33_333, 150_007]
    api = Api(old + late)
    windows = plan(api, old, (0, 200_000), window_logs=2_500, small_logs=100)
    fetched = [w for w in windows if w.fetch]
    assert sum(w.count for w in fetched) <= 2 * 101  # two small windows, not 10,000 logs
    assert all(any(w.start <= t <= w.end for w in fetched) for t in late)
    assert api.calls < 40
    assert tiles(windows, (0, 200_000))


def test_untrusted_counts_fetch_every_span_with_stored_logs() -> None:
    old = list(range(0, 1_000, 10))
    api = Api(old)
    assert all(not w.fetch for w in plan(api, old, (0, 2_000)))
    fetched = [w for w in plan(api, old, (0, 2_000), trust_counts=False) if w.fetch]
    assert sum(w.count for w in fetched) == 100


def test_one_crowded_second_is_one_window_however_many_logs() -> None:
    api = Api([500] * 300)
    windows = plan(api, [], (0, 1_000), window_logs=50)
    assert [(w.start, w.end, w.count) for w in windows if w.fetch] == [(500, 500, 300)]


def test_fewer_logs_on_the_server_than_stored_refetches_them() -> None:
    old = list(range(0, 1_000, 10))
    api = Api(old[:-5])  # five deleted upstream
    fetched = [w for w in plan(api, old, (0, 1_000)) if w.fetch]
    assert all(any(w.start <= t <= w.end for w in fetched) for t in old[-5:])


@settings(max_examples=60, deadline=None)
@given(
    server=st.lists(st.integers(0, 5_000), max_size=300),
    keep=st.lists(st.booleans(), max_size=300),
    window_logs=st.integers(10, 80),
)
def test_planning_never_misses_a_difference(
    server: list[int], keep: list[bool], window_logs: int
) -> None:
    """Whatever the API and the store hold, the windows tile the span, every window not fetched
    has equal counts, and each fetched one is small unless it is a single second."""
    stored = [t for t, k in zip(sorted(server), keep + [True] * len(server), strict=False) if k]
    api = Api(server)
    windows = plan(api, stored, (0, 5_000), window_logs=window_logs, small_logs=20)
    assert tiles(windows, (0, 5_000))
    store = np.sort(np.asarray(stored, dtype=np.int64))
    for w in windows:
        assert w.count == api.count(w.start, w.end)
        if not w.fetch:
            assert w.count == stored_between(store, w.start, w.end)
        else:
            assert w.count <= window_logs or w.start == w.end


def test_window_wire_form_and_pages() -> None:
    w = Window(to_seconds("2026-01-01T00:00:00"), to_seconds("2026-01-01T23:59:59"), 25, True)
    assert (w.start_time, w.end_time, w.pages, str(w)) == (
        "2026-01-01T00:00:00",
        "2026-01-01T23:59:59",
        3,
        "2026-01-01T00:00:00..2026-01-01T23:59:59",
    )
    assert Window(0, 0, 0, True).pages == 1


@pytest.mark.parametrize("span", [(0, 0), (10, 11)])
def test_tiny_spans_plan_without_looping(span: tuple[int, int]) -> None:
    api = Api([span[0]] * 5 + [span[1]] * 5)
    windows = plan(api, [], span, window_logs=3)
    assert tiles(windows, span)
