"""The frame cache over HTTP: finished frames of closed windows, with the sandbox's request
counter as the witness for "no request"."""

from __future__ import annotations

import stat
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import requests

import timepay_notebook as tp
from tests.helpers import fast_client, ids
from timepay_notebook.cli import main
from timepay_notebook.sandbox import Faults, SandboxServer

CLOSED = {"start_time": "2026-01-01", "end_time": "2026-01-31"}  # long past: a closed window
WIRE = {"start_time": "2026-01-01T00:00:00", "end_time": "2026-01-31T23:59:59"}  # as sent
INSIDE = ("2026-01-10T09:00:00", "2026-01-10T18:00:00")  # late arrivals land in it


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


def frame_files(cache: Path) -> list[Path]:
    return sorted(cache.with_name(cache.stem + ".frames").glob("*.parquet"))


def truth_ids(srv: SandboxServer, tenant: str = "acme", **filters: str) -> list[str]:
    return [r.get("call_id") or r["message_id"] for r in srv.truth(tenant=tenant, **filters)]


def same_attrs_but_cache(first: pd.DataFrame, second: pd.DataFrame) -> None:
    """The attrs of a frame served from the frame cache: the pull's, but from the cache."""
    assert second.attrs["from_frame_cache"] is True and first.attrs["from_frame_cache"] is False
    assert second.attrs["pages_from_cache"] == second.attrs["pages_fetched"]
    moved = {"from_frame_cache", "pages_from_cache"}
    assert {k: v for k, v in second.attrs.items() if k not in moved} == {
        k: v for k, v in first.attrs.items() if k not in moved
    }


@pytest.mark.parametrize("tz", [None, "Europe/London"])
def test_a_closed_window_is_served_whole_with_no_request(
    srv: SandboxServer, tmp_path: Path, tz: str | None
) -> None:
    cache = tmp_path / "c.sqlite"
    with client(srv, cache) as c:
        first = c.load_logs(tz=tz, **CLOSED)
    assert len(frame_files(cache)) == 1
    srv.reset_stats()
    with client(srv, cache) as c:
        pull = c.pull(CLOSED, tz=tz)
        second = pull.frame
    assert srv.stats.requests == 0
    assert first.attrs["filters"] == WIRE
    assert ids(second) == truth_ids(srv, **WIRE)
    pd.testing.assert_frame_equal(first, second)  # dtypes, categories, extras, column order
    same_attrs_but_cache(first, second)
    assert pull.report.complete and pull.report.from_cache == pull.report.pages_fetched
    assert pull.report.unique == len(second) == first.attrs["total"]


def test_the_frame_files_are_private_and_hold_no_token(srv: SandboxServer, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    with client(srv, cache) as c:
        c.load_logs(**CLOSED)
    with client(srv, cache, "token-beta") as c:
        c.load_logs(**CLOSED)
    files = frame_files(cache)
    assert len(files) == 2
    assert stat.S_IMODE(files[0].parent.stat().st_mode) == 0o700
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        data = path.read_bytes()
        assert b"token-acme" not in data and b"token-beta" not in data and b"Bearer" not in data


def test_another_token_never_gets_the_frame(srv: SandboxServer, tmp_path: Path) -> None:
    cache = tmp_path / "shared.sqlite"
    with client(srv, cache, "token-acme") as c:
        acme = c.load_logs(**CLOSED)
    srv.reset_stats()
    with client(srv, cache, "token-beta") as c:
        beta = c.load_logs(**CLOSED)
    assert srv.stats.requests > 0 and beta.attrs["from_frame_cache"] is False
    assert ids(acme) == truth_ids(srv, "acme", **WIRE)
    assert ids(beta) == truth_ids(srv, "beta", **WIRE)
    srv.reset_stats()
    with client(srv, cache, "a-wrong-token") as c, pytest.raises(tp.AuthenticationError):
        c.load_logs(**CLOSED)
    assert srv.stats.by_status == {401: 1}


@pytest.mark.slow
def test_an_expired_frame_costs_one_count_and_is_kept_if_it_holds(
    srv: SandboxServer, tmp_path: Path
) -> None:
    cache = tmp_path / "c.sqlite"
    with client(srv, cache, closed_expire_after=2) as c:
        first = c.load_logs(**CLOSED)
    time.sleep(2.1)
    srv.reset_stats()
    with client(srv, cache, closed_expire_after=2) as c:
        second = c.load_logs(**CLOSED)  # expired: one count confirms it
        assert srv.stats.requests == srv.stats.count_only == 1
        third = c.load_logs(**CLOSED)  # its expiry started again
    assert srv.stats.requests == 1
    pd.testing.assert_frame_equal(first, second)
    pd.testing.assert_frame_equal(first, third)
    assert second.attrs["from_frame_cache"] and third.attrs["from_frame_cache"]


def test_fresh_confirms_with_a_count_and_refetches_a_changed_window(
    srv: SandboxServer, tmp_path: Path
) -> None:
    cache = tmp_path / "c.sqlite"
    with client(srv, cache) as c:
        first = c.load_logs(**CLOSED)
        srv.reset_stats()
        again = c.load_logs(fresh=True, **CLOSED)
        assert srv.stats.requests == srv.stats.count_only == 1
        pd.testing.assert_frame_equal(first, again)
        srv.add_logs(3, tenant="acme", between=INSIDE)  # late arrivals in the closed window
        srv.reset_stats()
        stale = c.load_logs(**CLOSED)  # still fresh: served as stored, no request
        assert srv.stats.requests == 0 and len(stale) == len(first)
        changed = c.load_logs(fresh=True, **CLOSED)
        stats = srv.stats
        expected_pages = -(-(len(first) + 3) // 10)
        assert stats.count_only == 1 and stats.pages == dict.fromkeys(
            range(1, expected_pages + 1), 1
        )  # every page from the API, none from the (older) page cache
        assert changed.attrs["from_frame_cache"] is False and changed.attrs["pages_from_cache"] == 0
        assert ids(changed) == truth_ids(srv, **WIRE) and len(changed) == len(first) + 3
        srv.reset_stats()
        latest = c.load_logs(**CLOSED)  # the new frame replaced the old one
    assert srv.stats.requests == 0
    pd.testing.assert_frame_equal(changed, latest)
    assert len(frame_files(cache)) == 1


def test_an_open_window_is_not_stored_and_fresh_bypasses_the_page_cache(
    srv: SandboxServer, tmp_path: Path
) -> None:
    cache = tmp_path / "c.sqlite"
    with client(srv, cache) as c:
        c.load_logs(type="call")
        assert c.cache_info()["frames"] == 0
        srv.reset_stats()
        c.load_logs(type="call")  # from the page cache
        assert srv.stats.requests == 0
        frame = c.load_logs(type="call", fresh=True)
    assert srv.stats.requests == frame.attrs["pages_fetched"] > 1
    assert frame.attrs["pages_from_cache"] == 0
    assert frame_files(cache) == []


def test_incomplete_mismatched_or_cancelled_pulls_are_never_stored(
    srv: SandboxServer, tmp_path: Path
) -> None:
    cache = tmp_path / "c.sqlite"
    srv.faults = Faults(pages={2: "500"})
    with (
        client(srv, cache, retries=1) as c,
        pytest.warns(tp.PartialDataWarning),
    ):
        partial = c.load_logs(on_error="warn", **CLOSED)
    assert partial.attrs["failed_pages"] and frame_files(cache) == []
    srv.faults = Faults()
    cancel = threading.Event()
    cancel.set()
    with client(srv, cache) as c, pytest.raises(tp.PullCancelledError):
        c.load_logs(cancel=cancel, **CLOSED)
    assert frame_files(cache) == []
    with client(srv, cache) as c:
        whole = c.load_logs(**CLOSED)
    assert len(frame_files(cache)) == 1 and whole.attrs["complete"]


def test_a_damaged_frame_file_is_a_miss_and_is_replaced(srv: SandboxServer, tmp_path: Path) -> None:
    cache = tmp_path / "c.sqlite"
    with client(srv, cache) as c:
        first = c.load_logs(**CLOSED)
    (path,) = frame_files(cache)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with client(srv, cache) as c:
        second = c.load_logs(**CLOSED)  # from the page cache, stored again
        assert second.attrs["from_frame_cache"] is False
        third = c.load_logs(**CLOSED)
    assert third.attrs["from_frame_cache"] is True
    pd.testing.assert_frame_equal(first, third)


def test_an_expired_frame_is_served_stale_when_the_api_is_unreachable(
    srv: SandboxServer, tmp_path: Path
) -> None:
    cache = tmp_path / "c.sqlite"
    with client(srv, cache, closed_expire_after=1) as c:
        first = c.load_logs(**CLOSED)
    time.sleep(1.1)
    url = srv.url
    srv.stop()
    with (
        client(srv, cache, closed_expire_after=1, url=url, retries=0, timeout=2) as c,
        pytest.warns(tp.StaleCacheWarning),
    ):
        second = c.load_logs(**CLOSED)
    pd.testing.assert_frame_equal(first, second)
    assert second.attrs["stale_pages"] == second.attrs["pages_fetched"]


def test_clear_cache_and_the_cache_command_clear_both(
    srv: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "c.sqlite"
    with client(srv, cache) as c:
        c.load_logs(**CLOSED)
        info = c.cache_info()
    assert info["frames"] == 1 and info["frames_size_bytes"] > 0 and info["entries"] > 1
    assert main(["cache", "info", "--cache", str(cache)]) == 0
    out = capsys.readouterr().out
    assert "frames: 1" in out and str(cache.with_name("c.frames")) in out
    assert main(["cache", "clear", "--cache", str(cache)]) == 0
    assert f"cleared {info['entries']} cached answers and 1 frame" in capsys.readouterr().out
    assert frame_files(cache) == []
    with client(srv, cache) as c:
        c.load_logs(**CLOSED)
        assert c.clear_cache() == info["entries"] + 1
        assert c.cache_info()["frames"] == 0 and frame_files(cache) == []
    with client(srv, False) as c:  # type: ignore[arg-type]
        assert c.frames is None and c.cache_info()["frames"] == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert c.clear_cache() == 0


def test_an_open_window_reads_cached_pages_first_and_requests_only_the_misses(
    srv: SandboxServer, tmp_path: Path
) -> None:
    cache = tmp_path / "c.sqlite"
    with client(srv, cache, max_workers=4) as c:
        first = c.load_logs()  # no end_time: an open window, pages in the page cache only
        pages = first.attrs["pages_fetched"]
        assert c.cache is not None and pages > 10 and c.cache_info()["frames"] == 0
        for number in (3, 7):  # two pages gone from the cache
            url = requests.PreparedRequest()
            url.prepare_url(f"{srv.url}/api/v1/logs", {"page": str(number)})
            c.cache.backend.delete(c.cache.key(str(url.url), "Bearer token-acme"))
        threads: list[str] = []
        lookup = c.cache.lookup

        def recorded(key: str) -> Any:
            threads.append(threading.current_thread().name)
            return lookup(key)

        c.cache.lookup = recorded  # type: ignore[method-assign]
        srv.reset_stats()
        second = c.load_logs()
    assert srv.stats.requests == 2 and srv.stats.pages == {3: 1, 7: 1}
    pd.testing.assert_frame_equal(first, second)
    assert second.attrs["pages_from_cache"] == pages - 2
    caller = threading.current_thread().name
    assert threads.count(caller) == pages  # each page looked up first on the caller's thread
    assert len(threads) == pages + 2  # the two misses once more, on the pool, then requested
