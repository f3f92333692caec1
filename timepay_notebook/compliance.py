"""Contact policy: which logs broke the calling rules (pure functions; `df.timepay.compliance`).

    >>> df.timepay.compliance()                         # calls 08:00-19:00, at most 3 a day
    >>> df.timepay.compliance(max_per_week=10, call_window=("09:00", "18:00"))

The defaults follow the Reserve Bank of India's guidance to lenders on recovery agents (its
Fair Practices Code and the Master Direction on outsourcing of financial services, which ask
that borrowers be called only between 08:00 and 19:00) and common practice (a few calls a day,
no more calls once a customer says the loan is paid or the number is wrong). They are
settings to check your own policy against, not legal advice: set them to your lender's rules.

Each offence is one row: a call outside the window is one; each call over the daily (weekly)
limit for one loan is one (with a limit of 3, the fourth and fifth calls of a day are two);
each call to a loan after a log of it ended in a suppressing disposition is one. A log that
breaks two rules is two rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ._tables import CHANNELS, _channel_mask, _check_count, _finish, require_column
from .promises import naive
from .protocol import ID_FIELDS

__all__ = ["DEFAULT_CALL_WINDOW", "DEFAULT_SUPPRESS_AFTER", "RULES", "compliance"]

DEFAULT_CALL_WINDOW = ("08:00", "19:00")
"""Calls may start from 08:00 to 19:00 inclusive (the RBI's guidance on recovery calls)."""
DEFAULT_MAX_PER_DAY = 3
DEFAULT_SUPPRESS_AFTER = ("Already Paid", "Wrong Number")
"""Dispositions after which a loan should not be called again."""
RULES = ("call_window", "max_per_day", "max_per_week", "after_suppression")
"""The rules, in the order rows of one log are listed."""
COLUMNS = ("log_id", "loan_id", "start_time", "agent_id", "campaign_id", "rule", "detail")


def compliance(
    frame: pd.DataFrame,
    call_window: tuple[str, str] | None = DEFAULT_CALL_WINDOW,
    max_per_day: int | None = DEFAULT_MAX_PER_DAY,
    max_per_week: int | None = None,
    suppress_after: Sequence[str] | None = DEFAULT_SUPPRESS_AFTER,
    channel: str | None = "call",
) -> pd.DataFrame:
    """One row per offence against the contact policy, earliest first (empty: none).

    Columns: `log_id` (`call_id` or `message_id`), `loan_id`, `start_time`, `agent_id`,
    `campaign_id`, `rule` (one of `RULES`) and `detail` (the offence in words). Only logs of
    `channel` are checked; a suppressing disposition counts on any channel.

    Args:
        call_window: ("HH:MM", "HH:MM"), the first and last minute a call may start
            (inclusive; judged on `start_time`, the API's local time); None: not checked.
        max_per_day: the most attempts one loan may get in a calendar day; None: no limit.
        max_per_week: the most in a calendar week (Monday to Sunday); None: no limit.
        suppress_after: dispositions after which the loan may not be attempted again
            (default "Already Paid", "Wrong Number"); None or () : not checked.
        channel: "call" (the default), "whatsapp", or None for every attempt.

    Raises:
        KeyError: the frame lacks `start_time`, or `loan_id` when a per-loan rule is on.
        ValueError: a malformed window, a limit below 1, or an unknown channel.
    """
    window = _window(call_window)
    per_day = None if max_per_day is None else _check_count(max_per_day, "max_per_day")
    per_week = None if max_per_week is None else _check_count(max_per_week, "max_per_week")
    suppress = _suppressing(suppress_after)
    on_channel = _channel_mask(frame, channel)
    times = naive(require_column(frame, "start_time", "compliance").reset_index(drop=True))
    needs_loans = per_day is not None or per_week is not None or bool(suppress)
    loans = (
        require_column(frame, "loan_id", "compliance's per-loan rules")
        .reset_index(drop=True)
        .astype("str")
        if needs_loans
        else pd.Series(np.full(len(frame), None), dtype="str")
    )
    checked = on_channel & times.notna().to_numpy()
    found: list[pd.DataFrame] = []
    if window is not None:
        found.append(_outside(times, checked, window))
    for limit, name, period in ((per_day, "max_per_day", "D"), (per_week, "max_per_week", "W")):
        if limit is not None:
            found.append(_over_limit(times, loans, checked, limit, name, period))
    if suppress:
        found.append(_after_suppression(frame, times, loans, checked, suppress))
    hits = pd.concat(found, ignore_index=True) if found else _no_hits()
    hits["_order"] = hits["rule"].map({r: i for i, r in enumerate(RULES)}).astype("int64")
    hits = hits.assign(_time=times.to_numpy()[hits["row"].to_numpy(dtype="int64")])
    hits = hits.sort_values(["_time", "row", "_order"], kind="stable")
    rows = hits["row"].to_numpy(dtype="int64")
    table = pd.DataFrame(
        {
            "log_id": _log_ids(frame).to_numpy()[rows],
            "loan_id": _optional(frame, "loan_id").to_numpy()[rows],
            "start_time": times.to_numpy()[rows],
            "agent_id": _optional(frame, "agent_id").to_numpy()[rows],
            "campaign_id": _optional(frame, "campaign_id").to_numpy()[rows],
            "rule": hits["rule"].to_numpy(),
            "detail": hits["detail"].to_numpy(),
        }
    ).astype({"start_time": "datetime64[us]", "rule": "str", "detail": "str"})
    noun = CHANNELS.get(channel or "", "attempts")
    return _finish(table, f"Contact policy breaches ({noun})", rates=())


def _window(call_window: tuple[str, str] | None) -> tuple[dt.time, dt.time] | None:
    if call_window is None:
        return None
    message = (
        f'call_window must be two times ("HH:MM", "HH:MM"), earliest first, not {call_window!r}'
    )
    if isinstance(call_window, str) or len(call_window) != 2:
        raise ValueError(message)
    try:
        first, last = (dt.time.fromisoformat(str(t)) for t in call_window)
    except ValueError as error:
        raise ValueError(message) from error
    if first > last:
        raise ValueError(message)
    return first, last


def _suppressing(suppress_after: Sequence[str] | None) -> tuple[str, ...]:
    if suppress_after is None:
        return ()
    if isinstance(suppress_after, str):
        return (suppress_after,)
    values = tuple(suppress_after)
    if not all(isinstance(v, str) for v in values):
        raise ValueError(f"suppress_after must be dispositions (text), not {suppress_after!r}")
    return values


def _outside(
    times: pd.Series, checked: np.ndarray, window: tuple[dt.time, dt.time]
) -> pd.DataFrame:
    seconds = (times - times.dt.normalize()).dt.total_seconds().to_numpy()
    first, last = (t.hour * 3600 + t.minute * 60 + t.second for t in window)
    outside = checked & ((seconds < first) | (seconds > last))
    rows = np.flatnonzero(outside)
    span = f"{window[0]:%H:%M}-{window[1]:%H:%M}"
    details = [f"started {times[r]:%H:%M:%S}, outside {span}" for r in rows]
    return pd.DataFrame({"row": rows, "rule": "call_window", "detail": details})


def _over_limit(
    times: pd.Series, loans: pd.Series, checked: np.ndarray, limit: int, rule: str, period: str
) -> pd.DataFrame:
    keep = checked & loans.notna().to_numpy()
    days = times.dt.normalize()
    start = days if period == "D" else days - pd.to_timedelta(times.dt.day_of_week, unit="D")
    work = pd.DataFrame({"loan": loans, "period": start, "time": times})[keep]
    work = work.sort_values(["loan", "period", "time"], kind="stable")
    groups = work.groupby(["loan", "period"], sort=False)
    number = groups.cumcount() + 1
    total = groups["time"].transform("size")
    over = work[(number > limit).to_numpy()]
    where = "on" if period == "D" else "in the week of"
    hit = (number > limit).to_numpy()
    details = [
        f"attempt {k} of {n} {where} {p:%Y-%m-%d} (limit {limit})"
        for k, n, p in zip(number[hit], total[hit], over["period"], strict=True)
    ]
    return pd.DataFrame({"row": over.index.to_numpy(), "rule": rule, "detail": details})


def _after_suppression(
    frame: pd.DataFrame,
    times: pd.Series,
    loans: pd.Series,
    checked: np.ndarray,
    suppress: tuple[str, ...],
) -> pd.DataFrame:
    disposition = frame["disposition"].reset_index(drop=True)
    stops = pd.DataFrame({"loan": loans, "stop_at": times, "why": disposition})
    stops = stops[disposition.isin(suppress).to_numpy() & loans.notna().to_numpy()]
    first = stops.dropna(subset=["stop_at"]).sort_values("stop_at", kind="stable")
    first = first.drop_duplicates("loan").set_index("loan")
    if first.empty:
        return _no_hits()
    stop_at = loans.map(first["stop_at"]).astype("datetime64[us]")
    after = checked & (times > stop_at).to_numpy(dtype=bool)
    rows = np.flatnonzero(after)
    details = [
        f"after {first.loc[loans[r], 'why']} on {first.loc[loans[r], 'stop_at']:%Y-%m-%d %H:%M}"
        for r in rows
    ]
    return pd.DataFrame({"row": rows, "rule": "after_suppression", "detail": details})


def _no_hits() -> pd.DataFrame:
    return pd.DataFrame({"row": np.empty(0, "int64"), "rule": [], "detail": []})


def _log_ids(frame: pd.DataFrame) -> pd.Series:
    """Each log's id: its first present field of `protocol.ID_FIELDS`, numbered from 0."""
    ids = pd.Series(np.full(len(frame), None), dtype="str")
    for name in reversed(ID_FIELDS):
        if name in frame:
            values = frame[name].reset_index(drop=True).astype("str")
            ids = values.where(values.notna() & (values != ""), ids)
    return ids


def _optional(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame:
        return frame[name].reset_index(drop=True).astype("str")
    return pd.Series(np.full(len(frame), None), dtype="str")
