"""Plain-words commentary for reports, computed from the summaries (never hard-coded).

Each function takes a summary table (from `df.timepay`) and returns one or two sentences; an
empty table gives a sentence that says there is nothing to report.
"""

from __future__ import annotations

import math
from typing import Any, cast

import pandas as pd

NOTHING = "No logs matched the filters, so there is nothing to report here."


def headline(kpis: pd.DataFrame) -> str:
    """Attempts, loans, contact and promise-to-pay rates, promised amount (from `kpis()`)."""
    row = kpis.iloc[0] if len(kpis) else None
    if row is None or not row["attempts"]:
        return NOTHING
    loans = "" if pd.isna(row["unique_loans"]) else f" on {int(row['unique_loans']):,} loans"
    text = (
        f"{int(row['attempts']):,} attempts{loans} reached the customer "
        f"{_pct(row['contact_rate'])} of the time; {_pct(row['ptp_rate'])} of attempts "
        f"({_pct(row['ptp_per_contact'])} of contacts) ended in a promise to pay"
    )
    if not pd.isna(row["promised_amount"]) and row["promised_amount"] > 0:
        text += f", \u20b9{row['promised_amount']:,.0f} promised in all"
    return text + "."


def busiest_day(daily: pd.DataFrame) -> str:
    """The busiest day and the daily average (from `daily()`)."""
    if not len(daily) or not daily["total"].sum():
        return NOTHING
    totals = daily["total"]
    day = pd.Timestamp(cast(Any, totals.idxmax()))
    return (
        f"The busiest day was {day:%a %d %b %Y} with {int(totals.max()):,} attempts; "
        f"{totals.mean():,.1f} a day on average over {len(totals):,} days with activity."
    )


def best_hour(by_hour: pd.DataFrame, min_attempts: int = 20) -> str:
    """The hours with the highest and lowest contact rate (from `by_hour()`)."""
    hours = by_hour[by_hour["attempts"] >= min_attempts]
    if len(hours) < 2:
        return "Too few attempts per hour to say when customers are easiest to reach."
    rates = hours["contact_rate"]
    best, worst = int(cast(Any, rates.idxmax())), int(cast(Any, rates.idxmin()))
    return (
        f"Customers were easiest to reach at {best:02d}:00-{best:02d}:59 "
        f"({_pct(rates.max())} contact rate) and hardest at {worst:02d}:00-{worst:02d}:59 "
        f"({_pct(rates.min())}), among hours with at least {min_attempts} attempts."
    )


def durations(duration_summary: pd.DataFrame) -> str:
    """How long connected calls lasted (from `duration_summary()`)."""
    if "connected" not in duration_summary.index or not duration_summary.loc["connected", "calls"]:
        return "No call connected, so there are no talk times to report."
    row = duration_summary.loc["connected"]
    return (
        f"{int(cast(Any, row['calls'])):,} connected calls lasted {row['median_seconds'] / 60:.1f} minutes "
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
        f"Loans were attempted {attempts.mean():.1f} times on average (at most {attempts.max():,}); "
        f"{len(unpromised):,} loans ({len(unpromised) / len(table):.0%}) had {many} attempts or "
        "more without a promise to pay."
    )


def agents(kpis_by_agent: pd.DataFrame, min_contacts: int = 30) -> str:
    """The agents with the highest and lowest promise-to-pay rate per contact."""
    ranked = kpis_by_agent[kpis_by_agent["contacts"] >= min_contacts]["ptp_per_contact"].dropna()
    if len(ranked) < 2:
        return "Too few contacts per agent to compare agents."
    return (
        f"Agent {ranked.idxmax()} turned the most contacts into promises to pay "
        f"({_pct(ranked.max())}), agent {ranked.idxmin()} the fewest ({_pct(ranked.min())}), "
        f"among agents with at least {min_contacts} contacts."
    )


def _pct(value: float) -> str:
    return (
        "n/a"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{value:.1%}"
    )
