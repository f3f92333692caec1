"""How summaries look: rates as percentages, plain-word headers, in Jupyter and in HTML reports.

A `Summary` is a DataFrame whose HTML repr is its `style()` and whose text repr is its
`to_text()`: the data keeps rates as fractions in [0, 1]; only the display shows them as
percentages. Anything derived from a summary (a slice, a
sum) is a plain DataFrame again.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

ATTRS_KEY = "timepay"
NA_REP = "\u2013"  # an en dash, for missing values in styled tables


LABELS: dict[str, str] = {
    "count": "Attempts",
    "share": "Share",
    "status_share": "Share of its status",
    "calls": "Calls",
    "total_minutes": "Total minutes",
    "mean_seconds": "Mean (seconds)",
    "median_seconds": "Median (seconds)",
    "p90_seconds": "90th percentile (seconds)",
    "max_seconds": "Longest (seconds)",
    "attempts": "Attempts",
    "unique_loans": "Loans",
    "unique_customers": "Customers",
    "contacts": "Contacts",
    "contact_rate": "Contact rate",
    "promises_to_pay": "Promises to pay",
    "ptp_rate": "PTP rate (per attempt)",
    "ptp_per_contact": "PTP rate (per contact)",
    "voicemail_rate": "Voicemail rate (of calls)",
    "failure_rate": "Failure rate",
    "avg_connected_seconds": "Avg connected call (seconds)",
    "attempts_per_loan": "Attempts per loan",
    "promised_amount": "Promised amount (₹)",
    "first_attempt": "First attempt",
    "last_attempt": "Last attempt",
    "total": "Total",
}


def style(table: pd.DataFrame, *, precision: int = 1) -> Styler:
    """A Styler of a summary: rates as percentages, thousands separated, plain-word headers.

    Rate columns are the ones `table.attrs["timepay"]["rates"]` names (every summary sets it);
    for other tables, columns whose name ends in "rate" or "share". Missing values show as a dash.
    The data is not changed: `style(t).data` is `t`.
    """
    rates = rate_columns(table)
    styler = table.style.format(precision=precision, thousands=",", na_rep=NA_REP)
    if rates:
        styler = styler.format(f"{{:.{precision}%}}", subset=rates, na_rep=NA_REP)
    styler = styler.format_index(_label, axis="columns")
    meta = table.attrs.get(ATTRS_KEY)
    if isinstance(meta, Mapping) and meta.get("title"):
        styler = styler.set_caption(str(meta["title"]))
    return styler


def to_text(table: pd.DataFrame, *, precision: int = 1) -> str:
    """A summary as aligned plain text, rates as percentages (for terminals and logs)."""
    shown = pd.DataFrame(table).copy()
    for name in rate_columns(table):
        shown[name] = [NA_REP if pd.isna(v) else f"{v:.{precision}%}" for v in shown[name]]
    for name in shown.columns:
        if pd.api.types.is_float_dtype(shown[name]):
            shown[name] = [NA_REP if pd.isna(v) else f"{v:,.{precision}f}" for v in shown[name]]
        elif pd.api.types.is_integer_dtype(shown[name]):
            shown[name] = [NA_REP if pd.isna(v) else f"{v:,}" for v in shown[name]]
    return shown.rename(columns=_label).to_string()


def rate_columns(table: pd.DataFrame) -> list[Hashable]:
    """The columns of `table` that hold rates: those its `attrs` name, else "*rate"/"*share"."""
    meta = table.attrs.get(ATTRS_KEY)
    if isinstance(meta, Mapping):
        wanted = set(meta.get("rates", ()))
        return [c for c in table.columns if c in wanted]
    return [c for c in table.columns if str(c).endswith(("rate", "share"))]


def _label(name: Any) -> str:
    return LABELS.get(name, str(name)) if isinstance(name, str) else str(name)


class Summary(pd.DataFrame):
    """A summary table: a DataFrame whose HTML repr shows rates as percentages (`style`)."""

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame  # derived results are plain frames

    def _repr_html_(self) -> str:
        return style(self).to_html()

    def __repr__(self) -> str:
        return to_text(self)
