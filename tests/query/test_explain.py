"""``explain``: its own walk over the semantics agrees with the oracle, and names the blockers."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests import paths
from tests.strategies import (
    clusters,
    flow,
    flows,
    make_cluster,
    make_pod,
    make_policy,
    pod_peer,
    port,
    rule,
    sel,
)
from verifier.cli import app
from verifier.errors import UsageError
from verifier.load import load_cluster
from verifier.model import Direction
from verifier.oracle import decide, external_endpoint, pod_endpoint
from verifier.query.explain import explain, make_flow, parse_endpoint
from verifier.results import EndpointKind

SEED = str(paths.SEED)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_explain_agrees_with_oracle_rule_by_rule(data: st.DataObject) -> None:
    cluster = data.draw(clusters())
    f = data.draw(flows(cluster))
    ipblock_pods = data.draw(st.booleans())
    result = explain(cluster, f, ipblock_pods=ipblock_pods)
    decision = decide(cluster, f, ipblock_pods=ipblock_pods)
    assert not any("inconsistency" in n for n in result.notes)
    assert result.allowed == decision.allowed
    for side, oracle_side in ((result.egress, decision.egress), (result.ingress, decision.ingress)):
        if oracle_side is None:
            assert side is None or result.self_traffic
            continue
        assert side is not None
        assert side.isolated == oracle_side.isolated
        matched = {(r.rule.policy, r.rule.index) for p in side.policies for r in p.rules if r.matched}
        assert matched == {(r.policy, r.index) for r in oracle_side.allowed_by}
        # Every isolating policy the oracle names is listed as isolating, with all its rules.
        isolating = {p.policy.policy for p in side.policies if p.isolates}
        assert isolating == {r.policy for r in oracle_side.policies}
    if not result.allowed:
        assert result.blockers
    else:
        assert not result.blockers


def _seed():
    return load_cluster([SEED]).cluster


def test_except_range_is_named_as_the_blocker() -> None:
    cluster = _seed()
    result = explain(cluster, make_flow(cluster, "other/batch", "default/db", "6379/TCP"))
    assert not result.allowed
    text = "\n".join(result.blockers)
    assert "172.17.1.50 is in the except 172.17.1.0/24" in text
    assert "namespace other needs project=myproject, but has project=other" in text
    assert "selects namespace default only" in text


def test_port_and_protocol_mismatches() -> None:
    cluster = _seed()
    udp = explain(cluster, make_flow(cluster, "default/frontend", "default/db", "6379/UDP"))
    assert not udp.allowed and "protocol TCP, the flow is UDP" in "\n".join(udp.blockers)
    other = explain(cluster, make_flow(cluster, "default/frontend", "default/db", "80/TCP"))
    assert not other.allowed and "port 80 is not 6379" in "\n".join(other.blockers)


def test_named_port_absent_on_destination() -> None:
    db = make_pod("x", "db", {"app": "db"}, ["10.0.0.1"], [("redis", 6379)])
    web = make_pod("x", "web", {"app": "web"}, ["10.0.0.2"])
    pol = make_policy("x", "p", sel(app="db"), ingress=[rule([pod_peer(sel(app="web"))], [port("metrics")])])
    cluster = make_cluster([db, web], [pol])
    f = flow(pod_endpoint(cluster, web), pod_endpoint(cluster, db), 6379)
    result = explain(cluster, f)
    assert not result.allowed
    assert "defines no port named metrics/TCP" in "\n".join(result.blockers)


def test_policy_with_no_rules_denies_all_and_not_isolating_policy_says_why() -> None:
    a = make_pod("x", "a", {"app": "a"}, ["10.0.0.1"])
    b = make_pod("x", "b", {"app": "b"}, ["10.0.0.2"])
    deny = make_policy("x", "deny", sel(app="b"), ingress=[])
    egress_only = make_policy("x", "eg", sel(app="b"), egress=[rule()], policy_types=["Egress"])
    cluster = make_cluster([a, b], [deny, egress_only])
    result = explain(cluster, flow(pod_endpoint(cluster, a), pod_endpoint(cluster, b)))
    assert not result.allowed
    assert any("has no Ingress rules" in b for b in result.blockers)
    assert result.ingress is not None
    reasons = {p.policy.policy: p.reason for p in result.ingress.policies}
    assert "not Ingress" in reasons["x/eg"]


def test_parse_endpoint_forms() -> None:
    cluster = _seed()
    assert parse_endpoint(cluster, "default/db").name == "db"
    by_ip = parse_endpoint(cluster, "172.17.1.20")
    assert by_ip.kind is EndpointKind.POD and by_ip.name == "frontend"
    assert parse_endpoint(cluster, "8.8.8.8") == external_endpoint("8.8.8.8")
    hypo = parse_endpoint(cluster, "ns:myproject,ip:172.17.9.9,labels:app=api,tier=web")
    assert hypo.kind is EndpointKind.NEW_POD
    assert hypo.labels == {"app": "api", "tier": "web"}
    assert hypo.namespace_labels["project"] == "myproject"
    assert parse_endpoint(cluster, "ns:brand-new").new_namespace
    for bad in ("default/nope", "ns:", "garbage", "ns:x,ip:999.1.1.1"):
        with pytest.raises(UsageError):
            parse_endpoint(cluster, bad)


def test_hypothetical_pod_in_namespace_selected_by_peer_is_allowed() -> None:
    cluster = _seed()
    f = make_flow(cluster, "ns:myproject,labels:app=anything", "default/db", "redis/TCP")
    assert f.port == 6379
    result = explain(cluster, f)
    assert result.allowed == decide(cluster, f).allowed is True
    assert "the source's IP is unknown" in " ".join(result.notes)


def test_cli_explain_json_and_bad_port(runner: CliRunner) -> None:
    out = runner.invoke(
        app,
        ["explain", SEED, "--from", "other/batch", "--to", "default/db", "--port", "6379/TCP", "-f", "json"],
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["schema"] == "netverify.explain/v1"
    assert data["allowed"] is False and data["blockers"]
    assert data["ingress"]["direction"] == Direction.INGRESS.value
    bad = runner.invoke(
        app, ["explain", SEED, "--from", "other/batch", "--to", "default/db", "--port", "1-5"]
    )
    assert bad.exit_code == 2
