"""Promises to pay: `extracted_data` as columns, and which promises count (pure functions).

A promise is an attempt with disposition "Promise to Pay" (`outcomes.is_promise`); its amount
(rupees) and date are `extracted_data["promised_amount"]` and `["promised_date"]`.

**Superseded promises.** Customers promise again: a loan that promises on 3 March to pay by
10 March and promises again on 8 March has made one promise, renewed, not two. A promise is
*superseded* when the same loan makes another promise on or before its promised date (a promise
without a date is superseded by the loan's next promise). Money promised (`kpis()`'s
`promised_amount`) counts each promise that is not superseded, once; `promised_amount_gross`
adds every promise. Promises without a loan id or a start time are never superseded.

**Did they hold.** `promises(as_of, grace_days, payments)` gives each promise one status of
`PROMISE_STATUSES`: superseded, kept (a payment, or without payments a later "Already Paid"
log, a proxy, by the promised date plus the grace days), broken (past that day, not kept) or
pending; `promise_summary(by)` counts them and their rupees, and `kpis()`'s `ptp_kept_rate`
is kept / (kept + broken).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ._tables import (
    WHOLE_FRAME,
    Keys,
    _by_names,
    _finish,
    _keys_or_all,
    _ratio,
    require_column,
)
from .intervals import wilson
from .outcomes import ALREADY_PAID, is_promise

__all__ = [
    "PROMISE_STATUSES",
    "extracted",
    "lifecycle",
    "naive",
    "promise_amounts",
    "promise_summary",
    "promises",
]


PROMISE_STATUSES = ("superseded", "kept", "broken", "pending")
"""A promise's status, in the order tables list them; every promise has exactly one."""
DEFAULT_GRACE_DAYS = 3
PROXY_NOTE = "kept: a later Already Paid log (a proxy; pass payments= for real payments)"


def promises(
    frame: pd.DataFrame,
    as_of: Any = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
    payments: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per promise to pay, on the frame's index, in the frame's order, with its status.

    Columns: `loan_id`, `agent_id`, `campaign_id`, `promised_at` (the log's start time),
    `amount` (rupees, NaN without one), `promised_date`, `due_date` (the promised date plus
    `grace_days`: the last day a payment counts), `status`, `evidence` (why, in words) and
    `evidence_at` (the renewal, payment or log it rests on; NaT when there is none).

    Statuses (`PROMISE_STATUSES`, one per promise, checked in this order):

    - `superseded`: the same loan promised again on or before this promise's date (see the
      module docstring); its amount is not counted again.
    - `kept`: with `payments`, a payment for the loan after the promise and on or before its
      due date; without, a proxy: a later "Already Paid" log for the loan by then (the title
      and `evidence` say so). Evidence after `as_of` does not count. A promise without a
      date is kept by any later evidence.
    - `broken`: `as_of` is past the due date and the promise was not kept.
    - `pending`: otherwise (not yet due, or no promised date).

    Args:
        as_of: the day of reckoning (a timestamp or text such as "2026-02-01"); None: the
            latest `start_time` in the frame.
        grace_days: days after the promised date a payment still counts (0 or more).
        payments: a frame with `loan_id` and `paid_at` (and optionally `amount`); None to
            judge from "Already Paid" logs.

    Raises:
        KeyError: the frame has no `extracted_data` column, or `payments` lacks a column.
        ValueError: `grace_days` is not a whole number >= 0, or `as_of` is not a time.
    """
    require_column(frame, "extracted_data", "promises")
    life = lifecycle(frame, as_of, grace_days, payments)
    mask = is_promise(frame)
    table = life[mask].set_axis(frame.index[mask])
    title = "Promises to pay" + (f" ({PROXY_NOTE})" if payments is None else "")
    return _finish(table, title, rates=(), money=["amount"])


def lifecycle(
    frame: pd.DataFrame,
    as_of: Any = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
    payments: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The columns of `promises` for every attempt, numbered from 0 (missing on non-promises).

    Needs `extracted_data` (KeyError otherwise); see `promises` for the rules.
    """
    grace = _check_grace(grace_days)
    n = len(frame)
    details = extracted(frame)
    dates = details["promised_date"].reset_index(drop=True)
    mask = is_promise(frame)
    times = _naive_times(frame)
    loans = frame["loan_id"].reset_index(drop=True).astype("str") if "loan_id" in frame else None
    cutoff = _as_of(as_of, times)
    superseded, renewed_at = _renewals(frame, dates, mask)
    due = (dates + pd.Timedelta(days=grace)).astype("datetime64[us]")
    evidence_at, paid = _evidence(frame, loans, times, mask, cutoff, payments)
    in_time = dates.isna().to_numpy() | (evidence_at.dt.normalize() <= due).to_numpy()
    kept = mask & ~superseded & evidence_at.notna().to_numpy() & in_time
    past_due = (cutoff.normalize() > due).to_numpy() if pd.notna(cutoff) else np.zeros(n, bool)
    broken = mask & ~superseded & ~kept & past_due
    status = np.select([superseded, kept, broken, mask], list(PROMISE_STATUSES), default="").astype(
        object
    )
    status[~mask] = None
    at = renewed_at.where(superseded, evidence_at.where(kept))
    table = pd.DataFrame(
        {
            "loan_id": _column(frame, "loan_id").reset_index(drop=True),
            "agent_id": _column(frame, "agent_id").reset_index(drop=True),
            "campaign_id": _column(frame, "campaign_id").reset_index(drop=True),
            "promised_at": times,
            "amount": details["promised_amount"].reset_index(drop=True),
            "promised_date": dates,
            "due_date": due,
            "status": pd.Series(status, dtype="str"),
            "evidence": _evidence_text(status, at, due, paid, payments is None),
            "evidence_at": at.astype("datetime64[us]"),
        }
    )
    return table


def promise_summary(
    frame: pd.DataFrame,
    by: Keys = None,
    as_of: Any = None,
    grace_days: int = DEFAULT_GRACE_DAYS,
    payments: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Promises by status, one row per group of `by` ("All" without `by`).

    Columns: `promises`, then the count of each status (`superseded`, `kept`, `broken`,
    `pending`), `kept_rate` = kept / (kept + broken) (promises that came due; NaN when none
    did) with its Wilson interval `ci_low`, `ci_high`; and rupees: `amount` (net: promises not
    superseded), `kept_amount`, `broken_amount`, `pending_amount`. Statuses are judged over
    the whole frame (a loan's Already Paid log counts whoever logged it), then grouped.

    Args:
        by: a column or a list of columns of the frame (e.g. "agent_id", "campaign_name").
        as_of, grace_days, payments: as in `promises`.

    Raises:
        KeyError: the frame has no `extracted_data` column, or an unknown `by`.
    """
    require_column(frame, "extracted_data", "promise_summary")
    names = _by_names(frame, by)
    life = lifecycle(frame, as_of, grace_days, payments)
    keys, observed = _keys_or_all(frame, names)
    mask = is_promise(frame)
    status = life["status"]
    amount = life["amount"].fillna(0.0)
    rows = pd.DataFrame({"promises": mask})
    for name in PROMISE_STATUSES:
        rows[name] = (status == name).to_numpy(dtype=bool)
    rows["amount"] = amount.where(mask & ~rows["superseded"].to_numpy(), 0.0)
    for name in ("kept", "broken", "pending"):
        rows[f"{name}_amount"] = amount.where(rows[name], 0.0)
    sums = (
        rows[mask]
        .groupby([k[mask] for k in keys], observed=observed, dropna=False, sort=True)
        .sum()
    )
    if not names:
        sums = sums.reindex([WHOLE_FRAME], fill_value=0)
        sums.index = pd.Index([WHOLE_FRAME])
    counts = ["promises", *PROMISE_STATUSES]
    sums[counts] = sums[counts].astype("int64")
    due = sums["kept"] + sums["broken"]
    low, high = wilson(sums["kept"], due)
    table = pd.DataFrame(
        {
            **{c: sums[c] for c in counts},
            "kept_rate": _ratio(sums["kept"], due),
            "ci_low": low,
            "ci_high": high,
            **{
                c: sums[c].astype("float64")
                for c in ("amount", "kept_amount", "broken_amount", "pending_amount")
            },
        },
        index=sums.index,
    )
    title = "Promises by status" + (f" ({PROXY_NOTE})" if payments is None else "")
    money = ["amount", "kept_amount", "broken_amount", "pending_amount"]
    return _finish(table, title, rates=("kept_rate", "ci_low", "ci_high"), money=money)


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
    superseded, _ = _renewals(frame, details["promised_date"], mask)
    net = gross.where(~superseded, 0.0)
    return gross, net


def _check_grace(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        raise ValueError(f"grace_days must be a whole number of days (0 or more), not {value!r}")
    return int(value)


def _naive_times(frame: pd.DataFrame) -> pd.Series:
    """`start_time` as naive datetime64[us] (local wall time), numbered from 0; NaT without."""
    if "start_time" not in frame:
        return pd.Series(pd.NaT, index=range(len(frame)), dtype="datetime64[us]")
    return naive(frame["start_time"].reset_index(drop=True))


def naive(times: pd.Series) -> pd.Series:
    """`times` (datetimes or ISO text) as naive datetime64[us]; aware ones keep their wall time."""
    if not pd.api.types.is_datetime64_any_dtype(times):
        times = pd.to_datetime(times, format="ISO8601", errors="coerce")
    if getattr(times.dt, "tz", None) is not None:
        times = times.dt.tz_localize(None)
    return times.astype("datetime64[us]")


def _as_of(as_of: Any, times: pd.Series) -> Any:
    """`as_of` as a naive Timestamp; the latest of `times` when None (NaT without any)."""
    if as_of is None:
        latest = times.max()
        return pd.Timestamp(latest) if pd.notna(latest) else pd.NaT
    try:
        stamp = pd.Timestamp(as_of)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"as_of must be a date or time such as '2026-02-01', not {as_of!r}"
        ) from error
    if pd.isna(stamp):
        raise ValueError(f"as_of must be a date or time such as '2026-02-01', not {as_of!r}")
    return stamp.tz_localize(None) if stamp.tzinfo is not None else stamp


def _evidence(
    frame: pd.DataFrame,
    loans: pd.Series | None,
    times: pd.Series,
    mask: np.ndarray,
    cutoff: pd.Timestamp,
    payments: pd.DataFrame | None,
) -> tuple[pd.Series, pd.Series]:
    """Per attempt: the first payment (or Already Paid log) after each promise, by `cutoff`,
    and that payment's amount (NaN for logs)."""
    at = pd.Series(pd.NaT, index=range(len(frame)), dtype="datetime64[us]")
    paid = pd.Series(np.nan, index=range(len(frame)))
    if payments is not None:
        source = pd.DataFrame(
            {
                "loan": require_column(payments, "loan_id", "payments").astype("str").to_numpy(),
                "evidence_at": naive(
                    require_column(payments, "paid_at", "payments").reset_index(drop=True)
                ).to_numpy(),
                "paid": pd.to_numeric(payments["amount"], errors="coerce").to_numpy(float)
                if "amount" in payments
                else np.nan,
            }
        )
    elif loans is not None:
        already = (frame["disposition"] == ALREADY_PAID).to_numpy(dtype=bool)
        source = pd.DataFrame(
            {"loan": loans[already], "evidence_at": times[already], "paid": np.nan}
        )
    else:
        return at, paid
    if loans is None:
        return at, paid
    if pd.notna(cutoff):
        source = source[source["evidence_at"] <= cutoff]
    source = source.dropna(subset=["loan", "evidence_at"]).sort_values("evidence_at")
    left = pd.DataFrame({"loan": loans, "time": times})[mask]
    left = left.dropna().sort_values("time")
    if left.empty or source.empty:
        return at, paid
    source = source.astype({"evidence_at": "datetime64[us]", "loan": "str"})
    left = left.astype({"time": "datetime64[us]", "loan": "str"})
    merged = pd.merge_asof(
        left.reset_index(),
        source,
        left_on="time",
        right_on="evidence_at",
        by="loan",
        direction="forward",
        allow_exact_matches=False,
    )
    rows = merged["index"].to_numpy(dtype="int64")
    at_values = at.to_numpy(copy=True)
    at_values[rows] = merged["evidence_at"].to_numpy()
    paid_values = paid.to_numpy(copy=True)
    paid_values[rows] = merged["paid"].to_numpy(dtype="float64")
    return pd.Series(at_values, dtype="datetime64[us]"), pd.Series(paid_values)


def _evidence_text(
    status: np.ndarray, at: pd.Series, due: pd.Series, paid: pd.Series, proxy: bool
) -> pd.Series:
    """The evidence in words, for the promises (rows with a status) only; missing elsewhere."""
    texts: list[str | None] = [None] * len(status)
    for i in np.flatnonzero(pd.notna(status)):
        s, when, last, amount = status[i], at.iloc[i], due.iloc[i], paid.iloc[i]
        moment = "" if pd.isna(when) else f"{when:%Y-%m-%d %H:%M}"
        day = "" if pd.isna(last) else f"{last:%Y-%m-%d}"
        if s == "superseded":
            texts[i] = f"promised again on {moment}"
        elif s == "kept" and proxy:
            texts[i] = f"Already Paid log on {moment} (proxy)"
        elif s == "kept":
            money = "" if pd.isna(amount) else f" of {amount:,.0f}"
            texts[i] = f"payment{money} on {moment}"
        elif s == "broken":
            texts[i] = f"nothing by {day}"
        elif s == "pending":
            texts[i] = f"due by {day}" if day else "no promised date"
    return pd.Series(texts, dtype="str")


def _renewals(
    frame: pd.DataFrame, dates: pd.Series, mask: np.ndarray
) -> tuple[np.ndarray, pd.Series]:
    """Per attempt: a promise whose loan promises again on or before its promised date, and
    the time of that next promise (NaT otherwise)."""
    out = np.zeros(len(frame), dtype=bool)
    renewed_at = pd.Series(pd.NaT, index=range(len(frame)), dtype="datetime64[us]")
    if "loan_id" not in frame or "start_time" not in frame or not mask.any():
        return out, renewed_at
    rows = pd.DataFrame(
        {
            "loan": frame["loan_id"].reset_index(drop=True).astype("str"),
            "time": _naive_times(frame),
            "date": dates.reset_index(drop=True).astype("datetime64[us]"),
        }
    )
    rows = rows[mask & rows["loan"].notna().to_numpy() & rows["time"].notna().to_numpy()]
    rows = rows.sort_values(["loan", "time"], kind="stable")
    same_loan = rows["loan"].shift(-1) == rows["loan"]
    next_time = rows["time"].shift(-1)
    renewed = same_loan & (rows["date"].isna() | (next_time.dt.normalize() <= rows["date"]))
    hit = rows.index[renewed.to_numpy(dtype=bool)].to_numpy()
    out[hit] = True
    renewed_at.iloc[hit] = next_time[renewed.to_numpy(dtype=bool)].to_numpy()
    return out, renewed_at


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
