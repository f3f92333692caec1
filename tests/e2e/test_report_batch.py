"""`report --param`, `--compare previous`, `--each campaign_id` and `--format xlsx`."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from timepay_notebook.cli import main
from timepay_notebook.commands.report import parse_params, typed_like
from timepay_notebook.excel import DEFAULT_TABLES
from timepay_notebook.report.compare import describe_change, kpi_changes, previous_window
from timepay_notebook.sandbox import SandboxServer
from timepay_notebook.summaries import kpis

AGENT = "wSxEdCrFvTgBhNyJmUkI"  # in the default sandbox, on exactly two campaigns


def test_params_are_typed_by_the_parameters_cells_defaults() -> None:
    assert parse_params(
        [
            "mask_pii=yes",
            "title=Q1 = good",
            "sandbox_logs=300",
            "campaign_id=123",
            'filters={"type": "call"}',
            "end_time=None",
        ]
    ) == {
        "mask_pii": True,
        "title": "Q1 = good",
        "sandbox_logs": 300,
        "campaign_id": "123",
        "filters": {"type": "call"},
        "end_time": None,
    }
    assert typed_like(None, "true", "sandbox") is True
    with pytest.raises(ValueError, match="--param sandbox_logs='many': expected int"):
        parse_params(["sandbox_logs=many"])
    with pytest.raises(ValueError, match="--param mask_pii='maybe': expected true or false"):
        parse_params(["mask_pii=maybe"])
    with pytest.raises(ValueError, match="--param token: the report has no such parameter"):
        parse_params(["token=x"])
    with pytest.raises(ValueError, match="--param takes NAME=VALUE"):
        parse_params(["title"])


def test_the_previous_window_has_the_same_length_and_ends_just_before() -> None:
    assert previous_window("2026-02-01T00:00:00", "2026-02-28T23:59:59") == (
        "2026-01-04T00:00:00",
        "2026-01-31T23:59:59",
    )
    assert previous_window("2026-01-10T12:00:00", "2026-01-10T12:00:00") == (
        "2026-01-10T11:59:59",
        "2026-01-10T11:59:59",
    )
    with pytest.raises(ValueError, match="before start_time"):
        previous_window("2026-01-10T00:00:00", "2026-01-09T00:00:00")


def test_kpi_changes_are_points_for_rates_and_shares_for_counts(sandbox: SandboxServer) -> None:
    from timepay_notebook.frames import to_frame

    frame = to_frame(sandbox.truth())
    now, before = frame.iloc[:100], frame.iloc[100:150]
    changes = kpi_changes(kpis(now), kpis(before))
    attempts = changes.loc["Attempts"]
    assert (attempts["this_period"], attempts["previous_period"], attempts["change"]) == (
        100,
        50,
        50,
    )
    assert attempts["relative_change"] == 1.0 and describe_change(attempts) == "+50 (+100.0%)"
    rate = changes.loc["Contact rate"]

    def contacts(f: pd.DataFrame) -> float:
        return float(((f["status"] == "Completed") & (f["disposition"] != "Wrong Number")).mean())

    assert rate["change"] == pytest.approx(contacts(now) - contacts(before))
    assert describe_change(rate) == f"{(contacts(now) - contacts(before)) * 100:+.1f} pp"
    assert pd.isna(rate["relative_change"])


@pytest.mark.slow
def test_each_campaign_gets_a_report_and_the_index_links_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TIMEPAY_API_TOKEN", raising=False)
    out = tmp_path / "daily"
    assert (
        main(
            [
                "report",
                "--sandbox",
                "--each",
                "campaign_id",
                "--agent_id",
                AGENT,
                "--start_time",
                "2026-02-01",
                "--end_time",
                "2026-02-28",
                "--compare",
                "previous",
                "--param",
                "title=February",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    with SandboxServer(n_logs=2450, seed=7) as same:  # what the sandbox serves, by campaign
        truth = same.truth(
            agent_id=AGENT, start_time="2026-02-01T00:00:00", end_time="2026-02-28T23:59:59"
        )
    campaigns = sorted({(r["campaign_name"], r["campaign_id"]) for r in truth})
    assert len(campaigns) == 2
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["index.html", *(f"{cid}.html" for _, cid in campaigns)]
    )
    index = (out / "index.html").read_text()
    assert "<title>February (Sandbox data, not TimePay&#x27;s)</title>" in index
    for name, cid in campaigns:
        assert f'<a href="{cid}.html">' in index and name in index
        html = (out / f"{cid}.html").read_text()
        assert f"<title>February: {name} (Sandbox data, not TimePay's)</title>" in html
        logs = sum(r["campaign_id"] == cid for r in truth)
        assert f"{logs:,} attempts" in html  # the report covers its campaign only
        assert "Against the previous period" in html and "2026-01-04 to 2026-01-31" in html
        assert len(re.findall(r'<img [^>]*src="data:image/png', html)) >= 4
    assert f"wrote the reports and their index to {out.resolve() / 'index.html'}" in (
        capsys.readouterr().out
    )


@pytest.mark.slow
def test_report_format_xlsx_writes_a_workbook(
    sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "january.xlsx"
    assert (
        main(
            [
                "report",
                "--token",
                sandbox.token,
                "--base-url",
                sandbox.url,
                "--start_time",
                "2026-01-01",
                "--end_time",
                "2026-01-31",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == list(DEFAULT_TABLES)  # the sheets `to_excel` writes (test_excel)
    assert book["Funnel"]["A1"].value is not None and book["Funnel"].max_row == 6  # five stages
    january = sandbox.count(start_time="2026-01-01T00:00:00", end_time="2026-01-31T23:59:59")
    kpi = book["KPIs"]
    assert kpi["B1"].value == "Attempts" and kpi["B2"].value == january
    assert kpi["F1"].value == "Contact rate" and kpi["F2"].number_format == "0.0%"
    assert "wrote the workbook to" in capsys.readouterr().out
    assert sandbox.token not in out.read_bytes().decode("latin-1")


@pytest.mark.slow
def test_compare_needs_a_window_and_xlsx_takes_no_notebook_flags(
    sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = ["report", "--token", sandbox.token, "--base-url", sandbox.url]
    assert main([*base, "--compare", "previous", "--out", str(tmp_path / "x.html")]) == 1
    assert "--compare previous needs --start_time and --end_time" in capsys.readouterr().err
    assert main([*base, "--param", "title=x", "--out", str(tmp_path / "x.xlsx")]) == 1
    assert "are for HTML reports" in capsys.readouterr().err
    assert main([*base, "--each", "campaign_id", "--out", str(tmp_path / "x.html")]) == 1
    assert "--out is a directory" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_sandbox_workbook_says_so_on_its_first_sheet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TIMEPAY_API_TOKEN", raising=False)
    out = tmp_path / "sample.xlsx"
    assert main(["report", "--sandbox", "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out)
    assert book.sheetnames[:2] == ["Read me first", "KPIs"]
    assert str(book["Read me first"]["A1"].value).startswith("Sandbox data, not TimePay's")
    assert book["KPIs"]["B2"].value == 2450  # every log of the default sandbox
