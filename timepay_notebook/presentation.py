"""How summaries look: rates as percentages, rupees, plain-word headers, in Jupyter and reports.

A `Summary` is a DataFrame whose HTML repr is its `style()` and whose text repr is its
`to_text()`: the data keeps rates as fractions in [0, 1] and money as rupees (floats); only
the display shows them as percentages (`41.2%`, `<0.1%` for a rate too small to show, never a
misleading `0.0%`) and as whole rupees with Indian digit grouping (`₹32,80,300`; `grouping=
"plain"` gives `₹3,280,300`). Anything derived from a summary (a slice, a sum) is a plain
DataFrame again. `percent`, `rupees` and `plural` are the same rules for sentences.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

ATTRS_KEY = "timepay"
NA_REP = "\u2013"  # an en dash, for missing values in styled tables


LABELS: dict[str, str] = {
    "count": "Attempts",
    "share": "Share",
    "share_within_status": "Share of its status",
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
    "connect_rate": "Connect rate",
    "loans_contacted_rate": "Loans contacted",
    "attempts_per_contact": "Attempts per contact",
    "promises_to_pay": "Promises to pay",
    "ptp_rate": "PTP rate (per attempt)",
    "ptp_per_contact": "PTP rate (per contact)",
    "voicemail_rate": "Voicemail rate (of calls)",
    "failure_rate": "Failure rate",
    "avg_connected_seconds": "Avg connected call (seconds)",
    "attempts_per_loan": "Attempts per loan",
    "promised_amount": "Promised (net)",
    "promised_amount_gross": "Promised (gross)",
    "promised_date": "Promised date",
    "superseded": "Superseded",
    "ptp_kept_rate": "PTP kept rate",
    "promises": "Promises",
    "kept": "Kept",
    "broken": "Broken",
    "pending": "Pending",
    "kept_rate": "Kept rate",
    "amount": "Amount",
    "kept_amount": "Kept (amount)",
    "broken_amount": "Broken (amount)",
    "pending_amount": "Pending (amount)",
    "promised_at": "Promised at",
    "due_date": "Due date",
    "evidence": "Evidence",
    "evidence_at": "Evidence at",
    "connected": "Connected",
    "ci_low": "CI low",
    "ci_high": "CI high",
    "n": "n",
    "successes": "Successes",
    "rate": "Rate",
    "expected": "Expected",
    "ratio": "Ratio",
    "ratio_low": "Ratio low",
    "ratio_high": "Ratio high",
    "verdict": "Verdict",
    "rank": "Rank",
    "first_attempt": "First attempt",
    "last_attempt": "Last attempt",
    "total": "Total",
    "stage": "Stage",
    "attempt": "Attempt",
    "cumulative_contacted": "Contacted by then",
    "cumulative_share": "Cumulative share",
    "rate_from_previous": "From previous stage",
    "rate_from_first": "From first stage",
    "log_id": "Log id",
    "rule": "Rule",
    "detail": "Detail",
}


def style(table: pd.DataFrame, *, precision: int = 1, grouping: str = "indian") -> Styler:
    """A Styler of a summary: rates as percentages, rupees, thousands separated, plain headers.

    Rate columns are the ones `table.attrs["timepay"]["rates"]` names (every summary sets it);
    for other tables, columns whose name ends in "rate" or "share". Money columns (`"money"` in
    the attrs) show as whole rupees, ratios (`"ratios"`) with two decimals. Missing values show
    as a dash. The data is not changed: `style(t).data` is `t`.

    Args:
        precision: decimals of percentages and other floats.
        grouping: "indian" (`₹32,80,300`, the default) or "plain" (`₹3,280,300`) for money.
    """
    _check_grouping(grouping)
    styler = table.style.format(precision=precision, thousands=",", na_rep=NA_REP)
    for name in rate_columns(table):
        styler = styler.format(lambda v: percent(v, precision), subset=[name], na_rep=NA_REP)
    for name in _kind(table, "ratios"):
        styler = styler.format("{:.2f}", subset=[name], na_rep=NA_REP)
    for name in _kind(table, "money"):
        styler = styler.format(lambda v: rupees(v, grouping), subset=[name], na_rep=NA_REP)
    styler = styler.format_index(_labeller(table), axis="columns")
    meta = table.attrs.get(ATTRS_KEY)
    if isinstance(meta, Mapping) and meta.get("title"):
        styler = styler.set_caption(str(meta["title"]))
    return styler


def to_text(table: pd.DataFrame, *, precision: int = 1, grouping: str = "indian") -> str:
    """A summary as aligned plain text, rates as percentages (for terminals and logs)."""
    return _shown(table, precision, grouping).rename(columns=_labeller(table)).to_string()


def as_rows(table: pd.DataFrame, *, precision: int = 1, grouping: str = "indian") -> pd.DataFrame:
    """A summary turned on its side, its values as display text: one row per column.

    For one-row tables with many columns (`kpis()`), which fit a page better as a list.
    """
    shown = _shown(table, precision, grouping)
    shown.index = [str(i) for i in shown.index]
    return shown.T.rename(index=_labeller(table))


def _shown(table: pd.DataFrame, precision: int, grouping: str) -> pd.DataFrame:
    """`table` with every value as the text `style` would show."""
    _check_grouping(grouping)
    shown = pd.DataFrame(table).copy()
    special = {*rate_columns(table), *_kind(table, "ratios"), *_kind(table, "money")}
    for name in rate_columns(table):
        shown[name] = [NA_REP if pd.isna(v) else percent(v, precision) for v in table[name]]
    for name in _kind(table, "ratios"):
        shown[name] = [NA_REP if pd.isna(v) else f"{v:.2f}" for v in table[name]]
    for name in _kind(table, "money"):
        shown[name] = [NA_REP if pd.isna(v) else rupees(v, grouping) for v in table[name]]
    for name in shown.columns:
        if name in special:
            continue
        if pd.api.types.is_float_dtype(shown[name]):
            shown[name] = [NA_REP if pd.isna(v) else f"{v:,.{precision}f}" for v in shown[name]]
        elif pd.api.types.is_integer_dtype(shown[name]):
            shown[name] = [NA_REP if pd.isna(v) else f"{v:,}" for v in shown[name]]
    return shown.astype(object)


def rate_columns(table: pd.DataFrame) -> list[Hashable]:
    """The columns of `table` that hold rates: those its `attrs` name, else "*rate"/"*share"."""
    meta = table.attrs.get(ATTRS_KEY)
    if isinstance(meta, Mapping):
        wanted = set(meta.get("rates", ()))
        return [c for c in table.columns if c in wanted]
    return [c for c in table.columns if str(c).endswith(("rate", "share"))]


def percent(value: Any, digits: int = 1) -> str:
    """A fraction as a percentage: `0.412` -> "41.2%"; too small to show -> "<0.1%" (with
    `digits=0`, "<1%"); just short of 1 -> ">99.9%"; missing -> "n/a"."""
    if value is None or pd.isna(value):
        return "n/a"
    value = float(value)
    shown = f"{value:.{digits}%}"
    step = 10.0**-digits
    if value > 0 and float(shown[:-1]) == 0:
        return f"<{step:.{digits}f}%"
    if value < 1 and float(shown[:-1]) >= 100:
        return f">{100 - step:.{digits}f}%"
    return shown


def rupees(amount: Any, grouping: str = "indian") -> str:
    """Whole rupees: `3280300` -> "₹32,80,300" (Indian grouping) or "₹3,280,300" ("plain")."""
    _check_grouping(grouping)
    if amount is None or pd.isna(amount):
        return "n/a"
    whole = round(float(amount))
    sign, digits = ("-" if whole < 0 else ""), str(abs(whole))
    if grouping == "plain" or len(digits) <= 3:
        return f"{sign}\u20b9{int(digits):,}"
    head, tail = digits[:-3], digits[-3:]
    pairs = [head[max(0, i - 2) : i] for i in range(len(head), 0, -2)][::-1]
    return f"{sign}\u20b9{','.join(pairs)},{tail}"


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`count` and the noun in the right number: "1 loan", "2 loans", "1,200 attempts"."""
    return f"{count:,} {noun if count == 1 else (nouns or noun + 's')}"


def _check_grouping(grouping: str) -> None:
    if grouping not in ("indian", "plain"):
        raise ValueError(f"grouping must be 'indian' or 'plain', not {grouping!r}")


def _kind(table: pd.DataFrame, kind: str) -> list[Hashable]:
    meta = table.attrs.get(ATTRS_KEY)
    wanted = set(meta.get(kind, ())) if isinstance(meta, Mapping) else set()
    return [c for c in table.columns if c in wanted]


def _label(name: Any) -> str:
    return LABELS.get(name, str(name)) if isinstance(name, str) else str(name)


def _labeller(table: pd.DataFrame) -> Callable[[Any], str]:
    """`_label`, with the table's own headers first (`attrs["timepay"]["labels"]`)."""
    meta = table.attrs.get(ATTRS_KEY)
    own = meta.get("labels", {}) if isinstance(meta, Mapping) else {}

    def label(name: Any) -> str:
        return str(own[name]) if isinstance(name, str) and name in own else _label(name)

    return label


class Summary(pd.DataFrame):
    """A summary table: a DataFrame whose HTML repr shows rates as percentages (`style`)."""

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame  # derived results are plain frames

    def _repr_html_(self) -> str:
        return style(self).to_html()

    def __repr__(self) -> str:
        return to_text(self)
