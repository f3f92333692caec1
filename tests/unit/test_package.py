"""The package's public surface: `__all__` is complete and importable, the CLI entry points run."""

from __future__ import annotations

import inspect
import os
import signal
import subprocess
import sys
import types

import requests

import timepay_notebook


def test_all_is_complete_and_importable() -> None:
    public = {
        name for name, value in vars(timepay_notebook).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }  # fmt: skip
    assert public <= set(timepay_notebook.__all__), public - set(timepay_notebook.__all__)
    for name in timepay_notebook.__all__:
        assert hasattr(timepay_notebook, name), name
    assert len(set(timepay_notebook.__all__)) == len(timepay_notebook.__all__)


def test_every_public_callable_has_a_docstring() -> None:
    for name in timepay_notebook.__all__:
        value = getattr(timepay_notebook, name)
        if callable(value):
            assert inspect.getdoc(value), name


def test_module_entry_point_shows_help() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "timepay_notebook", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for command in ("demo", "sandbox"):
        assert command in out


def test_sandbox_command_serves_until_interrupted() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "timepay_notebook", "sandbox", "--port", "0", "--logs", "25",
         "--token", "cli-test-token"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]
        url = next(line.split("=", 1)[1].strip() for line in lines if "TIMEPAY_BASE_URL" in line)
        assert "TIMEPAY_API_TOKEN=cli-test-token" in "".join(lines)
        r = requests.get(
            f"{url}/api/v1/logs", params={"count_only": "true"},
            headers={"Authorization": "Bearer cli-test-token"}, timeout=10,
        )  # fmt: skip
        assert r.json() == {"success": True, "total": 25}
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "stopped" in err
