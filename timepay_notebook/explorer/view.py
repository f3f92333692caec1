"""The log explorer's result area: status line, progress bar, error box, summaries, plot, rows.

`ResultView` only writes widgets; it decides nothing. The panel calls its methods through one
gate that drops writes from stale queries.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from .render import Rendered, error_html

__all__ = ["ResultView", "close_tree"]


class ResultView:
    """The widgets that show a query's progress and result."""

    def __init__(self) -> None:
        self.status = widgets.HTML("Starting…")
        self.progress = widgets.IntProgress(
            value=0, min=0, max=1, description="Pages", layout=widgets.Layout(width="360px")
        )
        self.error = widgets.HTML("")
        self.kpis = widgets.HTML("")
        self.dispositions = widgets.HTML("")
        self.plot = widgets.Image(format="png", layout=widgets.Layout(max_width="640px"))
        self.rows = widgets.HTML("")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.progress, self.status]),
                self.error,
                _heading("Key figures"),
                self.kpis,
                _heading("Dispositions"),
                widgets.HBox([self.dispositions, self.plot]),
                _heading("First rows"),
                self.rows,
            ]
        )

    def updating(self) -> None:
        """Filters changed; a query will start when they settle."""
        self.status.value = "Filters changed: updating…"

    def counting(self) -> None:
        """The count preview is on its way."""
        self.status.value = "Counting matching logs…"
        self.progress.bar_style = "info"
        self.progress.value = 0

    def loading(self, count: int) -> None:
        """The count preview came back; the pull starts."""
        self.status.value = f"<b>{count:,}</b> logs match; loading…"
        self.progress.max = max(count, 1)
        self.progress.value = 0

    def advance(self, done: int, expected: int) -> None:
        """`done` pages of the `expected` ones have arrived."""
        self.progress.max = max(expected, done, 1)
        self.progress.value = done

    def failed(self, message: str) -> None:
        """The query failed: show why, keep the previous result."""
        self.error.value = error_html(message)
        self.status.value = "Failed; the figures below are from the previous result."
        self.progress.bar_style = "danger"

    def show(self, rendered: Rendered, rows: int, filters: str) -> None:
        """Show a finished query's result and clear any error."""
        self.kpis.value = rendered.kpis
        self.dispositions.value = rendered.dispositions
        self.plot.value = rendered.plot
        self.rows.value = rendered.rows
        self.error.value = ""
        self.status.value = f"<b>{rows:,}</b> logs ({html.escape(filters)})"
        self.progress.max = max(rows, 1)
        self.progress.value = self.progress.max
        self.progress.bar_style = "success"


def _heading(text: str) -> widgets.HTML:
    return widgets.HTML(f"<b>{html.escape(text)}</b>")


def close_tree(root: Any) -> None:
    """Close `root`, its children, and their layouts and styles (all are comms)."""
    for child in getattr(root, "children", ()):
        close_tree(child)
    for name in ("layout", "style"):
        part = getattr(root, name, None)
        if isinstance(part, widgets.Widget):
            part.close()
    root.close()
