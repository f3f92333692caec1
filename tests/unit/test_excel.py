"""`df.timepay.to_excel`: a workbook read back with openpyxl, values and number formats checked.

`ROWS` are five logs whose figures are worked out by hand: two agents; contacts are Completed and
not Wrong Number (rows 0, 3: 2 of 5 = 40%); promises rows 0 and 3, for 5,000 + 2,500 rupees.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from timepay_notebook.excel import DEFAULT_TABLES, FORMATS
from timepay_notebook.frames import to_frame

ROWS = [  # agent, status, disposition, seconds, start, promised rupees
    ("ag1", "Completed", "Promise to Pay", 120, "2026-01-05T10:15:00", 5000),
    ("ag1", "No Contact", "Voicemail", 20, "2026-01-05T10:40:00", None),
    ("ag1", "Completed", "Wrong Number", 15, "2026-01-06T18:00:00", None),
    ("ag2", "Completed", "Promise to Pay", 300, "2026-01-07T10:05:00", 2500),
    ("ag2", "Failed", "Network Error", 0, "2026-01-07T18:30:00", None),
]


def frame() -> pd.DataFrame:
    records: list[dict[str, Any]] = []
    for i, (agent, status, disposition, seconds, start, rupees) in enumerate(ROWS):
        promised = {"promised_amount": rupees, "promised_date": "2026-01-20"} if rupees else {}
        records.append(
            {
                "call_id": f"c{i}",
                "date": start[:10],
                "start_time": start,
                "end_time": start,
                "campaign_name": "Campaign A",
                "campaign_id": "A",
                "name": f"N{i}",
                "loan_id": f"LOAN-{i}",
                "from": "+918035450808",
                "to": f"90000000{i:02}",
                "status": status,
                "disposition": disposition,
                "extracted_data": promised,
                "summary": "",
                "agent_id": agent,
                "type": "call",
                "duration": seconds,
            }
        )
    return to_frame(records)


def sheet_rows(sheet: Any) -> list[list[Any]]:
    return [[c.value for c in row] for row in sheet.iter_rows()]


@pytest.fixture(scope="module")
def workbook(tmp_path_factory: pytest.TempPathFactory) -> openpyxl.Workbook:
    path = frame().timepay.to_excel(tmp_path_factory.mktemp("xlsx") / "january.xlsx")
    assert path.name == "january.xlsx"
    return openpyxl.load_workbook(path)


def test_one_sheet_per_table(workbook: openpyxl.Workbook) -> None:
    assert workbook.sheetnames == [
        "KPIs",
        "Dispositions",
        "Hours",
        "Agents",
        "Promises",
        "Attempts",
        "Contact policy",
        "Funnel",
    ]
    assert list(DEFAULT_TABLES) == workbook.sheetnames


def test_kpis_values_and_formats(workbook: openpyxl.Workbook) -> None:
    sheet = workbook["KPIs"]
    header = [c.value for c in sheet[1]]
    values = dict(zip(header, sheet[2], strict=True))
    assert values[None].value == "All"
    assert values["Attempts"].value == 5 and values["Attempts"].number_format == "#,##0"
    assert values["Contact rate"].value == pytest.approx(0.4)
    assert values["Contact rate"].number_format == "0.0%" == FORMATS["rate"]
    assert values["Failure rate"].value == pytest.approx(0.2)
    money = values["Promised (net)"]
    assert money.value == 7500 and money.number_format == "[$₹-4009] #,##0.00"
    assert sheet.freeze_panes == "B2"  # the header row and the row label stay in view
    assert all(c.font.bold for c in sheet[1])


def test_agents_and_dispositions_rows(workbook: openpyxl.Workbook) -> None:
    agents = sheet_rows(workbook["Agents"])
    header = agents[0]
    assert header[:3] == ["agent_id", "Attempts", "Loans"]
    rate = header.index("Contact rate")
    assert [(r[0], r[1], r[rate]) for r in agents[1:]] == [
        ("ag1", 3, pytest.approx(1 / 3)),
        ("ag2", 2, pytest.approx(0.5)),
    ]
    assert workbook["Agents"].cell(row=2, column=rate + 1).number_format == "0.0%"
    dispositions = sheet_rows(workbook["Dispositions"])
    assert dispositions[0] == ["status", "disposition", "Attempts", "Share", "Share of its status"]
    ptp = next(r for r in dispositions if r[1] == "Promise to Pay")
    assert ptp[:4] == ["Completed", "Promise to Pay", 2, pytest.approx(0.4)]
    assert workbook["Dispositions"].freeze_panes == "C2"


def test_columns_are_sized_to_their_contents(workbook: openpyxl.Workbook) -> None:
    dims = workbook["Dispositions"].column_dimensions
    assert dims["B"].width >= len("Promise to Pay")  # the longest disposition fits
    assert all(8 <= dims[c].width <= 48 for c in "ABCDE")


def test_tables_pick_sheets_or_take_any_table(tmp_path: Path) -> None:
    df = frame()
    path = df.timepay.to_excel(tmp_path / "two.xlsx", tables=["Agents", "KPIs"])
    assert openpyxl.load_workbook(path).sheetnames == ["Agents", "KPIs"]
    loans = df.timepay.attempts_per_loan()
    path = df.timepay.to_excel(tmp_path / "loans.xlsx", tables={"Attempts per loan": loans})
    sheet = openpyxl.load_workbook(path)["Attempts per loan"]
    assert sheet.max_row == 1 + len(loans)
    first = [c.value for c in sheet[1]].index("First attempt")
    assert sheet.cell(row=2, column=first + 1).number_format == FORMATS["datetime"]
    with pytest.raises(ValueError, match="unknown table"):
        df.timepay.to_excel(tmp_path / "x.xlsx", tables=["Nope"])
    with pytest.raises(ValueError, match=r"ends in \.xlsx"):
        df.timepay.to_excel(tmp_path / "x.xls")
    assert not (tmp_path / "x.xlsx").exists()
