"""Plain-words commentary for reports, computed from the summaries (never hard-coded).

Each function takes a summary table (from `df.timepay`) and returns one or two sentences; an
empty table gives a sentence that says there is nothing to report.
"""

from __future__ import annotations

from typing import Any, cast

import pandas as pd

from ..compare import NOT_DISTINGUISHABLE
from ..presentation import percent, plural, rupees
from ..timing import MIN_ATTEMPTS

CALLING_WINDOW = (8, 19)
"""Hours in which calls may be recommended: from 08:00 to 19:00 (the last call hour is 18)."""
NOTHING = "No logs matched the filters, so there is nothing to report here."


def headline(kpis: pd.DataFrame, grouping: str = "indian") -> str:
    """Attempts, loans, contact and promise rates, and money promised, counted once (`kpis()`).

    The amount is `promised_amount`: each promise counted once (a promise renewed on or before
    its date is not added again); the gross sum is quoted when it differs.
    """
    row = kpis.iloc[0] if len(kpis) else None
    if row is None or not row["attempts"]:
        return NOTHING
    loans = (
        "" if pd.isna(row["unique_loans"]) else f" on {plural(int(row['unique_loans']), 'loan')}"
    )
    text = (
        f"{plural(int(row['attempts']), 'attempt')}{loans} reached the customer on "
        f"{_pct(row['contact_rate'])} of attempts (someone answered on "
        f"{_pct(row['connect_rate'])}); {_pct(row['ptp_rate'])} of attempts "
        f"({_pct(row['ptp_per_contact'])} of contacts) ended in a promise to pay"
    )
    net, gross = row["promised_amount"], row["promised_amount_gross"]
    if not pd.isna(net) and net > 0:
        text += f", {rupees(net, grouping)} promised, each promise counted once"
        if not pd.isna(gross) and round(gross) > round(net):
            text += (
                f" ({rupees(gross, grouping)} if promises renewed before their date were "
                "added again)"
            )
    return text + "."


def busiest_day(daily: pd.DataFrame) -> str:
    """The busiest day and the daily average (from `daily()`)."""
    if not len(daily) or not daily["total"].sum():
        return NOTHING
    totals = daily["total"]
    day = pd.Timestamp(cast(Any, totals.idxmax()))
    return (
        f"The busiest day was {day:%a %d %b %Y} with {plural(int(totals.max()), 'attempt')}; "
        f"{totals.mean():,.1f} a day on average over {plural(len(totals), 'day')} with activity."
    )


def best_hour(
    by_hour: pd.DataFrame,
    min_attempts: int = MIN_ATTEMPTS,
    window: tuple[int, int] = CALLING_WINDOW,
) -> str:
    """The best and worst hours to call, among hours with enough calls inside the calling window.

    Args:
        by_hour: `by_hour()` of calls (its `contact_rate`, `ci_low`, `ci_high`, `attempts`).
        min_attempts: the fewest attempts an hour needs to be recommended.
        window: (first hour, end hour): only hours `first <= hour < end` are recommended;
            (8, 19) is 08:00 to 19:00.
    """
    first, end = window
    hours = by_hour[
        (by_hour["attempts"] >= min_attempts)
        & by_hour["contact_rate"].notna()
        & (by_hour.index >= first)
        & (by_hour.index < end)
    ]
    span = f"{first:02d}:00-{end:02d}:00"
    if len(hours) < 2:
        return (
            f"Too few hours with {min_attempts} attempts or more inside {span} to say when "
            "customers are easiest to reach."
        )
    rates = hours["contact_rate"]
    best, worst = int(cast(Any, rates.idxmax())), int(cast(Any, rates.idxmin()))
    top, bottom = hours.iloc[int(rates.argmax())], hours.iloc[int(rates.argmin())]
    text = (
        f"Among hours from {span} with at least {plural(min_attempts, 'attempt')}, customers "
        f"were easiest to reach at {best:02d}:00-{best:02d}:59 ({_rate_ci(top)}) "
        f"and hardest at {worst:02d}:00-{worst:02d}:59 ({_rate_ci(bottom)})"
    )
    if top["ci_low"] <= bottom["ci_high"]:
        text += "; their 95% intervals overlap, so the hours are not distinguishable"
    return text + "."


def _rate_ci(row: pd.Series) -> str:
    return (
        f"{_pct(row['contact_rate'])} contact rate, 95% interval {_pct(row['ci_low'])}-"
        f"{_pct(row['ci_high'])}, {plural(int(row['attempts']), 'attempt')}"
    )


def durations(duration_summary: pd.DataFrame) -> str:
    """How long connected calls lasted (from `duration_summary()`)."""
    if "connected" not in duration_summary.index or not duration_summary.loc["connected", "calls"]:
        return "No call connected, so there are no talk times to report."
    row = duration_summary.loc["connected"]
    return (
        f"{plural(int(cast(Any, row['calls'])), 'connected call')} lasted {row['median_seconds'] / 60:.1f} minutes "
        f"at the median; 90% ended within {row['p90_seconds'] / 60:.1f} minutes, "
        f"{row['total_minutes'] / 60:,.1f} hours of conversation in all."
    )


def attempts_per_loan(table: pd.DataFrame, many: int = 20) -> str:
    """How hard loans were worked (from `attempts_per_loan()`)."""
    if not len(table):
        return NOTHING
    attempts = table["attempts"]
    unpromised = table[(attempts >= many) & (table["promises_to_pay"] == 0)]
    return (
        f"Loans were attempted {attempts.mean():.1f} times on average (at most "
        f"{attempts.max():,}); {plural(len(unpromised), 'loan')} "
        f"({percent(len(unpromised) / len(table), 0)}) had {many} attempts or more without a "
        "promise to pay."
    )


def agents(
    comparison: pd.DataFrame,
    adjusted_for: str = "campaign and channel",
    what: str = "reached customers",
) -> str:
    """The agents ranked first and last by an adjusted comparison (`compare("agent_id", ...)`).

    Only ranked agents (enough attempts) are named. When the two ratios' intervals overlap,
    the sentence says the agents are not distinguishable rather than calling one the best.

    Args:
        comparison: `df.timepay.compare("agent_id", adjust_for=...)`.
        adjusted_for: what the comparison adjusted for, in words.
        what: what the metric counts, as a verb phrase ("reached customers").
    """
    ranked = comparison[comparison["rank"].notna()].sort_values("rank", kind="stable")
    unranked = len(comparison) - len(ranked)
    if len(ranked) < 2:
        return "Too few attempts per agent to compare agents."
    top, bottom = ranked.iloc[0], ranked.iloc[-1]
    best, worst = ranked.index[0], ranked.index[-1]
    above = int((ranked["verdict"] == "above").sum())
    below = int((ranked["verdict"] == "below").sum())
    if top["ratio_low"] <= bottom["ratio_high"]:
        text = (
            f"After adjusting for {adjusted_for}, the agents are not distinguishable: "
            f"the 95% intervals of the first ({best}, {_ratio(top)}) and the last ({worst}, "
            f"{_ratio(bottom)}) overlap"
        )
    else:
        text = (
            f"After adjusting for {adjusted_for}, agent {best} {what} {_ratio(top)} as "
            f"often as expected and agent {worst} {_ratio(bottom)}; "
            f"{plural(above, 'agent')} above expectation, {plural(below, 'agent')} below, "
            f"{plural(len(ranked) - above - below, 'agent')} {NOT_DISTINGUISHABLE}"
        )
    if unranked:
        text += f" ({plural(unranked, 'agent')} with too few attempts not ranked)"
    return text + "."


def _ratio(row: pd.Series) -> str:
    return f"{row['ratio']:.2f}x (95% interval {row['ratio_low']:.2f}-{row['ratio_high']:.2f}x)"


def _pct(value: float) -> str:
    return percent(value, 1)
