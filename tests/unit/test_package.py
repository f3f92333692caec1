"""The package's public surface: `__all__` is complete and importable, the CLI entry points run."""

from __future__ import annotations

import inspect
import subprocess
import sys
import types
from pathlib import Path

import pytest

import timepay_notebook


def test_all_is_complete_and_importable() -> None:
    public = {
        name
        for name, value in vars(timepay_notebook).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public <= set(timepay_notebook.__all__), public - set(timepay_notebook.__all__)
    for name in timepay_notebook.__all__:
        assert hasattr(timepay_notebook, name), name
    assert len(set(timepay_notebook.__all__)) == len(timepay_notebook.__all__)


def test_every_public_callable_has_a_docstring() -> None:
    for name in timepay_notebook.__all__:
        value = getattr(timepay_notebook, name)
        if callable(value):
            assert inspect.getdoc(value), name


@pytest.mark.slow
def test_module_entry_point_shows_help() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "timepay_notebook", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for command in ("demo", "sandbox"):
        assert command in out


def test_every_subpackage_is_listed_for_setuptools() -> None:
    """A subpackage missing from pyproject's list is left out of a wheel (not of an editable
    install, so only a non-editable install would notice)."""
    import tomllib

    root = Path(__file__).resolve().parents[2]
    listed = set(
        tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(root).parts)
        for init in (root / "timepay_notebook").rglob("__init__.py")
    }
    assert found <= listed, sorted(found - listed)
