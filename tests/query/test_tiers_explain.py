"""``explain`` with cluster-wide tiers: the chain Admin tier -> NetworkPolicies -> Baseline tier
-> default per direction, the rule and tier that decided, undecided flows as UNKNOWN.

Clusters are built with the shared builders (tests/strategies.py); the rendered text is read
as a person would: it must name the deciding rule and its tier."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.strategies import flow as make_flow
from tests.strategies import (
    flows,
    make_cluster,
    make_pod,
    make_policy,
    make_tier_policy,
    pod_peer,
    rule,
    sel,
    t_domains,
    t_namespaces,
    t_networks,
    t_pods,
    t_port,
    t_rule,
    tiered_clusters,
)
from verifier.cli import app
from verifier.cli.exit_codes import EXIT_OK, EXIT_UNKNOWN, exit_code
from verifier.model import Cluster, NetworkPolicy, TierPolicy
from verifier.oracle import decide, external_endpoint, pod_endpoint
from verifier.query.explain import explain
from verifier.report.console import console_for
from verifier.report.explain import explain_json, render_explain
from verifier.results import Explanation, Flow

NAMESPACES = {"prod": {"env": "prod"}, "dev": {"env": "dev"}}
A = make_pod("prod", "a", {"app": "a"}, ["10.0.0.1"])
B = make_pod("dev", "b", {"app": "b"}, ["10.0.1.1"], ports=[("http", 80)])

DENY_DEV = make_tier_policy(
    "deny-dev",
    10,
    namespaces=sel(env="prod"),
    egress=[
        t_rule("Allow", [t_pods(sel(app="nobody"))], name="allow-nobody"),
        t_rule("Deny", [t_namespaces(sel(env="dev"))], [t_port(80)], name="block-dev"),
        t_rule("Allow", [t_namespaces()], name="allow-rest"),
    ],
)
LATER = make_tier_policy("later", 20, egress=[t_rule("Allow", [t_namespaces()], name="allow-all")])


def cluster(*tier_policies: TierPolicy, policies: Sequence[NetworkPolicy] = ()) -> Cluster:
    return make_cluster([A, B], list(policies), NAMESPACES, tier_policies=list(tier_policies))


def a_to_b(c: Cluster, port: int = 80) -> Flow:
    return make_flow(pod_endpoint(c, A), pod_endpoint(c, B), port)


def text(result: Explanation) -> str:
    out = io.StringIO()
    render_explain(result, console_for(out, no_color=True))
    return out.getvalue()


def lines_of(rendered: str, start: str, stop: str | None = None) -> str:
    """The block of ``rendered`` from the line starting with ``start`` to the one with ``stop``."""
    rest = rendered[rendered.index(start) :]
    return rest[: rest.index(stop)] if stop is not None else rest


def test_an_admin_deny_decides_and_later_policies_are_not_reached() -> None:
    c = cluster(DENY_DEV, LATER)
    result = explain(c, a_to_b(c))
    assert not result.allowed and not result.undecided
    assert result.allowed == decide(c, a_to_b(c)).allowed
    rendered = text(result)
    first = rendered.splitlines()[0]
    assert first.startswith("DENIED: prod/a (10.0.0.1) -> dev/b (10.0.1.1) 80/TCP")
    assert "decided in the Admin tier" in first
    egress = lines_of(rendered, "egress at the source", "ingress at the destination")
    assert "DENIES — decided in the Admin tier" in egress
    assert "Admin tier: Deny (final)" in egress
    # each rule in order: the first does not match, the second fires, the third is not applied
    assert "egress rule allow-nobody (Allow; egress[0]" in egress and ": no match" in egress
    assert "egress rule block-dev (Deny; egress[1]" in egress and "matches — fires: Deny" in egress
    assert "peer namespaces env=dev: ok — matches the pod {app=b} in dev" in egress
    assert "port 80/TCP: ok — same port" in egress
    assert "egress rule allow-rest (Allow; egress[2]" in egress
    assert "matches, but an earlier rule fired: not applied" in egress
    assert "AdminNetworkPolicy/later (priority 20): not reached — the Admin tier decided before it" in egress
    assert "NetworkPolicy tier: skipped: the Admin tier decided" in egress
    assert "Baseline tier: skipped: the Admin tier decided" in egress
    assert (
        "egress at the source: the Admin tier denies: "
        "AdminNetworkPolicy/deny-dev (Admin tier, priority 10) egress rule block-dev: Deny"
    ) in result.blockers


def test_another_port_falls_through_to_the_next_rule() -> None:
    c = cluster(DENY_DEV, LATER)
    result = explain(c, a_to_b(c, 81))
    assert result.allowed
    egress = lines_of(text(result), "egress at the source", "ingress at the destination")
    assert "port 80/TCP: no — port 81 is not 80" in egress
    assert "egress rule allow-rest (Allow; egress[2]" in egress
    assert "allows — decided in the Admin tier" in egress


def test_pass_hands_the_flow_to_the_networkpolicies() -> None:
    pass_dev = make_tier_policy(
        "pass-dev", 5, egress=[t_rule("Pass", [t_namespaces(sel(env="dev"))], name="to-dev")]
    )
    deny_all_later = make_tier_policy("deny-later", 50, egress=[t_rule("Deny", [t_namespaces()])])
    np = make_policy("prod", "only-web", sel(app="a"), egress=[rule([pod_peer(sel(app="web"))])])
    c = cluster(pass_dev, deny_all_later, policies=[np])
    result = explain(c, a_to_b(c))
    assert not result.allowed and not result.undecided
    rendered = text(result)
    assert "decided in the NetworkPolicy tier" in rendered.splitlines()[0]
    egress = lines_of(rendered, "egress at the source", "ingress at the destination")
    assert "Admin tier: Pass (skips the rest of the Admin tier: on to the NetworkPolicy tier)" in egress
    assert "egress rule to-dev (Pass; egress[0]" in egress
    assert "AdminNetworkPolicy/deny-later (priority 50): not reached" in egress
    assert "NetworkPolicy tier: DENIES (final)" in egress
    assert "prod/only-web: isolates" in egress
    assert "Baseline tier: skipped: the NetworkPolicy tier decided" in egress
    # the blockers are the NetworkPolicy's, as without tiers
    assert any("prod/only-web isolates the pod and none of its rules matches" in b for b in result.blockers)
    # the Pass rule is among the rules involved, before the isolating policy
    involved = decide(c, a_to_b(c)).rules_involved()
    assert [str(r) for r in involved][:2] == [
        "AdminNetworkPolicy/pass-dev (Admin tier, priority 5) egress rule to-dev: Pass",
        "prod/only-web (egress)",
    ]


def test_baseline_decides_for_a_pod_no_admin_policy_selects() -> None:
    only_prod = make_tier_policy(
        "only-prod", 10, namespaces=sel(env="prod"), ingress=[t_rule("Allow", [t_namespaces()])]
    )
    banp = make_tier_policy(
        "default", tier="Baseline", ingress=[t_rule("Deny", [t_namespaces(sel(env="prod"))], name="no-prod")]
    )
    c = cluster(only_prod, banp)
    result = explain(c, a_to_b(c))
    assert not result.allowed
    rendered = text(result)
    assert "decided in the Baseline tier" in rendered.splitlines()[0]
    ingress = lines_of(rendered, "ingress at the destination")
    assert (
        "AdminNetworkPolicy/only-prod (priority 10): does not apply — its subject namespaces env=prod"
        in ingress
    )
    assert "namespace dev needs env=prod, but has env=dev" in ingress
    assert "NetworkPolicy tier: no NetworkPolicy isolates the pod for Ingress — goes on" in ingress
    assert "Baseline tier: Deny (final)" in ingress
    assert "ingress rule no-prod (Deny; ingress[0]" in ingress and "matches — fires: Deny" in ingress
    assert "default: allowed" not in ingress
    assert result.blockers == (
        "ingress at the destination: the Baseline tier denies: "
        "BaselineAdminNetworkPolicy/default (Baseline tier) ingress rule no-prod: Deny",
    )


def test_default_allow_when_no_tier_decides() -> None:
    banp = make_tier_policy(
        "default", tier="Baseline", ingress=[t_rule("Deny", [t_namespaces(sel(env="qa"))])]
    )
    c = cluster(LATER, banp)
    result = explain(c, make_flow(pod_endpoint(c, B), pod_endpoint(c, A)))
    assert result.allowed and not result.blockers
    rendered = text(result)
    assert rendered.startswith("ALLOWED: dev/b (10.0.1.1) -> prod/a (10.0.0.1) 80/TCP")
    ingress = lines_of(rendered, "ingress at the destination")
    assert "allows — no tier decided: allowed by default" in ingress
    assert "Admin tier: no rule matches: goes on" in ingress
    assert "AdminNetworkPolicy/later (priority 20): no match — it has no ingress rules" in ingress
    assert "ingress[0] (Deny; <unknown>): no match" in ingress  # an unnamed rule is named by position
    assert "  default: allowed" in ingress


def test_a_same_priority_conflict_is_unknown_with_the_reason() -> None:
    allow_b = make_tier_policy("allow-b", 10, egress=[t_rule("Allow", [t_pods(sel(app="b"))], name="to-b")])
    deny_dev = make_tier_policy(
        "deny-dev", 10, egress=[t_rule("Deny", [t_namespaces(sel(env="dev"))], name="no-dev")]
    )
    c = cluster(allow_b, deny_dev)
    f = a_to_b(c)
    result = explain(c, f)
    decision = decide(c, f)
    assert result.undecided and result.undecided == decision.undecided
    assert not result.allowed and decision.may_allow
    rendered = text(result)
    first, second = rendered.splitlines()[:2]
    assert first == (
        "UNKNOWN: same-priority conflict in the Admin tier (priority 10): "
        "AdminNetworkPolicy/allow-b (Allow), AdminNetworkPolicy/deny-dev (Deny)"
    )
    assert "ALLOWED" not in rendered and "DENIED" not in rendered
    assert str(f) in second
    egress = lines_of(rendered, "egress at the source", "ingress at the destination")
    assert "UNKNOWN (may allow or deny) — undecided: same-priority conflict" in egress
    assert "Admin tier: undecided — Allow (final) or Deny (final)" in egress
    assert "egress rule to-b (Allow; egress[0]" in egress and "egress rule no-dev (Deny; egress[0]" in egress
    assert any(
        "may deny: AdminNetworkPolicy/deny-dev (Admin tier, priority 10) egress rule no-dev: Deny" in b
        for b in result.blockers
    )
    assert exit_code(result) == EXIT_OK
    assert exit_code(result, strict=True) == EXIT_UNKNOWN
    data = explain_json(result)
    assert data["undecided"] == result.undecided
    assert data["egress"]["decided_in"] == "undecided"
    assert data["egress"]["verdicts"] == [False, True]


def test_a_domain_names_peer_leaves_an_external_flow_unknown() -> None:
    dns = make_tier_policy("dns", 10, egress=[t_rule("Deny", [t_domains("example.com")], name="no-example")])
    c = cluster(dns)
    result = explain(c, make_flow(pod_endpoint(c, A), external_endpoint("192.0.2.7"), 443))
    assert "domainNames" in result.undecided
    rendered = text(result)
    assert rendered.startswith(
        "UNKNOWN: AdminNetworkPolicy/dns (Admin tier, priority 10) egress rule no-example"
    )
    assert "may match (the manifests cannot say) — may fire: Deny" in rendered
    assert "NetworkPolicy tier (reached only if the Admin tier goes on)" in rendered
    assert "default (reached only if every tier before it goes on): allowed" in rendered


def test_a_networks_rule_matches_a_pod_address() -> None:
    block = make_tier_policy(
        "block-net",
        10,
        ingress=[t_rule("Deny", [t_networks("10.0.0.0/24")], name="no-10-0-0")],
    )
    c = cluster(block)
    result = explain(c, a_to_b(c))
    assert not result.allowed
    ingress = lines_of(text(result), "ingress at the destination")
    assert "ingress rule no-10-0-0 (Deny; ingress[0]" in ingress and "matches — fires: Deny" in ingress
    assert "peer networks 10.0.0.0/24: ok — 10.0.0.1 is in 10.0.0.0/24" in ingress
    # the other direction: b's address is outside the network
    back = explain(c, make_flow(pod_endpoint(c, B), pod_endpoint(c, A)))
    assert back.allowed
    assert "peer networks 10.0.0.0/24: no — 10.0.1.1 is outside 10.0.0.0/24" in text(back)


def test_json_carries_the_tier_checks() -> None:
    c = cluster(DENY_DEV, LATER)
    data = json.loads(json.dumps(explain_json(explain(c, a_to_b(c)))))
    egress = data["egress"]
    assert egress["decided_in"] == "admin" and egress["verdicts"] == [False]
    assert [p["policy"] for p in egress["admin"]] == [
        "AdminNetworkPolicy/deny-dev",
        "AdminNetworkPolicy/later",
    ]
    deny_dev, later = egress["admin"]
    assert later["reached"] is False
    fired = [r for r in deny_dev["rules"] if r["fired"]]
    assert [r["rule"]["name"] for r in fired] == ["block-dev"]
    assert fired[0]["rule"]["action"] == "Deny" and fired[0]["rule"]["tier"] == "Admin"
    assert data["undecided"] == ""


def test_without_tiers_json_has_no_tier_fields() -> None:
    np = make_policy("dev", "np", sel(app="b"), ingress=[rule([pod_peer(sel(app="q"))])])
    c = make_cluster([A, B], [np], NAMESPACES)
    data = explain_json(explain(c, a_to_b(c)))
    assert "undecided" not in data
    for side in ("egress", "ingress"):
        assert set(data[side]) == {"direction", "endpoint", "isolated", "allowed", "policies"}
    assert "decided in" not in text(explain(c, a_to_b(c)))


def test_cli_explain_strict_exits_3_on_an_undecided_flow(tmp_path: Path) -> None:
    manifest = tmp_path / "anp.yaml"
    manifest.write_text(
        """\
apiVersion: v1
kind: Namespace
metadata: {name: prod, labels: {env: prod}}
---
apiVersion: v1
kind: Namespace
metadata: {name: dev, labels: {env: dev}}
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: prod, labels: {app: a}}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: dev, labels: {app: b}}
status: {podIP: 10.0.1.1}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: allow-b}
spec:
  priority: 10
  subject: {namespaces: {}}
  egress:
  - {name: to-b, action: Allow, to: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: b}}}}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: deny-dev}
spec:
  priority: 10
  subject: {namespaces: {}}
  egress:
  - {name: no-dev, action: Deny, to: [{namespaces: {matchLabels: {env: dev}}}]}
""",
        encoding="utf-8",
    )
    runner = CliRunner()
    args = ["explain", str(manifest), "--from", "prod/a", "--to", "dev/b", "--port", "80", "--no-color"]
    loose = runner.invoke(app, args)
    assert loose.exit_code == 0, loose.output
    assert loose.stdout.startswith("UNKNOWN: same-priority conflict in the Admin tier (priority 10)")
    assert f"{manifest}:" in loose.stdout  # the rules are located in the manifest
    strict = runner.invoke(app, [*args, "--strict"])
    assert strict.exit_code == 3, strict.output
    back = ["explain", str(manifest), "--from", "dev/b", "--to", "prod/a", "--port", "80", "--strict"]
    decided = runner.invoke(app, back)
    assert decided.exit_code == 0, decided.output


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_explain_agrees_with_the_oracle_on_tiered_clusters(data: st.DataObject) -> None:
    c = data.draw(tiered_clusters())
    f = data.draw(flows(c))
    result = explain(c, f)
    decision = decide(c, f)
    assert result.allowed == decision.allowed
    assert result.undecided == decision.undecided
    assert bool(result.blockers) == (not result.allowed)
    rendered = text(result)
    first = rendered.splitlines()[0]
    if result.self_traffic:
        assert first.startswith("ALLOWED")
    elif result.undecided:
        assert first == f"UNKNOWN: {result.undecided}"
    else:
        assert first.startswith("ALLOWED" if result.allowed else "DENIED")
    # every tier rule that fired is named in the text, with its action
    for rule_ref in decision.tier_rules():
        assert rule_ref.name in rendered and rule_ref.action in rendered
    json.dumps(explain_json(result))
