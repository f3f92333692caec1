"""A closed window loaded again: the frame cache against a cold pull, measured in one run.

    python benchmarks/warm_closed_window.py [--logs 2450] [--latency-ms 50] [--workers 8]

The sandbox serves from another process at 50 ms a request. Its data (2026-01-01, 90 days) lies
long before now, so the window of all of it is closed. For each run a fresh temporary cache
directory:

- cold: an empty cache, every page fetched (245 pages of 10 logs);
- warm (frame cache): a new client on the same cache loads the same window: one Parquet file read;
- warm (page cache only), for comparison: the frames deleted, every page from the SQLite cache.

Baseline: the cold pull. Goal: the frame-cache re-run >= 100x faster than the cold pull at 8
workers. The medians of `--repeat` warm runs are shown.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import sandbox_process

import timepay_notebook as tp

# all of the sandbox's data, closed
WINDOW: dict[str, Any] = {"start_time": "2026-01-01", "end_time": "2026-06-30"}


def load(url: str, token: str, cache: Path, workers: int) -> tuple[float, int, bool, int]:
    with tp.TimePayClient(token, url, cache=cache, max_workers=workers, progress=False) as client:
        started = time.perf_counter()
        frame = client.load_logs(**WINDOW)
        seconds = time.perf_counter() - started
    return seconds, len(frame), frame.attrs["from_frame_cache"], frame.attrs["pages_from_cache"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logs", type=int, default=2450)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=7, help="warm runs; the median is shown")
    args = parser.parse_args()

    with sandbox_process(args.logs, args.latency_ms) as srv, tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache" / "http_cache.sqlite"
        cache.parent.mkdir()
        pages = -(-args.logs // 10)
        print(
            f"{args.logs:,} logs ({pages} pages) at {args.latency_ms:g} ms a request, "
            f"{args.workers} workers, a closed window, fresh cache in {cache.parent}"
        )
        bound = pages / args.workers * args.latency_ms / 1000
        cold, rows, framed, cached = load(srv.url, srv.token, cache, args.workers)
        assert rows == args.logs and not framed and cached == 0
        print(
            f"cold pull (baseline):  {cold:8.3f} s  (bound {bound:.2f} s: pages/workers x latency)"
        )

        warm_runs = [load(srv.url, srv.token, cache, args.workers) for _ in range(args.repeat)]
        assert all(r[1] == args.logs and r[2] for r in warm_runs)
        warm = statistics.median(r[0] for r in warm_runs)
        print(
            f"warm, frame cache:     {warm:8.4f} s  {cold / warm:7.1f}x the cold pull  (goal >= 100x)"
        )

        page_runs = []
        for _ in range(args.repeat):
            for frame_file in cache.with_name(cache.stem + ".frames").glob("*.parquet"):
                frame_file.unlink()
            page_runs.append(load(srv.url, srv.token, cache, args.workers))
        assert all(r[1] == args.logs and not r[2] and r[3] == pages for r in page_runs)
        paged = statistics.median(r[0] for r in page_runs)
        print(f"warm, page cache only: {paged:8.4f} s  {cold / paged:7.1f}x the cold pull")
        print(f"frame cache vs page cache: {paged / warm:.1f}x faster")


if __name__ == "__main__":
    main()
