"""Interactive tables: large ones become DataTables (offline), small ones keep their static HTML."""

from __future__ import annotations

import re

import pandas as pd

from timepay_notebook.presentation import style
from timepay_notebook.report.tables import MIN_ROWS, table_html


def loans(n: int) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"attempts": range(n), "contact_rate": [i / n for i in range(n)]},
        index=pd.Index([f"LOAN-{i}" for i in range(n)], name="loan_id"),
    )
    frame.attrs["timepay"] = {"title": "Loans", "rates": ["contact_rate"]}
    return frame


def test_a_small_table_stays_static() -> None:
    small = loans(MIN_ROWS)
    html = str(table_html(style(small)))
    assert (
        html.startswith("<style") and f"LOAN-{MIN_ROWS - 1}" in html and "95.0%" in html
    )  # pandas' HTML
    assert "ITable" not in html and "<script" not in html


def test_a_large_table_is_interactive_and_keeps_its_formats() -> None:
    html = str(table_html(style(loans(MIN_ROWS + 1))))
    assert "new ITable(table, dt_args)" in html and '"pageLength": 10' in html
    assert "LOAN-20" in html and "95.2%" in html  # every row, rates as percentages
    assert "loan_id" in html  # the row labels are a column, sortable and searchable
    assert "<script src" not in html  # the code comes from the embedded bundle
    ids = re.findall(r'<table[^>]*\bid="(T_\w+)"', html)
    assert len(ids) == len(set(ids)) == 1  # one table per id: the static fallback has none


def test_text_from_the_api_is_escaped() -> None:
    frame = loans(MIN_ROWS + 1).reset_index()
    frame.loc[0, "loan_id"] = "<img src=x onerror=alert(1)>"
    html = str(table_html(style(frame)))
    assert "<img src=x" not in html and "&lt;img src=x" in html
