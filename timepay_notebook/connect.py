"""`connect()`: the client a notebook needs, against the real API or a local sandbox."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .client import BASE_URL_ENV, TOKEN_ENV, TimePayClient

if TYPE_CHECKING:
    from .sandbox import SandboxServer

SANDBOX_NOTICE = "Sandbox data, not TimePay's"


class SandboxClient(TimePayClient):
    """A client of a sandbox it started; closing the client stops the sandbox."""

    def __init__(self, sandbox: SandboxServer, **options: Any) -> None:
        super().__init__(sandbox.token, sandbox.url, **{"cache": False, **options})
        self.sandbox = sandbox

    def close(self) -> None:
        super().close()
        self.sandbox.stop()


def connect(
    base_url: str | None = None,
    *,
    sandbox: bool | None = None,
    sandbox_logs: int = 2450,
    sandbox_seed: int = 7,
    **options: Any,
) -> TimePayClient:
    """A client from the environment, or one on a local sandbox of seeded sample data.

    So a notebook runs on a fresh machine: without a token (and `sandbox` left at None) it
    starts a `SandboxServer`, says so, and returns a `SandboxClient` on it (no response cache:
    a sandbox's token is new each time). `is_sandbox(client)` tells which one you got; reports
    label sandbox data as such.

    Args:
        base_url: the API's base URL (default: `TIMEPAY_BASE_URL`, then the TimePay API).
        sandbox: True always uses a local sandbox; False never does (no token is then an
            `AuthenticationError`); None uses one only when `TIMEPAY_API_TOKEN` is not set.
        sandbox_logs: how many logs a sandbox started here serves.
        sandbox_seed: the seed of the sandbox's data (the same seed, the same logs).
        **options: passed to `TimePayClient` (max_workers, cache, progress, ...).
    """
    if sandbox is False or (sandbox is None and os.environ.get(TOKEN_ENV)):
        return TimePayClient(base_url=base_url or os.environ.get(BASE_URL_ENV), **options)
    from .sandbox import SandboxServer  # only when used: the sandbox is a separate server

    server = SandboxServer(n_logs=sandbox_logs, seed=sandbox_seed).start()
    why = "as asked" if sandbox else f"no {TOKEN_ENV} is set"
    message = (
        f"{SANDBOX_NOTICE} ({why}): using a local sandbox of {sandbox_logs:,} logs at {server.url}."
    )
    print(message)  # noqa: T201 - the notebook's reader should see where the data comes from
    return SandboxClient(server, **options)


def is_sandbox(client: TimePayClient) -> bool:
    """Whether `client` reads a sandbox `connect()` started (sample data, not TimePay's)."""
    return isinstance(client, SandboxClient)
