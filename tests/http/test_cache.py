"""The response cache over HTTP, with the sandbox's request counter as the witness."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests
import requests_cache

import timepay_notebook as tp
from tests.helpers import fast_client, ids
from timepay_notebook.cache import ResponseCache, expire_after
from timepay_notebook.cli import main
from timepay_notebook.frames import to_frame
from timepay_notebook.sandbox import Faults, SandboxServer

CLOSED = {"start_time": "2026-01-01", "end_time": "2026-01-31"}  # long past: a closed window


@pytest.fixture
def srv() -> Iterator[SandboxServer]:
    with SandboxServer(
        n_logs=300, seed=11, tokens={"token-acme": "acme", "token-beta": "beta"}
    ) as s:
        yield s


def client(
    srv: SandboxServer, path: Path, token: str = "token-acme", **kwargs: Any
) -> tp.TimePayClient:
    return fast_client(srv, token=token, cache=path, **kwargs)


def test_a_second_identical_load_sends_no_request(srv: SandboxServer, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    with client(srv, cache) as c:
        first = c.load_logs(type="call")
    assert first.attrs["pages_from_cache"] == 0
    srv.reset_stats()
    with client(srv, cache) as c:
        second = c.load_logs(type="call")
        count = c.count_logs(type="call")
    assert srv.stats.requests == 1  # only the count: it was never asked before
    pd.testing.assert_frame_equal(first, second)
    pages = -(-srv.count(tenant="acme", type="call") // 10)
    assert second.attrs["pages_from_cache"] == second.attrs["pages_fetched"] == pages
    assert count == len(second)
    srv.reset_stats()
    with client(srv, cache) as c:
        assert c.count_logs(type="call") == count
    assert srv.stats.requests == 0


def test_tokens_of_different_tenants_never_share_answers(
    srv: SandboxServer, tmp_path: Path
) -> None:
    cache = tmp_path / "shared.sqlite"
    with client(srv, cache, "token-acme") as c:
        acme = c.load_logs()
    with client(srv, cache, "token-beta") as c:
        beta = c.load_logs()
    assert ids(acme) == [r.get("call_id") or r["message_id"] for r in srv.truth(tenant="acme")]
    assert ids(beta) == [r.get("call_id") or r["message_id"] for r in srv.truth(tenant="beta")]
    assert set(ids(acme)).isdisjoint(ids(beta))
    srv.reset_stats()
    with client(srv, cache, "a-wrong-token") as c, pytest.raises(tp.AuthenticationError):
        c.load_logs()
    assert srv.stats.by_status == {401: 1}


def test_the_token_never_reaches_the_cache_file(srv: SandboxServer, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    with client(srv, cache) as c:
        c.load_logs()
        c.count_logs(**CLOSED)
    with client(srv, cache, "token-beta") as c:
        c.load_logs(**CLOSED)
    files = [p for p in tmp_path.iterdir() if p.name.startswith("c.sqlite")]
    assert files
    for path in files:
        data = path.read_bytes()
        assert b"token-acme" not in data and b"token-beta" not in data, path
        assert b"Bearer" not in data, path


def test_error_answers_are_never_cached(srv: SandboxServer, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    srv.faults = Faults(schedule={2: "truncated", 3: "unsuccessful", 4: "500"})
    with client(srv, cache, retries=3) as c:
        c.count_logs()  # request 1
        assert c.count_logs(type="call") == srv.count(type="call")  # 2 truncated, 3 unsuccessful
        c.load_logs(type="whatsapp")  # 4: a 500, retried
        entries = c.cache_info()["entries"]
    assert entries == 2 + srv.count(type="whatsapp") // 10 + 1  # the 3 good answers only
    with client(srv, cache, "not-a-token") as c, pytest.raises(tp.AuthenticationError):
        c.count_logs()
    with client(srv, cache) as c:
        assert c.cache_info()["entries"] == entries


def test_a_revoked_token_gets_its_401_not_stale_data(srv: SandboxServer, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    with client(srv, cache, expire_after=1) as c:
        c.load_logs()
    time.sleep(1.1)
    srv.revoke("token-acme")
    with client(srv, cache, expire_after=1) as c, pytest.raises(tp.AuthenticationError):
        c.load_logs()


def test_file_and_directory_modes_under_umask_022(srv: SandboxServer, tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        cache = tmp_path / "new-dir" / "c.sqlite"
        with client(srv, cache) as c:
            c.load_logs()
            written = list(cache.parent.iterdir())  # while open: the WAL files exist
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in written}
    finally:
        os.umask(old)
    assert stat.S_IMODE(cache.parent.stat().st_mode) == 0o700
    assert modes == {"c.sqlite": 0o600, "c.sqlite-wal": 0o600, "c.sqlite-shm": 0o600}


def test_the_default_cache_is_private(
    srv: SandboxServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMEPAY_CACHE_DIR", str(tmp_path / "home-cache"))
    old = os.umask(0o022)
    try:
        with tp.TimePayClient("token-acme", srv.url, progress=False) as c:
            c.count_logs()
            info = c.cache_info()
    finally:
        os.umask(old)
    assert info["file"] == str(tmp_path / "home-cache" / "http_cache.sqlite")
    assert info["entries"] == 1
    assert stat.S_IMODE((tmp_path / "home-cache").stat().st_mode) == 0o700
    assert stat.S_IMODE(Path(info["file"]).stat().st_mode) == 0o600


def test_many_threads_share_one_cache_file(srv: SandboxServer, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    filters = [
        {},
        {"type": "call"},
        {"type": "whatsapp"},
        {"status": "Failed"},
        {},
        {"type": "call"},
    ]
    errors: list[BaseException] = []
    frames: dict[int, pd.DataFrame] = {}

    def run(i: int) -> None:
        try:
            with client(srv, cache, max_workers=4) as c:
                frames[i] = c.load_logs(**filters[i])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(filters))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for i, f in enumerate(filters):
        expected = to_frame(srv.truth(tenant="acme", **f))
        pd.testing.assert_frame_equal(frames[i].reset_index(drop=True), expected)


def test_a_new_file_locked_while_it_is_switched_to_wal_is_opened_once_free(tmp_path: Path) -> None:
    # Another client is writing to the new file (as its own switch to WAL does) while ours opens
    # it: SQLite fails our switch to WAL at once ("database is locked", no busy wait), so the
    # open is tried again until the other is done.
    path = tmp_path / "c.sqlite"
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    released = threading.Timer(0.3, holder.rollback)
    released.start()
    started = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a "busy" CacheWarning fails the test
        cache = ResponseCache.open(path)
    released.join()
    holder.close()
    assert cache is not None and cache.path == path
    assert time.monotonic() - started >= 0.25  # it waited for the lock, then opened
    assert cache.info()["entries"] == 0
    cache.close()


CHILD = """
import sys, timepay_notebook as tp
token, url, path, mode = sys.argv[1:]
with tp.TimePayClient(token, url, cache=path, progress=False) as c:
    for _ in range(3):
        frame = c.load_logs()
        if mode == "clear":
            c.clear_cache()
print(len(frame), frame["call_id"].fillna(frame["message_id"]).nunique())
"""


@pytest.mark.slow
def test_two_processes_share_one_cache_file(srv: SandboxServer, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, "token-acme", srv.url, str(cache), mode],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mode in ("keep", "clear")
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "locked" not in err
        assert out.split() == ["300", "300"]


def test_offline_rerun_serves_the_stale_cache_with_a_warning(
    srv: SandboxServer, tmp_path: Path
) -> None:
    cache = tmp_path / "c.sqlite"
    with client(srv, cache, expire_after=1) as c:
        online = c.load_logs(type="call")
    time.sleep(1.1)  # every answer is now past its expiry
    url = srv.url
    srv.stop()
    options: dict[str, Any] = {"progress": False, "expire_after": 1, "retries": 1, "backoff": 0.01}
    with tp.TimePayClient("token-acme", url, cache=cache, **options) as c:
        with pytest.warns(tp.StaleCacheWarning, match="could not be reached"):
            offline = c.load_logs(type="call")
        with pytest.raises(tp.NetworkError, match="no stored answer"):
            c.count_logs(type="whatsapp")  # never fetched: nothing to fall back on
    pd.testing.assert_frame_equal(offline, online, check_index_type=True)
    pages = -(-srv.count(tenant="acme", type="call") // 10)
    assert offline.attrs["stale_pages"] == offline.attrs["pages_fetched"] == pages


def test_inside_one_operation_each_load_tries_the_network_again(
    srv: SandboxServer, tmp_path: Path
) -> None:
    """`one_operation` keeps the settings read at its start, not the finding that the API was
    unreachable: once it is back, the next count is the API's, not the stored one."""
    cache = tmp_path / "c.sqlite"
    with client(srv, cache, expire_after=1, retries=0) as c:
        before = c.count_logs()
        time.sleep(1.1)  # the stored count is past its expiry
        with c.one_operation():
            srv.stop()
            assert c.count_logs() == before  # unreachable: the stored count
            srv.add_logs(5, tenant="acme")
            srv.start()  # the same port
            assert c.count_logs() == before + 5


def test_a_window_reaching_now_expires_and_a_closed_one_does_not(
    srv: SandboxServer, tmp_path: Path
) -> None:
    cache = tmp_path / "c.sqlite"
    with client(srv, cache, expire_after=1) as c:
        c.load_logs(type="whatsapp")  # no end_time: reaches now
        c.load_logs(type="whatsapp", **CLOSED)
    time.sleep(1.1)
    srv.reset_stats()
    with client(srv, cache, expire_after=1) as c, warnings.catch_warnings():
        warnings.simplefilter("error")
        c.load_logs(type="whatsapp", **CLOSED)
        assert srv.stats.requests == 0
        c.load_logs(type="whatsapp")
        assert srv.stats.requests == -(-srv.count(tenant="acme", type="whatsapp") // 10)


def test_expiry_policy() -> None:
    import datetime as dt

    now = dt.datetime(2026, 11, 26, 12, 0)
    policy = {"api_timezone": "Asia/Kolkata", "now": now}
    assert expire_after({}, **policy) == dt.timedelta(minutes=5)
    assert expire_after({"end_time": "2026-11-26T23:59:59"}, **policy) == dt.timedelta(minutes=5)
    assert expire_after({"end_time": "2026-11-25T12:00:00"}, **policy) == dt.timedelta(minutes=5)
    assert expire_after({"end_time": "2026-11-25T11:59:59"}, **policy) == dt.timedelta(days=7)


def test_a_stale_snapshot_is_never_mixed_with_fresh_pages(
    srv: SandboxServer, tmp_path: Path
) -> None:
    cache = tmp_path / "c.sqlite"
    with client(srv, cache) as c:
        c.load_logs()
        page1 = requests.PreparedRequest()
        page1.prepare_url(f"{srv.url}/api/v1/logs", {"page": "1"})
        assert c.cache is not None
        key = c.cache.key(str(page1.url), "Bearer token-acme")
        assert c.cache.lookup(key) is not None
        c.cache.backend.delete(key)  # page 1 expired, the rest not
    srv.add_logs(7, tenant="acme")  # seven new logs push every page along
    srv.reset_stats()
    with client(srv, cache) as c:
        frame = c.load_logs()
    truth = [r.get("call_id") or r["message_id"] for r in srv.truth(tenant="acme")]
    assert ids(frame) == truth
    assert srv.stats.pages == dict.fromkeys(range(1, 32), 1)  # every page refetched, once


def test_cache_false_and_a_given_cached_session(srv: SandboxServer, tmp_path: Path) -> None:
    with client(srv, False) as c:  # type: ignore[arg-type]
        c.load_logs(phone="8888889956")
        assert c.cache_info() == {
            "enabled": False,
            "file": None,
            "size_bytes": 0,
            "entries": 0,
            "frames_dir": None,
            "frames": 0,
            "frames_size_bytes": 0,
        }
    session = requests_cache.CachedSession(str(tmp_path / "mine"), backend="sqlite")
    with client(srv, session) as c:  # type: ignore[arg-type]
        assert c.session is session
        c.count_logs()
    with tp.TimePayClient("token-beta", srv.url, cache=session, progress=False) as c:
        assert c.count_logs() == srv.count(tenant="beta")  # token-scoped keys were used
    # the two counts, stored by the client's keys; the session's own caching stored nothing
    assert len(session.cache.responses) == 2


def test_clear_cache_and_the_cache_command(
    srv: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "c.sqlite"
    with client(srv, cache) as c:
        c.load_logs(status="Failed")
        entries = c.cache_info()["entries"]
    assert entries > 0
    assert main(["cache", "info", "--cache", str(cache)]) == 0
    out = capsys.readouterr().out
    assert f"entries: {entries}" in out and str(cache) in out
    assert main(["cache", "clear", "--cache", str(cache)]) == 0
    assert f"cleared {entries} cached answers" in capsys.readouterr().out
    with client(srv, cache) as c:
        assert c.cache_info()["entries"] == 0
        assert c.clear_cache() == 0
