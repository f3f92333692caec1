"""Shared pieces of the summary tables: group keys, ratios, finishing a table as a `Summary`.

Every table function numbers its rows from 0 and groups by `by` (a column or a list of columns)
through these helpers, so that groups, missing values and empty frames behave the same way
everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from .presentation import ATTRS_KEY, Summary

Keys = str | Sequence[str] | None
"""What `by` accepts: a column name, a list of column names, or None (the whole frame)."""

REQUIRED = ("status", "disposition")
"""The columns `df.timepay` needs; methods needing others say so when they are missing."""

MISSING_GROUP = "(missing)"
WHOLE_FRAME = "All"


def _finish(table: pd.DataFrame, title: str, rates: Iterable[str], **kinds: object) -> Summary:
    """`table` as a `Summary`: unused categories dropped from its index, its rates marked.

    `kinds` names other columns by how they are shown (`money=[...]`, `ratios=[...]`), or
    gives the table's own headers (`labels={"count": "Loans"}`).
    """
    table.index = _tidy_index(table.index)
    summary = Summary(table)
    summary.attrs = {ATTRS_KEY: {"title": title, "rates": list(rates), **kinds}}
    return summary


def _tidy_index(index: pd.Index) -> pd.Index:
    """`index` with the categories no row uses removed from its categorical levels."""
    if isinstance(index, pd.MultiIndex):
        levels = index.to_frame(index=False)
        for name in levels.columns:
            if isinstance(levels[name].dtype, pd.CategoricalDtype):
                levels[name] = levels[name].cat.remove_unused_categories()
        return pd.MultiIndex.from_frame(levels, names=index.names)
    if isinstance(index, pd.CategoricalIndex):
        return index.remove_unused_categories()
    return index


def _by_names(frame: pd.DataFrame, by: Keys, drop: Iterable[str] = ()) -> list[str]:
    """`by` as a list of distinct column names, without `drop`; KeyError names unknown ones."""
    if by is None:
        return []
    names = [by] if isinstance(by, str) else list(by)
    unknown = [n for n in names if n not in frame.columns]
    if unknown:
        raise KeyError(f"by: this frame has no column {', '.join(map(repr, unknown))}")
    dropped = set(drop)
    return [n for n in dict.fromkeys(names) if n not in dropped]


def _key_series(frame: pd.DataFrame, names: list[str]) -> list[pd.Series]:
    """The `by` columns, numbered from 0 like every row table here."""
    return [frame[name].reset_index(drop=True) for name in names]


def _keys_or_all(frame: pd.DataFrame, names: list[str]) -> tuple[list[pd.Series], bool]:
    """The group keys and `observed`; without `by`, one key "All" that exists even with no rows."""
    if names:
        return _key_series(frame, names), True
    return [_categories(np.zeros(len(frame), dtype="int64"), [WHOLE_FRAME])], False


def _group_index(keys: list[pd.Series], observed: bool) -> pd.Index:
    """The groups `keys` form, sorted: what a groupby over them would have as its index."""
    ones = pd.Series(np.ones(len(keys[0]), dtype="int64"))
    return ones.groupby(keys, observed=observed, dropna=False).size().index


def _group_numbers(rows: pd.DataFrame, names: list[str]) -> pd.Series:
    """The group of each of `rows` (sorted by group already), numbered in order."""
    if not names:
        return pd.Series(0, index=rows.index, dtype="int64")
    return rows.groupby(names, observed=True, dropna=False, sort=False).ngroup()


def _order(values: pd.Series, canonical: Sequence[str]) -> pd.Series:
    """Rank of each value: `canonical` first, other values alphabetically, "(missing)" last."""
    known = set(canonical)
    others = sorted(v for v in set(values) if v not in known and v != MISSING_GROUP)
    rank = {v: i for i, v in enumerate([*canonical, *others, MISSING_GROUP])}
    return values.map(rank).astype("int64")


def _categories(
    codes: npt.NDArray[np.int64], categories: Sequence[str], ordered: bool = False
) -> pd.Series:
    """A categorical Series of `categories[code]` (-1: missing), numbered from 0."""
    dtype = pd.CategoricalDtype(list(categories), ordered=ordered)
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype))


def _text(series: pd.Series) -> pd.Series:
    """`series` as text, missing values as "(missing)", numbered from 0."""
    return series.astype("str").fillna(MISSING_GROUP).reset_index(drop=True)


def _float(series: pd.Series) -> pd.Series:
    """Numbers as float64 with NaN for missing, numbered from 0."""
    numbers = pd.to_numeric(series, errors="coerce").astype("Float64")
    return pd.Series(numbers.to_numpy(dtype="float64", na_value=np.nan), name=series.name)


def _nan_series(n: int) -> pd.Series:
    return pd.Series(np.full(n, np.nan))


def _values_or_na(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame:
        return frame[name].reset_index(drop=True)
    return pd.Series(np.full(len(frame), np.nan), dtype=object)


def _unless_missing(counts: pd.Series, present: bool) -> pd.Series:
    """`counts` as int64; all <NA> (Int64) when the counted column is missing."""
    if present:
        return counts.astype("int64")
    return pd.Series(pd.NA, index=counts.index, dtype="Int64")


def _is_call(frame: pd.DataFrame) -> np.ndarray:
    """Which attempts are calls: `type` "call"; without `type`, those with a duration."""
    if "type" in frame:
        return (frame["type"] == "call").to_numpy(dtype=bool)
    if "duration" in frame:
        return frame["duration"].notna().to_numpy(dtype=bool)
    return np.ones(len(frame), dtype=bool)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """`numerator / denominator` as float64, NaN where the denominator is 0 or missing."""
    top = _float(numerator).to_numpy()
    bottom = _float(denominator).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(bottom > 0, top / np.where(bottom > 0, bottom, 1.0), np.nan)
    return pd.Series(values, index=numerator.index, dtype="float64")


def require_column(frame: pd.DataFrame, name: str, purpose: str) -> pd.Series:
    """`frame[name]`; KeyError saying what needs it when the frame lacks it."""
    if name not in frame:
        raise KeyError(f"{purpose} needs the column {name!r}; this frame has none")
    return frame[name]


CHANNELS = {"call": "calls", "whatsapp": "WhatsApp messages"}
"""The values `channel=` accepts (None: every attempt), and how tables and plots name them."""


def _channel_mask(frame: pd.DataFrame, channel: str | None) -> npt.NDArray[np.bool_]:
    """Which attempts are on `channel`, numbered from 0 ("call", "whatsapp"; None: all).

    Raises:
        ValueError: `channel` is not one of them.
    """
    if channel is None:
        return np.ones(len(frame), dtype=bool)
    if channel not in CHANNELS:
        raise ValueError(
            f"channel must be 'call', 'whatsapp' or None (every attempt), not {channel!r}"
        )
    calls = _is_call(frame)
    if channel == "call":
        return calls
    if "type" in frame:
        return (frame["type"] == "whatsapp").to_numpy(dtype=bool)
    return ~calls


def _check_count(value: int, name: str) -> int:
    """`value` if it is a whole number >= 1; ValueError naming `name` otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
    return int(value)
