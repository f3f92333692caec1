"""HTTP helpers the tests share: raw requests to the sandbox's logs endpoint."""

from __future__ import annotations

from typing import Any

import requests

from timepay_notebook.sandbox import SandboxServer

LOGS = "/api/v1/logs"


def get(srv: SandboxServer, session: requests.Session | None = None, token: str | None = "default",
        **params: Any) -> requests.Response:  # fmt: skip
    """GET the logs endpoint; `token="default"` sends the sandbox's token, None sends none."""
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {srv.token if token == 'default' else token}"
    return (session or requests).get(f"{srv.url}{LOGS}", params=params, headers=headers, timeout=10)


def all_pages(srv: SandboxServer, session: requests.Session, **params: Any) -> list[dict[str, Any]]:
    """Every record for `params`, fetched page by page until `has_next` is false."""
    records: list[dict[str, Any]] = []
    page = 1
    while True:
        body = get(srv, session, page=page, **params).json()
        records += body["data"]
        if not body["pagination"]["has_next"]:
            return records
        page += 1
