"""Pull speed: 2,450 logs (245 pages) at 50 ms a request, measured in one run, cache off.

    python benchmarks/pull_speed.py [--logs 2450] [--latency-ms 50] [--repeat 3]

Compares a plain sequential `requests` loop (the baseline) with `load_logs` at 4 and 8 workers,
and with the bound for K workers, (ceil((P - 1) / K) + 1) * latency: page 1 alone, then the rest
K at a time. Every pull is a new `TimePayClient(cache=False)` (and `TIMEPAY_CACHE_DIR` is a fresh
empty directory), so no run is answered by what another stored: each figure is a real pull.
Targets: 8 workers >= 6x the sequential loop, and within 1.2x of the bound.
"""

from __future__ import annotations

import argparse
import math
import time

import requests
from _common import fresh_cache_dir, sandbox_process

import timepay_notebook as tp


def sequential(url: str, token: str) -> tuple[int, float]:
    started = time.perf_counter()
    rows, page = 0, 1
    with requests.Session() as s:
        s.headers["Authorization"] = f"Bearer {token}"
        while True:
            body = s.get(f"{url}/api/v1/logs", params={"page": page}, timeout=30).json()
            rows += len(body["data"])
            if not body["pagination"]["has_next"]:
                break
            page += 1
    return rows, time.perf_counter() - started


def pulled(url: str, token: str, workers: int) -> tuple[int, float]:
    with tp.TimePayClient(token, url, max_workers=workers, cache=False, progress=False) as client:
        started = time.perf_counter()
        frame = client.load_logs()
        seconds = time.perf_counter() - started
        assert frame.attrs["pages_from_cache"] == 0
        return len(frame), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logs", type=int, default=2450)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best is shown")
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    pages = math.ceil(args.logs / 10)

    with fresh_cache_dir(), sandbox_process(args.logs, args.latency_ms) as srv:
        base_rows, base = min(
            (sequential(srv.url, srv.token) for _ in range(args.repeat)), key=lambda r: r[1]
        )
        print(f"{args.logs:,} logs, {pages} pages, {args.latency_ms:g} ms latency, cache off")
        print(f"{'method':28} {'seconds':>8} {'vs loop':>8} {'bound':>8} {'vs bound':>9}")
        print(
            f"{'sequential requests loop':28} {base:8.2f} {1:7.1f}x {pages * latency:8.2f} {base / (pages * latency):8.2f}x"
        )
        for workers in (4, 8):
            rows, best = min(
                (pulled(srv.url, srv.token, workers) for _ in range(args.repeat)),
                key=lambda r: r[1],
            )
            assert rows == base_rows == args.logs, (rows, base_rows)
            bound = (math.ceil((pages - 1) / workers) + 1) * latency
            print(
                f"{f'load_logs, {workers} workers':28} {best:8.2f} {base / best:7.1f}x {bound:8.2f} {best / bound:8.2f}x"
            )


if __name__ == "__main__":
    main()
