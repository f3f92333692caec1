"""Each sandbox knob, seen from a client over HTTP: latency, faults, drift, limits, stats."""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable

import pytest
import requests

from tests.helpers import get
from timepay_notebook.sandbox import Drift, Faults, SandboxServer, refused_url


@pytest.fixture
def small() -> SandboxServer:
    with SandboxServer(n_logs=57, seed=3) as srv:
        yield srv


def test_latency_delays_every_response() -> None:
    with SandboxServer(n_logs=30, latency=0.15) as srv:
        started = time.perf_counter()
        assert get(srv).status_code == 200
        assert time.perf_counter() - started >= 0.15


@pytest.mark.parametrize("fault", ["500", "drop"])
def test_latency_delays_injected_faults_too(fault: str) -> None:
    with SandboxServer(n_logs=30, latency=0.15, gzip=True) as srv:
        srv.faults = Faults(schedule={1: fault})
        started = time.perf_counter()
        try:
            get(srv)
        except requests.ConnectionError:
            assert fault == "drop"
        assert time.perf_counter() - started >= 0.15


@pytest.mark.parametrize("status", ["500", "502", "503"])
def test_injected_server_errors_are_json(small: SandboxServer, status: str) -> None:
    small.faults = Faults(schedule={1: status})
    r = get(small)
    assert r.status_code == int(status)
    assert r.json()["success"] is False
    assert get(small).status_code == 200  # only the scheduled request fails


def test_injected_429_announces_retry_after_in_seconds(small: SandboxServer) -> None:
    small.faults = Faults(schedule={1: "429"}, retry_after=3)
    r = get(small)
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "3"


def test_injected_429_can_announce_an_http_date(small: SandboxServer) -> None:
    small.faults = Faults(schedule={1: "429"}, retry_after=5, retry_after_date=True)
    r = get(small)
    when = email.utils.parsedate_to_datetime(r.headers["Retry-After"]).timestamp()
    assert 3 <= when - time.time() <= 6


def test_injected_html_error_page(small: SandboxServer) -> None:
    small.faults = Faults(schedule={1: "html"})
    r = get(small)
    assert r.status_code == 502
    assert r.headers["Content-Type"].startswith("text/html")
    assert r.text.startswith("<html>")


def test_injected_truncated_json_is_a_200_that_does_not_parse(small: SandboxServer) -> None:
    small.faults = Faults(schedule={1: "truncated"})
    r = get(small)
    assert r.status_code == 200
    with pytest.raises(requests.JSONDecodeError):
        r.json()


def test_injected_drop_closes_the_connection(small: SandboxServer) -> None:
    small.faults = Faults(schedule={1: "drop"})
    with pytest.raises(requests.ConnectionError):
        get(small)
    assert get(small).status_code == 200
    assert small.stats.faults == {"drop": 1}


def test_injected_unsuccessful_body_is_a_200(small: SandboxServer) -> None:
    small.faults = Faults(schedule={1: "unsuccessful"})
    r = get(small)
    assert r.status_code == 200
    assert r.json() == {"success": False, "error": "upstream", "message": "injected failure"}


def test_unsuccessful_at_a_rate_is_a_200_saying_success_false(small: SandboxServer) -> None:
    small.faults = Faults(rate=0.2, kinds=("unsuccessful",), seed=5)
    with requests.Session() as s:
        responses = [get(small, s) for _ in range(100)]
    assert {r.status_code for r in responses} == {200}
    failed = [r for r in responses if r.json()["success"] is False]
    assert 8 <= len(failed) <= 35
    assert small.stats.faults == {"unsuccessful": len(failed)}


def test_one_page_that_always_drops(small: SandboxServer) -> None:
    small.faults = Faults(pages={5: "drop"})
    with requests.Session() as s:
        for _ in range(3):
            with pytest.raises(requests.ConnectionError):
                get(small, s, page=5)
        assert [get(small, s, page=p).status_code for p in (4, 6)] == [200, 200]
    assert small.stats.pages[5] == 3
    assert small.stats.faults == {"drop": 3}


def test_trickle_sends_the_normal_answer_a_byte_at_a_time(small: SandboxServer) -> None:
    small.faults = Faults(schedule={1: "trickle"}, trickle_interval=0.05)
    url, auth = f"{small.url}/api/v1/logs", {"Authorization": f"Bearer {small.token}"}
    started = time.perf_counter()
    # a read timeout far longer than the gap between bytes never fires, however long it takes
    r = requests.get(url, params={"count_only": "true"}, headers=auth, timeout=(5, 0.5))
    elapsed = time.perf_counter() - started
    assert r.json() == {"success": True, "total": 57}
    assert len(r.content) >= 25
    assert 0.05 * (len(r.content) - 1) <= elapsed < 30
    assert small.stats.faults == {"trickle": 1}
    assert get(small, count_only="true").elapsed.total_seconds() < 0.5  # only the scheduled one


def test_trickle_outlasts_a_read_timeout_it_never_triggers(small: SandboxServer) -> None:
    small.faults = Faults(schedule={1: "trickle"}, trickle_interval=0.2)
    url, auth = f"{small.url}/api/v1/logs", {"Authorization": f"Bearer {small.token}"}
    started = time.perf_counter()
    with requests.get(url, headers=auth, timeout=(5, 1.0), stream=True) as r:
        got = b""
        for chunk in r.iter_content(1):
            got += chunk
            if time.perf_counter() - started > 3:
                break
    assert r.status_code == 200
    assert 5 <= len(got) <= 30  # bytes kept coming, a few a second, with no read timeout
    assert int(r.headers["Content-Length"]) > 1000  # the whole page would take minutes


def test_stop_ends_a_trickle() -> None:
    srv = SandboxServer(n_logs=20, faults=Faults(schedule={1: "trickle"}, trickle_interval=5))
    srv.start()
    url, auth = f"{srv.url}/api/v1/logs", {"Authorization": f"Bearer {srv.token}"}
    errors: list[BaseException] = []

    def read() -> None:
        try:
            requests.get(url, headers=auth, timeout=30)
        except requests.RequestException as exc:
            errors.append(exc)

    reader = threading.Thread(target=read)
    reader.start()
    _wait_for(lambda: srv.stats.faults.get("trickle") == 1)
    started = time.perf_counter()
    srv.stop()
    reader.join(10)
    assert not reader.is_alive()
    assert time.perf_counter() - started < 5
    assert len(errors) == 1  # the body was cut short


@pytest.mark.parametrize(("kind", "status"), [("echo_401", 401), ("echo_500", 500)])
def test_echo_quotes_the_request_headers_token_included(
    small: SandboxServer, kind: str, status: int
) -> None:
    small.faults = Faults(schedule={1: kind})
    r = get(small, page=2)
    assert r.status_code == status
    body = r.json()
    assert body["success"] is False
    assert f"Authorization: Bearer {small.token}" in body["message"]
    assert "page=2" in body["message"]
    assert body["request"]["headers"]["Authorization"] == f"Bearer {small.token}"
    assert small.token not in repr(small.request_log)  # the sandbox's own records stay clean


def test_hang_never_answers_and_stop_ends_it_promptly() -> None:
    srv = SandboxServer(n_logs=20, faults=Faults(schedule={1: "hang"})).start()
    url, auth = f"{srv.url}/api/v1/logs", {"Authorization": f"Bearer {srv.token}"}
    with pytest.raises(requests.ReadTimeout):
        requests.get(url, headers=auth, timeout=(5, 0.5))
    assert get(srv).status_code == 200  # only the scheduled request hangs
    outcome: list[object] = []

    def wait_forever() -> None:
        try:
            outcome.append(requests.get(url, headers=auth, timeout=60).status_code)
        except requests.RequestException as exc:
            outcome.append(exc)

    srv.faults = Faults(rate=1.0, kinds=("hang",))
    waiter = threading.Thread(target=wait_forever)
    waiter.start()
    _wait_for(lambda: srv.stats.faults.get("hang") == 2)  # the first one hangs on too
    time.sleep(0.5)
    assert outcome == []  # still waiting
    started = time.perf_counter()
    srv.stop()
    waiter.join(10)
    assert not waiter.is_alive()
    assert time.perf_counter() - started < 5
    assert len(outcome) == 1 and isinstance(outcome[0], requests.ConnectionError)
    assert srv.stats.faults == {"hang": 2}
    _wait_for(lambda: srv.stats.in_flight == 0)  # both hung handlers ended


def test_refused_url_refuses_at_once() -> None:
    url = refused_url()
    assert url == refused_url()  # the same port for the life of the process
    started = time.perf_counter()
    with pytest.raises(requests.ConnectionError) as info:
        requests.get(f"{url}/api/v1/logs", timeout=5)
    assert time.perf_counter() - started < 2
    assert "refused" in str(info.value).lower()


def _wait_for(condition: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def test_faults_by_page_always_or_a_number_of_times(small: SandboxServer) -> None:
    small.faults = Faults(pages={2: "500", 3: ("503", 2)})
    with requests.Session() as s:
        assert [get(small, s, page=2).status_code for _ in range(3)] == [500, 500, 500]
        assert [get(small, s, page=3).status_code for _ in range(3)] == [503, 503, 200]
        assert get(small, s, page=1).status_code == 200
        assert get(small, s, page=2, count_only="true").status_code == 200


def test_fault_rate_is_seeded_and_roughly_honoured(small: SandboxServer) -> None:
    def statuses() -> list[int]:
        small.faults = Faults(rate=0.3, kinds=("500", "503"), seed=11)
        with requests.Session() as s:
            return [get(small, s).status_code for _ in range(200)]

    first = statuses()
    assert first == statuses()
    failures = sum(code != 200 for code in first)
    assert 35 <= failures <= 85
    assert {code for code in first if code != 200} == {500, 503}


def test_unknown_fault_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        Faults(kinds=("418",), rate=0.1)


def test_drift_now_adds_logs_at_the_front_while_reading() -> None:
    with SandboxServer(n_logs=40, drift=Drift(every=2, count=3)) as srv, requests.Session() as s:
        before = srv.truth()
        totals = [get(srv, s).json()["pagination"]["total"] for _ in range(4)]
        assert totals == [40, 43, 43, 46]
        after = srv.truth()
        assert after[6:] == before  # old logs are pushed back by the new ones
        assert all(new["start_time"] >= before[0]["start_time"] for new in after[:6])


def test_drift_random_adds_late_arrivals_inside_the_span() -> None:
    with SandboxServer(n_logs=200, drift=Drift(every=1, count=5, where="random")) as srv:
        before = srv.truth()
        ids_before = {r.get("call_id") or r["message_id"] for r in before}
        get(srv)
        new = [r for r in srv.truth() if (r.get("call_id") or r["message_id"]) not in ids_before]
        assert len(new) == 5
        assert any(r["start_time"] < before[0]["start_time"] for r in new)


def test_max_in_flight_answers_429_past_the_limit() -> None:
    with SandboxServer(n_logs=30, latency=1.0, max_in_flight=2) as srv:
        codes: list[int] = []
        start = threading.Barrier(6)

        def one() -> None:
            start.wait()  # six requests at once, each held a second: four are past the limit
            codes.append(get(srv).status_code)

        threads = [threading.Thread(target=one) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert codes.count(200) >= 2
        assert codes.count(429) >= 1
        assert srv.stats.rate_limited == codes.count(429)
        assert srv.stats.in_flight == 0


def test_max_per_second_answers_429_with_retry_after() -> None:
    with SandboxServer(n_logs=30, max_per_second=2) as srv, requests.Session() as s:
        responses = [get(srv, s) for _ in range(6)]
        limited = [r for r in responses if r.status_code == 429]
        assert limited
        assert all(int(r.headers["Retry-After"]) >= 1 for r in limited)


def test_always_has_next_is_a_broken_server_for_loop_guards() -> None:
    with SandboxServer(n_logs=15, always_has_next=True) as srv:
        body = get(srv, page=99).json()
        assert body["data"] == []
        assert body["pagination"]["has_next"] is True


def test_stats_and_request_log(small: SandboxServer) -> None:
    small.reset_stats()
    with requests.Session() as s:
        get(small, s, page=2)
        get(small, s, page=2)
        get(small, s, count_only="true")
        get(small, s, token=None)
    stats = small.stats
    assert stats.requests == 4
    assert stats.in_flight == 0
    assert stats.pages == {2: 2, 1: 1}
    assert stats.count_only == 1
    assert stats.by_status == {200: 3, 401: 1}
    log = small.request_log
    assert [r.status for r in log] == [200, 200, 200, 401]
    assert log[0].params == {"page": "2"}
    assert small.token not in repr(log)
    small.reset_stats()
    assert small.stats.requests == 0


def test_stop_closes_keep_alive_connections() -> None:
    srv = SandboxServer(n_logs=20).start()
    url, auth = f"{srv.url}/api/v1/logs", {"Authorization": f"Bearer {srv.token}"}
    with requests.Session() as s:
        assert s.get(url, headers=auth).status_code == 200
        srv.stop()
        with pytest.raises(RuntimeError, match="not serving"):
            srv.url  # noqa: B018
        with pytest.raises(requests.ConnectionError):
            s.get(url, headers=auth, timeout=5)
        srv.start()  # serves again on the same port
        assert s.get(url, headers=auth, timeout=5).status_code == 200
        srv.stop()
