"""Plots of the collections analyses: attempt curve, contact-policy breaches, funnel.

`df.timepay.plot.attempts()`, `.compliance()` and `.funnel()` (see `plots.Plots`); each draws
the numbers of its table (`attempts.by_attempt`, `compliance.compliance`, `funnel.funnel`) on
`ax` (a new figure if None) and returns the Axes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator, PercentFormatter

from . import attempts as attempts_module
from . import compliance as compliance_module
from . import funnel as funnel_module
from . import presentation
from .plot_style import RATE_COLORS
from .plot_style import new_axes as _axes
from .plot_style import no_data as _no_data
from .plot_style import set_titles as _titles

__all__ = ["attempts", "compliance", "funnel"]

RULE_LABELS = {
    "call_window": "Outside the calling window",
    "max_per_day": "Over the daily limit",
    "max_per_week": "Over the weekly limit",
    "after_suppression": "After Already Paid / Wrong Number",
}


def attempts(
    frame: pd.DataFrame,
    ax: Axes | None = None,
    *,
    channel: str | None = "call",
    max_attempt: int = attempts_module.DEFAULT_MAX_ATTEMPT,
) -> Axes:
    """Contact rate by attempt number (dots and 95% intervals) and the share of loans
    contacted by then (a line): where more attempts stop paying off."""
    table = attempts_module.by_attempt(frame, channel=channel, max_attempt=max_attempt)
    ax = _axes(ax, 9.0, 4.5)
    _titles(ax, table.attrs[presentation.ATTRS_KEY]["title"], "Attempt number", "Rate")
    if table.empty:
        return _no_data(ax)
    x = table["attempt"].to_numpy()
    rate = table["contact_rate"].to_numpy(dtype="float64")
    errors = np.vstack([rate - table["ci_low"], table["ci_high"] - rate])
    ax.errorbar(
        x,
        rate,
        yerr=errors,
        fmt="o-",
        color=RATE_COLORS[0],
        capsize=3,
        label="Contact rate at this attempt (95% interval)",
    )
    ax.plot(
        x,
        table["cumulative_contacted"],
        "s--",
        color=RATE_COLORS[2],
        label="Loans contacted by then",
    )
    for xi, n in zip(x, table["loans"], strict=True):
        ax.annotate(
            f"n={int(n):,}",
            (xi, 0),
            textcoords="offset points",
            xytext=(0, 3),
            ha="center",
            fontsize=7,
            color="0.4",
        )
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="center right")
    return ax


def compliance(
    frame: pd.DataFrame,
    ax: Axes | None = None,
    *,
    call_window: tuple[str, str] | None = compliance_module.DEFAULT_CALL_WINDOW,
    max_per_day: int | None = compliance_module.DEFAULT_MAX_PER_DAY,
    max_per_week: int | None = None,
    suppress_after: Sequence[str] | None = compliance_module.DEFAULT_SUPPRESS_AFTER,
    channel: str | None = "call",
) -> Axes:
    """Contact-policy breaches by rule: one horizontal bar per rule, "No breaches" if none."""
    table = compliance_module.compliance(
        frame, call_window, max_per_day, max_per_week, suppress_after, channel
    )
    ax = _axes(ax, 8.0, 3.5)
    _titles(ax, table.attrs[presentation.ATTRS_KEY]["title"], "Breaches", "Rule")
    if table.empty:
        return _no_data(ax, "No breaches" if len(frame) else "No data")
    counts = table["rule"].value_counts()
    rules = [r for r in compliance_module.RULES if r in counts.index]
    values = [int(counts[r]) for r in rules]
    positions = np.arange(len(rules))
    bars = ax.barh(positions, values, color=RATE_COLORS[2])
    ax.set_yticks(positions, [RULE_LABELS[r] for r in rules])
    ax.invert_yaxis()
    ax.bar_label(bars, labels=[f"{v:,}" for v in values], padding=3)
    ax.set_xlim(0, max(values) * 1.2)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return ax


def funnel(
    frame: pd.DataFrame,
    ax: Axes | None = None,
    *,
    unit: str | None = "loan_id",
    channel: str | None = None,
) -> Axes:
    """The funnel as horizontal bars, first stage on top, each labelled with its count and
    its share of the first stage."""
    table = funnel_module.funnel(frame, unit=unit, channel=channel)
    ax = _axes(ax, 8.0, 4.0)
    noun = table.attrs[presentation.ATTRS_KEY]["labels"]["count"]
    _titles(ax, table.attrs[presentation.ATTRS_KEY]["title"], noun, "Stage")
    counts = table["count"].to_numpy()
    if not counts.size or not counts[0]:
        return _no_data(ax)
    positions = np.arange(len(table))
    bars = ax.barh(positions, counts, color=RATE_COLORS[1])
    ax.set_yticks(positions, [s.capitalize() for s in table["stage"]])
    ax.invert_yaxis()
    labels = [
        f"{int(n):,} ({presentation.percent(r)})"
        for n, r in zip(counts, table["rate_from_first"], strict=True)
    ]
    ax.bar_label(bars, labels=labels, padding=3)
    ax.set_xlim(0, counts[0] * 1.3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    return ax
