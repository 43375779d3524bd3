"""The oracle, one Kubernetes NetworkPolicy rule per test.

Expectations come from the API documentation (networking.k8s.io/v1 NetworkPolicy), not from
running the oracle: each test states the rule it checks in its name.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tests.strategies import (
    clusters,
    expr,
    flow,
    flows,
    ip_peer,
    make_cluster,
    make_pod,
    make_policy,
    ns_peer,
    pod_peer,
    policies,
    port,
    rule,
    sel,
)
from verifier.model import Cluster, Direction, LabelSelector, NetworkPolicy, Pod, Requirement, Rule, parse_ip
from verifier.oracle import decide, external_endpoint, pod_endpoint
from verifier.results import Endpoint, EndpointKind, RuleRef

CLIENT = make_pod("x", "client", {"app": "client"}, ["10.0.0.1"])
SERVER = make_pod("y", "server", {"app": "server"}, ["10.0.1.1"], [("http", 80), ("dns", 53, "UDP")])


def allowed(
    *policies: NetworkPolicy,
    src: Pod | str = CLIENT,
    dst: Pod | str = SERVER,
    number: int = 80,
    protocol: str = "TCP",
    namespaces: dict[str, dict[str, str]] | None = None,
    ipblock_pods: bool = True,
) -> bool:
    """Whether the flow src -> dst is allowed; a str endpoint is an external address."""
    extra = [p for p in (src, dst) if not isinstance(p, str) and p not in (CLIENT, SERVER)]
    cluster = make_cluster([CLIENT, SERVER, *extra], policies, namespaces)
    s = pod_endpoint(cluster, src) if not isinstance(src, str) else external_endpoint(src)
    d = pod_endpoint(cluster, dst) if not isinstance(dst, str) else external_endpoint(dst)
    return decide(cluster, flow(s, d, number, protocol), ipblock_pods=ipblock_pods).allowed


def ingress_only(*rules: Rule, selector: LabelSelector | None = None, namespace: str = "y") -> NetworkPolicy:
    return make_policy(namespace, "in", selector or sel(app="server"), ingress=list(rules))


def egress_only(*rules: Rule, selector: LabelSelector | None = None, namespace: str = "x") -> NetworkPolicy:
    return make_policy(
        namespace, "out", selector or sel(app="client"), egress=list(rules), policy_types=["Egress"]
    )


# --- isolation -------------------------------------------------------------------------------


def test_no_policy_allows_everything() -> None:
    assert allowed()


def test_policy_with_no_ingress_rules_isolates_and_denies() -> None:
    assert not allowed(ingress_only())


def test_empty_rule_allows_everything() -> None:
    assert allowed(ingress_only(rule()))


def test_policy_in_another_namespace_does_not_isolate() -> None:
    assert allowed(ingress_only(namespace="x", selector=sel()))


def test_policy_not_selecting_the_pod_does_not_isolate() -> None:
    assert allowed(ingress_only(selector=sel(app="other")))


def test_egress_only_policy_does_not_isolate_ingress() -> None:
    deny_egress_of_server = make_policy("y", "e", sel(app="server"), policy_types=["Egress"])
    assert allowed(deny_egress_of_server)


def test_ingress_type_without_egress_type_ignores_egress_rules() -> None:
    # policyTypes [Ingress] with egress rules present: egress is not isolated.
    p = make_policy(
        "x",
        "p",
        sel(app="client"),
        ingress=[rule()],
        egress=[rule(ports=[port(9)])],
        policy_types=["Ingress"],
    )
    assert allowed(p)


def test_egress_type_with_no_rules_denies_egress() -> None:
    assert not allowed(make_policy("x", "p", sel(app="client"), policy_types=["Egress"]))


def test_policies_are_a_union() -> None:
    deny = ingress_only()
    allow = make_policy("y", "allow", sel(app="server"), ingress=[rule([pod_peer(None, sel())])])
    assert allowed(deny, allow)


def test_both_sides_must_allow_a_pod_to_pod_flow() -> None:
    assert not allowed(egress_only(), ingress_only(rule()))
    assert not allowed(egress_only(rule()), ingress_only())
    assert allowed(egress_only(rule()), ingress_only(rule()))


def test_external_source_is_only_judged_by_ingress() -> None:
    deny_all_egress = make_policy("y", "e", sel(), policy_types=["Egress"])
    cluster = make_cluster([SERVER], [deny_all_egress])
    d = decide(cluster, flow(external_endpoint("8.8.8.8"), pod_endpoint(cluster, SERVER)))
    assert d.egress is None and d.allowed
    assert not allowed(ingress_only(), src="8.8.8.8")


def test_external_destination_is_only_judged_by_egress() -> None:
    assert not allowed(egress_only(), dst="8.8.8.8")
    assert allowed(ingress_only(), dst="8.8.8.8")


# --- peers -----------------------------------------------------------------------------------


def test_lone_pod_selector_means_the_policys_own_namespace() -> None:
    same_labels_elsewhere = make_pod("x", "twin", {"app": "server"}, ["10.0.0.9"])
    p = ingress_only(rule([pod_peer(sel(app="client"))]))
    assert not allowed(p), "client is in x, the policy in y"
    local = make_pod("y", "client", {"app": "client"}, ["10.0.1.9"])
    assert allowed(p, src=local)
    assert not allowed(ingress_only(rule([pod_peer(sel(app="server"))])), src=same_labels_elsewhere)


def test_lone_namespace_selector_means_every_pod_of_matching_namespaces() -> None:
    p = ingress_only(rule([ns_peer(sel(team="a"))]))
    assert allowed(p, namespaces={"x": {"team": "a"}})
    assert not allowed(p, namespaces={"x": {"team": "b"}})


def test_namespace_name_label_is_always_there() -> None:
    assert allowed(ingress_only(rule([ns_peer(sel({"kubernetes.io/metadata.name": "x"}))])))


def test_namespace_and_pod_selector_in_one_peer_are_anded() -> None:
    p = ingress_only(rule([pod_peer(sel(app="client"), sel(team="a"))]))
    assert allowed(p, namespaces={"x": {"team": "a"}})
    assert not allowed(p, namespaces={"x": {"team": "b"}})
    other = make_pod("x", "other", {"app": "other"}, ["10.0.0.2"])
    assert not allowed(p, src=other, namespaces={"x": {"team": "a"}})


def test_two_peers_are_ored() -> None:
    p = ingress_only(rule([pod_peer(sel(app="nobody")), ns_peer(sel())]))
    assert allowed(p)


def test_empty_namespace_selector_matches_all_namespaces() -> None:
    assert allowed(ingress_only(rule([ns_peer(sel())])))


def test_selector_peers_never_match_external_addresses() -> None:
    assert not allowed(ingress_only(rule([ns_peer(sel())])), src="10.0.0.1")


@pytest.mark.parametrize(
    ("requirement", "labels", "expected"),
    [
        (expr("tier", "In", "web", "api"), {"tier": "api"}, True),
        (expr("tier", "In", "web"), {}, False),
        (expr("tier", "NotIn", "web"), {"tier": "db"}, True),
        (expr("tier", "NotIn", "web"), {}, True),
        (expr("tier", "NotIn", "web"), {"tier": "web"}, False),
        (expr("tier", "Exists"), {"tier": ""}, True),
        (expr("tier", "Exists"), {}, False),
        (expr("tier", "DoesNotExist"), {}, True),
        (expr("tier", "DoesNotExist"), {"tier": "x"}, False),
    ],
)
def test_match_expressions_operators(
    requirement: Requirement, labels: dict[str, str], expected: bool
) -> None:
    src = make_pod("y", "src", labels, ["10.0.1.7"])
    assert allowed(ingress_only(rule([pod_peer(sel(None, requirement))])), src=src) is expected


# --- ipBlock ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("192.168.0.0", True),  # first address of the cidr
        ("192.168.255.255", True),  # last address of the cidr
        ("192.169.0.0", False),  # just outside
        ("192.168.1.0", False),  # first address of the except
        ("192.168.1.255", False),  # last address of the except
        ("192.168.2.0", True),  # just after the except
        ("192.168.0.255", True),  # just before the except
    ],
)
def test_ipblock_cidr_minus_except_boundaries(address: str, expected: bool) -> None:
    p = ingress_only(rule([ip_peer("192.168.0.0/16", "192.168.1.0/24")]))
    assert allowed(p, src=address) is expected


def test_ipblock_ipv6() -> None:
    p = egress_only(rule([ip_peer("2001:db8::/64", "2001:db8::/120")]))
    assert allowed(p, dst="2001:db8::100")
    assert not allowed(p, dst="2001:db8::ff")
    assert not allowed(p, dst="10.0.0.1"), "an IPv4 address is in no IPv6 block"


def test_ipblock_matches_pod_ips_by_default_and_not_when_switched_off() -> None:
    p = ingress_only(rule([ip_peer("10.0.0.0/24")]))
    assert allowed(p)
    assert not allowed(p, ipblock_pods=False)


def test_ipblock_never_matches_a_pod_whose_ip_is_unknown() -> None:
    template = make_pod("x", "web[Deployment]", {"app": "client"}, kind="Deployment")
    assert not allowed(ingress_only(rule([ip_peer("0.0.0.0/0")])), src=template)


# --- ports -----------------------------------------------------------------------------------


def test_port_protocol_must_equal() -> None:
    p = ingress_only(rule(ports=[port(80, "UDP")]))
    assert not allowed(p)
    assert allowed(p, protocol="UDP")


def test_port_without_number_is_every_port_of_its_protocol() -> None:
    p = ingress_only(rule(ports=[port(None, "SCTP")]))
    assert allowed(p, number=1, protocol="SCTP") and allowed(p, number=65535, protocol="SCTP")
    assert not allowed(p, number=80, protocol="TCP")


@pytest.mark.parametrize(
    ("number", "expected"), [(7999, False), (8000, True), (8050, True), (8100, True), (8101, False)]
)
def test_end_port_range_is_inclusive(number: int, expected: bool) -> None:
    assert allowed(ingress_only(rule(ports=[port(8000, end_port=8100)])), number=number) is expected


def test_named_port_resolves_against_the_destination_for_ingress() -> None:
    p = ingress_only(rule(ports=[port("http")]))
    assert allowed(p, number=80)
    assert not allowed(p, number=8080), "http is 80 on the server"


def test_named_port_resolves_against_the_destination_for_egress() -> None:
    # The client defines no port called http; the server does, on 80.
    p = egress_only(rule(ports=[port("http")]))
    assert allowed(p, number=80)
    assert not allowed(p, number=81)


def test_named_port_needs_the_same_protocol() -> None:
    assert not allowed(ingress_only(rule(ports=[port("dns", "TCP")])), number=53, protocol="TCP")
    assert allowed(ingress_only(rule(ports=[port("dns", "UDP")])), number=53, protocol="UDP")


def test_named_port_never_matches_an_external_destination() -> None:
    assert not allowed(egress_only(rule(ports=[port("http")])), dst="10.0.1.1", number=80)


def test_rule_needs_both_peer_and_port() -> None:
    p = ingress_only(rule([ns_peer(sel())], [port(443)]))
    assert not allowed(p, number=80)
    assert allowed(p, number=443)
    assert not allowed(ingress_only(rule([ns_peer(sel(team="none"))], [port(80)])))


# --- self traffic and details -----------------------------------------------------------------


def test_self_traffic_is_allowed_and_flagged() -> None:
    cluster = make_cluster([SERVER], [ingress_only(), make_policy("y", "e", sel(), policy_types=["Egress"])])
    me = pod_endpoint(cluster, SERVER)
    d = decide(cluster, flow(me, me))
    assert d.allowed and d.self_traffic


def test_same_name_in_another_namespace_is_not_self() -> None:
    twin = make_pod("x", "server", {"app": "server"}, ["10.0.0.5"])
    assert not allowed(ingress_only(), src=twin)


def test_decision_lists_isolating_policies_and_matching_rules() -> None:
    deny = make_policy("y", "deny", sel())
    allow = make_policy(
        "y", "allow", sel(app="server"), ingress=[rule(ports=[port(443)]), rule([ns_peer(sel())])]
    )
    cluster = make_cluster([CLIENT, SERVER], [deny, allow])
    d = decide(cluster, flow(pod_endpoint(cluster, CLIENT), pod_endpoint(cluster, SERVER), 80))
    assert d.allowed and d.egress is not None and not d.egress.isolated
    assert d.ingress is not None
    assert [str(r) for r in d.ingress.policies] == ["y/deny (ingress)", "y/allow (ingress)"]
    assert d.ingress.allowed_by == (RuleRef(policy="y/allow", direction=Direction.INGRESS, index=1),)
    assert d.rules_involved() == d.ingress.allowed_by


def test_endpoint_helpers() -> None:
    cluster = make_cluster([SERVER], namespaces={"y": {"team": "a"}})
    e = pod_endpoint(cluster, SERVER)
    assert e.kind is EndpointKind.POD and e.ip == parse_ip("10.0.1.1")
    assert e.namespace_labels == {"kubernetes.io/metadata.name": "y", "team": "a"}
    assert pod_endpoint(cluster, SERVER, parse_ip("fd00::1")).ip == parse_ip("fd00::1")
    assert external_endpoint("8.8.8.8").kind is EndpointKind.EXTERNAL


# --- properties over random clusters ---------------------------------------------------------


def _isolated(cluster: Cluster, pod: Endpoint, direction: Direction) -> bool:
    """Isolation read off the model: some policy of the pod's namespace selects it and has the
    direction in its (effective) policy types."""
    return any(
        p.namespace == pod.namespace and p.pod_selector.matches(pod.labels) and direction in p.policy_types
        for p in cluster.policies
    )


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_policies_only_ever_add_allowances(data: st.DataObject) -> None:
    """With no policy every flow is allowed; a non-isolated side allows everything; a policy
    allowing everything (in every namespace, both directions) allows every flow whatever else
    is there; adding a policy never denies a flow a side already isolated allowed (policies
    are a union)."""
    cluster = data.draw(clusters())
    assume(cluster.pods)
    f = data.draw(flows(cluster))
    d = decide(cluster, f)
    if f.source.same_pod(f.destination):
        assert d.allowed and d.self_traffic
        return
    assert not d.self_traffic
    judged = {Direction.EGRESS: (f.source, d.egress), Direction.INGRESS: (f.destination, d.ingress)}
    for direction, (end, side) in judged.items():
        assert (side is not None) == end.is_pod, direction
        if side is not None:
            assert side.isolated == _isolated(cluster, end, direction), direction
            if not side.isolated:
                assert side.allowed, direction
    if not any(side is not None and side.isolated for _, side in judged.values()):
        assert d.allowed
    assert decide(cluster.model_copy(update={"policies": ()}), f).allowed
    open_all = [
        make_policy(ns, "open", sel(), ingress=[rule()], egress=[rule()], policy_types=["Ingress", "Egress"])
        for ns in cluster.namespaces
    ]
    opened = cluster.model_copy(update={"policies": (*cluster.policies, *open_all)})
    assert decide(opened, f).allowed
    # Monotonicity: one more policy with a rule (of any namespace) never takes away what an
    # already-isolated side allowed.
    extra = data.draw(policies(data.draw(st.sampled_from(sorted(cluster.namespaces))), "extra"))
    assume(extra.ingress or extra.egress)
    more = decide(cluster.model_copy(update={"policies": (*cluster.policies, extra)}), f)
    after = {Direction.EGRESS: more.egress, Direction.INGRESS: more.ingress}
    for direction, (_, side) in judged.items():
        if side is not None and side.isolated and side.allowed:
            now = after[direction]
            assert now is not None and now.allowed, (direction, extra)
    if d.allowed and all(side is None or side.isolated for _, side in judged.values()):
        assert more.allowed, extra
