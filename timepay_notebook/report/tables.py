"""Large tables as interactive tables (sortable, searchable, paginated), small ones static.

`interactive_tables()` is called once in a notebook: from then on a table (a DataFrame, a summary
or a Styler) of more than `min_rows` rows is shown with itables (DataTables) in offline mode: its
JavaScript is embedded in the notebook, so an HTML report made from it loads nothing from the
network. Smaller tables (KPIs, dispositions) keep their static HTML. A summary keeps its formats
(rates as percentages); the data is not changed.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from pandas.io.formats.style import Styler

from ..presentation import ATTRS_KEY, NA_REP, Summary, style

MIN_ROWS = 20  # larger tables get a search box, sorting and pages
OPTIONS: dict[str, Any] = {
    "pageLength": 10,
    "text_in_header_can_be_selected": False,  # a click anywhere on a header sorts
}


def interactive_tables(min_rows: int = MIN_ROWS) -> None:
    """Show tables of more than `min_rows` rows as interactive tables in this kernel (offline)."""
    from IPython import get_ipython
    from itables import init_notebook_mode

    shell = get_ipython()
    if shell is None:
        raise RuntimeError("interactive_tables() needs a Jupyter kernel")
    init_notebook_mode(all_interactive=False, connected=False)  # embeds DataTables, once
    formatter = shell.display_formatter.formatters["text/html"]

    def html(table: pd.DataFrame | Styler) -> str | None:
        return table_html(table, min_rows=min_rows)

    formatter.for_type(pd.DataFrame, html)
    formatter.for_type(Styler, html)


def table_html(table: pd.DataFrame | Styler, *, min_rows: int = MIN_ROWS) -> str | None:
    """The table's HTML: interactive when it has more than `min_rows` rows, else its usual HTML."""
    frame = table.data if isinstance(table, Styler) else table  # type: ignore[attr-defined]
    if len(frame) <= min_rows:
        method: Any = getattr(table, "_repr_html_", None)
        return str(method()) if callable(method) else None
    from itables import to_html_datatable

    data = frame.reset_index() if _has_labels(frame) else frame  # labels become sortable columns
    if isinstance(table, Summary) or (isinstance(table, Styler) and ATTRS_KEY in data.attrs):
        table = style(data)  # a summary's formats: rates as percentages
    elif not isinstance(table, Styler):
        table = data
    if isinstance(table, Styler):  # rendered by pandas, every row: keeps the formats
        styler = _escaped(table).hide(axis="index")
        html = str(to_html_datatable(styler, allow_html=True, **OPTIONS))
        return _unique_table_id(html)
    return str(to_html_datatable(table, maxBytes=0, **OPTIONS))  # every row


def _unique_table_id(html: str) -> str:
    """itables 2.9 gives a Styler's static fallback table the interactive table's id, so both
    become DataTables and clicks sort the hidden one: the fallback loses the id."""
    found = re.search(r'<div id="(T_\w+)_fallback">', html)
    if found is None:
        return html
    head, tail = html[: found.end()], html[found.end() :]
    table = re.compile(rf'(<table\b[^>]*?)\s+id="{found.group(1)}"')
    return head + table.sub(r"\1", tail, count=1)


def _has_labels(frame: pd.DataFrame) -> bool:
    return not (isinstance(frame.index, pd.RangeIndex) and frame.index.name is None)


def _escaped(styler: Styler) -> Styler:
    """`styler` with its text cells and row labels HTML-escaped (they come from the API)."""
    data: pd.DataFrame = styler.data  # type: ignore[attr-defined]
    text = [
        c
        for c in data.columns
        if not (
            pd.api.types.is_numeric_dtype(data[c]) or pd.api.types.is_datetime64_any_dtype(data[c])
        )
    ]
    if text:
        styler = styler.format(escape="html", subset=pd.Index(text), na_rep=NA_REP)
    return styler
