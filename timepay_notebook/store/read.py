"""`read_store`: the logs of a store, filtered and typed as `load_logs` types them; no network."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import PartialDataWarning, warn_user
from ..filters import normalize_filters, zone
from ..protocol import TIME_FILTERS
from .files import NEWEST_FIRST, Store, identity
from .format import from_table, start_seconds
from .spans import Span, seconds_or_none, to_wire, wire_or_none

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
    path: str | os.PathLike[str], *, tz: str | None = None, **filters: Any
) -> pd.DataFrame:
    """The logs in the store at `path` that match `filters`, typed exactly as `load_logs` types
    them, newest first; no network.

    Args:
        path: a directory `sync_logs` wrote.
        tz: localize times to the API's zone and convert them to `tz` (default: naive).
        **filters: the filters of `load_logs` (validated the same way, `FilterError`). Times
            prune partitions, then match `start_time`; the others match their column exactly.
            Filters that contradict the store's own are a `StoreMismatchError`.

    A `PartialDataWarning` says when the time range asked for has spans the store does not
    cover (before its origin, or windows of an incomplete sync). `df.attrs` names the store,
    its filters, what it covers and when it was synced.
    """
    store = Store.open(path)
    manifest = store.manifest
    if tz is not None:
        zone(tz)
    params = normalize_filters(filters, api_timezone=manifest.api_timezone, options=("tz",))
    store.check_subset(params)
    low, high = (seconds_or_none(params.get(name)) for name in TIME_FILTERS)
    table = store.read(store.keys_between(low, high))
    if table.num_rows:
        table = table.filter(pa.array(_matches(table, params, low, high)))
        order = pc.sort_indices(table, sort_keys=NEWEST_FIRST)
        table = table.take(order)
    frame = from_table(
        table, tz=tz, api_timezone=manifest.api_timezone, json_columns=manifest.json_columns
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
    if low is not None or high is not None:
        seconds = start_seconds(table)
        mask &= (seconds >= (low if low is not None else 0)) & (
            seconds <= (high if high is not None else 2**62)
        )
    return mask


def _describe(spans: list[Span]) -> str:
    shown = [f"{to_wire(s)}..{to_wire(e)}" for s, e in spans[:3]]
    more = f" and {len(spans) - 3} more" if len(spans) > 3 else ""
    return ", ".join(shown) + more
