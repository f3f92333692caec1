"""The frame cache: finished frames of closed windows, stored as Parquet beside the response cache.

A pull whose window is closed (its `end_time` more than the response cache's `closed_lag` before
now: `ResponseCache.closed`) and that completed cleanly (every page, the count matched, nothing
stale, every value typed) is stored whole, so a repeat `load_logs` reads one Parquet file instead
of hundreds of cached pages. `TimePayClient.pull` decides when to look and when to store; this
module keeps the files.

- **Where.** A directory beside the response cache's SQLite file, named after it
  (`http_cache.sqlite` -> `http_cache.frames/`), created 0700; each frame is one file
  `<key>.parquet`, created 0600 whatever the umask and written atomically (a temporary file renamed
  over it). A response cache without a file (a requests-cache backend of another kind) has no
  frame cache.
- **Keys.** A hash of the key scope (the base URL, the API's time zone and a SHA-256 fingerprint
  of the `Authorization` header, as the page cache keys its answers: `cache.cache_key`), the
  canonical wire filters and the `tz=` option. Another token, base URL or `tz` never gets the
  frame; the token is never stored.
- **Columns.** `columnar` (`to_table`, and `from_frame_table`: one Arrow conversion, or
  `from_table` for what only it types), the store's own Parquet round trip, so a frame read back
  has exactly `load_logs`' dtypes; the column order, the frame's `attrs` and
  its `PullReport` are kept in the file's metadata. Times are stored naive in the API's zone and
  localized again on read for a `tz=` frame.
- **Expiry.** A frame is fresh for the response cache's `closed_expire_after` (7 days) from its
  file's modification time; `refresh` (after a `count_only` answer confirmed it) starts that
  again. An expired frame is still returned, marked `expired`, for the client to confirm.
- **Damage.** A file that cannot be read back (truncated, not Parquet, other metadata) is deleted
  and counts as a miss: the pull fetches the pages again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .cache import ResponseCache, cache_key
from .columnar import PARTITION, from_frame_table, from_table, to_table
from .pager import PullReport
from .schema import DATETIME, SCHEMA

FORMAT_VERSION = 1
_META_KEY = b"timepay_frame"
_SUFFIX = ".parquet"


@dataclass(frozen=True)
class CachedFrame:
    """A frame read back from the frame cache, its `attrs` and report as stored, and whether it
    is past its expiry."""

    frame: pd.DataFrame
    report: PullReport
    expired: bool


class FrameCache:
    """Finished frames of closed windows, one Parquet file each, in `directory`.

    Args:
        directory: where the files go (created 0700 on the first store).
        expire_after: how long a stored (or refreshed) frame is fresh.
    """

    def __init__(self, directory: Path, *, expire_after: dt.timedelta) -> None:
        self.directory = directory
        self.expire_after = expire_after

    @classmethod
    def beside(cls, responses: ResponseCache) -> FrameCache | None:
        """The frame cache of `responses` (beside its file), or None if it has no file."""
        path = responses.path
        if path is None or not path.name or str(path) == ":memory:":
            return None
        return cls(
            path.with_name(path.stem + ".frames"), expire_after=responses.closed_expire_after
        )

    @staticmethod
    def scope(base_url: str, api_timezone: str, authorization: str) -> str:
        """The part of every key a client shares: its base URL, its API time zone and a
        fingerprint of its `Authorization` header (never the header)."""
        return cache_key("FRAME", f"{base_url} {api_timezone} v{FORMAT_VERSION}", authorization)

    @staticmethod
    def key(scope: str, params: Mapping[str, str], tz: str | None) -> str:
        """The key of a frame of `params` (canonical wire filters) with the `tz=` option."""
        text = json.dumps([scope, sorted(params.items()), tz], separators=(",", ":"))
        return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}{_SUFFIX}"

    def lookup(self, key: str, *, tz: str | None, api_timezone: str) -> CachedFrame | None:
        """The frame stored under `key`, however old (see `CachedFrame.expired`), or None; a
        damaged file is deleted and is a miss."""
        path = self._path(key)
        try:
            modified = path.stat().st_mtime
            table = pq.read_table(path, use_threads=False)
            meta = json.loads((table.schema.metadata or {})[_META_KEY])
            if meta.get("version") != FORMAT_VERSION:
                raise ValueError(f"frame cache format {meta.get('version')!r}")
            table = table.replace_schema_metadata(None)
            options = {"tz": tz, "api_timezone": api_timezone, "json_columns": meta["json_columns"]}
            frame = from_frame_table(table, **options)
            if frame is None:
                frame = from_table(table, **options)
            frame = frame[list(meta["columns"])] if len(frame.columns) else frame
            frame.attrs = dict(meta["attrs"])
            report = PullReport(**meta["report"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        expired = time.time() - modified > self.expire_after.total_seconds()
        return CachedFrame(frame, report, expired)

    def store(
        self, key: str, frame: pd.DataFrame, report: PullReport, *, api_timezone: str
    ) -> None:
        """Store `frame` (as `load_logs` built it, its `attrs` included) and its `report`."""
        naive = _naive(frame, api_timezone)
        table, json_columns = to_table(naive)
        if PARTITION in naive:  # `to_table` leaves the store's partition column out
            dates = pa.array(naive[PARTITION], from_pandas=True).cast(pa.timestamp("us"))
            table = table.append_column(PARTITION, dates)
        meta = {
            "version": FORMAT_VERSION,
            "columns": [str(c) for c in frame.columns],
            "json_columns": sorted(json_columns),
            "attrs": frame.attrs,
            "report": dataclasses.asdict(report),
        }
        text = json.dumps(meta, default=str).encode()
        table = table.replace_schema_metadata({_META_KEY: text})
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        self._write(self._path(key), sink.getvalue().to_pybytes())

    def refresh(self, key: str) -> None:
        """Start the expiry of the frame under `key` again (a count confirmed it)."""
        with contextlib.suppress(FileNotFoundError):
            os.utime(self._path(key))

    def _files(self) -> list[Path]:
        if not self.directory.is_dir():
            return []
        return [p for p in self.directory.iterdir() if p.name.endswith(_SUFFIX)]

    def info(self) -> dict[str, Any]:
        """The directory, how many frames it holds and their size in bytes."""
        files = self._files()
        size = 0
        for path in files:
            with contextlib.suppress(FileNotFoundError):
                size += path.stat().st_size
        return {"frames_dir": str(self.directory), "frames": len(files), "frames_size_bytes": size}

    def clear(self) -> int:
        """Delete every stored frame; returns how many there were."""
        removed = 0
        for path in self._files():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
        return removed

    def _write(self, target: Path, data: bytes) -> None:
        """Write `data` to a private temporary file beside `target`, then rename it over."""
        directory = target.parent
        if not directory.is_dir():
            directory.mkdir(parents=True, mode=0o700, exist_ok=True)
            directory.chmod(0o700)
        temp = directory / f".{target.name}.{uuid.uuid4().hex}.tmp"
        fd = os.open(temp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temp, target)
        finally:
            temp.unlink(missing_ok=True)

    def __repr__(self) -> str:
        return f"FrameCache(directory={str(self.directory)!r})"


def _naive(frame: pd.DataFrame, api_timezone: str) -> pd.DataFrame:
    """`frame` with zone-aware time columns (a `tz=` frame) back in naive API-local time."""
    aware = [
        name
        for name, kind in SCHEMA.items()
        if kind == DATETIME and name in frame and isinstance(frame[name].dtype, pd.DatetimeTZDtype)
    ]
    if not aware:
        return frame
    local = {name: frame[name].dt.tz_convert(api_timezone).dt.tz_localize(None) for name in aware}
    return frame.assign(**local)
