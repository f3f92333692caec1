"""What the log explorer shows for a frame, as HTML and PNG (pure: no widgets, no pyplot).

Everything from the data is HTML-escaped. The plot is drawn on a `matplotlib.figure.Figure`
made here, not through pyplot: it is never registered with pyplot, so figures don't
accumulate, nothing shows up by itself in a notebook, and drawing from a worker thread touches
no global state.
"""

from __future__ import annotations

import html
import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
from matplotlib.figure import Figure

from .. import summaries
from ..errors import TimePayError
from ..plots import dispositions
from ..presentation import NA_REP, style, to_text

if TYPE_CHECKING:
    from pandas.io.formats.style_render import CSSDict

__all__ = [
    "Rendered",
    "describe_error",
    "describe_filters",
    "error_html",
    "plot_png",
    "render",
    "rows_html",
    "table_html",
]

ROWS = 10
_SCROLL = '<div style="overflow-x: auto; max-width: 100%">{}</div>'
# Scoped to each table by the Styler: HTML in a widget gets no notebook table styles.
_CSS: list[CSSDict] = [
    {"selector": "", "props": "border-collapse: collapse; font-size: 12px"},
    {
        "selector": "th, td",
        "props": (
            "padding: 2px 8px; border-bottom: 1px solid #ddd; text-align: right; "
            "white-space: nowrap"
        ),
    },
    {"selector": "caption", "props": "font-weight: bold; text-align: left"},
]


@dataclass(frozen=True)
class Rendered:
    """A frame's summary, ready for the widgets (HTML fragments and a PNG)."""

    kpis: str
    dispositions: str
    plot: bytes
    rows: str
    text: str  # the KPIs as plain text, for `print(panel)`


def render(frame: pd.DataFrame) -> Rendered:
    """KPIs, the disposition summary, the dispositions plot and the first rows of `frame`."""
    kpis = summaries.kpis(frame)
    return Rendered(
        kpis=table_html(kpis),
        dispositions=table_html(summaries.disposition_summary(frame)),
        plot=plot_png(frame),
        rows=rows_html(frame),
        text=to_text(kpis),
    )


def table_html(table: pd.DataFrame) -> str:
    """A summary table as HTML: rates as percentages, index labels escaped, scrollable."""
    styler = style(table).format_index(escape="html", axis="index")
    return _SCROLL.format(styler.set_table_styles(_CSS, overwrite=False).to_html())


def rows_html(frame: pd.DataFrame, n: int = ROWS) -> str:
    """The first `n` rows, every value escaped, missing ones as a dash."""
    styler = frame.head(n).style.format(escape="html", na_rep=NA_REP)
    styler = styler.format_index(escape="html", axis="index").set_table_styles(_CSS)
    return _SCROLL.format(styler.to_html())


def plot_png(frame: pd.DataFrame, dpi: int = 80) -> bytes:
    """`df.timepay.plot.dispositions()` as PNG bytes."""
    bars = min(int(frame["disposition"].nunique()), 16)
    figure = Figure(figsize=(8.0, 1.5 + 0.4 * max(bars, 3)), layout="constrained")
    dispositions(frame, figure.add_subplot())
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def describe_error(error: BaseException) -> str:
    """The plain-text message shown for `error` (our errors never hold the token)."""
    if isinstance(error, TimePayError):
        return f"{type(error).__name__}: {error}"
    return f"unexpected {type(error).__name__}: {error}"


def error_html(message: str) -> str:
    """An error message as a red, escaped HTML block."""
    return (
        '<div style="color: #b00020; border-left: 3px solid #b00020; padding-left: 6px">'
        f"<b>Could not load the logs.</b> {html.escape(message)}</div>"
    )


def describe_filters(filters: Mapping[str, Any]) -> str:
    """`filters` as `name=value, ...`, or "no filters"."""
    return ", ".join(f"{k}={v}" for k, v in filters.items()) or "no filters"
