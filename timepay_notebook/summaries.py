"""Summaries and KPIs of a logs frame (pure functions; `df.timepay` calls them).

    >>> summaries.kpis(df, by="campaign_name")  # the same as df.timepay.kpis(by=...)
Summaries return plain DataFrames: counts as integers, rates as fractions in [0, 1] (NaN when
the denominator is zero), one row per group in sorted order (`by` is any column or list of
columns; groups are the values present, missing values included). `table.attrs["timepay"]` names
the rate columns, and `style(table)` turns a summary into a Styler that shows them as percentages.

Definitions (the README's KPI section says the same):

- attempt: one row of the frame, a call or a WhatsApp message.
- contact: status "Completed" (someone was reached and responded) except the disposition
  "Wrong Number": the person reached was not the customer, so it is not a right-party contact.
- connected: status "Completed", "Wrong Number" included: a conversation took place. It splits
  `duration_summary` and gives the average connected duration.
- promise to pay: disposition "Promise to Pay"; voicemail: disposition "Voicemail" on a call;
  failure: status "Failed".
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from .outcomes import (
    DISPOSITION_ORDER,
    FAILED,
    STATUSES,
    VOICEMAIL,
    is_connected,
    is_contact,
    is_promise,
)
from .presentation import ATTRS_KEY, Summary

Keys = str | Sequence[str] | None
"""What `by` accepts: a column name, a list of column names, or None (the whole frame)."""

CONNECTIONS = ("connected", "not connected")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
REQUIRED = ("status", "disposition")
"""The columns `df.timepay` needs; methods needing others say so when they are missing."""

MISSING_GROUP = "(missing)"
TOTAL = "Total"
WHOLE_FRAME = "All"


# ---------------------------------------------------------------- summaries


def disposition_summary(frame: pd.DataFrame, by: Keys = None) -> pd.DataFrame:
    """Count and share of each disposition, indexed by (`by`..., status, disposition).

    Rows follow the API's order (statuses Completed, No Contact, Failed; their dispositions as
    the API lists them; unknown values after, "(missing)" last) and each group ends with a
    "Total" row. `share` is the disposition's share of the group's attempts; `status_share`
    the share of its status. Without `by` the total row is there even for an empty frame.

    Args:
        by: a column or a list of columns to group by (any column, e.g. "campaign_name",
            "agent_id", "date", "type"); None for the whole frame.
    """
    names = _by_names(frame, by, drop=REQUIRED)
    status, disposition = _text(frame["status"]), _text(frame["disposition"])
    keys = [*_key_series(frame, names), status, disposition]
    counts = pd.Series(np.ones(len(frame), dtype="int64")).groupby(
        keys, observed=True, dropna=False, sort=True
    )
    rows = counts.size().rename("count").reset_index()
    rows["_group"] = _group_numbers(rows, names)
    total = rows.groupby("_group")["count"].transform("sum")
    rows["share"] = _ratio(rows["count"], total)
    rows["status_share"] = _ratio(
        rows.groupby(["_group", "status"])["count"].transform("sum"), total
    )
    rows["_order"] = _order(rows["status"], STATUSES) * 1000 + _order(
        rows["disposition"], DISPOSITION_ORDER
    )
    totals = _total_rows(rows, names, n_rows=len(frame))
    table = pd.concat([rows, totals], ignore_index=True) if len(totals) else rows
    table = table.sort_values(["_group", "_order"], kind="stable")
    table = table.set_index([*names, "status", "disposition"])[["count", "share", "status_share"]]
    table["count"] = table["count"].astype("int64")
    return _finish(table, "Dispositions", rates=("share", "status_share"))


def _total_rows(rows: pd.DataFrame, names: list[str], n_rows: int) -> pd.DataFrame:
    """One "Total" row per group of `rows` (a single one, even for no rows, without `by`)."""
    if not names:
        share = 1.0 if n_rows else np.nan
        first = pd.DataFrame({"_group": [0], "count": [n_rows]})
    else:
        first = rows.drop_duplicates("_group")[[*names, "_group"]].reset_index(drop=True)
        first["count"] = first["_group"].map(rows.groupby("_group")["count"].sum())
        share = 1.0
    return first.assign(
        status=TOTAL,
        disposition=TOTAL,
        share=share,
        status_share=share,
        _order=np.iinfo(np.int64).max,
    )


def duration_summary(frame: pd.DataFrame, by: Keys = None) -> pd.DataFrame:
    """Call durations, indexed by (`by`..., connection), connected and not connected.

    Only attempts with a `duration` count (calls; WhatsApp messages have none). Connected means
    status "Completed" ("Wrong Number" included): a conversation took place. Columns: `calls`,
    `total_minutes`, and `mean_seconds`, `median_seconds`, `p90_seconds` (90th percentile,
    linear interpolation), `max_seconds`; NaN where there are no calls. Every group has both
    rows.

    Args:
        by: a column or a list of columns to group by (any column, e.g. "campaign_name",
            "agent_id", "date", "type"); None for the whole frame.

    Raises:
        KeyError: the frame has no `duration` column.
    """
    calls = call_durations(frame, "duration_summary")
    names = _by_names(frame, by)
    keys, observed = _keys_or_all(frame, names)
    codes = np.where(calls["connected"].to_numpy(), 0, 1)
    connection = _categories(codes, CONNECTIONS).rename("connection")
    grouped = calls["seconds"].groupby([*keys, connection], observed=True, dropna=False)
    stats = grouped.agg(["count", "sum", "mean", "median", "max"])
    stats["p90"] = grouped.quantile(0.9)
    stats = stats.reindex(_with_connections(_group_index(keys, observed)))
    table = pd.DataFrame(
        {
            "calls": stats["count"].fillna(0).astype("int64"),
            "total_minutes": stats["sum"].fillna(0.0) / 60,
            "mean_seconds": stats["mean"],
            "median_seconds": stats["median"],
            "p90_seconds": stats["p90"],
            "max_seconds": stats["max"],
        }
    ).astype(dict.fromkeys(("mean_seconds", "median_seconds", "max_seconds"), "float64"))
    if not names:
        table = table.droplevel(0)
    return _finish(table, "Call durations", rates=())


def call_durations(frame: pd.DataFrame, purpose: str = "call_durations") -> pd.DataFrame:
    """Per attempt, numbered from 0: `seconds` of talk (float, NaN without) and `connected`.

    Raises:
        KeyError: the frame has no `duration` column (naming `purpose` as what needed it).
    """
    seconds = _float(require_column(frame, "duration", purpose))
    return pd.DataFrame({"seconds": seconds.to_numpy(), "connected": is_connected(frame)})


def _with_connections(groups: pd.Index) -> pd.MultiIndex:
    """Every group of `groups` paired with each of `CONNECTIONS`, in that order."""
    connections = pd.DataFrame(
        {"connection": _categories(np.arange(len(CONNECTIONS)), CONNECTIONS)}
    )
    return pd.MultiIndex.from_frame(groups.to_frame(index=False).merge(connections, how="cross"))


def kpis(frame: pd.DataFrame, by: Keys = None) -> pd.DataFrame:
    """Key performance indicators, one row per group (a single row "All" without `by`).

    Columns, in order (rates are fractions; NaN when their denominator is zero):

    - `attempts`: rows (calls and WhatsApp messages).
    - `unique_loans`, `unique_customers`: distinct `loan_id`s and `to` numbers (an Int64
      column of <NA> when the frame lacks the column).
    - `contacts`: attempts with status "Completed", except disposition "Wrong Number".
    - `contact_rate`: contacts / attempts.
    - `promises_to_pay`: attempts with disposition "Promise to Pay".
    - `ptp_rate`: promises_to_pay / attempts; `ptp_per_contact`: promises_to_pay / contacts.
    - `voicemail_rate`: calls with disposition "Voicemail" / calls (`type` "call"; WhatsApp
      cannot reach a voicemail).
    - `failure_rate`: attempts with status "Failed" / attempts.
    - `avg_connected_seconds`: mean `duration` of connected calls (status "Completed", "Wrong
      Number" included).
    - `attempts_per_loan`: attempts / unique_loans.
    - `promised_amount`: sum of `extracted_data["promised_amount"]` (NaN without the column).

    `style(table)` shows the rates as percentages.

    Args:
        by: a column or a list of columns to group by (any column, e.g. "campaign_name",
            "agent_id", "date", "type"); None for the whole frame.
    """
    names = _by_names(frame, by)
    keys, observed = _keys_or_all(frame, names)
    rows = _outcomes(frame)
    grouped = rows.groupby(keys, observed=observed, dropna=False, sort=True)
    sums = grouped.agg(
        attempts=("contact", "size"),
        contacts=("contact", "sum"),
        promises_to_pay=("promise", "sum"),
        voicemails=("voicemail", "sum"),
        calls=("call", "sum"),
        failures=("failed", "sum"),
        avg_connected_seconds=("connected_seconds", "mean"),
        promised_amount=("promised", "sum"),
        unique_loans=("loan_id", "nunique"),
        unique_customers=("to", "nunique"),
    )
    table = pd.DataFrame(
        {
            "attempts": sums["attempts"],
            "unique_loans": _unless_missing(sums["unique_loans"], "loan_id" in frame),
            "unique_customers": _unless_missing(sums["unique_customers"], "to" in frame),
            "contacts": sums["contacts"],
            "contact_rate": _ratio(sums["contacts"], sums["attempts"]),
            "promises_to_pay": sums["promises_to_pay"],
            "ptp_rate": _ratio(sums["promises_to_pay"], sums["attempts"]),
            "ptp_per_contact": _ratio(sums["promises_to_pay"], sums["contacts"]),
            "voicemail_rate": _ratio(sums["voicemails"], sums["calls"]),
            "failure_rate": _ratio(sums["failures"], sums["attempts"]),
            "avg_connected_seconds": sums["avg_connected_seconds"].astype("float64"),
            "attempts_per_loan": np.nan,
            "promised_amount": sums["promised_amount"].astype("float64"),
        }
    )
    table = table.astype(dict.fromkeys(("attempts", "contacts", "promises_to_pay"), "int64"))
    table["attempts_per_loan"] = _ratio(table["attempts"], table["unique_loans"])
    if "extracted_data" not in frame:
        table["promised_amount"] = np.nan
    if not names:
        table.index = pd.Index([WHOLE_FRAME])
    rates = [n for n in table.columns if n.endswith("_rate") or n == "ptp_per_contact"]
    return _finish(table, "KPIs", rates=rates)


def _outcomes(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per attempt, numbered from 0: what each attempt counts towards."""
    status, disposition = frame["status"], frame["disposition"]
    call = _is_call(frame)
    seconds = _float(frame["duration"]) if "duration" in frame else _nan_series(len(frame))
    return pd.DataFrame(
        {
            "contact": is_contact(frame),
            "promise": is_promise(frame),
            "voicemail": (disposition == VOICEMAIL).to_numpy(dtype=bool) & call,
            "call": call,
            "failed": (status == FAILED).to_numpy(dtype=bool),
            "connected_seconds": seconds.where(is_connected(frame)),
            "promised": _promised_amounts(frame),
            "loan_id": _values_or_na(frame, "loan_id"),
            "to": _values_or_na(frame, "to"),
        }
    )


def by_hour(frame: pd.DataFrame, by: Keys = None) -> pd.DataFrame:
    """Attempts, contacts and contact rate by hour of `start_time` (0-23), hours present only.

    The "best time to call" table; attempts without a start time are left out.

    Args:
        by: a column or a list of columns to group by before the hour (e.g. "type",
            "campaign_name"); None for the whole frame.

    Raises:
        KeyError: the frame has no `start_time` column.
    """
    return _contact_table(frame, _by_names(frame, by), [_hours(frame, "by_hour")])


def by_weekday(frame: pd.DataFrame, by: Keys = None) -> pd.DataFrame:
    """Attempts, contacts and contact rate by weekday of `start_time`, Monday first.

    Args:
        by: a column or a list of columns to group by before the weekday (e.g. "type",
            "campaign_name"); None for the whole frame.

    Raises:
        KeyError: the frame has no `start_time` column.
    """
    return _contact_table(frame, _by_names(frame, by), [_weekdays(frame, "by_weekday")])


def contact_grid(frame: pd.DataFrame) -> pd.DataFrame:
    """Attempts, contacts and contact rate by (weekday, hour): the data of the hourly heatmap."""
    return _contact_table(frame, [], [_weekdays(frame, "hourly"), _hours(frame, "hourly")])


def _contact_table(frame: pd.DataFrame, names: list[str], extra: list[pd.Series]) -> pd.DataFrame:
    """Attempts, contacts and contact rate by `names` and then by the derived keys `extra`."""
    rows = pd.DataFrame({"contact": is_contact(frame)})
    known = np.logical_and.reduce([key.notna().to_numpy() for key in extra])
    keys = [key[known] for key in [*_key_series(frame, names), *extra]]
    sums = (
        rows[known]
        .groupby(keys, observed=True, dropna=False)
        .agg(attempts=("contact", "size"), contacts=("contact", "sum"))
    )
    table = sums.astype("int64").assign(contact_rate=_ratio(sums["contacts"], sums["attempts"]))
    return _finish(table, "Contact rate", rates=("contact_rate",))


def _start_times(frame: pd.DataFrame, purpose: str) -> pd.Series:
    """`start_time`, numbered from 0; text (a frame read back from CSV) is parsed."""
    times = require_column(frame, "start_time", purpose).reset_index(drop=True)
    if not pd.api.types.is_datetime64_any_dtype(times):
        times = pd.to_datetime(times, format="ISO8601", errors="coerce")
    return times


def _hours(frame: pd.DataFrame, purpose: str) -> pd.Series:
    hours: pd.Series = _start_times(frame, purpose).dt.hour.astype("Int64")
    return hours.rename("hour")


def _weekdays(frame: pd.DataFrame, purpose: str) -> pd.Series:
    times = _start_times(frame, purpose)
    codes = times.dt.day_of_week.fillna(-1).astype("int64").to_numpy()
    return _categories(codes, WEEKDAYS, ordered=True).rename("weekday")


def attempts_per_loan(frame: pd.DataFrame, by: Keys = None) -> pd.DataFrame:
    """One row per loan (within each group of `by`): the loans worked hardest first.

    Columns: `attempts`, `contacts`, `promises_to_pay`, `first_attempt`, `last_attempt`
    (from `start_time`, NaT without it). Sorted by group, attempts descending, then loan id.
    Attempts without a loan id are left out.

    Args:
        by: a column or a list of columns to group by (any column, e.g. "campaign_name",
            "agent_id", "date", "type"); None for the whole frame.

    Raises:
        KeyError: the frame has no `loan_id` column.
    """
    loans = require_column(frame, "loan_id", "attempts_per_loan").reset_index(drop=True)
    names = _by_names(frame, by, drop=("loan_id",))
    rows = pd.DataFrame({"contact": is_contact(frame), "promise": is_promise(frame)})
    rows["time"] = (
        frame["start_time"].reset_index(drop=True)
        if "start_time" in frame
        else pd.Series(pd.NaT, index=rows.index, dtype="datetime64[us]")
    )
    known = loans.notna().to_numpy()
    keys = [key[known] for key in [*_key_series(frame, names), loans]]
    table = (
        rows[known]
        .groupby(keys, observed=True, dropna=False)
        .agg(
            attempts=("contact", "size"),
            contacts=("contact", "sum"),
            promises_to_pay=("promise", "sum"),
            first_attempt=("time", "min"),
            last_attempt=("time", "max"),
        )
    )
    table = table.astype(dict.fromkeys(("attempts", "contacts", "promises_to_pay"), "int64"))
    table = table.sort_values(
        [*names, "attempts", "loan_id"],
        ascending=[*([True] * len(names)), False, True],
        kind="stable",
    )
    return _finish(table, "Attempts per loan", rates=())


def daily(frame: pd.DataFrame, by: Keys = None) -> pd.DataFrame:
    """Attempts per day by status, indexed by (`by`..., date), dates present only.

    Columns: one per status ("Completed", "No Contact", "Failed" always; others as they occur)
    and `total`. The day is `date`, or the day of `start_time` when the frame has no `date`;
    attempts without either are left out.

    Args:
        by: a column or a list of columns to group by before the day (e.g. "type",
            "campaign_name"); None for the whole frame.

    Raises:
        KeyError: the frame has neither `date` nor `start_time`.
    """
    days = _days(frame).reset_index(drop=True).rename("date")
    names = _by_names(frame, by, drop=("date",))
    status = _text(frame["status"])
    known = days.notna().to_numpy()
    keys = [key[known] for key in [*_key_series(frame, names), days, status]]
    counts = (
        pd.Series(np.ones(int(known.sum()), dtype="int64"))
        .groupby(keys, observed=True, dropna=False)
        .size()
    )
    wide = counts.unstack("status", fill_value=0) if len(counts) else _empty_wide(counts)
    statuses = [*STATUSES, *sorted(set(wide.columns) - set(STATUSES))]
    table = wide.reindex(columns=statuses, fill_value=0).astype("int64")
    table.columns = pd.Index(statuses, dtype="str")
    table["total"] = table.sum(axis=1).astype("int64")
    return _finish(table, "Attempts per day", rates=())


def _empty_wide(counts: pd.Series) -> pd.DataFrame:
    """The empty frame `counts.unstack("status")` would give: the other levels as the index."""
    index = counts.index
    if isinstance(index, pd.MultiIndex):
        index = index.droplevel(["status"])
    return pd.DataFrame(index=index)


def _days(frame: pd.DataFrame) -> pd.Series:
    if "date" in frame:
        return frame["date"]
    if "start_time" in frame:
        days: pd.Series = frame["start_time"].dt.normalize()
        return days
    raise KeyError("daily needs a 'date' or 'start_time' column; this frame has neither")


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


def _promised_amounts(frame: pd.DataFrame) -> pd.Series:
    if "extracted_data" not in frame:
        return _nan_series(len(frame))
    return _numbers([_as_dict(v).get("promised_amount") for v in frame["extracted_data"]])


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


# ---------------------------------------------------------------- helpers


def _finish(table: pd.DataFrame, title: str, rates: Iterable[str]) -> Summary:
    """`table` as a `Summary`: unused categories dropped from its index, its rates marked."""
    table.index = _tidy_index(table.index)
    summary = Summary(table)
    summary.attrs = {ATTRS_KEY: {"title": title, "rates": list(rates)}}
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
