"""HTTP for the logs endpoint: the session, retries, and turning answers into pages or errors.

Every retry is made here, not by urllib3, so that each 429 reaches the pull's `AdaptiveLimit`
at once and every attempt waits for a permit (see `Transport`). `timeout` bounds each wait for
the server (to connect, and between two reads); `deadline` bounds a whole request, so a server
that trickles its answer (its body; its headers too where `wire` sends) cannot hold a pull. Phone numbers in URLs are masked in this package's
DEBUG lines and in urllib3's (a `PhoneMask` filter on its `urllib3.connectionpool` logger). No
DataFrame is built here.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter

from .cache import ResponseCache, passthrough_options
from .errors import (
    APIError,
    AuthenticationError,
    NetworkError,
    PullCancelledError,
    RateLimitError,
    redact_url,
)
from .failures import (
    PhoneMask,
    RetryableError,
    Scrubber,
    network_retry,
    no_answer,
    origin,
    retry_after_seconds,
    server_message,
)
from .limiter import AdaptiveLimit
from .protocol import LOGS_PATH, pages_for
from .route import Route, prepared_url, query_url
from .wire import DeadlineError

RETRY_STATUSES = frozenset({500, 502, 503, 504})  # retried like a 429 and a `success: false`
BACKOFF_MAX = 30.0  # the longest backoff between two attempts, in seconds
DEADLINE_FACTOR = 4  # the default deadline of a request is this many timeouts
REFUSED_TRIES = 3  # attempts when the connection is refused (a server restarting), in all
REFUSED_WAIT = 0.5  # the longest wait between them, in seconds
CHUNK = 64 * 1024  # most bytes read at a time (the deadline is checked between reads)
logger = logging.getLogger("timepay_notebook")
_URLLIB3_LOGGER = logging.getLogger("urllib3.connectionpool")  # logs each URL at DEBUG
if not any(isinstance(f, PhoneMask) for f in _URLLIB3_LOGGER.filters):
    _URLLIB3_LOGGER.addFilter(PhoneMask())


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
    """A JSON answer and where it came from (`where`: the URL, safe to show, or a function
    that makes it, called only when an error or a DEBUG line names it)."""

    body: dict[str, Any]
    where: str | Callable[[], str]
    throttled: int = 0
    from_cache: bool = False
    stale: bool = False

    @property
    def url(self) -> str:
        """The URL, token redacted and phone numbers masked."""
        return self.where if isinstance(self.where, str) else self.where()


class BearerAuth(requests.auth.AuthBase):
    """Adds `Authorization: Bearer <token>`; its repr never shows the token."""

    def __init__(self, token: str) -> None:
        self.header = f"Bearer {token}"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.header
        return request

    def __repr__(self) -> str:
        return "BearerAuth(token=***)"


def has_default_adapters(session: requests.Session) -> bool:
    """Whether `session` has only the adapters `requests.Session()` mounts (none of the caller's)."""
    adapters = session.adapters
    return set(adapters) == {"https://", "http://"} and all(
        type(a) is HTTPAdapter and a.max_retries.total == 0 for a in adapters.values()
    )


def mount_pooled_adapter(session: requests.Session, *, pool_size: int) -> requests.Session:
    """Mount an adapter with a pool of `pool_size` connections on `session` (no retries of its
    own: the transport retries, so that each 429 reaches the pull's `AdaptiveLimit`)."""
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class Transport:
    """Requests to `GET /api/v1/logs`, each with a timeout and a deadline, answered as pages or
    errors.

    Each request is retried here (`retries` times, jittered exponential backoff; a 429 waits at
    least its `Retry-After`): on 429, 5xx, a 200 saying `success: false`, a body that is not the
    JSON it should be, a dropped connection, a timeout or a passed deadline. A refused connection
    is tried `REFUSED_TRIES` times in all, quickly; a 4xx other than 429 is never retried. With a
    `limit`, every attempt holds one of its permits while on the wire and each 429 lowers it at
    once; with a `stop` event, no attempt starts, and no wait or body read goes on, once it is set.

    With a `cache`, a stored answer still within its expiry is served without a request, and
    every cacheable answer is stored. When the API cannot be reached at all (refused, no such
    host, no connection in time), a stored answer is served even if stale, and the transport stays
    offline, answering from the cache only, until `reset`, so one load doesn't wait out retries per
    page. Any other failure costs the request it happened to only. `session` is any
    `requests.Session`, used as given: a plain one's headers, proxies and CA settings are resolved
    once per load (`reset`) and each request goes to its adapter's pool (`route.Route`); any other
    session is sent through `session.get`. Text from the server that goes into an error (a message,
    an HTML title) has the token redacted, and phone numbers of the filters are masked in errors
    and DEBUG lines.
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
        deadline: float | None = None,
        cache: ResponseCache | None = None,
    ) -> None:
        self.session = session
        self.url = base_url.rstrip("/") + LOGS_PATH
        self.timeout = timeout
        self.deadline = deadline if deadline is not None else DEADLINE_FACTOR * timeout
        self.retries = retries
        self.backoff = backoff
        self.cache = cache
        self._send_options = passthrough_options(session)
        self._auth = BearerAuth(token)
        self._token = token
        self._offline: str | None = None  # why the API is taken to be unreachable
        self._lock = threading.Lock()
        self._held = 0  # operations in progress that resolved the route at their start
        self._prefix = prepared_url(self.url)
        self._host = origin(self.url)
        self._route = Route.resolve(session, self.url, self._auth)

    def reset(self) -> None:
        """Try the network again, with the session's settings and the environment's proxy and
        CA settings as they are now (call at the start of each load). While a `one_operation`
        is open, in any thread, the network is tried again but the settings are those read
        when it began."""
        self._offline = None
        if not self._held:
            self._route = Route.resolve(self.session, self.url, self._auth)

    @contextmanager
    def one_operation(self) -> Iterator[None]:
        """Many counts and pulls as one load (a sync's): the settings `reset` reads (the
        session's headers, adapter, proxies and TLS options, the environment's proxy and CA
        settings) are read at its start and kept, for every thread, until it ends."""
        self.reset()
        with self._lock:
            self._held += 1
        try:
            yield
        finally:
            with self._lock:
                self._held -= 1

    def page(
        self,
        params: Mapping[str, str],
        number: int,
        fresh: bool = False,
        *,
        limit: AdaptiveLimit | None = None,
        stop: threading.Event | None = None,
    ) -> Page:
        """Page `number` of the logs matching `params`; `fresh` bypasses a stored answer."""
        return self._page(self._answer({**params, "page": str(number)}, fresh, limit, stop), number)

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
        body = answer.body
        data, pagination = body.get("data"), body.get("pagination")
        if not isinstance(data, list) or not isinstance(pagination, Mapping):
            raise APIError(
                200, "the response has no 'data' list or no 'pagination' block", answer.url
            )
        if not all(isinstance(r, dict) for r in data):
            raise APIError(200, "the response's 'data' holds something other than logs", answer.url)
        try:
            total = int(pagination["total"])
            total_pages = int(pagination.get("total_pages", pages_for(total)))
            has_next = bool(pagination.get("has_next", number < total_pages))
        except (KeyError, TypeError, ValueError):
            message = f"unreadable pagination block: {dict(pagination)!r}"
            raise APIError(200, message, answer.url) from None
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
        """Whether the API was found unreachable since `reset` was last called."""
        return self._offline is not None

    def count(
        self,
        params: Mapping[str, str],
        fresh: bool = False,
        *,
        limit: AdaptiveLimit | None = None,
        stop: threading.Event | None = None,
    ) -> int:
        """How many logs match `params` (`count_only=true`); `fresh` bypasses a stored answer."""
        answer = self._answer({**params, "count_only": "true"}, fresh, limit, stop)
        total = answer.body.get("total")
        if isinstance(total, bool) or not isinstance(total, int):
            raise APIError(
                200,
                f"the count-only answer has no integer 'total': {answer.body!r:.200}",
                answer.url,
            )
        return total

    def _answer(
        self,
        params: Mapping[str, str],
        fresh: bool,
        limit: AdaptiveLimit | None,
        stop: threading.Event | None,
    ) -> Answer:
        """The answer from the cache if it is still fresh, else from the API; a stored answer
        however old if the API is unreachable."""
        key = self._key(params)
        stored = self.cache.lookup(key) if self.cache and key and not fresh else None
        if stored is not None and not stored.expired:
            return Answer(stored.body, stored.url, 0, True, False)
        if self._offline is None:
            try:
                return self._get(params, key, limit, stop)
            except NetworkError as error:
                if self.cache is None or not error.unreachable:
                    raise  # this request's failure only
                with self._lock:
                    self._offline = self._offline or str(error)
        if fresh and self.cache and key:
            stored = self.cache.lookup(key)
        if stored is None:
            raise NetworkError(
                f"{self._offline}; and no stored answer in the cache for it", unreachable=True
            )
        return Answer(stored.body, stored.url, 0, True, stored.expired)

    def _key(self, params: Mapping[str, str]) -> str | None:
        """The cache key of a GET with `params` (None without a cache), without preparing a
        whole request: the URL requests would send, and the `Authorization` header."""
        if self.cache is None:
            return None
        return self.cache.key(query_url(self._prefix, params), self._auth.header)

    def _get(
        self,
        params: Mapping[str, str],
        key: str | None,
        limit: AdaptiveLimit | None,
        stop: threading.Event | None,
    ) -> Answer:
        """The JSON answer from the API (stored in the cache under `key`, if any), retrying
        what can be retried. The cache was already consulted."""
        throttled = attempt = 0
        scrub = Scrubber(self._token, params)
        while True:
            _check_stop(stop)
            if limit is not None and not limit.acquire(stop):
                _check_stop(stop)
            try:
                answer = self._attempt(params, key, scrub, stop)
            except RetryableError as retry:
                if limit is not None:
                    limit.release(throttled=retry.throttled)
                throttled += retry.throttled
                retries = min(self.retries, REFUSED_TRIES - 1) if retry.refused else self.retries
                if attempt >= retries:
                    raise retry.final(attempt + 1) from None
                _sleep(self._wait(attempt, retry), stop)
                attempt += 1
                continue
            except BaseException:
                if limit is not None:
                    limit.release()
                raise
            if limit is not None:
                limit.release()
            return Answer(answer.body, answer.where, throttled)

    def _wait(self, attempt: int, retry: RetryableError) -> float:
        """Seconds before the next attempt: at least `Retry-After` (plus jitter), else backoff."""
        if retry.refused:
            return min(REFUSED_WAIT, self.backoff * 2.0**attempt)
        jitter = random.uniform(0, self.backoff)
        if retry.retry_after is not None:
            return retry.retry_after + jitter + random.uniform(0, retry.retry_after / 2)
        return min(BACKOFF_MAX, self.backoff * 2.0**attempt) + jitter

    def _attempt(
        self,
        params: Mapping[str, str],
        key: str | None,
        scrub: Scrubber,
        stop: threading.Event | None,
    ) -> Answer:
        """One request: the answer, or `RetryableError`, or a final error."""
        started = time.monotonic()
        host = self._host
        timeout = (self.timeout, min(self.timeout, self.deadline))
        route = self._route
        try:
            response = None
            if route is not None and route.usable():
                response = route.send(params, timeout, started + self.deadline)
                if response.is_redirect:  # followed as the session would
                    response.close()
                    response = None
            if response is None:
                response = self.session.get(
                    self.url,
                    params=params,
                    auth=self._auth,
                    timeout=timeout,
                    stream=True,
                    **self._send_options,
                )
        except requests.RequestException as exc:
            raise network_retry(exc, host, self.timeout) from None
        except DeadlineError:  # the headers trickled in
            raise RetryableError(NetworkError(self._late(host))) from None
        with response:
            sent = response.url

            def where() -> str:
                return scrub(redact_url(sent))

            self._read(response, started, host, stop)
            status = response.status_code
            if logger.isEnabledFor(logging.DEBUG):
                elapsed = time.monotonic() - started
                logger.debug("GET %s -> %s in %.3f s", where(), status, elapsed)
            if status == 429:
                error: APIError = RateLimitError(
                    status, f"{server_message(response, scrub)} (still rate limited)", where()
                )
                raise RetryableError(
                    error, retry_after=retry_after_seconds(response), throttled=True
                )
            if status in RETRY_STATUSES:
                raise RetryableError(APIError(status, server_message(response, scrub), where()))
            if status >= 400:
                raise _status_error(status, server_message(response, scrub), where())
            try:
                body = response.json()
            except ValueError as exc:
                raise RetryableError(
                    APIError(status, f"the response was not valid JSON ({exc})", where())
                ) from None
            if not isinstance(body, dict):
                raise APIError(status, "the response is not a JSON object", where())
            if body.get("success") is False:
                raise RetryableError(APIError(status, server_message(response, scrub), where()))
            if self.cache is not None and key is not None:
                self.cache.store(key, response, params)
            return Answer(body, where)

    def _late(self, host: str) -> str:
        return f"the answer from {host} took longer than the deadline of {self.deadline:g} s"

    def _read(
        self, response: requests.Response, started: float, host: str, stop: threading.Event | None
    ) -> None:
        """Read the body of a streamed `response` a chunk at a time, within the deadline."""
        chunks: list[bytes] = []
        raw = response.raw
        try:
            while True:
                _check_stop(stop)
                if time.monotonic() - started > self.deadline:
                    raise RetryableError(NetworkError(self._late(host)))
                chunk = raw.read1(CHUNK, decode_content=True)  # gzip as requests would
                if not chunk:
                    break
                chunks.append(chunk)
                if getattr(raw, "length_remaining", None) == 0:  # all of Content-Length came
                    break
        except urllib3.exceptions.ReadTimeoutError:
            raise RetryableError(NetworkError(no_answer(host, self.timeout))) from None
        except (urllib3.exceptions.HTTPError, OSError):
            raise RetryableError(
                NetworkError(f"the connection to {host} broke while the answer came")
            ) from None
        response._content = b"".join(chunks)


def _check_stop(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise PullCancelledError("the pull was stopped")


def _sleep(seconds: float, stop: threading.Event | None) -> None:
    """Wait `seconds`, ending at once (with `PullCancelledError`) if `stop` is set."""
    if stop is None:
        time.sleep(seconds)
    elif stop.wait(seconds):
        _check_stop(stop)


def _status_error(status: int, message: str, url: str) -> APIError:
    if status in (401, 403):
        return AuthenticationError(status, message, url)
    return APIError(status, message, url)
