"""`read_store`: the logs of a store, filtered and typed as `load_logs` types them; no network."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from ..columnar import PARTITION, from_table
from ..errors import PartialDataWarning, warn_user
from ..filters import normalize_filters, zone
from ..protocol import TIME_FILTERS
from ..schema import SCHEMA
from .damage import damage_error, find_damage, unreadable
from .files import NEWEST_FIRST, Store
from .manifest import identity
from .spans import Span, seconds_or_none, to_wire, wire_or_none

_DATE = pa.timestamp("us")
FILTER_COLUMNS = {
    "type": "type",
    "status": "status",
    "disposition": "disposition",
    "from_phone": "from",
    "phone": "to",
    "campaign_id": "campaign_id",
    "agent_id": "agent_id",
}
"""The column each non-time filter matches exactly (time filters match `start_time`)."""


def read_store(
    path: str | os.PathLike[str],
    *,
    columns: Sequence[str] | None = None,
    where: pc.Expression | None = None,
    tz: str | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """The logs in the store at `path` that match `filters`, typed exactly as `load_logs` types
    them, newest first; no network.

    Args:
        path: a directory `sync_logs` wrote.
        columns: only these columns, in this order (default: all); only they are read from
            the files (with `start_time` and the filtered columns).
        where: a `pyarrow.compute` expression over the stored columns, pushed down to the
            Parquet reader; on `date` (a `datetime.date` partition, e.g.
            `pc.field("date") >= datetime.date(2026, 3, 1)`) it skips the other days' files.
        tz: localize times to the API's zone and convert them to `tz` (default: naive).
        **filters: the filters of `load_logs` (validated the same way, `FilterError`). Times
            read only the days they reach, then match `start_time`; the others match their
            column exactly. Filters that contradict the store's own are a `StoreMismatchError`.

    A `PartialDataWarning` says when the time range asked for has spans the store does not
    cover (before its origin, or windows of an incomplete sync). A day file that is missing or
    unreadable is a `StoreError` naming it (`sync_logs(..., repair=True)` fetches it again).
    `df.attrs` names the store, its filters, what it covers and when it was synced.
    """
    store = Store.open(path)
    manifest = store.manifest
    if tz is not None:
        zone(tz)
    if where is not None and not isinstance(where, pc.Expression):
        raise TypeError(f"where must be a pyarrow.compute expression, got {where!r}")
    params = normalize_filters(filters, api_timezone=manifest.api_timezone, options=("tz",))
    store.check_subset(params)
    low, high = (seconds_or_none(params.get(name)) for name in TIME_FILTERS)
    keys = store.keys_between(low, high)
    damaged = find_damage(store, keys)
    if damaged:
        raise damage_error(store, damaged)
    wanted = _needed(columns, params)
    table = _scan(store, keys, wanted, where)
    if table.num_rows:
        mask = _matches(table, params, low, high)
        if not mask.all():
            table = table.filter(pa.array(mask))
        table = _newest_first(table)
    frame = from_table(
        table,
        tz=tz,
        api_timezone=manifest.api_timezone,
        json_columns=manifest.json_columns,
        columns=None if columns is None else list(columns),
    )
    gaps = store.gaps(low, high)
    if gaps:
        warn_user(
            f"the store at {store.path} does not cover {_describe(gaps)}: logs from then are "
            "missing (run sync_logs with these times to fetch them)",
            PartialDataWarning,
        )
    frame.attrs.update(
        {
            "source": "store",
            "store": str(store.path),
            "filters": dict(params),
            "store_filters": dict(manifest.filters),
            "covered": [[to_wire(s), to_wire(e)] for s, e in manifest.covered],
            "high_water_mark": wire_or_none(manifest.high_water_mark),
            "synced_at": manifest.updated_at,
            "gaps": [[to_wire(s), to_wire(e)] for s, e in gaps],
            "tz": tz,
        }
    )
    return frame


def _needed(columns: Sequence[str] | None, params: Mapping[str, str]) -> list[str] | None:
    """The stored columns to read for `columns` and the filters (None: all)."""
    if columns is None:
        return None
    if isinstance(columns, str) or not all(isinstance(c, str) for c in columns):
        raise TypeError(f"columns must be a list of column names, got {columns!r}")
    needed = [*columns, "start_time", *(FILTER_COLUMNS[n] for n in identity(params))]
    return list(dict.fromkeys(needed))


def _scan(
    store: Store, keys: list[str], columns: list[str] | None, where: pc.Expression | None
) -> pa.Table:
    """The rows of partitions `keys` (newest first) with their `date`: only `columns`, only
    the rows and files `where` lets through (pushed down to the Parquet reader)."""
    files = store.partitions()
    paths = [str(files[k]) for k in keys if k in files]
    if not paths:
        return pa.table({})
    try:
        if where is not None:  # the days `where` excludes: their files are not opened
            probe = _dataset(store, paths, pq.read_schema(paths[0]))
            with contextlib.suppress(pa.ArrowException, TypeError):  # a column only some have
                paths = [fragment.path for fragment in probe.get_fragments(filter=where)]
            if not paths:
                return pa.table({})
        schemas = [pq.read_schema(p) for p in paths] if len(paths) > 1 else []
        schema = pa.unify_schemas(schemas) if schemas else pq.read_schema(paths[0])
        dataset = _dataset(store, paths, schema)
        known = set(dataset.schema.names)
        unknown = [c for c in columns or () if c not in known and c not in SCHEMA]
        if unknown:
            raise ValueError(f"no column {unknown} in the store at {store.path}")
        present = None if columns is None else [c for c in columns if c in known]
        table = dataset.to_table(columns=present, filter=where)
    except (OSError, pa.ArrowInvalid) as error:
        damaged = {k: why for k in keys if k in files and (why := unreadable(files[k]))}
        if damaged:
            raise damage_error(store, damaged) from None
        if isinstance(error, pa.ArrowInvalid) and where is not None:
            raise ValueError(f"where={where} does not apply to the store: {error}") from None
        raise
    if PARTITION in table.column_names:
        index = table.column_names.index(PARTITION)
        table = table.set_column(index, PARTITION, table.column(PARTITION).cast(_DATE))
    return table


def _dataset(store: Store, paths: list[str], schema: pa.Schema) -> ds.Dataset:
    """The day files `paths` as one dataset, with `date` (a date32 partition)."""
    partition = pa.schema([(PARTITION, pa.date32())])
    return ds.dataset(
        paths,
        schema=schema.append(partition.field(0)),
        format="parquet",
        partitioning=ds.partitioning(partition, flavor="hive"),
        partition_base_dir=str(store.path),
    )


def _newest_first(table: pa.Table) -> pa.Table:
    """`table` in the store's order (a stable sort: ties keep their order); the files are
    usually in that order already, which a look at the times confirms without sorting."""
    seconds = table.column("start_time").cast(pa.int64()).fill_null(-(2**62)).to_numpy()
    if len(seconds) < 2 or (seconds[1:] <= seconds[:-1]).all():
        return table
    return table.take(pc.sort_indices(table, sort_keys=NEWEST_FIRST))


def _matches(
    table: pa.Table, params: Mapping[str, str], low: int | None, high: int | None
) -> np.ndarray:
    mask = np.ones(table.num_rows, dtype=bool)
    for name, value in identity(params).items():
        column = FILTER_COLUMNS[name]
        if column not in table.column_names:
            return np.zeros(table.num_rows, dtype=bool)
        equal = pc.equal(table.column(column).cast(pa.string()), value).fill_null(False)
        mask &= equal.to_numpy()
    if low is not None or high is not None:  # whole seconds: floor(t) in low..high
        micros = table.column("start_time").cast(pa.int64()).fill_null(-(2**62)).to_numpy()
        mask &= micros >= (low if low is not None else 0) * 1_000_000
        if high is not None:
            mask &= micros < (high + 1) * 1_000_000
    return mask


def _describe(spans: list[Span]) -> str:
    shown = [f"{to_wire(s)}..{to_wire(e)}" for s, e in spans[:3]]
    more = f" and {len(spans) - 3} more" if len(spans) > 3 else ""
    return ", ".join(shown) + more
