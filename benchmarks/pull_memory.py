"""Peak memory of a 200,000-log pull against the final frame's memory, in one run.

    python benchmarks/pull_memory.py [--logs 200000]

The sandbox serves from another process. Peak memory is this process's peak resident set during
the pull minus its resident set just before (so it counts Arrow buffers, Python objects, the
HTTP layer, everything); the baseline is the final frame's `memory_usage(deep=True)`. Cache off
(`cache=False`): the pull holds no cached responses.

Goal (issue 16, item 2): peak <= 1.5x the frame, stated for the 1,000,000-log pull
(`python benchmarks/million.py --step pull`). Besides the frame, a pull holds the pager's set of
the ids it has seen (about 0.3x the frame at any size) and what does not grow with the pull (the
HTTP layer, among others), which weighs more against a smaller frame: a 200,000-log pull sits
higher (1.64x when 1,000,000 logs gave 1.48x).
"""

from __future__ import annotations

import argparse
import gc
import time

from _common import mib, peak_rss_bytes, rss_bytes, sandbox_process

import timepay_notebook as tp


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logs", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()

    with (
        sandbox_process(args.logs) as srv,
        tp.TimePayClient(
            srv.token, srv.url, max_workers=args.workers, cache=False, progress=False
        ) as client,
    ):
        client.count_logs()  # warm the connection and the imports
        gc.collect()
        before = rss_bytes()
        started = time.perf_counter()
        frame = client.load_logs()
        elapsed = time.perf_counter() - started
        peak = peak_rss_bytes() - before
    frame_memory = frame.memory_usage(deep=True).sum()
    assert len(frame) == args.logs, len(frame)
    print(
        f"{args.logs:,} logs pulled in {elapsed:.1f} s ({args.logs / 10 / elapsed:,.0f} pages a second)"
    )
    print(f"final frame: {mib(frame_memory)}")
    print(
        f"peak memory of the pull: {mib(peak)} = {peak / frame_memory:.2f}x the frame "
        "(goal <= 1.5x, for 1,000,000 logs: benchmarks/million.py --step pull)"
    )


if __name__ == "__main__":
    main()
