"""The sandbox answers every documented request as the API page describes (over HTTP)."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from tests.helpers import LOGS, all_pages, get
from timepay_notebook.sandbox import SandboxServer

CALL_FIELDS = [
    "call_id",
    "date",
    "start_time",
    "end_time",
    "campaign_name",
    "campaign_id",
    "name",
    "loan_id",
    "duration",
    "direction",
    "from",
    "to",
    "status",
    "disposition",
    "transcript_id",
    "recording_id",
    "extracted_data",
    "summary",
    "agent_id",
    "disposition_id",
    "type",
]


def test_first_page_matches_the_documented_shape(sandbox: SandboxServer) -> None:
    r = get(sandbox)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["success"] is True
    assert len(body["data"]) == 10
    assert body["pagination"] == {
        "page": 1,
        "per_page": 10,
        "total": 2450,
        "total_pages": 245,
        "has_next": True,
        "has_prev": False,
    }


def test_call_records_have_the_example_fields_in_order(sandbox: SandboxServer) -> None:
    calls = sandbox.truth(type="call")
    assert list(calls[0]) == CALL_FIELDS
    assert all(list(r) == CALL_FIELDS for r in calls)


def test_whatsapp_records_differ_as_the_page_warns(sandbox: SandboxServer) -> None:
    messages = sandbox.truth(type="whatsapp")
    assert messages
    for r in messages:
        assert "call_id" not in r and "duration" not in r
        assert "transcript_id" not in r and "recording_id" not in r
        assert r["message_id"].startswith("wamid.")
        assert r["message_status"] in {"sent", "delivered", "read", "failed"}
        assert r["template_name"]


def test_last_partial_page_and_past_the_end() -> None:
    with SandboxServer(n_logs=23, seed=1) as srv, requests.Session() as s:
        last = get(srv, s, page=3).json()
        assert len(last["data"]) == 3
        assert last["pagination"] == {
            "page": 3,
            "per_page": 10,
            "total": 23,
            "total_pages": 3,
            "has_next": False,
            "has_prev": True,
        }
        past = get(srv, s, page=4).json()
        assert past["data"] == []
        assert past["pagination"]["has_next"] is False
        assert past["pagination"]["has_prev"] is True


def test_no_match_gives_zero_pages(sandbox: SandboxServer, http: requests.Session) -> None:
    body = get(sandbox, http, campaign_id="no-such-campaign").json()
    assert body["data"] == []
    assert body["pagination"]["total"] == 0
    assert body["pagination"]["total_pages"] == 0
    assert body["pagination"]["has_next"] is False


def test_pages_concatenate_to_the_truth_without_gaps(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    records = all_pages(sandbox, http)
    assert records == sandbox.truth()
    assert len({r.get("call_id") or r["message_id"] for r in records}) == 2450


def test_order_is_newest_first(sandbox: SandboxServer) -> None:
    starts = [r["start_time"] for r in sandbox.truth()]
    assert starts == sorted(starts, reverse=True)


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("type", "type"),
        ("status", "status"),
        ("disposition", "disposition"),
        ("from_phone", "from"),
        ("phone", "to"),
        ("campaign_id", "campaign_id"),
        ("agent_id", "agent_id"),
    ],
)
def test_each_exact_filter_selects_what_a_scan_selects(
    sandbox: SandboxServer, http: requests.Session, name: str, field: str
) -> None:
    everything = sandbox.truth()
    values = sorted({r[field] for r in everything})
    assert len(values) >= 2
    for value in values[:3]:
        expected = [r for r in everything if r[field] == value]
        assert sandbox.truth(**{name: value}) == expected
        assert get(sandbox, http, count_only="true", **{name: value}).json()["total"] == len(
            expected
        )
    first_value = values[0]
    assert all_pages(sandbox, http, **{name: first_value}) == [
        r for r in everything if r[field] == first_value
    ]


def test_time_range_is_inclusive_on_start_time(sandbox: SandboxServer) -> None:
    everything = sandbox.truth()
    edge = everything[100]["start_time"]
    exact = sandbox.truth(start_time=edge, end_time=edge)
    assert exact and all(r["start_time"] == edge for r in exact)
    lo, hi = "2026-01-17T00:00:00", "2026-01-17T23:59:59"
    assert sandbox.truth(start_time=lo, end_time=hi) == [
        r for r in everything if lo <= r["start_time"] <= hi
    ]
    assert sandbox.truth(start_time=hi, end_time=lo) == []


def test_combined_filters_intersect(sandbox: SandboxServer, http: requests.Session) -> None:
    everything = sandbox.truth()
    expected = [
        r
        for r in everything
        if r["type"] == "call"
        and r["status"] == "No Contact"
        and r["disposition"] == "Voicemail"
        and "2026-01-01T00:00:00" <= r["start_time"] <= "2026-01-31T23:59:59"
    ]
    assert expected
    got = all_pages(
        sandbox,
        http,
        type="call",
        status="No Contact",
        disposition="Voicemail",
        start_time="2026-01-01T00:00:00",
        end_time="2026-01-31T23:59:59",
    )
    assert got == expected


def test_from_phone_plus_must_be_percent_encoded(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    encoded = get(sandbox, http, from_phone="+918035450808", count_only="true").json()["total"]
    assert encoded == sum(r["from"] == "+918035450808" for r in sandbox.truth()) > 0
    raw = http.get(
        f"{sandbox.url}{LOGS}?from_phone=+918035450808&count_only=true",
        headers={"Authorization": f"Bearer {sandbox.token}"},
    )
    assert raw.json()["total"] == 0  # a raw '+' is a space


def test_the_api_pages_examples_find_data(sandbox: SandboxServer, http: requests.Session) -> None:
    examples: list[dict[str, Any]] = [
        {"type": "call"},
        {"type": "whatsapp", "campaign_id": "tcELESaJAtDfnWxJvzLU"},
        {"start_time": "2026-01-17T00:00:00", "end_time": "2026-01-17T23:59:59"},
        {"type": "whatsapp", "status": "Failed"},
        {"phone": "8888889956"},
        {"from_phone": "+918035450808", "type": "call"},
        {"status": "Failed"},
    ]
    for params in examples:
        assert get(sandbox, http, count_only="true", **params).json()["total"] > 0, params


def test_empty_value_means_unfiltered(sandbox: SandboxServer, http: requests.Session) -> None:
    assert get(sandbox, http, type="", status="", count_only="true").json()["total"] == 2450


def test_count_only(sandbox: SandboxServer, http: requests.Session) -> None:
    body = get(sandbox, http, status="Failed", count_only="true").json()
    assert body == {"success": True, "total": sandbox.count(status="Failed")}
    assert get(sandbox, http, count_only="TRUE").json() == {"success": True, "total": 2450}
    assert "data" in get(sandbox, http, count_only="false").json()


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"page": "0"}, "page must be a positive integer"),
        ({"page": "-1"}, "page must be a positive integer"),
        ({"page": "two"}, "page must be a positive integer"),
        ({"page": "1.5"}, "page must be a positive integer"),
        ({"page": "٣"}, "page must be a positive integer"),
        ({"per_page": "50"}, "unknown query parameter(s): per_page"),
        ({"dispositon": "Voicemail"}, "unknown query parameter(s): dispositon"),
        ({"start_time": "2026-01-17"}, "start_time must be formatted"),
        ({"end_time": "2026/01/17T00:00:00"}, "end_time must be formatted"),
        ({"start_time": "2026-13-01T00:00:00"}, "start_time is not a valid date"),
        ({"end_time": "2026-01-17T25:00:00"}, "end_time is not a valid date"),
        ({"count_only": "yes"}, "count_only must be 'true' or 'false'"),
    ],
)
def test_bad_requests_get_a_json_400_naming_the_problem(
    sandbox: SandboxServer, http: requests.Session, params: dict[str, str], words: str
) -> None:
    r = get(sandbox, http, **params)
    assert r.status_code == 400
    assert r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert body["success"] is False
    assert words in body["message"]


def test_repeated_parameter_is_a_400(sandbox: SandboxServer, http: requests.Session) -> None:
    r = http.get(
        f"{sandbox.url}{LOGS}?type=call&type=whatsapp",
        headers={"Authorization": f"Bearer {sandbox.token}"},
    )
    assert r.status_code == 400
    assert "'type' was given 2 times" in r.json()["message"]


@pytest.mark.parametrize(
    "header", [None, "", "Bearer", "Bearer wrong-token", "Basic dXNlcjpwYXNz", "Token {token}"]
)
def test_missing_or_unknown_token_is_a_json_401(
    sandbox: SandboxServer, http: requests.Session, header: str | None
) -> None:
    headers = {} if header is None else {"Authorization": header.format(token=sandbox.token)}
    r = http.get(f"{sandbox.url}{LOGS}", headers=headers)
    assert r.status_code == 401
    assert r.json()["success"] is False
    assert sandbox.token not in r.text


def test_bearer_scheme_is_case_insensitive(sandbox: SandboxServer, http: requests.Session) -> None:
    r = http.get(f"{sandbox.url}{LOGS}", headers={"Authorization": f"bearer {sandbox.token}"})
    assert r.status_code == 200


def test_a_token_revoked_after_n_requests_lets_exactly_n_through() -> None:
    with SandboxServer(n_logs=50, tokens={"a": "t1", "b": "t1"}) as srv:
        srv.revoke("a", after=5)
        with ThreadPoolExecutor(8) as pool:  # at once: the count holds under concurrency
            statuses = sorted(
                pool.map(lambda p: get(srv, token="a", page=p).status_code, range(1, 9))
            )
        assert statuses == [200] * 5 + [401] * 3
        assert get(srv, token="a").status_code == 401  # revoked for good
        assert get(srv, token="b").status_code == 200  # other tokens unaffected
        srv.revoke("b")
        assert get(srv, token="b").status_code == 401


def test_other_paths_and_methods_are_json_errors(
    sandbox: SandboxServer, http: requests.Session
) -> None:
    auth = {"Authorization": f"Bearer {sandbox.token}"}
    r = http.get(f"{sandbox.url}/api/v1/calls", headers=auth)
    assert (r.status_code, r.json()["success"]) == (404, False)
    r = http.post(f"{sandbox.url}{LOGS}", headers=auth)
    assert (r.status_code, r.json()["success"]) == (405, False)


def test_records_are_internally_consistent(sandbox: SandboxServer) -> None:
    for r in sandbox.truth():
        assert r["end_time"] > r["start_time"]
        assert r["date"] == r["start_time"][:10]
        assert len(r["to"]) == 10 and r["to"].isdigit() and r["to"][0] in "6789"
        assert r["from"].startswith("+91")
        if r["disposition"] == "Promise to Pay":
            assert set(r["extracted_data"]) == {"promised_amount", "promised_date"}
            assert r["extracted_data"]["promised_amount"] > 0
            assert r["extracted_data"]["promised_date"] > r["date"]
        else:
            assert r["extracted_data"] == {}
        if r["type"] == "call":
            span = _seconds(r["end_time"]) - _seconds(r["start_time"])
            assert 0 <= r["duration"] <= span
            if r["status"] == "Failed":
                assert r["duration"] == 0 and r["recording_id"] is None
            if r["status"] == "Completed":
                assert r["duration"] > 0
        assert r["summary"]


def test_total_pages_is_the_ceiling(sandbox: SandboxServer, http: requests.Session) -> None:
    for params in ({"type": "whatsapp"}, {"status": "Failed"}, {"disposition": "Dispute"}):
        p = get(sandbox, http, **params).json()["pagination"]
        assert p["total_pages"] == math.ceil(p["total"] / 10)


def _seconds(text: str) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(text).timestamp())
