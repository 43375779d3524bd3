"""Every flow of every reported region is what the region claims, per the oracle.

A region reads as a cross product: every source × every destination × its protocols × its
port interval. These tests enumerate that product over the inventory — each listed pod at
each of its addresses (a pod without IP at every kind of address of the pod space), each kind
of external address of an address side, the ends of the port interval and every port edge in
play — keep the pairs that are flows (one address family, not a pod to itself) and ask the
oracle about each one. They also check that every listed source/destination pair has at least
one such flow (a pod of one family next to a destination of the other is no flow, so a
region listing it claims something that does not exist), and that no region of a list lies
inside another region of the same list.

The clusters mix IPv4-only, IPv6-only and dual-stack pods and pods without IP
(`tests.strategies.clusters`, `mixed_family_clusters`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.brute import (
    _a_flow,
    _candidate_keys,
    _candidate_ports,
    _externals,
    _ip_sets,
    _pod_endpoints,
    inventory_flows,
)
from tests.strategies import (
    _BLOCK_RULES,
    _BLOCK_TYPES,
    _POD_PARTS,
    _V4S,
    _V6S,
    POD_SELECTORS,
    _pod,
    clusters,
    ip_peer,
    make_cluster,
    make_pod,
    make_policy,
    rule,
    sel,
)
from verifier.model import AnalysisOptions, Cluster, Protocol, Universe, ip_key, parse_ip
from verifier.model.ip import V6_OFFSET, same_family
from verifier.oracle import decide
from verifier.query.diff import diff
from verifier.query.exposure import destination_peer, exposure
from verifier.results import Endpoint, EndpointKind, EndpointSet, Flow, FlowRegion, RegionList, RegionStatus
from verifier.solve.regions import Box, Regions

Member = Callable[[Flow], bool]


def _in_addresses(side: EndpointSet, ep: Endpoint) -> bool:
    if side.addresses is None:
        return True
    assert ep.ip is not None
    key = ip_key(ep.ip)
    return any(ip_key(parse_ip(a.first)) <= key <= ip_key(parse_ip(a.last)) for a in side.addresses)


def _elements(side: EndpointSet, cluster: Cluster, options: AnalysisOptions) -> list[list[Endpoint]]:
    """The side's members, each as the endpoints it can be (a pod at each possible address)."""
    keys = _candidate_keys(_ip_sets(cluster, [], options))
    if side.kind is EndpointKind.EXTERNAL:
        return [[e] for e in _externals(cluster, keys, options) if _in_addresses(side, e)]
    assert side.kind is EndpointKind.POD, "inventory regions only"
    pods = {p.key: p for p in cluster.pods}
    out = []
    for name in (p for g in side.groups for p in g.pods):
        eps = [
            e
            for e in _pod_endpoints(cluster, pods[name], keys, options.pod_ip_space())
            if _in_addresses(side, e)
        ]
        assert eps, f"{name} is listed but has no address the side allows"
        out.append(eps)
    return out


def _same_pod(a: Endpoint, b: Endpoint) -> bool:
    return a.kind is b.kind is EndpointKind.POD and (a.namespace, a.name) == (b.namespace, b.name)


def region_flows(region: FlowRegion, cluster: Cluster, options: AnalysisOptions) -> Iterator[Flow]:
    """Every kind of flow the region claims (module docstring); asserts that every listed pair
    of distinct members has at least one."""
    sources = _elements(region.source, cluster, options)
    destinations = _elements(region.destination, cluster, options)
    lo, hi = region.ports
    ports = sorted({lo, hi, *(p for p in _candidate_ports(cluster, []) if lo <= p <= hi)})
    for src_eps, dst_eps in itertools.product(sources, destinations):
        pairs = [(s, d) for s in src_eps for d in dst_eps if _a_flow(s, d)]
        explicit = region.source.kind is EndpointKind.POD or region.source.addresses is not None
        explicit_dst = region.destination.kind is EndpointKind.POD or region.destination.addresses is not None
        if explicit and explicit_dst and not _same_pod(src_eps[0], dst_eps[0]):
            # Two endpoints never share an address: an external address and a pod whose only
            # possible address in the box is that one meet in no flow, and that is no error.
            families = [(s, d) for s in src_eps for d in dst_eps if same_family(ip_key(s.ip), ip_key(d.ip))]  # type: ignore[arg-type]
            assert pairs or (all(s.ip == d.ip for s, d in families) and families), (
                f"{src_eps[0]} and {dst_eps[0]} are listed together but share no address family"
            )
        for (s, d), port, proto in itertools.product(pairs, ports, region.protocols):
            yield Flow(source=s, destination=d, port=port, protocol=proto)


# --- membership of a concrete flow in a region (completeness) ----------------------------------


def _label_phrase_holds(phrase: str, labels: dict[str, str]) -> bool:
    """A constraint as `verifier.solve.regions._codes_text` writes it, read literally:
    ``k=v``, ``k in (a,b)``, ``!k``, ``!k or k=v``, ``!k or k in (a,b)``, ``k exists``,
    ``k exists, notin (a,b)``, ``k notin (a,b)``."""

    def values(text: str) -> set[str]:
        return set(text.strip().strip("()").split(","))

    if phrase.startswith("!") and " or " in phrase:
        first, rest = phrase.split(" or ", 1)
        return first[1:] not in labels or _label_phrase_holds(rest, labels)
    if phrase.startswith("!"):
        return phrase[1:] not in labels
    if " exists, notin " in phrase:
        key, excluded = phrase.split(" exists, notin ", 1)
        return key in labels and labels[key] not in values(excluded)
    if phrase.endswith(" exists"):
        return phrase[: -len(" exists")] in labels
    if " notin " in phrase:
        key, excluded = phrase.split(" notin ", 1)
        return labels.get(key) not in values(excluded)
    if " in " in phrase:
        key, allowed = phrase.split(" in ", 1)
        return key in labels and labels[key] in values(allowed)
    key, value = phrase.split("=", 1)
    return labels.get(key) == value


def _named_port_phrase_holds(phrase: str, ep: Endpoint, port: int) -> bool:
    """``defines NAME/PROTO at the flow's port`` or ``does not define …``."""
    negated = phrase.startswith("does not define ")
    name, proto = phrase.split(" ")[3 if negated else 1].split("/")
    defines = any(cp.name == name and cp.protocol.value == proto and cp.port == port for cp in ep.ports)
    return defines != negated


def _side_holds(side: EndpointSet, ep: Endpoint, port: int) -> bool:
    """Whether a concrete endpoint is a member of a region's side. An inventory pod is a member
    of a ``pod`` side that lists it, and (the `any` universe: a hypothetical pod may stand for
    it) of a ``new-pod`` side whose constraints it meets. Inventory endpoints only: they live
    in existing namespaces."""
    if side.kind is EndpointKind.EXTERNAL:
        if ep.kind is not EndpointKind.EXTERNAL:
            return False
    elif ep.kind is EndpointKind.EXTERNAL:
        return False
    elif side.kind is EndpointKind.POD:
        if ep.kind is not EndpointKind.POD or f"{ep.namespace}/{ep.name}" not in _pods(side):
            return False
    else:  # a new-pod side: every pod meeting its constraints
        if side.namespaces and ep.namespace not in side.namespaces:
            return False
        if not side.namespaces and side.description.startswith("any pod in a new namespace"):
            return False
        if not all(_label_phrase_holds(p, ep.namespace_labels) for p in side.namespace_labels):
            return False
        if not all(_label_phrase_holds(p, ep.labels) for p in side.labels):
            return False
        if not all(_named_port_phrase_holds(p, ep, port) for p in side.named_ports):
            return False
    return _in_addresses(side, ep)


def region_holds(region: FlowRegion, flow: Flow) -> bool:
    """Whether a concrete flow lies in a region (its boxes read literally)."""
    return (
        flow.protocol in region.protocols
        and region.ports[0] <= flow.port <= region.ports[1]
        and _side_holds(region.source, flow.source, flow.port)
        and _side_holds(region.destination, flow.destination, flow.port)
    )


def in_some_region(regions: RegionList, flow: Flow) -> bool:
    return any(region_holds(r, flow) for r in regions.regions)


def check_complete(regions: RegionList, cluster: Cluster, options: AnalysisOptions, member: Member) -> int:
    """A ``complete`` list leaves no flow of the set out. Over the inventory universe every
    inventory flow is in a listed region iff it is in the set; in `any` (whose regions may
    also hold hypothetical pods) every inventory flow of the set is in some region. Returns the
    number of inventory flows of the set."""
    assert regions.status is RegionStatus.COMPLETE, regions.status
    count = 0
    for f in inventory_flows(cluster, options):
        wanted = member(f)
        count += wanted
        if options.universe is Universe.INVENTORY:
            assert in_some_region(regions, f) == wanted, f
        elif wanted:
            assert in_some_region(regions, f), f
    return count


def check_diff_complete(
    old: Cluster, new: Cluster, added: RegionList, removed: RegionList, options: AnalysisOptions
) -> None:
    """`check_complete` for both sides of a diff at once (one pair of oracle calls a flow)."""
    lists = [(regions, gained) for regions, gained in ((added, True), (removed, False))]
    lists = [(r, g) for r, g in lists if r.status is RegionStatus.COMPLETE]
    if not lists:
        return
    for f in inventory_flows(_both(old, new), options):
        was = decide(old, f, ipblock_pods=options.ipblock_pods).allowed
        now = decide(new, f, ipblock_pods=options.ipblock_pods).allowed
        for regions, gained in lists:
            wanted = (now and not was) if gained else (was and not now)
            if options.universe is Universe.INVENTORY:
                assert in_some_region(regions, f) == wanted, (gained, f)
            elif wanted:
                assert in_some_region(regions, f), (gained, f)


def check_regions(
    regions: RegionList, cluster: Cluster, options: AnalysisOptions, member: Member, *, complete: bool = True
) -> None:
    """Every flow of every region is a member of the set; no region is inside another; the
    list is conclusive on these small clusters and, when complete, holds every member
    (`check_complete`; ``complete`` False: the caller checks that). ``cluster`` holds the
    inventory and every policy in play (of both versions, for a diff): its ipBlocks give the
    kinds of address enumerated."""
    assert regions.status is not RegionStatus.ERROR, regions.reason
    assert regions.status is not RegionStatus.UNKNOWN, regions.reason
    if complete and regions.status is RegionStatus.COMPLETE:
        check_complete(regions, cluster, options, member)
    contents: list[set[str]] = []
    for region in regions.regions:
        assert member(region.example), region.example
        flows: set[str] = set()
        for f in region_flows(region, cluster, options):
            assert member(f), (
                f"{f} is in the region '{region.source.description} -> {region.destination.description}' but not in the set"
            )
            flows.add(str(f))
        contents.append(flows)
    for (i, a), (j, b) in itertools.permutations(enumerate(contents), 2):
        assert not (a and a <= b), f"region {i + 1} lies inside region {j + 1}"


def _exposure_member(cluster: Cluster, app: str, ipblock_pods: bool) -> Member:
    def member(f: Flow) -> bool:
        return (
            f.destination.kind is EndpointKind.POD
            and f.destination.labels.get("app") == app
            and decide(cluster, f, ipblock_pods=ipblock_pods).allowed
        )

    return member


def _both(old: Cluster, new: Cluster) -> Cluster:
    return old.model_copy(update={"policies": old.policies + new.policies})


def _diff_member(old: Cluster, new: Cluster, gained: bool, ipblock_pods: bool) -> Member:
    def member(f: Flow) -> bool:
        was = decide(old, f, ipblock_pods=ipblock_pods).allowed
        now = decide(new, f, ipblock_pods=ipblock_pods).allowed
        return (now and not was) if gained else (was and not now)

    return member


# --- issue 9 §4: IPv4 and IPv6 pods mixed ------------------------------------------------------


def _mixed(excepts: tuple[str, ...]) -> Cluster:
    pods = [
        make_pod("n", "srv", {"app": "srv"}, ["fd00::1"]),
        make_pod("n", "v6only", {"app": "c6"}, ["fd00::2"]),
        make_pod("n", "v4only", {"app": "c4"}, ["10.0.0.4"]),
    ]
    policy = make_policy("n", "p", sel(app="srv"), ingress=[rule([ip_peer("fd00::/16", *excepts)])])
    return make_cluster(pods, [policy], {"n": {}})


def _pods(side: EndpointSet) -> set[str]:
    return {p for g in side.groups for p in g.pods}


def test_exposure_with_mixed_families_lists_real_flows_only() -> None:
    cluster = _mixed(("fd00:1::/32",))
    options = AnalysisOptions(universe=Universe.INVENTORY)
    result = exposure(cluster, destination_peer(None, sel(app="srv")), options)
    assert result.regions.status is RegionStatus.COMPLETE
    for region in result.regions.regions:
        assert _pods(region.destination) == {"n/srv"}, region.destination.description
        assert "n/v4only" not in _pods(region.source), region.source.description
        assert "v4only" not in region.source.description + region.destination.description
    assert {"n/v6only"} == {p for r in result.regions.regions for p in _pods(r.source)}
    check_regions(result.regions, cluster, options, _exposure_member(cluster, "srv", True))


def test_diff_with_mixed_families_lists_only_what_changed() -> None:
    old, new = _mixed(("fd00:1::/32",)), _mixed(("fd00:1::/32", "fd00::2/128"))
    options = AnalysisOptions(universe=Universe.INVENTORY)
    for method in ("auto", "z3"):
        result = diff(old, new, options, method=method)
        assert result.added.proved_empty
        assert len(result.removed.regions) == 1
        (region,) = result.removed.regions
        assert _pods(region.source) == {"n/v6only"} and _pods(region.destination) == {"n/srv"}
        assert region.source.description == "n/v6only" and region.destination.description == "n/srv"
        check_regions(result.removed, _both(old, new), options, _diff_member(old, new, False, True))


def test_a_pod_without_ip_inside_a_block_whose_ends_are_taken() -> None:
    # CI found it: the block's first and last addresses belong to pods, so the brute-force
    # enumeration gave the IP-less Deployment no address inside the block, while the region
    # rightly lists it there (10.0.0.1 is free). The oracle now tries a free address per gap.
    pods = [
        make_pod("x", "p0", {}, ["10.0.0.0"]),
        make_pod("x", "p1", {}, ["10.0.0.15"]),
        make_pod("x", "p2", {"app": "a"}, ["10.0.0.2", "fd00::2"]),
        make_pod("x", "p3", {}, [], kind="Deployment"),
    ]
    block = rule([ip_peer("10.0.0.0/28")])
    policy = make_policy("x", "blocks", sel(), ingress=[block], egress=[block], policy_types=["Ingress"])
    cluster = make_cluster(pods, [policy], {"x": {}})
    options = AnalysisOptions(universe=Universe.INVENTORY, ipblock_pods=True)
    result = exposure(cluster, destination_peer(None, sel(app="a")), options, max_regions=50)
    assert "x/p3" in {p for r in result.regions.regions for p in _pods(r.source)}
    check_regions(result.regions, cluster, options, _exposure_member(cluster, "a", True))


def test_dual_stack_pods_pin_the_family_when_neither_side_does() -> None:
    # Two dual-stack pods, ingress from an IPv6 block only: the IPv6 flows are allowed, the
    # IPv4 ones are not; a region "a -> b" with no family would claim both.
    pods = [
        make_pod("n", "a", {"app": "a"}, ["10.0.0.1", "fd00::1"]),
        make_pod("n", "b", {"app": "b"}, ["10.0.0.2", "fd00::2"]),
    ]
    policy = make_policy("n", "p", sel(app="b"), ingress=[rule([ip_peer("fd00::/120")])])
    cluster = make_cluster(pods, [policy], {"n": {}})
    options = AnalysisOptions(universe=Universe.INVENTORY)
    result = exposure(cluster, destination_peer(None, sel(app="b")), options)
    assert result.regions.status is RegionStatus.COMPLETE
    pod_regions = [r for r in result.regions.regions if r.source.kind is EndpointKind.POD]
    assert pod_regions
    for r in pod_regions:
        assert r.source.addresses is not None or r.destination.addresses is not None
    check_regions(result.regions, cluster, options, _exposure_member(cluster, "b", True))
    # And the IPv4 flow a -> b is denied: no region may contain it.
    v4 = Flow(
        source=Endpoint(
            kind=EndpointKind.POD, ip=parse_ip("10.0.0.1"), namespace="n", name="a", labels={"app": "a"}
        ),
        destination=Endpoint(
            kind=EndpointKind.POD, ip=parse_ip("10.0.0.2"), namespace="n", name="b", labels={"app": "b"}
        ),
        port=80,
        protocol=Protocol.TCP,
    )
    assert not decide(cluster, v4).allowed
    for r in result.regions.regions:
        assert all(
            ip_key(parse_ip(a.first)) >= V6_OFFSET
            for a in (r.source.addresses or r.destination.addresses or ())
        )


# --- differential: random clusters of every family mix ------------------------------------------

_SHAPES = st.sampled_from(("v4", "v6", "dual", "none"))


@st.composite
def mixed_family_clusters(draw: st.DrawFn, max_pods: int = 5, max_policies: int = 3) -> Cluster:
    """`clusters` whose pods mix the address families evenly — IPv4 only, IPv6 only,
    dual-stack and without IP (a workload template) — with at least one IPv4 and one IPv6
    address among them, plus often a policy whose peers are ipBlocks of either family (so
    that a pod's family decides flows)."""
    base = draw(clusters(max_pods=0, max_policies=max_policies))
    names = sorted(base.namespaces)
    where = st.sampled_from(names)
    v4s, v6s = draw(_V4S), draw(_V6S)
    shapes = draw(st.lists(_SHAPES, min_size=2, max_size=max(2, max_pods)))
    if not {"v4", "dual"} & set(shapes):
        shapes[0] = "v4"
    if not {"v6", "dual"} & set(shapes):
        shapes[-1] = "v6"
    pod_list = []
    for i, shape in enumerate(shapes):
        parts = draw(_POD_PARTS)  # the drawn shape is replaced by ours, the rest kept
        # One number per port name and protocol (the encoding reads the first; see the report).
        seen: set[tuple[str | None, Protocol]] = set()
        ports = []
        for cp in parts[2]:
            if cp.name is None or (cp.name, cp.protocol) not in seen:
                seen.add((cp.name, cp.protocol))
                ports.append(cp)
        pod_list.append(
            _pod(draw(where), f"p{i}", v4s[i], v6s[i % len(v6s)], (parts[0], shape, ports, *parts[3:]))
        )  # type: ignore[arg-type]
    policies = list(base.policies)
    if draw(st.booleans()):
        policies.append(
            make_policy(
                draw(where),
                "blocks",
                draw(POD_SELECTORS),
                ingress=draw(_BLOCK_RULES),
                egress=draw(_BLOCK_RULES),
                policy_types=draw(_BLOCK_TYPES),
            )
        )
    spaces = {n: base.namespaces[n].labels for n in names}
    return make_cluster(pod_list, policies, spaces)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mixed_family_clusters(), st.sampled_from(("a", "b", "c")), st.booleans())
def test_exposure_regions_hold_only_allowed_flows(cluster: Cluster, app: str, ipblock_pods: bool) -> None:
    options = AnalysisOptions(universe=Universe.INVENTORY, ipblock_pods=ipblock_pods, timeout_s=20)
    result = exposure(cluster, destination_peer(None, sel(app=app)), options, max_regions=50)
    check_regions(result.regions, cluster, options, _exposure_member(cluster, app, ipblock_pods))


@st.composite
def mixed_versions(draw: st.DrawFn) -> tuple[Cluster, Cluster]:
    """`versions` over a cluster whose pods mix the families (dual-stack, without IP)."""
    old = draw(mixed_family_clusters(max_pods=4, max_policies=3))
    other = draw(clusters(max_pods=0, max_policies=3))
    keep = draw(st.lists(st.booleans(), min_size=len(old.policies), max_size=len(old.policies)))
    extra = tuple(p for p in other.policies if p.namespace in old.namespaces)
    new_policies = tuple(p for p, k in zip(old.policies, keep, strict=True) if k) + extra
    return old, old.model_copy(update={"policies": new_policies})


# 20 examples: some seeds draw versions whose exhaustive replay costs minutes of CPU
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mixed_versions(), st.sampled_from(("auto", "z3")), st.booleans())
def test_diff_regions_hold_only_changed_flows(
    pair: tuple[Cluster, Cluster], method: str, ipblock_pods: bool
) -> None:
    old, new = pair
    options = AnalysisOptions(universe=Universe.INVENTORY, ipblock_pods=ipblock_pods, timeout_s=20)
    result = diff(old, new, options, max_regions=50, method=method)
    for regions, gained in ((result.added, True), (result.removed, False)):
        check_regions(
            regions, _both(old, new), options, _diff_member(old, new, gained, ipblock_pods), complete=False
        )
    check_diff_complete(old, new, result.added, result.removed, options)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters(max_pods=4, max_policies=3))
def test_any_universe_exposure_examples_still_replay(cluster: Cluster) -> None:
    # The any universe's sides are constraints, not lists; their examples still replay.
    options = AnalysisOptions(universe=Universe.ANY, timeout_s=20)
    result = exposure(cluster, destination_peer(None, sel(app="a")), options, max_regions=6)
    assert result.regions.status is not RegionStatus.ERROR, result.regions.reason
    for r in result.regions.regions:
        assert decide(cluster, r.example).allowed


# --- issue 9 §7: no region inside another region of the same list ----------------------------


def test_a_region_swallowed_by_a_later_one_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    # Widening is greedy, so a later box may contain an earlier one. Force it: the first box
    # stays the bare seed flow, the second grows to everything (which holds the first).
    pods = [make_pod("n", f"c{i}", {"app": "c"}, [f"10.0.0.{i + 1}"]) for i in range(3)]
    pods.append(make_pod("n", "srv", {"app": "srv"}, ["10.0.0.9"]))
    cluster = make_cluster(pods, [], {"n": {}})
    calls = []
    widen = Regions.generalise

    def first_stays_small(self: Regions, box: Box) -> Box:
        calls.append(box)
        return box if len(calls) == 1 else widen(self, box)

    monkeypatch.setattr(Regions, "generalise", first_stays_small)
    options = AnalysisOptions(universe=Universe.INVENTORY)
    result = exposure(cluster, destination_peer(None, sel(app="srv")), options)
    assert len(calls) >= 2 and result.regions.status is RegionStatus.COMPLETE
    check_regions(result.regions, cluster, options, _exposure_member(cluster, "srv", True))
    widest = [r for r in result.regions.regions if r.source.kind is EndpointKind.POD]
    assert len(widest) == 1 and _pods(widest[0].source) == {"n/c0", "n/c1", "n/c2"}


def test_the_engine_lists_no_region_inside_another() -> None:
    old, new = _mixed(("fd00:1::/32",)), _mixed(("fd00:1::/32", "fd00::2/128"))
    # Single-family versions of the same change, so that the engine enumerates.
    v6 = [p.model_copy(update={"ips": (parse_ip(f"fd00::{i + 1}"),)}) for i, p in enumerate(old.pods)]
    old, new = (c.model_copy(update={"pods": tuple(v6)}) for c in (old, new))
    options = AnalysisOptions(universe=Universe.INVENTORY)
    result = diff(old, new, options)
    assert result.removed.method == "engine"
    check_regions(result.removed, _both(old, new), options, _diff_member(old, new, False, True))
