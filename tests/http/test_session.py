"""`TimePayClient(session=...)`: the caller's `requests.Session`, with its adapters, headers and
proxies, used as given; a transport adapter answering canned pages lets the client run without a
server."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import requests
import urllib3
from requests.adapters import BaseAdapter, HTTPAdapter

import timepay_notebook as tp
from timepay_notebook.frames import to_frame
from timepay_notebook.protocol import PAGE_SIZE
from timepay_notebook.sandbox import SandboxServer

TOKEN = "canned-token"
BASE = "https://timepay.invalid"


def records(n: int) -> list[dict[str, Any]]:
    """`n` distinct call logs, newest first, as the API would send them."""
    return [
        {
            "call_id": f"call-{i:04d}",
            "date": "2026-01-17",
            "start_time": f"2026-01-17T08:{59 - i // 60:02d}:{59 - i % 60:02d}",
            "end_time": "2026-01-17T09:30:00",
            "campaign_id": "camp-1",
            "duration": i,
            "direction": "outbound",
            "from": "+918888888888",
            "to": f"99999{i:05d}",
            "status": "Completed" if i % 3 else "Failed",
            "disposition": "Promise to Pay" if i % 2 else "Voicemail",
            "agent_id": "agent-1",
            "type": "call",
            "extracted_data": {},
        }
        for i in range(n)
    ]


class CannedAPI(BaseAdapter):
    """A transport adapter answering `GET /api/v1/logs` from a list, `PAGE_SIZE` a page."""

    def __init__(self, logs: list[dict[str, Any]]) -> None:
        super().__init__()
        self.logs = logs
        self.sent: list[requests.PreparedRequest] = []
        self.proxies: list[Any] = []

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        self.sent.append(request)
        self.proxies.append(proxies)
        url = str(request.url)
        query = {k: v[-1] for k, v in parse_qs(urlsplit(url).query).items()}
        status, body = 200, self.answer(request, query)
        if body is None:
            status, body = 401, {"success": False, "message": "invalid token"}
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(json.dumps(body).encode()),
            headers={"Content-Type": "application/json"},
            status=status,
            reason="OK" if status == 200 else "Unauthorized",
            preload_content=False,
            request_url=url,
        )
        return HTTPAdapter().build_response(request, raw)

    def answer(self, request: requests.PreparedRequest, query: dict[str, str]) -> Any:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return None
        if query.get("count_only") == "true":
            return {"success": True, "total": len(self.logs)}
        page = int(query.get("page", "1"))
        pages = math.ceil(len(self.logs) / PAGE_SIZE)
        data = self.logs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
        pagination = {"page": page, "total": len(self.logs), "total_pages": pages}
        return {
            "success": True,
            "data": data,
            "pagination": {**pagination, "has_next": page < pages},
        }

    def close(self) -> None:
        pass


def canned_session(logs: list[dict[str, Any]]) -> tuple[requests.Session, CannedAPI]:
    session = requests.Session()
    adapter = CannedAPI(logs)
    session.mount(BASE, adapter)
    return session, adapter


def test_an_injected_session_with_a_canned_adapter_loads_a_multi_page_frame() -> None:
    logs = records(47)
    session, api = canned_session(logs)
    with tp.TimePayClient(TOKEN, BASE, session=session, cache=False, progress=False) as client:
        frame = client.load_logs()
        assert client.count_logs() == 47
        assert client.session is session
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), to_frame(logs))
    assert frame.attrs["pages_fetched"] == 5 and frame.attrs["complete"]
    pages = sorted(parse_qs(urlsplit(str(r.url)).query).get("page", ["-"])[0] for r in api.sent)
    assert pages == ["-", "1", "2", "3", "4", "5"]  # five pages and the count
    assert session.adapters[BASE] is api  # the caller's adapter was kept, not replaced
    assert api.sent[0].headers["User-Agent"].startswith("python-requests")  # not rewritten
    session.get(f"{BASE}/api/v1/logs", timeout=1)  # the client did not close the caller's session


def test_a_bad_token_through_an_injected_session_is_an_authentication_error() -> None:
    session, _ = canned_session(records(3))
    with tp.TimePayClient("wrong", BASE, session=session, cache=False, progress=False) as client:
        with pytest.raises(tp.AuthenticationError):
            client.load_logs()


def test_the_cache_works_over_any_session(tmp_path: Path) -> None:
    logs = records(23)
    session, api = canned_session(logs)
    options: dict[str, Any] = {"session": session, "progress": False}
    with tp.TimePayClient(TOKEN, BASE, cache=tmp_path / "c.sqlite", **options) as client:
        first = client.load_logs()
    sent = len(api.sent)
    with tp.TimePayClient(TOKEN, BASE, cache=tmp_path / "c.sqlite", **options) as client:
        second = client.load_logs()
        assert client.cache_info()["entries"] == 3
    assert len(api.sent) == sent  # every page came from the cache
    assert second.attrs["pages_from_cache"] == 3
    pd.testing.assert_frame_equal(first, second)
    with tp.TimePayClient("revoked", BASE, cache=tmp_path / "c.sqlite", **options) as client:
        with pytest.raises(tp.AuthenticationError):
            client.load_logs()
        assert client.cache_info()["entries"] == 3  # the 401 was not stored
        assert client.clear_cache() == 3
        assert client.cache_info()["entries"] == 0


def test_a_session_with_headers_and_proxies_is_used_as_given(sandbox: SandboxServer) -> None:
    session = requests.Session()
    session.headers["X-Corporate-Trace"] = "abc-123"
    session.proxies = {"https": "http://proxy.invalid:3128"}  # only https: the sandbox is http
    session.trust_env = False
    sent: list[requests.PreparedRequest] = []
    session.hooks["response"].append(lambda response, **_: sent.append(response.request))
    with tp.TimePayClient(
        sandbox.token, sandbox.url, session=session, cache=False, progress=False
    ) as client:
        assert client.count_logs(type="call") == sandbox.count(type="call")
        # requests' default adapters only: the client mounted its pooled one (4 workers + 2)
        adapter = session.get_adapter(sandbox.url)
        assert isinstance(adapter, HTTPAdapter) and adapter._pool_maxsize == 6
    assert sent and all(r.headers["X-Corporate-Trace"] == "abc-123" for r in sent)
    assert session.proxies == {"https": "http://proxy.invalid:3128"}
    assert session.headers["X-Corporate-Trace"] == "abc-123"
    assert session.get(f"{sandbox.url}/api/v1/logs", timeout=5).status_code == 401  # still open


def test_the_proxy_of_an_injected_session_reaches_its_adapter() -> None:
    session, api = canned_session(records(5))
    session.proxies = {"https": "http://proxy.corp.invalid:3128"}
    session.trust_env = False
    with tp.TimePayClient(TOKEN, BASE, session=session, cache=False, progress=False) as client:
        client.load_logs()
    assert api.proxies and all(
        p.get("https") == "http://proxy.corp.invalid:3128" for p in api.proxies
    )


def test_session_must_be_a_requests_session() -> None:
    with pytest.raises(TypeError, match=r"requests\.Session"):
        tp.TimePayClient(TOKEN, BASE, session="not a session", cache=False)  # type: ignore[arg-type]
