"""`query_store`: DuckDB SQL over a store, the store being the view `logs`; no network.

Needs DuckDB (`pip install 'timepay-notebook[sql]'`), imported on first use only.
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd
import pyarrow as pa

from ..columnar import PARTITION, STORAGE_TYPES, from_table
from ..schema import SCHEMA
from .damage import damage_error, find_damage
from .files import Store


def query_store(path: str | os.PathLike[str], sql: str) -> pd.DataFrame:
    """The result of DuckDB SQL `sql` over the store at `path`, as a DataFrame.

    The store is the view `logs`: the columns of `read_store`, in its order, as stored (times
    naive, API-local; `date`, the partition, a DATE). Filters on `date` and `start_time` skip the files they exclude. Columns
    of the result named like the logs' columns are typed as `read_store` types them (categories,
    `str`, `datetime64[us]`, `Int64`, `extracted_data` parsed); others as DuckDB gives them.

        tp.query_store(path, "SELECT status, count(*) AS n FROM logs GROUP BY status")

    Raises `StoreError` for a path that is not a store or has missing or damaged day files,
    `ImportError` without DuckDB, and DuckDB's own errors for bad SQL.
    """
    if not isinstance(sql, str) or not sql.strip():
        raise ValueError(f"sql must be a query, got {sql!r}")
    store = Store.open(path)
    damaged = find_damage(store)
    if damaged:
        raise damage_error(store, damaged)
    duckdb = _duckdb()
    with duckdb.connect(":memory:") as con:
        if store.partitions():
            pattern = str(store.path / f"{PARTITION}=*" / "*.parquet")
            files = con.read_parquet(pattern, hive_partitioning=True, union_by_name=True)
            order = [c for c in SCHEMA if c in files.columns]  # `date` in its place, as read
            order += [c for c in files.columns if c not in SCHEMA]
            files.project(", ".join('"' + c.replace('"', '""') + '"' for c in order)).create_view(
                "logs"
            )
        else:  # no day file yet: an empty view with the schema's columns
            con.register("_no_logs", _empty_table())
            con.execute("CREATE VIEW logs AS SELECT * FROM _no_logs")
        relation = con.sql(sql)
        table = relation.to_arrow_table() if relation is not None else pa.table({})
    manifest = store.manifest
    return from_table(
        table,
        api_timezone=manifest.api_timezone,
        json_columns=manifest.json_columns,
        columns=table.column_names,
    )


def _empty_table() -> pa.Table:
    """No rows, the stored columns' types, and `date` as a DATE."""
    fields = [
        (n, pa.date32() if n == PARTITION else STORAGE_TYPES[kind]) for n, kind in SCHEMA.items()
    ]
    return pa.schema(fields).empty_table()


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError:
        raise ImportError(
            "query_store needs DuckDB: pip install 'timepay-notebook[sql]' (or duckdb)"
        ) from None
    return duckdb
