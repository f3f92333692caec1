"""HTTP for the logs endpoint: the session, retries, and turning answers into pages or errors.

Every retry is made here, not by urllib3, so that each 429 reaches the pull's `AdaptiveLimit`
at once and every attempt waits for a permit (see `Transport`). `timeout` bounds each wait for
the server (to connect, and between two reads); `deadline` bounds a whole request, so a server
that trickles its answer cannot hold a pull. No DataFrame is built here.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import random
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

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
    TimePayError,
    redact_url,
)
from .limiter import AdaptiveLimit
from .protocol import LOGS_PATH, PHONE_FILTERS, pages_for

RETRY_STATUSES = frozenset({500, 502, 503, 504})  # retried like a 429 and a `success: false`
BACKOFF_MAX = 30.0  # the longest backoff between two attempts, in seconds
RETRY_AFTER_MAX = 120.0  # the longest `Retry-After` honoured, in seconds
DEADLINE_FACTOR = 4  # the default deadline of a request is this many timeouts
REFUSED_TRIES = 3  # attempts when the connection is refused (a server restarting), in all
REFUSED_WAIT = 0.5  # the longest wait between them, in seconds
CHUNK = 64 * 1024  # most bytes read at a time (the deadline is checked between reads)
PIECE = 8  # a run of this many characters of the token in a server's text is redacted
MESSAGE_MAX = 200  # characters of the server's text kept in an error
SCANNED = 20_000  # characters of an error body looked at
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
    `requests.Session`, used as given. Text from the server that goes into an error (a message,
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

    def reset(self) -> None:
        """Try the network again (call at the start of each load)."""
        self._offline = None

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
        answer = self._answer({**params, "page": str(number)}, fresh, limit, stop)
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

    def count(self, params: Mapping[str, str]) -> int:
        """How many logs match `params` (`count_only=true`)."""
        answer = self._answer({**params, "count_only": "true"}, False, None, None)
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
        request = requests.PreparedRequest()
        request.prepare_url(self.url, params)
        return self.cache.key(str(request.url), self._auth.header)

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
        scrub = _Scrubber(self._token, params)
        while True:
            _check_stop(stop)
            if limit is not None and not limit.acquire(stop):
                _check_stop(stop)
            try:
                answer = self._attempt(params, key, scrub, stop)
            except _RetryableError as retry:
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
            return Answer(answer.body, answer.url, throttled)

    def _wait(self, attempt: int, retry: _RetryableError) -> float:
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
        scrub: _Scrubber,
        stop: threading.Event | None,
    ) -> Answer:
        """One request: the answer, or `_RetryableError`, or a final error."""
        started = time.monotonic()
        host = _origin(self.url)
        try:
            response = self.session.get(
                self.url,
                params=params,
                auth=self._auth,
                timeout=(self.timeout, min(self.timeout, self.deadline)),
                stream=True,
                **self._send_options,
            )
        except requests.RequestException as exc:
            raise _network_retry(exc, host, self.timeout) from None
        with response:
            url = scrub(redact_url(response.url))
            self._read(response, started, host, stop)
            status = response.status_code
            elapsed = time.monotonic() - started
            logger.debug("GET %s -> %s in %.3f s", url, status, elapsed)
            if status == 429:
                error: APIError = RateLimitError(
                    status, f"{_server_message(response, scrub)} (still rate limited)", url
                )
                raise _RetryableError(error, retry_after=_retry_after(response), throttled=True)
            if status in RETRY_STATUSES:
                raise _RetryableError(APIError(status, _server_message(response, scrub), url))
            if status >= 400:
                raise _status_error(status, _server_message(response, scrub), url)
            try:
                body = response.json()
            except ValueError as exc:
                raise _RetryableError(
                    APIError(status, f"the response was not valid JSON ({exc})", url)
                ) from None
            if not isinstance(body, dict):
                raise APIError(status, "the response is not a JSON object", url)
            if body.get("success") is False:
                raise _RetryableError(APIError(status, _server_message(response, scrub), url))
            if self.cache is not None and key is not None:
                self.cache.store(key, response, params)
            return Answer(body, url)

    def _read(
        self, response: requests.Response, started: float, host: str, stop: threading.Event | None
    ) -> None:
        """Read the body of a streamed `response` a chunk at a time, within the deadline."""
        chunks: list[bytes] = []
        try:
            while True:
                _check_stop(stop)
                if time.monotonic() - started > self.deadline:
                    raise _RetryableError(
                        NetworkError(
                            f"the answer from {host} took longer than the deadline of "
                            f"{self.deadline:g} s"
                        )
                    )
                chunk = response.raw.read1(CHUNK)
                if not chunk:
                    break
                chunks.append(chunk)
        except urllib3.exceptions.ReadTimeoutError:
            raise _RetryableError(NetworkError(_no_answer(host, self.timeout))) from None
        except (urllib3.exceptions.HTTPError, OSError):
            raise _RetryableError(
                NetworkError(f"the connection to {host} broke while the answer came")
            ) from None
        response._content = b"".join(chunks)


class _RetryableError(Exception):
    """An attempt that failed in a way worth another: `error` is raised if none is left."""

    def __init__(
        self,
        error: TimePayError,
        *,
        retry_after: float | None = None,
        throttled: bool = False,
        refused: bool = False,
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after
        self.throttled = throttled
        self.refused = refused

    def final(self, attempts: int) -> TimePayError:
        """The error to raise after `attempts` attempts."""
        error = self.error
        if isinstance(error, NetworkError):
            again = f"after {attempts} attempts" if attempts > 1 else "no retries"
            return NetworkError(f"{error} ({again})", unreachable=error.unreachable)
        return error


class _Scrubber:
    """Takes the token and the filters' phone numbers out of text that goes into an error."""

    def __init__(self, token: str, params: Mapping[str, str]) -> None:
        self.token = token
        self.phones = [params[name] for name in PHONE_FILTERS if params.get(name)]

    def __call__(self, text: str) -> str:
        return _mask_phones(redact_token(text, self.token), self.phones)


def redact_token(text: str, token: str) -> str:
    """`text` with `token`, and any run of `PIECE` or more of its characters in a row (an echo cut
    short, say), replaced by `***`."""
    if not token or not text:
        return text
    text = text.replace(token, "***")
    piece = min(PIECE, len(token))
    pieces = {token[i : i + piece] for i in range(len(token) - piece + 1)}
    hidden = [False] * len(text)
    for i in range(len(text) - piece + 1):
        if text[i : i + piece] in pieces:
            hidden[i : i + piece] = [True] * piece
    if not any(hidden):
        return text
    out: list[str] = []
    for i, char in enumerate(text):
        if not hidden[i]:
            out.append(char)
        elif i == 0 or not hidden[i - 1]:
            out.append("***")
    return "".join(out)


def _mask_phones(text: str, phones: list[str] = []) -> str:  # noqa: B006 - never mutated
    """`text` with phone numbers of filters masked to their last two digits, both those given
    and any `phone=`/`from_phone=` value of a URL in it."""
    for phone in phones:
        for shown in {phone, quote_plus(phone), quote(phone)}:
            text = text.replace(shown, _masked(phone))
    return _PHONE_PARAM.sub(lambda m: m.group(1) + _masked(m.group(2)), text)


def _masked(phone: str) -> str:
    return "*" * max(0, len(phone) - 2) + phone[-2:]


_PHONE_PARAM = re.compile(r"((?<![a-z_])(?:from_)?phone=)((?:%2B|\+)?\d+)", re.I)


def _check_stop(stop: threading.Event | None) -> None:
    if stop is not None and stop.is_set():
        raise PullCancelledError("the pull was stopped")


def _sleep(seconds: float, stop: threading.Event | None) -> None:
    """Wait `seconds`, ending at once (with `PullCancelledError`) if `stop` is set."""
    if stop is None:
        time.sleep(seconds)
    elif stop.wait(seconds):
        _check_stop(stop)


def _retry_after(response: requests.Response) -> float | None:
    """The `Retry-After` header in seconds (given in seconds or as an HTTP-date), at most
    `RETRY_AFTER_MAX`; None without a readable one."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - dt.datetime.now(dt.UTC)).total_seconds()
    return min(RETRY_AFTER_MAX, max(0.0, seconds))


def _status_error(status: int, message: str, url: str) -> APIError:
    if status in (401, 403):
        return AuthenticationError(status, message, url)
    return APIError(status, message, url)


def _server_message(response: requests.Response, scrub: _Scrubber) -> str:
    """What the server said: the JSON message, an HTML title, or the start of the text; with
    the token and the filters' phone numbers taken out."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):
            if isinstance(body.get(key), str) and body[key]:
                return scrub(str(body[key]))[:MESSAGE_MAX]
    text = (response.text or "")[:SCANNED]
    title = re.search(r"<title>(.*?)</title>", text, flags=re.I | re.S)
    if title:
        return f"{scrub(title.group(1).strip())[:MESSAGE_MAX]} (an HTML page)"
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()
    return scrub(text)[:MESSAGE_MAX] or (response.reason or "no message")


def _origin(url: str) -> str:
    """`scheme://host:port` of `url`: what network messages name (no path, no filters)."""
    parts = urlsplit(redact_url(url))
    return f"{parts.scheme}://{parts.netloc}"


def _no_answer(host: str, timeout: float) -> str:
    return f"no answer from {host} within the timeout of {timeout:g} s"


def _network_retry(exc: requests.RequestException, host: str, timeout: float) -> _RetryableError:
    """What a failed `session.get` means, in plain words, and how to go on."""
    if isinstance(exc, requests.ConnectTimeout):
        message = f"could not connect to {host} within the timeout of {timeout:g} s"
        return _RetryableError(NetworkError(message, unreachable=True))
    if isinstance(exc, requests.Timeout):
        return _RetryableError(NetworkError(_no_answer(host, timeout)))
    causes = _causes(exc)
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        message = f"could not connect to {host}: the connection was refused (is the URL right?)"
        return _RetryableError(NetworkError(message, unreachable=True), refused=True)
    if any(isinstance(c, urllib3.exceptions.NameResolutionError) for c in causes):
        message = f"could not reach {host}: its host name could not be resolved"
        return _RetryableError(NetworkError(message, unreachable=True))
    if any(isinstance(c, urllib3.exceptions.NewConnectionError) for c in causes):
        reason = next((c.strerror for c in causes if isinstance(c, OSError) and c.strerror), "")
        message = f"could not connect to {host}" + (f": {reason}" if reason else "")
        return _RetryableError(NetworkError(message, unreachable=True))
    if isinstance(exc, requests.exceptions.SSLError):
        message = f"could not connect to {host}: the TLS handshake failed"
        return _RetryableError(NetworkError(message, unreachable=True))
    message = f"the connection to {host} was closed before an answer came"
    return _RetryableError(NetworkError(message))


def _causes(exc: BaseException) -> list[BaseException]:
    """`exc` and what it wraps (arguments, `reason`, causes and contexts), a few levels deep."""
    seen: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(seen) < 20:
        error = todo.pop()
        if any(error is s for s in seen):
            continue
        seen.append(error)
        todo += [a for a in error.args if isinstance(a, BaseException)]
        for inner in (getattr(error, "reason", None), error.__cause__, error.__context__):
            if isinstance(inner, BaseException):
                todo.append(inner)
    return seen
