"""A server that limits requests in flight: the default client against the right number of workers.

    python benchmarks/in_flight_limit.py [--logs 10000] [--limit 2] [--latency-ms 5] [--pulls 5]
        [--workers N]

A sandbox (in its own process) answers 429 with `Retry-After: 1` to any request past `--limit`
in flight. The default client (4 workers, or `--workers`) must learn the limit from the 429s: every pull must
complete, in at most 1.5x the time of the bound, a client with exactly `--limit` workers (which
is never throttled), measured in the same run. Prints each time, the ratio of the medians, and
the pulls completed out of `--pulls`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from _common import sandbox_process

import timepay_notebook as tp


def pull(url: str, token: str, workers: int | None) -> tuple[bool, float, int]:
    """(complete, seconds, 429s seen) of one pull; workers None: the client's default."""
    options: dict[str, Any] = {} if workers is None else {"max_workers": workers}
    with tp.TimePayClient(token, url, progress=False, cache=False, **options) as client:
        started = time.perf_counter()
        try:
            frame = client.load_logs()
        except tp.IncompletePullError:
            return False, time.perf_counter() - started, 0
        return (
            bool(frame.attrs["complete"]),
            time.perf_counter() - started,
            frame.attrs["throttled"],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logs", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=2)
    parser.add_argument("--latency-ms", type=float, default=5.0)
    parser.add_argument("--pulls", type=int, default=5)
    parser.add_argument("--workers", type=int, default=None, help="default: the client's (4)")
    args = parser.parse_args()
    flags = ("--max-in-flight", str(args.limit))
    with sandbox_process(args.logs, args.latency_ms, extra=flags) as sandbox:
        pull(sandbox.url, sandbox.token, args.limit)  # warm up: imports, connections
        bound, default, done, throttled = [], [], 0, []
        for _ in range(args.pulls):
            ok, seconds, _ = pull(sandbox.url, sandbox.token, args.limit)
            assert ok, "a pull with the right number of workers must complete"
            bound.append(seconds)
            ok, seconds, hits = pull(sandbox.url, sandbox.token, args.workers)
            done += ok
            default.append(seconds)
            throttled.append(hits)
    ratio = statistics.median(default) / statistics.median(bound)
    print(
        f"{args.logs:,} logs, server limit {args.limit} in flight, {args.latency_ms:g} ms a request"
    )
    print(f"bound ({args.limit} fixed workers): " + ", ".join(f"{t:.2f}" for t in bound) + " s")
    print(
        f"default client ({args.workers or 4} workers): "
        + ", ".join(f"{t:.2f}" for t in default)
        + " s"
    )
    print(f"429s per default pull: {throttled}")
    print(f"ratio of medians: {ratio:.2f}x (target <= 1.5x)")
    print(f"default pulls completed: {done} of {args.pulls}")


if __name__ == "__main__":
    main()
