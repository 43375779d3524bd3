"""The oracle's tier chain, case by case (design.md §1 "Tiers").

Each case is small enough to check by reading the API documentation: one cluster, one flow,
the verdict and where it was decided. The model's first-match and chain functions are tested
directly too, since every engine builds on them.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from tests.strategies import (
    flow,
    flows,
    make_cluster,
    make_node,
    make_pod,
    make_policy,
    make_tier_policy,
    rule,
    sel,
    t_domains,
    t_named,
    t_namespaces,
    t_networks,
    t_nodes,
    t_pods,
    t_port,
    t_rule,
    tiered_clusters,
)
from verifier.model import Cluster, Outcome
from verifier.model.tiers import chain_verdicts, level_outcomes, tier_outcomes
from verifier.oracle import decide, external_endpoint, pod_endpoint, trace
from verifier.results import Flow

A, D, P, N = Outcome.ALLOW, Outcome.DENY, Outcome.PASS, Outcome.NO_MATCH


def _pods() -> list:  # type: ignore[type-arg]
    return [
        make_pod("dev", "client", {"app": "client"}, ["10.0.1.1"]),
        make_pod("pay", "db", {"app": "db"}, ["10.0.2.1"], ports=[("sql", 5432)]),
        make_pod("pay", "api", {"app": "api"}, ["10.0.2.2"]),
    ]


_SPACES = {"dev": {"env": "dev"}, "pay": {"env": "prod", "team": "payments"}}


def _cluster(tiers: list, policies: list | None = None, nodes: list | None = None) -> Cluster:  # type: ignore[type-arg]
    return make_cluster(_pods(), policies or [], _SPACES, tier_policies=tiers, nodes=nodes or [])


def _flow(cluster: Cluster, src: str, dst: str, port: int = 5432, proto: str = "TCP") -> Flow:
    pods = {p.name: p for p in cluster.pods}
    return flow(pod_endpoint(cluster, pods[src]), pod_endpoint(cluster, pods[dst]), port, proto)


_DENY_DEV = make_tier_policy(
    "guard",
    10,
    namespaces=sel(team="payments"),
    ingress=[t_rule("Deny", [t_namespaces(sel(env="dev"))], name="no-dev")],
)
_NP_ALLOW_ALL = make_policy("pay", "open", sel(), ingress=[rule()])
_NP_DENY_ALL = make_policy("pay", "closed", sel(), ingress=[])


def test_admin_deny_beats_a_networkpolicy_allow() -> None:
    cluster = _cluster([_DENY_DEV], [_NP_ALLOW_ALL])
    d = decide(cluster, _flow(cluster, "client", "db"))
    assert not d.allowed and not d.may_allow and d.undecided == ""
    assert d.ingress is not None and d.ingress.decided_in == "admin"
    assert [str(r) for r in d.rules_involved()] == [
        "AdminNetworkPolicy/guard (Admin tier, priority 10) ingress rule no-dev: Deny"
    ]


def test_admin_allow_beats_a_networkpolicy_deny() -> None:
    allow = make_tier_policy(
        "open", 5, namespaces=sel(team="payments"), ingress=[t_rule("Allow", [t_namespaces()])]
    )
    cluster = _cluster([allow], [_NP_DENY_ALL])
    d = decide(cluster, _flow(cluster, "client", "db"))
    assert d.allowed and d.ingress is not None and d.ingress.decided_in == "admin"


def test_pass_hands_the_flow_to_the_networkpolicy_tier() -> None:
    passing = make_tier_policy(
        "guard", 10, namespaces=sel(team="payments"), ingress=[t_rule("Pass", [t_namespaces(sel(env="dev"))])]
    )
    cluster = _cluster([passing], [_NP_ALLOW_ALL])
    d = decide(cluster, _flow(cluster, "client", "db"))
    assert d.allowed and d.ingress is not None and d.ingress.decided_in == "networkpolicy"
    denied = _cluster([passing], [_NP_DENY_ALL])
    assert not decide(denied, _flow(denied, "client", "db")).allowed


def test_pass_skips_the_rest_of_the_admin_tier_only() -> None:
    # Pass at priority 1 skips the Deny at priority 2; no NetworkPolicy: Baseline decides.
    passing = make_tier_policy("a-pass", 1, ingress=[t_rule("Pass", [t_namespaces()])])
    deny = make_tier_policy("b-deny", 2, ingress=[t_rule("Deny", [t_namespaces()])])
    banp = make_tier_policy(
        "default", tier="Baseline", ingress=[t_rule("Deny", [t_namespaces(sel(env="dev"))])]
    )
    cluster = _cluster([deny, passing, banp])
    d = decide(cluster, _flow(cluster, "client", "db"))
    assert not d.allowed and d.ingress is not None and d.ingress.decided_in == "baseline"
    d2 = decide(cluster, _flow(cluster, "api", "db"))
    assert d2.allowed and d2.ingress is not None and d2.ingress.decided_in == "default"


def test_baseline_applies_only_where_no_networkpolicy_selects_the_pod() -> None:
    banp = make_tier_policy("default", tier="Baseline", ingress=[t_rule("Deny", [t_namespaces()])])
    cluster = _cluster([banp], [make_policy("pay", "api-open", sel(app="api"), ingress=[rule()])])
    assert decide(cluster, _flow(cluster, "client", "api")).allowed  # the NetworkPolicy decides
    d = decide(cluster, _flow(cluster, "client", "db"))  # no NetworkPolicy selects db
    assert not d.allowed and d.ingress is not None and d.ingress.decided_in == "baseline"


def test_first_matching_rule_of_a_policy_wins() -> None:
    policy = make_tier_policy(
        "ordered",
        3,
        ingress=[
            t_rule("Allow", [t_pods(sel(app="client"))], [t_port(5432)], name="client-sql"),
            t_rule("Deny", [t_namespaces()], name="rest"),
        ],
    )
    cluster = _cluster([policy])
    assert decide(cluster, _flow(cluster, "client", "db", 5432)).allowed
    assert not decide(cluster, _flow(cluster, "client", "db", 5433)).allowed
    assert not decide(cluster, _flow(cluster, "api", "db", 5432)).allowed


def test_same_priority_conflict_is_undecided_with_the_reason() -> None:
    allow = make_tier_policy("a", 7, ingress=[t_rule("Allow", [t_namespaces()])])
    deny = make_tier_policy("b", 7, ingress=[t_rule("Deny", [t_namespaces(sel(env="dev"))])])
    cluster = _cluster([allow, deny])
    d = decide(cluster, _flow(cluster, "client", "db"))
    assert not d.allowed and d.may_allow
    assert "same-priority conflict" in d.undecided and "AdminNetworkPolicy/a" in d.undecided
    # where only one of them matches, nothing is left open
    assert decide(cluster, _flow(cluster, "api", "db")).allowed


def test_same_priority_same_action_is_decided() -> None:
    one = make_tier_policy("a", 7, ingress=[t_rule("Deny", [t_namespaces()])])
    two = make_tier_policy("b", 7, ingress=[t_rule("Deny", [t_namespaces(sel(env="dev"))])])
    cluster = _cluster([one, two])
    d = decide(cluster, _flow(cluster, "client", "db"))
    assert not d.allowed and not d.may_allow and d.undecided == ""


def test_domain_names_leave_external_egress_undecided_and_pods_alone() -> None:
    policy = make_tier_policy(
        "egress",
        1,
        egress=[
            t_rule("Allow", [t_domains("*.example.com")], name="saas"),
            t_rule("Deny", [t_networks("0.0.0.0/0")], name="rest"),
        ],
    )
    cluster = _cluster([policy])
    pods = {p.name: p for p in cluster.pods}
    out = flow(pod_endpoint(cluster, pods["api"]), external_endpoint("93.184.216.34"), 443)
    d = decide(cluster, out)
    assert not d.allowed and d.may_allow and "domainNames" in d.undecided
    # a pod is never a domain name's address: the networks Deny decides, and cuts pod traffic
    inner = decide(cluster, _flow(cluster, "api", "db"))
    assert not inner.allowed and not inner.may_allow


def test_networks_peers_match_pod_addresses() -> None:
    policy = make_tier_policy("cut", 1, egress=[t_rule("Deny", [t_networks("10.0.2.0/24")])])
    cluster = _cluster([policy])
    assert not decide(cluster, _flow(cluster, "client", "db")).allowed
    assert decide(cluster, _flow(cluster, "db", "client")).allowed


def test_nodes_peers_match_node_addresses_only() -> None:
    policy = make_tier_policy("no-kubelet", 1, egress=[t_rule("Deny", [t_nodes(sel(role="worker"))])])
    nodes = [
        make_node("w1", {"role": "worker"}, "192.168.0.10"),
        make_node("c1", {"role": "control"}, "192.168.0.20"),
    ]
    cluster = _cluster([policy], nodes=nodes)
    pods = {p.name: p for p in cluster.pods}
    src = pod_endpoint(cluster, pods["api"])
    assert not decide(cluster, flow(src, external_endpoint("192.168.0.10"), 10250)).allowed
    assert decide(cluster, flow(src, external_endpoint("192.168.0.20"), 10250)).allowed
    assert decide(cluster, _flow(cluster, "api", "db")).allowed


def test_named_port_without_protocol_resolves_on_the_destination() -> None:
    policy = make_tier_policy("sql", 1, ingress=[t_rule("Deny", [t_namespaces()], [t_named("sql")])])
    cluster = _cluster([policy])
    assert not decide(cluster, _flow(cluster, "client", "db", 5432)).allowed
    assert decide(cluster, _flow(cluster, "client", "db", 5432, "UDP")).allowed  # db declares sql/TCP
    assert decide(cluster, _flow(cluster, "client", "api", 5432)).allowed  # api declares no sql


def test_egress_and_ingress_are_judged_separately() -> None:
    # An Admin Allow on egress does not override the destination's ingress NetworkPolicy.
    allow_out = make_tier_policy(
        "out", 1, namespaces=sel(env="dev"), egress=[t_rule("Allow", [t_namespaces()])]
    )
    cluster = _cluster([allow_out], [_NP_DENY_ALL])
    d = decide(cluster, _flow(cluster, "client", "db"))
    assert not d.allowed
    assert d.egress is not None and d.egress.decided_in == "admin" and d.egress.allowed
    assert d.ingress is not None and d.ingress.decided_in == "networkpolicy" and not d.ingress.allowed


def test_self_traffic_is_not_governed_by_tiers() -> None:
    deny = make_tier_policy(
        "all", 1, ingress=[t_rule("Deny", [t_namespaces()])], egress=[t_rule("Deny", [t_namespaces()])]
    )
    cluster = _cluster([deny])
    d = decide(cluster, _flow(cluster, "db", "db"))
    assert d.allowed and d.self_traffic


def test_the_trace_marks_policies_after_the_decision_as_not_reached() -> None:
    first = make_tier_policy("first", 1, ingress=[t_rule("Deny", [t_namespaces()])])
    later = make_tier_policy("later", 2, ingress=[t_rule("Allow", [t_namespaces()])])
    cluster = _cluster([later, first])
    _, ingress, _ = trace(cluster, _flow(cluster, "client", "db"))
    assert ingress is not None
    assert [(c.policy, c.reached) for c in ingress.admin] == [
        ("AdminNetworkPolicy/first", True),
        ("AdminNetworkPolicy/later", False),
    ]


@pytest.mark.parametrize(
    ("sets", "expected"),
    [
        ([{A}], {A}),
        ([{N}, {D}], {D}),
        ([{A}, {D}], {A, D}),
        ([{A, N}, {N}], {A, N}),
        ([{N}, {N}], {N}),
        ([{P}, {A, N}], {P, A}),
    ],
)
def test_level_outcomes(sets: list[set[Outcome]], expected: set[Outcome]) -> None:
    assert level_outcomes(frozenset(s) for s in sets) == expected


def test_tier_outcomes_stop_at_the_first_deciding_level() -> None:
    assert tier_outcomes([frozenset({N}), frozenset({P}), frozenset({D})]) == {P}
    assert tier_outcomes([frozenset({A, N}), frozenset({D})]) == {A, D}
    assert tier_outcomes([]) == {N}


def test_chain_verdicts() -> None:
    assert chain_verdicts(frozenset({D}), True, frozenset({A})) == {False}
    assert chain_verdicts(frozenset({P}), True, frozenset({D})) == {True}
    assert chain_verdicts(frozenset({N}), None, frozenset({D})) == {False}
    assert chain_verdicts(frozenset({N}), None, frozenset({P})) == {True}
    assert chain_verdicts(frozenset({A, D}), None, frozenset({N})) == {True, False}


@settings(max_examples=60, deadline=None)
@given(tiered_clusters().flatmap(lambda c: flows(c).map(lambda f: (c, f))))
def test_must_allow_implies_may_allow_and_no_tiers_means_networkpolicies(pair: tuple[Cluster, Flow]) -> None:
    cluster, f = pair
    try:
        d = decide(cluster, f)
    except ValueError:
        return  # two external addresses: no flow
    assert not d.allowed or d.may_allow
    assert (d.allowed != d.may_allow) == bool(d.undecided)
    plain = decide(cluster.model_copy(update={"tier_policies": ()}), f)
    assert plain.allowed == plain.may_allow
    # a side that reached the NetworkPolicy tier and was isolated there is decided by it
    for side in (d.egress, d.ingress):
        if side is not None and side.decided_in == "networkpolicy":
            plain_side = plain.egress if side is d.egress else plain.ingress
            assert plain_side is not None and side.allowed == plain_side.allowed


def test_pod_peer_selector_needs_pods_namespace_too() -> None:
    policy = make_tier_policy(
        "only-pay-api",
        1,
        ingress=[t_rule("Deny", [t_pods(sel(app="api"), sel(env="dev"))])],
    )
    cluster = _cluster([policy])
    assert decide(cluster, _flow(cluster, "api", "db")).allowed  # api is in pay, not dev
