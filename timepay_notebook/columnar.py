"""A logs frame as Arrow/Parquet columns and back, dtypes intact (the store, the frame cache and
exports use it). Pure: no I/O.

Columns on disk, by their kind in `schema.SCHEMA` (plain Parquet types, so DuckDB, Spark and Dask
read them without this package):

- `str` -> UTF-8 string; `category` -> dictionary-encoded string; `datetime64[us]` ->
  timestamp[us] without a zone (API-local, as the API sends them); `Int64` -> int64.
- `extracted_data`, and any extra column holding dicts, lists or mixed values -> JSON text,
  parsed back to Python objects on read (the store's manifest lists them in `json_columns`).
- Other extra columns (fields the API sent that the schema does not list) keep Arrow's type.
- `date` is not in the files: it is the partition directory, `date=YYYY-MM-DD` (Hive style);
  a missing date is `date=__HIVE_DEFAULT_PARTITION__`, which Hive-aware readers read as null.

`to_frame` builds exactly the frame `load_logs` builds from the same logs (same dtypes, categories
of the values present, sorted, `str` text), using the conversions of `timepay_notebook.frames`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .frame_columns import STR_DTYPE, str_types
from .frames import (
    categorical_column,
    empty_frame,
    inferred_column,
    int_types,
    localized,
)
from .protocol import ID_FIELDS
from .schema import CATEGORY, DATETIME, INT, OBJECT, SCHEMA, STR

PARTITION = "date"
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
STORAGE_TYPES: dict[str, pa.DataType] = {
    STR: pa.string(),
    CATEGORY: pa.dictionary(pa.int32(), pa.string()),
    DATETIME: pa.timestamp("us"),
    INT: pa.int64(),
    OBJECT: pa.string(),
}
_DATE = pa.timestamp("us")
_NO_DAY = -(2**31)  # `date_keys`' day number of a row without a date
NO_START = -(2**40)
"""`start_seconds` of a row without a start time: before any time a window can hold."""


def partition_keys(frame: pd.DataFrame) -> np.ndarray:
    """Each row's partition value: its `date` as `YYYY-MM-DD`, or `NULL_PARTITION`."""
    dates = frame[PARTITION] if PARTITION in frame else pd.Series(pd.NaT, index=frame.index)
    if isinstance(dates.dtype, pd.DatetimeTZDtype):
        dates = dates.dt.tz_localize(None)
    return date_keys(pa.chunked_array([pa.Array.from_pandas(dates)], type=_DATE))


def to_table(frame: pd.DataFrame) -> tuple[pa.Table, set[str]]:
    """The store's Arrow table of a logs frame (without `date`) and the columns held as JSON."""
    arrays: dict[str, pa.Array] = {}
    json_columns: set[str] = set()
    for name in frame.columns:
        if name == PARTITION:
            continue
        series = frame[name]
        kind = SCHEMA.get(name)
        if kind == OBJECT or (kind is None and series.dtype == object):
            arrays[name] = json_array(series)
            json_columns.add(name)
        elif kind is not None:
            arrays[name] = pa.array(series, from_pandas=True).cast(STORAGE_TYPES[kind])
        else:
            arrays[name] = pa.array(series, from_pandas=True)
    return pa.table(arrays), json_columns


def store_table(
    typed: pa.Table, objects: dict[str, list[Any]]
) -> tuple[pa.Table, set[str], np.ndarray]:
    """`to_table` and `partition_keys` of the frame `FrameBuilder.finish` would build from
    `FrameBuilder.finish_arrow`'s output, without building it: the same columns and values."""
    arrays: dict[str, pa.Array] = {}
    json_columns: set[str] = set()
    for name, kind in SCHEMA.items():
        if name == PARTITION:
            continue
        if kind == OBJECT:
            arrays[name] = json_array(objects[name])
            json_columns.add(name)
        else:
            arrays[name] = typed.column(name).cast(STORAGE_TYPES[kind])
    for name, values in objects.items():
        if name in SCHEMA:
            continue
        series = inferred_column(values)  # as `finish` types an extra field
        if series.dtype == object:
            arrays[name] = json_array(series)
            json_columns.add(name)
        else:
            arrays[name] = pa.array(series, from_pandas=True)
    return pa.table(arrays), json_columns, date_keys(typed.column(PARTITION))


def date_keys(dates: pa.ChunkedArray) -> np.ndarray:
    """Each row's partition value from a column of `date` timestamps: the day as `YYYY-MM-DD`,
    or `NULL_PARTITION`; each distinct day formatted once (formatting every row costs a
    microsecond a log)."""
    days = dates.cast(pa.date32()).cast(pa.int32())  # floored to the day
    numbers = days.fill_null(_NO_DAY).to_numpy()
    distinct, where = np.unique(numbers, return_inverse=True)
    names = pc.strftime(pa.array(distinct, pa.int32()).cast(pa.date32()), format="%Y-%m-%d")
    texts = np.asarray(names.to_numpy(zero_copy_only=False), dtype=object)
    texts[distinct == _NO_DAY] = NULL_PARTITION
    return texts[where.reshape(-1)]


def with_partition(table: pa.Table, key: str) -> pa.Table:
    """`table` with the `date` column its partition directory stands for."""
    if key == NULL_PARTITION:
        dates = pa.nulls(table.num_rows, _DATE)
    else:
        dates = pa.array(np.full(table.num_rows, np.datetime64(key, "us")), type=_DATE)
    return table.append_column(PARTITION, dates)


def from_table(
    table: pa.Table,
    *,
    tz: str | None = None,
    api_timezone: str,
    json_columns: Iterable[str] = (OBJECT,),
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The typed logs frame of a store table (with its `date` column), as `load_logs` types it.

    `columns`: only these, in this order (a schema column the table lacks is all missing, any
    other column is typed as Arrow gives it); default: every schema column, then the table's
    extra columns, sorted.
    """
    if columns is None:
        if table.num_rows == 0:
            return empty_frame(tz)
        names = [*SCHEMA, *sorted(set(table.column_names) - SCHEMA.keys())]
    else:
        names = list(columns)
    decode = set(json_columns) | {n for n, kind in SCHEMA.items() if kind == OBJECT}
    built = {name: _typed(table, name, tz, api_timezone, decode) for name in names}
    return pd.DataFrame(built, index=pd.RangeIndex(table.num_rows), columns=names, copy=False)


def from_frame_table(
    table: pa.Table, *, tz: str | None, api_timezone: str, json_columns: Iterable[str]
) -> pd.DataFrame | None:
    """`from_table` of a table `to_table` made from a `load_logs` frame (the frame cache's),
    in one Arrow conversion instead of a pandas one a column: the same frame, in a third of
    the time. None when the table holds what only `from_table` types (an extra column, a type
    `to_table` does not write, categories unsorted or not all used): call it then."""
    if table.num_rows == 0:
        return None
    decode = set(json_columns) | {n for n, kind in SCHEMA.items() if kind == OBJECT}
    plain: list[str] = []
    categories: dict[str, pd.Categorical] = {}
    for name, arrow_type in zip(table.column_names, table.schema.types, strict=True):
        kind = SCHEMA.get(name)
        if kind is None or (name in decode) != (kind == OBJECT):
            return None
        if kind == CATEGORY:
            if not pa.types.is_dictionary(arrow_type) or table.column(name).num_chunks != 1:
                return None
            chunk = table.column(name).chunk(0)
            values = pd.Index(chunk.dictionary.to_numpy(zero_copy_only=False), dtype=STR_DTYPE)
            codes = chunk.indices.fill_null(-1).to_numpy()
            used = _used(codes, len(values))
            if not values.is_monotonic_increasing or not values.is_unique or not used.all():
                return None
            dtype = pd.CategoricalDtype(values)
            categories[name] = pd.Categorical.from_codes(codes, dtype=dtype, validate=False)
        elif kind != OBJECT:
            stored_as = str_types(arrow_type) is not None if kind == STR else None
            if not (stored_as or arrow_type == STORAGE_TYPES[kind]):
                return None
            plain.append(name)
    frame = table.select(plain).to_pandas(types_mapper=_frame_types, use_threads=False)
    for name, values in categories.items():
        frame[name] = values
    for name in decode & set(table.column_names):
        frame[name] = pd.Series(_decoded(table.column(name)), dtype=object)
    for name in plain:
        if SCHEMA[name] == DATETIME:
            frame[name] = localized(frame[name], tz, api_timezone)
    ordered: pd.DataFrame = frame[table.column_names]
    return ordered


def _frame_types(arrow_type: pa.DataType) -> Any:
    """`to_pandas` types_mapper of `from_frame_table`: text as `str`, integers as `Int64`."""
    return str_types(arrow_type) or int_types(arrow_type)


def _typed(
    table: pa.Table, name: str, tz: str | None, api_timezone: str, decode: set[str]
) -> pd.Series:
    """One column of `table` typed as `load_logs` types it."""
    kind = SCHEMA.get(name)
    if kind is None:
        if name not in table.column_names:
            return pd.Series([None] * table.num_rows, dtype=object)
        column = table.column(name)
        return inferred_column(_decoded(column) if name in decode else column.to_pylist())
    column = _column(table, name, kind)
    if kind == STR:
        text: pd.Series = column.cast(pa.large_string()).to_pandas(types_mapper=str_types)
        return text
    if kind == CATEGORY:
        if pa.types.is_dictionary(column.type):  # as stored: one dictionary for all chunks
            unified = pa.table({name: column}).unify_dictionaries()[name]
            return _present_only(categorical_column(unified))
        values = column.cast(pa.large_string()).combine_chunks()
        return categorical_column(pa.chunked_array([values.dictionary_encode()]))
    if kind == DATETIME:
        if pa.types.is_date(column.type):
            column = column.cast(_DATE)
        times = column.to_pandas().astype("datetime64[us]")
        return localized(times, tz, api_timezone)
    if kind == INT:
        numbers: pd.Series = column.cast(pa.int64()).to_pandas(types_mapper=int_types)
        return numbers
    return pd.Series(_decoded(column), dtype=object)


def _present_only(series: pd.Series) -> pd.Series:
    """`series` with only the categories its values use (a count, not a sort, of the codes)."""
    codes = series.cat.codes.to_numpy()
    categories = series.cat.categories
    used = _used(codes, len(categories))
    if used.all():
        return series
    return series.cat.remove_categories(categories[~used])


def _used(codes: np.ndarray, categories: int) -> np.ndarray:
    """Which of `categories` categories the `codes` use (-1: missing), a count, not a sort."""
    used: np.ndarray = np.bincount(codes[codes >= 0], minlength=categories) > 0
    return used


def _column(table: pa.Table, name: str, kind: str) -> pa.ChunkedArray:
    if name in table.column_names:
        return table.column(name)
    return pa.chunked_array([pa.nulls(table.num_rows, STORAGE_TYPES[kind])])


_JSON = json.JSONEncoder(ensure_ascii=False, default=str)  # `json.dumps` with these, made once


def json_text(value: object) -> str | None:
    """A cell as JSON text (None stays missing): `json.dumps(value, ensure_ascii=False,
    default=str)`."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if type(value) is dict and not value:
        return "{}"  # most logs' `extracted_data`
    return _JSON.encode(value)


def json_array(values: Iterable[object]) -> pa.Array:
    """A column of cells as JSON text (`json_text` of each), an Arrow string array; an
    empty dict (most logs' `extracted_data`) without a call."""
    texts = ["{}" if type(v) is dict and not v else json_text(v) for v in values]
    return pa.array(texts, type=pa.string())


def _decoded(column: pa.ChunkedArray | list[Any]) -> list[Any]:
    """JSON texts (None stays missing) parsed in one `json.loads` of the whole column (each
    text is one JSON value, so joined they are one array: ten times faster than a call per
    cell); one by one, naming the bad text, if a cell is not exactly one JSON value."""
    if isinstance(column, list):
        column = pa.chunked_array([pa.array(column, type=pa.string())])
    texts = column.cast(pa.large_string()).to_pylist()
    if not texts:
        return []
    joined = ",".join("null" if t is None else t for t in texts)
    try:
        values: list[Any] = json.loads("[" + joined + "]")
    except ValueError:
        values = []
    if len(values) != len(texts):  # a bad text, or "1,2" in one cell shifting the rest
        return [None if t is None else json.loads(t) for t in texts]
    return values


def id_key_array(table: pa.Table) -> pa.ChunkedArray:
    """Each row's identity as the pager keys it, an Arrow string column (null without an id),
    computed column-wise: the first of `protocol.ID_FIELDS` that is present and not empty, as
    `name\\x00value`."""
    keys = pa.chunked_array([pa.nulls(table.num_rows, pa.string())])
    for name in reversed([n for n in ID_FIELDS if n in table.column_names]):
        values = table.column(name).cast(pa.string())
        present = pc.fill_null(pc.not_equal(values, ""), False)
        keys = pc.if_else(present, pc.binary_join_element_wise(name, values, "\x00"), keys)
    return keys


def start_seconds(table: pa.Table) -> np.ndarray:
    """Each row's `start_time` as whole naive seconds since 1970 (floored); `NO_START` if none."""
    floored = pc.floor_temporal(table.column("start_time"), unit="second").cast(pa.int64())
    micros = floored.fill_null(NO_START * 1_000_000).to_numpy()
    return np.asarray(micros // 1_000_000, dtype=np.int64)
