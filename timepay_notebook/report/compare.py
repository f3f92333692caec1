"""Period over period: this window's KPIs against the same-length window just before it.

    >>> previous_window("2026-01-08T00:00:00", "2026-01-14T23:59:59")
    ('2026-01-01T00:00:00', '2026-01-07T23:59:59')

Counts change by a share of their old value; rates change by percentage points (a contact rate
going from 40% to 44% is "+4.0 pp", not "+10%").
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..filters import normalize_filters
from ..presentation import LABELS, rate_columns
from ..protocol import WIRE_TIME_FORMAT
from ..summaries import kpis

if TYPE_CHECKING:
    from ..client import TimePayClient

COMPARISONS = ("previous",)
COMPARED = (
    "attempts",
    "unique_loans",
    "contacts",
    "contact_rate",
    "promises_to_pay",
    "ptp_rate",
    "ptp_per_contact",
    "failure_rate",
    "promised_amount",
)


def previous_window(start_time: str, end_time: str) -> tuple[str, str]:
    """The same-length window that ends just before `start_time` (times inclusive, to the second).

    Raises:
        ValueError: the window ends before it starts.
    """
    start = dt.datetime.strptime(start_time, WIRE_TIME_FORMAT)
    end = dt.datetime.strptime(end_time, WIRE_TIME_FORMAT)
    if end < start:
        raise ValueError(f"end_time {end_time} is before start_time {start_time}")
    length = end - start + dt.timedelta(seconds=1)
    before = start - dt.timedelta(seconds=1)
    return (start - length).strftime(WIRE_TIME_FORMAT), before.strftime(WIRE_TIME_FORMAT)


def kpi_changes(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """This period's KPIs next to the previous period's, and the change.

    Args:
        current, previous: one-row `kpis()` tables.

    Returns:
        One row per KPI: `this_period`, `previous_period`, `change` (the difference; for rates in
        percentage points as a fraction, e.g. 0.04) and `relative_change` (counts only).
    """
    rates = set(rate_columns(current))
    rows: dict[str, dict[str, Any]] = {}
    for name in COMPARED:
        now = float(current[name].iloc[0])
        before = float(previous[name].iloc[0])
        relative = (now - before) / before if name not in rates and before else float("nan")
        rows[LABELS.get(name, name)] = {
            "this_period": now,
            "previous_period": before,
            "change": now - before,
            "relative_change": relative,
            "is_rate": name in rates,
        }
    return pd.DataFrame.from_dict(rows, orient="index")


def describe_change(row: pd.Series) -> str:
    """A change in words: `+4.0 pp` for a rate, `+12.5%` (`+25`) for a count."""
    change = float(row["change"])
    if math.isnan(change):
        return "\u2013"
    if row["is_rate"]:
        return f"{change * 100:+.1f} pp"
    relative = float(row["relative_change"])
    share = "" if math.isnan(relative) else f" ({relative:+.1%})"
    return f"{change:+,.0f}{share}"


def show_comparison(
    client: TimePayClient,
    frame: pd.DataFrame,
    compare: str,
    *,
    campaign_id: str | None,
    start_time: str | None,
    end_time: str | None,
    filters: dict[str, Any],
) -> pd.DataFrame:
    """Load the previous window with the same filters, display the KPI changes, return them."""
    from IPython.display import Markdown, display

    if compare not in COMPARISONS:
        raise ValueError(f"compare must be one of {', '.join(COMPARISONS)}, got {compare!r}")
    if start_time is None or end_time is None:
        raise ValueError("compare='previous' needs both start_time and end_time")
    window = normalize_filters({"start_time": start_time, "end_time": end_time})
    start, end = previous_window(window["start_time"], window["end_time"])
    before = client.load_logs(campaign_id=campaign_id, start_time=start, end_time=end, **filters)
    changes = kpi_changes(kpis(frame), kpis(before))
    shown = pd.DataFrame(
        {
            "This period": [_value(r, "this_period") for _, r in changes.iterrows()],
            f"Previous ({start[:10]} to {end[:10]})": [
                _value(r, "previous_period") for _, r in changes.iterrows()
            ],
            "Change": [describe_change(r) for _, r in changes.iterrows()],
        },
        index=changes.index,
    )
    display(Markdown("## Against the previous period"), shown)
    return changes


def _value(row: pd.Series, column: str) -> str:
    value = float(row[column])
    if math.isnan(value):
        return "\u2013"
    return f"{value:.1%}" if row["is_rate"] else f"{value:,.0f}"
