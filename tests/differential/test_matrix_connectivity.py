"""The full-connectivity engine against the oracle and the per-port matrix.

Contract (verifier/engine/connectivity.py): for distinct pods ``s``, ``d`` and every protocol,
a port is in ``pair(s, d).allowed`` iff the flow on it is allowed (for every possible address of
pods whose IP is unknown), and in ``.conditional`` iff some but not all addresses allow it. For
pods with known IPs the oracle decides directly; for the others the per-port matrix (itself
tested against the oracle cell by cell in test_engine.py) is the reference. Ports probed: both
ends and the middle of every reported range, the neighbours just outside it, every port a
policy or a pod mentions, and a few random ones.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.strategies import (
    PROTOCOLS,
    clusters,
    flow,
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
from verifier.engine.connectivity import (
    PORT_MAX,
    Connectivity,
    column_groups,
    compute_connectivity,
    compute_port_connectivity,
)
from verifier.engine.matrix import class_columns, class_rows, prepare
from verifier.model import AnalysisOptions, Cluster, Pod, Protocol, parse_network
from verifier.oracle import decide, pod_endpoint

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _sorted_pods(cluster: Cluster) -> list[Pod]:
    return sorted(cluster.pods, key=lambda p: (p.namespace, p.name))


def _probe_ports(cluster: Cluster, conn: Connectivity, protocol: Protocol, rnd: random.Random) -> set[int]:
    ports = {1, PORT_MAX, rnd.randint(1, PORT_MAX), rnd.randint(1, 1024)}
    for policy in cluster.policies:
        for r in policy.ingress + policy.egress:
            for entry in r.ports or ():
                rng = entry.numeric_range()
                if rng is not None:
                    ports.update((rng[0] - 1, rng[0], rng[1], rng[1] + 1))
    for pod in cluster.pods:
        ports.update(cp.port for cp in pod.ports)
    for value in conn.values:
        for portmap in (value.allowed, value.conditional):
            for proto, ranges in portmap:
                if proto is protocol:
                    for lo, hi in ranges:
                        ports.update((lo - 1, lo, (lo + hi) // 2, hi, hi + 1))
    return {p for p in ports if 1 <= p <= PORT_MAX}


def _oracle(cluster: Cluster, s: Pod, d: Pod, number: int, proto: Protocol, ipb: bool) -> bool:
    pairs = [(x, y) for x in s.ips for y in d.ips if x.version == y.version] or [
        (x, y) for x in s.ips for y in d.ips
    ]
    return any(
        decide(
            cluster,
            flow(pod_endpoint(cluster, s, x), pod_endpoint(cluster, d, y), number, proto),
            ipblock_pods=ipb,
        ).allowed
        for x, y in pairs
    )


@FAST
@given(clusters(), st.booleans(), st.randoms(use_true_random=False))
def test_connectivity_equals_the_oracle_for_pods_with_known_ips(
    cluster: Cluster, ipb: bool, rnd: random.Random
) -> None:
    conn = compute_connectivity(cluster, AnalysisOptions(ipblock_pods=ipb))
    pods = _sorted_pods(cluster)
    assert conn.endpoints == tuple(p.key for p in pods)
    for proto in PROTOCOLS:
        probes = sorted(_probe_ports(cluster, conn, proto, rnd))
        for i, s in enumerate(pods):
            for j, d in enumerate(pods):
                if i == j or not (s.ips and d.ips):
                    continue
                pair = conn.pair(i, j)
                assert not pair.maybe(probes[0], proto)
                for number in probes:
                    expected = _oracle(cluster, s, d, number, proto, ipb)
                    assert pair.allows(number, proto) == expected, (s.key, d.key, number, proto.value)


@FAST
@given(
    ipblock_clusters(), st.sampled_from([[], ["10.0.0.0/28"], ["10.0.0.0/29", "fd00::/124"]]), st.randoms()
)
def test_connectivity_equals_the_port_matrix_including_conditional_cells(
    cluster: Cluster, space: list[str], rnd: random.Random
) -> None:
    options = AnalysisOptions(pod_cidrs=tuple(parse_network(c) for c in space))
    conn = compute_connectivity(cluster, options)
    n = len(conn.endpoints)
    for proto in PROTOCOLS:
        for number in sorted(_probe_ports(cluster, conn, proto, rnd)):
            m = compute_matrix(cluster, number, proto, options)
            conditional = set(m.conditional)
            for i in range(n):
                for j in range(n):
                    if i == j:
                        continue
                    pair = conn.pair(i, j)
                    assert pair.allows(number, proto) == m.allowed(i, j), (i, j, number, proto.value)
                    assert pair.maybe(number, proto) == ((i, j) in conditional), (i, j, number, proto.value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters(), st.sampled_from((53, 80, 443)), st.sampled_from(PROTOCOLS))
def test_port_connectivity_equals_the_port_matrix(cluster: Cluster, number: int, proto: Protocol) -> None:
    conn = compute_port_connectivity(cluster, number, proto, AnalysisOptions())
    m = compute_matrix(cluster, number, proto, AnalysisOptions())
    for i in range(len(m.endpoints)):
        for j in range(len(m.endpoints)):
            if i != j:
                assert conn.pair(i, j).allows(number, proto) == m.allowed(i, j)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters(), st.data())
def test_restriction_keeps_the_pairs_of_the_kept_pods(cluster: Cluster, data: st.DataObject) -> None:
    conn = compute_connectivity(cluster, AnalysisOptions())
    n = len(conn.endpoints)
    keep = sorted(data.draw(st.sets(st.integers(0, max(n - 1, 0)), max_size=n)) if n else set())
    sub = conn.restricted(keep)
    assert sub.endpoints == tuple(conn.endpoints[i] for i in keep)
    for a, i in enumerate(keep):
        for b, j in enumerate(keep):
            assert sub.pair(a, b) == conn.pair(i, j)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_groups_have_identical_rows_and_columns(cluster: Cluster) -> None:
    conn = compute_connectivity(cluster, AnalysisOptions())
    group = column_groups(conn)
    n = len(conn.endpoints)
    for s in range(n):
        for t in range(n):
            if s == t or group[conn.class_of[s]] != group[conn.class_of[t]]:
                continue
            for d in range(n):
                if d not in (s, t):
                    assert conn.pair(s, d) == conn.pair(t, d)
                    assert conn.pair(d, s) == conn.pair(d, t)


# --- hand-made: expectations derived from the policies by hand ----------------------------------


def test_ranges_merge_across_rules_and_protocols_stay_apart() -> None:
    client = make_pod("x", "client", {"app": "client"}, ["10.0.0.1"])
    server = make_pod("x", "server", {"app": "server"}, ["10.0.0.2"], [("dns", 53, "UDP")])
    policy = make_policy(
        "x",
        "server",
        sel(app="server"),
        ingress=[
            rule([pod_peer(sel(app="client"))], [port(80), port(81, end_port=90)]),
            rule([pod_peer(sel(app="client"))], [port(443), port("dns", "UDP")]),
        ],
    )
    conn = compute_connectivity(make_cluster([client, server], [policy]), AnalysisOptions())
    c, s = conn.endpoints.index("x/client"), conn.endpoints.index("x/server")
    pair = conn.pair(c, s)
    assert pair.allowed == ((Protocol.TCP, ((80, 90), (443, 443))), (Protocol.UDP, ((53, 53),)))
    assert pair.text() == "TCP 80-90,443; UDP 53"
    # The server is not isolated for egress and the client not for ingress: everything.
    assert conn.pair(s, c).text() == "all"


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters(), st.sampled_from((53, 80, 443)), st.sampled_from(PROTOCOLS), st.booleans())
def test_destination_major_columns_equal_the_class_matrix(
    cluster: Cluster, number: int, proto: Protocol, ipb: bool
) -> None:
    """`class_columns` (its direct path when every class has one address column of one family,
    else the transposed `class_rows`) describes exactly the class matrix of `class_rows`."""
    options = AnalysisOptions(ipblock_pods=ipb)
    prep = prepare(cluster, options, equivalence_classes(cluster, options))
    rows, cond = class_rows(prep, number, proto)
    column_of, allowed, maybe = class_columns(prep, number, proto)
    for a in range(prep.n_classes):
        for b in range(prep.n_classes):
            assert bool(rows[a] >> b & 1) == bool(allowed[column_of[b]] >> a & 1), (a, b)
            assert bool(cond[a] >> b & 1) == bool(maybe[column_of[b]] >> a & 1), (a, b)
    assert len(set(zip(allowed, maybe, strict=True))) == len(allowed), "columns are deduplicated"


def test_single_family_v4_cluster_takes_the_direct_path() -> None:
    pods = [make_pod("x", f"p{i}", {"app": "a" if i % 2 else "b"}, [f"10.0.0.{i + 1}"]) for i in range(4)]
    policy = make_policy("x", "p", sel(app="a"), ingress=[rule([pod_peer(sel(app="b"))], [port(80)])])
    cluster = make_cluster(pods, [policy])
    prep = prepare(cluster, AnalysisOptions(), equivalence_classes(cluster, AnalysisOptions()))
    assert not prep.space and prep.columns.size == prep.n_classes and len(prep.families) <= 1
    column_of, allowed, _ = class_columns(prep, 80, Protocol.TCP)
    # Classes: app=b (pods 0, 2) and app=a (pods 1, 3). b admits everyone (not isolated);
    # a admits only b on 80. So two different columns.
    b_class, a_class = prep.part.class_of[0], prep.part.class_of[1]
    assert allowed[column_of[b_class]] == (1 << b_class) | (1 << a_class)
    assert allowed[column_of[a_class]] == 1 << b_class
