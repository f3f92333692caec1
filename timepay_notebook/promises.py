"""Promises to pay: `extracted_data` as columns, and which promises count (pure functions).

A promise is an attempt with disposition "Promise to Pay" (`outcomes.is_promise`); its amount
(rupees) and date are `extracted_data["promised_amount"]` and `["promised_date"]`.

**Superseded promises.** Customers promise again: a loan that promises on 3 March to pay by
10 March and promises again on 8 March has made one promise, renewed, not two. A promise is
*superseded* when the same loan makes another promise on or before its promised date (a promise
without a date is superseded by the loan's next promise). Money promised (`kpis()`'s
`promised_amount`) counts each promise that is not superseded, once; `promised_amount_gross`
adds every promise. Promises without a loan id or a start time are never superseded.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._tables import _finish, require_column
from .outcomes import is_promise

__all__ = ["extracted", "promise_amounts", "promises"]


def promises(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per promise to pay, on the frame's index, in the frame's order.

    Columns: `loan_id`, `start_time`, `promised_amount` (rupees, NaN without one),
    `promised_date`, and `superseded`: True when the same loan promised again on or before this
    promise's date (see the module docstring), so that its amount is not counted again.

    Raises:
        KeyError: the frame has no `extracted_data` column.
    """
    require_column(frame, "extracted_data", "promises")
    details = extracted(frame)[["promised_amount", "promised_date"]]
    mask = is_promise(frame)
    table = pd.DataFrame(
        {
            "loan_id": _column(frame, "loan_id"),
            "start_time": _column(frame, "start_time"),
            "promised_amount": details["promised_amount"],
            "promised_date": details["promised_date"],
            "superseded": _superseded(frame, details["promised_date"], mask),
        },
        index=frame.index,
    )[mask]
    return _finish(table, "Promises to pay", rates=(), money=["promised_amount"])


def promise_amounts(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per attempt, numbered from 0: the amount promised (gross) and the amount that counts (net).

    Both are 0 on attempts that are not promises, and NaN everywhere without `extracted_data`.
    """
    if "extracted_data" not in frame:
        nan = pd.Series(np.full(len(frame), np.nan))
        return nan, nan.copy()
    details = extracted(frame)
    mask = is_promise(frame)
    gross = details["promised_amount"].fillna(0.0).where(mask, 0.0).reset_index(drop=True)
    superseded = _superseded(frame, details["promised_date"], mask)
    net = gross.where(~superseded, 0.0)
    return gross, net


def _superseded(frame: pd.DataFrame, dates: pd.Series, mask: np.ndarray) -> np.ndarray:
    """Per attempt: a promise whose loan promises again on or before its promised date."""
    out = np.zeros(len(frame), dtype=bool)
    if "loan_id" not in frame or "start_time" not in frame or not mask.any():
        return out
    times = frame["start_time"].reset_index(drop=True)
    if not pd.api.types.is_datetime64_any_dtype(times):
        times = pd.to_datetime(times, format="ISO8601", errors="coerce")
    if getattr(times.dt, "tz", None) is not None:
        times = times.dt.tz_localize(None)
    rows = pd.DataFrame(
        {
            "loan": frame["loan_id"].reset_index(drop=True).astype("str"),
            "time": times.astype("datetime64[us]"),
            "date": dates.reset_index(drop=True).astype("datetime64[us]"),
        }
    )
    rows = rows[mask & rows["loan"].notna().to_numpy() & rows["time"].notna().to_numpy()]
    rows = rows.sort_values(["loan", "time"], kind="stable")
    same_loan = rows["loan"].shift(-1) == rows["loan"]
    next_day = rows["time"].shift(-1).dt.normalize()
    renewed = same_loan & (rows["date"].isna() | (next_day <= rows["date"]))
    out[rows.index[renewed.to_numpy(dtype=bool)].to_numpy()] = True
    return out


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame:
        return frame[name]
    return pd.Series(pd.NA, index=frame.index, dtype="object")


def extracted(frame: pd.DataFrame) -> pd.DataFrame:
    """`extracted_data` as columns, on the frame's index, to `join` back.

    `promised_amount` (float, rupees) and `promised_date` (datetime64[us]) always, then any
    other key in order of appearance. Empty, missing or malformed cells (not a dict, or JSON
    text of one) give missing values; values that are not numbers or dates become missing.

    Raises:
        KeyError: the frame has no `extracted_data` column.
    """
    cells = [_as_dict(v) for v in require_column(frame, "extracted_data", "extracted")]
    names = dict.fromkeys(["promised_amount", "promised_date", *(k for d in cells for k in d)])
    columns: dict[str, pd.Series] = {}
    for name in names:
        values = [d.get(name) for d in cells]
        if name == "promised_amount":
            column = _numbers(values)
        elif name == "promised_date":
            texts = pd.Series([_date_text(v) for v in values], dtype=object)
            column = pd.to_datetime(texts, format="%Y-%m-%d", errors="coerce").astype(
                "datetime64[us]"
            )
        else:
            column = _infer(values)
        columns[name] = column.set_axis(frame.index)
    return pd.DataFrame(columns, index=frame.index)


def _as_dict(value: Any) -> Mapping[str, Any]:
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return {}
        return parsed if isinstance(parsed, dict) else {}
    return {}


def _numbers(values: list[Any]) -> pd.Series:
    clean = [
        v if isinstance(v, int | float | str) and not isinstance(v, bool) else None for v in values
    ]
    numbers = pd.to_numeric(pd.Series(clean, dtype=object), errors="coerce")
    return numbers.astype("float64").reset_index(drop=True)


def _date_text(value: Any) -> str | None:
    return value[:10] if isinstance(value, str) else None


def _infer(values: list[Any]) -> pd.Series:
    try:
        return pd.Series(values)
    except (TypeError, ValueError):
        return pd.Series(values, dtype=object)
