"""Reading a large store back: the whole of it, one month, and SQL over it, measured in one run.

    python benchmarks/store_read.py [--logs 1000000] [--store DIR]

The store is written directly from the sandbox's logs (the frame `load_logs` would build, merged
into a new store the way `sync_logs` merges a window), which takes a fraction of a real sync's
time; `--store DIR` keeps it in DIR and reuses it on the next run. No network, no cache.

Baseline: `pyarrow.dataset` reading every file's raw columns (no typing, no order): the disk
and decode floor. Then `read_store(path)` (the typed frame, newest first), `read_store` of one
month (`start_time`/`end_time`, which read only that month's day files), the same month with
`columns=`, and `query_store` counting by status over the whole store.
Goals (issue 16, item 5): the whole store <= 2 s, a one-month slice <= 0.3 s.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.dataset as ds

import timepay_notebook as tp
from timepay_notebook.columnar import start_seconds, to_table
from timepay_notebook.protocol import API_TIMEZONE
from timepay_notebook.store.files import Store
from timepay_notebook.store.manifest import Manifest

MONTH = {"start_time": "2026-02-01T00:00:00", "end_time": "2026-02-28T23:59:59"}


def build(path: Path, logs: int) -> None:
    """A store of `logs` sandbox logs at `path`, as a first sync would leave it."""
    from timepay_notebook.sandbox import SandboxServer

    started = time.perf_counter()
    frame = tp.to_frame(SandboxServer(n_logs=logs).truth())
    seconds = start_seconds(to_table(frame[["start_time"]])[0])
    span = (int(seconds.min()), int(seconds.max()))
    store = Store.create(path, Manifest(filters={}, api_timezone=API_TIMEZONE, overlap_seconds=0))
    store.manifest.origin = span[0]
    with store.writing():
        stats = store.write_window(frame, span)
        store.record(span, stats.newest)
        store.manifest.logs = store.count_logs()
        store.save()
    print(f"built a store of {logs:,} logs in {time.perf_counter() - started:.1f} s")


def timed(what: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = what()
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logs", type=int, default=1_000_000)
    parser.add_argument("--store", type=Path, help="keep the store here (reused if it exists)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best is shown")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.store or Path(tmp) / "store"
        if not (path / "_timepay_store.json").exists():
            build(path, args.logs)
        logs = Store.open(path).manifest.logs
        files = sorted(str(p) for p in path.glob("date=*/*.parquet"))
        base, raw = timed(lambda: ds.dataset(files, format="parquet").to_table(), args.repeat)
        whole, frame = timed(lambda: tp.read_store(path), args.repeat)
        month, sliced = timed(lambda: tp.read_store(path, **MONTH), args.repeat)
        narrow, cols = timed(
            lambda: tp.read_store(path, columns=["start_time", "status"], **MONTH), args.repeat
        )
        sql, counts = timed(
            lambda: tp.query_store(path, "SELECT status, count(*) AS n FROM logs GROUP BY status"),
            args.repeat,
        )
    assert raw.num_rows == len(frame) == logs == counts["n"].sum()
    assert len(sliced) == len(cols) > 0
    print(f"{logs:,} logs in {len(files)} day files; best of {args.repeat}")
    print(f"{'read':44} {'seconds':>8} {'rows':>10} {'vs baseline':>12} {'goal':>7}")
    rows = [
        ("baseline: pyarrow.dataset, raw columns", base, raw.num_rows, ""),
        ("read_store(path)", whole, len(frame), "<= 2 s"),
        ("read_store(path, <one month>)", month, len(sliced), "<= 0.3 s"),
        ("read_store(path, <one month>, columns=[2])", narrow, len(cols), ""),
        ("query_store(path, <count by status>)", sql, int(counts["n"].sum()), ""),
    ]
    for name, seconds, n, goal in rows:
        print(f"{name:44} {seconds:8.3f} {n:10,} {seconds / base:11.2f}x {goal:>7}")
    print(
        f"goals: whole store {whole:.2f} s ({'meets' if whole <= 2 else 'misses'} <= 2 s), "
        f"one month {month:.3f} s ({'meets' if month <= 0.3 else 'misses'} <= 0.3 s)"
    )


if __name__ == "__main__":
    main()
