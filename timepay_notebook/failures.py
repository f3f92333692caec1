"""What a failed attempt at a request means: whether it is worth another, how long to wait
(`Retry-After`), and its message in plain words, with the token and the filters' phone numbers
taken out of everything that came from the server; `PhoneMask` masks them in log lines."""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import re
from collections.abc import Mapping, Sequence
from urllib.parse import quote, quote_plus, urlsplit

import requests
import urllib3

from .errors import NetworkError, TimePayError, mask_phone, mask_phones, redact_url
from .protocol import PHONE_FILTERS

RETRY_AFTER_MAX = 120.0  # the longest `Retry-After` honoured, in seconds
PIECE = 8  # a run of this many characters of the token in a server's text is redacted
MESSAGE_MAX = 200  # characters of the server's text kept in an error
SCANNED = 20_000  # characters of an error body looked at


class RetryableError(Exception):
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


class Scrubber:
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


def _mask_phones(text: str, phones: Sequence[str] = ()) -> str:
    """`text` with the phone numbers given (as sent, or percent-encoded) and any other
    phone-like number masked (`errors.mask_phones`)."""
    for phone in phones:
        for shown in {phone, quote_plus(phone), quote(phone)}:
            text = text.replace(shown, mask_phone(phone))
    return mask_phones(text)


class PhoneMask(logging.Filter):
    """A logging filter masking `phone=`/`from_phone=` values in a record's text (urllib3 logs
    each request's URL at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _mask_phones(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_mask_phones(a) if isinstance(a, str) else a for a in record.args)
        return True


def retry_after_seconds(response: requests.Response) -> float | None:
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


def server_message(response: requests.Response, scrub: Scrubber) -> str:
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


def origin(url: str) -> str:
    """`scheme://host:port` of `url`: what network messages name (no path, no filters)."""
    parts = urlsplit(redact_url(url))
    return f"{parts.scheme}://{parts.netloc}"


def no_answer(host: str, timeout: float) -> str:
    return f"no answer from {host} within the timeout of {timeout:g} s"


def network_retry(exc: requests.RequestException, host: str, timeout: float) -> RetryableError:
    """What a failed `session.get` means, in plain words, and how to go on."""
    if isinstance(exc, requests.ConnectTimeout):
        message = f"could not connect to {host} within the timeout of {timeout:g} s"
        return RetryableError(NetworkError(message, unreachable=True))
    if isinstance(exc, requests.Timeout):
        return RetryableError(NetworkError(no_answer(host, timeout)))
    causes = _causes(exc)
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        message = f"could not connect to {host}: the connection was refused (is the URL right?)"
        return RetryableError(NetworkError(message, unreachable=True), refused=True)
    if any(isinstance(c, urllib3.exceptions.NameResolutionError) for c in causes):
        message = f"could not reach {host}: its host name could not be resolved"
        return RetryableError(NetworkError(message, unreachable=True))
    if any(isinstance(c, urllib3.exceptions.NewConnectionError) for c in causes):
        reason = next((c.strerror for c in causes if isinstance(c, OSError) and c.strerror), "")
        message = f"could not connect to {host}" + (f": {reason}" if reason else "")
        return RetryableError(NetworkError(message, unreachable=True))
    if isinstance(exc, requests.exceptions.SSLError):
        message = f"could not connect to {host}: the TLS handshake failed"
        return RetryableError(NetworkError(message, unreachable=True))
    message = f"the connection to {host} was closed before an answer came"
    return RetryableError(NetworkError(message))


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
