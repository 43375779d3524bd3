"""The matrix engine against the oracle, cell by cell.

Contract under test (verifier/engine/matrix.py docstring): for pods with known IPs a cell is
allowed iff the oracle allows the flow for some same-family pair of their addresses (any
pair when they share no family); for pods whose IP is unknown the address ranges over the
pod space, a cell is allowed iff every possible address is allowed, and conditional iff some
but not all are. The unknown-IP check is exhaustive: every region that ipBlocks cannot split
contains one of the boundary addresses enumerated by `_representatives`.
"""

from __future__ import annotations

import functools
import itertools
import random
from collections.abc import Callable, Iterable

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.brute import namespace_label_sets
from tests.strategies import (
    PORT_POOL,
    PROTOCOLS,
    V4_POOL,
    V6_POOL,
    clusters,
    flow,
    ip_peer,
    ipblock_clusters,
    make_cluster,
    make_pod,
    make_policy,
    pod_peer,
    port,
    rule,
    sel,
)
from verifier.engine import compute_matrix, equivalence_classes
from verifier.engine.bits import from_indices, gather_columns, iter_bits, transpose
from verifier.model import AnalysisOptions, Cluster, IPAddress, Pod, Protocol, parse_ip, parse_network
from verifier.oracle import decide, pod_endpoint
from verifier.results import MatrixResult

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------------------------------
# bit helpers


def _naive_transpose(rows: list[int], width: int) -> list[int]:
    return [sum(((r >> j) & 1) << i for i, r in enumerate(rows)) for j in range(width)]


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 40), st.integers(0, 70), st.randoms(use_true_random=False))
def test_transpose_matches_the_definition(height: int, width: int, rnd: random.Random) -> None:
    rows = [rnd.getrandbits(width) if width else 0 for _ in range(height)]
    assert transpose(rows, width) == _naive_transpose(rows, width)


def test_transpose_of_a_multi_tile_matrix_round_trips() -> None:
    rows = [(i * 2654435761) % (1 << 1300) for i in range(1100)]
    assert transpose(transpose(rows, 1300), 1100) == rows


def test_gather_columns_reindexes_columns() -> None:
    rows = [0b101, 0b010]
    assert gather_columns(rows, 3, [2, 2, 0, 1]) == [0b0111, 0b1000]


def test_from_indices_and_iter_bits_are_inverse() -> None:
    assert list(iter_bits(from_indices([0, 7, 8, 300], 301))) == [0, 7, 8, 300]


# ---------------------------------------------------------------------------------------------
# differential tests


def _sorted_pods(cluster: Cluster) -> list[Pod]:
    return sorted(cluster.pods, key=lambda p: (p.namespace, p.name))


def _pairs(xs: Iterable[IPAddress], ys: Iterable[IPAddress]) -> list[tuple[IPAddress, IPAddress]]:
    every = [(x, y) for x in xs for y in ys]
    return [(x, y) for x, y in every if x.version == y.version] or every


def _oracle_known(
    cluster: Cluster, s: Pod, d: Pod, number: int, proto: Protocol, ipb: bool
) -> tuple[bool, bool]:
    """(allowed for every label set the two namespaces may carry, for some label set); one
    namespace has one label set."""
    outcomes = []
    for src_ns in namespace_label_sets(cluster, s.namespace, []):
        for dst_ns in namespace_label_sets(cluster, d.namespace, []):
            if s.namespace == d.namespace and src_ns != dst_ns:
                continue
            src = pod_endpoint(cluster, s).model_copy(update={"namespace_labels": src_ns})
            dst = pod_endpoint(cluster, d).model_copy(update={"namespace_labels": dst_ns})
            outcomes.append(
                any(
                    decide(
                        cluster,
                        flow(
                            src.model_copy(update={"ip": x}), dst.model_copy(update={"ip": y}), number, proto
                        ),
                        ipblock_pods=ipb,
                    ).allowed
                    for x, y in _pairs(s.ips, d.ips)
                )
            )
    return all(outcomes), any(outcomes)


@FAST
@given(clusters(undeclared=True), st.sampled_from(PORT_POOL), st.sampled_from(PROTOCOLS), st.booleans())
def test_matrix_equals_oracle_for_pods_with_known_ips(
    cluster: Cluster, number: int, proto: Protocol, ipb: bool
) -> None:
    """Exact where every namespace is declared. A namespace the input only references has
    unknown labels: a cell is allowed only if every label set allows it (sound), conditional
    when some but not all do — and, since the engine reads each namespace selector on its own,
    also for some cells that are in fact decided (documented in verifier/engine/matrix.py)."""
    m = compute_matrix(cluster, number, proto, AnalysisOptions(ipblock_pods=ipb))
    pods = _sorted_pods(cluster)
    assert m.endpoints == tuple(p.key for p in pods)
    conditional = set(m.conditional)
    for i, s in enumerate(pods):
        assert m.allowed(i, i) or s.replicated  # self traffic; replicas are two pods
        for j, d in enumerate(pods):
            if i != j and s.ips and d.ips:
                every, some = _oracle_known(cluster, s, d, number, proto, ipb)
                exact = not (cluster.labels_unknown(s.namespace) or cluster.labels_unknown(d.namespace))
                where = (s.key, d.key)
                if exact:
                    assert (i, j) not in conditional
                    assert m.allowed(i, j) == every, where
                    continue
                assert not m.allowed(i, j) or every, where  # never a false "allowed"
                assert not (some and not every) or (i, j) in conditional, where
                assert not every or m.allowed(i, j) or (i, j) in conditional, where
                assert some or not m.allowed(i, j), where


def _neighbours(address: IPAddress, delta: int) -> list[IPAddress]:
    try:
        return [address + delta]
    except ValueError:  # below 0 or above the top of the family
        return []


def _representatives(cluster: Cluster, space: list[str]) -> list[IPAddress]:
    """One address at least in every region that no ipBlock boundary or pod CIDR splits."""
    nets = [parse_network(c) for c in space] or [parse_network("0.0.0.0/0"), parse_network("::/0")]
    edges: set[IPAddress] = set()
    for policy in cluster.policies:
        for r in policy.ingress + policy.egress:
            for peer in r.peers or ():
                if peer.ip_block is not None:
                    for net in (peer.ip_block.cidr, *peer.ip_block.except_):
                        edges.update((net.network_address, net.broadcast_address))
                        edges.update(_neighbours(net.network_address, -1))
                        edges.update(_neighbours(net.broadcast_address, 1))
    for net in nets:
        edges.update((net.network_address, net.broadcast_address))
    # An unknown IP is never one an input pod has: the free neighbours of taken addresses
    # represent the pieces those addresses cut a region into.
    taken = {ip for pod in cluster.pods for ip in pod.ips}
    for ip in taken:
        edges.update(_neighbours(ip, -1))
        edges.update(_neighbours(ip, 1))
    return sorted(
        (a for a in edges if a not in taken and any(a in n for n in nets)), key=lambda a: (a.version, int(a))
    )


def _expected_cell(
    s: Pod,
    d: Pod,
    reps: list[IPAddress],
    egress_ok: Callable[[IPAddress], bool],
    ingress_ok: Callable[[IPAddress], bool],
) -> tuple[bool, bool]:
    """(allowed for every address, allowed for some) by the documented address rules.

    ``egress_ok(y)``: the source's egress allows the destination at ``y``; ``ingress_ok(x)``:
    the destination's ingress allows the source at ``x``.
    """

    def value(xs: list[IPAddress], ys: list[IPAddress]) -> bool:
        return any(egress_ok(y) and ingress_ok(x) for x, y in _pairs(xs, ys))

    if s.ips and d.ips:
        v = value(list(s.ips), list(d.ips))
        return v, v
    if d.ips:
        values = [value([x], list(d.ips)) for x in reps]
    elif s.ips:
        values = [value(list(s.ips), [y]) for y in reps]
    else:
        values = [egress_ok(y) and ingress_ok(x) for x in reps for y in reps if x.version == y.version]
    return all(values), any(values)


SPACES = st.sampled_from(
    [[], ["10.0.0.0/28"], ["fd00::/120"], ["10.0.0.0/29", "fd00::/124"], ["10.0.0.4/30"]]
)


@FAST
@given(ipblock_clusters(), st.sampled_from(PORT_POOL), st.sampled_from(PROTOCOLS), SPACES)
def test_matrix_cells_of_unknown_ip_pods_quantify_over_the_pod_space(
    cluster: Cluster, number: int, proto: Protocol, space: list[str]
) -> None:
    options = AnalysisOptions(pod_cidrs=tuple(parse_network(c) for c in space))
    m = compute_matrix(cluster, number, proto, options)
    pods = _sorted_pods(cluster)
    reps = _representatives(cluster, space)
    conditional = set(m.conditional)
    for i, s in enumerate(pods):
        for j, d in enumerate(pods):
            if (i == j and not s.replicated) or (s.ips and d.ips):
                continue
            # the diagonal of a replicated template: replica 1 to replica 2
            r1, r2 = (1, 2) if i == j else (None, None)

            # Egress is judged on the destination address only, ingress on the source's
            # (that factorisation is the oracle's too): each side is asked of the oracle once
            # per address, with the other end at its first IP (or none).
            @functools.cache
            def egress_ok(
                y: IPAddress, s: Pod = s, d: Pod = d, r1: int | None = r1, r2: int | None = r2
            ) -> bool:
                src, dst = pod_endpoint(cluster, s, replica=r1), pod_endpoint(cluster, d, y, replica=r2)
                side = decide(cluster, flow(src, dst, number, proto)).egress
                return side is not None and side.allowed

            @functools.cache
            def ingress_ok(
                x: IPAddress, s: Pod = s, d: Pod = d, r1: int | None = r1, r2: int | None = r2
            ) -> bool:
                src, dst = pod_endpoint(cluster, s, x, replica=r1), pod_endpoint(cluster, d, replica=r2)
                side = decide(cluster, flow(src, dst, number, proto)).ingress
                return side is not None and side.allowed

            every, some = _expected_cell(s, d, reps, egress_ok, ingress_ok)
            assert m.allowed(i, j) == every, (s.key, d.key)
            assert ((i, j) in conditional) == (some and not every), (s.key, d.key)


def _single_ip_groups(cluster: Cluster, port: int | None, protocol: Protocol | None) -> list[list[Pod]]:
    part = equivalence_classes(cluster, AnalysisOptions(), port=port, protocol=protocol)
    groups = [[part.pods[i] for i in c.members if len(part.pods[i].ips) == 1] for c in part.classes]
    return [g for g in groups if len(g) > 1]


def _assert_interchangeable(cluster: Cluster, a: Pod, b: Pod, number: int, proto: Protocol) -> None:
    ea, eb = pod_endpoint(cluster, a), pod_endpoint(cluster, b)
    for other in cluster.pods:
        if other in (a, b):
            continue
        eo = pod_endpoint(cluster, other)
        assert (
            decide(cluster, flow(ea, eo, number, proto)).allowed
            == decide(cluster, flow(eb, eo, number, proto)).allowed
        ), (a.key, b.key, other.key, number, proto)
        assert (
            decide(cluster, flow(eo, ea, number, proto)).allowed
            == decide(cluster, flow(eo, eb, number, proto)).allowed
        ), (other.key, a.key, b.key, number, proto)
    # Between the two: swapping them turns a -> b into b -> a.
    assert (
        decide(cluster, flow(ea, eb, number, proto)).allowed
        == decide(cluster, flow(eb, ea, number, proto)).allowed
    ), (a.key, b.key, number, proto)


@st.composite
def clusters_with_twins(draw: st.DrawFn) -> Cluster:
    """`clusters` plus, for a single-IP pod, a twin: same namespace, labels and ports, another
    address of its family (an ipBlock may still tell the two apart), so that classes of more
    than one single-IP pod are common."""
    cluster = draw(clusters())
    singles = [p for p in cluster.pods if len(p.ips) == 1]
    if not singles:
        return cluster
    pod = draw(st.sampled_from(singles))
    taken = {str(ip) for p in cluster.pods for ip in p.ips}
    pool = V4_POOL if pod.ips[0].version == 4 else V6_POOL
    free = [ip for ip in pool if ip not in taken]
    if not free:
        return cluster
    twin = pod.model_copy(
        update={"name": pod.name + "-twin", "ips": (parse_ip(draw(st.sampled_from(free))),)}
    )
    return cluster.model_copy(update={"pods": (*cluster.pods, twin)})


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters_with_twins(), st.sampled_from(PORT_POOL), st.sampled_from(PROTOCOLS))
def test_pods_of_one_class_are_interchangeable(cluster: Cluster, number: int, proto: Protocol) -> None:
    """Swapping a single-IP pod for another of its class never changes an oracle decision:
    every pair of every class, against every other pod. A partition for one port and protocol
    holds on that port; the partition for all ports holds on every port of the pool."""
    groups = _single_ip_groups(cluster, number, proto)
    assume(groups)
    for group in groups:
        for a, b in itertools.combinations(group, 2):
            _assert_interchangeable(cluster, a, b, number, proto)
    for group in _single_ip_groups(cluster, None, None):
        for a, b in itertools.combinations(group, 2):
            for n, p in itertools.product(PORT_POOL, PROTOCOLS):
                _assert_interchangeable(cluster, a, b, n, p)


# ---------------------------------------------------------------------------------------------
# hand-written cases


def _cell(m: MatrixResult, src: str, dst: str) -> bool:
    return m.allowed(m.endpoints.index(src), m.endpoints.index(dst))


def _template_cluster() -> Cluster:
    web = make_pod("x", "web[Deployment]", {"app": "web"}, kind="Deployment")
    db = make_pod("y", "db", {"app": "db"}, ["10.1.0.5"])
    only_from_block = make_policy("y", "db", sel(app="db"), ingress=[rule([ip_peer("10.0.0.0/24")])])
    return make_cluster([web, db], [only_from_block])


def test_unknown_ip_against_an_ipblock_is_conditional_without_a_pod_cidr() -> None:
    m = compute_matrix(_template_cluster(), 80, Protocol.TCP, AnalysisOptions())
    assert not _cell(m, "x/web[Deployment]", "y/db")
    assert m.conditional == ((m.endpoints.index("x/web[Deployment]"), m.endpoints.index("y/db")),)


def test_unknown_ip_in_a_partly_covered_pod_cidr_is_conditional() -> None:
    opts = AnalysisOptions(pod_cidrs=(parse_network("10.0.0.0/23"),))
    m = compute_matrix(_template_cluster(), 80, Protocol.TCP, opts)
    assert not _cell(m, "x/web[Deployment]", "y/db")
    assert len(m.conditional) == 1


def test_unknown_ip_inside_the_ipblock_is_allowed() -> None:
    opts = AnalysisOptions(pod_cidrs=(parse_network("10.0.0.0/25"),))
    m = compute_matrix(_template_cluster(), 80, Protocol.TCP, opts)
    assert _cell(m, "x/web[Deployment]", "y/db")
    assert m.conditional == ()


def test_unknown_ip_outside_the_ipblock_is_denied_and_not_conditional() -> None:
    opts = AnalysisOptions(pod_cidrs=(parse_network("10.2.0.0/16"),))
    m = compute_matrix(_template_cluster(), 80, Protocol.TCP, opts)
    assert not _cell(m, "x/web[Deployment]", "y/db")
    assert m.conditional == ()


def test_unknown_ip_does_not_matter_when_ipblocks_skip_pods() -> None:
    m = compute_matrix(_template_cluster(), 80, Protocol.TCP, AnalysisOptions(ipblock_pods=False))
    assert not _cell(m, "x/web[Deployment]", "y/db")
    assert m.conditional == ()


def test_dual_stack_pods_use_a_same_family_pair() -> None:
    src = make_pod("x", "a", {"app": "a"}, ["10.9.0.1", "fd00::1"])
    v6_only_from = make_policy("y", "db", sel(app="db"), ingress=[rule([ip_peer("fd00::/120")])])
    dual = make_pod("y", "db", {"app": "db"}, ["10.9.0.2", "fd00::2"])
    m = compute_matrix(make_cluster([src, dual], [v6_only_from]), 80, Protocol.TCP, AnalysisOptions())
    assert _cell(m, "x/a", "y/db")
    v4_dst = make_pod("y", "db", {"app": "db"}, ["10.9.0.2"])
    m = compute_matrix(make_cluster([src, v4_dst], [v6_only_from]), 80, Protocol.TCP, AnalysisOptions())
    assert not _cell(m, "x/a", "y/db"), "the only IPv6 source address cannot reach an IPv4-only pod"


def test_diagonal_is_allowed_even_under_deny_all() -> None:
    pods = [make_pod("x", n, {"app": n}, [f"10.0.0.{i}"]) for i, n in enumerate("abc")]
    deny = make_policy("x", "deny", sel(), ingress=[], egress=[], policy_types=["Ingress", "Egress"])
    m = compute_matrix(make_cluster(pods, [deny]), 80, Protocol.TCP, AnalysisOptions())
    assert m.rows == (0b001, 0b010, 0b100)


def test_endpoints_are_sorted_by_namespace_then_name() -> None:
    pods = [make_pod("y", "a", ips=["10.0.0.1"]), make_pod("x", "b", ips=["10.0.0.2"]), make_pod("x", "a")]
    m = compute_matrix(make_cluster(pods), 80, Protocol.TCP, AnalysisOptions())
    assert m.endpoints == ("x/a", "x/b", "y/a")
    assert all(row == 0b111 for row in m.rows)


def test_named_port_rule_only_opens_pods_that_define_the_name_on_that_port() -> None:
    client = make_pod("x", "client", {"app": "client"}, ["10.0.0.1"])
    a = make_pod("x", "a", {"app": "srv"}, ["10.0.0.2"], [("http", 80)])
    b = make_pod("x", "b", {"app": "srv"}, ["10.0.0.3"], [("http", 8080)])
    policy = make_policy(
        "x", "srv", sel(app="srv"), ingress=[rule([pod_peer(sel(app="client"))], [port("http")])]
    )
    cluster = make_cluster([client, a, b], [policy])
    on_80 = compute_matrix(cluster, 80, Protocol.TCP, AnalysisOptions())
    assert _cell(on_80, "x/client", "x/a") and not _cell(on_80, "x/client", "x/b")
    on_8080 = compute_matrix(cluster, 8080, Protocol.TCP, AnalysisOptions())
    assert not _cell(on_8080, "x/client", "x/a") and _cell(on_8080, "x/client", "x/b")


def test_equivalence_ignores_labels_no_selector_mentions() -> None:
    pods = [
        make_pod("x", "a", {"app": "web", "hash": "1"}, ["10.0.0.1"]),
        make_pod("x", "b", {"app": "web", "hash": "2"}, ["10.0.0.2"]),
        make_pod("x", "c", {"app": "db"}, ["10.0.0.3"]),
        make_pod("y", "d", {"app": "web"}, ["10.0.0.4"]),
    ]
    policy = make_policy("x", "p", sel(app="db"), ingress=[rule([pod_peer(sel(app="web"))])])
    part = equivalence_classes(make_cluster(pods, [policy]), AnalysisOptions())
    assert sorted(c.members for c in part.classes) == [(0, 1), (2,), (3,)]


def test_equivalence_separates_pods_an_ipblock_separates() -> None:
    pods = [make_pod("x", n, {}, [ip]) for n, ip in (("a", "10.0.0.1"), ("b", "10.0.0.2"), ("c", "10.0.0.9"))]
    policy = make_policy("x", "p", ingress=[rule([ip_peer("10.0.0.0/29", "10.0.0.2/32")])])
    cluster = make_cluster(pods, [policy])
    part = equivalence_classes(cluster, AnalysisOptions())
    assert sorted(c.members for c in part.classes) == [(0,), (1, 2)], "10.0.0.2 is excepted, like 10.0.0.9"
    assert len(equivalence_classes(cluster, AnalysisOptions(ipblock_pods=False)).classes) == 1
