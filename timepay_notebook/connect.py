"""`connect()`: the client a notebook needs, against the real API or a local sandbox."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .client import BASE_URL_ENV, TOKEN_ENV, TimePayClient

if TYPE_CHECKING:
    from .sandbox import SandboxServer


class SandboxClient(TimePayClient):
    """A client of a sandbox it started; closing the client stops the sandbox."""

    def __init__(self, sandbox: SandboxServer, **options: Any) -> None:
        super().__init__(sandbox.token, sandbox.url, **{"cache": False, **options})
        self.sandbox = sandbox

    def close(self) -> None:
        super().close()
        self.sandbox.stop()


def connect(
    base_url: str | None = None, *, sandbox_logs: int = 2450, **options: Any
) -> TimePayClient:
    """A client from the environment; with no `TIMEPAY_API_TOKEN`, one on a local sandbox.

    So a notebook runs on a fresh machine: without a token it starts a `SandboxServer` (seeded
    data, `sandbox_logs` logs), says so, and returns a `SandboxClient` on it (no response cache:
    a sandbox's token is new each time).

    Args:
        base_url: the API's base URL (default: `TIMEPAY_BASE_URL`, then the TimePay API).
        sandbox_logs: how many logs a sandbox started here serves.
        **options: passed to `TimePayClient` (max_workers, cache, progress, ...).
    """
    if os.environ.get(TOKEN_ENV):
        return TimePayClient(base_url=base_url or os.environ.get(BASE_URL_ENV), **options)
    from .sandbox import SandboxServer  # only when used: the sandbox is a separate server

    sandbox = SandboxServer(n_logs=sandbox_logs).start()
    message = (
        f"No {TOKEN_ENV} is set: using a local sandbox of {sandbox_logs:,} logs at {sandbox.url}."
    )
    print(message)  # noqa: T201 - the notebook's reader should see where the data comes from
    return SandboxClient(sandbox, **options)
