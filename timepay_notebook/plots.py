"""Plots of a logs frame: `df.timepay.plot.<name>(ax=None, ...)`, each returning its Axes.

    >>> ax = df.timepay.plot.daily()              # a new figure
    >>> fig, (a, b) = plt.subplots(1, 2)
    >>> df.timepay.plot.dispositions(ax=a)        # or the caller's axes

Each plot draws the numbers of the matching summary in `timepay_notebook.summaries`. Without
`ax` a new figure is made (through pyplot, so notebooks show it); with `ax` only that axes is
drawn on (the heatmap adds its colorbar next to it). Nothing is shown or closed here. A frame
with nothing to draw gives an axes that says so. Long lists of categories are drawn as
horizontal bars, largest first, the smallest folded into "Other".
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from . import presentation, summaries
from ._docs import same_doc
from .attempts import DEFAULT_MAX_ATTEMPT
from .compare import MIN_N
from .intervals import DEFAULT_CI
from .plot_style import (
    CONNECTION_COLORS,
    NO_DATA,
    OTHER_COLOR,
    RATE_COLORS,
    STATUS_COLORS,
)
from .plot_style import new_axes as _axes
from .plot_style import no_data as _no_data
from .plot_style import set_titles as _titles
from .timing import MIN_ATTEMPTS

__all__ = [
    "STATUS_COLORS",
    "Plots",
    "campaigns",
    "compare",
    "daily",
    "dispositions",
    "durations",
    "hourly",
]

OTHER = "Other"


def dispositions(frame: pd.DataFrame, ax: Axes | None = None, *, top: int = 15) -> Axes:
    """Attempts by disposition: horizontal bars, largest first, coloured by status.

    Args:
        top: dispositions drawn one by one; the rest are summed into one "Other" bar.
    """
    _check_top(top)
    table = summaries.disposition_summary(frame).drop(index=summaries.TOTAL, level="status")
    counts = table["count"].sort_values(ascending=False, kind="stable")
    statuses = list(counts.index.get_level_values("status"))
    labels = list(counts.index.get_level_values("disposition"))
    values = [int(v) for v in counts]
    colors = [STATUS_COLORS.get(s, OTHER_COLOR) for s in statuses]
    if len(values) > top:
        labels, values, colors = (
            [*labels[:top], OTHER],
            [*values[:top], sum(values[top:])],
            [*colors[:top], OTHER_COLOR],
        )
    ax = _axes(ax, 8.0, 1.5 + 0.4 * max(len(values), 3))
    total = sum(values)
    _titles(
        ax,
        f"Attempts by disposition ({_plural(total, 'attempt')})",
        "Number of attempts",
        "Disposition",
    )
    if not total:
        return _no_data(ax)
    positions = np.arange(len(values))
    bars = ax.barh(positions, values, color=colors)
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()
    ax.bar_label(bars, labels=[f"{v:,} ({v / total:.1%})" for v in values], padding=3)
    ax.set_xlim(0, max(values) * 1.25)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    present = [s for s in STATUS_COLORS if s in statuses]
    ax.legend(
        handles=[Patch(color=STATUS_COLORS[s], label=s) for s in present],
        title="Status",
        loc="lower right",
    )
    return ax


def durations(frame: pd.DataFrame, ax: Axes | None = None, *, bins: int = 30) -> Axes:
    """Histogram of talk time per call, connected and not connected calls overlaid.

    Calls with no talk time (0 seconds: no answer, busy, failed) are counted in the legend's
    title, not drawn, so they do not flatten the rest. WhatsApp messages have no duration.

    Raises:
        KeyError: the frame has no `duration` column.
    """
    calls = summaries.call_durations(frame, "the durations plot")
    seconds, connected = calls["seconds"], calls["connected"].to_numpy()
    talked = (seconds > 0).to_numpy()
    ax = _axes(ax, 8.0, 4.5)
    _titles(ax, "Call durations", "Talk time per call (seconds)", "Number of calls")
    if not talked.any():
        return _no_data(ax, f"{NO_DATA}: no call with talk time" if len(frame) else NO_DATA)
    edges = np.histogram_bin_edges(seconds[talked].to_numpy(), bins=bins).tolist()
    for name, mask in (("connected", connected), ("not connected", ~connected)):
        values = seconds[talked & mask].to_numpy()
        if len(values):
            ax.hist(
                values,
                bins=edges,
                histtype="stepfilled",
                alpha=0.6,
                color=CONNECTION_COLORS[name],
                edgecolor=CONNECTION_COLORS[name],
                label=f"{name.capitalize()} ({_plural(len(values), 'call')})",
            )
    zero = int((seconds == 0).sum())
    ax.legend(title=f"Not shown: {_plural(zero, 'call')} with no talk time")
    ax.set_xlim(left=0)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    return ax


def daily(frame: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Attempts per day, stacked by status (Completed at the bottom)."""
    table = summaries.daily(frame)
    ax = _axes(ax, 10.0, 4.5)
    _titles(ax, "Daily attempts by status", "Date", "Attempts per day")
    if table.empty:
        return _no_data(ax)
    days = pd.DatetimeIndex(table.index)
    if days.tz is not None:
        days = days.tz_localize(None)
    x = days.to_numpy()
    bottom = np.zeros(len(table), dtype="int64")
    for status in table.columns.drop("total"):
        values = table[status].to_numpy()
        if values.any():
            ax.bar(
                x,
                values,
                bottom=bottom,
                width=0.8,
                label=status,
                color=STATUS_COLORS.get(status, OTHER_COLOR),
            )
            bottom = bottom + values
    locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], title="Status", loc="upper left")
    return ax


def hourly(
    frame: pd.DataFrame,
    ax: Axes | None = None,
    *,
    channel: str | None = "call",
    min_attempts: int = MIN_ATTEMPTS,
) -> Axes:
    """Heatmap of right-party contact rate by weekday (rows, Monday first) and hour (columns).

    Calls only by default: WhatsApp messages are read whenever the customer looks, so they say
    nothing about when to call. Each cell shows its rate and its number of attempts (n). Cells
    with fewer than `min_attempts` attempts are grey with their n only: a rate from a few calls
    is noise. Empty cells are blank. A colorbar is added next to the axes.

    Args:
        channel: "call" (the default), "whatsapp", or None for every attempt.
        min_attempts: the fewest attempts a cell needs to be coloured.

    Raises:
        KeyError: the frame has no `start_time` column.
        ValueError: an unknown `channel`, or `min_attempts` below 1.
    """
    grid = summaries.contact_grid(frame, channel=channel, min_attempts=min_attempts)
    noun = _CHANNEL_NOUNS.get(channel or "", "attempts")
    ax = _axes(ax, 11.0, 4.5)
    _titles(
        ax,
        f"Contact rate by weekday and hour ({noun}; grey: fewer than {min_attempts})",
        "Hour of day (start time)",
        "Weekday",
    )
    used = grid[grid["attempts"] > 0]
    if used.empty:
        return _no_data(ax)
    columns = pd.RangeIndex(int(used["hour"].min()), int(used["hour"].max()) + 1, name="hour")
    rates = grid.pivot(index="weekday", columns="hour", values="contact_rate")
    attempts = grid.pivot(index="weekday", columns="hour", values="attempts")
    rows = list(summaries.WEEKDAYS)
    cells = rates.reindex(index=rows, columns=columns).to_numpy(dtype="float64")
    counts = attempts.reindex(index=rows, columns=columns).fillna(0).to_numpy(dtype="int64")
    values = np.ma.masked_invalid(cells)
    top = float(values.max()) if values.count() else 1.0
    image = ax.imshow(values, aspect="auto", cmap="viridis", vmin=0.0, vmax=max(top, 1e-9))
    thin = np.ma.masked_where(~((counts > 0) & np.isnan(cells)), np.ones_like(cells))
    ax.imshow(thin, aspect="auto", cmap=ListedColormap([THIN_COLOR]), vmin=0, vmax=1)
    ax.set_xticks(np.arange(len(columns)), [str(h) for h in columns])
    ax.set_yticks(np.arange(len(rows)), rows)
    if len(columns) <= 24:
        _annotate_cells(ax, cells, counts, top)
    figure = ax.get_figure()
    if figure is not None:
        figure.colorbar(image, ax=ax, format=PercentFormatter(1.0), label="Contact rate")
    return ax


THIN_COLOR = "#d9d9d9"
_CHANNEL_NOUNS = {"call": "calls", "whatsapp": "WhatsApp messages"}


def _annotate_cells(ax: Axes, rates: np.ndarray, counts: np.ndarray, top: float) -> None:
    """Each cell's rate (when shown) and its n."""
    for (row, column), n in np.ndenumerate(counts):
        if not n:
            continue
        value = float(rates[row, column])
        if np.isfinite(value):
            color = "white" if value < 0.6 * top else "black"
            text = f"{presentation.percent(value, 0)}\nn={n:,}"
        else:
            color, text = "0.35", f"n={n:,}"
        ax.text(column, row, text, ha="center", va="center", fontsize=6.5, color=color)


def compare(
    frame: pd.DataFrame,
    by: summaries.Keys,
    ax: Axes | None = None,
    *,
    metric: str = "contact_rate",
    adjust_for: summaries.Keys = None,
    ci: float = DEFAULT_CI,
    min_n: int = MIN_N,
    channel: str | None = "call",
) -> Axes:
    """Dot-and-whisker chart of `compare(...)`: each group's ratio (adjusted, when asked) and
    its interval, best first, with a line at 1 (as expected). Groups under `min_n` are drawn
    grey, hollow and last: shown, not ranked.

    Args are those of `summaries.compare`.
    """
    table = summaries.compare(frame, by, metric, adjust_for, ci, min_n, channel)
    ax = _axes(ax, 8.0, 1.5 + 0.35 * max(len(table), 3))
    kind = "adjusted for " + ", ".join(
        [adjust_for] if isinstance(adjust_for, str) else list(adjust_for or [])
    )
    _titles(
        ax,
        table.attrs[presentation.ATTRS_KEY]["title"],
        f"Ratio to expected ({kind if adjust_for else 'the overall rate'}; {ci:.0%} interval)",
        ", ".join([by] if isinstance(by, str) else list(by or [])),
    )
    if table.empty:
        return _no_data(ax)
    positions = np.arange(len(table))
    ranked = table["rank"].notna().to_numpy()
    ratio = table["ratio"].to_numpy(dtype="float64")
    errors = np.vstack([ratio - table["ratio_low"], table["ratio_high"] - ratio])
    for mask, color, face in (
        (ranked, RATE_COLORS[0], RATE_COLORS[0]),
        (~ranked, OTHER_COLOR, "white"),
    ):
        if mask.any():
            ax.errorbar(
                ratio[mask],
                positions[mask],
                xerr=errors[:, mask],
                fmt="o",
                color=color,
                markerfacecolor=face,
                capsize=3,
            )
    ax.axvline(1.0, color="0.5", linestyle="--", linewidth=1)
    labels = [
        f"{_wrap(' / '.join(map(str, key)) if isinstance(key, tuple) else str(key))} "
        f"(n={int(n):,}{'' if ok else ', not ranked'})"
        for key, n, ok in zip(table.index, table["n"], ranked, strict=True)
    ]
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()
    return ax


def campaigns(
    frame: pd.DataFrame,
    ax: Axes | None = None,
    *,
    top: int = 12,
    rates: Sequence[str] = ("contact_rate", "ptp_rate", "failure_rate"),
) -> Axes:
    """KPI rates per campaign: grouped horizontal bars, campaigns by attempts, largest first.

    Args:
        top: campaigns drawn one by one; the rest are pooled into "Other" (their KPIs computed
            over all their attempts together).
        rates: rate columns of `kpis` to draw.

    Raises:
        KeyError: the frame has no `campaign_name` column, or a rate is not a KPI rate.
    """
    _check_top(top)
    names = summaries.require_column(frame, "campaign_name", "the campaigns plot")
    table = summaries.kpis(
        frame.assign(campaign_name=_top_or_other(names, top)), by="campaign_name"
    )
    known = table.attrs[presentation.ATTRS_KEY]["rates"]
    unknown = [r for r in rates if r not in known]
    if unknown or not rates:
        raise KeyError(f"rates: not KPI rates: {unknown}; choose from {known}")
    table = (  # largest first, "Other" last; ties keep the groups' (alphabetical) order
        table.assign(_other=table.index == OTHER)
        .sort_values(["_other", "attempts"], ascending=[True, False], kind="stable")
        .drop(columns="_other")
    )
    ax = _axes(ax, 9.0, 1.5 + (0.25 * len(rates) + 0.35) * max(len(table), 3))
    _titles(ax, "KPIs by campaign", "Rate (percent)", "Campaign")
    if table.empty or not table["attempts"].sum():
        return _no_data(ax)
    height = 0.8 / len(rates)
    positions = np.arange(len(table))
    for i, rate in enumerate(rates):
        values = table[rate].to_numpy(dtype="float64")
        bars = ax.barh(
            positions + (i - (len(rates) - 1) / 2) * height,
            np.nan_to_num(values),
            height=height,
            label=presentation.LABELS.get(rate, rate),
            color=RATE_COLORS[i % len(RATE_COLORS)],
        )
        labels = ["" if np.isnan(v) else f"{v:.0%}" for v in values]
        ax.bar_label(bars, labels=labels, padding=2, fontsize=7)
    ticks = [f"{_wrap(str(n))}\n{_plural(int(a), 'attempt')}" for n, a in table["attempts"].items()]
    ax.set_yticks(positions, ticks)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    largest = float(np.nanmax(table[list(rates)].to_numpy(dtype="float64"), initial=0.0))
    ax.set_xlim(0, max(largest, 0.05) * 1.2)
    ax.legend(loc="lower right")
    return ax


def _top_or_other(names: pd.Series, top: int) -> pd.Series:
    """`names` as text, all but the `top` most frequent replaced by "Other"."""
    text = names.astype("str").fillna(summaries.MISSING_GROUP)
    counts = text.value_counts(sort=False)
    ranked = sorted(counts.index, key=lambda n: (-int(counts[n]), str(n)))
    if len(ranked) <= top:
        return text
    return text.where(text.isin(ranked[:top]), OTHER)


def _wrap(label: str, width: int = 30) -> str:
    return textwrap.fill(label, width=width)


def _plural(count: int, noun: str) -> str:
    return presentation.plural(count, noun)


def _check_top(top: int) -> None:
    if top < 1:
        raise ValueError(f"top must be at least 1, not {top!r}")


class Plots:
    """`df.timepay.plot`: the plots of one frame (see the functions of this module)."""

    __slots__ = ("_frame",)

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    @same_doc(dispositions)
    def dispositions(self, ax: Axes | None = None, *, top: int = 15) -> Axes:
        return dispositions(self._frame, ax, top=top)

    @same_doc(durations)
    def durations(self, ax: Axes | None = None, *, bins: int = 30) -> Axes:
        return durations(self._frame, ax, bins=bins)

    @same_doc(daily)
    def daily(self, ax: Axes | None = None) -> Axes:
        return daily(self._frame, ax)

    @same_doc(hourly)
    def hourly(
        self,
        ax: Axes | None = None,
        *,
        channel: str | None = "call",
        min_attempts: int = MIN_ATTEMPTS,
    ) -> Axes:
        return hourly(self._frame, ax, channel=channel, min_attempts=min_attempts)

    @same_doc(compare)
    def compare(
        self,
        by: summaries.Keys,
        ax: Axes | None = None,
        *,
        metric: str = "contact_rate",
        adjust_for: summaries.Keys = None,
        ci: float = DEFAULT_CI,
        min_n: int = MIN_N,
        channel: str | None = "call",
    ) -> Axes:
        return compare(
            self._frame,
            by,
            ax,
            metric=metric,
            adjust_for=adjust_for,
            ci=ci,
            min_n=min_n,
            channel=channel,
        )

    def attempts(
        self,
        ax: Axes | None = None,
        *,
        channel: str | None = "call",
        max_attempt: int = DEFAULT_MAX_ATTEMPT,
    ) -> Axes:
        """Contact rate by attempt number and loans contacted by then (`by_attempt`)."""
        from .plots_collections import attempts

        return attempts(self._frame, ax, channel=channel, max_attempt=max_attempt)

    def compliance(self, ax: Axes | None = None, **settings: Any) -> Axes:
        """Contact-policy breaches by rule; `settings` are those of `compliance()`."""
        from .plots_collections import compliance

        return compliance(self._frame, ax, **settings)

    def funnel(
        self, ax: Axes | None = None, *, unit: str | None = "loan_id", channel: str | None = None
    ) -> Axes:
        """The funnel, attempted to kept, as bars (`funnel`)."""
        from .plots_collections import funnel

        return funnel(self._frame, ax, unit=unit, channel=channel)

    @same_doc(campaigns)
    def campaigns(
        self,
        ax: Axes | None = None,
        *,
        top: int = 12,
        rates: Sequence[str] = ("contact_rate", "ptp_rate", "failure_rate"),
    ) -> Axes:
        return campaigns(self._frame, ax, top=top, rates=rates)
