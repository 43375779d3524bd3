"""The engine's semantic diff (verifier.solve.enumdiff) against the oracle, flow by flow.

Over an inventory the difference between two policy versions is finite; the engine lists it
as boxes. These tests enumerate every kind of inventory flow (tests/brute.py) and check that
a flow lies in some listed box exactly when the oracle says the change added (removed) it —
so the boxes are neither too big (a flow inside that did not change) nor too few (a changed
flow outside every box) — and that the solver's regions describe the same set.
"""

from __future__ import annotations

import ipaddress

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.brute import inventory_flows
from tests.differential.test_z3_differential import _no_duplicate_named_ports
from tests.query.test_diff import versions
from tests.strategies import V4_POOL, V6_POOL, ip_peer, make_cluster, make_pod, make_policy, port, rule, sel
from verifier.model import AnalysisOptions, Cluster, Peer, Universe, ip_key
from verifier.oracle import decide
from verifier.query.diff import diff
from verifier.results import Endpoint, EndpointKind, EndpointSet, Flow, FlowRegion, RegionList, RegionStatus


def _side_holds(side: EndpointSet, ep: Endpoint) -> bool:
    if side.kind is EndpointKind.EXTERNAL and ep.kind is not EndpointKind.EXTERNAL:
        return False
    if side.kind is EndpointKind.POD:
        if ep.kind is not EndpointKind.POD:
            return False
        if f"{ep.namespace}/{ep.name}" not in {p for g in side.groups for p in g.pods}:
            return False
    if side.addresses is None:
        return True
    assert ep.ip is not None
    key = ip_key(ep.ip)
    return any(
        ip_key(ipaddress.ip_address(a.first)) <= key <= ip_key(ipaddress.ip_address(a.last))
        for a in side.addresses
    )


def region_holds(region: FlowRegion, flow: Flow) -> bool:
    """Whether a concrete flow lies in a region (its boxes read literally)."""
    return (
        flow.protocol in region.protocols
        and region.ports[0] <= flow.port <= region.ports[1]
        and _side_holds(region.source, flow.source)
        and _side_holds(region.destination, flow.destination)
    )


def _single_stack(cluster: Cluster, family: int) -> Cluster:
    """Every pod with exactly one IP of ``family`` (the engine's precondition)."""
    pool = V4_POOL if family == 4 else V6_POOL
    pods = tuple(
        p.model_copy(update={"ips": (ipaddress.ip_address(pool[i % len(pool)]),)})
        for i, p in enumerate(cluster.pods)
    )
    return cluster.model_copy(update={"pods": pods})


def _in_list(regions: RegionList, flow: Flow) -> bool:
    return any(region_holds(r, flow) for r in regions.regions)


def _check_against_oracle(
    old: Cluster,
    new: Cluster,
    result_added: RegionList,
    result_removed: RegionList,
    *,
    ipblock_pods: bool,
    options: AnalysisOptions | None = None,
) -> int:
    both = old.model_copy(update={"policies": old.policies + new.policies})
    changed = 0
    for flow in inventory_flows(both, options or AnalysisOptions()):
        was = decide(old, flow, ipblock_pods=ipblock_pods).allowed
        now = decide(new, flow, ipblock_pods=ipblock_pods).allowed
        assert _in_list(result_added, flow) == (now and not was), flow
        assert _in_list(result_removed, flow) == (was and not now), flow
        changed += was != now
    return changed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(versions(), st.sampled_from((4, 6)), st.booleans(), st.booleans())
def test_engine_diff_is_exactly_the_oracle_difference(
    pair: tuple[Cluster, Cluster], family: int, ipblock_pods: bool, with_pod_cidr: bool
) -> None:
    old, new = (_single_stack(c, family) for c in pair)
    # --pod-cidr: external addresses are then only those outside it.
    cidrs = (ipaddress.ip_network("10.0.0.0/24" if family == 4 else "fd00::/120"),) if with_pod_cidr else ()
    options = AnalysisOptions(
        universe=Universe.INVENTORY, ipblock_pods=ipblock_pods, timeout_s=20, pod_cidrs=cidrs
    )
    result = diff(old, new, options, max_regions=10_000)
    for regions in (result.added, result.removed):
        assert regions.status is RegionStatus.COMPLETE, regions.reason
        # The engine never claims an empty side: that is Z3's to prove.
        assert regions.method == ("engine" if regions.regions else "z3")
    _check_against_oracle(old, new, result.added, result.removed, ipblock_pods=ipblock_pods, options=options)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(versions())
def test_engine_and_solver_regions_hold_the_same_flows(pair: tuple[Cluster, Cluster]) -> None:
    # one port name twice on a pod is refused by the loader (and the API server); the encoder
    # reads the first one only, so such a pod is no input to compare the two on
    assume(all(_no_duplicate_named_ports(c) for c in pair))
    old, new = (_single_stack(c, 4) for c in pair)
    options = AnalysisOptions(universe=Universe.INVENTORY, timeout_s=20)
    engine = diff(old, new, options, max_regions=10_000)
    solver = diff(old, new, options, max_regions=10_000, method="z3")
    assert solver.added.method == solver.removed.method == "z3"
    both = old.model_copy(update={"policies": old.policies + new.policies})
    for flow in inventory_flows(both, AnalysisOptions()):
        assert _in_list(engine.added, flow) == _in_list(solver.added, flow), flow
        assert _in_list(engine.removed, flow) == _in_list(solver.removed, flow), flow


def _ipblock_change() -> tuple[Cluster, Cluster]:
    pods = [make_pod("a", f"web{i}", {"app": "web"}, [f"10.0.0.{i + 1}"]) for i in range(3)]
    pods.append(make_pod("a", "db", {"app": "db"}, ["10.0.1.1"]))
    # Old: every pod of namespace a may reach the db. New: only 192.168.0.0/16 (minus a /24)
    # on 6379/TCP — external sources gained, the web pods lost the db.
    same_ns = make_policy(
        "a", "db", sel(app="db"), ingress=[rule([pod_peer_all()])], policy_types=["Ingress"]
    )
    opened = make_policy(
        "a",
        "db",
        sel(app="db"),
        ingress=[rule([ip_peer("192.168.0.0/16", "192.168.5.0/24")], [port(6379)])],
        policy_types=["Ingress"],
    )
    return make_cluster(pods, [same_ns], {"a": {}}), make_cluster(pods, [opened], {"a": {}})


def pod_peer_all() -> Peer:
    return Peer(pod_selector=sel())


def test_external_sources_and_lost_pod_access() -> None:
    old, new = _ipblock_change()
    result = diff(old, new, AnalysisOptions(universe=Universe.INVENTORY))
    assert result.added.method == result.removed.method == "engine"
    externals = [r for r in result.added.regions if r.source.kind is EndpointKind.EXTERNAL]
    assert externals and all(r.ports == (6379, 6379) for r in externals)
    block = ipaddress.ip_network("192.168.0.0/16")
    hole = ipaddress.ip_network("192.168.5.0/24")
    for r in externals:
        for a in r.source.addresses or ():
            first, last = ipaddress.ip_address(a.first), ipaddress.ip_address(a.last)
            assert first in block and last in block
            assert not (first <= hole[0] <= last or first <= hole[-1] <= last)
    changed = _check_against_oracle(old, new, result.added, result.removed, ipblock_pods=True)
    assert changed > 0
    # The web pods lost the db on every port but 6379/TCP.
    assert any(r.source.kind is EndpointKind.POD for r in result.removed.regions)


def test_truncation_says_how_many_regions_exist() -> None:
    old, new = _ipblock_change()
    result = diff(old, new, AnalysisOptions(universe=Universe.INVENTORY), max_regions=1)
    assert result.added.status is RegionStatus.TRUNCATED and len(result.added.regions) == 1
    assert "regions in all, 1 listed" in result.added.reason


def test_pods_without_an_ip_fall_back_to_the_solver() -> None:
    old, new = _ipblock_change()
    bare = make_pod("a", "new", {"app": "web"}, [])
    old = old.model_copy(update={"pods": (*old.pods, bare)})
    new = new.model_copy(update={"pods": (*new.pods, bare)})
    result = diff(old, new, AnalysisOptions(universe=Universe.INVENTORY))
    assert result.added.method == result.removed.method == "z3"
