"""The campaign report's collections sections: Promises, Attempts, Contact policy, Funnel."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from timepay_notebook.report.render import render_report
from timepay_notebook.sandbox import SandboxServer

pytestmark = pytest.mark.slow  # a kernel


def test_the_report_has_the_collections_sections(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    with SandboxServer(n_logs=2450, seed=7) as srv:
        env = {"TIMEPAY_API_TOKEN": srv.token, "TIMEPAY_BASE_URL": srv.url}
        render_report(out, {"title": "T", "start_time": "2026-01-01"}, env=env)
    html = out.read_text()
    headings = re.findall(r"<h2[^>]*>(.*?)<", html)
    assert headings[-4:] == ["Promises", "Attempts", "Contact policy", "Funnel"]
    assert re.search(r"promised net of renewals .* kept \(\u20b9", html)  # the net amount
    assert "of the promises that came due were kept" in html
    assert "A loan&#x27;s first call reached the customer" in html or (
        "A loan's first call reached the customer" in html
    )
    assert re.search(r"calls? of [\d,]+ broke the contact policy \(call window: \d+", html)
    assert re.search(r"(?i)<th[^>]*>rule</th>", html)  # the table of breaches
    assert "reached the last stage, kept" in html
    assert "Traceback" not in html
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in html
