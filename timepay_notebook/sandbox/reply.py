"""Writing one answer of the sandbox: JSON, raw bytes, a trickled body, and injected faults."""

from __future__ import annotations

import contextlib
import json
import math
import socket
import threading
import time
from collections.abc import Callable, Mapping
from email.utils import formatdate
from gzip import compress as gzip_compress
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from .faults import Faults

HTML_502 = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    b"</h1></center><hr><center>nginx</center></body></html>\n"
)


class Reply:
    """Writes one response and remembers what was sent, for the stats.

    Args:
        h: the request's handler.
        on_done: called once, with this reply, when the request is finished (before the body
            goes out, or when nothing could be sent).
        stopping: set when the server stops; ends a hang or a trickle early.
        gzip: compress the body (`Content-Encoding: gzip`), as most servers do when asked.
        chunked: send the body in chunked transfer coding (4 KiB chunks), not by length.
    """

    def __init__(
        self,
        h: BaseHTTPRequestHandler,
        on_done: Callable[[Reply], None] | None = None,
        stopping: threading.Event | None = None,
        *,
        gzip: bool = False,
        chunked: bool = False,
    ) -> None:
        self.h = h
        self.gzip = gzip
        self.chunked = chunked
        self._on_done: Callable[[Reply], None] | None = on_done
        self.stopping = stopping or threading.Event()
        self.status = 0
        self.path = urlsplit(h.path).path
        self.params: dict[str, str] = {}
        self.fault: str | None = None
        self.tenant: str | None = None
        self.at = time.monotonic()
        self.not_before = 0.0  # no answer goes out before this (`time.monotonic()`)
        self.trickle = 0.0  # seconds between body bytes; 0 sends the body at once

    def json(self, status: int, body: Mapping[str, Any], headers: Mapping[str, str] = {}) -> None:
        self.raw(status, "application/json", json.dumps(body, ensure_ascii=False).encode(), headers)

    def error(
        self, status: int, code: str, message: str, retry_after: float | str | None = None
    ) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.json(status, {"success": False, "error": code, "message": message}, headers)

    def raw(
        self, status: int, content_type: str, body: bytes, headers: Mapping[str, str] = {}
    ) -> None:
        self.status = status
        h = self.h
        if self.gzip:  # made while the request waits, as the rest of the answer
            body = gzip_compress(body, compresslevel=5)
        if not self.waited():
            return self.drop()
        h.send_response(status)
        h.send_header("Content-Type", f"{content_type}; charset=utf-8")
        if self.gzip:
            h.send_header("Content-Encoding", "gzip")
        chunked = self.chunked and not self.trickle
        if chunked:
            h.send_header("Transfer-Encoding", "chunked")
        else:
            h.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            h.send_header(name, value)
        self.account()
        h.end_headers()
        if chunked:
            step = 4096
            pieces = [body[i : i + step] for i in range(0, len(body), step)]
            h.wfile.write(b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n")
            return
        if not self.trickle:
            h.wfile.write(body)
            return
        with contextlib.suppress(OSError):  # the client may give up half way
            for i in range(len(body)):  # a byte at a time; ends early when the server stops
                if i and self.stopping.wait(self.trickle):
                    return self.drop()
                h.wfile.write(body[i : i + 1])

    def account(self) -> None:
        """Report this request to the stats, once."""
        on_done, self._on_done = self._on_done, None
        if on_done is not None:
            on_done(self)

    def waited(self) -> bool:
        """Wait until `not_before` (the latency: the answer goes out no sooner); False if the
        server stops meanwhile."""
        wait = self.not_before - time.monotonic()
        return not (wait > 0 and self.stopping.wait(wait))

    def drop(self) -> None:
        self.h.close_connection = True
        with contextlib.suppress(OSError):
            self.h.connection.shutdown(socket.SHUT_RDWR)

    def hang(self) -> None:
        """Answer nothing until the server stops, then close the connection."""
        self.stopping.wait()
        self.drop()


def inject(reply: Reply, fault: str, plan: Faults) -> None:
    """Answer with `fault` (one of `FAULT_KINDS` except ``trickle``, which changes how the
    normal answer is sent)."""
    if fault == "429":
        after: float | str = max(0, math.ceil(plan.retry_after))
        if plan.retry_after_date:
            after = formatdate(time.time() + plan.retry_after, usegmt=True)
        reply.error(429, "rate_limited", "too many requests", retry_after=after)
    elif fault in ("500", "502", "503"):
        reply.error(int(fault), "server_error", f"injected {fault}")
    elif fault == "html":
        reply.raw(502, "text/html", HTML_502)
    elif fault == "truncated":
        body = json.dumps({"success": True, "data": [{"call_id": "x" * 40}] * 10}).encode()
        reply.raw(200, "application/json", body[: len(body) // 2])
    elif fault == "drop":
        reply.waited()  # dropped after the latency, as any answer
        reply.drop()
    elif fault == "unsuccessful":
        reply.json(200, {"success": False, "error": "upstream", "message": "injected failure"})
    elif fault in ("echo_401", "echo_500"):
        _echo(reply, 401 if fault == "echo_401" else 500)
    elif fault == "hang":
        reply.hang()
    else:  # pragma: no cover - Faults validates the kinds
        raise ValueError(f"no way to inject {fault!r}")


def _echo(reply: Reply, status: int) -> None:
    """An error that quotes the whole request back, token included."""
    h = reply.h
    headers = dict(h.headers.items())
    quoted = "; ".join(f"{name}: {value}" for name, value in headers.items())
    what = "token not accepted" if status == 401 else "internal error"
    body = {
        "success": False,
        "error": "unauthorized" if status == 401 else "server_error",
        "message": f"{what} for request {h.requestline!r} with headers {quoted}",
        "request": {"method": h.command, "path": h.path, "headers": headers},
    }
    reply.json(status, body)
