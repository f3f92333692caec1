"""GETs on kept-alive connections, each framed by hand: HTTP/1.1 without `http.client`'s CPU.

Sending a GET through urllib3 costs a page more client CPU than everything else a pull does:
`http.client` reads every response's headers with the email parser, and urllib3 validates and
wraps each request and response in several layers. `wire_get` keeps urllib3 for what is
hard and rare (making a connection: DNS, TCP options, TLS, certificate checks, and their
errors, all the pool's own), and does the per-request work itself: it writes the request line
and the headers (formatted once, by `Route`), reads the status line and headers by splitting
bytes, and frames the body by `Content-Length`, chunked transfer coding, or the connection's
close, decoding gzip and deflate. Connections live in the urllib3 pool's own queue, so its size
and its `close` hold for them: one goes back there only when its answer was read to the end and
the server keeps it open, and one the server has closed since is replaced before a GET is sent
on it. As with urllib3 (the adapter retries nothing), a GET whose connection breaks is not sent
again here: the transport retries it.
"""

from __future__ import annotations

import socket
import ssl
import time
from email.message import Message
from http.client import HTTPMessage
from typing import cast

from urllib3 import HTTPConnectionPool, HTTPHeaderDict
from urllib3.connection import HTTPConnection
from urllib3.exceptions import (
    MaxRetryError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)
from urllib3.response import ContentDecoder, DeflateDecoder, GzipDecoder

WIRE_CODINGS = frozenset({"gzip", "x-gzip", "deflate", "identity"})  # codings decoded here
MAX_HEAD = 256 * 1024  # most bytes of a status line and headers
_DECODERS = {"gzip": GzipDecoder, "x-gzip": GzipDecoder, "deflate": DeflateDecoder}


class DeadlineError(Exception):
    """The headers of an answer were still coming when the request's deadline passed."""


def wire_get(
    pool: HTTPConnectionPool,
    target: str,
    head: bytes,
    timeout: tuple[float, float],
    deadline: float | None = None,
) -> WireResponse:
    """Send `GET target` on a connection of `pool` with the header lines `head` (each ending
    in CRLF, `Host` first, a blank line last) and read the answer's status line and headers;
    the body is read by `WireResponse.read1`, and the connection goes back to `pool` when it
    ends (`timeout`: to connect, and between two reads; `deadline`: a `time.monotonic()` after
    which no more header bytes are waited for, checked between reads).

    Raises urllib3's errors, as `HTTPConnectionPool.urlopen` would: `MaxRetryError` for a
    connection that could not be made, `ReadTimeoutError`, `ProtocolError` or `OSError` once
    it was; `DeadlineError` when the headers trickle in past `deadline`."""
    request = b"GET " + target.encode("ascii") + b" HTTP/1.1\r\n" + head
    conn = _connection(pool, target, timeout[0])
    try:
        sock = cast(socket.socket, conn.sock)
        sock.settimeout(timeout[1])
        sock.sendall(request)
        return WireResponse.begin(pool, conn, sock, target, deadline)
    except TimeoutError:
        _discard(pool, conn)
        raise ReadTimeoutError(pool, target, "read timed out") from None
    except BaseException:
        _discard(pool, conn)
        raise


def host_header(pool: HTTPConnectionPool) -> str:
    """The `Host` header `http.client` sends to `pool`'s host (the port only if not the
    scheme's default, an IPv6 address in brackets)."""
    host = pool.host if ":" not in pool.host else f"[{pool.host}]"
    default = 443 if pool.scheme == "https" else 80
    return host if pool.port in (None, default) else f"{host}:{pool.port}"


def _connection(pool: HTTPConnectionPool, url: str, connect_timeout: float) -> HTTPConnection:
    """A connection of `pool`: an idle one it still holds open, else a new one, connected
    with the pool's TLS and socket settings."""
    conn = cast(HTTPConnection, pool._get_conn())  # closes an idle one the server dropped
    if conn.sock is not None:
        return conn
    conn.timeout = connect_timeout
    try:
        conn.connect()
    except (ssl.SSLError, ssl.CertificateError) as error:
        _discard(pool, conn)
        raise MaxRetryError(pool, url, SSLError(error)) from error
    except Exception as error:
        _discard(pool, conn)
        raise MaxRetryError(pool, url, error) from error
    return conn


def _discard(pool: HTTPConnectionPool, conn: HTTPConnection) -> None:
    """Close `conn` and give its place in `pool` back (as urllib3 does with a failed one)."""
    conn.close()
    pool._put_conn(None)


class WireResponse:
    """An answer read off a connection by `wire_get`, with what `requests.Response.raw` and the
    response cache read of urllib3's: status, reason, version, headers, `read1`, `close`."""

    decode_content = False

    def __init__(self, pool: HTTPConnectionPool, conn: HTTPConnection, sock: socket.socket) -> None:
        self._pool = pool
        self._conn: HTTPConnection | None = conn
        self._sock = sock
        self._buffer = b""
        self.status = 0
        self.reason = ""
        self.version = 11
        self._fields: list[tuple[str, str]] = []
        self.fields: dict[str, str] = {}  # lower-case name -> value (repeats joined by ", ")
        self.named: dict[str, str] = {}  # the same, each name as the server wrote it first
        self._headers: HTTPHeaderDict | None = None
        self._request_url = ""
        self.length_remaining: int | None = None  # body bytes still to come (None: unknown)
        self._chunked = False
        self._chunk_left = 0
        self._until_close = False
        self._reusable = True
        self._done = False
        self._decoder: ContentDecoder | None = None

    @classmethod
    def begin(
        cls,
        pool: HTTPConnectionPool,
        conn: HTTPConnection,
        sock: socket.socket,
        url: str,
        deadline: float | None = None,
    ) -> WireResponse:
        """Read the status line and headers (skipping `1xx` interim answers)."""
        self = cls(pool, conn, sock)
        self._request_url = url
        while True:
            head = self._head(deadline)
            lines = head.decode("iso-8859-1").split("\r\n")
            version, _, rest = lines[0].partition(" ")
            code, _, reason = rest.partition(" ")
            if version not in ("HTTP/1.1", "HTTP/1.0") or len(code) != 3 or not code.isdigit():
                raise ProtocolError(f"not an HTTP/1.x status line: {lines[0][:80]!r}")
            if not code.startswith("1"):
                break
        self.status, self.reason = int(code), reason.strip()
        self.version = 11 if version == "HTTP/1.1" else 10
        fields = self._fields
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and fields:  # an obsolete folded continuation
                name, value = fields[-1]
                fields[-1] = (name, f"{value} {line.strip()}")
                continue
            name, colon, value = line.partition(":")
            if not colon:
                raise ProtocolError(f"a header line without a colon: {line[:80]!r}")
            fields.append((name.strip(), value.strip()))
        joined, named = self.fields, self.named
        for name, value in fields:
            key = name.lower()
            if key in joined:
                value = f"{joined[key]}, {value}"
                name = next(n for n in named if n.lower() == key)
            joined[key] = named[name] = value
        headers = joined
        connection = headers.get("connection", "").lower()
        self._reusable = "close" not in connection and (
            self.version == 11 or "keep-alive" in connection
        )
        self._frame(headers)
        coding = headers.get("content-encoding", "").strip().lower()
        if coding and coding != "identity":
            decoder = _DECODERS.get(coding)
            if decoder is None:
                raise ProtocolError(f"an answer in a coding that was not asked for: {coding}")
            self._decoder = decoder()
        if self._done:
            self._finish()
        return self

    def _head(self, deadline: float | None) -> bytes:
        """Bytes up to the blank line that ends the headers (the rest stays buffered)."""
        buffer = self._buffer
        while True:
            if deadline is not None and time.monotonic() > deadline:
                raise DeadlineError
            end = buffer.find(b"\r\n\r\n")
            if end >= 0:
                self._buffer = buffer[end + 4 :]
                return buffer[:end]
            if len(buffer) > MAX_HEAD:
                raise ProtocolError(f"the answer's headers are over {MAX_HEAD:,} bytes")
            received = self._sock.recv(65536)
            if not received:
                raise ProtocolError("the connection was closed before an answer came")
            buffer += received

    def _frame(self, headers: dict[str, str]) -> None:
        """How the body ends: no body, chunked, `Content-Length`, or the connection's close."""
        if self.status in (204, 304):
            self.length_remaining, self._done = 0, True
            return
        coding = headers.get("transfer-encoding", "").lower()
        if coding:
            if coding.rsplit(",", 1)[-1].strip() != "chunked":
                raise ProtocolError(f"a transfer coding that can't be read: {coding}")
            self._chunked = True
            return
        length = headers.get("content-length")
        if length is None:
            self._until_close, self._reusable = True, False
            return
        values = {v.strip() for v in length.split(",")}
        if len(values) != 1 or not next(iter(values)).isdigit():
            raise ProtocolError(f"an unreadable Content-Length: {length[:40]!r}")
        self.length_remaining = int(next(iter(values)))
        self._done = self.length_remaining == 0

    def read1(self, amt: int = 65536, decode_content: bool | None = None) -> bytes:
        """The next bytes of the body, decoded (at most about `amt` before decoding); `b""` at
        its end. Raises `ReadTimeoutError` when the server is silent for the read timeout,
        `ProtocolError` when the connection ends before the body does."""
        while not self._done:
            data = self._raw(amt)
            if self._decoder is None:
                return data
            decoded = self._decoder.decompress(data)
            if self.ended:
                decoded += self._decoder.flush()
            if decoded:
                return decoded
        return b""

    def _raw(self, amt: int) -> bytes:
        """The next undecoded bytes of the body (one `recv` at most)."""
        if self._chunked:
            return self._chunk(amt)
        if self._until_close:
            data = self._take(amt, eof_ok=True)
            if not data:
                self._done = True
                self._finish()
            return data
        remaining = cast(int, self.length_remaining)
        data = self._take(min(amt, remaining), eof_ok=False)
        self.length_remaining = remaining = remaining - len(data)
        if remaining == 0:
            self._done = True
            self._finish()
        return data

    def _chunk(self, amt: int) -> bytes:
        """The next bytes of a chunked body."""
        if self._chunk_left == 0:
            line = self._line()
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise ProtocolError(f"an unreadable chunk size: {size_text[:20]!r}") from None
            if size == 0:
                while self._line():  # trailer fields, up to the blank line
                    pass
                self._done = True
                self._finish()
                return b""
            self._chunk_left = size
        data = self._take(min(amt, self._chunk_left), eof_ok=False)
        self._chunk_left -= len(data)
        if self._chunk_left == 0:
            self._line()  # the CRLF after the chunk's data
        return data

    def _line(self) -> bytes:
        """The next CRLF-ended line of the chunked framing (without the CRLF)."""
        while True:
            end = self._buffer.find(b"\r\n")
            if end >= 0:
                line, self._buffer = self._buffer[:end], self._buffer[end + 2 :]
                return line
            if len(self._buffer) > MAX_HEAD:
                raise ProtocolError("a chunk-size line too long")
            self._fill()

    def _take(self, amt: int, *, eof_ok: bool) -> bytes:
        """Up to `amt` bytes: the buffered ones first, else one `recv`."""
        if not self._buffer:
            if eof_ok:
                return self._recv(amt)
            self._fill()
        data, self._buffer = self._buffer[:amt], self._buffer[amt:]
        return data

    def _fill(self) -> None:
        received = self._recv(65536)
        if not received:
            self._reusable = False
            raise ProtocolError("the connection was closed before the whole answer came")
        self._buffer += received

    def _recv(self, amt: int) -> bytes:
        try:
            return self._sock.recv(max(amt, 1))
        except TimeoutError:
            self._reusable = False
            raise ReadTimeoutError(self._pool, self._request_url, "read timed out") from None

    def _finish(self) -> None:
        """The body ended: the connection goes back to the pool if it can be used again."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        if self._reusable and not self._buffer:
            self._pool._put_conn(conn)
        else:
            _discard(self._pool, conn)

    def close(self) -> None:
        """Stop reading: a connection whose answer did not end is closed, not reused."""
        conn, self._conn = self._conn, None
        if conn is not None:
            _discard(self._pool, conn)

    @property
    def headers(self) -> HTTPHeaderDict:
        """The headers as urllib3 gives them (made when first asked for: the response cache
        asks)."""
        if self._headers is None:
            self._headers = HTTPHeaderDict(self._fields)
        return self._headers

    @property
    def ended(self) -> bool:
        """Whether the whole body has been read."""
        return self._done

    @property
    def _original_response(self) -> WireResponse:
        """For `requests.cookies.extract_cookies_to_jar`, which reads `.msg` of this."""
        return self

    @property
    def msg(self) -> Message:
        """The headers as `http.client` would give them (for the cookie jar)."""
        message = HTTPMessage()
        for name, value in self._fields:
            message[name] = value
        return message
