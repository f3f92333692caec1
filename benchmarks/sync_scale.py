"""First sync and next-day sync of a large campaign into a Parquet store, measured in one run.

    python benchmarks/sync_scale.py [--logs 200000] [--latency-ms 20] [--workers 8] [--new 0.01]

The sandbox serves from another process (this script with `--serve`, which also takes commands
on stdin: add logs, read its request counters). Steps:

1. Baseline: `load_logs()` of every log, in a child process (its peak memory on its own).
2. First sync into an empty store: time, requests (the sandbox's counter), peak memory of this
   process during it (peak resident set minus the resident set before).
3. `--new` x logs arrive ("the next day"); the next sync: time and requests.
4. `read_store` of the whole store (no network), and DuckDB over the files if it is installed.

Targets: the next-day sync sends about new/10 requests plus a few; the first sync takes about
the time of `load_logs` and a fraction of its memory (windows are written as they complete).
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import TOKEN, mib, peak_rss_bytes, rss_bytes

import timepay_notebook as tp
from timepay_notebook.store import SyncResult, read_store, sync_logs


def serve(logs: int, latency_ms: float) -> None:
    """The sandbox, commanded on stdin: `add N`, `stats`, `reset`."""
    from timepay_notebook.sandbox import SandboxServer

    with SandboxServer(n_logs=logs, latency=latency_ms / 1000, tokens=[TOKEN]) as srv:
        print(f"URL {srv.url}", flush=True)
        for line in sys.stdin:
            command, *rest = line.split()
            if command == "add":
                srv.add_logs(int(rest[0]))
                print("ok", flush=True)
            elif command == "stats":
                s = srv.stats
                print(
                    json.dumps(
                        {
                            "requests": s.requests,
                            "count_only": s.count_only,
                            "peak_in_flight": s.peak_in_flight,
                        }
                    ),
                    flush=True,
                )
            elif command == "reset":
                srv.reset_stats()
                print("ok", flush=True)


class Sandbox:
    """The `--serve` child process."""

    def __init__(self, logs: int, latency_ms: float) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--serve",
                "--logs",
                str(logs),
                "--latency-ms",
                str(latency_ms),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.url = self._line().removeprefix("URL ")

    def _line(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the sandbox process exited")
        return line.strip()

    def ask(self, command: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._line()

    def stats(self) -> dict[str, int]:
        result: dict[str, int] = json.loads(self.ask("stats"))
        return result

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def baseline(url: str, workers: int) -> None:
    """Child process: `load_logs()` of everything; prints seconds, peak memory and frame size."""
    with tp.TimePayClient(TOKEN, url, max_workers=workers, cache=False, progress=False) as client:
        client.count_logs()
        gc.collect()
        before = rss_bytes()
        started = time.perf_counter()
        frame = client.load_logs()
        seconds = time.perf_counter() - started
        peak = peak_rss_bytes() - before
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak": peak,
                "rows": len(frame),
                "frame": int(frame.memory_usage(deep=True).sum()),
            }
        )
    )


def timed_sync(srv: Sandbox, path: Path, workers: int) -> tuple[SyncResult, dict[str, int]]:
    srv.ask("reset")
    with tp.TimePayClient(TOKEN, srv.url, max_workers=workers, cache=False, progress=False) as c:
        result = sync_logs(path, client=c)
    return result, srv.stats()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logs", type=int, default=200_000)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--new", type=float, default=0.01, help="share of new logs the next day")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--baseline", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.logs, args.latency_ms)
    if args.baseline:
        return baseline(args.baseline, args.workers)

    srv = Sandbox(args.logs, args.latency_ms)
    try:
        print(f"{args.logs:,} logs at {args.latency_ms:g} ms a request, {args.workers} workers")
        out = subprocess.run(
            [sys.executable, __file__, "--baseline", srv.url, "--workers", str(args.workers)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        base = json.loads(out)
        print(
            f"load_logs (baseline): {base['seconds']:.1f} s, peak memory {mib(base['peak'])} "
            f"for a {mib(base['frame'])} frame"
        )

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "store"
            gc.collect()
            before = rss_bytes()
            first, first_stats = timed_sync(srv, path, args.workers)
            peak = peak_rss_bytes() - before
            size = sum(f.stat().st_size for f in path.rglob("*.parquet"))
            print(
                f"first sync: {first.seconds:.1f} s, {first_stats['requests']:,} requests "
                f"({first_stats['count_only']:,} counts), {first.windows_fetched} windows, "
                f"peak in flight {first_stats['peak_in_flight']}, peak memory {mib(peak)}; "
                f"store {mib(size)} in {len(list(path.glob('date=*')))} day files"
            )
            assert first.requests == first_stats["requests"] and first.logs == args.logs

            new = round(args.logs * args.new)
            srv.ask(f"add {new}")
            second, second_stats = timed_sync(srv, path, args.workers)
            print(
                f"next-day sync ({new:,} new logs): {second.seconds:.2f} s, "
                f"{second_stats['requests']:,} requests ({second_stats['count_only']} counts); "
                f"bound new/10 = {new / 10:,.0f}"
            )
            assert second.added == new and second.logs == args.logs + new

            started = time.perf_counter()
            frame = read_store(path)
            read_seconds = time.perf_counter() - started
            assert len(frame) == args.logs + new
            assert frame["call_id"].fillna(frame["message_id"]).is_unique
            print(f"read_store of {len(frame):,} logs: {read_seconds:.2f} s (no network)")
            duckdb_line(path)

        print("\nratios (same run):")
        print(f"  first sync / load_logs time: {first.seconds / base['seconds']:.2f}x")
        print(f"  first sync / load_logs peak memory: {peak / base['peak']:.2f}x")
        print(
            f"  next-day / first sync requests: {second_stats['requests'] / first_stats['requests']:.4f} "
            f"({second_stats['requests']:,} vs {first_stats['requests']:,}); "
            f"next-day requests / (new/10): {second_stats['requests'] / (new / 10):.3f}"
        )
        print(
            f"  next-day / first sync time: {second.seconds / first.seconds:.4f} "
            f"({first.seconds / second.seconds:,.0f}x faster)"
        )
    finally:
        srv.close()


def duckdb_line(path: Path) -> None:
    try:
        import duckdb
    except ImportError:
        print("duckdb: not installed, skipped")
        return
    started = time.perf_counter()
    with duckdb.connect() as con:
        row = con.execute(
            f"SELECT count(*), count(DISTINCT coalesce(call_id, message_id)) FROM "
            f"read_parquet('{path}/*/*.parquet', hive_partitioning = true)"
        ).fetchone()
    assert row is not None
    print(
        f"duckdb count and distinct ids over the files: {row[0]:,} / {row[1]:,} in "
        f"{time.perf_counter() - started:.2f} s"
    )


if __name__ == "__main__":
    main()
