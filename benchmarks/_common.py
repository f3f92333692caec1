"""Shared by the benchmarks: a sandbox in its own process, a fresh cache directory, and memory
readings."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

TOKEN = "benchmark-token"


@dataclass(frozen=True)
class Sandbox:
    url: str
    token: str
    pid: int  # its process: `cpu_seconds(pid)` reads the CPU it has used


def cpu_seconds(pid: int | None = None) -> float:
    """The CPU time (user + system) a process (default: this one) has used so far."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[float, float]:
    """(busy, steal) so far, in CPU seconds, from `/proc/stat`: what every process on this
    machine has used (user, nice, system, interrupts), and what the hypervisor gave to other
    machines while this one wanted to run (steal)."""
    with open("/proc/stat") as f:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(
            int, f.readline().split()[1:9]
        )
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


@contextmanager
def sandbox_process(
    logs: int, latency_ms: float = 0.0, seed: int = 7, extra: tuple[str, ...] = ()
) -> Iterator[Sandbox]:
    """A sandbox serving from another process, as a real server would (`extra`: more
    `timepay-notebook sandbox` flags, e.g. `("--max-in-flight", "2")`)."""
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
        yield Sandbox(url, TOKEN, proc.pid)
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


@contextmanager
def fresh_cache_dir() -> Iterator[Path]:
    """A new, empty temporary directory set as `TIMEPAY_CACHE_DIR` while it lasts: nothing a
    measurement stores is seen by another, nor by the user's own cache."""
    old = os.environ.get("TIMEPAY_CACHE_DIR")
    with tempfile.TemporaryDirectory(prefix="timepay-bench-") as tmp:
        os.environ["TIMEPAY_CACHE_DIR"] = tmp
        try:
            yield Path(tmp)
        finally:
            if old is None:
                os.environ.pop("TIMEPAY_CACHE_DIR", None)
            else:
                os.environ["TIMEPAY_CACHE_DIR"] = old


def mib(n: float) -> str:
    return f"{n / 2**20:,.1f} MiB"
