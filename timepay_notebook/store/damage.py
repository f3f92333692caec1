"""Missing or damaged day files: found against the manifest, named, and repaired by a sync.

The manifest records each day file as written (`files`: rows, bytes, first and last start
time). A recorded file that is gone is **missing**; a file whose size differs from the record
and whose Parquet footer does not read (a truncated copy, a disk error) is **unreadable**.
`read_store` raises `StoreError` naming such files and the command that fixes them; every sync
repairs them first (`repair_damage`): it removes the damaged file, takes its span (its first to
last start time, or its whole day when not recorded) out of what the store covers, and the sync
then fetches exactly that span again like any span not covered. `sync_logs(..., repair=True)`
also reads every file in full, which finds damage that leaves a file's size and footer intact.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..columnar import NO_START, NULL_PARTITION, PARTITION, start_seconds
from ..errors import StoreError
from .files import DATA_FILE, REPAIR_HINT, Store
from .manifest import DayFile
from .spans import DAY, Span, subtract, to_seconds


def find_damage(
    store: Store, keys: Iterable[str] | None = None, *, thorough: bool = False
) -> dict[str, str]:
    """The day files among `keys` (default: all) that are missing or unreadable -> why.

    Cheap by default: a `stat` per file, and a footer read where the size differs from the
    manifest's record or there is no record (a store written before files were recorded).
    `thorough` reads every file in full.
    """
    on_disk = store.partitions()
    recorded = store.manifest.files
    wanted = sorted(recorded.keys() | on_disk.keys()) if keys is None else keys
    found: dict[str, str] = {}
    for key in wanted:
        info, path = recorded.get(key), on_disk.get(key)
        if path is None:
            if info is not None:
                found[key] = "missing"
            continue
        if thorough or info is None or path.stat().st_size != info.bytes:
            why = unreadable(path, thorough=thorough)
            if why is not None:
                found[key] = why
    return found


def unreadable(path: Path, *, thorough: bool = True) -> str | None:
    """Why the Parquet file at `path` cannot be read (None if it can)."""
    try:
        if thorough:
            pq.read_table(path)
        else:
            pq.read_metadata(path)
    except (OSError, pa.ArrowException) as error:
        return f"unreadable ({type(error).__name__}: {error})"
    return None


def damage_error(store: Store, found: dict[str, str]) -> StoreError:
    """The `StoreError` that names the damaged files and the command that repairs them."""
    named = [f"{file_of(store, key)} is {why}" for key, why in sorted(found.items())]
    shown = "; ".join(named[:5]) + (f"; and {len(named) - 5} more" if len(named) > 5 else "")
    return StoreError(
        f"the store at {store.path} is damaged: {shown}. The logs of "
        f"{'that day' if len(found) == 1 else 'those days'} are not read; {REPAIR_HINT}"
    )


def file_of(store: Store, key: str) -> Path:
    """The day file of partition `key`."""
    return store.path / f"{PARTITION}={key}" / DATA_FILE


def repair_damage(store: Store, *, thorough: bool = False) -> list[str]:
    """Remove the damaged day files and take their spans out of what the store covers, so the
    sync that follows fetches them again; the partitions repaired. Saves the manifest."""
    found = find_damage(store, thorough=thorough)
    manifest = store.manifest
    for key in found:
        manifest.covered = subtract(manifest.covered, [_span_of(store, key)])
        manifest.files.pop(key, None)
        target = file_of(store, key)
        target.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            target.parent.rmdir()
    for key, path in store.partitions().items():  # record files a store did not record yet
        if key not in manifest.files:
            times = pq.read_table(path, columns=["start_time"])
            seconds = start_seconds(times) if times.num_rows else np.array([NO_START])
            size = path.stat().st_size
            manifest.files[key] = DayFile(
                times.num_rows, size, int(seconds.min()), int(seconds.max())
            )
            found.setdefault(key, "")  # saved below
    if found:
        store.save()
    return sorted(k for k, why in found.items() if why)


def _span_of(store: Store, key: str) -> Span:
    """The start times a day file held: as recorded, else its day (everything for the file of
    logs without a date)."""
    info = store.manifest.files.get(key)
    if info is not None and info.first != NO_START:
        return info.first, info.last
    if key == NULL_PARTITION:
        return 0, 2**62
    start = to_seconds(f"{key}T00:00:00")
    return start, start + DAY - 1
