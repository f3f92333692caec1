"""sync_logs against sandboxes over HTTP: incremental, resumable, deduplicated; the sandbox's
request counter is the witness."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import timepay_notebook as tp
from tests.helpers import fast_client, ids
from timepay_notebook.errors import (
    IncompleteSyncError,
    PartialDataWarning,
    StoreError,
    StoreMismatchError,
)
from timepay_notebook.frames import to_frame
from timepay_notebook.pager import AHEAD
from timepay_notebook.route import Route
from timepay_notebook.sandbox import Faults, SandboxServer
from timepay_notebook.store import SyncResult, files, read_store, sync_logs
from timepay_notebook.store import sync as sync_module
from timepay_notebook.store.files import MANIFEST, Store
from timepay_notebook.store.spans import to_seconds, to_wire
from timepay_notebook.transport import Transport


def assert_store_is_the_truth(path: Path, srv: SandboxServer, **wire: str) -> None:
    frame = read_store(path, **wire)
    assert frame["call_id"].fillna(frame["message_id"]).is_unique
    pd.testing.assert_frame_equal(frame, to_frame(srv.truth(**wire)))


def manifest(path: Path) -> dict[str, Any]:
    return json.loads((path / MANIFEST).read_text())


@pytest.mark.slow
def test_a_second_sync_fetches_only_the_new_logs(tmp_path: Path) -> None:
    with SandboxServer(n_logs=1500, seed=3) as srv, fast_client(srv) as client:
        first = sync_logs(tmp_path, client=client, window_logs=300)
        assert first.requests == srv.stats.requests
        assert (first.added, first.logs, first.updated) == (1500, 1500, 0)
        assert first.windows_fetched >= 5  # 1,500 logs in windows of at most 300
        assert_store_is_the_truth(tmp_path, srv)

        new = 500
        srv.add_logs(new)
        srv.reset_stats()
        second = sync_logs(tmp_path, client=client)  # windows of up to 5,000 logs
        assert second.requests == srv.stats.requests <= new / 10 + 3
        assert (second.added, second.removed, second.logs) == (new, 0, 2000)
        # stored logs near the high-water mark are fetched again only as part of a piece
        # with few stored logs (the planner's `small_logs`, 100), cheaper than more counts
        assert second.updated <= 100
        assert_store_is_the_truth(tmp_path, srv)

        srv.reset_stats()
        third = sync_logs(tmp_path, client=client)  # nothing new: counts only
        assert third.added == third.page_requests == 0 and srv.stats.requests <= 3


@pytest.mark.slow
def test_a_sync_that_fails_part_way_keeps_what_completed_and_the_rerun_finishes(
    tmp_path: Path,
) -> None:
    with (
        SandboxServer(n_logs=1200, seed=5) as srv,
        fast_client(srv, retries=1, max_workers=2) as client,
    ):
        srv.faults = Faults(pages={10: "500"})  # page 10 of a full window, past every retry
        with pytest.raises(IncompleteSyncError, match="Run the sync again") as caught:
            sync_logs(tmp_path, client=client, window_logs=100)
        partial = caught.value.result
        assert isinstance(caught.value, tp.IncompletePullError) and not partial.complete
        assert caught.value.failed_windows and caught.value.failed_pages
        assert partial.windows_fetched > 0 and 0 < partial.logs < 1200
        with pytest.warns(tp.PartialDataWarning, match="does not cover"):
            stored = read_store(tmp_path)  # and it says what is missing
        assert (
            len(stored) == partial.logs and stored["call_id"].fillna(stored["message_id"]).is_unique
        )

        srv.faults = None
        srv.reset_stats()
        again = sync_logs(tmp_path, client=client, window_logs=100)
        assert again.complete and again.logs == 1200
        assert again.page_requests < 120 - partial.logs / 10 + 2 * again.windows_fetched + 10
        assert_store_is_the_truth(tmp_path, srv)


KILLED_SYNC = """
import os, sys, timepay_notebook as tp
from timepay_notebook.store import sync_logs
import timepay_notebook.store.sync as sync_module
sync_module.FLUSH_LOGS = 200  # written in batches of a few windows, so a kill finds some on disk
with tp.TimePayClient(os.environ["T_TOKEN"], os.environ["T_URL"], cache=False, progress=False, max_workers=2) as c:
    sync_logs(sys.argv[1], client=c, window_logs=100)
"""


@pytest.mark.slow
def test_a_killed_sync_resumes_without_duplicates(tmp_path: Path) -> None:
    with SandboxServer(n_logs=1500, seed=8, latency=0.01) as srv:
        env = {**os.environ, "T_TOKEN": srv.token, "T_URL": srv.url}
        proc = subprocess.Popen([sys.executable, "-c", KILLED_SYNC, str(tmp_path)], env=env)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and proc.poll() is None:
                if (tmp_path / MANIFEST).exists() and Store.open(tmp_path).count_logs() >= 400:
                    break
                time.sleep(0.02)
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(timeout=10)
        assert proc.returncode == -signal.SIGKILL  # killed, not finished
        with pytest.warns(tp.PartialDataWarning, match="does not cover"):
            stored = read_store(tmp_path)  # whole files only, and it says what is missing
        assert (
            400 <= len(stored) < 1500 and stored["call_id"].fillna(stored["message_id"]).is_unique
        )
        with fast_client(srv) as client:
            result = sync_logs(tmp_path, client=client, window_logs=100)
        assert result.complete and result.logs == 1500 and result.added == 1500 - len(stored)
        assert result.page_requests < 150 - 400 / 10 + 2 * result.windows_fetched  # not over
        assert not list(tmp_path.rglob("*.tmp"))
        assert_store_is_the_truth(tmp_path, srv)


@pytest.mark.slow
def test_late_arrivals_inside_the_overlap_are_picked_up(tmp_path: Path) -> None:
    with SandboxServer(n_logs=2000, seed=4) as srv, fast_client(srv) as client:
        sync_logs(tmp_path, client=client)
        hwm = to_seconds(manifest(tmp_path)["high_water_mark"])
        srv.add_logs(3, between=(to_wire(hwm - 86_400), to_wire(hwm - 3600)))
        srv.reset_stats()
        result = sync_logs(tmp_path, client=client)
        assert result.added == 3 and result.logs == 2003
        assert srv.stats.requests < 50  # bisected around them, not the whole overlap again
        assert_store_is_the_truth(tmp_path, srv)


@pytest.mark.slow
def test_late_arrivals_before_the_overlap_need_a_longer_overlap(tmp_path: Path) -> None:
    with SandboxServer(n_logs=600, seed=4) as srv, fast_client(srv) as client:
        sync_logs(tmp_path, client=client)
        srv.add_logs(2, between=("2026-02-01T00:00:00", "2026-02-02T00:00:00"))
        assert sync_logs(tmp_path, client=client).added == 0  # documented: older than 2 days
        result = sync_logs(tmp_path, client=client, overlap=pd.Timedelta(days=70))
        assert result.added == 2
        assert manifest(tmp_path)["overlap_seconds"] == 70 * 86_400
        assert_store_is_the_truth(tmp_path, srv)


@pytest.mark.slow
def test_overlap_check_fetch_refetches_the_overlap(tmp_path: Path) -> None:
    with SandboxServer(n_logs=900, seed=2) as srv, fast_client(srv) as client:
        sync_logs(tmp_path, client=client)
        overlap_logs = srv.count(
            start_time=to_wire(to_seconds(manifest(tmp_path)["high_water_mark"]) - 86_400)
        )
        result = sync_logs(tmp_path, client=client, overlap=86_400, overlap_check="fetch")
        assert result.updated >= overlap_logs > 0 and result.added == 0
        assert_store_is_the_truth(tmp_path, srv)


@pytest.mark.slow
def test_an_explicit_range_and_a_later_backfill(tmp_path: Path) -> None:
    march = {"start_time": "2026-03-01T00:00:00", "end_time": "2026-03-15T23:59:59"}
    with SandboxServer(n_logs=900, seed=6) as srv, fast_client(srv) as client:
        first = sync_logs(tmp_path, client=client, start_time="2026-03-01", end_time="2026-03-15")
        assert (first.start_time, first.end_time) == (march["start_time"], march["end_time"])
        assert_store_is_the_truth(tmp_path, srv, **march)
        assert len(read_store(tmp_path)) == srv.count(**march)
        sync_logs(tmp_path, client=client, start_time="2026-02-01")  # back to February, up to now
        assert manifest(tmp_path)["origin"] == "2026-02-01T00:00:00"
        assert_store_is_the_truth(tmp_path, srv, start_time="2026-02-01T00:00:00")


@pytest.mark.slow
def test_a_store_keeps_one_filter_set(tmp_path: Path) -> None:
    with SandboxServer(n_logs=300, seed=1) as srv, fast_client(srv) as client:
        sync_logs(tmp_path, client=client, type="call")
        srv.reset_stats()
        with pytest.raises(StoreMismatchError, match=r"holds logs for filters \{'type': 'call'\}"):
            sync_logs(tmp_path, client=client, type="whatsapp")
        with pytest.raises(StoreMismatchError):
            sync_logs(tmp_path, client=client)
        assert srv.stats.requests == 0
        assert sync_logs(tmp_path, client=client, type="call").complete
        assert_store_is_the_truth(tmp_path, srv, type="call")


def test_bad_arguments_fail_before_any_request_or_file(tmp_path: Path) -> None:
    with SandboxServer(n_logs=50) as srv, fast_client(srv) as client:
        with pytest.raises(tp.FilterError, match="did you mean 'campaign_id'"):
            sync_logs(tmp_path / "a", client=client, campaign="x")
        with pytest.raises(ValueError, match="overlap_check"):
            sync_logs(tmp_path / "a", client=client, overlap_check="maybe")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="window_logs"):
            sync_logs(tmp_path / "a", client=client, window_logs=5)
        with pytest.raises(ValueError, match="overlap must not be negative"):
            sync_logs(tmp_path / "a", client=client, overlap=-1)
        with tp.TimePayClient(srv.token, srv.url, cache=tmp_path / "c.sqlite") as cached:
            with pytest.raises(ValueError, match="without a response cache"):
                sync_logs(tmp_path / "a", client=cached)
        assert srv.stats.requests == 0 and not (tmp_path / "a").exists()


def test_one_sync_writes_at_a_time(tmp_path: Path) -> None:
    with SandboxServer(n_logs=100) as srv, fast_client(srv) as client:
        sync_logs(tmp_path, client=client)
        with Store.open(tmp_path).writing(), pytest.raises(StoreError, match="another sync"):
            sync_logs(tmp_path, client=client)


def test_a_sync_reads_the_proxy_and_ca_settings_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One sync is one load: the session's and the environment's settings are resolved at its
    start, not again for each of its windows and counts (each costs about 0.3 ms of CPU)."""
    resolved = []
    resolve = Route.resolve

    def noted(*args: Any) -> Any:
        resolved.append(args)
        return resolve(*args)

    with SandboxServer(n_logs=1000, seed=9) as srv, fast_client(srv) as client:
        monkeypatch.setattr(Route, "resolve", noted)
        result = sync_logs(tmp_path, client=client, window_logs=100)
        assert result.windows_fetched >= 10 and result.count_requests >= 10
        assert len(resolved) == 1
        client.count_logs()  # after the sync, a load resolves them again
        assert len(resolved) == 2
        assert_store_is_the_truth(tmp_path, srv)


@pytest.mark.slow
def test_windows_share_the_clients_requests_in_flight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    senders: set[threading.Thread] = set()
    page = Transport.page

    def noted(self: Transport, *args: Any, **kwargs: Any) -> Any:
        senders.add(threading.current_thread())
        return page(self, *args, **kwargs)

    monkeypatch.setattr(Transport, "page", noted)
    with (
        SandboxServer(n_logs=1000, seed=9, latency=0.01) as srv,
        fast_client(srv, max_workers=3) as client,
    ):
        result = sync_logs(tmp_path, client=client, window_logs=100)
        assert result.windows_fetched >= 10
        assert srv.stats.peak_in_flight <= 3  # page requests and the planner's counts
        assert len(senders) == 3  # the windows' pages, sent by the same 3 threads
        pages = [r.params for r in srv.request_log if r.params.get("page") == "1"]
        spans = sorted((to_seconds(p["start_time"]), to_seconds(p["end_time"])) for p in pages)
        assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))  # disjoint


def test_an_api_without_logs_gives_an_empty_store(tmp_path: Path) -> None:
    with SandboxServer(n_logs=0) as srv, fast_client(srv) as client:
        result = sync_logs(tmp_path, client=client)
        assert (result.logs, result.start_time, result.requests) == (0, None, 1)
        pd.testing.assert_frame_equal(read_store(tmp_path), tp.empty_frame())
        srv.add_logs(15)
        assert sync_logs(tmp_path, client=client).added == 15
        assert_store_is_the_truth(tmp_path, srv)


def test_the_summary_line_says_what_happened(tmp_path: Path) -> None:
    with SandboxServer(n_logs=120, seed=2) as srv, fast_client(srv) as client:
        result = sync_logs(tmp_path, client=client)
    assert isinstance(result, SyncResult) and str(result) == result.summary()
    assert result.summary().startswith(
        f"synced 120 new logs (0 fetched again, 0 removed) into {tmp_path}: 120 logs up to 2026-"
    )
    assert f"{result.requests} requests in" in result.summary()


@pytest.mark.slow
def test_a_window_takes_the_requests_in_flight_the_others_leave_free(tmp_path: Path) -> None:
    latency = 0.05
    with (
        SandboxServer(n_logs=1000, seed=9, latency=latency) as srv,
        fast_client(srv, max_workers=4) as client,
    ):
        result = sync_logs(tmp_path, client=client, window_logs=200)
        assert result.windows_fetched >= 5 and result.logs == 1000
        assert srv.stats.peak_in_flight <= 4  # page requests and the planner's counts
        arrivals: dict[tuple[str, str], list[float]] = {}
        for r in srv.request_log:
            if "page" in r.params:
                arrivals.setdefault((r.params["start_time"], r.params["end_time"]), []).append(r.at)
        # each request holds its permit for at least the latency: three of a window arriving
        # within less than it were in flight at once, more than a fixed half share (2); the
        # window started last is left out (it might have run alone)
        last = max(arrivals, key=lambda w: min(arrivals[w]))
        crowded = [
            w
            for w, times in arrivals.items()
            if w != last and any(c - a < latency for a, c in zip(times, times[2:], strict=False))
        ]
        assert crowded
        assert_store_is_the_truth(tmp_path, srv)


@pytest.mark.slow
def test_a_window_begins_once_the_one_before_it_has_asked_for_all_its_pages(
    tmp_path: Path,
) -> None:
    workers = 3
    with (
        SandboxServer(n_logs=1000, seed=9, latency=0.01) as srv,
        fast_client(srv, max_workers=workers) as client,
    ):
        result = sync_logs(tmp_path, client=client, window_logs=300)
        assert result.windows_fetched >= 4 and result.logs == 1000
        requests: dict[tuple[str, str], list[tuple[float, int]]] = {}
        for r in srv.request_log:
            if "page" in r.params:
                window = (r.params["start_time"], r.params["end_time"])
                requests.setdefault(window, []).append((r.at, int(r.params["page"])))
        windows = sorted(requests.values(), key=lambda pages: min(at for at, p in pages if p == 1))
        long_ones = 0
        for before, after in itertools.pairwise(windows):
            pages = len(before)
            if pages <= workers:  # a window of one round of requests does not hold up the next
                continue
            long_ones += 1
            begun = min(at for at, p in after if p == 1)
            # when the next window began, only the last pages still queued or on the wire
            # (AHEAD a thread) were not yet answered
            assert sum(at < begun for at, _ in before) >= pages - AHEAD * workers
        assert long_ones >= 3
        assert_store_is_the_truth(tmp_path, srv)


@pytest.mark.slow
def test_the_planners_counts_share_the_windows_requests_in_flight(tmp_path: Path) -> None:
    # a server that answers 429 past 3 requests in flight, and a client of 3: the planner's
    # counts overlap the windows' pages, and take their permits from the same limit
    with (
        SandboxServer(n_logs=1500, seed=9, latency=0.01, max_in_flight=3) as srv,
        fast_client(srv, max_workers=3) as client,
    ):
        result = sync_logs(tmp_path, client=client, window_logs=100)
        assert result.windows_fetched >= 15 and result.count_requests >= 15
        assert srv.stats.rate_limited == 0 and srv.stats.peak_in_flight == 3
        assert_store_is_the_truth(tmp_path, srv)


@pytest.mark.slow
def test_a_lone_window_gets_every_request_in_flight(tmp_path: Path) -> None:
    with (
        SandboxServer(n_logs=300, seed=9, latency=0.02) as srv,
        fast_client(srv, max_workers=6) as client,
    ):
        result = sync_logs(tmp_path, client=client)  # one window: alone, it takes all six
        assert result.windows_fetched == 1 and result.logs == 300
        assert 6 // 2 < srv.stats.peak_in_flight <= 6  # more than a fixed share (3)
        assert_store_is_the_truth(tmp_path, srv)


@pytest.mark.slow
def test_a_first_sync_writes_each_day_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[Path] = []
    write_table = files._write_table

    def counted(target: Path, table: Any) -> int:
        writes.append(target)
        return write_table(target, table)  # the size, which the manifest records

    monkeypatch.setattr(files, "_write_table", counted)
    with SandboxServer(n_logs=1500, seed=3) as srv, fast_client(srv) as client:
        result = sync_logs(tmp_path, client=client, window_logs=100)
        assert result.windows_fetched >= 15  # windows of a few days each, sharing days
        assert len(writes) == len(set(writes)) == len(list(tmp_path.glob("date=*")))
        assert_store_is_the_truth(tmp_path, srv)
        monkeypatch.setattr(sync_module, "FLUSH_LOGS", 300)  # batches of a few windows
        writes.clear()
        batches: list[int] = []
        write_windows = files.Store.write_windows

        def batch(self: files.Store, windows: list[files.Fetched]) -> Any:
            batches.append(len(windows))
            return write_windows(self, windows)

        monkeypatch.setattr(files.Store, "write_windows", batch)
        batched = sync_logs(tmp_path / "b", client=client, window_logs=100)
        assert (batched.added, batched.windows_fetched) == (1500, result.windows_fetched)
        # no day written twice: a day waits until its logs are all in
        assert len(writes) == len(set(writes)) == len(list((tmp_path / "b").glob("date=*")))
        assert len(batches) >= 2  # several batches (a write waits for 300 logs of days complete)
        assert len(manifest(tmp_path / "b")["covered"]) == 1  # every window recorded
        assert_store_is_the_truth(tmp_path / "b", srv)


@pytest.mark.slow
@pytest.mark.parametrize(
    "error",
    [OSError(28, "No space left on device"), StoreError("a day file is damaged")],
    ids=["disk-full", "store-error"],
)
def test_a_failed_write_stops_the_sync_and_records_only_windows_on_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    """The second batch's write fails (before the last): the sync stops with that error (a
    `StoreError` is not taken for a failed count), and every span the manifest records has all
    its logs on disk."""
    monkeypatch.setattr(sync_module, "FLUSH_LOGS", 100)  # batches of a few windows
    write_windows = files.Store.write_windows
    calls = itertools.count(1)

    def failing(self: files.Store, windows: list[files.Fetched]) -> Any:
        if next(calls) == 2:
            raise error
        return write_windows(self, windows)

    monkeypatch.setattr(files.Store, "write_windows", failing)
    with SandboxServer(n_logs=1500, seed=3) as srv, fast_client(srv) as client:
        with pytest.raises(type(error)) as raised:
            sync_logs(tmp_path, client=client, window_logs=100)
        assert raised.value is error
        covered = manifest(tmp_path)["covered"]
        assert covered  # the batches before it
        with pytest.warns(PartialDataWarning, match="does not cover"):
            stored = set(ids(read_store(tmp_path)))
        for start, end in covered:
            assert set(ids(srv.truth(start_time=start, end_time=end))) <= stored, (start, end)
        assert len(stored) < 1500
