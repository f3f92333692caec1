"""Sending a GET to one endpoint as `session.get` would, with the per-request work done once.

`requests.Session.get` prepares a whole request (merging headers, cookies, auth and hooks) and
scans the environment for proxy and CA settings on every call, which costs a pull more CPU than
the HTTP itself. A `Route` resolves all of that once (at the start of each load) and hands each
request to the session's own adapter, with the same headers, proxies, TLS verification and
client certificate the session would have used: the caller's session is still the one that
sends. It is only taken for a plain `requests.Session` whose adapter for the URL is a plain
`HTTPAdapter`, with no session cookies, params or hooks; any other session is sent through
`session.get` as given (see `Route.resolve`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import requests
from requests.adapters import HTTPAdapter
from requests.cookies import RequestsCookieJar
from requests.structures import CaseInsensitiveDict


def query_url(prefix: str, params: Mapping[str, str]) -> str:
    """The URL requests would send for `prefix` (an already prepared URL without a query) and
    `params`, without preparing a request: `urlencode` quotes every character requests would
    requote, so this is the same string."""
    return f"{prefix}?{urlencode(list(params.items()))}" if params else prefix


def prepared_url(url: str) -> str:
    """`url` as requests prepares it (host in IDNA, path quoted)."""
    request = requests.PreparedRequest()
    request.prepare_url(url, None)
    return str(request.url)


@dataclass(frozen=True)
class Route:
    """A session's settings for one endpoint, resolved once; `send` sends one GET with them."""

    session: requests.Session
    adapter: HTTPAdapter
    headers: CaseInsensitiveDict[str]
    settings: dict[str, Any]  # proxies, verify, cert, as `merge_environment_settings` gave them

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
        return cls(session, adapter, template.headers, settings)

    def usable(self) -> bool:
        """Whether the session still has no cookies (a server may have set some since)."""
        return not self.session.cookies

    def send(self, url: str, timeout: tuple[float, float]) -> requests.Response:
        """GET `url` (from `query_url`), streamed, through the session's adapter. Raises what
        `session.get` raises. Cookies the server sets go into the session, as `session.get`
        would put them; redirects are not followed (`Response.is_redirect` says so)."""
        request = requests.PreparedRequest()
        request.method = "GET"
        request.url = url
        request.headers = self.headers.copy()
        request.body = None
        request.hooks = {"response": []}
        request._cookies = RequestsCookieJar()  # type: ignore[attr-defined]
        response = self.adapter.send(request, stream=True, timeout=timeout, **self.settings)
        if response.cookies:  # as `Session.send` keeps them
            self.session.cookies.update(response.cookies)
        return response
