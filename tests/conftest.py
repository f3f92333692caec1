"""Shared fixtures: a sandbox on 127.0.0.1 and a raw HTTP helper for talking to it."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
import requests

from timepay_notebook.sandbox import SandboxServer


@pytest.fixture(scope="session")
def sandbox() -> Iterator[SandboxServer]:
    """The default sandbox (2,450 logs, seed 7), shared by read-only tests."""
    with SandboxServer(n_logs=2450, seed=7) as srv:
        yield srv


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture(autouse=True, scope="session")
def private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Clients' default cache goes to a temporary directory, never the user's."""
    patch = pytest.MonkeyPatch()
    patch.setenv("TIMEPAY_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def close_figures() -> Iterator[None]:
    """Figures a test opened (plots, README examples) are closed after it."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
