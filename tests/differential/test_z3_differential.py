"""Z3 verdicts against the oracle, in both universes.

Contract: for a random cluster and a random property, the verdict of `verifier.query.check`
equals the verdict of `tests.brute.brute_force_verdict`, which enumerates a complete set of
concrete flows and asks the plain oracle about each; and every counterexample or witness Z3
returns is in the property's scope and is judged by the oracle the way the verdict says.
"""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.brute import brute_force_verdict, in_scope
from tests.strategies import (
    NAMESPACES,
    NS_LABELS,
    POD_LABELS,
    PORT_POOL,
    clusters,
    expr,
    ip_blocks,
    make_cluster,
    make_pod,
    make_policy,
    pod_peer,
    port,
    rule,
    sel,
    selectors,
)
from verifier.model import (
    NAMESPACE_NAME_LABEL,
    AnalysisOptions,
    Cluster,
    PolicyPort,
    Protocol,
    Universe,
    parse_network,
)
from verifier.oracle import decide
from verifier.query.check import check
from verifier.results import PropertyResult, Verdict
from verifier.spec import Expect, Property, SpecPeer


def _no_duplicate_named_ports(cluster: Cluster) -> bool:
    """The loader rejects a pod that defines one port name twice; so does the API server."""
    for pod in cluster.pods:
        names = [(cp.name, cp.protocol) for cp in pod.ports if cp.name]
        if len(names) != len(set(names)):
            return False
    return True


@st.composite
def spec_peers(draw: st.DrawFn, cluster: Cluster, *, allow_pod: bool = True) -> SpecPeer:
    shapes = ["ns", "nssel", "podsel", "both", "ip"]
    if allow_pod and cluster.pods:
        shapes.append("pod")
    shape = draw(st.sampled_from(shapes))
    if shape == "ip":
        return SpecPeer(ip_block=draw(ip_blocks()))
    if shape == "pod":
        # an input pod, or (rarely) one the input lacks: an error, never a vacuous proof
        return SpecPeer(pod=draw(st.sampled_from([p.key for p in cluster.pods] * 4 + ["x/ghost"])))
    if shape == "ns":
        return SpecPeer(namespace=draw(st.sampled_from(NAMESPACES)))
    pod_sel = draw(selectors(POD_LABELS)) if shape in ("podsel", "both") else None
    ns_sel = draw(selectors(NS_LABELS)) if shape in ("nssel", "both") else None
    return SpecPeer(pod_selector=pod_sel, namespace_selector=ns_sel)


@st.composite
def spec_ports(draw: st.DrawFn, *, named: bool) -> PolicyPort:
    protocol = draw(st.sampled_from(tuple(Protocol)))
    shapes = ["any", "number", "range"] + (["named"] if named else [])
    shape = draw(st.sampled_from(shapes))
    if shape == "any":
        return PolicyPort(protocol=protocol)
    if shape == "named":
        return PolicyPort(protocol=protocol, port=draw(st.sampled_from(("http", "dns"))))
    number = draw(st.sampled_from(PORT_POOL))
    end = number + draw(st.sampled_from((1, 30))) if shape == "range" else None
    return PolicyPort(protocol=protocol, port=number, end_port=end)


@st.composite
def properties(draw: st.DrawFn, cluster: Cluster, *, named_ports: bool = True, pods: bool = True) -> Property:
    def side() -> tuple[SpecPeer, ...] | None:
        return draw(
            st.none() | st.lists(spec_peers(cluster, allow_pod=pods), min_size=1, max_size=2).map(tuple)
        )

    return Property(
        name="p",
        expect=draw(st.sampled_from(tuple(Expect))),
        sources=side(),
        destinations=side(),
        ports=draw(st.none() | st.lists(spec_ports(named=named_ports), min_size=1, max_size=2).map(tuple)),
    )


@st.composite
def options(draw: st.DrawFn, universe: Universe) -> AnalysisOptions:
    cidrs = draw(st.sampled_from(((), ("10.0.0.0/24",), ("10.0.0.0/16", "fd00::/64"))))
    return AnalysisOptions(
        universe=universe,
        pod_cidrs=tuple(parse_network(c) for c in cidrs),
        ipblock_pods=draw(st.booleans()),
        timeout_s=60,
    )


def _assert_consistent(
    result: PropertyResult, cluster: Cluster, prop: Property, opts: AnalysisOptions
) -> None:
    if result.verdict is Verdict.ERROR:
        assert "empty scope" in result.reason or "is not in the input" in result.reason, result.reason
        return
    assert result.verdict in (Verdict.HOLDS, Verdict.VIOLATED), result.reason
    # A violated deny/allow has a counterexample, a holding reachable a witness.
    if (result.verdict is Verdict.VIOLATED) != (prop.expect is Expect.REACHABLE):
        assert result.flow is not None, f"{result.verdict} {prop.expect} without a flow"
    if result.flow is None:
        return
    assert in_scope(prop, result.flow, cluster, opts), f"{result.flow} is outside the property's scope"
    allowed = decide(cluster, result.flow, ipblock_pods=opts.ipblock_pods).allowed
    assert allowed == (prop.expect is not Expect.ALLOW), f"oracle disagrees on {result.flow}"


def names_missing(cluster: Cluster, prop: Property, universe: Universe) -> bool:
    """The property names a pod (or, in the inventory universe, a namespace) the input lacks."""
    for peer in (prop.sources or ()) + (prop.destinations or ()):
        if peer.pod is not None and peer.pod not in {p.key for p in cluster.pods}:
            return True
        if universe is Universe.INVENTORY and peer.namespace not in (None, *cluster.namespaces):
            return True
    return False


def assert_same_verdict(
    result: PropertyResult, holds: bool | None, flow: object, *, missing: bool = False
) -> None:
    """Z3's verdict is the brute-force one; a scope naming what is not there, or an empty
    scope, is an error, never a proof."""
    if missing:
        assert result.verdict is Verdict.ERROR and "is not in the input" in result.reason, result
    elif holds is None:
        assert result.verdict is Verdict.ERROR and "empty scope" in result.reason, result
    else:
        assert (result.verdict is Verdict.HOLDS) == holds, f"Z3 says {result.verdict}, oracle found {flow}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), cluster=clusters(max_pods=5, max_policies=3, undeclared=True))
def test_inventory_verdicts_equal_exhaustive_oracle(data: st.DataObject, cluster: Cluster) -> None:
    assume(_no_duplicate_named_ports(cluster))
    prop = data.draw(properties(cluster))
    opts = data.draw(options(Universe.INVENTORY))
    result = check(cluster, [prop], opts).results[0]
    _assert_consistent(result, cluster, prop, opts)
    holds, flow = brute_force_verdict(cluster, prop, Universe.INVENTORY, opts)
    assert_same_verdict(result, holds, flow, missing=names_missing(cluster, prop, Universe.INVENTORY))


# The `any` universe: hypothetical pods are enumerated, so labels come from tiny pools.
SMALL_POD_LABELS = {"app": ("a", "b")}
SMALL_NS_LABELS = {"team": ("a",)}


@st.composite
def small_clusters(draw: st.DrawFn) -> Cluster:
    names = draw(st.lists(st.sampled_from(NAMESPACES[:2]), min_size=1, max_size=2, unique=True))
    spaces = {n: draw(st.dictionaries(st.just("team"), st.sampled_from(("a", "b")))) for n in names}
    pods = [
        make_pod(
            draw(st.sampled_from(names)),
            f"p{i}",
            draw(st.dictionaries(st.just("app"), st.sampled_from(("a", "b", "c")))),
            [f"10.0.0.{i + 1}"],
            draw(st.sampled_from(((), (("http", 80),), (("http", 81),)))),
        )
        for i in range(draw(st.integers(0, 2)))
    ]
    # a workload template (IP unknown), standing for one pod or for several replicas
    if draw(st.booleans()):
        pods.append(
            make_pod(
                draw(st.sampled_from(names)),
                "w[StatefulSet]",
                draw(st.dictionaries(st.just("app"), st.sampled_from(("a", "b")))),
                kind="StatefulSet",
                replicated=draw(st.booleans()),
            )
        )

    def peer() -> object:
        shape = draw(st.sampled_from(("pod", "ns", "both", "ip")))
        if shape == "ip":
            return draw(
                st.sampled_from(("10.0.0.0/30", "0.0.0.0/0", "fd00::/120", "10.0.0.1/32", "10.0.0.9/32"))
            )
        return pod_peer(
            draw(selectors(SMALL_POD_LABELS)) if shape != "ns" else None,
            draw(selectors(SMALL_NS_LABELS | {NAMESPACE_NAME_LABEL: NAMESPACES[:2]}))
            if shape != "pod"
            else None,
        )

    def a_rule() -> object:
        peers = draw(st.none() | st.lists(st.builds(peer), min_size=1, max_size=2))
        ports = draw(
            st.none()
            | st.lists(
                st.sampled_from(
                    (port(80), port(80, end_port=90), port("http"), port(53, "UDP"), port(None, "SCTP"))
                ),
                min_size=1,
                max_size=2,
            )
        )
        resolved = []
        for p in peers or ():
            if isinstance(p, str):
                from tests.strategies import ip_peer

                resolved.append(ip_peer(p))
            else:
                resolved.append(p)
        return rule(resolved or None, ports)

    policies = [
        make_policy(
            draw(st.sampled_from(names)),
            f"np{i}",
            draw(selectors(SMALL_POD_LABELS)),
            ingress=[a_rule() for _ in range(draw(st.integers(0, 2)))],  # type: ignore[misc]
            egress=[a_rule() for _ in range(draw(st.integers(0, 2)))],  # type: ignore[misc]
            policy_types=draw(st.none() | st.sets(st.sampled_from(("Ingress", "Egress")), min_size=1)),
        )
        for i in range(draw(st.integers(0, 2)))
    ]
    return make_cluster(pods, policies, spaces)


@st.composite
def small_properties(draw: st.DrawFn, cluster: Cluster) -> Property:
    def one() -> SpecPeer:
        shape = draw(st.sampled_from(("ns", "pod", "nssel", "ip")))
        if shape == "ns":
            return SpecPeer(namespace=draw(st.sampled_from(NAMESPACES[:3])))
        if shape == "pod":
            return SpecPeer(pod_selector=draw(selectors(SMALL_POD_LABELS)))
        if shape == "nssel":
            return SpecPeer(namespace_selector=draw(selectors(SMALL_NS_LABELS)))
        return SpecPeer(ip_block=draw(ip_blocks()))

    def side() -> tuple[SpecPeer, ...] | None:
        return draw(st.none() | st.lists(st.builds(one), min_size=1, max_size=2).map(tuple))

    return Property(
        name="p",
        expect=draw(st.sampled_from(tuple(Expect))),
        sources=side(),
        destinations=side(),
        ports=draw(st.none() | st.lists(spec_ports(named=False), min_size=1, max_size=1).map(tuple)),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), cluster=small_clusters())
def test_any_universe_verdicts_equal_exhaustive_oracle(data: st.DataObject, cluster: Cluster) -> None:
    prop = data.draw(small_properties(cluster))
    cidrs = data.draw(st.sampled_from(((), ("10.0.0.0/30",), ("10.0.0.8/29", "fd00::/120"))))
    opts = AnalysisOptions(
        universe=Universe.ANY,
        ipblock_pods=data.draw(st.booleans()),
        pod_cidrs=tuple(parse_network(c) for c in cidrs),
        timeout_s=60,
    )
    result = check(cluster, [prop], opts).results[0]
    _assert_consistent(result, cluster, prop, opts)
    holds, flow = brute_force_verdict(cluster, prop, Universe.ANY, opts)
    assert_same_verdict(result, holds, flow, missing=names_missing(cluster, prop, Universe.ANY))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), cluster=clusters(max_pods=5, max_policies=3, undeclared=True))
def test_any_universe_contains_the_inventory(data: st.DataObject, cluster: Cluster) -> None:
    """The `any` universe contains every input pod as itself, at its real address, whatever
    ``--pod-cidr`` says (design.md §2): violated in inventory ⇒ violated in any, for deny and
    allow; a reachable witness in the inventory is one in `any`."""
    assume(_no_duplicate_named_ports(cluster))
    prop = data.draw(properties(cluster))
    opts = data.draw(options(Universe.INVENTORY))
    inv = check(cluster, [prop], opts).results[0]
    anyr = check(cluster, [prop], opts.model_copy(update={"universe": Universe.ANY})).results[0]
    assert Verdict.UNKNOWN not in (inv.verdict, anyr.verdict)
    if prop.expect is Expect.REACHABLE:
        if inv.verdict is Verdict.HOLDS:
            assert anyr.verdict is Verdict.HOLDS, (inv.flow, anyr)
    elif inv.verdict is Verdict.VIOLATED:
        assert anyr.verdict is Verdict.VIOLATED, (inv.flow, anyr)


def test_seed_like_counterexample_in_any_universe() -> None:
    """The docs' policy: in `any`, a pod outside project=myproject whose address is in
    172.17.0.0/16 but not 172.17.1.0/24 reaches the db — Z3 must find such a pod."""
    from tests.strategies import ip_peer, ns_peer

    policy = make_policy(
        "default",
        "test-network-policy",
        sel(role="db"),
        ingress=[
            rule(
                [
                    ip_peer("172.17.0.0/16", "172.17.1.0/24"),
                    ns_peer(sel(project="myproject")),
                    pod_peer(sel(role="frontend")),
                ],
                [port(6379)],
            )
        ],
        egress=[rule([ip_peer("10.0.0.0/24")], [port(5978)])],
    )
    cluster = make_cluster([], [policy], {"default": {}, "myproject": {"project": "myproject"}})
    prop = Property(
        name="db-only-from-myproject",
        expect=Expect.DENY,
        sources=(SpecPeer(namespace_selector=sel(None, expr("project", "NotIn", "myproject"))),),
        destinations=(SpecPeer(namespace="default", pod_selector=sel(role="db")),),
        ports=(port(6379),),
    )
    opts = AnalysisOptions(universe=Universe.ANY, pod_cidrs=(parse_network("172.16.0.0/12"),))
    result = check(cluster, [prop], opts).results[0]
    assert result.verdict is Verdict.VIOLATED
    assert result.flow is not None
    _assert_consistent(result, cluster, prop, opts)
    src = result.flow.source
    assert (src.ip is not None and src.ip in parse_network("172.17.0.0/16")) or src.labels.get(
        "role"
    ) == "frontend"
