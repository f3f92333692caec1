"""Summaries and KPIs of a logs frame (pure functions; `df.timepay` calls them).

    >>> summaries.kpis(df, by="campaign_name")  # the same as df.timepay.kpis(by=...)

Summaries return plain DataFrames: counts as integers, rates as fractions in [0, 1] (NaN when
the denominator is zero), one row per group in sorted order (`by` is any column or list of
columns; groups are the values present, missing values included). `table.attrs["timepay"]`
names the rate and money columns, and `style(table)` shows them as percentages and rupees.

The definitions are those of `outcomes` (the README's KPI section says the same):

- attempt: one row of the frame, a call or a WhatsApp message.
- connected: status "Completed": someone answered and a conversation took place.
- contact (right-party contact): connected, except the disposition "Wrong Number" (the person
  reached was not the customer).
- promise to pay: disposition "Promise to Pay"; a promise is superseded when the same loan
  promises again on or before its promised date (`promises`), and money promised counts each
  promise once. Voicemail: disposition "Voicemail" on a call; failure: status "Failed".
- per attempt: over rows; per loan: over distinct `loan_id`s. Every column says which.

The time tables (`by_hour`, `by_weekday`, `contact_grid`) are in `timing`, group comparisons
(`compare`) in `compare`, promises (`promises`, `extracted`) in `promises`; they are
re-exported here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._tables import (
    MISSING_GROUP,
    REQUIRED,
    WHOLE_FRAME,
    Keys,
    _by_names,
    _categories,
    _finish,
    _float,
    _group_index,
    _group_numbers,
    _is_call,
    _key_series,
    _keys_or_all,
    _nan_series,
    _order,
    _ratio,
    _text,
    _unless_missing,
    _values_or_na,
    require_column,
)
from .compare import compare
from .outcomes import (
    DISPOSITION_ORDER,
    FAILED,
    STATUSES,
    VOICEMAIL,
    is_connected,
    is_contact,
    is_promise,
)
from .promises import extracted, lifecycle, promise_amounts, promise_summary, promises
from .timing import WEEKDAYS, by_hour, by_weekday, contact_grid

__all__ = [
    "MISSING_GROUP",
    "REQUIRED",
    "TOTAL",
    "WEEKDAYS",
    "WHOLE_FRAME",
    "Keys",
    "attempts_per_loan",
    "by_hour",
    "by_weekday",
    "call_durations",
    "compare",
    "contact_grid",
    "daily",
    "disposition_summary",
    "duration_summary",
    "extracted",
    "kpis",
    "promise_summary",
    "promises",
    "require_column",
]

CONNECTIONS = ("connected", "not connected")
TOTAL = "Total"


# ---------------------------------------------------------------- summaries


def disposition_summary(frame: pd.DataFrame, by: Keys = None) -> pd.DataFrame:
    """Count and share of each disposition, indexed by (`by`..., status, disposition).

    Rows follow the API's order (statuses Completed, No Contact, Failed; their dispositions as
    the API lists them; unknown values after, "(missing)" last) and each group ends with one
    total row, labelled ("Total", ""). `share` is the disposition's share of the group's
    attempts; `share_within_status` its share of its status's attempts in the group (the rows
    of one status add up to 100%; NaN on the total row). Without `by` the total row is there
    even for an empty frame.

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
    per_status = rows.groupby(["_group", "status"])["count"].transform("sum")
    rows["share_within_status"] = _ratio(rows["count"], per_status)
    rows["_order"] = _order(rows["status"], STATUSES) * 1000 + _order(
        rows["disposition"], DISPOSITION_ORDER
    )
    totals = _total_rows(rows, names, n_rows=len(frame))
    table = pd.concat([rows, totals], ignore_index=True) if len(totals) else rows
    table = table.sort_values(["_group", "_order"], kind="stable")
    columns = ["count", "share", "share_within_status"]
    table = table.set_index([*names, "status", "disposition"])[columns]
    table["count"] = table["count"].astype("int64")
    return _finish(table, "Dispositions", rates=("share", "share_within_status"))


def _total_rows(rows: pd.DataFrame, names: list[str], n_rows: int) -> pd.DataFrame:
    """One total row per group of `rows` (a single one, even for no rows, without `by`)."""
    if not names:
        share = 1.0 if n_rows else np.nan
        first = pd.DataFrame({"_group": [0], "count": [n_rows]})
    else:
        first = rows.drop_duplicates("_group")[[*names, "_group"]].reset_index(drop=True)
        first["count"] = first["_group"].map(rows.groupby("_group")["count"].sum())
        share = 1.0
    return first.assign(
        status=TOTAL,
        disposition="",
        share=share,
        share_within_status=np.nan,
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
    - `contacts`: right-party contacts, attempts with status "Completed" except disposition
      "Wrong Number".
    - `contact_rate`: contacts / attempts (right-party contact per attempt).
    - `connect_rate`: connected attempts (status "Completed", "Wrong Number" included) /
      attempts (someone answered, per attempt).
    - `loans_contacted_rate`: loans with at least one contact / unique_loans (per loan).
    - `attempts_per_contact`: attempts / contacts.
    - `promises_to_pay`: attempts with disposition "Promise to Pay".
    - `ptp_rate`: promises_to_pay / attempts; `ptp_per_contact`: promises_to_pay / contacts.
    - `voicemail_rate`: calls with disposition "Voicemail" / calls (`type` "call"; WhatsApp
      cannot reach a voicemail).
    - `failure_rate`: attempts with status "Failed" / attempts.
    - `avg_connected_seconds`: mean `duration` of connected calls.
    - `attempts_per_loan`: attempts / unique_loans.
    - `promised_amount`: rupees promised, each promise counted once: the sum of
      `extracted_data["promised_amount"]` over promises that are not superseded (the same loan
      promising again on or before the promised date supersedes a promise; see `promises`).
    - `promised_amount_gross`: the sum over every promise, renewals included.
    - `ptp_kept_rate`: promises kept / promises kept or broken (`promises` with its defaults:
      as of the frame's latest start time, 3 days' grace, kept meaning a later "Already Paid"
      log for the loan, a proxy for a payment; statuses judged over the whole frame).

    The promised amounts and the kept rate are NaN without an `extracted_data` column. `style(table)` shows the
    rates as percentages and the amounts in rupees.

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
        connected=("connected", "sum"),
        promises_to_pay=("promise", "sum"),
        voicemails=("voicemail", "sum"),
        calls=("call", "sum"),
        failures=("failed", "sum"),
        avg_connected_seconds=("connected_seconds", "mean"),
        promised_amount=("promised_net", "sum"),
        promised_amount_gross=("promised_gross", "sum"),
        kept=("kept", "sum"),
        broken=("broken", "sum"),
        unique_loans=("loan_id", "nunique"),
        loans_contacted=("contacted_loan", "nunique"),
        unique_customers=("to", "nunique"),
    )
    has_loans = "loan_id" in frame
    unique_loans = _unless_missing(sums["unique_loans"], has_loans)
    table = pd.DataFrame(
        {
            "attempts": sums["attempts"].astype("int64"),
            "unique_loans": unique_loans,
            "unique_customers": _unless_missing(sums["unique_customers"], "to" in frame),
            "contacts": sums["contacts"].astype("int64"),
            "contact_rate": _ratio(sums["contacts"], sums["attempts"]),
            "connect_rate": _ratio(sums["connected"], sums["attempts"]),
            "loans_contacted_rate": _ratio(
                _unless_missing(sums["loans_contacted"], has_loans), unique_loans
            ),
            "attempts_per_contact": _ratio(sums["attempts"], sums["contacts"]),
            "promises_to_pay": sums["promises_to_pay"].astype("int64"),
            "ptp_rate": _ratio(sums["promises_to_pay"], sums["attempts"]),
            "ptp_per_contact": _ratio(sums["promises_to_pay"], sums["contacts"]),
            "voicemail_rate": _ratio(sums["voicemails"], sums["calls"]),
            "failure_rate": _ratio(sums["failures"], sums["attempts"]),
            "avg_connected_seconds": sums["avg_connected_seconds"].astype("float64"),
            "attempts_per_loan": _ratio(sums["attempts"], unique_loans),
            "promised_amount": sums["promised_amount"].astype("float64"),
            "promised_amount_gross": sums["promised_amount_gross"].astype("float64"),
            "ptp_kept_rate": _ratio(sums["kept"], sums["kept"] + sums["broken"]),
        }
    )
    if "extracted_data" not in frame:
        table[["promised_amount", "promised_amount_gross", "ptp_kept_rate"]] = np.nan
    if not names:
        table.index = pd.Index([WHOLE_FRAME])
    rates = [n for n in table.columns if n.endswith("_rate") or n == "ptp_per_contact"]
    money = ["promised_amount", "promised_amount_gross"]
    return _finish(table, "KPIs", rates=rates, money=money)


def _outcomes(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per attempt, numbered from 0: what each attempt counts towards."""
    status, disposition = frame["status"], frame["disposition"]
    call = _is_call(frame)
    seconds = _float(frame["duration"]) if "duration" in frame else _nan_series(len(frame))
    contact = is_contact(frame)
    loans = _values_or_na(frame, "loan_id")
    gross, net = promise_amounts(frame)
    promise_status = (
        lifecycle(frame)["status"]
        if "extracted_data" in frame
        else pd.Series(np.full(len(frame), None), dtype="str")
    )
    return pd.DataFrame(
        {
            "contact": contact,
            "connected": is_connected(frame),
            "promise": is_promise(frame),
            "voicemail": (disposition == VOICEMAIL).to_numpy(dtype=bool) & call,
            "call": call,
            "failed": (status == FAILED).to_numpy(dtype=bool),
            "connected_seconds": seconds.where(is_connected(frame)),
            "promised_gross": gross,
            "promised_net": net,
            "kept": (promise_status == "kept").to_numpy(dtype=bool),
            "broken": (promise_status == "broken").to_numpy(dtype=bool),
            "loan_id": loans,
            "contacted_loan": loans.where(contact),
            "to": _values_or_na(frame, "to"),
        }
    )


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
