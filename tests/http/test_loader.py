"""load_logs / count_logs / iter_pages over HTTP against the sandbox: exact, typed, robust."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

import timepay_notebook as tp
from tests.helpers import fast_client, ids
from timepay_notebook.frames import to_frame
from timepay_notebook.limiter import AdaptiveLimit
from timepay_notebook.sandbox import Drift, Faults, SandboxServer
from timepay_notebook.schema import SCHEMA


@pytest.fixture(scope="module")
def client(sandbox: SandboxServer) -> Iterator[tp.TimePayClient]:
    with tp.TimePayClient(
        sandbox.token, sandbox.url, max_workers=4, progress=False, cache=False
    ) as c:
        yield c


FILTER_CASES: list[tuple[dict[str, Any], dict[str, str]]] = [
    ({}, {}),
    ({"type": "call"}, {"type": "call"}),
    ({"type": "whatsapp"}, {"type": "whatsapp"}),
    ({"status": "Failed"}, {"status": "Failed"}),
    ({"disposition": "Promise to Pay"}, {"disposition": "Promise to Pay"}),
    ({"from_phone": "+918035450808"}, {"from_phone": "+918035450808"}),
    ({"phone": "8888889956"}, {"phone": "8888889956"}),
    ({"campaign_id": "LKsfiGVdygfvYFGCdygayhf"}, {"campaign_id": "LKsfiGVdygfvYFGCdygayhf"}),
    ({"agent_id": "lGJVyhgvayGDtfsfdfdf"}, {"agent_id": "lGJVyhgvayGDtfsfdfdf"}),
    ({"start_time": "2026-02-01"}, {"start_time": "2026-02-01T00:00:00"}),
    ({"end_time": "2026-01-17"}, {"end_time": "2026-01-17T23:59:59"}),
    (
        {"start_time": "2026-01-17", "end_time": "2026-01-17"},
        {"start_time": "2026-01-17T00:00:00", "end_time": "2026-01-17T23:59:59"},
    ),
    (
        {
            "type": "call",
            "status": "No Contact",
            "disposition": "Voicemail",
            "start_time": "2026-01-01T00:00:00",
            "end_time": "2026-01-31T23:59:59",
        },
        {
            "type": "call",
            "status": "No Contact",
            "disposition": "Voicemail",
            "start_time": "2026-01-01T00:00:00",
            "end_time": "2026-01-31T23:59:59",
        },
    ),
    (
        {"from_phone": "+918035450808", "type": "call", "start_time": pd.Timestamp("2026-02-01")},
        {"from_phone": "+918035450808", "type": "call", "start_time": "2026-02-01T00:00:00"},
    ),
    (
        {"type": "whatsapp", "campaign_id": "tcELESaJAtDfnWxJvzLU", "status": "Completed"},
        {"type": "whatsapp", "campaign_id": "tcELESaJAtDfnWxJvzLU", "status": "Completed"},
    ),
    ({"campaign_id": "no-such-campaign"}, {"campaign_id": "no-such-campaign"}),
    (
        {"type": "call", "disposition": "No Response"},
        {"type": "call", "disposition": "No Response"},
    ),
]


@pytest.mark.parametrize(("filters", "wire"), FILTER_CASES)
def test_load_logs_equals_the_truth(
    sandbox: SandboxServer, client: tp.TimePayClient, filters: dict[str, Any], wire: dict[str, str]
) -> None:
    truth = sandbox.truth(**wire)
    frame = client.load_logs(**filters)
    assert ids(frame) == ids(truth)
    pd.testing.assert_frame_equal(frame, to_frame(truth))
    assert frame.attrs["filters"] == wire
    assert frame.attrs["total"] == len(truth)
    assert frame.attrs["complete"] is True
    assert client.count_logs(**filters) == len(truth)


def test_every_column_has_its_schema_dtype(client: tp.TimePayClient) -> None:
    frame = client.load_logs()
    for name, dtype in SCHEMA.items():
        assert str(frame[name].dtype) == dtype, name
    assert frame["start_time"].notna().all()
    assert (frame["end_time"] > frame["start_time"]).all()
    calls = frame[frame["type"] == "call"]
    assert calls["duration"].notna().all()
    assert frame.loc[frame["type"] == "whatsapp", "duration"].isna().all()


def test_no_match_is_an_empty_frame_with_the_full_schema(client: tp.TimePayClient) -> None:
    frame = client.load_logs(campaign_id="nothing-matches", type="call")
    assert len(frame) == 0
    assert {name: str(frame[name].dtype) for name in SCHEMA} == SCHEMA
    assert frame.attrs["total"] == 0


def test_iter_pages_streams_the_same_logs(sandbox: SandboxServer, client: tp.TimePayClient) -> None:
    pages = list(client.iter_pages(type="whatsapp"))
    assert all(0 < len(p) <= 10 for p in pages)
    assert ids([r for p in pages for r in p]) == ids(sandbox.truth(type="whatsapp"))


def test_module_level_functions_use_the_environment(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMEPAY_API_TOKEN", sandbox.token)
    monkeypatch.setenv("TIMEPAY_BASE_URL", sandbox.url)
    assert tp.count_logs(type="call") == sandbox.count(type="call")
    assert ids(tp.load_logs(phone="8888889956")) == ids(sandbox.truth(phone="8888889956"))


def test_tz_option_localizes_times(client: tp.TimePayClient) -> None:
    naive = client.load_logs(phone="8888889956")
    utc = client.load_logs(phone="8888889956", tz="UTC")
    assert str(utc["start_time"].dtype) == "datetime64[us, UTC]"
    expected = naive["start_time"].dt.tz_localize("Asia/Kolkata").dt.tz_convert("UTC")
    pd.testing.assert_series_equal(utc["start_time"], expected)


def test_wrong_token_is_an_authentication_error_without_the_token(sandbox: SandboxServer) -> None:
    secret = "wrong-token-4f2a9c"
    with tp.TimePayClient(secret, sandbox.url, progress=False) as c:
        with pytest.raises(tp.AuthenticationError) as info:
            c.load_logs()
        assert info.value.status == 401
        assert "TIMEPAY_API_TOKEN" in str(info.value)
        assert secret not in str(info.value) and secret not in repr(info.value)
        assert secret not in repr(c)
        with pytest.raises(tp.AuthenticationError):
            c.count_logs()


def test_missing_token_fails_before_any_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIMEPAY_API_TOKEN", raising=False)
    with pytest.raises(tp.AuthenticationError, match="no API token"):
        tp.TimePayClient()
    with pytest.raises(tp.AuthenticationError, match="no API token"):
        tp.load_logs()


def test_token_never_reaches_attrs_or_repr(
    sandbox: SandboxServer, client: tp.TimePayClient
) -> None:
    frame = client.load_logs(type="whatsapp", status="Failed")
    assert sandbox.token not in repr(frame.attrs)
    assert sandbox.token not in repr(client)
    assert sandbox.token not in repr(frame)


def test_unreachable_server_is_a_network_error() -> None:
    srv = SandboxServer(n_logs=10).start()
    url, token = srv.url, srv.token
    srv.stop()
    with tp.TimePayClient(token, url, retries=1, backoff=0.01, progress=False) as c:
        with pytest.raises(tp.NetworkError, match=r"could not connect to .* refused"):
            c.count_logs()


@pytest.mark.parametrize(
    "kind", ["429", "500", "502", "503", "html", "truncated", "drop", "unsuccessful"]
)
def test_every_injected_fault_is_retried_to_a_complete_frame(kind: str) -> None:
    with SandboxServer(
        n_logs=300, faults=Faults(rate=0.25, kinds=(kind,), seed=4, retry_after=0)
    ) as srv:
        with fast_client(srv, retries=8) as c:
            frame = c.load_logs()
        assert ids(frame) == ids(srv.truth())
        assert frame.attrs["complete"] is True
        assert srv.stats.faults.get(kind, 0) > 0


def test_mixed_faults_at_a_high_rate() -> None:
    kinds = ("429", "500", "502", "503", "html", "truncated", "drop")
    with SandboxServer(
        n_logs=500, faults=Faults(rate=0.3, kinds=kinds, seed=9, retry_after=0)
    ) as srv:
        with fast_client(srv, max_workers=8, retries=10) as c:
            frame = c.load_logs(type="call")
        assert ids(frame) == ids(srv.truth(type="call"))


def test_a_success_false_body_is_an_api_error_with_the_servers_message() -> None:
    with (
        SandboxServer(n_logs=30, faults=Faults(schedule={1: "unsuccessful"})) as srv,
        fast_client(srv, retries=0) as c,
    ):
        with pytest.raises(tp.APIError) as info:
            c.count_logs()
        assert info.value.status == 200
        assert info.value.message == "injected failure"
        assert info.value.url.startswith(srv.url)
        assert c.count_logs() == 30


def test_progress_bar_is_sized_from_page_1(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    with tp.TimePayClient(sandbox.token, sandbox.url, progress=True) as c:
        c.load_logs(type="whatsapp")
    err = capsys.readouterr().err
    pages = -(-sandbox.count(type="whatsapp") // 10)
    assert "TimePay logs" in err
    assert f"/{pages} [" in err  # sized from page 1
    with tp.TimePayClient(
        sandbox.token, sandbox.url
    ) as c:  # progress=None: off when not interactive
        c.load_logs(type="whatsapp")
    assert capsys.readouterr().err == ""


def test_retries_exhausted_raise_naming_the_pages_and_keep_the_rest() -> None:
    faults = Faults(pages={7: "500", 12: "html"})
    with SandboxServer(n_logs=200, faults=faults) as srv, fast_client(srv, retries=2) as c:
        with pytest.raises(tp.IncompletePullError) as info:
            c.load_logs()
    error = info.value
    assert set(error.failed_pages) == {7, 12}
    assert "7, 12" in str(error)
    assert error.partial is not None
    assert len(error.partial) == 180
    assert not error.partial.attrs["complete"]
    truth = srv.truth()
    assert ids(error.partial) == ids(truth[:60] + truth[70:110] + truth[120:])


def test_on_error_warn_returns_what_was_fetched() -> None:
    with SandboxServer(n_logs=200, faults=Faults(pages={3: "503"})) as srv:
        warns = pytest.warns(tp.PartialDataWarning, match=r"1 page\(s\) failed .*\(3\)")
        with fast_client(srv, retries=1) as c, warns:
            frame = c.load_logs(on_error="warn")
        assert len(frame) == 190
        assert list(frame.attrs["failed_pages"]) == [3]
        assert frame.attrs["complete"] is False
        with fast_client(srv, retries=1) as c, pytest.raises(tp.IncompletePullError):
            list(c.iter_pages())


def test_retry_after_seconds_is_honoured() -> None:
    with SandboxServer(n_logs=50, faults=Faults(schedule={3: "429"}, retry_after=1)) as srv:
        with fast_client(srv, max_workers=1) as c:
            assert len(c.load_logs()) == 50
        log = [r for r in srv.request_log if r.params.get("page") == "3"]
    assert [r.status for r in log] == [429, 200]
    assert log[1].at - log[0].at >= 0.95


@pytest.mark.slow
def test_retry_after_http_date_is_honoured() -> None:
    faults = Faults(schedule={2: "429"}, retry_after=2, retry_after_date=True)
    with SandboxServer(n_logs=30, faults=faults) as srv:
        with fast_client(srv, max_workers=1) as c:
            assert len(c.load_logs()) == 30
        log = [r for r in srv.request_log if r.params.get("page") == "2"]
    assert [r.status for r in log] == [429, 200]
    assert log[1].at - log[0].at >= 0.9  # an HTTP-date has whole seconds


def test_concurrency_is_lowered_under_429_and_raised_again() -> None:
    with (
        SandboxServer(
            n_logs=1000,
            latency=0.01,
            faults=Faults(schedule=dict.fromkeys(range(2, 7), "429"), retry_after=0),
        ) as srv,
        fast_client(srv, max_workers=8) as c,
    ):
        frame = c.load_logs()
    assert len(frame) == 1000
    assert frame.attrs["throttled"] >= 5
    concurrency = frame.attrs["concurrency"]
    assert concurrency["lowest"] <= 3  # each 429 lowers it below what was in flight
    assert concurrency["final"] == 8


@pytest.mark.slow
def test_a_concurrency_limit_on_the_server_is_respected() -> None:
    with SandboxServer(n_logs=600, latency=0.02, max_in_flight=3) as srv:
        with fast_client(srv, max_workers=8, retries=10) as c:
            frame = c.load_logs()
        assert ids(frame) == ids(srv.truth())
        assert srv.stats.rate_limited > 0
        assert frame.attrs["concurrency"]["lowest"] < 8


def test_a_server_that_always_says_has_next_does_not_loop() -> None:
    with SandboxServer(n_logs=95, always_has_next=True) as srv:
        with fast_client(srv) as c, warnings.catch_warnings():
            warnings.simplefilter("error")
            frame = c.load_logs()
        assert len(frame) == 95
        assert max(srv.stats.pages) == 11  # one empty page past the end, then stop


@pytest.mark.parametrize("where", ["now", "random"])
def test_drift_during_a_concurrent_pull_loses_nothing(where: str) -> None:
    with SandboxServer(
        n_logs=800, latency=0.005, drift=Drift(every=3, count=4, where=where)
    ) as srv:
        before = set(ids(srv.truth()))
        with fast_client(srv, max_workers=8) as c, warnings.catch_warnings():
            warnings.simplefilter("ignore", tp.CountMismatchWarning)
            frame = c.load_logs()
        got = ids(frame)
        assert len(got) == len(set(got)), "a log appears twice"
        assert before <= set(got), (
            f"{len(before - set(got))} logs that existed at the start are missing"
        )
        assert frame.attrs["data_moved"] is True
        assert frame.attrs["second_pass"] is True
        assert frame.attrs["total"] > frame.attrs["total_at_start"]


def test_count_mismatch_warns_and_is_recorded() -> None:
    # Logs arrive after the last page was read: the server's final total is ahead of the frame.
    warns = pytest.warns(tp.CountMismatchWarning, match="the server reported")
    with SandboxServer(n_logs=100, drift=Drift(every=10, count=3)) as srv, warns:
        with fast_client(srv, max_workers=1) as c:
            frame = c.load_logs()
    assert frame.attrs["count_mismatch"] == {
        "server_total": frame.attrs["total"],
        "unique_logs": len(frame),
    }
    assert len(frame) == len(set(ids(frame)))


def test_max_workers_bounds_requests_in_flight() -> None:
    with SandboxServer(n_logs=500, latency=0.03) as srv:
        with fast_client(srv, max_workers=3) as c:
            c.load_logs()
        assert srv.stats.peak_in_flight <= 3


def test_client_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="max_workers must be between 1 and 64"):
        tp.TimePayClient("t", "http://127.0.0.1:1", max_workers=0)
    with pytest.raises(TypeError, match="timeout must be a number"):
        tp.TimePayClient("t", "http://127.0.0.1:1", timeout="30")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="base_url must be an http"):
        tp.TimePayClient("t", "api.agents.timepay.ai")
    with pytest.raises(tp.AuthenticationError, match="whitespace"):
        tp.TimePayClient("bad token\n", "http://127.0.0.1:1")


def test_credentials_in_the_base_url_are_never_shown(sandbox: SandboxServer) -> None:
    url = sandbox.url.replace("http://", "http://user:hunter2@")
    with tp.TimePayClient(sandbox.token, url, progress=False) as c:
        frame = c.load_logs(phone="8888889956")
        assert "hunter2" not in repr(c)
    assert "hunter2" not in repr(frame.attrs)


def test_a_clean_pull_sends_one_request_per_page(
    sandbox: SandboxServer, client: tp.TimePayClient
) -> None:
    sandbox.reset_stats()
    client.load_logs(type="call")
    pages = -(-sandbox.count(type="call") // 10)
    assert sandbox.stats.requests == pages
    assert sandbox.stats.pages == dict.fromkeys(range(1, pages + 1), 1)


def test_pulls_sharing_a_limit_keep_its_requests_in_flight_together() -> None:
    with (
        SandboxServer(n_logs=800, seed=4, latency=0.02) as srv,
        fast_client(srv, max_workers=8) as client,
    ):
        limit = AdaptiveLimit(3)
        with pytest.raises(ValueError, match="not both"):
            client.pull_arrow({}, max_workers=2, limit=limit)
        assert srv.stats.requests == 0
        tables: dict[str, Any] = {}

        def pull(kind: str) -> None:
            tables[kind] = client.pull_arrow({"type": kind}, limit=limit).table

        threads = [threading.Thread(target=pull, args=(kind,)) for kind in ("call", "whatsapp")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert {kind: t.num_rows for kind, t in tables.items()} == {
            kind: srv.count(type=kind) for kind in ("call", "whatsapp")
        }
        assert srv.stats.peak_in_flight <= 3 and limit.in_flight == 0  # not 3 each
