"""Warm re-run vs cold pull through the response cache, measured in one run.

    python benchmarks/cache_speed.py [--logs 2450] [--latency-ms 50] [--repeat 5]

The cache is what this measures, so each worker count gets its own fresh temporary cache
directory (`TIMEPAY_CACHE_DIR` and the cache file both in it, created empty for that
measurement). Cold (the baseline): the empty cache, every page fetched from a sandbox (in its own
process) at 50 ms a request. Warm: a new client on the same file, the same load, every page from
the cache (the median of `--repeat` runs). The bound of the cold pull is shown too.
Target: the warm re-run >= 30x faster than the cold pull.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from _common import fresh_cache_dir, sandbox_process

import timepay_notebook as tp


def load(url: str, token: str, cache: Path, workers: int) -> tuple[float, int, int]:
    with tp.TimePayClient(token, url, cache=cache, max_workers=workers, progress=False) as client:
        started = time.perf_counter()
        frame = client.load_logs()
        return time.perf_counter() - started, len(frame), frame.attrs["pages_from_cache"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logs", type=int, default=2450)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--repeat", type=int, default=5, help="warm runs; the median is shown")
    args = parser.parse_args()
    pages = math.ceil(args.logs / 10)

    with sandbox_process(args.logs, args.latency_ms) as srv:
        print(f"{args.logs:,} logs, {pages} pages at {args.latency_ms:g} ms a request")
        print(
            f"{'workers':>7} {'cold s':>8} {'bound s':>8} {'warm s':>8} {'warm vs cold':>13}"
            "  pages from cache"
        )
        for workers in (4, 8):
            with fresh_cache_dir() as tmp:  # a new, empty cache for this measurement
                cache = tmp / "cache.sqlite"
                cold, rows, cached = load(srv.url, srv.token, cache, workers)
                assert cached == 0 and rows == args.logs, (cached, rows)
                warm_runs = sorted(
                    load(srv.url, srv.token, cache, workers) for _ in range(args.repeat)
                )
                warm, rows, cached = warm_runs[len(warm_runs) // 2]
                assert rows == args.logs
            bound = (math.ceil((pages - 1) / workers) + 1) * args.latency_ms / 1000
            print(
                f"{workers:>7} {cold:8.2f} {bound:8.2f} {warm:8.3f} {cold / warm:12.1f}x  {cached}"
            )


if __name__ == "__main__":
    main()
