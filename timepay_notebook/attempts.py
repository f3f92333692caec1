"""Attempt sequences: how the odds of reaching a customer change with each attempt (pure).

    >>> df.timepay.by_attempt()            # calls: contact rate at a loan's 1st, 2nd, ... call
    >>> df.timepay.attempts_to_contact()   # how many calls the first contact took

A loan's attempts are numbered in order of `start_time` within the frame (1 = its first
attempt in the frame, which is not necessarily its first ever: load a window that starts when
the campaign does). Only attempts on `channel` are numbered ("call" by default). With `by`,
each group's attempts are numbered on their own (a loan's calls by one agent: 1, 2, ...).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._tables import (
    CHANNELS,
    Keys,
    _by_names,
    _channel_mask,
    _check_count,
    _finish,
    _key_series,
    _ratio,
    require_column,
)
from .intervals import DEFAULT_CI, wilson
from .outcomes import is_contact, is_promise
from .promises import naive

__all__ = ["attempts_to_contact", "by_attempt", "numbered"]

DEFAULT_MAX_ATTEMPT = 15


def numbered(
    frame: pd.DataFrame, channel: str | None = "call", unit: str = "loan_id", by: Keys = None
) -> pd.DataFrame:
    """The attempts on `channel` with a `unit` and a start time, in order, numbered.

    Columns (numbered from 0 in that order): the `by` columns, `unit`, `attempt` (1, 2, ...
    within the unit and the group), `contact`, `promise`, and `row` (the attempt's position in
    the frame).

    Raises:
        KeyError: the frame lacks `unit`, `start_time` or a `by` column.
        ValueError: an unknown `channel`.
    """
    names = _by_names(frame, by, drop=(unit,))
    units = require_column(frame, unit, "attempt sequences").reset_index(drop=True)
    times = naive(require_column(frame, "start_time", "attempt sequences").reset_index(drop=True))
    work = pd.DataFrame(
        {
            **dict(zip(names, _key_series(frame, names), strict=True)),
            unit: units,
            "time": times,
            "contact": is_contact(frame),
            "promise": is_promise(frame),
            "row": np.arange(len(frame)),
        }
    )
    keep = _channel_mask(frame, channel) & units.notna().to_numpy() & times.notna().to_numpy()
    work = work[keep].sort_values([*names, unit, "time", "row"], kind="stable")
    work["attempt"] = work.groupby([*names, unit], observed=True, dropna=False).cumcount() + 1
    columns = [*names, unit, "attempt", "contact", "promise", "row"]
    return work[columns].reset_index(drop=True)


def by_attempt(
    frame: pd.DataFrame,
    channel: str | None = "call",
    unit: str = "loan_id",
    max_attempt: int = DEFAULT_MAX_ATTEMPT,
    by: Keys = None,
    ci: float = DEFAULT_CI,
) -> pd.DataFrame:
    """Right-party contact rate by attempt number: one row per attempt 1..`max_attempt`.

    "When do we stop dialling": the contact rate of a loan's k-th attempt, and how many loans
    have been reached by then. Columns (with `by`, its columns first): `attempt`, `loans`
    (units that reached attempt k), `contacts` (k-th attempts that were right-party
    contacts), `contact_rate` (contacts / loans, per attempt) with its Wilson interval
    `ci_low`, `ci_high`, `promises` (k-th attempts that were promises to pay), and
    `cumulative_contacted` (share of the units with a first attempt that had a contact at
    attempt k or before). Attempt numbers no unit reached are left out.

    Args:
        channel: "call" (the default), "whatsapp", or None for every attempt.
        unit: the column attempts are numbered within ("loan_id"; "to" for customers).
        max_attempt: the last attempt number shown (later attempts are not rows).
        by: a column or a list of columns to split by (e.g. "campaign_name").
        ci: the confidence level of the interval.

    Raises:
        KeyError: the frame lacks `unit`, `start_time` or a `by` column.
        ValueError: an unknown `channel`, or `max_attempt` below 1.
    """
    last = _check_count(max_attempt, "max_attempt")
    names = _by_names(frame, by, drop=(unit,))
    work = numbered(frame, channel, unit, by)
    first_contact = (
        work["attempt"]
        .where(work["contact"])
        .groupby([work[c] for c in [*names, unit]], observed=True, dropna=False)
        .transform("min")
    )
    work["first_here"] = (work["attempt"] == first_contact).to_numpy()
    shown = work[work["attempt"] <= last]
    sums = (
        shown.groupby([*names, "attempt"], observed=True, dropna=False)
        .agg(
            loans=("contact", "size"),
            contacts=("contact", "sum"),
            promises=("promise", "sum"),
            first=("first_here", "sum"),
        )
        .reset_index()
    )
    sums[["loans", "contacts", "promises", "first"]] = sums[
        ["loans", "contacts", "promises", "first"]
    ].astype("int64")
    if names:
        grouped = sums.groupby(names, observed=True, dropna=False, sort=False)
        reached = grouped["first"].cumsum()
        starting = grouped["loans"].transform("first")
    else:
        reached = sums["first"].cumsum()
        starting = pd.Series(sums["loans"].iloc[0] if len(sums) else 0, index=sums.index)
    low, high = wilson(sums["contacts"], sums["loans"], ci)
    table = pd.DataFrame(
        {
            **{n: sums[n] for n in names},
            "attempt": sums["attempt"].astype("int64"),
            "loans": sums["loans"],
            "contacts": sums["contacts"],
            "contact_rate": _ratio(sums["contacts"], sums["loans"]),
            "ci_low": low,
            "ci_high": high,
            "promises": sums["promises"],
            "cumulative_contacted": _ratio(reached, starting),
        }
    )
    noun = CHANNELS.get(channel or "", "attempts")
    rates = ("contact_rate", "ci_low", "ci_high", "cumulative_contacted")
    labels = {"loans": _unit_noun(unit).capitalize()}
    title = f"Contact rate by attempt number ({noun}; per {_unit_noun(unit, 1)})"
    return _finish(table, title, rates=rates, labels=labels)


def attempts_to_contact(
    frame: pd.DataFrame, channel: str | None = "call", unit: str = "loan_id"
) -> pd.DataFrame:
    """How many attempts the first right-party contact took: one row per number needed.

    Columns: `attempts_needed` (1, 2, ...; the last row, <NA>, counts units never contacted
    in the frame), `loans` (units whose first contact was that attempt), `share` (of every
    unit attempted) and `cumulative_share` (contacted within that many attempts; <NA> row:
    NaN). Attempts are numbered as in `by_attempt`.

    Raises:
        KeyError: the frame lacks `unit` or `start_time`.
        ValueError: an unknown `channel`.
    """
    work = numbered(frame, channel, unit)
    contacted = work[work["contact"]].groupby(unit, observed=True)["attempt"].min()
    total = int(work[unit].nunique())
    counts = contacted.value_counts().sort_index()
    never = total - int(counts.sum())
    needed = pd.array([*counts.index.astype("int64"), pd.NA], dtype="Int64")
    loans = np.array([*counts.to_numpy(dtype="int64"), never], dtype="int64")
    share = loans / total if total else np.full(len(loans), np.nan)
    cumulative = np.cumsum(share)
    cumulative[-1] = np.nan
    table = pd.DataFrame(
        {
            "attempts_needed": needed,
            "loans": loans,
            "share": share.astype("float64"),
            "cumulative_share": cumulative.astype("float64"),
        }
    )
    noun = CHANNELS.get(channel or "", "attempts")
    title = f"Attempts to the first contact ({noun}; last row: never contacted)"
    labels = {"loans": _unit_noun(unit).capitalize(), "attempts_needed": "Attempts needed"}
    return _finish(table, title, rates=("share", "cumulative_share"), labels=labels)


def _unit_noun(unit: str, count: int = 2) -> str:
    nouns = {"loan_id": ("loan", "loans"), "to": ("customer", "customers")}
    one, many = nouns.get(unit, (unit, unit))
    return one if count == 1 else many
