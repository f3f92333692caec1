"""Summaries as an Excel workbook for managers: one sheet per table, formatted as Excel numbers.

    >>> df.timepay.to_excel("january.xlsx")              # KPIs, Dispositions, Hours, Agents
    >>> df.timepay.to_excel("loans.xlsx", tables={"Loans": df.timepay.attempts_per_loan()})

Values stay numbers (a manager can sum and sort them); only their number formats differ: rates as
percentages, money in rupees, counts with thousands separators. The header row (and the row
labels) are frozen, the columns sized to their contents. openpyxl is imported on first use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .attempts import by_attempt
from .compliance import compliance
from .funnel import funnel
from .presentation import ATTRS_KEY, LABELS, rate_columns
from .promises import promise_summary
from .summaries import by_hour, disposition_summary, kpis

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["DEFAULT_TABLES", "FORMATS", "summary_tables", "to_excel"]

FORMATS = {
    "rate": "0.0%",
    "money": "[$₹-4009] #,##0.00",  # Indian rupee (en-IN), as Excel's own currency format
    "integer": "#,##0",
    "number": "#,##0.0",
    "datetime": "yyyy-mm-dd hh:mm",
    "date": "yyyy-mm-dd",
}
MIN_WIDTH, MAX_WIDTH, HEADER_WIDTH = 8, 48, 16
_SHEET_NAME = 31  # Excel's longest sheet name
_BUILDERS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "KPIs": lambda frame: kpis(frame),
    "Dispositions": lambda frame: disposition_summary(frame),
    "Hours": lambda frame: by_hour(frame),
    "Agents": lambda frame: kpis(frame, "agent_id"),
    "Promises": lambda frame: promise_summary(frame),
    "Attempts": lambda frame: by_attempt(frame),
    "Contact policy": lambda frame: compliance(frame),
    "Funnel": lambda frame: funnel(frame),
}
DEFAULT_TABLES = tuple(_BUILDERS)
NOTICE_SHEET = "Read me first"

Tables = Sequence[str] | Mapping[str, pd.DataFrame] | None


def summary_tables(frame: pd.DataFrame, tables: Tables = None) -> dict[str, pd.DataFrame]:
    """The tables a workbook of `frame` holds, by sheet name.

    Args:
        frame: a TimePay logs frame.
        tables: None for `DEFAULT_TABLES`; a sequence of their names; or sheet name -> table,
            for any tables (the analyses' results, say), written as given.

    Raises:
        ValueError: an unknown table name, a sheet name Excel refuses, or no table at all.
    """
    if tables is None:
        tables = DEFAULT_TABLES
    if isinstance(tables, Mapping):
        chosen = dict(tables)
    else:
        unknown = [name for name in tables if name not in _BUILDERS]
        if unknown:
            raise ValueError(f"unknown table(s) {unknown}; known: {', '.join(DEFAULT_TABLES)}")
        chosen = {name: _BUILDERS[name](frame) for name in tables}
    if not chosen:
        raise ValueError("tables is empty: a workbook needs at least one sheet")
    for name in chosen:
        if not name or len(name) > _SHEET_NAME or any(c in name for c in "[]:*?/\\"):
            raise ValueError(f"{name!r} can't be a sheet name (1-31 characters, none of []:*?/\\)")
    return chosen


def to_excel(
    frame: pd.DataFrame, path: str | Path, tables: Tables = None, *, notice: str | None = None
) -> Path:
    """Write summaries of `frame` to an .xlsx workbook, one sheet per table.

    Rates are Excel percentages (`0.0%`), money is in rupees, counts have thousands separators;
    the header row and the row labels are frozen and the columns sized to their contents.

    Args:
        frame: a TimePay logs frame.
        path: the .xlsx file to write.
        tables: None for KPIs, Dispositions, Hours and Agents; a sequence of some of those
            names; or sheet name -> DataFrame for any tables.
        notice: a warning every reader must see (sandbox data): the first sheet, in red.

    Returns:
        The path written.
    """
    from openpyxl import Workbook

    out = Path(path)
    if out.suffix.lower() != ".xlsx":
        raise ValueError(f"an Excel workbook's name ends in .xlsx, got {str(path)!r}")
    chosen = summary_tables(frame, tables)
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    if notice:
        _notice_sheet(book.create_sheet(NOTICE_SHEET), notice)
        book.properties.title = notice
    for name, table in chosen.items():
        _write_sheet(book.create_sheet(name), table)
    book.save(out)
    return out


def _write_sheet(sheet: Worksheet, table: pd.DataFrame) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    labels = [n if n is not None else "" for n in table.index.names]
    n_labels = len(labels) if _has_labels(table) else 0
    flat = table.reset_index(drop=n_labels == 0)
    flat.columns = pd.Index([*labels[:n_labels], *table.columns])
    formats = [None] * n_labels + [_number_format(table, c) for c in table.columns]
    sheet.append([LABELS.get(str(c), str(c)) for c in flat.columns])
    for row in flat.itertuples(index=False):
        sheet.append([_cell(v) for v in row])
    widths = [min(HEADER_WIDTH, len(str(c.value or ""))) for c in sheet[1]]  # headers wrap
    for column, number_format in enumerate(formats, start=1):
        for (cell,) in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
            if number_format and cell.value is not None:
                cell.number_format = number_format
            widths[column - 1] = max(widths[column - 1], _shown_width(cell.value, number_format))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(
            MAX_WIDTH, max(MIN_WIDTH, width + 2)
        )
    sheet.freeze_panes = f"{get_column_letter(n_labels + 1)}2"  # the header and row labels


def _notice_sheet(sheet: Worksheet, notice: str) -> None:
    from openpyxl.styles import Font, PatternFill

    sheet["A1"] = notice
    sheet["A1"].font = Font(bold=True, size=16, color="FFFFFF")
    sheet["A1"].fill = PatternFill("solid", fgColor="B00020")
    sheet.column_dimensions["A"].width = min(MAX_WIDTH * 3, len(notice) + 10)
    sheet.sheet_properties.tabColor = "B00020"


def _has_labels(table: pd.DataFrame) -> bool:
    """Whether the index says something (a named index, or labels like "All"), not 0..n-1."""
    index = table.index
    return not (isinstance(index, pd.RangeIndex) and index.name is None)


def _number_format(table: pd.DataFrame, column: Hashable) -> str | None:
    dtype = table[column].dtype
    if column in rate_columns(table):
        return FORMATS["rate"]
    if column in _money_columns(table):
        return FORMATS["money"]
    if pd.api.types.is_bool_dtype(dtype):
        return None
    if pd.api.types.is_integer_dtype(dtype):
        return FORMATS["integer"]
    if pd.api.types.is_float_dtype(dtype):
        return FORMATS["number"]
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return FORMATS["datetime"]
    return None


def _money_columns(table: pd.DataFrame) -> list[Hashable]:
    """Columns of rupee amounts: those `attrs` name under "money", else "*amount"."""
    meta = table.attrs.get(ATTRS_KEY)
    if isinstance(meta, Mapping) and "money" in meta:
        wanted = set(meta["money"])
        return [c for c in table.columns if c in wanted]
    return [c for c in table.columns if str(c).endswith("amount")]


def _cell(value: Any) -> Any:
    """A value as openpyxl writes it: missing as an empty cell, numpy and pandas as Python."""
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, pd.Timedelta):
        return value.total_seconds()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, (str, int, float, dt.datetime, dt.date)):
        return value
    return str(value)


def _shown_width(value: Any, number_format: str | None) -> int:
    """Roughly how many characters Excel shows for `value` in `number_format`."""
    if value is None:
        return 0
    if number_format == FORMATS["rate"]:
        return len(f"{value:.1%}")
    if number_format == FORMATS["money"]:
        return len(f"₹ {value:,.2f}")
    if number_format in (FORMATS["integer"], FORMATS["number"]):
        return len(f"{value:,.1f}")
    if number_format == FORMATS["datetime"]:
        return 16
    return len(str(value))
