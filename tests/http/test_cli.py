"""The command line: count, export and demo against the sandbox."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from timepay_notebook.cli import main
from timepay_notebook.sandbox import SandboxServer


def connection(srv: SandboxServer) -> list[str]:
    return ["--token", srv.token, "--base-url", srv.url]


def test_count_prints_the_servers_count(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["count", *connection(sandbox), "--type", "call", "--from-phone", "+918035450808"])
        == 0
    )
    assert capsys.readouterr().out.strip() == str(
        sandbox.count(type="call", from_phone="+918035450808")
    )


def test_count_reads_the_environment(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIMEPAY_API_TOKEN", sandbox.token)
    monkeypatch.setenv("TIMEPAY_BASE_URL", sandbox.url)
    assert main(["count", "--status", "Failed"]) == 0
    assert capsys.readouterr().out.strip() == str(sandbox.count(status="Failed"))


def test_bad_filter_is_a_clear_error_and_no_request(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    sandbox.reset_stats()
    assert main(["count", *connection(sandbox), "--end_time", "31/01/2026"]) == 1
    err = capsys.readouterr().err
    assert "count: error: end_time '31/01/2026' is not an ISO 8601" in err
    assert sandbox.stats.requests == 0


def test_wrong_token_is_reported_without_it(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["count", "--token", "nope-123", "--base-url", sandbox.url]) == 1
    err = capsys.readouterr().err
    assert "401" in err and "TIMEPAY_API_TOKEN" in err
    assert "pass --token" in err and "token=..." not in err  # CLI words in a CLI hint
    assert err.count("\n") == 1
    assert "nope-123" not in err


@pytest.mark.parametrize(
    "command",
    [
        ["count"],
        ["export", "--out", "x.csv"],
        ["sync", "store"],
        ["report", "--out", "x.html"],
        ["dashboard"],
    ],
)
def test_no_token_fails_in_one_line_before_any_request(
    sandbox: SandboxServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    command: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TIMEPAY_API_TOKEN", raising=False)
    monkeypatch.setenv("TIMEPAY_BASE_URL", sandbox.url)
    sandbox.reset_stats()
    assert main(command) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert re.search(r"no API token: (pass --token or )?set TIMEPAY_API_TOKEN", err)
    assert "--sandbox" in err
    assert sandbox.stats.requests == 0
    assert list(tmp_path.iterdir()) == []


def test_sandbox_is_there_when_asked_and_says_so(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TIMEPAY_API_TOKEN", raising=False)
    assert main(["count", "--sandbox", "--type", "call"]) == 0
    captured = capsys.readouterr()
    with SandboxServer(n_logs=2450, seed=7) as same:
        assert captured.out.strip() == str(same.count(type="call"))
    assert "Sandbox data, not TimePay's" in captured.err
    assert main(["count", "--sandbox", "--token", "t"]) == 1
    assert "drop --token" in capsys.readouterr().err


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_export_writes_every_matching_log(
    sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str
) -> None:
    out = tmp_path / f"logs{suffix}"
    assert (
        main(
            [
                "export",
                *connection(sandbox),
                "--type",
                "call",
                "--status",
                "Completed",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    truth = sandbox.truth(type="call", status="Completed")
    assert f"wrote {len(truth):,} logs" in capsys.readouterr().out
    back = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out)
    assert back["call_id"].tolist() == [r["call_id"] for r in truth]
    promised = [json.loads(v) for v in back["extracted_data"]]
    assert promised == [r["extracted_data"] for r in truth]
    assert sandbox.token not in out.read_bytes().decode("utf-8", "replace")


def test_export_refuses_an_unknown_format(
    sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", *connection(sandbox), "--out", str(tmp_path / "logs.xlsx")]) == 1
    assert ".parquet or .csv" in capsys.readouterr().err


@pytest.mark.slow
def test_demo_runs_from_a_fresh_process(tmp_path: Path) -> None:
    report = tmp_path / "demo.html"
    env = {**os.environ, "MPLBACKEND": "Agg"}  # servers set it; the figures stay
    env.pop("TIMEPAY_API_TOKEN", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "timepay_notebook",
            "demo",
            "--latency-ms",
            "5",
            "--report",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
        env=env,
    )
    out = result.stdout
    assert "Loaded 2,450 logs (245 pages, 8 workers)" in out
    assert "Dispositions:" in out and "Promise to Pay" in out
    assert f"Report: {report}" in out
    html = report.read_text()
    assert "<title>TimePay sandbox: campaign report (Sandbox data, not TimePay's)</title>" in html
    assert 'class="timepay-sandbox-banner"' in html
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', html)) >= 4
