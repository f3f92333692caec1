"""`timepay-notebook report`: a self-contained HTML report, checked as text and in a real browser."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from tests.helpers import CHROMIUM_ARGS
from timepay_notebook.cli import main
from timepay_notebook.errors import ReportError
from timepay_notebook.report.render import (
    check_figures,
    execute,
    inject_parameters,
    notebook_source,
    render_report,
)
from timepay_notebook.sandbox import SandboxServer

pytestmark = pytest.mark.slow  # kernels and browsers: `pytest -m "not slow"` skips them

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def srv() -> Iterator[SandboxServer]:
    with SandboxServer(n_logs=2450, seed=7) as s:
        yield s


@pytest.fixture(scope="module")
def report(srv: SandboxServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "january.html"
    code = main(
        [
            "report",
            "--token",
            srv.token,
            "--base-url",
            srv.url,
            "--title",
            "January collections",
            "--start_time",
            "2026-01-01",
            "--end_time",
            "2026-01-31",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    return out


def test_the_report_has_its_title_kpis_and_figures(report: Path, srv: SandboxServer) -> None:
    html = report.read_text()
    assert "<title>January collections</title>" in html
    assert "January collections" in re.sub(r"<title>.*?</title>", "", html)
    assert "Contact rate" in html and "PTP rate (per contact)" in html  # the KPI table
    january = srv.count(start_time="2026-01-01T00:00:00", end_time="2026-01-31T23:59:59")
    assert f"{january:,} attempts" in html  # computed commentary
    assert "promised, each promise counted once" in html  # the net amount, in rupees
    assert re.search(r"\u20b9\d{1,2}(,\d\d)*,\d{3} promised", html)  # Indian grouping
    assert "Among hours from 08:00-19:00 with at least 30 attempts" in html  # calls, window
    assert "After adjusting for campaign and channel" in html  # agents compared fairly
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', html)) >= 3
    assert "Traceback" not in html
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in html  # no errors, no warnings


def test_the_report_hides_code_and_loads_nothing_from_the_network(report: Path) -> None:
    html = report.read_text()
    assert "load_logs(" not in html  # code hidden
    assert not re.findall(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="(?:https?:)?//', html)
    assert "@import" not in html


def test_the_token_reaches_neither_report_nor_notebook(report: Path, srv: SandboxServer) -> None:
    assert srv.token not in report.read_text()
    notebook = notebook_source()
    inject_parameters(notebook, {"title": "T", "mask_pii": False})
    execute(notebook, env={"TIMEPAY_API_TOKEN": srv.token, "TIMEPAY_BASE_URL": srv.url})
    executed = nbformat.writes(notebook)
    assert "Headline" in executed and "attempts on" in executed  # it ran, with outputs
    assert srv.token not in executed


def test_include_code_shows_the_code(srv: SandboxServer, tmp_path: Path) -> None:
    out = tmp_path / "with-code.html"
    env = {"TIMEPAY_API_TOKEN": srv.token, "TIMEPAY_BASE_URL": srv.url}
    render_report(
        out, {"title": "T", "campaign_id": "tcELESaJAtDfnWxJvzLU"}, include_code=True, env=env
    )
    html = out.read_text()
    assert "load_logs" in html and "tcELESaJAtDfnWxJvzLU" in html
    assert srv.token not in html


def test_mask_pii_leaves_no_customer_name_or_number(srv: SandboxServer, tmp_path: Path) -> None:
    out = tmp_path / "masked.html"
    assert (
        main(
            [
                "report",
                "--token",
                srv.token,
                "--base-url",
                srv.url,
                "--mask-pii",
                "--include-code",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    html = out.read_text()
    truth = srv.truth()
    for field in ("name", "to", "loan_id"):
        leaked = {r[field] for r in truth if r[field] in html}
        assert not leaked, (field, sorted(leaked)[:5])
    assert "Loan " in html  # pseudonyms in the attempts-per-loan table


def test_a_failing_cell_is_a_plain_error_and_a_nonzero_exit(
    srv: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "report",
            "--token",
            "wrong-token",
            "--base-url",
            srv.url,
            "--out",
            str(tmp_path / "x.html"),
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1  # one line
    setup = notebook_source().cells[1].source.splitlines()
    line = next(i for i, text in enumerate(setup, 1) if text.startswith("df = client.load_logs("))
    assert f"report failed in cell 2, line {line} (df = client.load_logs(" in err  # that line
    assert "AuthenticationError" in err
    assert "--token" in err and "token=..." not in err  # the hint names the CLI's flag
    assert "Traceback" not in err and "wrong-token" not in err
    assert not (tmp_path / "x.html").exists()


def test_no_token_is_one_line_and_exit_1_not_a_sandbox_report(
    srv: SandboxServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TIMEPAY_API_TOKEN", raising=False)
    monkeypatch.setenv("TIMEPAY_BASE_URL", srv.url)
    out = tmp_path / "x.html"
    assert main(["report", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err == (
        "timepay-notebook report: error: no API token: pass --token or set TIMEPAY_API_TOKEN "
        "(or --sandbox for a local sandbox's sample data, not TimePay's)\n"
    )
    assert not out.exists()


def test_a_sandbox_report_says_so_and_keeps_its_figures_under_agg(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MPLBACKEND", "Agg")  # as on servers and CI machines
    monkeypatch.setenv("TIMEPAY_API_TOKEN", "a-real-token-the-sandbox-must-not-see")
    out = tmp_path / "sandbox.html"
    assert main(["report", "--sandbox", "--title", "Weekly", "--out", str(out)]) == 0
    html = out.read_text()
    assert "<title>Weekly (Sandbox data, not TimePay's)</title>" in html
    assert "<h1" in html and "Weekly (Sandbox data, not TimePay" in html.split("<h1", 1)[1]
    banner = html.index('class="timepay-sandbox-banner"')
    assert banner < html.index("<h1")  # above everything else in the page
    assert "position: sticky" in html[banner - 100 : banner + 300]
    drawing = [c for c in notebook_source().cells if ".plot." in c.source]
    figures = re.findall(r'<img [^>]*src="data:image/png;base64,', html)
    assert len(drawing) >= 4 and len(figures) >= len(drawing)
    assert "a-real-token-the-sandbox-must-not-see" not in html


def test_a_report_with_a_token_has_no_sandbox_banner(report: Path) -> None:
    html = report.read_text()
    assert "Sandbox data" not in html and "timepay-sandbox-banner" not in html


def test_a_cell_that_draws_but_shows_nothing_fails_the_report() -> None:
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("import matplotlib\nmatplotlib.use('Agg')  # lost figures"),
            nbformat.v4.new_code_cell(
                "import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()"
            ),
        ]
    )
    execute(notebook)
    with pytest.raises(ReportError, match=r"lost a figure: cell 2 draws \(plt.show\(\)\)"):
        check_figures(notebook)
    notebook.cells[0].source = "%matplotlib inline"
    execute(notebook)
    assert check_figures(notebook) == 1


def test_the_failing_line_is_named_even_inside_a_function() -> None:
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("x = 1"),
            nbformat.v4.new_code_cell("def f():\n    raise KeyError('boom')\n\ny = 2\nf()"),
        ]
    )
    with pytest.raises(ReportError) as caught:
        execute(notebook)
    assert str(caught.value) == "the report failed in cell 2, line 5 (f()): KeyError: 'boom'"


def test_bad_filters_fail_before_a_kernel_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--type", "fax", "--out", str(tmp_path / "x.html")]) == 1
    assert "type must be one of call, whatsapp" in capsys.readouterr().err


def test_parameters_go_right_after_the_parameters_cell() -> None:
    notebook = notebook_source()
    inject_parameters(notebook, {"title": "X", "mask_pii": True})
    tags = [c.metadata.get("tags", []) for c in notebook.cells]
    at = tags.index(["parameters"])
    assert tags[at + 1] == ["injected-parameters"]
    assert notebook.cells[at + 1].source == "# Parameters\ntitle = 'X'\nmask_pii = True\n"
    with pytest.raises(ValueError, match=r"unknown report parameter.*known: base_url, sandbox"):
        inject_parameters(notebook_source(), {"token": "x"})
    broken = notebook_source()
    broken.cells[0].metadata["tags"] = []
    with pytest.raises(ReportError, match="exactly one cell tagged 'parameters'"):
        inject_parameters(broken, {})


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")
def test_the_report_in_a_real_browser(report: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Offline, as a mailed report is read: the network is blocked, yet the figures show and the
    large table (attempts per loan) sorts when its header is clicked."""
    from playwright.sync_api import Route, sync_playwright

    blocked: list[str] = []
    problems: list[str] = []

    def offline(route: Route) -> None:
        if route.request.url.startswith(("file://", "data:")):
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.route("**/*", offline)
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(report.as_uri(), wait_until="load")
        sizes = page.eval_on_selector_all(
            "img", "imgs => imgs.map(i => [i.complete, i.naturalWidth])"
        )
        widths = page.eval_on_selector_all(
            "table", "ts => ts.map(t => Math.ceil(t.getBoundingClientRect().right))"
        )
        page_width = page.evaluate("document.documentElement.scrollWidth")
        loans = page.locator(
            "table.dataTable", has=page.get_by_role("columnheader", name="First attempt")
        )
        loans.locator("tbody tr").first.wait_for()
        shown = loans.locator("tbody tr")
        assert shown.count() == 10  # paginated
        column = [h.strip() for h in loans.locator("thead th").all_inner_texts()].index("Contacts")

        def contacts() -> list[int]:
            cells = loans.locator(f"tbody tr td:nth-child({column + 1})").all_inner_texts()
            return [int(c.replace(",", "")) for c in cells]

        def sort_by_contacts(previous: list[int]) -> list[int]:
            loans.get_by_role("columnheader", name="Contacts").click()
            for _ in range(100):  # DataTables redraws after the click's event loop turn
                now = contacts()
                if now != previous:
                    return now
                page.wait_for_timeout(100)
            return now

        before = contacts()
        ascending = sort_by_contacts(before)
        descending = sort_by_contacts(ascending)
        loan = shown.first.locator("td").first.inner_text().strip()
        page.locator("div.dt-container", has=loans).locator("input[type=search]").fill(loan)
        page.wait_for_function(
            "t => t.querySelectorAll('tbody tr').length === 1", arg=loans.element_handle()
        )
        found = shown.first.locator("td").first.inner_text().strip()
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "report.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert len(sizes) >= 3
    assert all(done and width > 0 for done, width in sizes), sizes
    assert len(widths) >= 5 and max(widths) <= 1280, widths  # every table fits at 1280 px
    assert page_width <= 1280  # nothing makes the page scroll sideways
    assert ascending == sorted(ascending) and descending == sorted(descending, reverse=True)
    assert ascending != before and descending != ascending  # the order changed
    assert found == loan  # searchable
    assert problems == []
    assert blocked == []  # nothing was even asked of the network
    assert shot.stat().st_size > 10_000
    with capsys.disabled():
        print(f"\n[artifact] report screenshot: {shot}")
