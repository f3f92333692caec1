"""`python -m timepay_notebook sandbox`: serves the API over HTTP until interrupted."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
import requests


@pytest.mark.slow
def test_sandbox_command_serves_until_interrupted() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "timepay_notebook",
            "sandbox",
            "--port",
            "0",
            "--logs",
            "25",
            "--token",
            "cli-test-token",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]
        url = next(line.split("=", 1)[1].strip() for line in lines if "TIMEPAY_BASE_URL" in line)
        assert "TIMEPAY_API_TOKEN=cli-test-token" in "".join(lines)
        r = requests.get(
            f"{url}/api/v1/logs",
            params={"count_only": "true"},
            headers={"Authorization": "Bearer cli-test-token"},
            timeout=10,
        )
        assert r.json() == {"success": True, "total": 25}
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "stopped" in err
