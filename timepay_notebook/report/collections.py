"""Sentences for the report's collections sections: promises, attempts, contact policy, funnel.

Like `commentary`, each function takes the table a `df.timepay` method returned and gives one
or two sentences computed from it; an empty table gives a sentence that says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..presentation import percent, plural, rupees
from .commentary import NOTHING

__all__ = ["attempts", "compliance", "funnel", "promises"]


def promises(summary: pd.DataFrame, grouping: str = "indian") -> str:
    """Net money promised and how the promises stand (`promise_summary()`)."""
    row = summary.iloc[0] if len(summary) else None
    if row is None or not row["promises"]:
        return "No promises to pay in these logs."
    rate = (
        f"{percent(row['kept_rate'])} of the promises that came due were kept"
        if not pd.isna(row["kept_rate"])
        else "none has come due yet"
    )
    return (
        f"{plural(int(row['promises']), 'promise')} to pay, {rupees(row['amount'], grouping)} "
        f"promised net of renewals ({plural(int(row['superseded']), 'renewed promise')} not "
        f"counted again): {int(row['kept'])} kept ({rupees(row['kept_amount'], grouping)}), "
        f"{int(row['broken'])} broken ({rupees(row['broken_amount'], grouping)}), "
        f"{int(row['pending'])} pending ({rupees(row['pending_amount'], grouping)}); {rate}."
    )


def attempts(table: pd.DataFrame) -> str:
    """How the contact rate moves with the attempt number (`by_attempt()`)."""
    if not len(table):
        return NOTHING
    first = table.iloc[0]
    last = table.iloc[-1]
    return (
        f"A loan's first call reached the customer {percent(first['contact_rate'])} of the time "
        f"(n={int(first['loans']):,}); by attempt {int(last['attempt'])} the rate was "
        f"{percent(last['contact_rate'])} (n={int(last['loans']):,}), and "
        f"{percent(last['cumulative_contacted'])} of loans had been reached."
    )


def compliance(table: pd.DataFrame, calls: int) -> str:
    """How many logs broke the contact policy, by rule (`compliance()`), out of `calls`."""
    if not len(table):
        return f"No breaches of the contact policy in {plural(calls, 'call')}."
    counts = table["rule"].value_counts()
    parts = ", ".join(f"{str(name).replace('_', ' ')}: {int(n):,}" for name, n in counts.items())
    logs = table["log_id"].nunique()
    return f"{plural(logs, 'call')} of {calls:,} broke the contact policy ({parts})."


def funnel(table: pd.DataFrame) -> str:
    """Where loans fall out (`funnel()`): the stage with the largest drop."""
    if not len(table) or not table["count"].iloc[0]:
        return NOTHING
    drops = table["rate_from_previous"].to_numpy(dtype="float64")[1:]
    worst = table.iloc[int(np.nanargmin(drops)) + 1] if (drops == drops).any() else None
    text = (
        f"Of {plural(int(table['count'].iloc[0]), 'loan')} attempted, "
        f"{int(table['count'].iloc[-1]):,} ({percent(table['rate_from_first'].iloc[-1])}) "
        f"reached the last stage, {table['stage'].iloc[-1]}"
    )
    if worst is not None:
        text += (
            f"; the largest drop is into {worst['stage']}, which "
            f"{percent(worst['rate_from_previous'])} of the previous stage reached"
        )
    return text + "."
