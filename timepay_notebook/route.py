"""Sending a GET to one endpoint as `session.get` would, with the per-request work done once.

`requests.Session.get` prepares a whole request (merging headers, cookies, auth and hooks) and
scans the environment for proxy and CA settings on every call, which costs a pull more CPU than
the HTTP itself. A `Route` resolves all of that once (at the start of each load) and hands each
request to the session's own adapter, with the same headers, proxies, TLS verification and
client certificate the session would have used: the caller's session is still the one that
sends. It is only taken for a plain `requests.Session` whose adapter for the URL is a plain
`HTTPAdapter`, with no session cookies, params or hooks; any other session is sent through
`session.get` as given (see `Route.resolve`). Unproxied, a GET is framed by `wire.wire_get` on
the pool's own connections when the session's adapter retries nothing itself and its
`Accept-Encoding` asks only for codings `wire` decodes (requests' default does).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast
from urllib.parse import quote_plus, urlencode

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar, extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers, select_proxy
from urllib3 import HTTPConnectionPool, exceptions
from urllib3.util import Timeout

from .wire import WIRE_CODINGS, WireResponse, host_header, wire_get


def query_url(prefix: str, params: Mapping[str, str]) -> str:
    """The URL requests would send for `prefix` (an already prepared URL without a query) and
    `params`, without preparing a request: `urlencode` quotes every character requests would
    requote, so this is the same string."""
    return f"{prefix}?{encoded(params)}" if params else prefix


def encoded(params: Mapping[str, str]) -> str:
    """`urlencode(params)` in order, the pairs before a last `page` encoded once for all the
    pages of a pull (a window's times, a phone number: quoting them is most of the cost)."""
    items = tuple(params.items())
    if items and items[-1][0] == "page":
        page = f"page={quote_plus(items[-1][1])}"
        return f"{_encoded(items[:-1])}&{page}" if len(items) > 1 else page
    return _encoded(items)


@lru_cache(maxsize=64)
def _encoded(items: tuple[tuple[str, str], ...]) -> str:
    return urlencode(items)


def prepared_url(url: str) -> str:
    """`url` as requests prepares it (host in IDNA, path quoted)."""
    request = requests.PreparedRequest()
    request.prepare_url(url, None)
    return str(request.url)


@dataclass
class Route:
    """A session's settings for one endpoint, resolved once; `send` sends one GET with them.

    Without a proxy for the endpoint, a GET goes straight to the connection pool of the
    session's adapter (`urlopen` as `HTTPAdapter.send` calls it, its errors turned into the
    same `requests` exceptions); through a proxy, it goes through `HTTPAdapter.send`.
    """

    session: requests.Session
    adapter: HTTPAdapter
    headers: CaseInsensitiveDict[str] = field(repr=False)  # with the Authorization header
    settings: dict[str, Any]  # proxies, verify, cert, as `merge_environment_settings` gave them
    prefix: str  # the endpoint's URL as requests prepares it
    path: str  # its path, sent to the pool
    proxied: bool
    _pool: HTTPConnectionPool | None = None
    _head: bytes | None = field(default=None, repr=False)  # `wire_get`'s header lines

    @classmethod
    def resolve(
        cls, session: requests.Session, url: str, auth: requests.auth.AuthBase
    ) -> Route | None:
        """The route for GETs of `url` with `auth` through `session`, or None when the session
        has anything a direct send would not honour (a subclass such as a `CachedSession`, an
        adapter of the caller's own, cookies, params or hooks): then use `session.get`."""
        if type(session) is not requests.Session:
            return None
        adapter = session.get_adapter(url)
        if type(adapter) is not HTTPAdapter:
            return None
        if session.cookies or session.params or any(session.hooks.values()):
            return None
        template = session.prepare_request(requests.Request("GET", url, auth=auth))
        merged = session.merge_environment_settings(url, {}, True, None, None)
        settings = {
            "proxies": merged["proxies"],
            "verify": merged["verify"],
            "cert": merged["cert"],
        }
        prefix = str(template.url)
        proxies: Any = settings["proxies"]
        proxied = select_proxy(prefix, proxies) is not None
        return cls(session, adapter, template.headers, settings, prefix, template.path_url, proxied)

    def usable(self) -> bool:
        """Whether the session still has no cookies (a server may have set some since)."""
        return not self.session.cookies

    def send(
        self,
        params: Mapping[str, str],
        timeout: tuple[float, float],
        deadline: float | None = None,
    ) -> requests.Response:
        """GET the endpoint with `params`, streamed. Raises what `session.get` raises, and
        `wire.DeadlineError` when the answer's headers trickle in past `deadline` (a
        `time.monotonic()`; only where `wire` sends). Cookies the server sets go into the
        session, as `session.get` would put them; redirects are not followed
        (`Response.is_redirect` says so)."""
        query = f"?{encoded(params)}" if params else ""
        request = requests.PreparedRequest()
        request.method = "GET"
        request.url = self.prefix + query
        request.headers = self.headers if not self.proxied else self.headers.copy()  # read only
        request.body = None
        request.hooks = {"response": []}
        request._cookies = RequestsCookieJar()  # type: ignore[attr-defined]
        if self.proxied:
            response = self.adapter.send(request, stream=True, timeout=timeout, **self.settings)
        else:
            response = self._urlopen(request, query, timeout, deadline)
        if response.cookies:  # as `Session.send` keeps them
            self.session.cookies.update(response.cookies)
        return response

    def _urlopen(
        self,
        request: requests.PreparedRequest,
        query: str,
        timeout: tuple[float, float],
        deadline: float | None,
    ) -> requests.Response:
        """What `HTTPAdapter.send` does for an unproxied GET, with the pool looked up once."""
        pool = self._pool
        if pool is None or pool.pool is None:  # first use, or closed by its manager since
            settings = self.settings
            found = self.adapter.get_connection_with_tls_context(
                request, settings["verify"], proxies=settings["proxies"], cert=settings["cert"]
            )
            verify_cert: Any = self.adapter.cert_verify  # untyped in requests' stubs
            verify_cert(found, self.prefix, settings["verify"], settings["cert"])
            pool = self._pool = cast(HTTPConnectionPool, found)
            if self._wire_ready():
                fields = "".join(f"{k}: {v}\r\n" for k, v in self.headers.items())
                self._head = f"Host: {host_header(pool)}\r\n{fields}\r\n".encode("latin-1")
        raw: Any
        try:
            if self._head is not None:
                raw = wire_get(pool, self.path + query, self._head, timeout, deadline)
            else:
                raw = self._pooled(pool, request, query, timeout)
        except Exception as error:
            raise _as_requests_error(error, request) from error
        response = requests.Response()
        response.status_code = raw.status
        response.headers = CaseInsensitiveDict(
            raw.named if isinstance(raw, WireResponse) else raw.headers
        )
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = raw
        response.reason = raw.reason or ""
        response.url = self.prefix + query
        if "set-cookie" in response.headers:
            extract_cookies_to_jar(response.cookies, request, raw)  # type: ignore[no-untyped-call]
        response.request = request
        response.connection = self.adapter
        return response

    def _wire_ready(self) -> bool:
        """Whether `wire_get` sends as the pool would: the adapter retries nothing itself,
        and every coding the session asks for is one `wire` decodes."""
        asked = self.headers.get("Accept-Encoding", "")
        codings = {c.split(";")[0].strip().lower() for c in asked.split(",") if c.strip()}
        return self.adapter.max_retries.total == 0 and codings <= WIRE_CODINGS

    def _pooled(
        self,
        pool: HTTPConnectionPool,
        request: requests.PreparedRequest,
        query: str,
        timeout: tuple[float, float],
    ) -> Any:
        """The GET through the pool's `urlopen`, as `HTTPAdapter.send` makes it."""
        return pool.urlopen(
            method="GET",
            url=self.path + query,
            body=None,
            headers=request.headers,
            redirect=False,
            assert_same_host=False,
            preload_content=False,
            decode_content=False,
            retries=self.adapter.max_retries,
            timeout=Timeout(connect=timeout[0], read=timeout[1]),
            chunked=False,
        )


def _as_requests_error(error: Exception, request: requests.PreparedRequest) -> Exception:
    """The exception `HTTPAdapter.send` raises for urllib3's `error` (others, such as
    `DeadlineError`, as they are)."""
    if isinstance(error, (exceptions.ProtocolError, OSError)):
        return requests.ConnectionError(error, request=request)
    if isinstance(error, exceptions.MaxRetryError):
        reason = error.reason
        if isinstance(reason, exceptions.ConnectTimeoutError) and not isinstance(
            reason, exceptions.NewConnectionError
        ):
            return requests.ConnectTimeout(error, request=request)
        if isinstance(reason, exceptions.ResponseError):
            return requests.exceptions.RetryError(error, request=request)
        if isinstance(reason, exceptions.SSLError):
            return requests.exceptions.SSLError(error, request=request)
        return requests.ConnectionError(error, request=request)
    if isinstance(error, exceptions.ClosedPoolError):
        return requests.ConnectionError(error, request=request)
    if isinstance(error, exceptions.SSLError):
        return requests.exceptions.SSLError(error, request=request)
    if isinstance(error, exceptions.ReadTimeoutError):
        return requests.ReadTimeout(error, request=request)
    if isinstance(error, exceptions.InvalidHeader):
        return requests.exceptions.InvalidHeader(error, request=request)
    return error
