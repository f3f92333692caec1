"""The explorer notebook, live: `timepay-notebook dashboard` serves it with Voila against the
sandbox, and headless Chromium drives it."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import CHROMIUM_ARGS, free_port
from timepay_notebook.sandbox import SandboxServer

pytestmark = pytest.mark.slow  # kernels and browsers: `pytest -m "not slow"` skips them

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port}")


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)")
def test_the_explorer_follows_a_changed_filter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from playwright.sync_api import sync_playwright

    with SandboxServer(n_logs=1200, seed=3) as srv:
        port = free_port()
        env = {
            **os.environ,
            "TIMEPAY_API_TOKEN": srv.token,
            "TIMEPAY_BASE_URL": srv.url,
            "TIMEPAY_CACHE_DIR": str(tmp_path / "cache"),
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "timepay_notebook", "dashboard", "--port", str(port)],
            env={**env, "MPLBACKEND": "Agg"},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            wait_for_port(port)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1300, "height": 1100})
                page.set_default_timeout(90_000)
                page.goto(f"http://127.0.0.1:{port}/")
                calls = srv.count(type="call")
                page.get_by_text(re.compile(rf"{calls:,}\s*logs \(type=call\)")).wait_for()

                srv.reset_stats()
                page.get_by_label("Type", exact=True).fill("whatsapp")
                messages = srv.truth(type="whatsapp")
                page.get_by_text(
                    re.compile(rf"{len(messages):,}\s*logs \(type=whatsapp\)")
                ).wait_for()
                page.get_by_text(messages[0]["message_id"]).first.wait_for()  # the table followed
                content = page.content()
                assert "filter_panel(" not in content and "import timepay_notebook" not in content
                assert page.locator("img").count() >= 1  # the panel's plot, despite Agg
                shot = ROOT / "artifacts" / "explorer.png"
                shot.parent.mkdir(exist_ok=True)
                page.screenshot(path=str(shot), full_page=True)
                browser.close()
        finally:
            proc.terminate()  # the command stops Voila with it
            printed, _ = proc.communicate(timeout=30)
        assert f"Serving the explorer at http://127.0.0.1:{port}/" in printed
    counted = [r for r in srv.request_log if r.params.get("count_only") == "true"]
    assert [r.params.get("type") for r in counted] == ["whatsapp"]  # one preview for the change
    assert srv.stats.pages == dict.fromkeys(range(1, -(-len(messages) // 10) + 1), 1)
    with capsys.disabled():
        print(f"\n[artifact] explorer screenshot: {shot}")
