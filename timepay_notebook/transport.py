"""HTTP for the logs endpoint: the session, retries, and turning answers into pages or errors.

Retries on 429, 5xx, dropped connections and timeouts are urllib3's `Retry` (exponential backoff
with jitter, `Retry-After` honoured in seconds or as an HTTP-date). What urllib3 cannot see, a 200
whose body is not the JSON it should be (an HTML page, a truncated body), is retried here with
the same backoff. No DataFrame is built here.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .cache import ResponseCache, passthrough_options
from .errors import APIError, AuthenticationError, NetworkError, RateLimitError, redact_url
from .protocol import LOGS_PATH, pages_for

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
BACKOFF_MAX = 30.0
logger = logging.getLogger("timepay_notebook")


@dataclass(frozen=True)
class Page:
    """One page of logs as the API sent it."""

    number: int
    records: list[dict[str, Any]]
    total: int
    total_pages: int
    has_next: bool
    throttled: int = 0  # 429 answers seen (and retried) while fetching it
    from_cache: bool = False
    stale: bool = False  # from the cache, past its expiry, because the API could not be reached


@dataclass(frozen=True)
class Answer:
    """A JSON answer and where it came from."""

    body: dict[str, Any]
    url: str
    throttled: int = 0
    from_cache: bool = False
    stale: bool = False


class BearerAuth(requests.auth.AuthBase):
    """Adds `Authorization: Bearer <token>`; its repr never shows the token."""

    def __init__(self, token: str) -> None:
        self.header = f"Bearer {token}"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.header
        return request

    def __repr__(self) -> str:
        return "BearerAuth(token=***)"


def make_retry(retries: int, backoff: float) -> Retry:
    """urllib3's retry policy for idempotent GETs of the logs endpoint."""
    return Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        other=0,
        allowed_methods=frozenset({"GET"}),
        status_forcelist=RETRY_STATUSES,
        backoff_factor=backoff,
        backoff_jitter=backoff / 2,
        backoff_max=BACKOFF_MAX,
        respect_retry_after_header=True,
        raise_on_status=False,
        raise_on_redirect=False,
    )


def has_default_adapters(session: requests.Session) -> bool:
    """Whether `session` has only the adapters `requests.Session()` mounts (none of the caller's)."""
    adapters = session.adapters
    return set(adapters) == {"https://", "http://"} and all(
        type(a) is HTTPAdapter and a.max_retries.total == 0 for a in adapters.values()
    )


def mount_retrying_adapter(
    session: requests.Session, *, pool_size: int, retries: int, backoff: float
) -> requests.Session:
    """Mount an adapter with a pool of `pool_size` connections and `make_retry` on `session`."""
    adapter = HTTPAdapter(
        pool_connections=1, pool_maxsize=pool_size, max_retries=make_retry(retries, backoff)
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class Transport:
    """Requests to `GET /api/v1/logs`, each with a timeout, answered as pages or errors.

    With a `cache`, a stored answer still within its expiry is served without a request, and
    every cacheable answer is stored; when the API cannot be reached, a stored answer is served even
    if stale (and the transport stays offline, answering from the cache only, until `reset` so one
    load doesn't wait out retries per page). `session` is any `requests.Session`, used as given.
    """

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        token: str,
        *,
        timeout: float,
        retries: int,
        backoff: float,
        cache: ResponseCache | None = None,
    ) -> None:
        self.session = session
        self.url = base_url.rstrip("/") + LOGS_PATH
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.cache = cache
        self._send_options = passthrough_options(session)
        self._auth = BearerAuth(token)
        self._offline: str | None = None  # why the API is taken to be unreachable
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Try the network again (call at the start of each load)."""
        self._offline = None

    def page(self, params: Mapping[str, str], number: int, fresh: bool = False) -> Page:
        """Page `number` of the logs matching `params`; `fresh` bypasses a stored answer."""
        return self._page(self._answer({**params, "page": str(number)}, fresh), number)

    def cached_page(self, params: Mapping[str, str], number: int) -> Page | None:
        """Page `number` from the cache, if it is stored there and not expired; never sends a
        request (None: ask `page`)."""
        key = self._key({**params, "page": str(number)})
        stored = self.cache.lookup(key) if self.cache is not None and key else None
        if stored is None or stored.expired:
            return None
        try:
            return self._page(Answer(stored.body, stored.url, 0, True, False), number)
        except APIError:
            return None  # `page` fetches it again

    def _page(self, answer: Answer, number: int) -> Page:
        """The page an answer holds; `APIError` if it is not one."""
        body, url = answer.body, answer.url
        data, pagination = body.get("data"), body.get("pagination")
        if not isinstance(data, list) or not isinstance(pagination, Mapping):
            raise APIError(200, "the response has no 'data' list or no 'pagination' block", url)
        if not all(isinstance(r, dict) for r in data):
            raise APIError(200, "the response's 'data' holds something other than logs", url)
        try:
            total = int(pagination["total"])
            total_pages = int(pagination.get("total_pages", pages_for(total)))
            has_next = bool(pagination.get("has_next", number < total_pages))
        except (KeyError, TypeError, ValueError):
            raise APIError(200, f"unreadable pagination block: {dict(pagination)!r}", url) from None
        return Page(
            number,
            data,
            total,
            total_pages,
            has_next,
            answer.throttled,
            answer.from_cache,
            answer.stale,
        )

    @property
    def offline(self) -> bool:
        """Whether the API was found unreachable since the last `reset`."""
        return self._offline is not None

    def count(self, params: Mapping[str, str], fresh: bool = False) -> int:
        """How many logs match `params` (`count_only=true`); `fresh` bypasses a stored answer."""
        answer = self._answer({**params, "count_only": "true"}, fresh=fresh)
        total = answer.body.get("total")
        if isinstance(total, bool) or not isinstance(total, int):
            raise APIError(
                200,
                f"the count-only answer has no integer 'total': {answer.body!r:.200}",
                answer.url,
            )
        return total

    def _answer(self, params: Mapping[str, str], fresh: bool) -> Answer:
        """The answer from the cache if it is still fresh, else from the API; a stored answer
        however old if the API is unreachable."""
        key = self._key(params)
        stored = self.cache.lookup(key) if self.cache and key and not fresh else None
        if stored is not None and not stored.expired:
            return Answer(stored.body, stored.url, 0, True, False)
        if self._offline is None:
            try:
                return self._get(params, key)
            except NetworkError as error:
                with self._lock:
                    self._offline = self._offline or str(error)
        if fresh and self.cache and key:
            stored = self.cache.lookup(key)
        if stored is None:
            raise NetworkError(f"{self._offline}; and no stored answer in the cache for it")
        return Answer(stored.body, stored.url, 0, True, stored.expired)

    def _key(self, params: Mapping[str, str]) -> str | None:
        """The cache key of a GET with `params` (None without a cache), without preparing a
        whole request: the URL requests would send, and the `Authorization` header."""
        if self.cache is None:
            return None
        request = requests.PreparedRequest()
        request.prepare_url(self.url, params)
        return self.cache.key(str(request.url), self._auth.header)

    def _get(self, params: Mapping[str, str], key: str | None) -> Answer:
        """The JSON answer from the API (stored in the cache under `key`, if any), the 429s
        retried on the way; retries unreadable bodies. The cache was already consulted."""
        throttled = 0
        for attempt in range(self.retries + 1):
            started = time.monotonic()
            try:
                response = self.session.get(
                    self.url,
                    params=params,
                    auth=self._auth,
                    timeout=self.timeout,
                    **self._send_options,
                )
            except requests.exceptions.ChunkedEncodingError as exc:
                error: Exception = exc
                url = self.url
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise NetworkError(_network_message(exc, self.url, self.timeout)) from None
            else:
                url = response.url
                throttled += _throttled(response)
                elapsed = time.monotonic() - started
                logger.debug(
                    "GET %s -> %s in %.3f s", redact_url(url), response.status_code, elapsed
                )
                if response.status_code >= 400:
                    raise _status_error(response)
                try:
                    body = response.json()
                except ValueError as exc:
                    error = exc
                else:
                    if not isinstance(body, dict):
                        raise APIError(
                            response.status_code, "the response is not a JSON object", url
                        )
                    if body.get("success") is False:
                        raise APIError(response.status_code, _server_message(response), url)
                    if self.cache is not None and key is not None:
                        self.cache.store(key, response, params)
                    return Answer(body, url, throttled)
            if attempt < self.retries:
                time.sleep(
                    min(BACKOFF_MAX, self.backoff * 2**attempt) + random.uniform(0, self.backoff)
                )
        raise APIError(
            200, f"the response was not valid JSON after {self.retries + 1} attempts ({error})", url
        )


def _throttled(response: requests.Response) -> int:
    retries = getattr(response.raw, "retries", None)
    history = getattr(retries, "history", ()) or ()
    return sum(1 for h in history if getattr(h, "status", None) == 429)


def _status_error(response: requests.Response) -> APIError:
    status, message, url = response.status_code, _server_message(response), response.url
    if status in (401, 403):
        return AuthenticationError(status, message, url)
    if status == 429:
        return RateLimitError(status, f"{message} (still rate limited after every retry)", url)
    return APIError(status, message, url)


def _server_message(response: requests.Response) -> str:
    """What the server said: the JSON message, an HTML title, or the start of the text."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):
            if isinstance(body.get(key), str) and body[key]:
                return str(body[key])
    text = response.text or ""
    title = re.search(r"<title>(.*?)</title>", text, flags=re.I | re.S)
    if title:
        return f"{title.group(1).strip()} (an HTML page)"
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()
    return text[:200] or (response.reason or "no message")


def _network_message(exc: Exception, url: str, timeout: float) -> str:
    if isinstance(exc, requests.Timeout):
        return f"no answer from {redact_url(url)} within {timeout:g} s, after every retry"
    reason = str(exc.args[0] if exc.args else exc)
    reason = re.sub(r"\(Caused by (\w+)\(.*", r"(\1)", reason)
    return f"could not reach {redact_url(url)} after every retry: {reason}"
