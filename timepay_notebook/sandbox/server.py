"""`SandboxServer`: the logs API contract served over HTTP from a background thread."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import secrets
import socket
import threading
from collections import Counter, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .faults import Drift, FaultInjector, Faults, RateLimiter
from .query import QueryError, parse_request, parse_time, query_from
from .reply import Reply, inject
from .table import PER_PAGE, LogTable, Where

LOGS_PATH = "/api/v1/logs"
DEFAULT_TENANT = "default"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RequestRecord:
    """One request the sandbox received (never the token)."""

    path: str
    params: Mapping[str, str]
    status: int  # 0 when the connection was dropped
    fault: str | None
    tenant: str | None
    at: float  # time.monotonic() when the request arrived


@dataclass(frozen=True)
class Stats:
    """Counters since the server started (or since `reset_stats`)."""

    requests: int
    in_flight: int
    peak_in_flight: int
    by_status: Mapping[int, int]
    pages: Mapping[int, int]  # page -> how many times it was requested (count-only excluded)
    count_only: int
    faults: Mapping[str, int]
    rate_limited: int


class _Counters:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.requests = self.in_flight = self.peak = self.count_only = self.rate_limited = 0
        self.logs_requests = 0
        self.by_status: Counter[int] = Counter()
        self.pages: Counter[int] = Counter()
        self.faults: Counter[str] = Counter()
        self.log: deque[RequestRecord] = deque(maxlen=100_000)


class SandboxServer:
    """A local, seeded implementation of `GET /api/v1/logs` (see the package docstring).

    Args:
        n_logs: logs per tenant.
        seed: seed of the data; the same seed gives the same logs, ids included.
        latency: seconds from a request's arrival to its answer: the answer is made while
            it waits, as by a server far away, whose work does not take the client's cores.
        tokens: token -> tenant name. A sequence of tokens all map to the default tenant;
            None makes one random token. Each tenant has its own data.
        host, port: where to listen; port 0 picks a free port.
        faults: failures to inject (`Faults`).
        drift: logs that arrive while clients read (`Drift`).
        max_in_flight: requests served at once; more are answered 429 at once.
        max_per_second: requests a second (token bucket); more are answered 429.
        always_has_next: a broken server whose pages always say `has_next: true`.
        gzip: answers compressed with gzip when the request accepts it (most servers do).
        chunked: bodies sent in chunked transfer coding instead of with a `Content-Length`.
        start_date: first day of the data (`YYYY-MM-DD`).
        days: how many days the data spans.
    """

    def __init__(
        self,
        n_logs: int = 2450,
        seed: int = 7,
        latency: float = 0.0,
        tokens: Mapping[str, str] | Sequence[str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        faults: Faults | None = None,
        drift: Drift | None = None,
        max_in_flight: int | None = None,
        max_per_second: float | None = None,
        always_has_next: bool = False,
        gzip: bool = False,
        chunked: bool = False,
        start_date: str = "2026-01-01",
        days: int = 90,
    ) -> None:
        if n_logs < 0 or days < 1:
            raise ValueError("n_logs must be >= 0 and days >= 1")
        if isinstance(tokens, str):
            raise TypeError("tokens must be a mapping or a sequence of tokens, not one string")
        if tokens is None:
            tokens = {"sandbox-" + secrets.token_urlsafe(18): DEFAULT_TENANT}
        elif not isinstance(tokens, Mapping):
            tokens = dict.fromkeys(tokens, DEFAULT_TENANT)
        if not tokens:
            raise ValueError("the sandbox needs at least one token")
        self._tokens = dict(tokens)
        self._first_token = next(iter(self._tokens))
        self._first_tenant = self._tokens[self._first_token]
        self._answers_left: dict[str, int] = {}  # tokens revoked after so many more answers
        self._revoke_lock = threading.Lock()
        self.seed = seed
        self.latency = latency
        self.drift = drift
        self.always_has_next = always_has_next
        self.gzip = gzip
        self.chunked = chunked
        self.max_in_flight = max_in_flight
        self._limiter = RateLimiter(max_per_second) if max_per_second else None
        self._faults = FaultInjector(faults or Faults())
        span_start = parse_time("start_date", f"{start_date}T00:00:00")
        self.tables: dict[str, LogTable] = {
            tenant: LogTable(n_logs, _tenant_seed(seed, tenant), span_start, days)
            for tenant in dict.fromkeys(self._tokens.values())
        }
        self._counters = _Counters()
        self._address = (host, port)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        where = self.url if self._httpd else "not serving"
        return f"<SandboxServer {where}, {len(self.tables)} tenant(s)>"

    @property
    def url(self) -> str:
        """Base URL (scheme, host and port; no path) while serving."""
        if self._httpd is None:
            raise RuntimeError("the sandbox is not serving: call start() or use it in a with block")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def token(self) -> str:
        """A token of the default (first) tenant."""
        return self._first_token

    @property
    def tokens(self) -> Mapping[str, str]:
        """Every token and the tenant it maps to."""
        return dict(self._tokens)

    def revoke(self, token: str, *, after: int = 0) -> None:
        """Stop accepting `token`: its requests get 401 from now on, or once `after` more of
        them have been let through (a token revoked mid-pull, at a request the caller picks)."""
        with self._revoke_lock:
            if after > 0:
                self._answers_left[token] = after
                return
            self._answers_left.pop(token, None)
            self._drop(token)

    def _drop(self, token: str) -> None:
        """Refuse `token` from now on (a new mapping: readers never see one half changed)."""
        self._tokens = {t: tenant for t, tenant in self._tokens.items() if t != token}

    @property
    def faults(self) -> Faults:
        return self._faults.plan

    @faults.setter
    def faults(self, plan: Faults | None) -> None:
        self._faults = FaultInjector(plan or Faults())

    def start(self) -> SandboxServer:
        """Listen and serve from a daemon thread until `stop`."""
        if self._httpd is None:
            self._httpd = _HTTPServer(self._address, self)
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, name="timepay-sandbox", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection; `start` serves again (same port)."""
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        httpd.stopping.set()  # ends hung and trickling answers
        httpd.shutdown()
        thread.join()
        httpd.close_connections()
        httpd.server_close()
        self._address = (self._address[0], httpd.server_address[1])
        self._httpd = self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what tests compare with -------------------------------------------------------------

    def table(self, tenant: str | None = None) -> LogTable:
        """The data of `tenant` (default: the first token's tenant)."""
        return self.tables[tenant or self._first_tenant]

    def truth(self, tenant: str | None = None, **filters: str | None) -> list[dict[str, Any]]:
        """The logs the API returns for `filters` (wire values), in served order, every page."""
        return self.table(tenant).records(query_from(filters))

    def count(self, tenant: str | None = None, **filters: str | None) -> int:
        """How many logs match `filters` (what `count_only=true` answers)."""
        return len(self.table(tenant).select(query_from(filters)))

    def add_logs(
        self,
        n: int,
        where: Where = "now",
        tenant: str | None = None,
        *,
        between: tuple[str, str] | None = None,
    ) -> int:
        """Add `n` new logs to `tenant` (default: every tenant): newer than every log (`"now"`),
        anywhere in the data's span (`"random"`), or with `between=(start, end)`
        (`YYYY-MM-DDTHH:MM:SS`, inclusive) at start times in that range (late arrivals)."""
        span = None
        if between is not None:
            span = (parse_time("start", between[0]), parse_time("end", between[1]))
        tables = [self.table(tenant)] if tenant else list(self.tables.values())
        for table in tables:
            table.add(n, where, span)
        return n

    @property
    def stats(self) -> Stats:
        """A snapshot of the request counters."""
        c = self._counters
        with c.lock:
            return Stats(
                c.requests, c.in_flight, c.peak, dict(c.by_status), dict(c.pages),
                c.count_only, dict(c.faults), c.rate_limited,
            )  # fmt: skip

    @property
    def request_log(self) -> list[RequestRecord]:
        """The last 100,000 requests, oldest first."""
        with self._counters.lock:
            return list(self._counters.log)

    def reset_stats(self) -> None:
        """Zero the counters and the request log (requests in flight stay counted)."""
        c = self._counters
        with c.lock:
            in_flight = c.in_flight
            c.__init__()  # type: ignore[misc]
            c.in_flight = in_flight

    # -- serving -------------------------------------------------------------------------------

    def _handle(self, h: _Handler) -> None:
        c = self._counters
        with c.lock:
            c.requests += 1
            c.in_flight += 1
            c.peak = max(c.peak, c.in_flight)
            over = self.max_in_flight is not None and c.in_flight > self.max_in_flight
        accepts_gzip = "gzip" in h.headers.get("Accept-Encoding", "").lower()
        reply = Reply(
            h,
            self._account,
            h.server.stopping,
            gzip=self.gzip and accepts_gzip,
            chunked=self.chunked,
        )
        try:
            self._serve(h, reply, over)
        except Exception:  # pragma: no cover - a bug in the sandbox; still answer in JSON
            logger.exception("sandbox failed on %s", urlsplit(h.path).path)
            reply.json(
                500, {"success": False, "error": "internal_error", "message": "internal error"}
            )
        finally:
            reply.account()  # a dropped connection sent nothing: counted here

    def _account(self, reply: Reply) -> None:
        """Count a finished request (before its response goes out, so a client that has the
        response also sees it in `stats` and `request_log`)."""
        c = self._counters
        with c.lock:
            c.in_flight -= 1
            c.by_status[reply.status] += 1
            c.log.append(
                RequestRecord(
                    reply.path, reply.params, reply.status, reply.fault, reply.tenant, reply.at
                )
            )

    def _serve(self, h: _Handler, reply: Reply, over_limit: bool) -> None:
        c = self._counters
        wait = self._limiter.take() if self._limiter else 0.0
        if over_limit or wait:
            with c.lock:
                c.rate_limited += 1
            return reply.error(
                429, "rate_limited", "too many requests", retry_after=max(1, math.ceil(wait))
            )
        reply.not_before = reply.at + self.latency  # the answer is made meanwhile
        split = urlsplit(h.path)
        reply.path = split.path
        params = parse_qs(split.query, keep_blank_values=True)
        reply.params = {k: v[-1] for k, v in params.items()}
        if split.path.rstrip("/") != LOGS_PATH:
            return reply.error(404, "not_found", f"no such endpoint: {split.path}")

        page_text = reply.params.get("page", "1")
        page = int(page_text) if page_text.isdigit() else 1
        counting = reply.params.get("count_only", "").lower() == "true"
        with c.lock:
            c.logs_requests += 1
            number = c.logs_requests
            if counting:
                c.count_only += 1
            else:
                c.pages[page] += 1
        fault = self._faults.decide(number, None if counting else page)
        if fault:
            with c.lock:
                c.faults[fault] += 1
            reply.fault = fault
            if fault != "trickle":  # a trickle is the normal answer, sent slowly
                return inject(reply, fault, self._faults.plan)
            reply.trickle = self._faults.plan.trickle_interval

        tenant = self._tenant(h.headers.get("Authorization"))
        if tenant is None:
            return reply.error(
                401,
                "unauthorized",
                "missing or invalid bearer token (Authorization: Bearer <token>)",
            )
        reply.tenant = tenant
        if self.drift and number % self.drift.every == 0:
            self.add_logs(self.drift.count, self.drift.where)
        try:
            request = parse_request(params)
        except QueryError as exc:
            return reply.error(400, "bad_request", str(exc))
        table = self.tables[tenant]
        if request.count_only:
            return reply.json(200, {"success": True, "total": len(table.select(request.query))})
        total, data = table.page(request.query, request.page)
        pages = math.ceil(total / PER_PAGE)
        body = {
            "success": True,
            "data": data,
            "pagination": {
                "page": request.page,
                "per_page": PER_PAGE,
                "total": total,
                "total_pages": pages,
                "has_next": self.always_has_next or request.page < pages,
                "has_prev": request.page > 1,
            },
        }
        reply.json(200, body)

    def _tenant(self, authorization: str | None) -> str | None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = token.strip()
        if token in self._answers_left:  # let through, counted, until revoked
            with self._revoke_lock:
                tenant = self._tokens.get(token)
                left = self._answers_left.get(token)
                if left is not None and left > 1:
                    self._answers_left[token] = left - 1
                elif left is not None:  # the last one: refused before the count goes
                    self._drop(token)
                    del self._answers_left[token]
                return tenant
        return self._tokens.get(token)


_MAX_LINE = 65536  # longest header line, and most header lines, as `http.client` allows
_MAX_HEADERS = 100


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "TimePaySandbox/1"
    timeout = 60  # an idle keep-alive connection is closed after this
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms stalls
    server: _HTTPServer
    raw_requestline: bytes  # set by `handle_one_request`

    def do_GET(self) -> None:
        self.server.sandbox._handle(self)

    def parse_request(self) -> bool:
        """`BaseHTTPRequestHandler.parse_request` for a plain `METHOD /path HTTP/1.x`, with
        the headers split by hand rather than by the email parser (the sandbox answers
        thousands of requests a second, on the cores its clients use); any other request line
        as the standard library parses it."""
        words = self.raw_requestline.split()
        if len(words) != 3 or words[2] not in (b"HTTP/1.1", b"HTTP/1.0"):
            return super().parse_request()
        self.requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        command, path, version = (w.decode("iso-8859-1") for w in words)
        self.command, self.request_version = command, version
        self.path = "/" + path.lstrip("/") if path.startswith("//") else path
        headers = self.MessageClass()
        for _ in range(_MAX_HEADERS + 1):
            line = self.rfile.readline(_MAX_LINE + 1)
            if len(line) > _MAX_LINE:
                self.send_error(431, "Line too long")
                return False
            if line in (b"\r\n", b"\n", b""):
                break
            name, colon, value = line.decode("iso-8859-1").partition(":")
            if not colon or name[:1] in (" ", "\t"):
                self.send_error(400, "Bad header line")
                return False
            headers[name] = value.strip()
        else:
            self.send_error(431, "Too many headers")
            return False
        self.headers = headers
        connection = headers.get("Connection", "").lower()
        self.close_connection = version != "HTTP/1.1" or connection == "close"
        if connection == "keep-alive":
            self.close_connection = False
        if version == "HTTP/1.1" and headers.get("Expect", "").lower() == "100-continue":
            return self.handle_expect_100()
        return True

    def _not_allowed(self) -> None:
        Reply(self).error(405, "method_not_allowed", f"{self.command} is not allowed; use GET")

    do_POST = do_PUT = do_DELETE = do_PATCH = _not_allowed  # noqa: N815 - http.server's names

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], sandbox: SandboxServer) -> None:
        self.sandbox = sandbox
        self.stopping = threading.Event()
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._open_lock:
            open_sockets, self._open = self._open, set()
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


def _tenant_seed(seed: int, tenant: str) -> int:
    """The default tenant uses `seed` itself; every other tenant a seed derived from its name."""
    if tenant == DEFAULT_TENANT:
        return seed
    digest = hashlib.blake2b(f"{seed}:{tenant}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1
