"""Shared by the benchmarks: a sandbox in its own process, and memory readings."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

TOKEN = "benchmark-token"


@dataclass(frozen=True)
class Sandbox:
    url: str
    token: str


@contextmanager
def sandbox_process(
    logs: int, latency_ms: float = 0.0, seed: int = 7, extra: tuple[str, ...] = ()
) -> Iterator[Sandbox]:
    """A sandbox serving from another process, as a real server would; `extra`: more flags of
    `timepay-notebook sandbox` (e.g. `("--max-in-flight", "2")`)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "timepay_notebook",
            "sandbox",
            "--port",
            "0",
            "--logs",
            str(logs),
            "--latency-ms",
            str(latency_ms),
            "--seed",
            str(seed),
            "--token",
            TOKEN,
            *extra,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        url = ""
        while not url:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError("the sandbox process exited")
            if "TIMEPAY_BASE_URL=" in line:
                url = line.split("=", 1)[1].strip()
        yield Sandbox(url, TOKEN)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def rss_bytes() -> int:
    """This process's resident memory now."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes() -> int:
    """This process's highest resident memory so far."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def mib(n: float) -> str:
    return f"{n / 2**20:,.1f} MiB"
