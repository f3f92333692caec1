"""The typed columns `frames.FrameBuilder` grows batch by batch. Pure: no I/O.

Each column keeps its values in the form the frame will hold, so building the frame hands them to
pandas without a second copy of the pull:

- text: the batches' Arrow strings, which pandas' `str` wraps as they are;
- times and integers: one numpy buffer each, grown as batches arrive (`reserve` sizes it ahead);
- objects (`extracted_data`): one numpy buffer of the values as sent;
- dimensions: one buffer of integer codes into one list of the values seen so far (codes as
  small as the number of values allows, as pandas keeps them); the values are sorted once, at
  the end, by renumbering the codes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

STR_DTYPE = pd.StringDtype(na_value=np.nan)  # pandas' default "str"
_MIN_CAPACITY = 1024


def str_types(arrow_type: pa.DataType) -> Any:
    """`to_pandas` types_mapper: Arrow strings as pandas' `str`."""
    return (
        STR_DTYPE
        if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)
        else None
    )


class Buffer:
    """A numpy array grown by appending: its capacity doubles when full, or is set ahead by
    `reserve` (capacity never written is not resident memory)."""

    def __init__(self, dtype: Any) -> None:
        self._data: np.ndarray = np.empty(0, dtype)
        self.size = 0

    @property
    def dtype(self) -> np.dtype[Any]:
        return self._data.dtype

    def reserve(self, capacity: int) -> None:
        """Room for `capacity` values in all, without growing again."""
        if capacity > len(self._data):
            self._move(capacity, self._data.dtype)

    def append(self, values: np.ndarray) -> None:
        end = self._room(len(values))
        self._data[self.size : end] = values
        self.size = end

    def _room(self, count: int) -> int:
        """Grow, if needed, for `count` more values; where they end."""
        end = self.size + count
        if end > len(self._data):
            self._move(max(end, 2 * len(self._data), _MIN_CAPACITY), self._data.dtype)
        return end

    def append_taken(self, table: np.ndarray, indices: np.ndarray) -> None:
        """Append `table[indices]` (without building it first)."""
        end = self._room(len(indices))
        np.take(table, indices, out=self._data[self.size : end])
        self.size = end

    def widen(self, dtype: Any) -> None:
        """Hold the values as `dtype` from now on (codes outgrowing their integer type)."""
        self._move(len(self._data), np.dtype(dtype))

    def take(self) -> np.ndarray:
        """The values appended, as an array of their exact length; the buffer is emptied."""
        data = self._data if self.size == len(self._data) else self._data[: self.size].copy()
        self._data, self.size = np.empty(0, data.dtype), 0
        return data

    def _move(self, capacity: int, dtype: np.dtype[Any]) -> None:
        data = np.empty(capacity, dtype)
        data[: self.size] = self._data[: self.size]
        self._data = data


class TextColumn:
    """A `str` column: the batches' Arrow large strings, kept as they are added."""

    def __init__(self) -> None:
        self._chunks: list[pa.Array] = []

    def reserve(self, rows: int) -> None:
        """Nothing to reserve: text keeps its chunks."""

    def add(self, values: pa.Array) -> None:
        """Add Arrow large strings (held as they are: give buffers of their exact size)."""
        self._chunks.append(values)

    def arrow(self) -> pa.ChunkedArray:
        """The column as Arrow large strings; the column is emptied."""
        chunks, self._chunks = self._chunks, []
        return pa.chunked_array(chunks, type=pa.large_string())

    def series(self) -> pd.Series:
        """The column as pandas' `str` (wrapping the Arrow chunks); the column is emptied."""
        text: pd.Series = self.arrow().to_pandas(types_mapper=str_types)
        return text


class TimeColumn:
    """A `datetime64[us]` column (naive), missing times as NaT."""

    def __init__(self) -> None:
        self._values = Buffer("datetime64[us]")

    def reserve(self, rows: int) -> None:
        self._values.reserve(rows)

    def add(self, values: pa.Array) -> None:
        """Add Arrow `timestamp[us]` values (nulls become NaT)."""
        self._values.append(values.to_numpy(zero_copy_only=False))

    def arrow(self) -> pa.Array:
        """The column as Arrow `timestamp[us]`; the column is emptied."""
        return pa.array(self._values.take(), type=pa.timestamp("us"), from_pandas=True)

    def series(self) -> pd.Series:
        """The column as a naive `datetime64[us]` series; the column is emptied."""
        return pd.Series(self._values.take(), copy=False)


class IntColumn:
    """An `Int64` column: values and a mask of the missing ones."""

    def __init__(self) -> None:
        self._values = Buffer(np.int64)
        self._missing = Buffer(np.bool_)

    def reserve(self, rows: int) -> None:
        self._values.reserve(rows)
        self._missing.reserve(rows)

    def add(self, values: pa.Array) -> None:
        """Add Arrow `int64` values (nulls are missing)."""
        self._values.append(values.fill_null(0).to_numpy())
        self._missing.append(values.is_null().to_numpy(zero_copy_only=False))

    def arrow(self) -> pa.Array:
        """The column as Arrow `int64`; the column is emptied."""
        return pa.array(self._values.take(), mask=self._missing.take(), type=pa.int64())

    def series(self) -> pd.Series:
        """The column as a nullable `Int64` series; the column is emptied."""
        numbers = pd.arrays.IntegerArray(self._values.take(), self._missing.take())
        return pd.Series(numbers, copy=False)


class ObjectColumn:
    """An `object` column: the values as sent (dicts, lists, anything)."""

    def __init__(self) -> None:
        self._values = Buffer(object)

    def reserve(self, rows: int) -> None:
        self._values.reserve(rows)

    def add(self, values: Iterable[Any], count: int) -> None:
        """Add `count` values (a list is one value, never spread over several)."""
        self._values.append(np.fromiter(values, dtype=object, count=count))

    def values(self) -> list[Any]:
        """The values as a list; the column is emptied."""
        values: list[Any] = self._values.take().tolist()
        return values

    def series(self) -> pd.Series:
        """The column as an `object` series; the column is emptied."""
        return pd.Series(self._values.take(), dtype=object, copy=False)


class CategoryColumn:
    """A `category` column: codes into the list of the values seen, in the order first seen."""

    def __init__(self) -> None:
        self._values: list[str] = []
        self._codes_of: dict[str, int] = {}
        self._codes = Buffer(code_dtype(0))

    def reserve(self, rows: int) -> None:
        self._codes.reserve(rows)

    def add(self, values: pa.Array) -> None:
        """Add Arrow strings (nulls are missing)."""
        encoded = values.dictionary_encode()
        seen = encoded.dictionary.to_pylist()
        renumber = [self._codes_of.get(value) for value in seen]  # batch code -> column code
        if None in renumber:
            renumber = [self._code(value) for value in seen]
        dtype = code_dtype(len(self._values))
        if dtype != self._codes.dtype:
            self._codes.widen(dtype)
        indices = encoded.indices
        if indices.null_count:
            indices = indices.fill_null(len(seen))
            renumber.append(-1)
        self._codes.append_taken(np.array(renumber, dtype), indices.to_numpy())

    def _code(self, value: str) -> int:
        code = self._codes_of.get(value)
        if code is None:
            code = self._codes_of[value] = len(self._values)
            self._values.append(value)
        return code

    def arrow(self) -> pa.DictionaryArray:
        """The column as Arrow `dictionary<int32, large_string>` (values in the order first
        seen); the column is emptied."""
        codes = self._codes.take()
        indices = pa.array(codes.astype(np.int32), mask=codes < 0, type=pa.int32())
        values = pa.array(self._values, type=pa.large_string())
        self._values, self._codes_of = [], {}
        return pa.DictionaryArray.from_arrays(indices, values)

    def series(self) -> pd.Series:
        """The column as a pandas category of `str`, categories sorted; the column is emptied."""
        values = pd.Index(self._values, dtype=STR_DTYPE)
        categories, order = values.sort_values(return_indexer=True)
        codes = self._codes.take()
        rank = np.empty(len(values) + 1, codes.dtype)  # old code -> sorted code; last: -1
        rank[order] = np.arange(len(values))
        rank[-1] = -1
        dtype = pd.CategoricalDtype(categories, ordered=False)
        categorical = pd.Categorical.from_codes(rank[codes], dtype=dtype, validate=False)
        self._values, self._codes_of = [], {}
        return pd.Series(categorical, copy=False)


def code_dtype(categories: int) -> np.dtype[Any]:
    """The integer type pandas keeps the codes of `categories` values in (as pandas'
    `coerce_indexer_dtype` chooses it)."""
    for limit, dtype in _CODE_DTYPES:
        if categories < limit:
            return dtype
    return np.dtype(np.int64)


_CODE_DTYPES = [(int(np.iinfo(t).max), np.dtype(t)) for t in (np.int8, np.int16, np.int32)]
