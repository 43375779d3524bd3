"""The concrete engine with tier policies (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
ClusterNetworkPolicy) against the oracle, cell by cell.

Contract (verifier/engine/matrix.py and connectivity.py, with `verifier.model.tiers`): per
direction the Admin tier's first-match walk, then the NetworkPolicy verdict, then the
Baseline tier, then allow. A cell is *allowed* iff the oracle must allow the flow
(`Decision.allowed`) — for every possible address of a pod whose IP is unknown — and
*conditional* iff it is not allowed but some address may be allowed (`Decision.may_allow`:
a same-priority conflict, a domainNames peer, or an unknown IP); a cell the manifests leave
undecided is never "allowed" nor "denied". Pods with known IPs, pods without IP (workload
templates, quantified over ``--pod-cidr`` and cut at every ipBlock and ``networks``
boundary) and replicated templates (their diagonal is replica to replica) are all checked;
so are the external ranges, at their first and last external address and next to every
boundary (ipBlocks, networks, node addresses) inside them.
"""

from __future__ import annotations

import bisect
import functools
import random
from collections.abc import Callable, Iterable, Iterator

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.brute import namespace_label_sets
from tests.strategies import (
    CIDR_POOL,
    NODE_POOL,
    PORT_NAMES,
    PORT_POOL,
    PROTOCOLS,
    V4_POOL,
    clusters,
    flow,
    make_node,
    make_pod,
    make_tier_policy,
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
from verifier.engine import compute_matrix, equivalence_classes
from verifier.engine.connectivity import (
    PORT_MAX,
    Connection,
    Connectivity,
    compute_connectivity,
    compute_port_connectivity,
)
from verifier.engine.external import external_families
from verifier.engine.matrix import class_columns, class_rows, prepare
from verifier.model import (
    Action,
    AnalysisOptions,
    Cluster,
    IntervalSet,
    IPAddress,
    Pod,
    Protocol,
    key_to_ip,
    parse_ip,
    parse_network,
)
from verifier.model.ip import V4_SPACE, V6_SPACE, ip_key
from verifier.model.tiers import TierPolicy, TierRule
from verifier.oracle import decide, external_endpoint, pod_endpoint
from verifier.results import MatrixResult

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SPACES = st.sampled_from([[], ["10.0.0.0/28"], ["10.0.0.0/29", "fd00::/124"], ["10.0.0.0/16"]])

Verdict = tuple[bool, bool]  # (must allow, may allow)


def _sorted_pods(cluster: Cluster) -> list[Pod]:
    return sorted(cluster.pods, key=lambda p: (p.namespace, p.name))


def _pairs(xs: Iterable[IPAddress], ys: Iterable[IPAddress]) -> list[tuple[IPAddress, IPAddress]]:
    every = [(x, y) for x in xs for y in ys]
    return [(x, y) for x, y in every if x.version == y.version] or every


# Broad selectors, so that tier rules hit often; few priorities, so that conflicts come up.
_SUBJECT_SELECTORS = st.sampled_from([sel(), sel(app="a"), sel(tier="web")])
_NS_SELECTORS = st.sampled_from([sel(), sel({"kubernetes.io/metadata.name": "x"}), sel(team="a")])


def _dense_peers(egress: bool) -> st.SearchStrategy:
    choices = [
        st.builds(t_namespaces, _NS_SELECTORS),
        st.builds(t_pods, _SUBJECT_SELECTORS, _NS_SELECTORS),
        st.lists(st.sampled_from(CIDR_POOL), min_size=1, max_size=2, unique=True).map(
            lambda c: t_networks(*c)
        ),
    ]
    if egress:
        choices.append(st.builds(t_nodes, st.sampled_from([sel(), sel(role="infra")])))
        choices.append(st.just(t_domains("example.com")))
    return st.one_of(choices)


def _dense_rules(egress: bool, baseline: bool) -> st.SearchStrategy:
    protocols = st.sampled_from(("TCP", "UDP"))
    ports = st.one_of(
        st.builds(t_port, st.sampled_from((53, 80, 443)), protocols),
        st.builds(lambda n: t_port(n, "TCP", n + 400), st.sampled_from((53, 80))),
        st.builds(t_named, st.sampled_from(PORT_NAMES), st.none() | protocols),
    )
    return st.builds(
        t_rule,
        st.sampled_from(("Allow", "Deny") if baseline else ("Allow", "Deny", "Pass")),
        st.lists(_dense_peers(egress), min_size=1, max_size=2),
        st.sampled_from((None, None)) | st.lists(ports, min_size=1, max_size=2),
    )


@st.composite
def dense_tiered_clusters(draw: st.DrawFn, max_pods: int = 5) -> Cluster:
    """`clusters` wrapped in tier policies whose selectors are broad and whose priorities
    often coincide: rules that hit, same-priority conflicts and Pass chains come up often
    (`tiered_clusters` draws them rarely)."""
    base = draw(clusters(max_pods=max_pods, max_policies=2))
    policies = []
    priorities = st.sampled_from((1, 2)) if draw(st.booleans()) else st.just(1)
    for i in range(draw(st.integers(1, 4))):
        tier = draw(st.sampled_from(("Admin", "Admin", "Baseline")))
        kind = "ClusterNetworkPolicy" if tier == "Baseline" or draw(st.booleans()) else "AdminNetworkPolicy"
        by_namespace = draw(st.booleans())
        policies.append(
            make_tier_policy(
                f"t{i}",
                draw(priorities),
                tier=tier,
                kind=kind,
                namespaces=draw(_NS_SELECTORS) if by_namespace else None,
                pods=None if by_namespace else draw(_SUBJECT_SELECTORS),
                ingress=draw(st.lists(_dense_rules(False, False), min_size=1, max_size=3)),
                egress=draw(st.lists(_dense_rules(True, False), min_size=1, max_size=3)),
            )
        )
    if draw(st.booleans()):
        # a mirror of the first policy at its priority, other actions: conflicts on every hit
        policies.append(_mirror(policies[0]))
    nodes = tuple(make_node(n, labels, *addrs) for n, labels, addrs in NODE_POOL)
    return base.model_copy(update={"tier_policies": tuple(policies), "nodes": nodes})


_FLIP = {Action.ALLOW: Action.DENY, Action.DENY: Action.ALLOW, Action.PASS: Action.DENY}


def _mirror(policy: TierPolicy) -> TierPolicy:
    def flip(rules: tuple[TierRule, ...]) -> tuple[TierRule, ...]:
        return tuple(r.model_copy(update={"action": _FLIP[r.action], "action_written": ""}) for r in rules)

    return policy.model_copy(
        update={
            "name": policy.name + "-mirror",
            "ingress": flip(policy.ingress),
            "egress": flip(policy.egress),
        }
    )


def any_tiered_clusters(max_pods: int = 5) -> st.SearchStrategy[Cluster]:
    return st.one_of(tiered_clusters(max_pods=max_pods), dense_tiered_clusters(max_pods=max_pods))


@st.composite
def tiered_with_templates(draw: st.DrawFn) -> Cluster:
    """Tiered clusters plus one or two pods without IP (workload templates, replicated or
    not), so that cells quantified over the pod space come up often."""
    dense = draw(st.sampled_from((True, True, True, False)))
    cluster = draw(dense_tiered_clusters(max_pods=4) if dense else tiered_clusters(max_pods=4))
    names = sorted(cluster.namespaces)
    extra = [
        make_pod(
            draw(st.sampled_from(names)),
            f"t{i}[Deployment]",
            draw(st.dictionaries(st.sampled_from(("app", "tier")), st.sampled_from(("a", "b", "web")))),
            (),
            draw(st.lists(st.sampled_from([("http", 80), ("dns", 53), ("metrics", 443)]), max_size=2)),
            kind="Deployment",
            replicated=draw(st.booleans()),
        )
        for i in range(draw(st.integers(1, 2)))
    ]
    return cluster.model_copy(update={"pods": (*cluster.pods, *extra)})


# --- the expected cells ---------------------------------------------------------------------


def _neighbours(address: IPAddress, delta: int) -> list[IPAddress]:
    try:
        return [address + delta]
    except ValueError:
        return []


def _boundary_nets(cluster: Cluster) -> list[tuple[int, int]]:
    """Every address range a policy can tell apart: ipBlocks, the tiers' networks and the
    node addresses (computed here, not by the engine)."""
    out: list[tuple[int, int]] = []
    for policy in cluster.policies:
        for r in policy.ingress + policy.egress:
            for peer in r.peers or ():
                if peer.ip_block is not None:
                    out.extend(peer.ip_block.ranges())
    for tp in cluster.tier_policies:
        for tr in tp.ingress + tp.egress:
            for tpeer in tr.peers:
                out.extend(tpeer.network_ranges())
    out.extend(_node_keys(cluster))
    return out


def _node_keys(cluster: Cluster) -> list[tuple[int, int]]:
    """Every node address, as a one-address range (selected by some peer or not)."""
    return [(ip_key(a), ip_key(a)) for node in cluster.nodes for a in node.addresses]


def _representatives(cluster: Cluster, space: list[str]) -> list[IPAddress]:
    """An address at least in every region of the pod space that no boundary cuts."""
    nets = [parse_network(c) for c in space] or [parse_network("0.0.0.0/0"), parse_network("::/0")]
    edges: set[IPAddress] = set()
    for lo, hi in _boundary_nets(cluster):
        for key in (lo, hi):
            a = key_to_ip(key)
            edges.update((a, *_neighbours(a, -1 if key == lo else 1)))
    for net in nets:
        edges.update((net.network_address, net.broadcast_address))
    taken = {ip for pod in cluster.pods for ip in pod.ips}
    for ip in taken:
        edges.update(_neighbours(ip, -1))
        edges.update(_neighbours(ip, 1))
    return sorted(
        (a for a in edges if a not in taken and any(a.version == n.version and a in n for n in nets)),
        key=lambda a: (a.version, int(a)),
    )


def _expected_cell(
    s: Pod,
    d: Pod,
    reps: list[IPAddress],
    egress: Callable[[IPAddress], Verdict],
    ingress: Callable[[IPAddress], Verdict],
) -> Verdict:
    """(allowed for every possible address, may be allowed for some) by the documented
    address rules; ``egress(y)``: the source's egress toward the destination at ``y``,
    ``ingress(x)``: the destination's ingress from the source at ``x``."""

    def value(xs: list[IPAddress], ys: list[IPAddress]) -> Verdict:
        pairs = _pairs(xs, ys)
        return (
            any(egress(y)[0] and ingress(x)[0] for x, y in pairs),
            any(egress(y)[1] and ingress(x)[1] for x, y in pairs),
        )

    if s.ips and d.ips:
        return value(list(s.ips), list(d.ips))
    if d.ips:
        values = [value([x], list(d.ips)) for x in reps]
    elif s.ips:
        values = [value(list(s.ips), [y]) for y in reps]
    else:
        values = [value([x], [y]) for x in reps for y in reps if x.version == y.version]
    return all(v[0] for v in values), any(v[1] for v in values)


def _oracle_cells(
    cluster: Cluster, options: AnalysisOptions, number: int, proto: Protocol
) -> Iterator[tuple[int, int, Pod, Pod, Verdict]]:
    """Every cell of distinct pods (and the diagonal of a replicated template) with its
    expected (must, may) verdict."""
    pods = _sorted_pods(cluster)
    space = [str(n) for n in options.pod_cidrs]
    reps = _representatives(cluster, space) if any(not p.ips for p in pods) else []
    for i, s in enumerate(pods):
        for j, d in enumerate(pods):
            if i == j and not s.replicated:
                continue
            r1, r2 = (1, 2) if i == j else (None, None)
            if s.ips and d.ips:
                verdicts = [
                    decide(
                        cluster,
                        flow(pod_endpoint(cluster, s, x), pod_endpoint(cluster, d, y), number, proto.value),
                        ipblock_pods=options.ipblock_pods,
                    )
                    for x, y in _pairs(s.ips, d.ips)
                ]
                yield i, j, s, d, (any(v.allowed for v in verdicts), any(v.may_allow for v in verdicts))
                continue

            @functools.cache
            def egress(
                y: IPAddress, s: Pod = s, d: Pod = d, r1: int | None = r1, r2: int | None = r2
            ) -> Verdict:
                src, dst = pod_endpoint(cluster, s, replica=r1), pod_endpoint(cluster, d, y, replica=r2)
                side = decide(
                    cluster, flow(src, dst, number, proto.value), ipblock_pods=options.ipblock_pods
                ).egress
                assert side is not None
                return side.allowed, side.may_allow

            @functools.cache
            def ingress(
                x: IPAddress, s: Pod = s, d: Pod = d, r1: int | None = r1, r2: int | None = r2
            ) -> Verdict:
                src, dst = pod_endpoint(cluster, s, x, replica=r1), pod_endpoint(cluster, d, replica=r2)
                side = decide(
                    cluster, flow(src, dst, number, proto.value), ipblock_pods=options.ipblock_pods
                ).ingress
                assert side is not None
                return side.allowed, side.may_allow

            yield i, j, s, d, _expected_cell(s, d, reps, egress, ingress)


def _assert_matrix(
    m: MatrixResult, cluster: Cluster, options: AnalysisOptions, number: int, proto: Protocol
) -> None:
    conditional = set(m.conditional)
    assert len(conditional) == len(m.conditional)
    for i, j, s, d, (must, may) in _oracle_cells(cluster, options, number, proto):
        where = (s.key, d.key, number, proto.value)
        assert m.allowed(i, j) == must, where
        assert ((i, j) in conditional) == (may and not must), where
    for i, pod in enumerate(_sorted_pods(cluster)):
        assert m.allowed(i, i) or pod.replicated


# --- the matrix -----------------------------------------------------------------------------


@FAST
@given(any_tiered_clusters(), st.sampled_from(PORT_POOL), st.sampled_from(PROTOCOLS), st.booleans())
def test_matrix_equals_the_oracle(cluster: Cluster, number: int, proto: Protocol, ipb: bool) -> None:
    options = AnalysisOptions(ipblock_pods=ipb)
    _assert_matrix(compute_matrix(cluster, number, proto, options), cluster, options, number, proto)


@FAST
@given(tiered_with_templates(), st.sampled_from(PORT_POOL), st.sampled_from(PROTOCOLS), SPACES)
def test_matrix_of_unknown_ip_pods_quantifies_over_the_pod_space(
    cluster: Cluster, number: int, proto: Protocol, space: list[str]
) -> None:
    options = AnalysisOptions(pod_cidrs=tuple(parse_network(c) for c in space))
    _assert_matrix(compute_matrix(cluster, number, proto, options), cluster, options, number, proto)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiered_clusters(undeclared=True), st.sampled_from(PORT_POOL), st.sampled_from(PROTOCOLS))
def test_matrix_with_unknown_namespace_labels_is_sound(
    cluster: Cluster, number: int, proto: Protocol
) -> None:
    """A namespace the input only references may carry any labels: a cell is allowed only if
    every label set must allow it, denied only if none may; conditional otherwise (also for
    some cells that are in fact decided: the engine reads each selector on its own)."""
    m = compute_matrix(cluster, number, proto, AnalysisOptions())
    pods = _sorted_pods(cluster)
    conditional = set(m.conditional)
    for i, s in enumerate(pods):
        for j, d in enumerate(pods):
            if i == j or not (s.ips and d.ips):
                continue
            musts, mays = [], []
            for src_ns in namespace_label_sets(cluster, s.namespace, []):
                for dst_ns in namespace_label_sets(cluster, d.namespace, []):
                    if s.namespace == d.namespace and src_ns != dst_ns:
                        continue
                    src = pod_endpoint(cluster, s).model_copy(update={"namespace_labels": src_ns})
                    dst = pod_endpoint(cluster, d).model_copy(update={"namespace_labels": dst_ns})
                    got = [
                        decide(
                            cluster,
                            flow(
                                src.model_copy(update={"ip": x}),
                                dst.model_copy(update={"ip": y}),
                                number,
                                proto,
                            ),
                        )
                        for x, y in _pairs(s.ips, d.ips)
                    ]
                    musts.append(any(v.allowed for v in got))
                    mays.append(any(v.may_allow for v in got))
            where = (s.key, d.key)
            assert not m.allowed(i, j) or all(musts), where
            assert m.allowed(i, j) or (i, j) in conditional or not any(mays), where
            assert not (m.allowed(i, j) and (i, j) in conditional), where


# --- the connectivity -----------------------------------------------------------------------


def _numeric_ports(cluster: Cluster) -> set[tuple[int, int]]:
    out: set[tuple[int, int]] = set()
    for policy in cluster.policies:
        for r in policy.ingress + policy.egress:
            for entry in r.ports or ():
                rng = entry.numeric_range()
                if rng is not None:
                    out.add(rng)
    for tp in cluster.tier_policies:
        for tr in tp.ingress + tp.egress:
            for tport in tr.ports or ():
                rng = tport.numeric_range()
                if rng is not None:
                    out.add(rng)
    return out


def _probe_ports(
    cluster: Cluster, values: Iterable[Connection], protocol: Protocol, rnd: random.Random
) -> list[int]:
    ports = {1, PORT_MAX, rnd.randint(1, PORT_MAX)}
    for lo, hi in _numeric_ports(cluster):
        ports.update((lo - 1, lo, hi, hi + 1))
    for pod in cluster.pods:
        ports.update(cp.port for cp in pod.ports)
    for value in values:
        for portmap in (value.allowed, value.conditional):
            for proto, ranges in portmap:
                if proto is protocol:
                    for lo, hi in ranges:
                        ports.update((lo - 1, lo, hi, hi + 1))
    return sorted(p for p in ports if 1 <= p <= PORT_MAX)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_tiered_clusters(), st.randoms(use_true_random=False))
def test_connectivity_equals_the_oracle_for_pods_with_known_ips(cluster: Cluster, rnd: random.Random) -> None:
    conn = compute_connectivity(cluster, AnalysisOptions())
    pods = _sorted_pods(cluster)
    for proto in PROTOCOLS:
        for number in _probe_ports(cluster, conn.values, proto, rnd):
            for i, s in enumerate(pods):
                for j, d in enumerate(pods):
                    if i == j or not (s.ips and d.ips):
                        continue
                    got = [
                        decide(
                            cluster,
                            flow(pod_endpoint(cluster, s, x), pod_endpoint(cluster, d, y), number, proto),
                        )
                        for x, y in _pairs(s.ips, d.ips)
                    ]
                    must, may = any(v.allowed for v in got), any(v.may_allow for v in got)
                    pair = conn.pair(i, j)
                    where = (s.key, d.key, number, proto.value)
                    assert pair.allows(number, proto) == must, where
                    assert pair.maybe(number, proto) == (may and not must), where


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiered_with_templates(), SPACES, st.randoms(use_true_random=False))
def test_connectivity_equals_the_port_matrix_with_unknown_ips(
    cluster: Cluster, space: list[str], rnd: random.Random
) -> None:
    """The per-port matrix is the reference (itself checked against the oracle above)."""
    options = AnalysisOptions(pod_cidrs=tuple(parse_network(c) for c in space))
    conn = compute_connectivity(cluster, options, external=False)
    n = len(conn.endpoints)
    for proto in PROTOCOLS:
        for number in _probe_ports(cluster, conn.values, proto, rnd):
            m = compute_matrix(cluster, number, proto, options)
            conditional = set(m.conditional)
            for i in range(n):
                for j in range(n):
                    if i == j and i not in conn.replicated:
                        continue
                    pair = conn.pair(i, j)
                    where = (conn.endpoints[i], conn.endpoints[j], number, proto.value)
                    assert pair.allows(number, proto) == m.allowed(i, j), where
                    assert pair.maybe(number, proto) == ((i, j) in conditional), where


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiered_with_templates(), st.sampled_from(PORT_POOL), st.sampled_from(PROTOCOLS), SPACES)
def test_port_connectivity_equals_the_port_matrix(
    cluster: Cluster, number: int, proto: Protocol, space: list[str]
) -> None:
    options = AnalysisOptions(pod_cidrs=tuple(parse_network(c) for c in space))
    conn = compute_port_connectivity(cluster, number, proto, options, external=True)
    m = compute_matrix(cluster, number, proto, options)
    conditional = set(m.conditional)
    for i in range(len(m.endpoints)):
        for j in range(len(m.endpoints)):
            if i != j or i in conn.replicated:
                assert conn.pair(i, j).allows(number, proto) == m.allowed(i, j)
                assert conn.pair(i, j).maybe(number, proto) == ((i, j) in conditional)
    _assert_external(conn, cluster, options, {proto: [number]})


# --- external ranges ------------------------------------------------------------------------


def _taken(cluster: Cluster, options: AnalysisOptions) -> IntervalSet:
    pods = IntervalSet.of((ip_key(ip), ip_key(ip)) for p in cluster.pods for ip in p.ips)
    return pods.union(options.pod_ip_space()) if options.pod_cidrs else pods


def _external_representatives(lo: int, hi: int, taken: IntervalSet, boundaries: list[int]) -> Iterator[int]:
    inside = boundaries[bisect.bisect_left(boundaries, lo) : bisect.bisect_right(boundaries, hi)]
    for start in (lo, hi, *inside):
        for step in (1, -1):
            key = start
            while lo <= key <= hi and key in taken:
                key += step
            if lo <= key <= hi:
                yield key


def _assert_external(
    conn: Connectivity,
    cluster: Cluster,
    options: AnalysisOptions,
    probes: dict[Protocol, list[int]],
    rnd: random.Random | None = None,
) -> None:
    """Every range against the oracle at its first and last external address and next to
    every boundary inside it (with ``rnd``: next to four of them, drawn)."""
    ext = conn.external
    assert ext is not None
    pods = _sorted_pods(cluster)
    taken = _taken(cluster, options)
    boundaries = sorted({b for lo, hi in _boundary_nets(cluster) for b in (lo - 1, lo, hi, hi + 1)})
    families = external_families(cluster, options)
    space = IntervalSet.of({4: V4_SPACE, 6: V6_SPACE}[f] for f in families)
    covered = IntervalSet.of(ext.ranges)
    assert space.difference(covered).issubset(taken)
    assert covered.issubset(space)
    for r, (lo, hi) in enumerate(ext.ranges):
        addresses = sorted(set(_external_representatives(lo, hi, taken, boundaries)))
        assert addresses, (lo, hi)
        if rnd is not None and len(addresses) > 6:
            near_nodes = [a for a in addresses if any(abs(a - k) <= 1 for k, _ in _node_keys(cluster))]
            addresses = sorted({addresses[0], addresses[-1], *near_nodes, *rnd.sample(addresses, 4)})
        for i, pod in enumerate(pods):
            inbound, outbound = conn.from_external(r, i), conn.to_external(i, r)
            for address in addresses:
                outside = external_endpoint(key_to_ip(address))
                inside = pod_endpoint(cluster, pod)
                for proto, numbers in probes.items():
                    for number in numbers:
                        got_in = decide(cluster, flow(outside, inside, number, proto.value))
                        got_out = decide(cluster, flow(inside, outside, number, proto.value))
                        where = (str(key_to_ip(address)), pod.key, number, proto.value)
                        assert inbound.allows(number, proto) == got_in.allowed, ("ingress", *where)
                        assert inbound.maybe(number, proto) == (got_in.may_allow and not got_in.allowed), (
                            "ingress",
                            *where,
                        )
                        assert outbound.allows(number, proto) == got_out.allowed, ("egress", *where)
                        assert outbound.maybe(number, proto) == (got_out.may_allow and not got_out.allowed), (
                            "egress",
                            *where,
                        )


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tiered_with_templates(), SPACES, st.randoms(use_true_random=False))
def test_external_ranges_equal_the_oracle(cluster: Cluster, space: list[str], rnd: random.Random) -> None:
    options = AnalysisOptions(pod_cidrs=tuple(parse_network(c) for c in space))
    conn = compute_connectivity(cluster, options, external=True)
    assert conn.external is not None
    # a few ports of every protocol: both ends, and a sample of the boundaries
    probes = {}
    for proto in PROTOCOLS:
        ports = _probe_ports(cluster, conn.external.values, proto, rnd)
        probes[proto] = sorted({1, PORT_MAX, *rnd.sample(ports, min(len(ports), 6))})
    _assert_external(conn, cluster, options, probes, rnd)


# --- the direct path of class_columns ---------------------------------------------------------


@st.composite
def single_v4_tiered_clusters(draw: st.DrawFn) -> Cluster:
    """Dense tiered clusters whose pods have one IPv4 address each: every class has one
    column, so `class_columns` takes its direct path."""
    cluster = draw(dense_tiered_clusters(max_pods=6))
    addresses = draw(st.permutations(V4_POOL))
    pods = tuple(
        p.model_copy(update={"ips": (parse_ip(addresses[i]),), "replicated": False})
        for i, p in enumerate(cluster.pods)
    )
    return cluster.model_copy(update={"pods": pods})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(single_v4_tiered_clusters(), st.sampled_from(PORT_POOL), st.sampled_from(PROTOCOLS))
def test_class_columns_direct_path_equals_class_rows(cluster: Cluster, number: int, proto: Protocol) -> None:
    options = AnalysisOptions()
    prep = prepare(cluster, options, equivalence_classes(cluster, options, port=number, protocol=proto))
    assert not prep.space and prep.columns.size == prep.n_classes and len(prep.families) <= 1
    rows, cond = class_rows(prep, number, proto)
    column_of, allowed, maybe = class_columns(prep, number, proto)
    for b in range(prep.n_classes):
        c = column_of[b]
        for a in range(prep.n_classes):
            assert (allowed[c] >> a & 1) == (rows[a] >> b & 1), (a, b)
            assert (maybe[c] >> a & 1) == (cond[a] >> b & 1), (a, b)
