"""Hand-written matrix and connectivity cases with tier policies (verifier.model.tiers).

Each case states what the chain Admin tier -> NetworkPolicy -> Baseline tier -> allow does
to a few pods, and checks the matrix engine, the connectivity relation and (for pod cells)
the oracle agree with it. The random cross-check is tests/differential/test_tiers_engine.py.
"""

from __future__ import annotations

from tests.strategies import (
    flow,
    make_cluster,
    make_node,
    make_pod,
    make_policy,
    make_tier_policy,
    pod_peer,
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
)
from verifier.engine import compute_matrix
from verifier.engine.classes import equivalence_classes
from verifier.engine.connectivity import PORT_MAX, Connection, Connectivity, compute_connectivity
from verifier.engine.diff import version_change
from verifier.model import AnalysisOptions, Cluster, Protocol, parse_network
from verifier.oracle import decide, external_endpoint, pod_endpoint
from verifier.results import MatrixResult

TCP = Protocol.TCP
OPTIONS = AnalysisOptions()


def _pods() -> list:
    return [
        make_pod("shop", "web", {"app": "web"}, ["10.0.0.1"], [("http", 8080)]),
        make_pod("shop", "db", {"app": "db"}, ["10.0.0.2"]),
        make_pod("other", "client", {"app": "client"}, ["10.0.1.1"]),
    ]


def _cell(m: MatrixResult, src: str, dst: str) -> str:
    """ "allowed", "denied" or "conditional"."""
    i, j = m.endpoints.index(src), m.endpoints.index(dst)
    if (i, j) in set(m.conditional):
        assert not m.allowed(i, j)
        return "conditional"
    return "allowed" if m.allowed(i, j) else "denied"


def _oracle(cluster: Cluster, src: str, dst: str, number: int = 80, protocol: str = "TCP") -> str:
    pods = {p.key: p for p in cluster.pods}
    d = decide(
        cluster, flow(pod_endpoint(cluster, pods[src]), pod_endpoint(cluster, pods[dst]), number, protocol)
    )
    return "allowed" if d.allowed else ("conditional" if d.may_allow else "denied")


def _check(cluster: Cluster, expected: dict[tuple[str, str], str], number: int = 80) -> MatrixResult:
    """Every listed cell: the matrix, the oracle and the connectivity relation agree."""
    m = compute_matrix(cluster, number, TCP, OPTIONS)
    conn = compute_connectivity(cluster, OPTIONS, external=False)
    for (src, dst), want in expected.items():
        assert _cell(m, src, dst) == want, (src, dst)
        assert _oracle(cluster, src, dst, number) == want, (src, dst)
        pair = conn.pair(conn.endpoints.index(src), conn.endpoints.index(dst))
        got = (
            "allowed"
            if pair.allows(number, TCP)
            else ("conditional" if pair.maybe(number, TCP) else "denied")
        )
        assert got == want, ("connectivity", src, dst)
    return m


def _np_allow_client_to_db() -> list:
    return [
        make_policy("shop", "db", sel(app="db"), ingress=[rule([pod_peer(sel(app="client"), sel())])]),
    ]


def test_admin_deny_beats_a_network_policy_allow() -> None:
    deny = make_tier_policy(
        "no-client", 10, pods=sel(app="db"), ingress=[t_rule("Deny", [t_pods(sel(app="client"))])]
    )
    without = make_cluster(_pods(), _np_allow_client_to_db())
    _check(without, {("other/client", "shop/db"): "allowed", ("shop/web", "shop/db"): "denied"})
    cluster = make_cluster(_pods(), _np_allow_client_to_db(), tier_policies=[deny])
    m = _check(
        cluster,
        {
            ("other/client", "shop/db"): "denied",
            ("shop/web", "shop/db"): "denied",
            ("shop/db", "shop/web"): "allowed",
        },
    )
    assert m.conditional == () and m.warnings == ()


def test_admin_allow_beats_a_network_policy_deny() -> None:
    allow = make_tier_policy(
        "web-ok", 10, pods=sel(app="db"), ingress=[t_rule("Allow", [t_pods(sel(app="web"))])]
    )
    cluster = make_cluster(_pods(), _np_allow_client_to_db(), tier_policies=[allow])
    _check(cluster, {("shop/web", "shop/db"): "allowed", ("other/client", "shop/db"): "allowed"})


def test_pass_falls_to_the_network_policy() -> None:
    """Pass skips the rest of the Admin tier: a later Admin Allow does not apply, the
    NetworkPolicy decides; where no NetworkPolicy isolates the pod, the default allows."""
    passing = make_tier_policy("pass", 1, namespaces=sel(), ingress=[t_rule("Pass", [t_namespaces()])])
    allow_all = make_tier_policy("allow", 2, namespaces=sel(), ingress=[t_rule("Allow", [t_namespaces()])])
    cluster = make_cluster(_pods(), _np_allow_client_to_db(), tier_policies=[passing, allow_all])
    _check(
        cluster,
        {
            ("shop/web", "shop/db"): "denied",  # the NetworkPolicy isolates db: only the client
            ("other/client", "shop/db"): "allowed",
            ("shop/db", "shop/web"): "allowed",  # nothing isolates web: default allow
        },
    )
    # without the Pass the Admin Allow decides first
    cluster = make_cluster(_pods(), _np_allow_client_to_db(), tier_policies=[allow_all])
    _check(cluster, {("shop/web", "shop/db"): "allowed"})


def test_baseline_deny_applies_only_to_pods_no_network_policy_selects() -> None:
    baseline = make_tier_policy(
        "default", tier="Baseline", namespaces=sel(), ingress=[t_rule("Deny", [t_namespaces()])]
    )
    cluster = make_cluster(_pods(), _np_allow_client_to_db(), tier_policies=[baseline])
    _check(
        cluster,
        {
            ("other/client", "shop/db"): "allowed",  # db is isolated: its NetworkPolicy decides
            ("shop/web", "shop/db"): "denied",
            ("shop/db", "shop/web"): "denied",  # web is not: the Baseline Deny applies
            ("shop/db", "other/client"): "denied",
        },
    )


def test_same_priority_conflict_is_conditional_with_a_reason() -> None:
    allow = make_tier_policy(
        "a-allow", 5, pods=sel(app="db"), ingress=[t_rule("Allow", [t_pods(sel(app="web"))])]
    )
    deny = make_tier_policy("b-deny", 5, pods=sel(app="db"), ingress=[t_rule("Deny", [t_namespaces()])])
    cluster = make_cluster(_pods(), tier_policies=[allow, deny])
    m = _check(
        cluster,
        {
            ("shop/web", "shop/db"): "conditional",  # either policy may come first
            ("other/client", "shop/db"): "denied",  # only the Deny matches
            ("shop/db", "shop/web"): "allowed",
        },
    )
    assert len(m.warnings) == 1
    assert "same-priority conflict in the Admin tier (priority 5)" in m.warnings[0]
    assert "AdminNetworkPolicy/a-allow, AdminNetworkPolicy/b-deny" in m.warnings[0]
    conn = compute_connectivity(cluster, OPTIONS, external=False)
    pair = conn.pair(conn.endpoints.index("shop/web"), conn.endpoints.index("shop/db"))
    assert pair == Connection(conditional=tuple((p, ((1, PORT_MAX),)) for p in Protocol))
    assert conn.warnings == m.warnings


def test_networks_deny_also_cuts_pod_traffic() -> None:
    """``networks`` match pod addresses, whatever ``--no-ipblock-pods`` says."""
    deny = make_tier_policy(
        "no-10-0-0", 10, namespaces=sel(), egress=[t_rule("Deny", [t_networks("10.0.0.0/24")])]
    )
    cluster = make_cluster(_pods(), tier_policies=[deny])
    expected = {
        ("other/client", "shop/db"): "denied",
        ("shop/web", "shop/db"): "denied",
        ("shop/db", "other/client"): "allowed",  # 10.0.1.1 is outside
    }
    _check(cluster, expected)
    m = compute_matrix(cluster, 80, TCP, AnalysisOptions(ipblock_pods=False))
    assert _cell(m, "other/client", "shop/db") == "denied"


def test_networks_deny_makes_an_unknown_ip_pod_conditional() -> None:
    template = make_pod("shop", "api[Deployment]", {"app": "api"}, kind="Deployment")
    deny = make_tier_policy(
        "no-10-0-0", 10, namespaces=sel(), egress=[t_rule("Deny", [t_networks("10.0.0.0/24")])]
    )
    cluster = make_cluster([*_pods(), template], tier_policies=[deny])
    m = compute_matrix(cluster, 80, TCP, OPTIONS)
    assert _cell(m, "other/client", "shop/api[Deployment]") == "conditional"
    assert m.warnings == ()  # an unknown address, not an undecided tier
    inside = AnalysisOptions(pod_cidrs=(parse_network("10.0.0.0/25"),))
    assert _cell(compute_matrix(cluster, 80, TCP, inside), "other/client", "shop/api[Deployment]") == "denied"
    outside = AnalysisOptions(pod_cidrs=(parse_network("10.9.0.0/16"),))
    assert (
        _cell(compute_matrix(cluster, 80, TCP, outside), "other/client", "shop/api[Deployment]") == "allowed"
    )


def test_named_port_without_protocol_matches_every_protocol() -> None:
    pods = [
        make_pod("x", "srv", {"app": "srv"}, ["10.0.0.1"], [("dns", 53, "UDP")]),
        make_pod("x", "c", {"app": "c"}, ["10.0.0.2"]),
    ]
    deny = make_tier_policy(
        "no-dns", 1, pods=sel(app="srv"), ingress=[t_rule("Deny", [t_namespaces()], [t_named("dns")])]
    )
    cluster = make_cluster(pods, tier_policies=[deny])
    conn = compute_connectivity(cluster, OPTIONS, external=False)
    pair = conn.pair(conn.endpoints.index("x/c"), conn.endpoints.index("x/srv"))
    assert not pair.allows(53, Protocol.UDP) and pair.allows(53, TCP) and pair.allows(54, Protocol.UDP)
    assert _cell(compute_matrix(cluster, 53, Protocol.UDP, OPTIONS), "x/c", "x/srv") == "denied"


# --- external ranges ------------------------------------------------------------------------------


def _ranges(conn: Connectivity) -> dict[str, int]:
    assert conn.external is not None
    return {name: r for r, name in enumerate(conn.external.names())}


def test_nodes_egress_splits_the_ranges_at_the_node_addresses() -> None:
    nodes = [
        make_node("n1", {"role": "worker"}, "192.168.1.3"),
        make_node("n2", {"role": "infra"}, "192.168.1.9"),
    ]
    deny_nodes = make_tier_policy(
        "no-workers",
        1,
        namespaces=sel(),
        egress=[t_rule("Deny", [t_nodes(sel(role="worker"))], [t_port(10250)])],
    )
    cluster = make_cluster(_pods(), tier_policies=[deny_nodes], nodes=nodes)
    conn = compute_connectivity(cluster, OPTIONS, external=True)
    ranges = _ranges(conn)
    assert "192.168.1.3/32" in ranges  # the worker node's address is a range of its own
    assert "192.168.1.9/32" not in ranges  # the infra node is selected by no peer
    web = conn.endpoints.index("shop/web")
    to_node = conn.to_external(web, ranges["192.168.1.3/32"])
    assert (
        not to_node.allows(10250, TCP) and to_node.allows(10251, TCP) and to_node.allows(10250, Protocol.UDP)
    )
    for name, r in ranges.items():
        if name != "192.168.1.3/32":
            assert conn.to_external(web, r).allows(10250, TCP), name
    # the oracle agrees
    pod = pod_endpoint(cluster, next(p for p in cluster.pods if p.key == "shop/web"))
    assert not decide(cluster, flow(pod, external_endpoint("192.168.1.3"), 10250)).allowed
    assert decide(cluster, flow(pod, external_endpoint("192.168.1.9"), 10250)).allowed


def test_domain_names_make_external_egress_conditional() -> None:
    allow = make_tier_policy(
        "dns-names", 1, namespaces=sel(), egress=[t_rule("Allow", [t_domains("example.com")])]
    )
    deny = make_tier_policy(
        "deny-rest", 2, namespaces=sel(), egress=[t_rule("Deny", [t_networks("0.0.0.0/0")])]
    )
    cluster = make_cluster(_pods(), tier_policies=[allow, deny])
    conn = compute_connectivity(cluster, OPTIONS, external=True)
    assert conn.external is not None
    web = conn.endpoints.index("shop/web")
    for r in range(len(conn.external.ranges)):
        out = conn.to_external(web, r)
        assert out.allowed == () and out.maybe(443, TCP)  # example.com may resolve anywhere
        assert conn.from_external(r, web).allows(443, TCP)  # ingress: no tier rule
    assert any("domainNames" in w for w in conn.warnings)
    # pod to pod: a domainNames peer never matches a pod, the Deny of 0.0.0.0/0 does
    assert conn.pair(web, conn.endpoints.index("shop/db")) == Connection()


# --- byte-identity and the engine diff ----------------------------------------------------------


def test_without_tiers_no_warning_and_nothing_conditional() -> None:
    cluster = make_cluster(_pods(), _np_allow_client_to_db())
    m = compute_matrix(cluster, 80, TCP, OPTIONS)
    assert m.warnings == () and m.conditional == ()
    conn = compute_connectivity(cluster, OPTIONS)
    assert conn.warnings == ()


def test_engine_diff_leaves_tiered_versions_to_the_solver() -> None:
    """`version_change` answers None (the caller falls back to Z3) when either version has
    tier policies, as it does for conditional cells."""
    deny = make_tier_policy("d", 1, namespaces=sel(), ingress=[t_rule("Deny", [t_namespaces()])])
    old = make_cluster(_pods(), _np_allow_client_to_db())
    new = make_cluster(_pods(), _np_allow_client_to_db(), tier_policies=[deny])
    part = equivalence_classes(new, OPTIONS)
    assert version_change(part, old, new, OPTIONS, [0]) is None
    assert version_change(part, new, old, OPTIONS, [0]) is None
    assert version_change(part, old, old, OPTIONS, [0]) is not None
