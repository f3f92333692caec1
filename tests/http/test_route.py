"""`Route`: the session's settings resolved once per load, each page sent through its adapter;
what a direct send would not honour goes through `session.get` as given."""

from __future__ import annotations

import pytest
import requests
import requests_cache
from requests.adapters import HTTPAdapter

import timepay_notebook as tp
from timepay_notebook.route import Route, prepared_url, query_url
from timepay_notebook.sandbox import SandboxServer
from timepay_notebook.transport import BearerAuth

URL = "https://api.example.invalid/api/v1/logs"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"page": "2"},
        {"phone_number": "+1 (555) 010-9999", "start_time": "2024-01-02 03:04:05"},
        {"status": "Completed,No Answer", "agent_id": "a/b?c=d&e#f", "x": "ünï~_.-%41"},
        {"phone_number": "+1 (555) 010-9999", "end_time": "2024-01-02 03:04:05", "page": "7"},
        {"agent_id": "a/b?c=d&e#f", "page": "12"},  # the filters' part from the memo
        {"page": "3", "x": "ünï"},  # `page` not last
    ],
)
def test_query_url_is_the_url_requests_prepares(params: dict[str, str]) -> None:
    request = requests.PreparedRequest()
    request.prepare_url(URL, params)
    assert query_url(prepared_url(URL), params) == request.url


def test_a_plain_session_gets_a_route_with_its_settings() -> None:
    session = requests.Session()
    session.headers["X-Trace"] = "abc"
    session.verify = "/etc/ssl/certs/ca-certificates.crt"
    session.proxies = {"https": "http://proxy.invalid:3128"}
    session.trust_env = False
    route = Route.resolve(session, URL, BearerAuth("secret"))
    assert route is not None
    assert route.headers["X-Trace"] == "abc"
    assert route.headers["Authorization"] == "Bearer secret"
    assert route.settings["verify"] == "/etc/ssl/certs/ca-certificates.crt"
    assert route.settings["proxies"] == {"https": "http://proxy.invalid:3128"}


def test_sessions_a_direct_send_would_not_honour_have_no_route(tmp_path: object) -> None:
    auth = BearerAuth("secret")
    cached = requests_cache.CachedSession(backend="memory")
    assert Route.resolve(cached, URL, auth) is None
    mounted = requests.Session()

    class Mine(HTTPAdapter):
        pass

    mounted.mount("https://", Mine())
    assert Route.resolve(mounted, URL, auth) is None
    for change in ("cookies", "params", "hooks"):
        session = requests.Session()
        if change == "cookies":
            session.cookies.set("sticky", "1")
        elif change == "params":
            session.params = {"tenant": "x"}
        else:
            session.hooks["response"].append(lambda response, **_: response)
        assert Route.resolve(session, URL, auth) is None, change


def test_the_routed_send_uses_the_session_proxy(sandbox: SandboxServer) -> None:
    session = requests.Session()
    session.trust_env = False
    with tp.TimePayClient(
        sandbox.token, sandbox.url, session=session, cache=False, progress=False, retries=0
    ) as client:
        assert client.count_logs() == sandbox.count()  # routed, no proxy
        session.proxies = {"http": "http://127.0.0.1:9"}  # nothing listens there: refused
        with pytest.raises(tp.NetworkError):
            client.count_logs()  # the next load resolves the route again, with the proxy


def test_one_operation_keeps_the_route_it_began_with(sandbox: SandboxServer) -> None:
    """Inside `one_operation` (a sync's counts and pulls) the settings read at its start hold;
    after it, even when left by an error, the next load reads them again."""
    session = requests.Session()
    session.trust_env = False
    with tp.TimePayClient(
        sandbox.token, sandbox.url, session=session, cache=False, progress=False, retries=0
    ) as client:
        with client.one_operation():
            session.proxies = {"http": "http://127.0.0.1:9"}  # nothing listens there
            assert client.count_logs() == sandbox.count()  # still the route resolved at start
            assert len(client.load_logs(status="Completed")) == sandbox.count(status="Completed")
        with pytest.raises(tp.NetworkError):
            client.count_logs()  # resolved again: through the dead proxy
        session.proxies = {}

        def fails_inside() -> None:
            with client.one_operation():
                session.proxies = {"http": "http://127.0.0.1:9"}
                raise RuntimeError("left by an error")

        with pytest.raises(RuntimeError):
            fails_inside()
        with pytest.raises(tp.NetworkError):
            client.count_logs()


def test_the_routed_send_uses_the_environment_proxy(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.delenv("no_proxy", raising=False)
    with tp.TimePayClient(
        sandbox.token, sandbox.url, cache=False, progress=False, retries=0
    ) as client:
        with pytest.raises(tp.NetworkError):
            client.count_logs()
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        assert client.count_logs() == sandbox.count()


def test_a_redirect_is_followed_as_the_session_would(sandbox: SandboxServer) -> None:
    """An unproxied GET answered with a 307 is sent again through `session.get`, which follows
    it as requests does: to the sandbox, here, on another port, so without the token (requests
    drops `Authorization` when a redirect changes the origin), and the sandbox answers 401."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Redirect(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(307)
            self.send_header("Location", sandbox.url + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        with tp.TimePayClient(sandbox.token, url, cache=False, progress=False) as client:
            assert client._transport._route is not None  # the direct route is taken first
            with pytest.raises(tp.AuthenticationError) as caught:
                client.count_logs(type="call")
        assert caught.value.url.startswith(sandbox.url + "/api/v1/logs?")  # followed
    finally:
        server.shutdown()
        server.server_close()
