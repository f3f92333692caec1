"""The live filter panel, driven from Python against sandboxes on 127.0.0.1 (no browser)."""

from __future__ import annotations

import datetime as dt
import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest

import timepay_notebook as tp
from tests.helpers import fast_client
from timepay_notebook.explorer.panel import LogExplorer, filter_panel
from timepay_notebook.explorer.runner import LatestRunner
from timepay_notebook.sandbox import Faults, RequestRecord, SandboxServer

PHONE = "8888889956"
Make = Callable[..., LogExplorer]


# -- fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def srv() -> Iterator[SandboxServer]:
    """A sandbox of this module's own (its request log is asserted on)."""
    with SandboxServer(n_logs=600, seed=7) as server:
        yield server


@pytest.fixture(scope="module")
def slow() -> Iterator[SandboxServer]:
    """A sandbox that takes 30 ms per request: an unfiltered pull takes about half a second."""
    with SandboxServer(n_logs=600, seed=7, latency=0.03) as server:
        yield server


@pytest.fixture
def client(srv: SandboxServer) -> Iterator[tp.TimePayClient]:
    with fast_client(srv) as c:
        yield c


@pytest.fixture
def make(client: tp.TimePayClient) -> Iterator[Make]:
    """Builds panels (on `client` unless another is given) and closes them after the test."""
    made: list[LogExplorer] = []

    def build(on: tp.TimePayClient | None = None, debounce: float = 0.05, **filters: Any):
        panel = LogExplorer(on or client, debounce=debounce, **filters)
        made.append(panel)
        return panel

    yield build
    for panel in made:
        panel.close()


def counts(log: list[RequestRecord]) -> list[dict[str, str]]:
    """The parameters of the count-only requests in `log`, without `count_only`."""
    return [_without(r.params, "count_only") for r in log if r.params.get("count_only")]


def pages(log: list[RequestRecord], **wire: str) -> list[int]:
    """The page numbers requested (count-only excluded) with exactly the parameters `wire`."""
    return sorted(
        int(r.params.get("page", "1"))
        for r in log
        if not r.params.get("count_only") and _without(r.params, "page") == wire
    )


def _without(params: Any, name: str) -> dict[str, str]:
    return {k: v for k, v in params.items() if k != name}


def settled(server: SandboxServer) -> list[RequestRecord]:
    """The request log once every request has been logged (the sandbox logs one just after
    answering it, so a client can see the answer before the log does)."""
    until(lambda: server.stats.in_flight == 0)
    return server.request_log


def reset(server: SandboxServer) -> None:
    """Zero the sandbox's log once the requests answered so far are in it."""
    settled(server)
    server.reset_stats()


def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.002)


def same_data(frame: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Equal data; attrs aside (fetched_at and the pull's statistics differ by design)."""
    pd.testing.assert_frame_equal(frame, expected)
    assert frame.attrs["filters"] == expected.attrs["filters"]


# -- a query: count preview, then pages, then the result ----------------------------------------


def test_count_preview_then_pages_and_the_frame_load_logs_gives(
    srv: SandboxServer, client: tp.TimePayClient, make: Make
) -> None:
    reset(srv)
    panel = make(type="call", start_time="2026-01-01", end_time="2026-01-31")
    panel.wait(10)
    wire = {"type": "call", "start_time": "2026-01-01T00:00:00", "end_time": "2026-01-31T23:59:59"}
    n = srv.count(**wire)
    log = settled(srv)
    assert counts(log) == [wire] and log[0].params.get("count_only") == "true"
    assert all(r.params.get("count_only") is None for r in log[1:])
    assert pages(log, **wire) == list(range(1, math.ceil(n / 10) + 1))
    assert len(log) == 1 + math.ceil(n / 10)
    assert panel.filters == {"type": "call", "start_time": "2026-01-01", "end_time": "2026-01-31"}
    assert panel.count == n and panel.error is None
    same_data(panel.frame, client.load_logs(**panel.filters))
    assert len(panel.frame) == n > 10


def test_the_result_shows_kpis_dispositions_a_plot_and_rows(srv: SandboxServer, make: Make) -> None:
    panel = make(phone=PHONE)
    panel.wait(10)
    frame, view = panel.frame, panel.view
    assert f"<b>{len(frame):,}</b> logs" in view.status.value
    assert "Contact rate" in view.kpis.value and "%" in view.kpis.value
    for disposition in frame["disposition"].dropna().unique():
        assert disposition in view.dispositions.value
    assert bytes(view.plot.value).startswith(b"\x89PNG\r\n\x1a\n")
    assert frame["call_id"].dropna().iloc[0] in view.rows.value
    assert view.progress.value == view.progress.max and view.progress.bar_style == "success"
    text = str(panel)
    assert f"TimePay logs: {len(frame):,} (phone={PHONE})" in text and "Contact rate" in text


@pytest.mark.slow
def test_set_filters_queries_at_once_and_none_clears_a_filter(
    srv: SandboxServer, client: tp.TimePayClient, make: Make
) -> None:
    panel = make(debounce=30.0, type="call")  # a widget change would wait 30 s; these don't
    panel.wait(10)
    reset(srv)
    panel.set_filters(status="Failed")
    panel.wait(10)
    assert panel.filters == {"type": "call", "status": "Failed"}
    assert counts(settled(srv)) == [{"type": "call", "status": "Failed"}]
    same_data(panel.frame, client.load_logs(type="call", status="Failed"))
    panel.set_filters(type=None)
    panel.wait(10)
    assert panel.filters == {"status": "Failed"}
    assert set(panel.frame["type"]) == {"call", "whatsapp"}


def test_set_filters_rejects_a_bad_filter_before_changing_anything(
    srv: SandboxServer, make: Make
) -> None:
    panel = make(type="call")
    panel.wait(10)
    reset(srv)
    with pytest.raises(tp.FilterError, match="did you mean 'status'"):
        panel.set_filters(stauts="Failed")
    with pytest.raises(tp.FilterError, match="after end_time"):
        panel.set_filters(start_time="2026-02-01", end_time="2026-01-01")
    assert panel.filters == {"type": "call"} and not panel.busy
    assert settled(srv) == []


# -- live: debouncing and staleness ------------------------------------------------------------


@pytest.mark.slow
def test_five_quick_widget_changes_make_one_query(
    srv: SandboxServer, client: tp.TimePayClient, make: Make
) -> None:
    panel = make(debounce=0.3)
    panel.wait(10)
    reset(srv)
    controls = panel.controls
    controls.type.widget.value = "call"
    controls.status.widget.value = "Completed"
    controls.status.widget.value = "No Contact"
    controls.disposition.widget.value = "Busy"
    controls.disposition.widget.value = "Voicemail"
    panel.wait(10)
    wire = {"type": "call", "status": "No Contact", "disposition": "Voicemail"}
    log = settled(srv)
    assert counts(log) == [wire]
    assert len(log) == 1 + len(pages(log, **wire))
    same_data(panel.frame, client.load_logs(**wire))


@pytest.mark.slow
def test_typing_a_phone_number_queries_only_the_whole_number(
    srv: SandboxServer, make: Make
) -> None:
    panel = make(debounce=0.3, type="call")
    panel.wait(10)
    reset(srv)
    for end in range(1, len(PHONE) + 1):  # partial numbers would be FilterErrors
        panel.controls.phone.value = PHONE[:end]
        time.sleep(0.005)
    panel.wait(10)
    assert counts(settled(srv)) == [{"type": "call", "phone": PHONE}]
    assert panel.error is None
    assert set(panel.frame["to"]) == {PHONE}


@pytest.mark.slow
def test_a_pull_superseded_by_a_newer_query_stops_and_is_never_shown(
    slow: SandboxServer, make: Make
) -> None:
    with fast_client(slow) as client:
        other = slow.truth()[0]["to"]
        panel = make(client, phone=PHONE)
        panel.wait(10)
        frames: list[pd.DataFrame] = []
        panel.on_change(frames.append)
        reset(slow)
        panel.set_filters(phone=None)  # everything: 60 pages, about half a second
        until(lambda: len(pages(slow.request_log)) >= 1)  # the big pull is under way
        panel.set_filters(phone=other)
        panel.wait(10)
        log = settled(slow)
        assert len(pages(log)) < 60  # the stale pull stopped early
        assert pages(log, phone=other) == list(
            range(1, math.ceil(slow.count(phone=other) / 10) + 1)
        )
        assert len(frames) == 1 and frames[0] is panel.frame
        assert set(panel.frame["to"]) == {other}
        assert panel.frame.attrs["filters"] == {"phone": other}
        assert f"<b>{len(panel.frame):,}</b> logs (phone={other})" in panel.view.status.value
        same_data(panel.frame, client.load_logs(phone=other))


@pytest.mark.slow
def test_a_count_answered_after_a_newer_query_started_is_dropped(make: Make) -> None:
    with SandboxServer(n_logs=20, latency=0.1) as server, fast_client(server) as client:
        panel = make(client, type="call")
        panel.wait(10)
        frames: list[pd.DataFrame] = []
        panel.on_change(frames.append)
        reset(server)
        panel.set_filters(type="whatsapp")
        until(lambda: server.stats.in_flight >= 1)  # its count preview is at the server (0.1 s)
        panel.set_filters(type=None)
        panel.wait(10)
        log = settled(server)
        assert counts(log) == [{"type": "whatsapp"}, {}]
        assert pages(log, type="whatsapp") == []  # answered after the newer query began: dropped
        assert pages(log) == [1, 2]
        assert [f.attrs["filters"] for f in frames] == [{}]
        assert panel.count == 20 and panel.frame is frames[0]


def test_wait_times_out_while_a_query_runs(slow: SandboxServer, make: Make) -> None:
    with fast_client(slow) as client:
        panel = make(client)
        with pytest.raises(TimeoutError):
            panel.wait(timeout=0.01)
        assert panel.busy
        panel.wait(10)
        assert not panel.busy and len(panel.frame) == 600


# -- errors, shown inline ----------------------------------------------------------------------


def test_an_api_error_is_shown_inline_and_the_next_good_query_clears_it() -> None:
    with SandboxServer(n_logs=50, faults=Faults(schedule={1: "500"})) as server:
        with fast_client(server, retries=0) as client, LogExplorer(client, debounce=0.05) as panel:
            panel.wait(10)
            assert isinstance(panel.error, tp.APIError) and panel.error.status == 500
            assert "Could not load the logs" in panel.view.error.value
            assert "500" in panel.view.error.value
            assert panel.view.progress.bar_style == "danger"
            assert len(panel.frame) == 0 and list(panel.frame.columns)[:2] == [
                "call_id",
                "message_id",
            ]
            assert [r.status for r in settled(server)] == [500]  # no pages after a failed count
            panel.refresh()
            panel.wait(10)
            assert panel.error is None and panel.view.error.value == ""
            assert len(panel.frame) == 50 and "The last query failed" not in str(panel)


def test_a_wrong_token_is_shown_without_the_token(srv: SandboxServer, make: Make) -> None:
    secret = "not-the-sandbox-token-5f2a9c"
    with tp.TimePayClient(secret, srv.url, cache=False, progress=False) as client:
        panel = make(client)
        panel.wait(10)
        assert isinstance(panel.error, tp.AuthenticationError)
        shown = [panel.view.error.value, panel.view.status.value, str(panel), repr(panel)]
        assert "401" in shown[0]
        assert not any(secret in text for text in shown)


@pytest.mark.slow
def test_a_bad_typed_value_is_a_filter_error_shown_inline_and_sends_nothing(
    srv: SandboxServer, client: tp.TimePayClient, make: Make
) -> None:
    panel = make(type="call")
    panel.wait(10)
    before = panel.frame
    reset(srv)
    panel.controls.phone.value = "<b>12"
    panel.wait(10)
    assert isinstance(panel.error, tp.FilterError)
    assert "&lt;b&gt;12" in panel.view.error.value and "<b>12" not in panel.view.error.value
    assert settled(srv) == []
    assert panel.frame is before
    panel.controls.phone.value = PHONE
    panel.wait(10)
    assert panel.error is None and panel.view.error.value == ""
    same_data(panel.frame, client.load_logs(type="call", phone=PHONE))


@pytest.mark.slow
def test_a_failing_callback_is_reported_and_the_panel_keeps_working(make: Make) -> None:
    panel = make(type="call")
    panel.wait(10)
    seen: list[int] = []

    def broken(frame: pd.DataFrame) -> None:
        raise RuntimeError("callback broke")

    panel.on_change(broken)
    panel.on_change(lambda frame: seen.append(len(frame)))
    panel.set_filters(phone=PHONE)
    panel.wait(10)
    assert isinstance(panel.error, RuntimeError)
    assert "broken: unexpected RuntimeError: callback broke" in panel.view.error.value
    panel.on_change(broken, remove=True)
    panel.set_filters(phone=None)
    panel.wait(10)
    assert panel.error is None and seen[-1] == len(panel.frame) > seen[0]


# -- controls: learned choices, campaigns by name, dates ----------------------------------------


def test_choices_are_learned_from_the_data(srv: SandboxServer, make: Make) -> None:
    panel = make()
    panel.wait(10)
    truth = pd.DataFrame(srv.truth())
    controls = panel.controls
    assert controls.type.widget.options == ("(all)", "call", "whatsapp")
    assert controls.status.widget.options == ("(all)", "Completed", "No Contact", "Failed")
    assert set(controls.disposition.widget.options) == {"(all)", *truth["disposition"]}
    assert set(controls.agent.widget.options) == {"(all)", *truth["agent_id"]}
    assert set(controls.from_phone.widget.options) == {"(all)", *truth["from"]}
    assert set(controls.campaign.widget.options) == {"(all)", *truth["campaign_name"]}


@pytest.mark.slow
def test_campaigns_are_shown_by_name_and_sent_by_id(
    srv: SandboxServer, client: tp.TimePayClient, make: Make
) -> None:
    first = srv.truth()[0]
    name, cid = first["campaign_name"], first["campaign_id"]
    panel = make(campaign_id=cid)
    panel.wait(10)
    assert panel.controls.campaign.widget.value == name  # learned from the first result
    assert panel.filters == {"campaign_id": cid}
    panel.controls.campaign.widget.value = "(all)"
    panel.wait(10)
    assert panel.filters == {} and len(panel.frame) == 600
    panel.controls.campaign.widget.value = name  # picked from the list
    panel.wait(10)
    assert panel.filters == {"campaign_id": cid}
    same_data(panel.frame, client.load_logs(campaign_id=cid))


def test_dates_pick_whole_days_and_keep_an_exact_time_from_code(
    srv: SandboxServer, client: tp.TimePayClient, make: Make
) -> None:
    panel = make(debounce=0.1)
    panel.wait(10)
    reset(srv)
    panel.controls.start.picker.value = dt.date(2026, 1, 17)
    panel.controls.end.picker.value = dt.date(2026, 1, 17)
    panel.wait(10)
    wire = {"start_time": "2026-01-17T00:00:00", "end_time": "2026-01-17T23:59:59"}
    assert counts(settled(srv)) == [wire]
    assert set(panel.frame["start_time"].dt.date) == {dt.date(2026, 1, 17)}
    same_data(panel.frame, client.load_logs(start_time="2026-01-17", end_time="2026-01-17"))
    panel.set_filters(start_time="2026-01-17T12:30:00")
    assert panel.filters["start_time"] == "2026-01-17T12:30:00"
    assert panel.controls.start.picker.value == dt.date(2026, 1, 17)
    panel.controls.start.picker.value = dt.date(2026, 1, 16)
    assert panel.filters["start_time"] == "2026-01-16"
    panel.controls.start.picker.value = dt.date(2026, 1, 17)
    assert panel.filters["start_time"] == "2026-01-17"  # the exact time is gone for good


# -- filter_panel, display, independence --------------------------------------------------------


def test_filter_panel_checks_filters_first_and_builds_a_client_from_the_environment(
    srv: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMEPAY_API_TOKEN", srv.token)
    monkeypatch.setenv("TIMEPAY_BASE_URL", srv.url)
    reset(srv)
    with pytest.raises(tp.FilterError, match="must be a string"):
        filter_panel(phone=8888889956)
    with pytest.raises(tp.FilterError, match="did you mean 'status'"):
        filter_panel(stauts="Failed")
    assert settled(srv) == []
    with filter_panel(debounce=0.05, type="whatsapp") as panel:
        panel.wait(10)
        assert panel.client.base_url == srv.url and panel.client.progress is False
        assert len(panel.frame) == srv.count(type="whatsapp") == panel.count


def test_the_panel_displays_as_its_root_widget(make: Make) -> None:
    panel = make(type="call")
    bundle = panel._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == panel.widget.model_id
    assert bundle["text/plain"] == repr(panel) and "type=call" in repr(panel)
    panel.wait(10)
    panel.close()
    assert panel._repr_mimebundle_() == {"text/plain": repr(panel)}


def test_filter_panel_shows_the_panel_in_ipython(
    srv: SandboxServer, client: tp.TimePayClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[Any] = []
    monkeypatch.setattr("IPython.display.display", lambda *args, **kw: shown.append((args, kw)))
    monkeypatch.setattr(
        "timepay_notebook.explorer.panel.ipython_shell", lambda: object()
    )  # a shell
    with filter_panel(client, debounce=0.05, type="call") as panel:
        assert shown == [((panel,), {})]
        panel._ipython_display_()
        bundle = shown[1][0][0]
        assert shown[1][1] == {"raw": True}
        assert (
            bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == panel.widget.model_id
        )
        panel.wait(10)


@pytest.mark.slow
def test_panels_share_no_state(srv: SandboxServer, make: Make) -> None:
    calls, whatsapp = make(type="call"), make(type="whatsapp")
    calls.wait(10)
    whatsapp.wait(10)
    assert set(calls.frame["type"]) == {"call"} and set(whatsapp.frame["type"]) == {"whatsapp"}
    assert calls.widget is not whatsapp.widget
    assert calls.controls.phone.layout is not whatsapp.controls.phone.layout
    calls.close()
    whatsapp.set_filters(status="Failed")
    whatsapp.wait(10)
    assert whatsapp.error is None
    assert len(whatsapp.frame) == srv.count(type="whatsapp", status="Failed")


# -- the runner on its own -----------------------------------------------------------------------


def test_runner_runs_only_the_latest_of_a_burst() -> None:
    ran: list[tuple[int, str]] = []
    runner: LatestRunner[str] = LatestRunner(lambda g, p: ran.append((g, p)), debounce=0.1)
    for payload in "abcde":
        runner.submit(payload)
    runner.wait(5)
    assert ran == [(5, "e")]


def test_runner_marks_a_running_job_stale_when_a_newer_one_arrives() -> None:
    started, release = threading.Event(), threading.Event()
    verdicts: list[tuple[str, bool]] = []

    def job(generation: int, payload: str) -> None:
        if payload == "old":
            started.set()
            release.wait(5)
        verdicts.append((payload, runner.is_current(generation)))

    runner: LatestRunner[str] = LatestRunner(job, debounce=0.0)
    runner.submit("old")
    started.wait(5)
    runner.submit("new")
    release.set()
    runner.wait(5)
    assert verdicts == [("old", False), ("new", True)]


def test_runner_holds_no_thread_when_idle_and_refuses_work_once_closed() -> None:
    runner: LatestRunner[int] = LatestRunner(lambda g, p: None, debounce=0.0, name="idle-check")
    runner.submit(1)
    runner.wait(5)
    for thread in [t for t in threading.enumerate() if t.name == "idle-check"]:
        thread.join(5)
    assert not any(t.name == "idle-check" for t in threading.enumerate())
    runner.close()
    assert not runner.is_current(1)
    with pytest.raises(RuntimeError, match="closed"):
        runner.submit(2)
