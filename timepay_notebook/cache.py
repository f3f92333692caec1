"""The response cache: requests-cache's SQLite backend, scoped by token, private, and expiring
by how settled the data is.

- **Where.** `$TIMEPAY_CACHE_DIR/http_cache.sqlite`, else the user's cache directory
  (`platformdirs`, e.g. `~/.cache/timepay-notebook/`). The directory is created 0700 and the
  database file 0600 before SQLite opens it (SQLite gives its `-wal` and `-shm` files the
  database's mode), whatever the umask. WAL mode and a 30 s busy timeout let threads and several
  kernels share one file.
- **Isolation.** requests-cache leaves `Authorization` out of its keys by default, so on its own a
  second token would be served the first token's pages. Keys here hash the token too (a
  SHA-256 fingerprint; the token itself is never stored, and stored requests have the header
  redacted). Only 200 answers whose body is `{"success": true, ...}` JSON are stored: never a
  401/403, an error page or a truncated body.
- **Expiry.** A page or count of a closed window (its `end_time` more than `closed_lag`, one day by
  default, before now in the API's time zone) is kept for `closed_expire_after` (7 days); any
  other answer (no `end_time`, or a window reaching now) for `expire_after` (5 minutes).
- **Threads.** requests-cache shares one SQLite connection between a session's threads and
  lets reads run on it while another thread writes; with several sessions on one file that can
  stall for the whole busy timeout, and concurrent use of one connection can fail outright
  ("bad parameter or other API misuse"). `LockedSQLiteCache` takes the connection's lock for
  reads too: each connection is used by one thread at a time (HTTP requests stay concurrent).
- **Offline.** When the API cannot be reached, the transport serves the stale stored answer
  instead, with a `StaleCacheWarning`. (requests-cache's own `stale_if_error` is not used: it also
  answers a 401 with stale data, so a revoked token would keep reading.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import platformdirs
import requests
import requests_cache
from requests_cache.backends.base import BaseCache
from requests_cache.backends.sqlite import SQLiteCache, SQLiteDict

CACHE_DIR_ENV = "TIMEPAY_CACHE_DIR"
CACHE_FILE = "http_cache.sqlite"
EXPIRE_AFTER = dt.timedelta(minutes=5)
CLOSED_EXPIRE_AFTER = dt.timedelta(days=7)
CLOSED_LAG = dt.timedelta(days=1)
BUSY_TIMEOUT_MS = 30_000

CacheOption = bool | str | os.PathLike[str] | requests_cache.CachedSession | None


def default_cache_path() -> Path:
    """`$TIMEPAY_CACHE_DIR/http_cache.sqlite`, else in the user's cache directory."""
    root = os.environ.get(CACHE_DIR_ENV) or platformdirs.user_cache_dir("timepay-notebook")
    return Path(root) / CACHE_FILE


def open_session(cache: CacheOption) -> requests.Session:
    """A session for `cache`: False/None -> no cache, True -> the default file, a path -> that
    file, a `CachedSession` -> itself, made token-safe if it has no key function of its own."""
    if cache is None or cache is False:
        return requests.Session()
    if isinstance(cache, requests_cache.CachedSession):
        settings = cache.settings
        if getattr(settings, "key_fn", None) is None:
            settings.key_fn = token_scoped_key
        if getattr(settings, "filter_fn", None) is None:
            settings.filter_fn = is_cacheable
        settings.stale_if_error = False
        return cache
    path = default_cache_path() if cache is True else Path(os.fspath(cache)).expanduser()
    private_file(path, own_directory=cache is True)
    return requests_cache.CachedSession(
        backend=LockedSQLiteCache(path, wal=True, busy_timeout=BUSY_TIMEOUT_MS),
        expire_after=EXPIRE_AFTER,
        allowable_codes=(200,),
        allowable_methods=("GET",),
        key_fn=token_scoped_key,
        filter_fn=is_cacheable,
        stale_if_error=False,
        cache_control=False,
    )


class LockedSQLiteDict(SQLiteDict):
    """An `SQLiteDict` whose connection is used by one thread at a time, reads included."""

    @contextmanager
    def connection(self, commit: bool = False) -> Iterator[Any]:
        with self._lock, super().connection(commit) as con:
            yield con

    def clear(self) -> None:
        """Delete every row in one transaction (requests-cache drops and re-creates the table,
        which another process using the file at that moment sees as "no such table")."""
        with self.connection(commit=True) as con:
            con.execute(f"DELETE FROM {self.table_name}")  # noqa: S608 - our own table name


class LockedSQLiteCache(SQLiteCache):
    """requests-cache's SQLite backend on `LockedSQLiteDict`s."""

    def __init__(self, db_path: Path, **kwargs: Any) -> None:
        BaseCache.__init__(self, cache_name=str(db_path))  # not SQLiteCache's: no second connection
        self.responses = LockedSQLiteDict(db_path, table_name="responses", **kwargs)
        self.redirects = LockedSQLiteDict(
            db_path, table_name="redirects", lock=self.responses._lock, serializer=None, **kwargs
        )


def private_file(path: Path, *, own_directory: bool = False) -> None:
    """Make `path` a file only its owner can read (0600), and its directory 0700 if it is ours
    (`own_directory`) or had to be created; never relies on the umask."""
    directory = path.parent
    if own_directory or not directory.exists():
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


def token_scoped_key(request: Any, **kwargs: Any) -> str:
    """requests-cache `key_fn`: `cache_key` of a prepared request."""
    headers = request.headers or {}
    return cache_key(request.method or "GET", request.url, headers.get("Authorization", ""))


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


def cache_info(session: requests.Session) -> dict[str, Any]:
    """The cache file, its size in bytes (with WAL files) and its number of stored answers."""
    if not isinstance(session, requests_cache.CachedSession):
        return {"enabled": False, "file": None, "size_bytes": 0, "entries": 0}
    backend = session.cache
    path = Path(str(getattr(backend, "db_path", ""))) if hasattr(backend, "db_path") else None
    size = 0
    if path is not None:
        for candidate in (path, path.with_name(path.name + "-wal")):
            size += candidate.stat().st_size if candidate.exists() else 0
    return {
        "enabled": True,
        "file": str(path) if path else None,
        "size_bytes": size,
        "entries": len(backend.responses),
    }


def clear_cache(session: requests.Session) -> int:
    """Delete every stored answer; returns how many there were."""
    if not isinstance(session, requests_cache.CachedSession):
        return 0
    entries = len(session.cache.responses)
    session.cache.clear()  # type: ignore[no-untyped-call]
    return entries
