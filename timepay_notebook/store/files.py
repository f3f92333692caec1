"""The local Parquet store of one filter set: layout, manifest, atomic writes, the writer's lock.

Layout (plain Parquet, Hive-style partitions by the log's `date`)::

    PATH/
      _timepay_store.json             the manifest (below); readers of *.parquet skip it
      _timepay_store.lock             locked by the sync writing to the store
      date=2026-01-05/logs.parquet    one file per day, newest start_time first
      date=2026-01-06/logs.parquet
      ...

Column types are in `timepay_notebook.columnar`. DuckDB reads the store as
`read_parquet('PATH/*/*.parquet', hive_partitioning = true)`; Spark and Dask read `PATH`.

**Manifest**: see `store.manifest`.

**Writes.** Windows are written in batches (`write_windows`; a sync hands over the windows it
pulled since its last write), partition by partition: each touched day is read once, merged with
every window of the batch and written once, to a hidden temporary file in its directory, then
`os.replace`d over `logs.parquet`, so a reader sees a day's old file or its new one, never half
of one. Merging a window that covers `start`..`end` replaces the day's logs whose start time is
in that span (the window is the API's truth for it, so a log deleted upstream goes too) and any
log with the same id (`protocol.ID_FIELDS`), wherever in the day: no duplicates (within a batch,
the window written last wins). A day the batch brings no logs to (a day of margin, or one a
window empties) is read first only in its start times and ids, and read whole and written again
only if it loses logs. The sync records a window in `covered` only after its batch's files
are in place. One sync writes at a time (an exclusive `flock` on the lock file; not on Windows).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..columnar import (
    NULL_PARTITION,
    PARTITION,
    id_key_array,
    partition_keys,
    start_seconds,
    store_table,
    to_table,
    with_partition,
)
from ..errors import StoreError, StoreMismatchError
from ..protocol import ID_FIELDS
from .manifest import DayFile, Manifest, identity
from .spans import DAY, Span, day_of, merge, subtract

if sys.platform != "win32":
    import fcntl

MANIFEST = "_timepay_store.json"
LOCK_FILE = "_timepay_store.lock"
DATA_FILE = "logs.parquet"
NEWEST_FIRST = [("start_time", "descending", "at_end")]  # a stable sort: ties keep their order
STATISTICS = ("start_time", "end_time", "duration")  # the columns with min/max in each file


@dataclass(frozen=True)
class WriteStats:
    """What writing one window changed: logs new to the store, logs replaced by a newer copy,
    logs removed (gone from the API in the window's span), the newest start time written."""

    added: int = 0
    updated: int = 0
    removed: int = 0
    newest: int | None = None


@dataclass(frozen=True)
class Fetched:
    """A window's logs as the store writes them: its Arrow table (`columnar.to_table`), each row's
    partition, the JSON columns, and the window's span."""

    table: pa.Table
    keys: np.ndarray
    json_columns: frozenset[str]
    span: Span

    @classmethod
    def of(cls, frame: pd.DataFrame, span: Span) -> Fetched:
        """The logs of `frame` (typed as `load_logs` types it), fetched for `span`."""
        table, json_columns = to_table(frame)
        return cls(table, partition_keys(frame), frozenset(json_columns), span)

    @classmethod
    def of_arrow(cls, typed: pa.Table, objects: dict[str, list[Any]], span: Span) -> Fetched:
        """The logs of a pull's Arrow columns (`TimePayClient.pull_arrow`), fetched for `span`:
        the same table as `of` the frame they would make, without making it."""
        table, json_columns, keys = store_table(typed, objects)
        return cls(table, keys, frozenset(json_columns), span)

    def cut(self, since: int) -> tuple[Fetched | None, Fetched | None]:
        """(its logs of the days from `since` on, the rest), `since` being a day's first second:
        the rows by partition and the span cut at `since`; None for an empty side. Rows of no
        day (`NULL_PARTITION`) stay with the rest while it has a span."""
        start, end = self.span
        if since <= start:
            return self, None
        if since > end:
            return None, self
        keys = self.keys
        newer = (keys >= day_of(since)) & (keys != NULL_PARTITION)
        first = int(newer.sum())
        together = newer[:first].all()  # the newer days first, as the API sends them
        taken = slice(0, first) if together else newer
        left = slice(first, len(keys)) if together else ~newer
        part = Fetched(_rows(self.table, taken), keys[taken], self.json_columns, (since, end))
        rest = Fetched(_rows(self.table, left), keys[left], self.json_columns, (start, since - 1))
        return part, rest

    @cached_property
    def logs_by_day(self) -> Counter[str]:
        """How many of its logs each day (partition) holds (counted once)."""
        return Counter(self.keys.tolist())

    @property
    def newest(self) -> int | None:
        """The newest start time in it (None: no logs with one)."""
        if not self.table.num_rows:
            return None
        seconds = start_seconds(self.table)
        return int(seconds.max()) if seconds.max() >= 0 else None


class Store:
    """A store directory and its manifest. `open` one that exists, or `create` one."""

    def __init__(self, path: str | os.PathLike[str], manifest: Manifest) -> None:
        self.path = Path(path)
        self.manifest = manifest
        self._lock = threading.Lock()  # writes within this process
        self._saving = threading.Lock()  # saves of the manifest

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> Store:
        """The store at `path`; `StoreError` if there is none."""
        where = Path(path) / MANIFEST
        try:
            data = json.loads(where.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StoreError(
                f"{Path(path)} is not a TimePay store (no {MANIFEST}): sync to it first"
            ) from None
        except (OSError, ValueError) as error:
            raise StoreError(f"cannot read {where}: {error}") from None
        if not isinstance(data, dict):
            raise StoreError(f"{where} is not a valid store manifest")
        return cls(path, Manifest.from_json(data, where))

    @classmethod
    def create(cls, path: str | os.PathLike[str], manifest: Manifest) -> Store:
        """A new store at `path` (an empty or missing directory)."""
        root = Path(path)
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise StoreError(f"{root} exists and is not a TimePay store: choose an empty directory")
        root.mkdir(parents=True, exist_ok=True)
        store = cls(root, manifest)
        store.manifest.created_at = _utc_now()
        store.save()
        return store

    def check(self, filters: Mapping[str, str], api_timezone: str) -> None:
        """Raise `StoreMismatchError` unless the store holds exactly these filters."""
        if identity(filters) != self.manifest.filters or api_timezone != self.manifest.api_timezone:
            raise StoreMismatchError(
                f"{self.path} holds logs for filters {self.manifest.filters or '{}'} "
                f"({self.manifest.api_timezone}), not {identity(filters) or '{}'} ({api_timezone}): "
                "a store keeps one filter set; sync other filters to another path"
            )

    def check_subset(self, filters: Mapping[str, str]) -> None:
        """Raise `StoreMismatchError` if `filters` contradict the store's own filters."""
        clash = {k: v for k, v in identity(filters).items() if self.manifest.filters.get(k, v) != v}
        if clash:
            raise StoreMismatchError(
                f"{self.path} holds only logs with {self.manifest.filters}; it cannot answer "
                f"{clash}: sync those filters to another path"
            )

    def save(self) -> None:
        """Write the manifest atomically (as it is between two writes or records: a sync
        records windows verified by count while a batch of others is being written)."""
        with self._saving:  # the newest state is written last
            with self._lock:
                self.manifest.updated_at = _utc_now()
                text = json.dumps(self.manifest.to_json(), indent=2, ensure_ascii=False) + "\n"
            _replace(self.path / MANIFEST, text.encode())

    @contextmanager
    def writing(self) -> Iterator[Store]:
        """Hold the store's lock file (one sync writes at a time); removes stale temp files."""
        handle = open(self.path / LOCK_FILE, "a+b")  # noqa: SIM115 - held open while locked
        try:
            if sys.platform != "win32":
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    raise StoreError(f"another sync is writing to {self.path}") from None
            for pattern in (f"*/.{DATA_FILE}.*.tmp", f".{MANIFEST}.*.tmp"):
                for stale in self.path.glob(pattern):  # left by a killed sync
                    stale.unlink(missing_ok=True)
            yield self
        finally:
            handle.close()  # releases the lock

    # -- reading ----------------------------------------------------------------------------

    def partitions(self) -> dict[str, Path]:
        """Partition value (`YYYY-MM-DD`, or the null partition) -> its data file."""
        found: dict[str, Path] = {}
        for entry in os.scandir(self.path):
            key = entry.name.removeprefix(f"{PARTITION}=")
            if entry.is_dir() and key != entry.name:
                data = Path(entry.path) / DATA_FILE
                if data.is_file():
                    found[key] = data
        return found

    def keys_between(
        self, low: int | None, high: int | None, on_disk: Collection[str] | None = None
    ) -> list[str]:
        """The partitions (on disk or recorded) that may hold start times in `low`..`high`,
        newest first (a day of margin each side, in case a log's `date` is not its start
        time's; the null partition last). `on_disk`: the partitions, if just listed."""
        first = _day(low - DAY) if low is not None else ""
        last = _day(high + DAY) if high is not None else "9999-12-31"
        if on_disk is None:
            on_disk = self.partitions().keys()
        known = set(on_disk) | self.manifest.files.keys()  # recorded: maybe missing
        keys = [k for k in known if k == NULL_PARTITION or first <= k <= last]
        return sorted(keys, key=lambda k: (k != NULL_PARTITION, k), reverse=True)

    def read(self, keys: list[str], columns: list[str] | None = None) -> pa.Table:
        """The rows of partitions `keys`, in that order, with their `date` column."""
        files = self.partitions()
        tables = [with_partition(_read_table(files[k], columns), k) for k in keys if k in files]
        if not tables:
            return pa.table({})
        return pa.concat_tables(tables, promote_options="permissive")

    def start_times(self, low: int, high: int) -> np.ndarray:
        """The start times (seconds, sorted) of the stored logs in `low`..`high`."""
        table = self.read(self.keys_between(low, high), columns=["start_time"])
        if table.num_rows == 0:
            return np.empty(0, dtype=np.int64)
        seconds = start_seconds(table)
        return np.sort(seconds[(seconds >= low) & (seconds <= high)])

    def count_logs(self) -> int:
        """How many logs the store holds (from the files' footers)."""
        return sum(_checked(pq.read_metadata, f).num_rows for f in self.partitions().values())

    # -- writing ----------------------------------------------------------------------------

    def write_window(self, frame: pd.DataFrame, span: Span) -> WriteStats:
        """Merge the logs a window fetched (a `load_logs`-typed frame) into the store."""
        return self.write_windows([Fetched.of(frame, span)])

    def write_windows(self, windows: list[Fetched]) -> WriteStats:
        """Merge the logs of `windows` (disjoint spans) into the store, each day read and
        written once; what they changed, together."""
        if not windows:
            return WriteStats()
        table = pa.concat_tables([w.table for w in windows], promote_options="permissive")
        keys = np.concatenate([w.keys for w in windows])
        new_ids = id_key_array(table)
        valid_ids = pc.drop_null(new_ids)
        if pc.count_distinct(valid_ids).as_py() < len(valid_ids):  # rare: look for which
            repeated = pd.Series(new_ids.to_numpy(zero_copy_only=False)).duplicated(keep="last")
            unique = ~(repeated.to_numpy() & pc.is_valid(new_ids).to_numpy(zero_copy_only=False))
            # a log fetched by two windows of the batch: the last one's copy
            mask = pa.array(unique)
            table, keys, new_ids = table.filter(mask), keys[unique], new_ids.filter(mask)
            valid_ids = pc.drop_null(new_ids)
        incoming = valid_ids.combine_chunks()
        spans = [w.span for w in windows]
        replaced: list[pa.Array] = []
        removed = 0
        with self._lock:
            files = self.partitions()
            days = _rows_by_day(keys)
            for span in spans:  # days the windows cover, though no log of the batch is in them
                for key in self.keys_between(*span, files):
                    days.setdefault(key, slice(0, 0))
            for key in sorted(days):  # one at a time (side by side: more memory, no faster)
                part = _rows(table, days[key])
                removed += self._merge_partition(
                    key, files.get(key), part, spans, incoming, replaced
                )
            json_columns = set().union(*(w.json_columns for w in windows))
            self.manifest.json_columns = sorted(set(self.manifest.json_columns) | json_columns)
        updated = pc.unique(pa.chunked_array(replaced, type=pa.string()))
        fresh = pc.invert(pc.fill_null(pc.is_in(new_ids, value_set=updated), False))
        added = int(pc.sum(fresh).as_py() or 0)
        newest = [n for n in (w.newest for w in windows) if n is not None]
        return WriteStats(added, len(updated), removed, max(newest) if newest else None)

    def _merge_partition(
        self,
        key: str,
        stored: Path | None,
        part: pa.Table,
        spans: list[Span],
        incoming: pa.Array,
        replaced: list[Any],
    ) -> int:
        """Merge `part` into partition `key` (its file: `stored`, None if it has none yet),
        replacing the stored logs in `spans` and those whose id is `incoming`; adds the ids
        replaced to `replaced`; returns the stored logs removed (not replaced). A day the batch
        brings nothing to (a day of margin, mostly) is first read only in the columns that decide
        what goes, and read whole only if something does."""
        target = self.path / f"{PARTITION}={key}" / DATA_FILE
        if stored is None:
            if part.num_rows:
                self._write(key, target, part)
            return 0
        deciding = None if part.num_rows else _deciding_columns(stored)
        old = _read_table(stored, deciding)
        seconds = start_seconds(old)
        old_ids = id_key_array(old)
        is_replaced = pc.fill_null(pc.is_in(old_ids, value_set=incoming), False)
        replaced_now = is_replaced.to_numpy(zero_copy_only=False)
        in_spans = np.zeros(len(seconds), dtype=bool)
        for start, end in spans:
            in_spans |= (seconds >= start) & (seconds <= end)
        drop = replaced_now | in_spans
        if not drop.any() and not part.num_rows:
            return 0
        if deciding is not None:  # the day loses logs: all of its columns are written again
            old = _read_table(stored)
        replaced.extend(old_ids.filter(is_replaced).chunks)
        kept = old.filter(pa.array(~drop))
        merged = (
            pa.concat_tables([kept, part], promote_options="permissive") if part.num_rows else kept
        )
        if merged.num_rows:
            self._write(key, target, merged)
        else:
            target.unlink()
            self.manifest.files.pop(key, None)
            _remove_empty_dir(target.parent)
        return int((drop & ~replaced_now).sum())

    def _write(self, key: str, target: Path, table: pa.Table) -> None:
        """Write a day file and record it in the manifest (saved with the window)."""
        size = _write_table(target, table)
        seconds = start_seconds(table)
        self.manifest.files[key] = DayFile(
            table.num_rows, size, int(seconds.min()), int(seconds.max())
        )

    def record(self, span: Span, newest: int | None) -> None:
        """Mark `span` as brought up to date and raise the high-water mark to `newest`."""
        with self._lock:
            manifest = self.manifest
            manifest.covered = merge([*manifest.covered, span])
            if newest is not None:
                manifest.high_water_mark = max(manifest.high_water_mark or newest, newest)

    def gaps(self, low: int | None, high: int | None) -> list[Span]:
        """The spans of `low`..`high` (default: the store's whole range) it does not cover, up
        to the end of its last sync."""
        covered = self.manifest.covered
        start = low if low is not None else self.manifest.origin
        if start is None or not covered:
            return []
        end = min(high if high is not None else covered[-1][1], covered[-1][1])
        return subtract([(start, end)], covered) if start <= end else []


REPAIR_HINT = (
    "run sync_logs(path, ..., repair=True) or `timepay-notebook sync PATH --repair` (the next "
    "sync repairs it too) to fetch those days again"
)


def _read_table(path: Path, columns: list[str] | None = None) -> pa.Table:
    """A day file; `StoreError` naming it if it does not read."""
    table: pa.Table = _checked(pq.read_table, path, columns=columns)
    return table


def _deciding_columns(path: Path) -> list[str]:
    """The columns of a day file that decide which of its logs a merge drops: start time, ids."""
    names = set(_checked(pq.read_schema, path).names)
    return [name for name in ("start_time", *ID_FIELDS) if name in names]


def _checked(read: Any, path: Path, **options: Any) -> Any:
    try:
        return read(path, **options)
    except (OSError, pa.ArrowException) as error:
        raise StoreError(
            f"{path} is unreadable ({type(error).__name__}: {error}): the store is damaged; "
            f"{REPAIR_HINT}"
        ) from None


def _rows_by_day(keys: np.ndarray) -> dict[str, slice | np.ndarray]:
    """Each partition's rows (`keys`: one a row): a slice when they are together, as they mostly
    are (windows come newest first, their rows too), else a mask."""
    codes, names = pd.factorize(keys)
    starts = np.flatnonzero(np.diff(codes, prepend=-1))  # where a run of one day begins
    if len(starts) == len(names):  # one run a day (or none), in the order factorize found them
        ends = [*starts[1:].tolist(), len(codes)] if len(starts) else []
        return {
            key: slice(start, end)
            for key, start, end in zip(names.tolist(), starts.tolist(), ends, strict=True)
        }
    return {key: codes == code for code, key in enumerate(names.tolist())}


def _rows(table: pa.Table, rows: slice | np.ndarray) -> pa.Table:
    """The `rows` of `table`: a slice shares its memory; a mask copies every column."""
    if isinstance(rows, slice):
        return table.slice(rows.start, rows.stop - rows.start)
    return table.filter(pa.array(rows))


def _newest_first(table: pa.Table) -> pa.Table:
    """`table` sorted newest start time first (a stable sort), its chunks' dictionaries one;
    not copied if it already is sorted, as a window's rows mostly are. (Parquet writes a column
    whose dictionary changes from one chunk to the next without dictionary encoding.)"""
    order = pc.sort_indices(table, sort_keys=NEWEST_FIRST).to_numpy()
    if not np.array_equal(order, np.arange(len(order))):
        return table.take(order)  # one chunk, one dictionary
    if any(column.num_chunks > 1 for column in table.columns):
        return table.unify_dictionaries()
    return table


def _write_table(target: Path, table: pa.Table) -> int:
    """Write `table`, newest start time first, to `target` atomically (`_replace`); its size.

    Only the category columns are dictionary-encoded, and only the time and number columns
    carry statistics (what a reader prunes a day's rows by; min/max of free text prune
    nothing): about 30% less CPU than Parquet's defaults, files 3% larger."""
    target.parent.mkdir(exist_ok=True)
    sink = pa.BufferOutputStream()
    types = zip(table.column_names, table.schema.types, strict=True)
    pq.write_table(
        _newest_first(table),
        sink,
        use_dictionary=[name for name, kind in types if pa.types.is_dictionary(kind)],
        write_statistics=[name for name in STATISTICS if name in table.column_names],
    )
    data = memoryview(sink.getvalue())  # written as it is, not copied into `bytes`
    _replace(target, data)
    return data.nbytes


def _replace(target: Path, data: bytes | memoryview) -> None:
    """Write `data` to a temporary file beside `target`, sync it, and rename it over `target`:
    readers see the old file or the new one, never half of one."""
    temp = target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp"
    try:
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def _remove_empty_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):  # something else is in it
        directory.rmdir()


def _day(seconds: int) -> str:
    return day_of(max(seconds, 0))


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
