"""Stopping a pull with `cancel=` (and Ctrl-C), against sandboxes on 127.0.0.1; the sandbox's
request log is the witness of what was sent after the stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import timepay_notebook as tp
from timepay_notebook.explorer.panel import LogExplorer
from timepay_notebook.explorer.runner import LatestRunner
from timepay_notebook.frames import to_frame
from timepay_notebook.sandbox import RequestRecord, SandboxServer

WORKERS = 4
BOUND = 5.0  # seconds: generous; a cancel takes about one poll (0.05 s)


@pytest.fixture(scope="module")
def slow() -> Iterator[SandboxServer]:
    """400 pages at 100 ms a request: a whole pull with 4 workers takes about 10 s."""
    with SandboxServer(n_logs=4000, seed=7, latency=0.1) as server:
        yield server


@pytest.fixture
def client(slow: SandboxServer) -> Iterator[tp.TimePayClient]:
    with tp.TimePayClient(
        slow.token, slow.url, max_workers=WORKERS, cache=False, progress=False, backoff=0.01
    ) as c:
        yield c


def page_requests(log: list[RequestRecord]) -> list[RequestRecord]:
    return [r for r in log if "page" in r.params]


def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def settled(server: SandboxServer) -> list[RequestRecord]:
    """The request log once no request is in flight (answers are logged when they finish)."""
    until(lambda: server.stats.in_flight == 0)
    return server.request_log


def assert_real_logs(partial: pd.DataFrame, server: SandboxServer) -> None:
    """`partial` is a schema-typed frame of distinct logs, each exactly as the server has it."""
    truth = {r.get("call_id") or r["message_id"]: r for r in server.truth()}
    keys = partial["call_id"].fillna(partial["message_id"]).tolist()
    assert len(set(keys)) == len(keys)
    expected = to_frame([truth[key] for key in keys])
    pd.testing.assert_frame_equal(partial.reset_index(drop=True), expected)


def test_a_cancel_from_another_thread_stops_the_pull_at_once(
    slow: SandboxServer, client: tp.TimePayClient
) -> None:
    slow.reset_stats()
    cancel = threading.Event()
    cancelled_at = 0.0

    def cancel_soon() -> None:
        nonlocal cancelled_at
        until(lambda: len(page_requests(slow.request_log)) >= 12)  # well into the concurrent pages
        cancelled_at = time.monotonic()
        cancel.set()

    canceller = threading.Thread(target=cancel_soon)
    canceller.start()
    with pytest.raises(tp.PullCancelledError, match="cancelled after") as info:
        client.load_logs(cancel=cancel)
    raised_at = time.monotonic()
    canceller.join()
    assert raised_at - cancelled_at < BOUND
    partial = info.value.partial
    assert partial is not None and 0 < len(partial) < 4000
    assert_real_logs(partial, slow)
    assert partial.attrs["cancelled"] is True and partial.attrs["complete"] is False
    assert str(len(partial)) in str(info.value)
    log = settled(slow)
    after = [r for r in log if r.at > cancelled_at]
    assert len(after) <= WORKERS  # only requests already on their way when the event was set
    assert len(log) < 40  # of 400 pages
    time.sleep(0.3)
    assert slow.stats.requests == len(log)  # nothing started later, in the background either


def test_a_cancel_does_not_wait_for_answers_in_flight() -> None:
    with SandboxServer(n_logs=100, seed=7, latency=3.0) as server:
        cancel = threading.Event()
        threading.Timer(0.3, cancel.set).start()
        with tp.TimePayClient(server.token, server.url, cache=False, progress=False) as client:
            started = time.monotonic()
            with pytest.raises(tp.PullCancelledError) as info:
                client.load_logs(cancel=cancel)
            assert time.monotonic() - started < 2.0  # page 1 is answered after 3 s
        assert info.value.partial is not None and info.value.partial.empty
        assert len(settled(server)) == 1  # page 1, answered to nobody


def test_a_cancel_set_before_the_call_sends_nothing(
    slow: SandboxServer, client: tp.TimePayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    cancel = threading.Event()
    cancel.set()
    slow.reset_stats()
    with pytest.raises(tp.PullCancelledError) as info:
        client.load_logs(campaign_id="x", cancel=cancel)
    partial = info.value.partial
    assert partial is not None and partial.empty
    assert list(partial.columns) == list(tp.empty_frame().columns)
    with pytest.raises(tp.PullCancelledError) as streamed:
        next(client.iter_pages(cancel=cancel))
    assert streamed.value.partial is None
    monkeypatch.setenv("TIMEPAY_API_TOKEN", slow.token)
    monkeypatch.setenv("TIMEPAY_BASE_URL", slow.url)
    with pytest.raises(tp.PullCancelledError):
        tp.load_logs(cancel=cancel)
    assert slow.stats.requests == 0


def test_a_cancel_set_from_on_page_keeps_exactly_the_pages_taken(
    slow: SandboxServer, client: tp.TimePayClient
) -> None:
    slow.reset_stats()
    cancel = threading.Event()
    cancelled_at = 0.0

    def on_page(done: int, expected: int) -> None:
        nonlocal cancelled_at
        if done == 3:
            cancelled_at = time.monotonic()
            cancel.set()

    with pytest.raises(tp.PullCancelledError) as info:
        client.load_logs(on_page=on_page, cancel=cancel)
    partial = info.value.partial
    assert partial is not None
    pd.testing.assert_frame_equal(partial, to_frame(slow.truth()[:30]), check_like=False)
    log = settled(slow)
    assert len([r for r in log if r.at > cancelled_at]) <= WORKERS and len(log) < 20


def test_iter_pages_stops_when_cancelled_between_pages(
    slow: SandboxServer, client: tp.TimePayClient
) -> None:
    slow.reset_stats()
    cancel = threading.Event()
    seen: list[dict[str, Any]] = []
    cancelled_at = 0.0

    def stream() -> None:
        nonlocal cancelled_at
        for records in client.iter_pages(cancel=cancel):
            seen.extend(records)
            if len(seen) >= 50:
                cancelled_at = time.monotonic()
                cancel.set()

    with pytest.raises(tp.PullCancelledError) as info:
        stream()
    assert info.value.partial is None
    assert seen == slow.truth()[:50]
    log = settled(slow)
    assert len([r for r in log if r.at > cancelled_at]) <= WORKERS and len(log) < 20


def test_bad_cancel_values_fail_before_any_request(
    slow: SandboxServer, client: tp.TimePayClient
) -> None:
    slow.reset_stats()
    with pytest.raises(TypeError, match=r"threading\.Event"):
        client.load_logs(cancel=True)
    with pytest.raises(TypeError, match=r"threading\.Event"):
        client.iter_pages(cancel="stop")
    with pytest.raises(tp.FilterError, match="cancel"):
        client.load_logs(cancle=threading.Event())  # did you mean
    assert slow.stats.requests == 0


def test_pull_returns_the_frame_and_its_typed_report(
    sandbox: SandboxServer,
) -> None:
    with tp.TimePayClient(sandbox.token, sandbox.url, cache=False, progress=False) as client:
        pulled = client.pull({"type": "whatsapp"})
    truth = sandbox.truth(type="whatsapp")
    pd.testing.assert_frame_equal(pulled.frame, to_frame(truth))
    report = pulled.report
    assert report.total == report.unique == len(truth)
    assert report.pages_fetched == -(-len(truth) // 10)
    assert report.complete and not report.cancelled and not report.count_mismatch


KILLED = """
import os, sys, time
import timepay_notebook as tp
with tp.TimePayClient(os.environ["T_TOKEN"], os.environ["T_URL"], max_workers=4,
                      cache=False, progress=False) as client:
    try:
        client.load_logs()
    except KeyboardInterrupt:
        print("interrupted", flush=True)
"""


def test_ctrl_c_ends_a_pull_at_once_and_sends_nothing_more(slow: SandboxServer) -> None:
    slow.reset_stats()
    env = {**os.environ, "T_TOKEN": slow.token, "T_URL": slow.url}
    proc = subprocess.Popen(
        [sys.executable, "-c", KILLED], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        until(lambda: len(page_requests(slow.request_log)) >= 12, timeout=30)
        sent_at = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=BOUND)
    finally:
        proc.kill()
    assert time.monotonic() - sent_at < BOUND
    assert out.strip() == "interrupted" and proc.returncode == 0
    log = settled(slow)
    assert len([r for r in log if r.at > sent_at]) <= WORKERS
    assert len(log) < 40


INTERRUPTED_SYNC = """
import os, sys
import timepay_notebook as tp
with tp.TimePayClient(os.environ["T_TOKEN"], os.environ["T_URL"], max_workers=4,
                      cache=False, progress=False) as client:
    try:
        tp.sync_logs(sys.argv[1], client=client, window_logs=100)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
"""


def test_ctrl_c_cancels_a_syncs_windows_and_the_next_sync_finishes(
    slow: SandboxServer, tmp_path: Path
) -> None:
    slow.reset_stats()
    env = {**os.environ, "T_TOKEN": slow.token, "T_URL": slow.url}
    proc = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED_SYNC, str(tmp_path)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        until(lambda: len(page_requests(slow.request_log)) >= 30, timeout=30)
        sent_at = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=BOUND)
    finally:
        proc.kill()
    assert time.monotonic() - sent_at < BOUND
    assert out.strip() == "interrupted" and proc.returncode == 0
    pages = page_requests(settled(slow))
    assert len([r for r in pages if r.at > sent_at]) <= WORKERS and len(pages) < 100
    slow.latency = 0.0  # the rest, fast
    try:
        with tp.TimePayClient(slow.token, slow.url, cache=False, progress=False) as client:
            result = tp.sync_logs(tmp_path, client=client, window_logs=1000)
    finally:
        slow.latency = 0.1
    assert result.complete and result.logs == 4000
    stored = tp.read_store(tmp_path)
    pd.testing.assert_frame_equal(stored, to_frame(slow.truth()))


# -- the explorer: a newer query cancels the older pull ---------------------------------------


def test_the_runner_sets_a_generations_cancel_event_once_it_is_stale() -> None:
    release = threading.Event()
    events: list[threading.Event] = []

    def job(generation: int, payload: str) -> None:
        events.append(runner.cancel_event(generation))
        release.wait(5)

    runner: LatestRunner[str] = LatestRunner(job, debounce=0)
    first = runner.submit("a")
    until(lambda: len(events) == 1)
    assert not events[0].is_set()
    second = runner.submit("b")  # supersedes the running job
    assert events[0].is_set()
    assert runner.cancel_event(first).is_set()
    assert not runner.cancel_event(second).is_set()
    release.set()
    runner.wait(5)
    assert len(events) == 2 and not events[1].is_set()
    runner.close()
    assert events[1].is_set()  # closing makes the latest stale too


def test_a_superseded_explorer_pull_is_cancelled_at_once(
    slow: SandboxServer, client: tp.TimePayClient
) -> None:
    other = slow.truth()[0]["to"]
    with LogExplorer(client, debounce=0.05, phone=other) as panel:
        panel.wait(10)
        frames: list[pd.DataFrame] = []
        panel.on_change(frames.append)
        slow.reset_stats()
        panel.set_filters(phone=None)  # everything: 400 pages, about 10 s
        until(lambda: len(page_requests(slow.request_log)) >= 12)
        superseded_at = time.monotonic()
        panel.set_filters(phone=other)
        panel.wait(BOUND)
        log = settled(slow)
    unfiltered = [r for r in log if "page" in r.params and "phone" not in r.params]
    assert len([r for r in unfiltered if r.at > superseded_at]) <= WORKERS
    assert len(unfiltered) < 40
    assert len(frames) == 1 and set(frames[0]["to"]) == {other}
    assert panel.error is None
