"""Z3 verdicts with cluster-wide tiers against the exhaustive oracle, in both universes.

Contract: for a random tiered cluster (AdminNetworkPolicies, ClusterNetworkPolicies,
BaselineAdminNetworkPolicies around NetworkPolicies; every action and peer kind, same-priority
levels and ``domainNames`` peers included) and a random property, the three-valued verdict of
`verifier.query.check` — holds / violated / unknown (the manifests leave the flow to the
implementation) — equals `tests.brute.brute_force_outcome`'s, which asks the oracle's
must-allow and may-allow about a complete set of concrete flows; every counterexample,
witness or undecided example replays through `decide` as the verdict says; and a property
violated in the inventory is violated in the `any` universe.

The `any` universe enumerates hypothetical pods over every label combination, so its
clusters come from tiny label pools (`small_tiered_clusters`, as the plain suite's
`small_clusters`); the inventory universe takes the shared `tiered_clusters`.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, assume, given, reject, settings
from hypothesis import strategies as st

from tests.brute import TooManyFlows, brute_force_outcome, in_scope
from tests.differential.test_region_flows import check_regions
from tests.differential.test_z3_differential import (
    _no_duplicate_named_ports,
    names_missing,
    options,
    properties,
    small_clusters,
    small_properties,
)
from tests.strategies import (
    NAMESPACES,
    make_node,
    make_tier_policy,
    sel,
    selectors,
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
from verifier.model import (
    NAMESPACE_NAME_LABEL,
    AnalysisOptions,
    Cluster,
    IPBlock,
    Pod,
    PolicyPort,
    Protocol,
    Universe,
    parse_network,
)
from verifier.model.tiers import Action, Tier, TierPeer, TierPolicy, TierPort, TierRule
from verifier.oracle import decide, pod_endpoint
from verifier.query.check import check
from verifier.query.diff import diff
from verifier.query.exposure import destination_peer, exposure
from verifier.results import EndpointKind, Flow, PropertyResult, RegionStatus, Verdict
from verifier.spec import Expect, Property, SpecPeer

# --- properties aimed at the tiers -------------------------------------------------------------


def _subject_peer(policy: TierPolicy) -> SpecPeer:
    s = policy.subject
    if s.namespaces is not None:
        return SpecPeer(namespace_selector=s.namespaces)
    return SpecPeer(namespace_selector=s.pod_namespaces, pod_selector=s.pods)


def _rule_peer(peer: TierPeer, cluster: Cluster) -> SpecPeer:
    """The endpoints a rule's peer names, as a property peer (externals for address peers)."""
    if peer.namespaces is not None:
        return SpecPeer(namespace_selector=peer.namespaces)
    if peer.pods is not None:
        return SpecPeer(namespace_selector=peer.pod_namespaces, pod_selector=peer.pods)
    if peer.networks:
        # outside --pod-cidr an ipBlock names external endpoints only: a wide one finds some
        wide = "0.0.0.0/0" if peer.networks[0].version == 4 else "::/0"
        return SpecPeer(
            ip_block=IPBlock(cidr=peer.networks[-1] if len(peer.networks) > 1 else parse_network(wide))
        )
    addresses = peer.node_addresses(cluster.nodes)
    if addresses:
        return SpecPeer(ip_block=IPBlock(cidr=parse_network(f"{addresses[0]}/{addresses[0].max_prefixlen}")))
    return SpecPeer(ip_block=IPBlock(cidr=parse_network("0.0.0.0/0")))


def _spec_port(entry: TierPort) -> PolicyPort:
    if entry.name is not None:
        return PolicyPort(protocol=entry.protocol or Protocol.TCP, port=entry.name)
    lo, hi = entry.numeric_range() or (1, 65535)
    protocol = entry.protocol or Protocol.TCP
    if (lo, hi) == (1, 65535):
        return PolicyPort(protocol=protocol)
    return PolicyPort(protocol=protocol, port=lo, end_port=hi if hi != lo else None)


_ROTATE = {Action.ALLOW: Action.DENY, Action.DENY: Action.PASS, Action.PASS: Action.ALLOW}


@st.composite
def with_twins(draw: st.DrawFn, clusters: st.SearchStrategy[Cluster]) -> Cluster:
    """Now and then a twin of an Admin-tier policy: the same subject, rules and priority with
    every action rotated (Allow → Deny → Pass → Allow). Both match the same flows with
    different actions — a same-priority conflict, which random policies seldom produce."""
    cluster = draw(clusters)
    admins = [p for p in cluster.tier_policies if p.tier is Tier.ADMIN]
    if not admins or draw(st.booleans()):
        return cluster
    original = draw(st.sampled_from(admins))

    def rotated(rules: tuple[TierRule, ...]) -> tuple[TierRule, ...]:
        out = []
        for r in rules:
            action = _ROTATE[r.action]
            out.append(r.model_copy(update={"action": action, "action_written": action.value}))
        return tuple(out)

    twin = original.model_copy(
        update={
            "name": f"{original.name}-twin",
            "ingress": rotated(original.ingress),
            "egress": rotated(original.egress),
        }
    )
    return cluster.model_copy(update={"tier_policies": (*cluster.tier_policies, twin)})


def _pod_or_namespace(draw: st.DrawFn, cluster: Cluster, pods: list[Pod]) -> SpecPeer:
    """One of ``pods`` (else any inventory pod) by name, or its namespace."""
    pod = draw(st.sampled_from(pods or list(cluster.pods)))
    return SpecPeer(pod=pod.key) if draw(st.booleans()) else SpecPeer(namespace=pod.namespace)


@st.composite
def tier_properties(
    draw: st.DrawFn, cluster: Cluster, fallback: st.SearchStrategy[Property], *, inventory: bool = False
) -> Property:
    """Mostly a property whose scope is one tier rule's — the subject on the judged end, the
    rule's peer on the other, its ports: where the tiers decide, and where same-priority
    conflicts and domainNames leave flows undecided. With ``inventory``, the pod ends are an
    inventory pod the selectors select, or its namespace (random selectors seldom select one
    of a few input pods).
    Else ``fallback``'s property."""
    rules = [(p, r) for p in cluster.tier_policies for r in p.ingress + p.egress]
    if not rules or draw(st.integers(0, 3)) == 0:
        return draw(fallback)
    policy, rule = draw(st.sampled_from(rules))
    subject = _subject_peer(policy)
    other = _rule_peer(draw(st.sampled_from(rule.peers)), cluster)
    if inventory and cluster.pods:
        # the pods the subject selects and the pods the peer matches, where there are some
        endpoints = {p.key: pod_endpoint(cluster, p) for p in cluster.pods}
        chosen = [p for p in cluster.pods if policy.selects(endpoints[p.key])]
        subject = _pod_or_namespace(draw, cluster, chosen)
        if not other.is_external:
            chosen = [p for p in cluster.pods if any(q.matches(endpoints[p.key]) for q in rule.peers)]
            other = _pod_or_namespace(draw, cluster, chosen)
    egress = rule.direction.value == "Egress"
    ports = None
    if rule.ports is not None and draw(st.integers(0, 3)):
        ports = (_spec_port(draw(st.sampled_from(rule.ports))),)
    return Property(
        name="p",
        expect=draw(st.sampled_from(tuple(Expect))),
        sources=(subject,) if egress else (other,),
        destinations=(other,) if egress else (subject,),
        ports=ports,
    )


# The oracle decides a few thousand flows a second with tiers, and the enumeration is quadratic
# in endpoints: a wide scope over many label combinations or addresses is skipped (hypothesis
# draws another), not waited for.
MAX_DECISIONS = 3_000


def assert_replays(result: PropertyResult, cluster: Cluster, prop: Property, opts: AnalysisOptions) -> None:
    """The result's flow is in scope and the oracle judges it as the verdict says."""
    if result.verdict is Verdict.ERROR:
        assert "empty scope" in result.reason or "is not in the input" in result.reason, result.reason
        return
    assert not result.reason.startswith("solver:"), result.reason
    if result.verdict is Verdict.UNKNOWN or (result.verdict is Verdict.VIOLATED) != (
        prop.expect is Expect.REACHABLE
    ):
        assert result.flow is not None, f"{result.verdict} {prop.expect} without a flow"
    if result.flow is None:
        return
    assert in_scope(prop, result.flow, cluster, opts), f"{result.flow} is outside the property's scope"
    decision = decide(cluster, result.flow, ipblock_pods=opts.ipblock_pods)
    if result.verdict is Verdict.UNKNOWN:
        assert decision.may_allow and not decision.allowed, f"{result.flow} is decided: {decision}"
        assert decision.undecided and decision.undecided in result.reason, result.reason
    elif prop.expect is Expect.ALLOW:
        assert not decision.may_allow, f"oracle may allow {result.flow}"
    else:
        assert decision.allowed, f"oracle does not surely allow {result.flow}"


def assert_same_outcome(
    result: PropertyResult, verdict: Verdict | None, flow: object, *, missing: bool = False
) -> None:
    if missing:
        assert result.verdict is Verdict.ERROR and "is not in the input" in result.reason, result
    elif verdict is None:
        assert result.verdict is Verdict.ERROR and "empty scope" in result.reason, result
    else:
        assert result.verdict is verdict, f"Z3 says {result.verdict}, the oracle {verdict} ({flow}): {result}"


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(
    data=st.data(),
    cluster=with_twins(tiered_clusters(max_pods=3, max_policies=2, max_admin=3, undeclared=True)),
)
def test_inventory_tier_verdicts_equal_exhaustive_oracle(data: st.DataObject, cluster: Cluster) -> None:
    assume(_no_duplicate_named_ports(cluster) and cluster.pods)
    prop = data.draw(tier_properties(cluster, properties(cluster), inventory=True))
    opts = data.draw(options(Universe.INVENTORY))
    result = check(cluster, [prop], opts).results[0]
    assert_replays(result, cluster, prop, opts)
    try:
        verdict, flow = brute_force_outcome(
            cluster, prop, Universe.INVENTORY, opts, max_decisions=MAX_DECISIONS
        )
    except TooManyFlows:
        reject()
    assert_same_outcome(result, verdict, flow, missing=names_missing(cluster, prop, Universe.INVENTORY))


# --- the `any` universe: tiny label pools, as the plain suite's small_clusters -------------------

SMALL_POD = {"app": ("a", "b")}
SMALL_NS = {"team": ("a",), NAMESPACE_NAME_LABEL: NAMESPACES[:2]}
SMALL_NODES = (("n1", {"role": "worker"}, ("192.168.1.3",)), ("n2", {"role": "infra"}, ("10.0.0.200",)))


def _small_peer(egress: bool) -> st.SearchStrategy[TierPeer]:
    choices = [
        st.builds(t_namespaces, selectors(SMALL_NS)),
        st.builds(t_pods, selectors(SMALL_POD), st.none() | selectors(SMALL_NS)),
        st.lists(
            st.sampled_from(("10.0.0.0/30", "0.0.0.0/0", "10.0.0.1/32", "192.168.1.0/30", "fd00::/120")),
            min_size=1,
            max_size=2,
            unique=True,
        ).map(lambda c: t_networks(*c)),
    ]
    if egress:
        choices += [
            st.builds(t_nodes, selectors({"role": ("worker", "infra")})),
            st.just(t_domains("example.com")),
        ]
    return st.one_of(choices)


def _small_port() -> st.SearchStrategy[TierPort]:
    return st.sampled_from(
        (
            t_port(80),
            t_port(80, end=90),
            t_port(53, "UDP"),
            t_port(None, "SCTP"),
            t_named("http"),
            t_named("http", "TCP"),
        )
    )


@st.composite
def small_tiered_clusters(draw: st.DrawFn) -> Cluster:
    """`small_clusters` wrapped in 0-3 Admin-tier policies and now and then a Baseline-tier
    one, over the same tiny label pools. Policies draw their subjects, peers and ports from
    small shared pools and their priorities from two values, so that they often select the
    same pods and match the same flows: same-priority conflicts and first-match shadowing
    happen, and catch-all rules (every namespace, 0.0.0.0/0) make deny and allow hold too."""
    base = draw(small_clusters())
    subjects = draw(
        st.lists(
            st.one_of(
                st.builds(lambda s: ("ns", s), selectors(SMALL_NS)),
                st.builds(lambda s: ("pod", s), selectors(SMALL_POD)),
            ),
            min_size=1,
            max_size=2,
        )
    )
    catch_all = [t_namespaces(), t_networks("0.0.0.0/0", "::/0")]
    peers = {
        egress: [*draw(st.lists(_small_peer(egress), min_size=1, max_size=3)), *catch_all]
        for egress in (False, True)
    }
    ports = draw(st.lists(_small_port(), min_size=1, max_size=2))

    def rule(egress: bool, actions: tuple[str, ...]) -> st.SearchStrategy[TierRule]:
        return st.builds(
            t_rule,
            st.sampled_from(actions),
            st.lists(st.sampled_from(peers[egress]), min_size=1, max_size=2),
            st.none() | st.lists(st.sampled_from(ports), min_size=1, max_size=2),
        )

    def policy(name: str, tier: str, kind: str) -> TierPolicy:
        actions = ("Allow", "Deny") if kind == "BaselineAdminNetworkPolicy" else ("Allow", "Deny", "Pass")
        how, selector = draw(st.sampled_from(subjects))
        return make_tier_policy(
            name,
            draw(st.sampled_from((1, 2))),
            tier=tier,
            kind=kind,
            namespaces=selector if how == "ns" else None,
            pods=selector if how == "pod" else None,
            ingress=draw(st.lists(rule(False, actions), max_size=2)),
            egress=draw(st.lists(rule(True, actions), max_size=2)),
        )

    tiered = []
    for i in range(draw(st.integers(0, 3))):
        tiered.append(
            policy(
                f"admin{i}", "Admin", draw(st.sampled_from(("AdminNetworkPolicy", "ClusterNetworkPolicy")))
            )
        )
    if draw(st.booleans()):
        kind = draw(st.sampled_from(("BaselineAdminNetworkPolicy", "ClusterNetworkPolicy")))
        tiered.append(
            policy("default" if kind == "BaselineAdminNetworkPolicy" else "baseline0", "Baseline", kind)
        )
    nodes = tuple(make_node(n, labels, *addrs) for n, labels, addrs in SMALL_NODES)
    return base.model_copy(update={"tier_policies": tuple(tiered), "nodes": nodes})


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(data=st.data(), cluster=with_twins(small_tiered_clusters()))
def test_any_universe_tier_verdicts_equal_exhaustive_oracle(data: st.DataObject, cluster: Cluster) -> None:
    prop = data.draw(tier_properties(cluster, small_properties(cluster)))
    # a pod CIDR always: hypothetical pods at every gap of the whole address line would make
    # the enumeration quadratic in far too many endpoints
    cidrs = data.draw(st.sampled_from((("10.0.0.0/30",), ("10.0.0.8/29", "fd00::/120"))))
    opts = AnalysisOptions(
        universe=Universe.ANY,
        ipblock_pods=data.draw(st.booleans()),
        pod_cidrs=tuple(parse_network(c) for c in cidrs),
        timeout_s=60,
    )
    result = check(cluster, [prop], opts).results[0]
    assert_replays(result, cluster, prop, opts)
    try:
        verdict, flow = brute_force_outcome(cluster, prop, Universe.ANY, opts, max_decisions=MAX_DECISIONS)
    except TooManyFlows:
        reject()  # a scope the enumeration cannot cover quickly (Z3's answer replayed above)
    assert_same_outcome(result, verdict, flow, missing=names_missing(cluster, prop, Universe.ANY))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    cluster=with_twins(tiered_clusters(max_pods=5, max_policies=3, max_admin=3, undeclared=True)),
)
def test_any_universe_contains_the_inventory_with_tiers(data: st.DataObject, cluster: Cluster) -> None:
    """Violated in the inventory ⇒ violated in `any` (deny, allow); a surely reachable flow of
    the inventory is one of `any`; a flow the manifests leave undecided in the inventory is
    in `any` too, so its verdict there is not ``holds``."""
    assume(_no_duplicate_named_ports(cluster))
    prop = data.draw(tier_properties(cluster, properties(cluster), inventory=True))
    opts = data.draw(options(Universe.INVENTORY))
    inv = check(cluster, [prop], opts).results[0]
    any_opts = opts.model_copy(update={"universe": Universe.ANY})
    anyr = check(cluster, [prop], any_opts).results[0]
    assert_replays(inv, cluster, prop, opts)
    assert_replays(anyr, cluster, prop, any_opts)
    if prop.expect is Expect.REACHABLE:
        if inv.verdict is Verdict.HOLDS:
            assert anyr.verdict is Verdict.HOLDS, (inv.flow, anyr)
        if inv.verdict is Verdict.UNKNOWN:
            assert anyr.verdict in (Verdict.HOLDS, Verdict.UNKNOWN), (inv.flow, anyr)
    else:
        if inv.verdict is Verdict.VIOLATED:
            assert anyr.verdict is Verdict.VIOLATED, (inv.flow, anyr)
        if inv.verdict is Verdict.UNKNOWN:
            assert anyr.verdict in (Verdict.VIOLATED, Verdict.UNKNOWN), (inv.flow, anyr)


# --- diff and exposure regions with tiers: added = may-allow gained, removed = must-allow lost ---


_SWAP = {Action.ALLOW: Action.DENY, Action.DENY: Action.ALLOW, Action.PASS: Action.PASS}


def _swapped(rules: tuple[TierRule, ...]) -> tuple[TierRule, ...]:
    """Allow and Deny swapped."""
    return tuple(
        r.model_copy(update={"action": _SWAP[r.action], "action_written": _SWAP[r.action].value})
        for r in rules
    )


@st.composite
def tiered_versions(draw: st.DrawFn) -> tuple[Cluster, Cluster]:
    """Two versions of a small tiered cluster: the new one keeps some tier policies of the old,
    swaps Allow and Deny in some, and may add a twin (a same-priority conflict)."""
    old = draw(with_twins(small_tiered_clusters()))
    kept = []
    for policy in old.tier_policies:
        choice = draw(st.sampled_from(("keep", "keep", "drop", "swap")))
        if choice == "keep":
            kept.append(policy)
        elif choice == "swap":
            kept.append(
                policy.model_copy(
                    update={"ingress": _swapped(policy.ingress), "egress": _swapped(policy.egress)}
                )
            )
    new = draw(with_twins(st.just(old.model_copy(update={"tier_policies": tuple(kept)}))))
    return old, new


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiered_versions(), st.booleans())
def test_diff_regions_with_tiers_are_may_gained_and_must_lost(
    pair: tuple[Cluster, Cluster], ipblock_pods: bool
) -> None:
    old, new = pair
    options = AnalysisOptions(universe=Universe.INVENTORY, ipblock_pods=ipblock_pods, timeout_s=20)
    result = diff(old, new, options, max_regions=50)
    both = old.model_copy(
        update={
            "policies": old.policies + new.policies,
            "tier_policies": old.tier_policies + new.tier_policies,
        }
    )

    def member(gained: bool) -> Callable[[Flow], bool]:
        def test(f: Flow) -> bool:
            was, now = decide(old, f, ipblock_pods=ipblock_pods), decide(new, f, ipblock_pods=ipblock_pods)
            return (now.may_allow and not was.may_allow) if gained else (was.allowed and not now.allowed)

        return test

    for regions, gained in ((result.added, True), (result.removed, False)):
        assert regions.status is RegionStatus.COMPLETE, regions.reason
        check_regions(regions, both, options, member(gained))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(with_twins(small_tiered_clusters()), st.sampled_from(("a", "b", "c")), st.booleans())
def test_exposure_regions_with_tiers_hold_the_may_allowed_flows(
    cluster: Cluster, app: str, ipblock_pods: bool
) -> None:
    options = AnalysisOptions(universe=Universe.INVENTORY, ipblock_pods=ipblock_pods, timeout_s=20)
    result = exposure(cluster, destination_peer(None, sel(app=app)), options, max_regions=50)

    def member(f: Flow) -> bool:
        return (
            f.destination.kind is EndpointKind.POD
            and f.destination.labels.get("app") == app
            and decide(cluster, f, ipblock_pods=ipblock_pods).may_allow
        )

    assert result.regions.status is RegionStatus.COMPLETE, result.regions.reason
    check_regions(result.regions, cluster, options, member)
