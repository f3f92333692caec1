"""Raw log records -> a typed DataFrame following `schema.SCHEMA`. Pure: no I/O.

Records are added in batches (`FrameBuilder.add`), typed as they arrive and appended to columns
kept in the form the frame holds them (`frame_columns`: Arrow text, numpy times, integers and
category codes), not as the dicts, so a large pull never keeps every raw record alive at once and
`finish` hands the columns to pandas without copying the pull a second time (dimensions get one
set of categories, sorted).
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
from .frame_columns import (
    STR_DTYPE,
    CategoryColumn,
    IntColumn,
    ObjectColumn,
    TextColumn,
    TimeColumn,
)
from .protocol import API_TIMEZONE
from .schema import CATEGORY, DATETIME, INT, OBJECT, SCHEMA, STR, TIME_FORMATS

Record = Mapping[str, Any]
_ARROW_COLUMNS = [name for name, dtype in SCHEMA.items() if dtype != OBJECT]
_OBJECT_COLUMNS = [name for name, dtype in SCHEMA.items() if dtype == OBJECT]
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
Column = TextColumn | CategoryColumn | TimeColumn | IntColumn
_COLUMN_KINDS: dict[str, type[Column]] = {
    STR: TextColumn,
    CATEGORY: CategoryColumn,
    DATETIME: TimeColumn,
    INT: IntColumn,
}
_MAX_RESERVE = 10_000_000  # rows reserved at most, whatever total a server claims


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

    Each batch is typed as it arrives (times parsed, dimensions coded) and its values are
    appended to columns kept in the form the frame holds them (`frame_columns`), so its raw
    strings are freed at once and `finish` builds the frame without a second copy of the pull.

    Args:
        tz: if given, times are localized to `api_timezone` and converted to `tz`.
        api_timezone: the zone the API's naive times are in.
    """

    def __init__(self, *, tz: str | None = None, api_timezone: str = API_TIMEZONE) -> None:
        self.tz = tz
        self.api_timezone = api_timezone
        self._columns: dict[str, Column] = {
            name: _COLUMN_KINDS[SCHEMA[name]]() for name in _ARROW_COLUMNS
        }
        self._objects = {name: ObjectColumn() for name in _OBJECT_COLUMNS}
        self._extras: dict[str, list[Any]] = {}  # fields the schema does not list
        self._rows = 0
        self._unparsed: dict[str, int] = {}

    def reserve(self, rows: int) -> None:
        """Make room for `rows` records in all (a pull's expected total), so the columns do not
        grow by copying; more may still be added."""
        rows = min(rows, _MAX_RESERVE)
        for column in [*self._columns.values(), *self._objects.values()]:
            column.reserve(rows)

    def add(self, records: Sequence[Record]) -> None:
        """Add a batch of records (dicts as the API sends them)."""
        records = [r for r in records if isinstance(r, Mapping)]
        if not records:
            return
        try:
            raw = pa.Table.from_pylist(records, schema=_RAW_SCHEMA)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError):
            raw = self._coerced_table(records)
        for name in _ARROW_COLUMNS:
            column = raw.column(name)
            # text is held for the whole pull: a copy, even of one chunk (the buffers
            # `from_pylist` built are larger than their values; holding them raised a
            # 200,000-log pull's peak memory from 1.63x to 1.83x the frame); the other columns
            # are encoded, parsed or copied into buffers of their own at once
            if SCHEMA[name] == STR or column.num_chunks != 1:
                values = column.combine_chunks()
            else:
                values = column.chunk(0)
            if SCHEMA[name] == DATETIME:
                values = self._times(name, values)
            self._columns[name].add(values)
        del raw
        for name, objects in self._objects.items():
            objects.add((r.get(name) for r in records), len(records))
        extra: set[str] = set().union(*records) - SCHEMA.keys()
        for name in sorted(extra):
            column = self._extras.setdefault(name, [None] * self._rows)
            column.extend([r.get(name) for r in records])
        self._rows += len(records)
        for column in self._extras.values():
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
        arrays = [self._columns[name].arrow() for name in _ARROW_COLUMNS]
        table = pa.Table.from_arrays(arrays, schema=_TYPED_SCHEMA)
        objects = {name: column.values() for name, column in self._objects.items()}
        objects |= self._extras
        self._extras = {}
        self._warn()
        return table, objects

    def finish(self) -> pd.DataFrame:
        """The typed frame of everything added; warns once about values that could not be typed.

        Built column by column, each handing its values to pandas as they are (the builder is
        emptied), so the pull is not held twice."""
        columns: dict[str, pd.Series] = {}
        for name, dtype in SCHEMA.items():
            column = self._objects[name] if dtype == OBJECT else self._columns[name]
            if isinstance(column, TimeColumn):
                columns[name] = localized(column.series(), self.tz, self.api_timezone)
            else:
                columns[name] = column.series()
        for name in list(self._extras):
            columns[name] = inferred_column(self._extras.pop(name))
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


def int_types(arrow_type: pa.DataType) -> Any:
    """`to_pandas` types_mapper: Arrow integers as pandas' nullable `Int64`."""
    return pd.Int64Dtype() if pa.types.is_integer(arrow_type) else None


def categorical_column(column: pa.ChunkedArray) -> pd.Series:
    """A dictionary-encoded Arrow column as a pandas category of `str`, categories sorted."""
    series: pd.Series = column.to_pandas()  # one set of categories for every chunk
    categories = pd.Index(series.cat.categories, dtype=STR_DTYPE).sort_values()
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
