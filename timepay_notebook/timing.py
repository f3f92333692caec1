"""When customers answer: rates by hour of day, by weekday, and by weekday x hour (pure).

Calls and WhatsApp messages are different channels (a message is read whenever the customer
looks; a call is answered then or never), so every table here takes `channel=` ("call" by
default, "whatsapp", or None for every attempt) and says which in its title. A rate from a
handful of attempts is noise: below `min_attempts` the rate and its interval are missing (NaN)
while `attempts` still shows how many there were. Rates carry a Wilson interval (`ci_low`,
`ci_high`, `intervals.wilson`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._tables import (
    CHANNELS,
    Keys,
    _by_names,
    _categories,
    _channel_mask,
    _check_count,
    _finish,
    _key_series,
    _ratio,
    require_column,
)
from .intervals import DEFAULT_CI, wilson
from .outcomes import is_connected, is_contact, is_promise

__all__ = ["GRID_METRICS", "WEEKDAYS", "by_hour", "by_weekday", "contact_grid"]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
GRID_METRICS = {
    "contact_rate": ("contacts", is_contact),
    "connect_rate": ("connected", is_connected),
    "ptp_rate": ("promises_to_pay", is_promise),
}
"""Per-attempt rates the time tables compute: rate -> (its count column, its predicate)."""
MIN_ATTEMPTS = 30


def by_hour(
    frame: pd.DataFrame,
    by: Keys = None,
    channel: str | None = "call",
    min_attempts: int = MIN_ATTEMPTS,
    ci: float = DEFAULT_CI,
) -> pd.DataFrame:
    """Right-party contact rate per attempt by hour of `start_time` (0-23), hours present only.

    The "best time to call" table. Columns: `attempts`, `contacts`, `contact_rate` (contacts /
    attempts), `ci_low`, `ci_high` (Wilson interval); the rate and interval are NaN for hours
    with fewer than `min_attempts` attempts. Attempts without a start time are left out.
    `table["contact_rate"].idxmax()` is the best hour with enough attempts.

    Args:
        by: a column or a list of columns to group by before the hour (e.g. "campaign_name");
            None for the whole frame.
        channel: "call" (the default), "whatsapp", or None for every attempt.
        min_attempts: the fewest attempts an hour needs to have its rate shown.
        ci: the confidence level of the interval.

    Raises:
        KeyError: the frame has no `start_time` column.
        ValueError: an unknown `channel`, or `min_attempts` below 1.
    """
    keys = [_hours(frame, "by_hour")]
    return _rate_table(frame, _by_names(frame, by), keys, channel, min_attempts, ci, "hour")


def by_weekday(
    frame: pd.DataFrame,
    by: Keys = None,
    channel: str | None = "call",
    min_attempts: int = MIN_ATTEMPTS,
    ci: float = DEFAULT_CI,
) -> pd.DataFrame:
    """Right-party contact rate per attempt by weekday of `start_time`, Monday first.

    Columns and arguments as `by_hour`: `attempts`, `contacts`, `contact_rate`, `ci_low`,
    `ci_high`, the rate NaN below `min_attempts`; calls only unless `channel` says otherwise.

    Raises:
        KeyError: the frame has no `start_time` column.
        ValueError: an unknown `channel`, or `min_attempts` below 1.
    """
    keys = [_weekdays(frame, "by_weekday")]
    return _rate_table(frame, _by_names(frame, by), keys, channel, min_attempts, ci, "weekday")


def contact_grid(
    frame: pd.DataFrame,
    channel: str | None = "call",
    metric: str = "contact_rate",
    min_attempts: int = MIN_ATTEMPTS,
    ci: float = DEFAULT_CI,
) -> pd.DataFrame:
    """A rate per weekday x hour, in long form: the data of the hourly heatmap.

    One row for each of the 7 x 24 cells, Monday 0:00 first. Columns: `weekday` (day name),
    `hour` (0-23), `attempts`, the metric's count (`contacts`, `connected` or
    `promises_to_pay`), the metric (a rate per attempt), `ci_low`, `ci_high`. Cells with fewer
    than `min_attempts` attempts keep their counts and have a NaN rate and interval.

    Args:
        channel: "call" (the default), "whatsapp", or None for every attempt.
        metric: "contact_rate" (right-party contacts), "connect_rate" (status Completed) or
            "ptp_rate" (promises to pay), each per attempt.
        min_attempts: the fewest attempts a cell needs to have its rate shown.
        ci: the confidence level of the interval.

    Raises:
        KeyError: the frame has no `start_time` column.
        ValueError: an unknown `channel` or `metric`, or `min_attempts` below 1.
    """
    if metric not in GRID_METRICS:
        raise ValueError(f"metric must be one of {', '.join(GRID_METRICS)}, not {metric!r}")
    keys = [_weekdays(frame, "contact_grid"), _hours(frame, "contact_grid")]
    table = _rate_table(frame, [], keys, channel, min_attempts, ci, "weekday and hour", metric)
    cells = pd.MultiIndex.from_product(
        [pd.CategoricalIndex(WEEKDAYS, categories=WEEKDAYS, ordered=True), range(24)],
        names=["weekday", "hour"],
    )
    count = GRID_METRICS[metric][0]
    full = pd.DataFrame(table).reindex(cells)
    full[["attempts", count]] = full[["attempts", count]].fillna(0).astype("int64")
    full = full.reset_index()
    full["hour"] = full["hour"].astype("int64")
    return _finish(full, table.attrs["timepay"]["title"], rates=(metric, "ci_low", "ci_high"))


def _rate_table(
    frame: pd.DataFrame,
    names: list[str],
    extra: list[pd.Series],
    channel: str | None,
    min_attempts: int,
    ci: float,
    per: str,
    metric: str = "contact_rate",
) -> pd.DataFrame:
    """Attempts, successes, rate and interval by `names`, then by the derived keys `extra`."""
    least = _check_count(min_attempts, "min_attempts")
    count, predicate = GRID_METRICS[metric]
    on_channel = _channel_mask(frame, channel)
    rows = pd.DataFrame({"success": predicate(frame)})
    known = on_channel & np.logical_and.reduce([key.notna().to_numpy() for key in extra])
    keys = [key[known] for key in [*_key_series(frame, names), *extra]]
    sums = (
        rows[known]
        .groupby(keys, observed=True, dropna=False)
        .agg(attempts=("success", "size"), successes=("success", "sum"))
        .astype("int64")
    )
    enough = (sums["attempts"] >= least).to_numpy()
    low, high = wilson(sums["successes"], sums["attempts"], ci)
    table = pd.DataFrame(
        {
            "attempts": sums["attempts"],
            count: sums["successes"],
            metric: _ratio(sums["successes"], sums["attempts"]).where(enough),
            "ci_low": np.where(enough, low, np.nan),
            "ci_high": np.where(enough, high, np.nan),
        },
        index=sums.index,
    )
    noun = CHANNELS.get(channel or "", "attempts")
    what = metric.replace("_", " ").capitalize()
    title = f"{what} by {per} ({noun}; shown from {least} attempts)"
    return _finish(table, title, rates=(metric, "ci_low", "ci_high"))


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
