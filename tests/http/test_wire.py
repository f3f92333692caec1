"""`wire`: GETs framed by hand on the pool's kept-alive connections, over real sockets.

Each answer shape a server may send (gzip, chunked, neither length nor chunks, an interim
`1xx`, HTTP/1.0, `Connection: close`, a kept-alive connection closed under the client) loads
the same frame as the plain one, on as few connections as the pull needs."""

from __future__ import annotations

import gzip
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pandas as pd
import pytest
import requests
import trustme
from requests.adapters import HTTPAdapter

import timepay_notebook as tp
from tests.helpers import tiny_server
from timepay_notebook.sandbox import SandboxServer
from timepay_notebook.wire import WireResponse

TOKEN = "wire-token"


def _load(url: str, **options: Any) -> pd.DataFrame:
    options = {"cache": False, "progress": False, "retries": 0, **options}
    with tp.TimePayClient(TOKEN, url, **options) as client:
        return client.load_logs()


@pytest.fixture(scope="module")
def plain() -> Iterator[tuple[SandboxServer, pd.DataFrame]]:
    with SandboxServer(95, tokens=[TOKEN]) as server:
        yield server, _load(server.url, max_workers=3)


@pytest.mark.parametrize(
    "framing", [{"gzip": True}, {"chunked": True}, {"gzip": True, "chunked": True}]
)
def test_gzip_and_chunked_answers_load_the_same_frame(
    plain: tuple[SandboxServer, pd.DataFrame], framing: dict[str, bool]
) -> None:
    _, expected = plain
    with SandboxServer(95, tokens=[TOKEN], **framing) as server:
        frame = _load(server.url, max_workers=3)
        assert server.stats.requests == 10  # 10 pages, not one sent twice
    pd.testing.assert_frame_equal(frame, expected)


def test_a_gzipped_answer_is_cached_decoded(
    plain: tuple[SandboxServer, pd.DataFrame], tmp_path: Any
) -> None:
    _, expected = plain
    with SandboxServer(95, tokens=[TOKEN], gzip=True) as server:
        first = _load(server.url, cache=tmp_path / "http.sqlite", max_workers=2)
        again = _load(server.url, cache=tmp_path / "http.sqlite", max_workers=2)
    assert again.attrs["pages_from_cache"] == 10
    pd.testing.assert_frame_equal(first, expected)
    pd.testing.assert_frame_equal(again, expected, check_flags=False)


@contextmanager
def counting_server(
    respond: Callable[[BaseHTTPRequestHandler, bytes], None],
) -> Iterator[tuple[str, list[int]]]:
    """A server answering every GET with one page of 5 logs (`respond(handler, body)` writes
    it); yields its URL and a list that gets one item per connection accepted."""
    connections: list[int] = []
    records = [{"call_id": f"c{i}", "status": "Completed"} for i in range(5)]
    body = json.dumps(
        {
            "success": True,
            "total": 5,  # as a count-only answer has it
            "data": records,
            "pagination": {"page": 1, "total": 5, "total_pages": 1, "has_next": False},
        }
    ).encode()
    with tiny_server(lambda handler, _: respond(handler, body), connections) as url:
        yield url, connections


def _counts(url: str, times: int) -> list[int]:
    with tp.TimePayClient(TOKEN, url, cache=False, progress=False, retries=0) as client:
        return [client.count_logs() for _ in range(times)]


def _headers(h: BaseHTTPRequestHandler, status: int, fields: dict[str, str]) -> None:
    h.send_response(status)
    for name, value in fields.items():
        h.send_header(name, value)
    h.end_headers()


def test_kept_alive_answers_share_one_connection() -> None:
    def respond(h: BaseHTTPRequestHandler, body: bytes) -> None:
        _headers(h, 200, {"Content-Length": str(len(body))})
        h.wfile.write(body)

    with counting_server(respond) as (url, connections):
        assert _counts(url, 6) == [5] * 6
    assert len(connections) == 1


@pytest.mark.parametrize("how", ["connection-close", "http-1.0", "until-close"])
def test_answers_that_end_the_connection_are_read_whole_and_not_reused(how: str) -> None:
    def respond(h: BaseHTTPRequestHandler, body: bytes) -> None:
        if how == "http-1.0":
            h.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
        elif how == "until-close":  # neither a length nor chunks: the body ends with the socket
            h.wfile.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body)
        else:
            _headers(h, 200, {"Content-Length": str(len(body)), "Connection": "close"})
            h.wfile.write(body)
        h.close_connection = True

    with counting_server(respond) as (url, connections):
        assert _counts(url, 3) == [5] * 3
    assert len(connections) == 3


def test_a_kept_alive_connection_the_server_closed_is_replaced() -> None:
    """The server closes each connection after its answer without saying so: the next GET,
    sent a moment later, finds its idle connection closed and goes on a new one (none fails,
    with no retries)."""

    def respond(h: BaseHTTPRequestHandler, body: bytes) -> None:
        _headers(h, 200, {"Content-Length": str(len(body))})
        h.wfile.write(body)
        h.close_connection = True

    with counting_server(respond) as (url, connections):
        with tp.TimePayClient(TOKEN, url, cache=False, progress=False, retries=0) as client:
            for _ in range(5):
                assert client.count_logs() == 5
                time.sleep(0.05)  # the server's close reaches the client
    assert len(connections) == 5


def test_an_interim_answer_is_skipped() -> None:
    def respond(h: BaseHTTPRequestHandler, body: bytes) -> None:
        h.wfile.write(b"HTTP/1.1 103 Early Hints\r\nLink: </x>; rel=preload\r\n\r\n")
        _headers(h, 200, {"Content-Length": str(len(body))})
        h.wfile.write(body)

    with counting_server(respond) as (url, connections):
        assert _counts(url, 2) == [5, 5]
    assert len(connections) == 1


def test_a_gzipped_chunked_body_split_anywhere_is_decoded() -> None:
    def respond(h: BaseHTTPRequestHandler, body: bytes) -> None:
        packed = gzip.compress(body)
        _headers(h, 200, {"Transfer-Encoding": "chunked", "Content-Encoding": "gzip"})
        for i in range(0, len(packed), 7):  # many small chunks, one with an extension
            piece = packed[i : i + 7]
            h.wfile.write(b"%x;ext=1\r\n%s\r\n" % (len(piece), piece))
            h.wfile.flush()
        h.wfile.write(b"0\r\nX-Trailer: 1\r\n\r\n")

    with counting_server(respond) as (url, connections):
        assert _counts(url, 3) == [5] * 3
    assert len(connections) == 1


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTQ/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
        b'HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n{"success": true',
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nContent-Length: 2\r\n\r\n{}",
    ],
    ids=["status-line", "short-body", "header-line", "coding"],
)
def test_a_broken_answer_is_a_network_error(reply: bytes) -> None:
    def respond(h: BaseHTTPRequestHandler, body: bytes) -> None:
        h.wfile.write(reply)
        h.close_connection = True

    with counting_server(respond) as (url, _), pytest.raises(tp.NetworkError) as caught:
        _counts(url, 1)
    assert TOKEN not in str(caught.value)


def test_cookies_the_server_sets_go_into_the_session() -> None:
    def respond(h: BaseHTTPRequestHandler, body: bytes) -> None:
        _headers(h, 200, {"Content-Length": str(len(body)), "Set-Cookie": "sticky=abc; Path=/"})
        h.wfile.write(body)

    session = requests.Session()
    with counting_server(respond) as (url, _):
        with tp.TimePayClient(TOKEN, url, session=session, cache=False, progress=False) as c:
            assert c.count_logs() == 5
    assert session.cookies.get("sticky") == "abc"


@pytest.mark.parametrize("change", ["retries", "brotli"])
def test_a_session_wire_would_not_honour_is_sent_by_urllib3(
    plain: tuple[SandboxServer, pd.DataFrame], change: str
) -> None:
    """An adapter that retries by itself, or a coding `wire` can't decode, keeps the pool's
    own `urlopen` (whose answers are urllib3's `HTTPResponse`s)."""
    server, _ = plain
    session = requests.Session()
    if change == "retries":
        session.mount("http://", HTTPAdapter(max_retries=2))
    else:
        session.headers["Accept-Encoding"] = "gzip, br"
    with tp.TimePayClient(TOKEN, server.url, session=session, cache=False) as client:
        route = client._transport._route
        assert route is not None
        response = route.send({"count_only": "true"}, (5.0, 5.0))
        assert not isinstance(response.raw, WireResponse)
        assert response.json()["total"] == 95


def test_a_plain_session_is_sent_by_wire(plain: tuple[SandboxServer, pd.DataFrame]) -> None:
    server, _ = plain
    with tp.TimePayClient(TOKEN, server.url, cache=False) as client:
        route = client._transport._route
        assert route is not None
        response = route.send({"count_only": "true"}, (5.0, 5.0))
        assert isinstance(response.raw, WireResponse)
        assert json.loads(response.raw.read1(1 << 16)) == {"success": True, "total": 95}


def test_repeated_headers_are_joined_and_every_cookie_kept() -> None:
    def respond(h: BaseHTTPRequestHandler, body: bytes) -> None:
        h.send_response(200)
        for name, value in [
            ("Content-Length", str(len(body))),
            ("X-Trace", "a"),
            ("x-trace", "b"),
            ("Set-Cookie", "one=1; Path=/"),
            ("Set-Cookie", "two=2; Path=/"),
        ]:
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(body)

    session = requests.Session()
    with counting_server(respond) as (url, _):
        with tp.TimePayClient(TOKEN, url, session=session, cache=False) as client:
            route = client._transport._route
            assert route is not None
            with route.send({"count_only": "true"}, (5.0, 5.0)) as response:
                assert isinstance(response.raw, WireResponse)
                assert response.headers["X-TRACE"] == "a, b"
                assert "X-Trace" in dict(response.headers)  # named as the server first wrote it
                cookies = response.raw.headers.getlist("Set-Cookie")
                assert cookies == ["one=1; Path=/", "two=2; Path=/"]
    assert (session.cookies.get("one"), session.cookies.get("two")) == ("1", "2")


def test_https_answers_are_framed_by_wire_on_verified_tls(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over TLS, urllib3 makes the connection (the session's CA bundle verifies the server)
    and `wire` frames each GET on it; a server the bundle does not trust is refused. (As for
    `session.get`, a `REQUESTS_CA_BUNDLE` in the environment would win over `session.verify`.)"""
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)

    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    body = json.dumps({"success": True, "total": 7}).encode()
    connections: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            connections.append(1)
            super().setup()

        def do_GET(self) -> None:
            _headers(self, 200, {"Content-Length": str(len(body))})
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class TLSServer(ThreadingHTTPServer):
        daemon_threads = True

        def get_request(self) -> tuple[socket.socket, Any]:
            sock, address = super().get_request()
            return context.wrap_socket(sock, server_side=True), address

    server = TLSServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}"
    try:
        session = requests.Session()
        session.verify = str(bundle)
        with tp.TimePayClient(TOKEN, url, session=session, cache=False, retries=0) as client:
            assert [client.count_logs() for _ in range(4)] == [7] * 4
            route = client._transport._route
            assert route is not None
            with route.send({"count_only": "true"}, (5.0, 5.0)) as response:
                assert isinstance(response.raw, WireResponse)
                assert json.loads(response.raw.read1(1 << 16))["total"] == 7
        assert len(connections) == 1  # one TLS connection, kept alive for every GET
        untrusting = requests.Session()
        untrusting.verify = str(tmp_path / "other.pem")
        trustme.CA().cert_pem.write_to_path(str(tmp_path / "other.pem"))
        with (
            tp.TimePayClient(TOKEN, url, session=untrusting, cache=False, retries=0) as client,
            pytest.raises(tp.NetworkError, match="the TLS handshake failed"),
        ):
            client.count_logs()
    finally:
        server.shutdown()
        server.server_close()
