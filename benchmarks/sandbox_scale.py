"""Sandbox at scale: generating 1,000,000 logs, and serving pages from them.

    python benchmarks/sandbox_scale.py [--logs 1000000]

Prints generation time and memory, and per-request times for typical queries next to the
baseline of the same run: a request the server answers without touching the data (a 404).
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from typing import Any

import requests

from timepay_notebook.sandbox import SandboxServer

QUERIES: dict[str, dict[str, Any]] = {
    "page 1, unfiltered": {},
    "page 50,000, unfiltered": {"page": 50_000},
    "type+status, page 300": {"type": "call", "status": "Completed", "page": 300},
    "one customer's phone": {"phone": "8888889956"},
    "campaign in February, page 7": {
        "campaign_id": "LKsfiGVdygfvYFGCdygayhf",
        "start_time": "2026-02-01T00:00:00",
        "end_time": "2026-02-28T23:59:59",
        "page": 7,
    },
    "count_only by disposition": {"disposition": "Voicemail", "count_only": "true"},
}


def timed(
    session: requests.Session, url: str, params: dict[str, Any], n: int, status: int = 200
) -> list[float]:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        got = session.get(url, params=params).status_code
        times.append(time.perf_counter() - started)
        assert got == status, got
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logs", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    tracemalloc.start()
    started = time.perf_counter()
    srv = SandboxServer(n_logs=args.logs)
    generation = time.perf_counter() - started
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"generate {args.logs:,} logs: {generation:.2f} s")
    print(
        f"memory held: {current / 2**20:.0f} MiB ({current / args.logs:.0f} bytes a log), "
        f"peak while generating {peak / 2**20:.0f} MiB"
    )

    with srv, requests.Session() as s:
        s.headers["Authorization"] = f"Bearer {srv.token}"
        baseline = timed(s, f"{srv.url}/nowhere", {}, args.repeat, status=404)
        base = statistics.median(baseline)
        print(f"\nbaseline (404, no data touched): median {base * 1e3:.2f} ms")
        print(f"{'query':32} {'first':>9} {'median':>9} {'p95':>9} {'x baseline':>11}")
        for name, params in QUERIES.items():
            first = timed(s, f"{srv.url}/api/v1/logs", params, 1)[0]
            rest = timed(s, f"{srv.url}/api/v1/logs", params, args.repeat)
            med = statistics.median(rest)
            p95 = statistics.quantiles(rest, n=20)[-1]
            print(
                f"{name:32} {first * 1e3:7.2f}ms {med * 1e3:7.2f}ms {p95 * 1e3:7.2f}ms "
                f"{med / base:10.1f}x"
            )


if __name__ == "__main__":
    main()
