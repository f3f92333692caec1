"""The response cache: `ResponseCache`, the one object that owns keys, expiry, lookup and storage
of the logs API's answers, over requests-cache's SQLite backend (public API only).

- **Where.** `$TIMEPAY_CACHE_DIR/http_cache.sqlite`, else the user's cache directory
  (`platformdirs`, e.g. `~/.cache/timepay-notebook/`). A directory the package creates is made
  0700 (one that exists, such as a `TIMEPAY_CACHE_DIR` you chose, keeps its mode), and the
  database file 0600 before SQLite opens it (SQLite gives its `-wal` and `-shm` files the
  database's mode), whatever the umask. WAL mode and a 30 s busy timeout let threads and several
  kernels share one file (one that another client is opening at the same moment is opened again
  within that timeout: SQLite's switch to WAL does not wait for a lock).
- **Damage.** A file that is not a readable SQLite cache is moved aside (to
  `<name>.damaged-<time>`, named in a `CacheWarning`) and a new cache started; a location that
  can't be written gives no cache, with a `CacheWarning`.
- **Isolation.** Keys hash the method, the URL and a SHA-256 fingerprint of the `Authorization`
  header, so a second token is never served the first token's pages; the token itself is never
  stored (stored requests have the header removed). Only 200 answers whose body is
  `{"success": true, ...}` JSON are stored: never a 401/403, an error page or a truncated body.
- **Expiry.** A page or count of a closed window (its `end_time` more than `closed_lag`, one day by
  default, before now in the API's time zone) is kept for `closed_expire_after` (7 days); any
  other answer (no `end_time`, or a window reaching now) for `expire_after` (5 minutes).
- **Threads.** requests-cache's SQLite backend shares one connection between threads and lets
  reads run on it while another thread writes; with several sessions on one file that can stall
  for the whole busy timeout, and concurrent use of one connection can fail outright ("bad
  parameter or other API misuse"). `ResponseCache` calls its backend under its own lock: each
  connection is used by one thread at a time (HTTP requests stay concurrent). `clear()` deletes
  rows by key (requests-cache's `clear()` drops and re-creates the table, which another process
  using the file at that moment sees as "no such table").
- **Offline.** `lookup` returns a stored answer however old, marked `expired`; when the API cannot
  be reached, the transport serves it (the client warns with `StaleCacheWarning`). requests-cache's
  own `stale_if_error` is not used: it also answers a 401 with stale data, so a revoked token would
  keep reading. The HTTP session is any `requests.Session`; the cache is not part of it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

import platformdirs
import requests
import requests_cache
from requests_cache.backends.base import BaseCache
from requests_cache.backends.sqlite import SQLiteCache

from .errors import CacheWarning, warn_user
from .protocol import API_TIMEZONE

CACHE_DIR_ENV = "TIMEPAY_CACHE_DIR"
CACHE_FILE = "http_cache.sqlite"
EXPIRE_AFTER = dt.timedelta(minutes=5)
CLOSED_EXPIRE_AFTER = dt.timedelta(days=7)
CLOSED_LAG = dt.timedelta(days=1)
BUSY_TIMEOUT_MS = 30_000
OPEN_RETRY = 0.01  # seconds between two opens of a file another client holds locked
DISABLED_INFO: dict[str, Any] = {"enabled": False, "file": None, "size_bytes": 0, "entries": 0}

CacheOption: TypeAlias = (
    bool | str | os.PathLike[str] | requests_cache.CachedSession | BaseCache | None
)


def default_cache_path() -> Path:
    """`$TIMEPAY_CACHE_DIR/http_cache.sqlite`, else in the user's cache directory."""
    root = os.environ.get(CACHE_DIR_ENV) or platformdirs.user_cache_dir("timepay-notebook")
    return Path(root) / CACHE_FILE


@dataclass(frozen=True)
class Stored:
    """A stored JSON answer: its body, its URL, and whether it is past its expiry."""

    body: dict[str, Any]
    url: str
    expired: bool


class ResponseCache:
    """The logs API's answers, stored by token-scoped key, each kept as long as its window allows.

    Args:
        backend: a requests-cache backend (normally `SQLiteCache`; see `open`).
        api_timezone: the zone the API's naive `end_time`s are in.
        expire_after: how long answers of windows reaching now are kept.
        closed_expire_after: how long answers of closed windows are kept.
        closed_lag: how long before now a window's `end_time` must be for it to be closed.
        owned: close the backend on `close()` (False for a backend the caller brought).
    """

    def __init__(
        self,
        backend: BaseCache,
        *,
        api_timezone: str = API_TIMEZONE,
        expire_after: dt.timedelta = EXPIRE_AFTER,
        closed_expire_after: dt.timedelta = CLOSED_EXPIRE_AFTER,
        closed_lag: dt.timedelta = CLOSED_LAG,
        owned: bool = True,
    ) -> None:
        self.backend = backend
        self.api_timezone = api_timezone
        self.expire_after = expire_after
        self.closed_expire_after = closed_expire_after
        self.closed_lag = closed_lag
        self.owned = owned
        self._lock = threading.Lock()  # one thread at a time on the backend's connection

    @classmethod
    def open(cls, where: CacheOption, **policy: Any) -> ResponseCache | None:
        """The cache `where` names: False/None -> None (no cache), True -> the default file, a
        path -> that SQLite file, a `CachedSession` or a requests-cache backend -> its backend
        (left open on `close()`). `policy`: the expiry arguments of `ResponseCache`."""
        if where is None or where is False:
            return None
        if isinstance(where, requests_cache.CachedSession):
            return cls(where.cache, owned=False, **policy)
        if isinstance(where, BaseCache):
            return cls(where, owned=False, **policy)
        path = default_cache_path() if where is True else Path(os.fspath(where))
        try:
            return cls.sqlite(path, **policy)
        except OSError as error:
            warn_user(
                f"the cache file {path} can't be written ({error.strerror or error}), so no "
                "cache is used; choose another place with cache=<path> or TIMEPAY_CACHE_DIR",
                CacheWarning,
            )
            return None
        except sqlite3.OperationalError as error:  # locked past the busy timeout
            warn_user(
                f"the cache file {path} is busy ({error}), so no cache is used for this client; "
                "the file is left as it is",
                CacheWarning,
            )
            return None

    @classmethod
    def sqlite(cls, path: Path, **policy: Any) -> ResponseCache:
        """A cache in the SQLite file `path` (".sqlite" added if it has no suffix, as
        requests-cache does), made private before SQLite opens it; a damaged file is moved
        aside (with a `CacheWarning`) and a new one started."""
        path = path.expanduser()
        if not path.suffix:
            path = path.with_name(path.name + ".sqlite")
        private_file(path)
        try:
            return cls(_open_sqlite(path), **policy)
        except sqlite3.DatabaseError as error:
            if not is_damage(error):
                raise  # busy or locked by another process: the file is fine
            aside = move_aside(path)
            warn_user(
                f"the cache file {path} is damaged ({error}); it was moved to {aside} and a new "
                "cache started (delete the old file when you no longer need it)",
                CacheWarning,
            )
        private_file(path)
        return cls(_open_sqlite(path), **policy)

    @property
    def path(self) -> Path | None:
        """The database file, or None for a backend without one."""
        try:
            return Path(self.backend.db_path)
        except NotImplementedError:
            return None

    def key(self, url: str, authorization: str) -> str:
        """The key of a GET of `url` sent with `authorization` (see `cache_key`)."""
        return cache_key("GET", url, authorization)

    def expiry(self, params: Mapping[str, str]) -> dt.timedelta:
        """How long the answer for `params` is kept (see `expire_after`)."""
        return expire_after(
            params,
            api_timezone=self.api_timezone,
            live=self.expire_after,
            closed=self.closed_expire_after,
            lag=self.closed_lag,
        )

    def closed(self, params: Mapping[str, str]) -> bool:
        """Whether the window of `params` is closed: its `end_time` more than `closed_lag`
        before now in the API's time zone (see `window_closed`)."""
        return window_closed(params, api_timezone=self.api_timezone, lag=self.closed_lag)

    def lookup(self, key: str) -> Stored | None:
        """The answer stored under `key`, however old (see `Stored.expired`), or None."""
        with self._lock:
            response = self.backend.get_response(key)
        if response is None:
            return None
        try:
            body = response.json()
        except ValueError:
            return None
        if not isinstance(body, dict):
            return None
        return Stored(body, str(response.url), bool(response.is_expired))

    def store(self, key: str, response: requests.Response, params: Mapping[str, str]) -> bool:
        """Store `response` under `key` for `expiry(params)` if it is cacheable (a 200 saying
        `success: true`); its request is stored without the `Authorization` header."""
        if not is_cacheable(response):
            return False
        if response.request is not None:
            response = _without_authorization(response)
        expires = requests_cache.get_expiration_datetime(self.expiry(params))
        with self._lock:
            self.backend.save_response(response, cache_key=key, expires=expires)
        return True

    def info(self) -> dict[str, Any]:
        """The cache file, its size in bytes (with its WAL file) and its number of answers."""
        path = self.path
        size = 0
        if path is not None:
            for candidate in (path, path.with_name(path.name + "-wal")):
                size += candidate.stat().st_size if candidate.exists() else 0
        with self._lock:
            entries = len(self.backend.responses)
        return {
            "enabled": True,
            "file": str(path) if path else None,
            "size_bytes": size,
            "entries": entries,
        }

    def clear(self) -> int:
        """Delete every stored answer, row by row in one statement; returns how many there were."""
        with self._lock:
            keys = list(self.backend.responses.keys())
            if keys and isinstance(self.backend, SQLiteCache):
                self.backend.delete(*keys, vacuum=False)  # VACUUM would wait on other readers
            elif keys:
                self.backend.delete(*keys)
        return len(keys)

    def close(self) -> None:
        """Close the backend's connections, if this cache opened it."""
        if self.owned:
            with self._lock:
                self.backend.close()  # type: ignore[no-untyped-call]

    def __enter__(self) -> ResponseCache:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ResponseCache(file={str(self.path)!r})"


def passthrough_options(session: requests.Session) -> dict[str, Any]:
    """Per-request options that make `session` send every request: for a `CachedSession`, the
    standard request header `Cache-Control: no-store`, which requests-cache honours by neither
    answering from nor writing to its own cache (caching is `ResponseCache`'s alone)."""
    if isinstance(session, requests_cache.CachedSession):
        return {"headers": {"Cache-Control": "no-store"}}
    return {}


def _without_authorization(response: requests.Response) -> requests.Response:
    """A shallow copy of `response` whose request has no `Authorization` header."""
    copy = requests.Response()
    copy.__dict__.update(response.__dict__)
    request = response.request.copy()
    request.headers.pop("Authorization", None)
    copy.request = request
    return copy


def _open_sqlite(path: Path) -> SQLiteCache:
    """requests-cache's SQLite backend on `path`, read once so that a damaged file shows here
    (as `sqlite3.DatabaseError`). Opened again while the file is locked, for up to the busy
    timeout: SQLite's switch of a new file to WAL says "database is locked" at once, without
    waiting, when another client opens or switches it at the same moment."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            backend = SQLiteCache(path, wal=True, busy_timeout=BUSY_TIMEOUT_MS)
        except sqlite3.OperationalError as error:
            if is_damage(error) or time.monotonic() >= deadline:
                raise
            time.sleep(OPEN_RETRY)
            continue
        try:
            len(backend.responses)
        except sqlite3.DatabaseError:
            backend.close()  # type: ignore[no-untyped-call]
            raise
        return backend


def is_damage(error: sqlite3.DatabaseError) -> bool:
    """Whether SQLite's `error` says the file is damaged (not a database, malformed), not only
    busy: "database is locked" is an `OperationalError`, a `DatabaseError` too."""
    if not isinstance(error, sqlite3.OperationalError):
        return True
    text = str(error).lower()
    return "malformed" in text or "not a database" in text


def move_aside(path: Path) -> Path:
    """Rename `path` (and its `-wal` and `-shm` files) to `<name>.damaged-<time>`; the new name."""
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    for suffix in ("", "-wal", "-shm"):
        source = path.with_name(path.name + suffix)
        if source.exists():
            source.replace(aside.with_name(aside.name + suffix))
    return aside


def private_file(path: Path) -> None:
    """Make `path` a file only its owner can read (0600), in a directory made 0700 if it has to
    be created (an existing directory keeps its mode); never relies on the umask."""
    directory = path.parent
    if not directory.exists():
        directory.mkdir(parents=True, mode=0o700, exist_ok=True)
        directory.chmod(0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    for suffix in ("-wal", "-shm"):
        sibling = path.with_name(path.name + suffix)
        if sibling.exists():
            sibling.chmod(0o600)


def cache_key(method: str, url: str, authorization: str) -> str:
    """The key of a request: its method, its URL (this package builds URLs canonically, filters
    in one order) and a SHA-256 fingerprint of its `Authorization` header, never the header."""
    fingerprint = hashlib.sha256(b"timepay-cache\x00" + authorization.encode()).hexdigest()
    return hashlib.blake2b(f"{method} {url} {fingerprint}".encode(), digest_size=16).hexdigest()


def is_cacheable(response: requests.Response) -> bool:
    """Only a 200 whose body is a JSON object saying `success: true`."""
    if response.status_code != 200:
        return False
    try:
        body = json.loads(response.content)
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("success") is True


def expire_after(
    params: Mapping[str, str],
    *,
    api_timezone: str,
    live: dt.timedelta = EXPIRE_AFTER,
    closed: dt.timedelta = CLOSED_EXPIRE_AFTER,
    lag: dt.timedelta = CLOSED_LAG,
    now: dt.datetime | None = None,
) -> dt.timedelta:
    """How long an answer for `params` may be kept: long if its window is closed, else briefly."""
    end = params.get("end_time")
    if not end:
        return live
    local_now = (now or dt.datetime.now(ZoneInfo(api_timezone))).replace(tzinfo=None)
    closed_window = dt.datetime.fromisoformat(end) < local_now - lag
    return closed if closed_window else live


def window_closed(
    params: Mapping[str, str],
    *,
    api_timezone: str,
    lag: dt.timedelta = CLOSED_LAG,
    now: dt.datetime | None = None,
) -> bool:
    """Whether `params` has an `end_time` more than `lag` before now (in the API's zone)."""
    end = params.get("end_time")
    if not end:
        return False
    local_now = (now or dt.datetime.now(ZoneInfo(api_timezone))).replace(tzinfo=None)
    return dt.datetime.fromisoformat(end) < local_now - lag
