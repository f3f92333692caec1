"""A pull from a server that limits requests in flight, against the bound, measured in one run.

    python benchmarks/inflight_pull.py [--logs 10000] [--limit 2] [--latency-ms 10] [--repeat 3]

The sandbox (in its own process) answers 429 with `Retry-After` past `--limit` requests in
flight. The bound is a client with exactly the right number of workers (`max_workers=limit`),
which never meets a 429; the measured client is the default one (`TimePayClient()`, its default
`max_workers`). Both are new clients with `cache=False`. Each is run `--repeat` times; a pull that
raises is counted as failed. Goal (issue 15, item 2): every default pull completes, in at most
1.5x the bound's time.
"""

from __future__ import annotations

import argparse
import statistics
import time

from _common import fresh_cache_dir, sandbox_process

import timepay_notebook as tp


def pull(url: str, token: str, workers: int | None) -> tuple[float, int | None, str]:
    """(seconds, rows or None if the pull failed, the error's class)."""
    options = {} if workers is None else {"max_workers": workers}
    with tp.TimePayClient(token, url, cache=False, progress=False, **options) as client:
        started = time.perf_counter()
        try:
            frame = client.load_logs()
        except tp.TimePayError as error:
            return time.perf_counter() - started, None, type(error).__name__
        return time.perf_counter() - started, len(frame), ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logs", type=int, default=10_000)
    parser.add_argument("--limit", type=int, default=2, help="the server's max_in_flight")
    parser.add_argument("--latency-ms", type=float, default=10.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    flags = ("--max-in-flight", str(args.limit))
    with fresh_cache_dir(), sandbox_process(args.logs, args.latency_ms, extra=flags) as srv:
        with tp.TimePayClient(srv.token, srv.url, cache=False, progress=False) as client:
            default_workers = client.max_workers
        print(
            f"{args.logs:,} logs at {args.latency_ms:g} ms a request; the server allows "
            f"{args.limit} requests in flight (429 past that); cache off"
        )
        results: dict[str, list[tuple[float, int | None, str]]] = {}
        for name, workers in (
            (f"bound: max_workers={args.limit}", args.limit),
            (f"default client ({default_workers} workers)", None),
        ):
            results[name] = runs = [pull(srv.url, srv.token, workers) for _ in range(args.repeat)]
            done = [s for s, rows, _ in runs if rows == args.logs]
            failed = [f"{e or 'rows'}" for _, rows, e in runs if rows != args.logs]
            median = statistics.median(done) if done else float("nan")
            print(
                f"{name:36} median {median:6.2f} s over {len(done)}/{len(runs)} complete pulls"
                + (f"; failed: {', '.join(failed)}" if failed else "")
            )
        bound_runs, runs = results.values()
        bound = statistics.median(s for s, rows, _ in bound_runs if rows == args.logs)
        done = [s for s, rows, _ in runs if rows == args.logs]
        if done:
            ratio = statistics.median(done) / bound
            verdict = "meets" if ratio <= 1.5 and len(done) == len(runs) else "misses"
            print(
                f"ratio: default client / bound = {ratio:.3f}x ({len(done)}/{len(runs)} complete); "
                f"goal <= 1.5x with every pull complete: {verdict}"
            )
        else:
            print("ratio: no default pull completed; goal <= 1.5x with every pull complete: misses")


if __name__ == "__main__":
    main()
