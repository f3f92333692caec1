"""Client CPU per page: `load_logs` against a thread pool of `requests`, measured in one run.

    python benchmarks/client_cpu.py [--logs 20000] [--repeat 3]

The sandbox serves from its own process, so its CPU is not counted: "CPU" is this process's
(`time.process_time`) over the pull, divided by the pages; the sandbox's own CPU a page is
printed too (from `/proc`), as at latency 0 the server, sharing the machine's cores, caps the
pages a second of every client. Two settings, each with its own
sandbox: latency 0 and 8 workers (pages/s and CPU µs a page; goal: `load_logs` >= 1.5x the
pool's pages/s), and 20 ms a request with 32 workers (time against the bound
`(ceil((P - 1) / K) + 1) * latency`; goal: within 1.3x). The baseline is a thread pool of K
threads each calling `get(...).json()` on one shared `requests.Session` (pooled connections; a
bare `requests.get` would open a connection per request and be slower still); it builds no
frame, `load_logs` does. `load_logs` runs with `cache=False` and `TIMEPAY_CACHE_DIR` in a fresh
empty directory. Each figure is the median of `--repeat` runs, the two methods alternating, so
that a machine shared with other work slows both alike.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from _common import cpu_seconds, fresh_cache_dir, sandbox_process
from requests.adapters import HTTPAdapter

import timepay_notebook as tp


def pool_of_requests(url: str, token: str, workers: int, pages: int) -> tuple[int, float, float]:
    """Rows, wall seconds and CPU seconds of a thread pool of `Session.get(...).json()`."""
    with requests.Session() as session:
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=workers)
        session.mount("http://", adapter)
        session.headers["Authorization"] = f"Bearer {token}"
        endpoint = f"{url}/api/v1/logs"

        def get(page: int) -> int:
            body = session.get(endpoint, params={"page": page}, timeout=30).json()
            return len(body["data"])

        wall, cpu = time.perf_counter(), time.process_time()
        with ThreadPoolExecutor(workers) as pool:
            rows = sum(pool.map(get, range(1, pages + 1)))
        return rows, time.perf_counter() - wall, time.process_time() - cpu


def pulled(url: str, token: str, workers: int) -> tuple[int, float, float]:
    """Rows, wall seconds and CPU seconds of `load_logs` (cache off)."""
    with tp.TimePayClient(token, url, max_workers=workers, cache=False, progress=False) as client:
        wall, cpu = time.perf_counter(), time.process_time()
        frame = client.load_logs()
        seconds, cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu
        assert frame.attrs["pages_from_cache"] == 0
        return len(frame), seconds, cpu_seconds


def measure(
    logs: int, latency_ms: float, workers: int, repeat: int
) -> dict[str, tuple[float, float, float]]:
    """Median wall, client CPU and sandbox CPU seconds of each method."""
    pages = math.ceil(logs / 10)
    runs: dict[str, list[tuple[float, float, float]]] = {"pool": [], "load_logs": []}
    with fresh_cache_dir(), sandbox_process(logs, latency_ms) as srv:
        pulled(srv.url, srv.token, workers)  # warm up: imports, the sandbox's first pages
        for _ in range(repeat):
            for name in runs:
                served = cpu_seconds(srv.pid)
                if name == "pool":
                    rows, wall, cpu = pool_of_requests(srv.url, srv.token, workers, pages)
                else:
                    rows, wall, cpu = pulled(srv.url, srv.token, workers)
                assert rows == logs, rows
                runs[name].append((wall, cpu, cpu_seconds(srv.pid) - served))
    return {
        name: (
            statistics.median(r[0] for r in rs),
            statistics.median(r[1] for r in rs),
            statistics.median(r[2] for r in rs),
        )
        for name, rs in runs.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logs", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; medians shown")
    args = parser.parse_args()
    pages = math.ceil(args.logs / 10)
    labels = {"pool": "thread pool of requests", "load_logs": "load_logs (cache off)"}

    fast = measure(args.logs, 0.0, 8, args.repeat)
    print(f"{args.logs:,} logs, {pages} pages, latency 0, 8 workers, median of {args.repeat}")
    print(
        f"{'method':26} {'seconds':>8} {'pages/s':>8} {'vs pool':>8} {'CPU µs/page':>12} "
        f"{'pool CPU / its CPU':>19} {'server µs/page':>15}"
    )
    pool_rate, pool_cpu = pages / fast["pool"][0], fast["pool"][1]
    for name, (wall, cpu, served) in fast.items():
        rate = pages / wall
        print(
            f"{labels[name]:26} {wall:8.2f} {rate:8.0f} {rate / pool_rate:7.2f}x "
            f"{cpu / pages * 1e6:12.0f} {pool_cpu / cpu:18.2f}x {served / pages * 1e6:15.0f}"
        )
    print("goal: load_logs >= 1.5x the pool's pages/s")

    latency_ms, workers = 20.0, 32
    slow = measure(args.logs, latency_ms, workers, args.repeat)
    bound = (math.ceil((pages - 1) / workers) + 1) * latency_ms / 1000
    print(f"\n{pages} pages, {latency_ms:g} ms latency, {workers} workers, bound {bound:.2f} s")
    print(f"{'method':26} {'seconds':>8} {'vs bound':>9} {'CPU µs/page':>12}")
    for name, (wall, cpu, _) in slow.items():
        print(f"{labels[name]:26} {wall:8.2f} {wall / bound:8.2f}x {cpu / pages * 1e6:12.0f}")
    print("goal: load_logs within 1.3x the bound")


if __name__ == "__main__":
    main()
