"""External address ranges in the connectivity map (issue 10 §3), against the oracle.

Contract (verifier/engine/connectivity.py, `ExternalConnectivity`): the ranges are disjoint,
in address order, each holds an external address (one no pod has, outside ``--pod-cidr``
when given), and together with the pod addresses and ``--pod-cidr`` they cover the address
families shown. For every range, pod and port, ``from_external`` / ``to_external`` is what
the oracle decides for *every* external address of the range: probed at its first and last
external address and at every policy CIDR boundary inside it, on every port atom. Two
neighbouring ranges that could be one (nothing external between them) differ for some pod.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from tests.browser import rendered_dom
from tests.strategies import (
    PROTOCOLS,
    clusters,
    flow,
    ip_peer,
    ipblock_clusters,
    make_cluster,
    make_pod,
    make_policy,
    port,
    rule,
    sel,
)
from verifier.engine.connectivity import PORT_MAX, Connection, Connectivity, compute_connectivity
from verifier.engine.external import external_families
from verifier.model import AnalysisOptions, Cluster, IntervalSet, Pod, Protocol, key_to_ip, parse_network
from verifier.model.ip import V4_SPACE, V6_SPACE, ip_key
from verifier.oracle import decide, external_endpoint, pod_endpoint
from verifier.query.matrix import connectivity, restrict_connectivity, selected_endpoints
from verifier.report.matrix_views import (
    grouped,
    render_connectivity,
    write_connectivity_csv,
    write_connectivity_dot,
    write_connectivity_html,
    write_connectivity_json,
    write_connectivity_markdown,
)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SPACES = st.sampled_from([[], ["10.0.0.0/28"], ["10.0.0.0/29", "fd00::/124"], ["10.0.0.0/16"]])


def _sorted_pods(cluster: Cluster) -> list[Pod]:
    return sorted(cluster.pods, key=lambda p: (p.namespace, p.name))


def _taken(cluster: Cluster, options: AnalysisOptions) -> IntervalSet:
    """Addresses that are not external: pod IPs and --pod-cidr."""
    pods = IntervalSet.of((ip_key(ip), ip_key(ip)) for p in cluster.pods for ip in p.ips)
    return pods.union(options.pod_ip_space()) if options.pod_cidrs else pods


def _boundaries(cluster: Cluster) -> set[int]:
    """Every ipBlock boundary: first and last address of each matched interval, and the
    addresses just outside."""
    out: set[int] = set()
    for policy in cluster.policies:
        for r in policy.ingress + policy.egress:
            for peer in r.peers or ():
                if peer.ip_block is not None:
                    for lo, hi in peer.ip_block.ranges():
                        out.update((lo - 1, lo, hi, hi + 1))
    return out


def _representatives(lo: int, hi: int, taken: IntervalSet, boundaries: list[int]) -> Iterator[int]:
    """External addresses of [lo, hi]: its first and last, and the nearest ones to every
    policy boundary inside it."""
    inside = boundaries[bisect.bisect_left(boundaries, lo) : bisect.bisect_right(boundaries, hi)]
    for start in (lo, hi, *inside):
        for step in (1, -1):
            key = start
            while lo <= key <= hi and key in taken:
                key += step
            if lo <= key <= hi:
                yield key


def _probe_ports(cluster: Cluster, conn: Connectivity, protocol: Protocol, rnd: random.Random) -> list[int]:
    ports = {1, PORT_MAX, rnd.randint(1, PORT_MAX)}
    for policy in cluster.policies:
        for r in policy.ingress + policy.egress:
            for entry in r.ports or ():
                rng = entry.numeric_range()
                if rng is not None:
                    ports.update((rng[0] - 1, rng[0], rng[1], rng[1] + 1))
    for pod in cluster.pods:
        ports.update(cp.port for cp in pod.ports)
    assert conn.external is not None
    for value in conn.external.values:
        for proto, ranges in value.allowed:
            if proto is protocol:
                for lo, hi in ranges:
                    ports.update((lo - 1, lo, hi, hi + 1))
    return sorted(p for p in ports if 1 <= p <= PORT_MAX)


def _check_against_oracle(cluster: Cluster, options: AnalysisOptions, rnd: random.Random) -> Connectivity:
    conn = compute_connectivity(cluster, options, external=True)
    ext = conn.external
    assert ext is not None
    assert not any(v.conditional for v in ext.values)
    pods = _sorted_pods(cluster)
    taken = _taken(cluster, options)
    boundaries = sorted(_boundaries(cluster))
    families = external_families(cluster, options)
    space = IntervalSet.of({4: V4_SPACE, 6: V6_SPACE}[f] for f in families)

    # The ranges: disjoint, ordered, one family each, each with an external address, and
    # nothing external outside them.
    covered = IntervalSet.of(ext.ranges)
    assert covered.size() == sum(hi - lo + 1 for lo, hi in ext.ranges)
    assert list(ext.ranges) == sorted(ext.ranges)
    for lo, hi in ext.ranges:
        assert (lo < V6_SPACE[0]) == (hi < V6_SPACE[0])
        assert not IntervalSet.of([(lo, hi)]).issubset(taken)
    assert space.difference(covered).issubset(taken)
    assert covered.issubset(space)
    assert len(ext.joinable) == max(len(ext.ranges) - 1, 0)

    protocols = {proto: _probe_ports(cluster, conn, proto, rnd) for proto in PROTOCOLS}
    for r, (lo, hi) in enumerate(ext.ranges):
        addresses = sorted(set(_representatives(lo, hi, taken, boundaries)))
        assert addresses, (lo, hi)
        for i, pod in enumerate(pods):
            inbound, outbound = conn.from_external(r, i), conn.to_external(i, r)
            for address in addresses:
                outside = external_endpoint(key_to_ip(address))
                inside = pod_endpoint(cluster, pod)
                for proto, numbers in protocols.items():
                    for number in numbers:
                        got_in = decide(cluster, flow(outside, inside, number, proto.value)).allowed
                        got_out = decide(cluster, flow(inside, outside, number, proto.value)).allowed
                        where = (str(key_to_ip(address)), pod.key, number, proto.value)
                        assert inbound.allows(number, proto) == got_in, ("ingress", *where)
                        assert outbound.allows(number, proto) == got_out, ("egress", *where)

    # Maximal: neighbours that could be one range are told apart by some pod.
    for r, ok in enumerate(ext.joinable):
        gap = IntervalSet.of([(ext.ranges[r][1] + 1, ext.ranges[r + 1][0] - 1)])
        could_join = (ext.ranges[r][1] < V6_SPACE[0]) == (ext.ranges[r + 1][0] < V6_SPACE[0]) and (
            gap.issubset(IntervalSet.of((ip_key(ip), ip_key(ip)) for p in cluster.pods for ip in p.ips))
        )
        assert ok == could_join, r
        if ok:
            assert any(
                conn.from_external(r, i) != conn.from_external(r + 1, i)
                or conn.to_external(i, r) != conn.to_external(i, r + 1)
                for i in range(len(pods))
            ), r
    return conn


@FAST
@given(clusters(), SPACES, st.booleans(), st.randoms(use_true_random=False))
def test_external_ranges_equal_the_oracle(
    cluster: Cluster, space: list[str], ipb: bool, rnd: random.Random
) -> None:
    options = AnalysisOptions(pod_cidrs=tuple(parse_network(c) for c in space), ipblock_pods=ipb)
    _check_against_oracle(cluster, options, rnd)


@FAST
@given(ipblock_clusters(), SPACES, st.randoms(use_true_random=False))
def test_external_ranges_equal_the_oracle_with_ipblock_policies(
    cluster: Cluster, space: list[str], rnd: random.Random
) -> None:
    options = AnalysisOptions(pod_cidrs=tuple(parse_network(c) for c in space))
    _check_against_oracle(cluster, options, rnd)


def _all_endpoints_value(conn: Connectivity, s: int, d: int) -> Connection:
    """The value of a pair of endpoints of the grouped view (pods, then ranges)."""
    n = len(conn.endpoints)
    assert not (s >= n and d >= n)
    if s >= n:
        return conn.from_external(s - n, d)
    if d >= n:
        return conn.to_external(s, d - n)
    return conn.pair(s, d)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ipblock_clusters(), st.booleans())
def test_grouped_rules_state_every_external_pair_exactly_once(cluster: Cluster, restrict: bool) -> None:
    """Each rule holds for every (source, other destination) it names — pods and ranges —
    and every pair with some traffic is named by exactly one rule; range groups hold ranges
    only; no rule joins two ranges."""
    conn = connectivity(cluster, AnalysisOptions())
    if restrict:
        conn = restrict_connectivity(conn, selected_endpoints(cluster, [sorted(cluster.namespaces)[0]]))
    view = grouped(conn)
    n = len(conn.endpoints)
    assert conn.external is not None
    total = n + len(conn.external.ranges)
    assert view.pods == n and len(view.endpoints) == total
    for groups in (view.sources, view.destinations):
        assert sorted(i for g in groups for i in g) == list(range(total))
        assert all(len({i >= n for i in g}) == 1 for g in groups)
    named: dict[tuple[int, int], int] = {}
    for r in view.rules:
        src_kind = {view.is_external(view.sources[g]) for g in r.sources}
        dst_kind = {view.is_external(view.destinations[g]) for g in r.destinations}
        assert len(src_kind) == len(dst_kind) == 1  # a side is pods only or ranges only
        assert r.external == (True in src_kind | dst_kind)
        for sg in r.sources:
            for dg in r.destinations:
                for s in view.sources[sg]:
                    for d in view.destinations[dg]:
                        if s == d:
                            continue
                        assert not (s >= n and d >= n), "a rule between two ranges"
                        assert _all_endpoints_value(conn, s, d) == r.value
                        named[(s, d)] = named.get((s, d), 0) + 1
    with_traffic = {
        (s, d)
        for s in range(total)
        for d in range(total)
        if s != d and not (s >= n and d >= n) and _all_endpoints_value(conn, s, d)
    }
    assert set(named) == with_traffic
    assert all(count == 1 for count in named.values())


# --- hand-written cases ------------------------------------------------------------------------

TCP = Protocol.TCP
EVERYTHING = Connection(allowed=tuple((p, ((1, PORT_MAX),)) for p in Protocol))


def _tcp(*ranges: tuple[int, int]) -> Connection:
    return Connection(allowed=((TCP, ranges),))


def _shop() -> Cluster:
    pods = [
        make_pod("shop", "frontend", {"app": "frontend"}, ["10.244.1.5"]),
        make_pod("shop", "db", {"app": "db"}, ["10.244.2.7"]),
        make_pod("shop", "client", {"app": "client"}, ["10.244.3.9"]),
    ]
    policies = [
        make_policy(
            "shop",
            "frontend-from-internet",
            sel(app="frontend"),
            ingress=[rule([ip_peer("0.0.0.0/0")], [port(8080)])],
            policy_types=["Ingress"],
        ),
        make_policy(
            "shop",
            "db-from-10",
            sel(app="db"),
            ingress=[rule([ip_peer("10.0.0.0/8", "10.244.0.0/16")], [port(5432)])],
            policy_types=["Ingress"],
        ),
        make_policy(
            "shop",
            "client-https-out",
            sel(app="client"),
            egress=[rule([ip_peer("0.0.0.0/0")], [port(443)])],
            policy_types=["Egress"],
        ),
    ]
    return make_cluster(pods, policies, {"shop": {}})


def _table(
    conn: Connectivity,
) -> tuple[list[str], dict[tuple[str, str], Connection], dict[tuple[str, str], Connection]]:
    """(range names, {(range, pod): inbound}, {(pod, range): outbound}), only with traffic."""
    assert conn.external is not None
    names = list(conn.external.names())
    inbound = {}
    outbound = {}
    for r, name in enumerate(names):
        for i, pod in enumerate(conn.endpoints):
            if value := conn.from_external(r, i):
                inbound[(name, pod)] = value
            if value := conn.to_external(i, r):
                outbound[(pod, name)] = value
    return names, inbound, outbound


def test_shop_with_a_pod_cidr() -> None:
    options = AnalysisOptions(pod_cidrs=(parse_network("10.244.0.0/16"),))
    names, inbound, outbound = _table(connectivity(_shop(), options))
    low, ten, high, rest = (
        "0.0.0.0/5, 8.0.0.0/7",
        "10.0.0.0-10.243.255.255",
        "10.245.0.0/16, 10.246.0.0/15, 10.248.0.0/13",
        "11.0.0.0-255.255.255.255",
    )
    # 10.0.0.0/8 is cut by the pod CIDR: its two halves are two ranges, never one.
    assert names == [low, ten, high, rest]
    for name in names:
        assert inbound[(name, "shop/frontend")] == _tcp((8080, 8080))
        assert inbound[(name, "shop/client")] == EVERYTHING
        assert outbound[("shop/client", name)] == _tcp((443, 443))
        assert outbound[("shop/frontend", name)] == outbound[("shop/db", name)] == EVERYTHING
    assert inbound[(ten, "shop/db")] == inbound[(high, "shop/db")] == _tcp((5432, 5432))
    assert (low, "shop/db") not in inbound and (rest, "shop/db") not in inbound


def test_shop_without_a_pod_cidr_keeps_the_free_pod_addresses() -> None:
    names, inbound, _ = _table(connectivity(_shop(), AnalysisOptions()))
    assert names == [
        "0.0.0.0/5, 8.0.0.0/7",
        "10.0.0.0-10.243.255.255",
        "10.244.0.0/16",  # its addresses but the three pods' are external
        "10.245.0.0/16, 10.246.0.0/15, 10.248.0.0/13",
        "11.0.0.0-255.255.255.255",
    ]
    assert ("10.244.0.0/16", "shop/db") not in inbound
    assert inbound[("10.244.0.0/16", "shop/frontend")] == _tcp((8080, 8080))


def test_frontend_open_to_the_internet_is_one_range() -> None:
    """Pod addresses inside a range do not cut it: they are pods, not external endpoints."""
    cluster = _shop().model_copy(update={"policies": _shop().policies[:1]})
    names, inbound, outbound = _table(connectivity(cluster, AnalysisOptions()))
    assert names == ["0.0.0.0/0"]
    assert inbound[("0.0.0.0/0", "shop/frontend")] == _tcp((8080, 8080))
    assert inbound[("0.0.0.0/0", "shop/db")] == EVERYTHING
    assert all(v == EVERYTHING for v in outbound.values()) and len(outbound) == 3


def test_egress_only_to_the_internet_on_443() -> None:
    cluster = _shop().model_copy(update={"policies": _shop().policies[2:]})
    names, _, outbound = _table(connectivity(cluster, AnalysisOptions()))
    assert names == ["0.0.0.0/0"]
    assert outbound[("shop/client", "0.0.0.0/0")] == _tcp((443, 443))


def test_named_ports_never_match_an_external_destination() -> None:
    pod = make_pod("x", "web", {"app": "web"}, ["10.0.0.1"], [("http", 8080)])
    policy = make_policy(
        "x",
        "named",
        sel(app="web"),
        ingress=[rule([ip_peer("0.0.0.0/0")], [port("http")])],
        egress=[rule([ip_peer("0.0.0.0/0")], [port("http"), port(53, "UDP")])],
        policy_types=["Ingress", "Egress"],
    )
    conn = connectivity(make_cluster([pod], [policy], {"x": {}}), AnalysisOptions())
    # ingress: the name resolves on the destination pod; egress: on an external address, never
    assert conn.from_external(0, 0) == _tcp((8080, 8080))
    assert conn.to_external(0, 0) == Connection(allowed=((Protocol.UDP, ((53, 53),)),))


def test_ranges_never_span_two_families() -> None:
    cluster = _shop().model_copy(update={"policies": _shop().policies[:1]})
    v6 = make_pod("shop", "v6", {}, ["fd00::5"])
    cluster = cluster.model_copy(update={"pods": (*cluster.pods, v6)})
    names, _, _ = _table(connectivity(cluster, AnalysisOptions()))
    assert names == ["0.0.0.0/0", "::/0"]


def test_hidden_with_external_false() -> None:
    conn = connectivity(_shop(), AnalysisOptions(), external=False)
    assert conn.external is None
    doc = io.StringIO()
    write_connectivity_json(conn, doc)
    assert "external_endpoints" not in json.loads(doc.getvalue())
    assert len(grouped(conn).endpoints) == 3


# --- the formats --------------------------------------------------------------------------------


def _render(conn: Connectivity, writer: object) -> str:
    buf = io.StringIO()
    writer(conn, buf)  # type: ignore[operator]
    return buf.getvalue()


def test_json_is_additive() -> None:
    """Old readers keep working: every old key is unchanged; the new ones are additive."""
    options = AnalysisOptions(pod_cidrs=(parse_network("10.244.0.0/16"),))
    with_ext = json.loads(_render(connectivity(_shop(), options), write_connectivity_json))
    without = json.loads(_render(connectivity(_shop(), options, external=False), write_connectivity_json))
    assert {k: v for k, v in with_ext.items() if not k.startswith("external_")} == without
    ranges = with_ext["external_endpoints"]
    assert ranges[0] == "0.0.0.0/5, 8.0.0.0/7" and len(ranges) == 4
    ext = with_ext["external_connections"]
    assert set(ext) == {"ingress", "egress"}
    assert ext["ingress"]["10.0.0.0-10.243.255.255"]["shop/db"] == {"TCP": "5432"}
    assert "shop/db" not in ext["ingress"]["0.0.0.0/5, 8.0.0.0/7"]
    assert ext["ingress"]["11.0.0.0-255.255.255.255"]["shop/frontend"] == {"TCP": "8080"}
    assert ext["egress"]["shop/client"] == {r: {"TCP": "443"} for r in ranges}
    assert list(ext["egress"]) == ["shop/client", "shop/db", "shop/frontend"]
    assert set(ext["ingress"]) <= set(ranges)


def test_csv_has_a_line_per_range_pod_and_protocol() -> None:
    options = AnalysisOptions(pod_cidrs=(parse_network("10.244.0.0/16"),))
    conn = connectivity(_shop(), options)
    text = _render(conn, write_connectivity_csv)
    lines = text.splitlines()
    assert lines[0] == "source,destination,protocol,ports,conditional"
    assert "10.0.0.0-10.243.255.255,shop/db,TCP,5432," in lines
    assert '"0.0.0.0/5, 8.0.0.0/7",shop/frontend,TCP,8080,' in lines
    assert "shop/client,11.0.0.0-255.255.255.255,TCP,443," in lines
    assert "shop/frontend,11.0.0.0-255.255.255.255,UDP,1-65535," in lines
    assert not any(line.startswith("shop/client,1") and ",UDP," in line for line in lines)  # 443 only
    assert conn.external is not None
    pods, ranges = set(conn.endpoints), set(conn.external.names())
    rows = list(csv.reader(io.StringIO(text)))[1:]
    # every line has a pod on one end at least, and never a range on both
    assert all({src, dst} <= pods or (src in pods) != (dst in pods) for src, dst, *_ in rows)
    assert all(src in pods | ranges and dst in pods | ranges for src, dst, *_ in rows)
    # one line per (range, pod, protocol) with traffic: 4 ranges x 3 pods, each way
    inbound = [r for r in rows if r[0] in ranges]
    outbound = [r for r in rows if r[1] in ranges]
    assert len(inbound) == 4 * 1 + 2 * 1 + 4 * 3  # frontend 8080, db 5432 (two ranges), client all
    assert len(outbound) == 4 * 1 + 2 * 4 * 3  # client 443; frontend and db everything


def test_grouped_views_show_ranges_as_groups() -> None:
    options = AnalysisOptions(pod_cidrs=(parse_network("10.244.0.0/16"),))
    conn = connectivity(_shop(), options)
    view = grouped(conn)
    ranges = [view.label(g) for g in view.sources if view.is_external(g)]
    # as sources, the four ranges split by what the db admits
    assert ranges == [
        "0.0.0.0/5, 8.0.0.0/7; 11.0.0.0-255.255.255.255",
        "10.0.0.0-10.243.255.255; 10.245.0.0/16, 10.246.0.0/15, 10.248.0.0/13",
    ]
    text_buf = io.StringIO()
    render_connectivity(conn, Console(file=text_buf, width=300))
    text = text_buf.getvalue()
    assert (
        "3 endpoints, 4 external address ranges, 4 source groups, 4 destination groups, 2 rules, 5 external rules"
        in text
    )
    for line in (
        "  S1  shop/client",
        "  S3  0.0.0.0/5, 8.0.0.0/7; 11.0.0.0-255.255.255.255",
        "  D4  0.0.0.0/5, 8.0.0.0/7; 10.0.0.0-10.243.255.255; 10.245.0.0/16, 10.246.0.0/15, "
        "10.248.0.0/13; 11.0.0.0-255.255.255.255",
        "rules (every pod of the sources → every other pod of the destinations: exactly these ports):\n"
        "  S2 → D1: all ports\n"
        "  S2 → D3: TCP 8080",  # db to frontend; the frontend to itself is self traffic
        "  S1 → D4: TCP 443\n"
        "  S2 → D4: all ports\n"
        "  all ranges → D1: all ports\n"
        "  all ranges → D3: TCP 8080\n"
        "  S4 → D2: TCP 5432",
    ):
        assert line + "\n" in text
    markdown = _render(conn, write_connectivity_markdown)
    assert "| S4 | 10.0.0.0-10.243.255.255; 10.245.0.0/16, 10.246.0.0/15, 10.248.0.0/13 |" in markdown
    assert "| S4 | D2 | TCP 5432 |" in markdown
    dot = _render(conn, write_connectivity_dot)
    assert "S3 [shape=box, style=dashed" in dot and "D4 [shape=ellipse, style=dashed" in dot
    assert 'S4 -> D2 [label="TCP 5432"];' in dot
    page = _render(conn, write_connectivity_html)
    assert '"external": true' in page


def test_views_of_a_namespace_merge_the_ranges_it_cannot_tell_apart() -> None:
    cluster = _shop()
    other = make_pod("other", "solo", {}, ["10.244.9.9"])
    cluster = make_cluster([*cluster.pods, other], list(cluster.policies), {"shop": {}, "other": {}})
    conn = connectivity(cluster, AnalysisOptions())
    assert conn.external is not None and len(conn.external.ranges) == 5
    view = restrict_connectivity(conn, selected_endpoints(cluster, ["other"]))
    assert view.external is not None
    assert view.external.names() == ("0.0.0.0/0",)
    assert view.from_external(0, 0) == EVERYTHING


@pytest.mark.parametrize("external", [True, False])
def test_single_port_connectivity(external: bool) -> None:
    conn = connectivity(_shop(), AnalysisOptions(), port=5432, protocol=TCP, external=external)
    if not external:
        assert conn.external is None
        return
    _, inbound, _ = _table(conn)
    assert inbound[("10.0.0.0-10.243.255.255", "shop/db")] == _tcp((5432, 5432))
    assert ("0.0.0.0/5, 8.0.0.0/7", "shop/frontend") not in inbound  # 8080 only


def test_html_draws_range_groups_in_chromium(tmp_path: Path) -> None:
    options = AnalysisOptions(pod_cidrs=(parse_network("10.244.0.0/16"),))
    page = tmp_path / "matrix.html"
    page.write_text(_render(connectivity(_shop(), options), write_connectivity_html), encoding="utf-8")
    dom = rendered_dom(page)
    assert 'data-rendered="true"' in dom
    ranges = re.findall(r'<g class="node (?:source|destination) external" data-group="([SD]\d+)"', dom)
    assert sorted(ranges) == ["D4", "S3", "S4"]
    edges = set(re.findall(r'<g class="edge" data-source="(S\d+)" data-target="(D\d+)"', dom))
    assert {("S1", "D4"), ("S4", "D2"), ("S3", "D3"), ("S2", "D1")} <= edges
    assert "10.0.0.0-10.243.255.255; 10.245.0.0/16, 10.246.0.0/15, 10.248.0.0/13" in dom


def test_no_pods_no_endpoints() -> None:
    """Without pods the ranges reach nobody: the text says so instead of listing them."""
    cluster = make_cluster([], list(_shop().policies), {"shop": {}})
    conn = connectivity(cluster, AnalysisOptions())
    buf = io.StringIO()
    render_connectivity(conn, Console(file=buf, width=200))
    assert "no endpoints: the input holds no pods or workloads" in buf.getvalue()
    doc = json.loads(_render(conn, write_connectivity_json))
    assert doc["external_connections"] == {"ingress": {}, "egress": {}}
    assert _render(conn, write_connectivity_csv) == "source,destination,protocol,ports,conditional\n"
