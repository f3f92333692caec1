"""Helpers the tests share: raw requests to the sandbox, a fast client, and a hand-worked set of logs."""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import numpy as np
import pandas as pd
import requests

import timepay_notebook as tp
from timepay_notebook.sandbox import SandboxServer

LOGS = "/api/v1/logs"


def get(
    srv: SandboxServer,
    session: requests.Session | None = None,
    token: str | None = "default",
    **params: Any,
) -> requests.Response:
    """GET the logs endpoint; `token="default"` sends the sandbox's token, None sends none."""
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {srv.token if token == 'default' else token}"
    return (session or requests).get(f"{srv.url}{LOGS}", params=params, headers=headers, timeout=10)


def all_pages(srv: SandboxServer, session: requests.Session, **params: Any) -> list[dict[str, Any]]:
    """Every record for `params`, fetched page by page until `has_next` is false."""
    records: list[dict[str, Any]] = []
    page = 1
    while True:
        body = get(srv, session, page=page, **params).json()
        records += body["data"]
        if not body["pagination"]["has_next"]:
            return records
        page += 1


@contextmanager
def tiny_server(
    respond: Callable[[BaseHTTPRequestHandler, threading.Event], None],
    connections: list[int] | None = None,
) -> Iterator[str]:
    """A misbehaving HTTP server on 127.0.0.1 for faults the sandbox has no knob for; yields its
    URL. `respond(handler, stopping)` answers each GET (or never does: wait on `stopping`, which
    is set when the block ends). `connections`, if given, gets an item per connection accepted."""
    stopping = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            if connections is not None:
                connections.append(1)

        def do_GET(self) -> None:
            respond(self, stopping)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        stopping.set()
        server.shutdown()
        server.server_close()


def hang(handler: BaseHTTPRequestHandler, stopping: threading.Event) -> None:
    """A server that never answers."""
    stopping.wait(60)


def answer(handler: BaseHTTPRequestHandler, status: int, body: bytes, kind: str) -> None:
    """Send `status` with `body` of content type `kind`."""
    handler.send_response(status)
    handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


# Bad filters and a phrase of the FilterError each must raise.
BAD_FILTERS: list[tuple[dict[str, Any], str]] = [
    ({"dispositon": "Voicemail"}, "did you mean 'disposition'"),
    ({"campaign": "x"}, "did you mean 'campaign_id'"),
    ({"start": "2026-01-01"}, "did you mean 'start_time'"),
    ({"phone_number": "8888889956"}, "unknown filter"),
    ({"page": 2}, "the filters are: type, status"),
    ({"count_only": True}, "unknown filter"),
    ({"on_eror": "warn"}, "did you mean 'on_error'"),
    ({"type": "sms"}, "type must be one of call, whatsapp"),
    ({"type": ["call", "whatsapp"]}, "must be a string, got list"),
    ({"type": 1}, "must be a string, got int"),
    ({"status": ["Failed"]}, "status must be a string, got list"),
    ({"status": "   "}, "status is blank"),
    ({"campaign_id": " c1"}, "leading or trailing spaces"),
    ({"status": "Fai\ud800led"}, "lone surrogate '\\ud800' at position 3"),
    ({"agent_id": "\udcff"}, "lone surrogate"),
    ({"start_time": "2026-01-17\ud800"}, "lone surrogate"),
    ({"status": "Fail\x00ed"}, "control character '\\x00' at position 4"),
    ({"disposition": "Voice\nmail"}, "control character '\\n'"),
    ({"campaign_id": "c\x1b[31m"}, "control character '\\x1b'"),
    ({"agent_id": "a\x85"}, "control character '\\x85'"),
    ({"type": "call\x00"}, "control character"),
    ({"status": "x" * 100_000}, "status is 100,000 characters long (at most 200)"),
    ({"agent_id": "a" * 201}, "at most 200"),
    ({"start_time": "2" * 100_000}, "start_time is 100,000 characters long"),
    ({"phone": "9" * 100_000}, "(100,002 chars)"),
    ({"start_time": "0999-12-31"}, "in the year 999"),
    ({"end_time": dt.date(1, 1, 1)}, "in the year 1 "),
    ({"start_time": dt.datetime(999, 6, 1)}, "years 1000-9999"),
    ({"start_time": np.datetime64("0500-01-01T00:00:00")}, "in the year 500"),
    ({"end_time": np.datetime64("12000-01-01")}, "outside the years 1000-9999"),
    (
        {"end_time": dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC)},
        "out of range in the API's time zone",
    ),
    ({"start_time": "9999-12-31T23:00:00-05:00"}, "out of range"),
    (
        {"start_time": dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=10)))},
        "out of range",
    ),
    (
        {"start_time": dt.datetime(1000, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=6)))},
        "in the year 999",
    ),
    ({"start_time": "9999-12-31T23:59:59.5"}, "out of range"),
    ({"end_time": dt.datetime.min.replace(tzinfo=dt.UTC)}, "in the year 1 "),
    ({"disposition": 3.5}, "disposition must be a string, got float"),
    ({"campaign_id": {"id": "x"}}, "campaign_id must be a string, got dict"),
    ({"agent_id": b"abc"}, "agent_id must be a string, got bytes"),
    ({"phone": 8888889956}, "phone must be a string such as '8888889956'"),
    ({"from_phone": 918035450808}, "from_phone must be a string"),
    ({"phone": True}, "phone must be a string"),
    ({"phone": "88-88-889956"}, "6-15 digits"),
    ({"phone": "call me"}, "6-15 digits"),
    ({"from_phone": "+91 80354 50808"}, "6-15 digits"),
    ({"from_phone": "++918035450808"}, "6-15 digits"),
    ({"phone": "123"}, "6-15 digits"),
    ({"start_time": "yesterday"}, "'yesterday' is not an ISO 8601"),
    ({"start_time": "2026-13-01"}, "'2026-13-01' is not an ISO 8601"),
    ({"end_time": "2026-02-30"}, "'2026-02-30' is not an ISO 8601"),
    ({"end_time": "17/01/2026"}, "'17/01/2026' is not an ISO 8601"),
    ({"start_time": "2026-01-17T25:00:00"}, "is not an ISO 8601"),
    ({"start_time": 1768608000}, "start_time must be an ISO string, a date"),
    ({"end_time": 2026.5}, "end_time must be an ISO string"),
    ({"start_time": ["2026-01-01"]}, "start_time must be an ISO string"),
    ({"start_time": pd.NaT}, "start_time is NaT"),
    ({"end_time": np.datetime64("NaT")}, "end_time is NaT"),
    ({"end_time": float("nan")}, "end_time is missing"),
    ({"start_time": "2026-01-18", "end_time": "2026-01-17"}, "is after end_time"),
    ({"start_time": "2026-01-17T10:00:00", "end_time": "2026-01-17T09:59:59"}, "is after end_time"),
]


def fast_client(
    srv: SandboxServer, *, token: str | None = None, url: str | None = None, **options: Any
) -> tp.TimePayClient:
    """A client of `srv` for tests: no progress bar, no cache, retries 10 ms apart.

    `token` and `url` default to the sandbox's; `options` override the client's settings.
    """
    settings: dict[str, Any] = {"progress": False, "backoff": 0.01, "cache": False}
    return tp.TimePayClient(token or srv.token, url or srv.url, **(settings | options))


def ids(records: Any) -> list[str]:
    """The log ids (call_id, else message_id) of a frame or of a list of records, in order."""
    if isinstance(records, pd.DataFrame):
        return records["call_id"].fillna(records["message_id"]).tolist()
    return [r.get("call_id") or r["message_id"] for r in records]


# Ten hand-worked logs; tests/unit/test_accessor.py's docstring tabulates them and every figure
# the unit tests assert on them was worked out by hand.
SMALL_ROWS = [
    ("call", "A", "L1", "9000000001", "Completed", "Promise to Pay", 120, "2026-01-05T10:15:00"),
    ("call", "A", "L1", "9000000001", "No Contact", "Voicemail", 20, "2026-01-05T11:00:00"),
    ("call", "A", "L2", "9000000002", "No Contact", "No Answer", 0, "2026-01-06T10:30:00"),
    ("call", "A", "L2", "9000000002", "Completed", "Wrong Number", 15, "2026-01-06T18:00:00"),
    ("call", "B", "L3", "9000000003", "Failed", "Network Error", 0, "2026-01-06T18:30:00"),
    ("call", "B", "L3", "9000000003", "Completed", "Dispute", 300, "2026-01-07T10:05:00"),
    (
        "whatsapp",
        "B",
        "L3",
        "9000000003",
        "Completed",
        "Promise to Pay",
        None,
        "2026-01-07T19:00:00",
    ),
    ("whatsapp", "B", "L4", "9000000004", "No Contact", "No Response", None, "2026-01-07T19:00:00"),
    ("whatsapp", "C", "L4", "9000000004", "Failed", "Undelivered", None, "2026-01-08T10:00:00"),
    ("call", "C", "L4", "9000000004", "Completed", "Not Interested", 45, "2026-01-08T10:45:00"),
]
NAMES = {"L1": "Asha Rao", "L2": "Vikram Sethi", "L3": "Meera Iyer", "L4": "Rohan Das"}
EXTRACTED: dict[int, Any] = {
    0: {"promised_amount": 5000, "promised_date": "2026-01-10"},
    6: {"promised_amount": 2500, "promised_date": "2026-01-12"},
    8: None,
}


def small_records() -> list[dict[str, Any]]:
    """The ten hand-worked logs of `SMALL_ROWS` as API records."""
    records = []
    for i, (kind, campaign, loan, to, status, disposition, seconds, start) in enumerate(SMALL_ROWS):
        record: dict[str, Any] = {
            "call_id" if kind == "call" else "message_id": f"id{i}",
            "date": start[:10],
            "start_time": start,
            "end_time": start,
            "campaign_name": f"Campaign {campaign}",
            "campaign_id": campaign,
            "name": NAMES[loan],
            "loan_id": f"LOAN-{loan}",
            "from": "+918035450808",
            "to": to,
            "status": status,
            "disposition": disposition,
            "extracted_data": EXTRACTED.get(i, {}),
            "summary": f"Log {i}.",
            "agent_id": "bot" if kind == "whatsapp" else "agent",
            "type": kind,
        }
        if kind == "call":
            record["duration"] = seconds
        records.append(record)
    return records


CHROMIUM_ARGS = [  # headless Chromium on a machine with no network but loopback
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
