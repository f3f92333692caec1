"""Typed frame vs `pd.DataFrame(records)` on the same records, measured in one run.

    python benchmarks/frame_build.py [--logs 1000000]

Records come from the sandbox (calls and WhatsApp logs, as the API sends them). The typed frame is
built the way `load_logs` builds it (batches of 2,000 records). Memory is
`DataFrame.memory_usage(deep=True)`. Targets: <= 1.3x the time, <= 0.65x the memory.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Callable
from typing import Any

import pandas as pd
from _common import mib

from timepay_notebook.frames import FrameBuilder
from timepay_notebook.sandbox import SandboxServer


def typed(records: list[dict[str, object]]) -> pd.DataFrame:
    builder = FrameBuilder()
    for i in range(0, len(records), 2000):
        builder.add(records[i : i + 2000])
    return builder.finish()


def timed(
    build: Callable[[list[dict[str, Any]]], pd.DataFrame], records: list[dict[str, Any]]
) -> tuple[pd.DataFrame, float]:
    gc.collect()
    started = time.perf_counter()
    frame = build(records)
    return frame, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logs", type=int, default=1_000_000)
    parser.add_argument(
        "--repeat", type=int, default=2, help="runs of each, alternating; best shown"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    records = SandboxServer(n_logs=args.logs).truth()
    print(f"{len(records):,} records rendered in {time.perf_counter() - started:.1f} s")

    base_times, typed_times = [], []
    for _ in range(args.repeat):
        base, seconds = timed(pd.DataFrame, records)
        base_times.append(seconds)
        base_memory = base.memory_usage(deep=True).sum()
        del base
        frame, seconds = timed(typed, records)
        typed_times.append(seconds)
        typed_memory = frame.memory_usage(deep=True).sum()
        del frame
    b, t = min(base_times), min(typed_times)
    print(f"{'':24} {'seconds':>8} {'memory':>12}")
    print(f"{'pd.DataFrame(records)':24} {b:8.2f} {mib(base_memory):>12}")
    print(f"{'typed frame':24} {t:8.2f} {mib(typed_memory):>12}")
    print(f"{'ratio':24} {t / b:7.2f}x {typed_memory / base_memory:11.2f}x")


if __name__ == "__main__":
    main()
