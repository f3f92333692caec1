"""The sandbox's data: deterministic, realistic, separated by tenant."""

from __future__ import annotations

import ast
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from tests.helpers import get
from timepay_notebook.sandbox import SandboxServer


@pytest.fixture(scope="module")
def big() -> SandboxServer:
    with SandboxServer(n_logs=30_000, seed=5) as srv:
        yield srv


def test_same_seed_same_data_other_seed_other_data() -> None:
    a = SandboxServer(n_logs=300, seed=42)
    b = SandboxServer(n_logs=300, seed=42)
    c = SandboxServer(n_logs=300, seed=43)
    assert a.truth() == b.truth()
    assert a.truth() != c.truth()
    assert {r["to"] for r in a.truth()} != {r["to"] for r in c.truth()}


def test_ids_are_unique(big: SandboxServer) -> None:
    ids = [r.get("call_id") or r["message_id"] for r in big.truth()]
    assert len(set(ids)) == len(ids)


def test_each_loan_is_attempted_repeatedly_over_weeks(big: SandboxServer) -> None:
    dates: dict[str, list[str]] = defaultdict(list)
    for r in big.truth():
        dates[r["loan_id"]].append(r["date"])
    attempts = [len(v) for v in dates.values()]
    assert statistics.mean(attempts) >= 8
    spans = [len(set(v)) for v in dates.values() if len(v) >= 8]
    assert statistics.median(spans) >= 5  # attempts spread over many days


def test_campaigns_agents_and_channels(big: SandboxServer) -> None:
    records = big.truth()
    assert len({r["campaign_id"] for r in records}) >= 5
    assert len({r["agent_id"] for r in records}) >= 8
    types = Counter(r["type"] for r in records)
    assert 0.1 < types["whatsapp"] / len(records) < 0.5
    names = {r["campaign_id"]: r["campaign_name"] for r in records}
    assert all(big.count(campaign_id=cid) > 0 for cid in names)


def _contact_rate(records: list[dict[str, object]]) -> float:
    return sum(r["status"] == "Completed" for r in records) / len(records)


def test_contact_rate_depends_on_hour_campaign_and_agent(big: SandboxServer) -> None:
    calls = big.truth(type="call")
    by_hour = defaultdict(list)
    for r in calls:
        by_hour[int(r["start_time"][11:13])].append(r)
    assert _contact_rate(by_hour[18]) > _contact_rate(by_hour[9]) + 0.08  # calls end by 19:00
    by_campaign = defaultdict(list)
    for r in calls:
        by_campaign[r["campaign_name"]].append(r)
    rates = {k: _contact_rate(v) for k, v in by_campaign.items()}
    assert max(rates.values()) - min(rates.values()) > 0.1


def test_promise_rate_differs_by_agent(big: SandboxServer) -> None:
    completed = big.truth(type="call", status="Completed")
    by_agent: dict[str, list[bool]] = defaultdict(list)
    for r in completed:
        by_agent[r["agent_id"]].append(r["disposition"] == "Promise to Pay")
    shares = [sum(v) / len(v) for v in by_agent.values() if len(v) > 300]
    assert max(shares) - min(shares) > 0.1


def test_durations_follow_the_outcome(big: SandboxServer) -> None:
    calls = big.truth(type="call")

    def median(disposition: str) -> float:
        return statistics.median(r["duration"] for r in calls if r["disposition"] == disposition)

    assert median("Promise to Pay") > 2 * median("Not Interested")
    assert median("No Answer") == 0
    assert 5 < median("Voicemail") < 60


@pytest.mark.slow
def test_dispositions_belong_to_their_status(big: SandboxServer) -> None:
    pairs = Counter((r["status"], r["disposition"]) for r in big.truth())
    statuses = defaultdict(set)
    for status, disposition in pairs:
        statuses[disposition].add(status)
    assert all(len(s) == 1 for s in statuses.values())
    assert {
        "Voicemail",
        "Promise to Pay",
        "Not Interested",
        "Callback Requested",
        "Already Paid",
    } <= set(statuses)


def test_tenants_have_separate_data() -> None:
    tokens = {"token-acme": "acme", "token-beta": "beta", "token-acme-2": "acme"}
    with SandboxServer(n_logs=40, tokens=tokens) as srv:
        acme = get(srv, token="token-acme").json()["data"]
        acme_again = get(srv, token="token-acme-2").json()["data"]
        beta = get(srv, token="token-beta").json()["data"]
        assert acme == acme_again == srv.truth(tenant="acme")[:10]
        assert beta == srv.truth(tenant="beta")[:10]
        assert {r["loan_id"] for r in acme}.isdisjoint({r["loan_id"] for r in beta})
        srv.add_logs(5, tenant="beta")
        assert srv.count(tenant="acme") == 40 and srv.count(tenant="beta") == 45


def test_sandbox_imports_nothing_from_the_client_side() -> None:
    root = Path(__import__("timepay_notebook.sandbox").sandbox.__file__).parent
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                assert not node.module.startswith("timepay_notebook"), (path, node.module)
                assert not node.module.startswith(("pandas", "requests")), (path, node.module)
            if isinstance(node, ast.ImportFrom) and node.level > 1:
                raise AssertionError(f"{path.name} imports from outside the sandbox package")
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith(("timepay_notebook", "pandas", "requests"))
