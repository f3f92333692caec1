"""`SyncResult`: what a sync did."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..presentation import plural


@dataclass(frozen=True)
class SyncResult:
    """What a sync did.

    Attributes:
        path: the store.
        filters: the store's filters (wire form, without times).
        start_time, end_time: the range brought up to date (None: nothing to sync yet).
        added: logs new to the store; updated: stored logs fetched again (the overlap);
            removed: stored logs the API no longer has in a window fetched again.
        logs: logs in the store afterwards.
        windows_fetched, windows_verified, windows_failed: windows pulled, windows whose count
            matched the store (not pulled), windows that failed.
        requests: requests sent (`count_requests` + `page_requests`; retries not counted).
        seconds: how long it took.
        high_water_mark: the newest start time stored.
        failed: window (`start..end`) -> why it failed.
        repaired: the days (`YYYY-MM-DD`) whose file was missing or damaged, fetched again.
    """

    path: Path
    filters: dict[str, str]
    start_time: str | None
    end_time: str | None
    added: int
    updated: int
    removed: int
    logs: int
    windows_fetched: int
    windows_verified: int
    windows_failed: int
    count_requests: int
    page_requests: int
    seconds: float
    high_water_mark: str | None
    failed: dict[str, str] = field(default_factory=dict)
    repaired: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return self.count_requests + self.page_requests

    @property
    def complete(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        """One line: what was added, the store's size, windows, requests and time."""
        status = "synced" if self.complete else "INCOMPLETE sync:"
        failed = f", {self.windows_failed:,} failed" if self.windows_failed else ""
        repaired = (
            f"; repaired {plural(len(self.repaired), 'damaged day')}" if self.repaired else ""
        )
        return (
            f"{status} {self.added:,} new logs ({self.updated:,} fetched again, {self.removed:,} "
            f"removed) into {self.path}: {self.logs:,} logs up to {self.high_water_mark or '-'}; "
            f"{plural(self.windows_fetched, 'window')} fetched, {self.windows_verified:,} "
            f"verified by count{failed}; {plural(self.requests, 'request')} in "
            f"{self.seconds:.1f} s{repaired}"
        )

    def __str__(self) -> str:
        return self.summary()
