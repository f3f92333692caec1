"""Raw log records -> a typed DataFrame following `schema.SCHEMA`. Pure: no I/O.

Records are added in batches (`FrameBuilder.add`) and held as compact Arrow tables, not as the
dicts, so a large pull never keeps every raw record alive at once; `finish` types the columns
once over the whole pull (times parsed, dimensions as categories with one set of categories).
Missing fields become missing values; unknown fields become extra columns; values that cannot
be typed become missing, counted in one `UnparsedValuesWarning`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .errors import UnparsedValuesWarning, warn_user
from .protocol import API_TIMEZONE
from .schema import CATEGORY, DATETIME, INT, OBJECT, SCHEMA, STR, TIME_FORMATS

Record = Mapping[str, Any]
_STR_DTYPE = pd.StringDtype(na_value=np.nan)  # pandas' default "str"
_ARROW_COLUMNS = [name for name, dtype in SCHEMA.items() if dtype != OBJECT]
_RAW_SCHEMA = pa.schema(
    [(name, pa.int64() if SCHEMA[name] == INT else pa.large_string()) for name in _ARROW_COLUMNS]
)
_TYPED_TYPES = {
    STR: pa.large_string(),
    CATEGORY: pa.dictionary(pa.int32(), pa.large_string()),
    DATETIME: pa.timestamp("us"),
    INT: pa.int64(),
}
_TYPED_SCHEMA = pa.schema([(name, _TYPED_TYPES[SCHEMA[name]]) for name in _ARROW_COLUMNS])
_INT64_RANGE = (-(2**63), 2**63 - 1)


def empty_frame(tz: str | None = None) -> pd.DataFrame:
    """A frame with no rows and every schema column, typed."""
    return FrameBuilder(tz=tz).finish()


def to_frame(records: Iterable[Record], *, tz: str | None = None) -> pd.DataFrame:
    """The typed frame of `records` (any iterable of dicts)."""
    builder = FrameBuilder(tz=tz)
    builder.add(list(records))
    return builder.finish()


class FrameBuilder:
    """Accumulates batches of records and builds one typed frame.

    Each batch is typed as it arrives (times parsed, dimensions dictionary-encoded) and kept as
    an Arrow table, so its raw strings are freed at once.

    Args:
        tz: if given, times are localized to `api_timezone` and converted to `tz`.
        api_timezone: the zone the API's naive times are in.
    """

    def __init__(self, *, tz: str | None = None, api_timezone: str = API_TIMEZONE) -> None:
        self.tz = tz
        self.api_timezone = api_timezone
        self._tables: list[pa.Table] = []
        self._objects: dict[str, list[Any]] = {}  # object and extra columns, whole pull
        self._rows = 0
        self._unparsed: dict[str, int] = {}

    def add(self, records: Sequence[Record]) -> None:
        """Add a batch of records (dicts as the API sends them)."""
        records = [r for r in records if isinstance(r, Mapping)]
        if not records:
            return
        try:
            raw = pa.Table.from_pylist(records, schema=_RAW_SCHEMA)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError):
            raw = self._coerced_table(records)
        self._tables.append(self._typed(raw))
        keys: set[str] = set().union(*records)
        for name in [n for n, d in SCHEMA.items() if d == OBJECT] + sorted(keys - SCHEMA.keys()):
            column = self._objects.setdefault(name, [None] * self._rows)
            column.extend([r.get(name) for r in records])
        self._rows += len(records)
        for column in self._objects.values():
            if len(column) < self._rows:  # an extra field this batch did not have
                column.extend([None] * (self._rows - len(column)))

    def _coerced_table(self, records: Sequence[Record]) -> pa.Table:
        """The slow path for records whose fields have unexpected types: coerce column by column."""
        arrays = []
        for name in _ARROW_COLUMNS:
            values = [r.get(name) for r in records]
            if SCHEMA[name] == INT:
                arrays.append(pa.array(self._integers(name, values), type=pa.int64()))
            else:
                arrays.append(pa.array([_text(v) for v in values], type=pa.large_string()))
        return pa.Table.from_arrays(arrays, schema=_RAW_SCHEMA)

    def _typed(self, raw: pa.Table) -> pa.Table:
        """A raw batch with times parsed and dimensions dictionary-encoded."""
        arrays = []
        for name in _ARROW_COLUMNS:
            column = raw.column(name).combine_chunks()
            if SCHEMA[name] == DATETIME:
                column = self._times(name, column)
            elif SCHEMA[name] == CATEGORY:
                column = column.dictionary_encode()
            arrays.append(column)
        return pa.Table.from_arrays(arrays, schema=_TYPED_SCHEMA)

    def _times(self, name: str, raw: pa.Array) -> pa.Array:
        parsed = pc.strptime(raw, format=TIME_FORMATS[name], unit="us", error_is_null=True)
        failed = pc.and_(pc.is_null(parsed), pc.is_valid(raw))
        if not pc.any(failed).as_py():
            return parsed
        # a second, slower chance for other ISO spellings (fractions, offsets, "Z")
        values = parsed.to_pylist()
        for i in np.flatnonzero(failed.to_numpy(zero_copy_only=False)):
            values[i] = _iso_time(raw[i].as_py(), self.api_timezone)
            if values[i] is None:
                self._count(name)
        return pa.array(values, type=pa.timestamp("us"))

    def _integers(self, name: str, values: list[Any]) -> list[int | None]:
        out: list[int | None] = []
        for value in values:
            number = _integer(value)
            if number is None and not _is_missing(value):
                self._count(name)
            out.append(number)
        return out

    def _count(self, name: str, n: int = 1) -> None:
        self._unparsed[name] = self._unparsed.get(name, 0) + n

    @property
    def unparsed(self) -> dict[str, int]:
        """Column -> how many of its values could not be typed (and became missing)."""
        return dict(self._unparsed)

    def finish_arrow(self) -> tuple[pa.Table, dict[str, list[Any]]]:
        """Everything added, without building a DataFrame: the typed Arrow columns (large
        strings, dictionaries, timestamps, int64) and the object and extra columns as the values
        sent; warns like `finish`. For writers that store Arrow (the Parquet store)."""
        table = pa.concat_tables(self._tables) if self._tables else _TYPED_SCHEMA.empty_table()
        self._tables = []
        objects = {n: [None] * self._rows for n, d in SCHEMA.items() if d == OBJECT}
        objects |= self._objects
        self._warn()
        return table, objects

    def finish(self) -> pd.DataFrame:
        """The typed frame of everything added; warns once about values that could not be typed."""
        table = pa.concat_tables(self._tables) if self._tables else _TYPED_SCHEMA.empty_table()
        self._tables = []
        columns: dict[str, Any] = {}
        for name, dtype in SCHEMA.items():
            if dtype == OBJECT:
                columns[name] = pd.Series(
                    self._objects.get(name, [None] * self._rows), dtype=object
                )
                continue
            column = table.column(name)
            if dtype == STR:
                columns[name] = column.to_pandas(types_mapper=str_types)
            elif dtype == CATEGORY:
                columns[name] = categorical_column(column)
            elif dtype == DATETIME:
                times = column.to_pandas().astype("datetime64[us]")
                columns[name] = localized(times, self.tz, self.api_timezone)
            elif dtype == INT:
                columns[name] = column.to_pandas(types_mapper=int_types)
        del table
        for name, values in self._objects.items():
            if name not in SCHEMA:
                columns[name] = inferred_column(values)
        frame = pd.DataFrame(columns, index=pd.RangeIndex(self._rows), copy=False)
        self._warn()
        return frame

    def _warn(self) -> None:
        if not self._unparsed:
            return
        parts = [f"{n:,} {name}" for name, n in self._unparsed.items()]
        warn_user(
            f"values that could not be typed became missing: {', '.join(parts)}",
            UnparsedValuesWarning,
        )


def localized(series: pd.Series, tz: str | None, api_timezone: str) -> pd.Series:
    """Naive API-local times as times in `tz` (unchanged when `tz` is None)."""
    if not tz:
        return series
    local: pd.Series = series.dt.tz_localize(api_timezone, ambiguous="NaT", nonexistent="NaT")
    converted: pd.Series = local.dt.tz_convert(tz)
    return converted


def str_types(arrow_type: pa.DataType) -> Any:
    """`to_pandas` types_mapper: Arrow large strings as pandas' `str`."""
    return _STR_DTYPE if pa.types.is_large_string(arrow_type) else None


def int_types(arrow_type: pa.DataType) -> Any:
    """`to_pandas` types_mapper: Arrow integers as pandas' nullable `Int64`."""
    return pd.Int64Dtype() if pa.types.is_integer(arrow_type) else None


def categorical_column(column: pa.ChunkedArray) -> pd.Series:
    """A dictionary-encoded Arrow column as a pandas category of `str`, categories sorted."""
    series: pd.Series = column.to_pandas()  # one set of categories for every chunk
    categories = pd.Index(series.cat.categories, dtype=_STR_DTYPE).sort_values()
    return series.cat.set_categories(categories)


def inferred_column(values: list[Any]) -> pd.Series:
    """An extra field's values as pandas infers them (objects when it cannot)."""
    if all(isinstance(v, Mapping | list) or v is None for v in values):
        return pd.Series(values, dtype=object)
    try:
        return pd.Series(values)
    except (TypeError, ValueError):
        return pd.Series(values, dtype=object)


def _text(value: Any) -> str | None:
    if value is None or _is_missing(value):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def _integer(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if _INT64_RANGE[0] <= value <= _INT64_RANGE[1] else None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return _integer(int(value))
    if isinstance(value, str):
        try:
            return _integer(int(value.strip()))
        except ValueError:
            try:
                return _integer(float(value))
            except ValueError:
                return None
    return None


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _iso_time(value: Any, api_timezone: str) -> dt.datetime | None:
    """Another ISO 8601 spelling (fractions, offsets, `Z`) as naive API-local time, or None."""
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(api_timezone)).replace(tzinfo=None)
    return moment
