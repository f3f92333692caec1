"""The sandbox's own reading of a request's head (`_Handler.parse_request`), over raw sockets:
limits, malformed header lines, `Expect: 100-continue`, keep-alive and close."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from timepay_notebook.sandbox import SandboxServer


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(n_logs=30, seed=5) as srv:
        yield srv


def connect(srv: SandboxServer) -> socket.socket:
    where = urlsplit(srv.url)
    assert where.hostname is not None and where.port is not None
    return socket.create_connection((where.hostname, where.port), timeout=5)


def head(srv: SandboxServer, *lines: str, version: str = "HTTP/1.1", path: str = "") -> bytes:
    """A GET of the logs endpoint with the token and `lines` as further header lines."""
    target = path or "/api/v1/logs?page=1"
    fields = ["Host: sandbox", f"Authorization: Bearer {srv.token}", *lines]
    return (f"GET {target} {version}\r\n" + "".join(f"{f}\r\n" for f in fields) + "\r\n").encode()


def read_all(conn: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def read_response(conn: socket.socket) -> tuple[bytes, bytes]:
    """One response with a Content-Length: (its head, its body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    top, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in top.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += conn.recv(65536)
    return top, body


def status(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


@pytest.mark.parametrize(
    ("lines", "code", "reason"),
    [
        (["X-Long: " + "a" * 70_000], 431, b"Line too long"),
        ([f"X-Many-{i}: {i}" for i in range(101)], 431, b"Too many headers"),
        (["no colon on this line"], 400, b"Bad header line"),
        ([" folded: onto the line before"], 400, b"Bad header line"),
    ],
    ids=["line-too-long", "too-many-headers", "no-colon", "folded-line"],
)
def test_a_malformed_head_is_refused_and_the_connection_closed(
    sandbox: SandboxServer, lines: list[str], code: int, reason: bytes
) -> None:
    with connect(sandbox) as conn:
        conn.sendall(head(sandbox, *lines))
        response = read_all(conn)  # returns: the server closed the connection
    assert status(response) == code and reason in response.split(b"\r\n", 1)[0]


def test_a_hundred_headers_are_still_read(sandbox: SandboxServer) -> None:
    lines = [f"X-Many-{i}: {i}" for i in range(97)]  # with Host, Authorization, Connection: 100
    with connect(sandbox) as conn:
        conn.sendall(head(sandbox, *lines, "Connection: close"))
        assert status(read_all(conn)) == 200


def test_expect_100_continue_gets_a_100_then_the_answer(sandbox: SandboxServer) -> None:
    with connect(sandbox) as conn:
        conn.sendall(head(sandbox, "Expect: 100-continue", "Connection: close"))
        response = read_all(conn)
    interim, _, final = response.partition(b"\r\n\r\n")
    assert status(interim) == 100 and status(final) == 200
    assert json.loads(final.partition(b"\r\n\r\n")[2])["success"] is True


def test_http_1_1_keeps_the_connection_open(sandbox: SandboxServer) -> None:
    with connect(sandbox) as conn:
        for page in (1, 2):  # two answers on one connection
            conn.sendall(head(sandbox, path=f"/api/v1/logs?page={page}"))
            top, body = read_response(conn)
            assert status(top) == 200 and json.loads(body)["pagination"]["page"] == page
        conn.settimeout(0.3)
        with pytest.raises(TimeoutError):
            conn.recv(1)  # still open, waiting for a third request


@pytest.mark.parametrize(
    ("version", "lines"),
    [("HTTP/1.0", ()), ("HTTP/1.1", ("Connection: close",))],
    ids=["http-1.0", "connection-close"],
)
def test_http_1_0_or_connection_close_ends_the_connection(
    sandbox: SandboxServer, version: str, lines: tuple[str, ...]
) -> None:
    with connect(sandbox) as conn:
        conn.sendall(head(sandbox, *lines, version=version))
        response = read_all(conn)  # returns: the server closed the connection after answering
    assert status(response) == 200


def test_a_doubled_leading_slash_is_the_same_path(sandbox: SandboxServer) -> None:
    with connect(sandbox) as conn:
        conn.sendall(head(sandbox, "Connection: close", path="//api/v1/logs?page=1"))
        assert status(read_all(conn)) == 200
