"""Faults a real deployment meets (issue 15), each made to happen over HTTP: by a sandbox knob, or
by a tiny server in the test (`tests.helpers.tiny_server`) for what the sandbox can't do (never
answer, trickle a body, echo the request)."""

from __future__ import annotations

import json
import logging
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import requests

import timepay_notebook as tp
from tests.helpers import answer, fast_client, free_port, hang, ids, tiny_server
from timepay_notebook.cli import main
from timepay_notebook.sandbox import Faults, SandboxServer

TOKEN = "tp_live_4f9a1c2b7d0e8a6f3b5c9d1e7"  # 31 characters, as in the issue


# -- 1. a page that keeps failing costs that page only -----------------------------------------


@pytest.mark.parametrize("cache", [False, True])
def test_a_page_that_always_drops_costs_that_page_only(cache: bool, tmp_path: Path) -> None:
    faults = Faults(pages={5: "drop"})
    with SandboxServer(n_logs=2000, latency=0.005, faults=faults) as srv:
        where = tmp_path / "c.sqlite" if cache else False
        with fast_client(srv, retries=2, cache=where) as c:
            with pytest.raises(tp.IncompletePullError) as info:
                c.load_logs()
        error = info.value
        assert list(error.failed_pages) == [5]
        assert "closed before an answer came (after 3 attempts)" in error.failed_pages[5]
        truth = srv.truth()
        assert error.partial is not None
        assert ids(error.partial) == ids(truth[:40] + truth[50:])
        assert srv.stats.pages[200] == 1  # the last page was requested, once
        assert srv.stats.pages[5] == 3


# -- 9. refused connections fail fast and plainly; a read timeout is not "could not reach" ------


def test_a_refused_connection_fails_within_seconds_with_a_plain_message() -> None:
    port = free_port()
    with tp.TimePayClient("t0ken", f"http://127.0.0.1:{port}", progress=False, cache=False) as c:
        started = time.monotonic()
        with pytest.raises(tp.NetworkError) as info:
            c.load_logs()
        took = time.monotonic() - started
    assert str(info.value) == (
        f"could not connect to http://127.0.0.1:{port}: the connection was refused "
        "(is the URL right?) (after 3 attempts)"
    )
    assert took < 4.0  # default retries (5) and backoff (0.5 s): a refusal is tried 3 times
    assert info.value.unreachable


def test_a_read_timeout_is_retried_and_reported_as_no_answer() -> None:
    with (
        tiny_server(hang) as url,
        tp.TimePayClient(
            "t0ken", url, timeout=0.3, retries=1, backoff=0.01, progress=False, cache=False
        ) as c,
    ):
        with pytest.raises(tp.NetworkError) as info:
            c.count_logs()
    assert str(info.value) == (
        f"no answer from {url} within the timeout of 0.3 s (after 2 attempts)"
    )
    assert not info.value.unreachable


# -- 4. a deadline per request -----------------------------------------------------------------


def trickle(handler: BaseHTTPRequestHandler, stopping: threading.Event) -> None:
    """Headers at once, then one byte of the body every 0.2 s."""
    body = json.dumps({"success": True, "total": 5}).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    _dribble(handler, stopping, body)


def trickle_headers(handler: BaseHTTPRequestHandler, stopping: threading.Event) -> None:
    """The status line and headers one byte every 0.2 s (the body never comes)."""
    head = b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-Pad-%d: %d\r\n" % (i, i) for i in range(20))
    _dribble(handler, stopping, head)


def _dribble(handler: BaseHTTPRequestHandler, stopping: threading.Event, data: bytes) -> None:
    for byte in data:
        if stopping.wait(0.2):
            return
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()


@pytest.mark.slow
@pytest.mark.parametrize("respond", [trickle, trickle_headers], ids=["body", "headers"])
def test_a_trickling_answer_meets_the_deadline(
    respond: Callable[[BaseHTTPRequestHandler, threading.Event], None],
) -> None:
    with (
        tiny_server(respond) as url,
        tp.TimePayClient(
            "t0ken", url, timeout=1, deadline=2, retries=0, progress=False, cache=False
        ) as c,
    ):
        assert c.deadline == 2.0
        started = time.monotonic()
        with pytest.raises(tp.NetworkError) as info:
            c.count_logs()
        took = time.monotonic() - started
    assert str(info.value) == (
        f"the answer from {url} took longer than the deadline of 2 s (no retries)"
    )
    assert 1.9 < took < 4.0  # every byte came within the 1 s timeout; the deadline ended it


@pytest.mark.slow
def test_the_cli_takes_a_deadline(capsys: pytest.CaptureFixture[str]) -> None:
    with tiny_server(trickle) as url:
        flags = ["--base-url", url, "--token", "t0ken", "--timeout", "1", "--retries", "0"]
        started = time.monotonic()
        assert main(["count", *flags, "--deadline", "1.5"]) == 1
        assert time.monotonic() - started < 3.5
    assert capsys.readouterr().err == (
        f"timepay-notebook count: error: the answer from {url} took longer than the deadline "
        "of 1.5 s (no retries)\n"
    )


def test_the_deadline_defaults_to_four_timeouts() -> None:
    with tp.TimePayClient("t0ken", "http://127.0.0.1:9", timeout=5, cache=False) as c:
        assert c.deadline == 20.0
    with pytest.raises(ValueError, match="deadline must be at least"):
        tp.TimePayClient("t0ken", "http://127.0.0.1:9", deadline=0, cache=False)


# -- 3. Ctrl-C during hung requests ends the process ---------------------------------------------

HUNG_PULL = """
import sys, timepay_notebook as tp
client = tp.TimePayClient("t0ken", sys.argv[1], progress=False, cache=False)
print("pulling", flush=True)
client.load_logs()
"""


@pytest.mark.slow
def test_ctrl_c_during_hung_requests_ends_the_process_at_once() -> None:
    with tiny_server(hang) as url:
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}
        process = subprocess.Popen(
            [sys.executable, "-c", HUNG_PULL, url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert process.stdout is not None
        assert process.stdout.readline() == "pulling\n"
        time.sleep(1.0)  # the request is in flight, hung (the default timeout is 30 s)
        interrupted = time.monotonic()
        process.send_signal(signal.SIGINT)
        try:
            _, err = process.communicate(timeout=10)
        finally:
            process.kill()
        took = time.monotonic() - interrupted
    assert "KeyboardInterrupt" in err
    assert process.returncode != 0
    assert took < 3.0


def test_a_cancel_during_hung_requests_ends_the_pull_and_stops_its_retries() -> None:
    cancel = threading.Event()
    before = set(threading.enumerate())  # other tests' threads are not this pull's
    with (
        tiny_server(hang) as url,
        tp.TimePayClient(
            "t0ken", url, timeout=2.0, retries=50, backoff=0.01, progress=False, cache=False
        ) as c,
    ):
        threading.Timer(0.3, cancel.set).start()
        started = time.monotonic()
        with pytest.raises(tp.PullCancelledError):
            c.load_logs(cancel=cancel)
        assert time.monotonic() - started < 1.5  # the hung attempt (2 s) is still on the wire
        pulling = [
            t for t in set(threading.enumerate()) - before if t.name.startswith("timepay-page")
        ]
        assert pulling and all(t.daemon for t in pulling)
        # the hung attempt times out (2 s) and is not tried again: 50 retries would take 100 s
        for thread in pulling:
            thread.join(timeout=max(0.0, started + 6.0 - time.monotonic()))
        assert not any(t.is_alive() for t in pulling)


# -- 10. a server that echoes the request never puts the token in an error ----------------------


def echo_401(handler: BaseHTTPRequestHandler, stopping: threading.Event) -> None:
    header = handler.headers["Authorization"]
    body = json.dumps({"message": f"invalid credentials in 'Authorization: {header}'"})
    answer(handler, 401, body.encode(), "application/json")


def echo_500(handler: BaseHTTPRequestHandler, stopping: threading.Event) -> None:
    """An HTML page whose title holds the bare token and whose text echoes the headers, cut."""
    token = handler.headers["Authorization"].removeprefix("Bearer ")
    headers = "".join(f"{k}: {v}\n" for k, v in handler.headers.items())
    page = f"<html><head><title>Error for {token}</title></head><body><pre>{headers}</pre>"
    answer(handler, 500, page.encode(), "text/html")


def echo_500_cut(handler: BaseHTTPRequestHandler, stopping: threading.Event) -> None:
    """A plain-text body echoing the first 26 characters of the token."""
    token = handler.headers["Authorization"].removeprefix("Bearer ")
    answer(handler, 500, f"upstream rejected key {token[:26]}...".encode(), "text/plain")


@pytest.mark.parametrize("respond", [echo_401, echo_500, echo_500_cut])
def test_an_echoing_server_never_puts_the_token_in_an_error(respond: object) -> None:
    with (
        tiny_server(respond) as url,
        tp.TimePayClient(  # type: ignore[arg-type]
            TOKEN, url, retries=1, backoff=0.01, progress=False, cache=False
        ) as c,
    ):
        with pytest.raises(tp.APIError) as info:
            c.load_logs()
    text = f"{info.value} {info.value.message!r} {info.value!r}"
    assert "***" in text
    for i in range(len(TOKEN) - 8):
        assert TOKEN[i : i + 8] not in text
    if respond is echo_401:
        assert isinstance(info.value, tp.AuthenticationError)
        assert info.value.reason == "invalid credentials in 'Authorization: Bearer ***'"


# -- 11. a 200 saying success: false is retried ------------------------------------------------


def test_a_200_saying_success_false_is_retried_to_a_complete_frame() -> None:
    faults = Faults(rate=0.1, kinds=("unsuccessful",), seed=3)
    with SandboxServer(n_logs=500, faults=faults) as srv, fast_client(srv) as c:
        for _ in range(3):
            frame = c.load_logs()
            assert ids(frame) == ids(srv.truth())
            assert frame.attrs["complete"] is True
        assert srv.stats.faults["unsuccessful"] > 0


# -- 12. a token revoked mid-pull ----------------------------------------------------------------


def test_a_token_revoked_mid_pull_is_an_authentication_error_with_the_partial_frame() -> None:
    with SandboxServer(n_logs=200) as srv, fast_client(srv, max_workers=1) as c:
        srv.revoke(srv.token, after=3)  # pages 1-3 are answered, then the token is refused
        with pytest.raises(tp.AuthenticationError) as info:
            c.load_logs(on_error="warn")
        error = info.value
        assert error.status == 401
        assert error.partial is not None
        assert ids(error.partial) == ids(srv.truth()[:30])
        assert str(error).startswith(
            "401: the token was refused (missing or invalid bearer token (Authorization: Bearer "
            "<token>)) on page(s) 4, in the middle of the pull: 3 of 20 page(s) were fetched and "
            "16 not requested (a refused token is not retried); check the token"
        )
        assert "failed after every retry" not in str(error)
        assert srv.stats.pages[4] == 1 and 5 not in srv.stats.pages


# -- 13. phone numbers used as filters are masked in errors and DEBUG lines ----------------------


@pytest.mark.parametrize("sender", ["wire", "urllib3"])
def test_phone_filters_are_masked_in_errors_and_debug_lines(
    caplog: pytest.LogCaptureFixture, sender: str
) -> None:
    """Each GET is logged once by us; sent by urllib3's `urlopen` (a session asking for a
    coding `wire` does not decode), once more by urllib3: masked both times."""
    phone, caller = "8888889956", "+918035450808"
    session = requests.Session()
    if sender == "urllib3":
        session.headers["Accept-Encoding"] = "gzip, deflate, br"
    with SandboxServer(n_logs=50, faults=Faults(pages={1: "500"})) as srv:
        with fast_client(srv, retries=1, session=session) as c, caplog.at_level(logging.DEBUG):
            with pytest.raises(tp.APIError) as info:
                c.load_logs(phone=phone, from_phone=caller)
    ours = [r.getMessage() for r in caplog.records if r.name == "timepay_notebook"]
    urllib3 = [r.getMessage() for r in caplog.records if r.name.startswith("urllib3")]
    text = str(info.value) + info.value.url + "\n".join(ours + urllib3)
    assert len(ours) == 2 and all(line.startswith("GET ") for line in ours)
    assert sum("GET /api/v1/logs?" in line for line in urllib3) == (2 if sender == "urllib3" else 0)
    for shown in (phone, caller, "918035450808", "8035450808", "88888899"):
        assert shown not in text
    assert "phone=******9956" in info.value.url  # errors.mask_phone: the last 4 of 10 digits
    assert "from_phone=%2B********0808" in info.value.url


# -- 5. a damaged or unwritable cache file -------------------------------------------------------


def test_a_damaged_cache_file_is_moved_aside_and_a_new_one_started(tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    cache.write_bytes(b"this is not an SQLite database\n" * 100)
    with SandboxServer(n_logs=50) as srv:
        with pytest.warns(tp.CacheWarning, match=f"the cache file {cache} is damaged") as caught:
            c = fast_client(srv, cache=cache)
        with c:
            assert ids(c.load_logs()) == ids(srv.truth())
            assert c.cache_info()["entries"] == 5
        (aside,) = tmp_path.glob("c.sqlite.damaged-*")
        assert f"it was moved to {aside}" in str(caught[0].message)
        assert aside.read_bytes() == b"this is not an SQLite database\n" * 100
        assert main(["cache", "clear", "--cache", str(cache)]) == 0  # the new file clears


def test_an_unwritable_cache_location_means_no_cache_with_a_warning(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with SandboxServer(n_logs=30) as srv:
        where = blocker / "c.sqlite"
        with pytest.warns(tp.CacheWarning, match=f"the cache file {where} can't be written"):
            c = fast_client(srv, cache=where)
        with c:
            assert c.cache is None
            assert ids(c.load_logs()) == ids(srv.truth())


# -- 6. TIMEPAY_CACHE_DIR keeps its mode ---------------------------------------------------------


def test_an_existing_cache_directory_keeps_its_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o2775)
    monkeypatch.setenv("TIMEPAY_CACHE_DIR", str(shared))
    with SandboxServer(n_logs=20) as srv, tp.TimePayClient(srv.token, srv.url) as c:
        assert c.count_logs() == 20
    assert stat.S_IMODE(shared.stat().st_mode) == 0o2775
    assert stat.S_IMODE((shared / "http_cache.sqlite").stat().st_mode) == 0o600
    created = tmp_path / "made" / "here"
    monkeypatch.setenv("TIMEPAY_CACHE_DIR", str(created))
    with SandboxServer(n_logs=20) as srv, tp.TimePayClient(srv.token, srv.url) as c:
        assert c.count_logs() == 20
    assert stat.S_IMODE(created.stat().st_mode) == 0o700


# -- 2. a server that limits requests in flight ---------------------------------------------------


@pytest.mark.slow
def test_default_pulls_complete_against_a_server_limiting_requests_in_flight() -> None:
    with SandboxServer(n_logs=1500, latency=0.005, max_in_flight=2) as srv:
        truth = ids(srv.truth())
        with tp.TimePayClient(srv.token, srv.url, progress=False, cache=False) as c:
            for _ in range(3):
                srv.reset_stats()
                started = time.monotonic()
                frame = c.load_logs()
                took = time.monotonic() - started
                assert ids(frame) == truth
                assert frame.attrs["complete"] is True
                assert srv.stats.rate_limited == frame.attrs["throttled"] > 0
                assert frame.attrs["concurrency"]["lowest"] <= 2
                assert took < 20  # 150 pages; about 2 s (benchmarks/in_flight_limit.py)


def test_a_locked_cache_file_is_not_taken_for_a_damaged_one() -> None:
    """SQLite reports a lock as a `DatabaseError` too: only damage moves a file aside."""
    import sqlite3

    from timepay_notebook.cache import is_damage

    assert not is_damage(sqlite3.OperationalError("database is locked"))
    assert is_damage(sqlite3.DatabaseError("file is not a database"))
    assert is_damage(sqlite3.OperationalError("database disk image is malformed"))


def test_a_busy_cache_file_is_left_alone_and_the_client_runs_without_it(tmp_path: Path) -> None:
    import sqlite3

    cache = tmp_path / "c.sqlite"
    with SandboxServer(n_logs=30) as srv:
        with fast_client(srv, cache=cache) as c:
            c.load_logs()  # a healthy file with answers in it
        size = cache.stat().st_size
        holder = sqlite3.connect(cache, timeout=0)
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")  # nobody else may read it now
        try:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr("timepay_notebook.cache.BUSY_TIMEOUT_MS", 100)
                with pytest.warns(tp.CacheWarning, match="is busy"):
                    c = fast_client(srv, cache=cache)
            with c:
                assert c.cache is None
                assert ids(c.load_logs()) == ids(srv.truth())
        finally:
            holder.rollback()
            holder.close()
    assert cache.exists() and cache.stat().st_size == size
    assert not list(tmp_path.glob("c.sqlite.damaged-*"))
