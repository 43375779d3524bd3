"""Semantic diff over a concrete inventory by exhaustive set algebra, as regions.

Over the inventory universe the flows are finitely many kinds of thing: an inventory pod
class or an atomic address region on each end, a protocol and a port *kind* (ports no policy
of either version tells apart). The engine (`verifier.engine`) evaluates every kind on both
versions for all class pairs at once, and `verifier.engine.external` does the same for flows
with an external end; the difference is then an exact, finite relation. Growing regions one
Z3 query at a time (`verifier.solve.regions`) spends most of its time re-deriving this
relation; here it is read off directly and cut into boxes:

1. per port kind, the sources each destination class gains (loses) — bitsets over classes;
2. destinations with the same gains on every kind share a column; each column's sources are
   refined into groups with one set of kinds; a group's kinds become protocol/port ranges;
3. boxes with the same sources, ports and protocols merge their destinations, then boxes
   with the same destinations merge their sources.

Every box is the cross product of its dimensions and lies inside the difference by
construction; the boxes together hold every flow of it (the list is exhaustive, not proved
by Z3 — `RegionList.method` says "engine"). Each example flow is replayed through the oracle
on both versions, like the solver's. An *empty* difference is never claimed here: the caller
proves emptiness with Z3.

Used only where the engine's answer is exact for the symbolic flow of the encoding: every
pod has exactly one IP and all pods share one address family (otherwise pods with several or
unknown addresses make some cells conditional, and the caller falls back to the solver), and
neither version has cluster-wide tier policies (`verifier.engine.diff` compares
NetworkPolicies only; with tiers the solver's regions answer).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import z3

from verifier.encode import PROTOCOLS, Encoding, SymEndpoint, free_address
from verifier.engine import Partition, equivalence_classes
from verifier.engine.bits import iter_bits
from verifier.engine.connectivity import PortKind
from verifier.engine.diff import BoxKey, Change, Side, cut, merge_boxes, runs, version_change
from verifier.model import AnalysisOptions, Cluster, Pod, Universe, key_to_ip
from verifier.model.ip import V6_OFFSET
from verifier.oracle import decide, external_endpoint, pod_endpoint
from verifier.results import EndpointKind, Flow, FlowRegion, RegionList, RegionStatus
from verifier.solve.box import Box, Constraint, Dim
from verifier.solve.box_description import describe


def applicable(enc: Encoding) -> bool:
    """Whether the engine's answer is exact for this encoding (module docstring)."""
    if enc.universe is not Universe.INVENTORY or not enc.cluster.pods:
        return False
    if enc.cluster.tier_policies:
        return False  # the engine's version diff knows NetworkPolicies only: the solver decides
    if enc.cluster.unknown_label_namespaces:
        return False  # a cell may depend on labels the input does not give: the solver decides
    families = set()
    for pod in enc.cluster.pods:
        if len(pod.ips) != 1:
            return False
        families.add(pod.ips[0].version)
    return len(families) == 1


@dataclass(frozen=True)
class _Classes:
    """The engine's pod classes (what the difference is computed over) and the encoding's
    classes each of them covers (what boxes and their descriptions are written in). Both are
    exact, so pods of one engine class behave alike whichever encoding class they are in."""

    part: Partition
    encoding_classes: list[list[int]]  # per engine class

    def encoding(self, bits: int) -> frozenset[int]:
        return frozenset(j for e in iter_bits(bits) for j in self.encoding_classes[e])

    def pods(self, e: int) -> list[Pod]:
        return [self.part.pods[i] for i in self.part.classes[e].members]

    def count(self, bits: int) -> int:
        return sum(len(self.part.classes[e].members) for e in iter_bits(bits))


def _change(
    enc: Encoding, old: Cluster, new: Cluster, options: AnalysisOptions, addresses: Sequence[int]
) -> tuple[list[PortKind], _Classes, Change, Change] | None:
    """Per port kind, what ``new`` gains over ``old`` and what it loses, over the engine's
    classes, with the encoding classes each engine class covers (None: not exact here)."""
    part = equivalence_classes(enc.cluster, options)
    found = version_change(part, old, new, options, addresses)
    if found is None:
        return None
    kinds, gains, losses = found
    index = {p.key: i for i, p in enumerate(part.pods)}
    covered: list[set[int]] = [set() for _ in part.classes]
    for j, cls in enumerate(enc.inventory.classes):
        for pod in cls.members:
            covered[part.class_of[index[pod.key]]].add(j)
    return kinds, _Classes(part, [sorted(c) for c in covered]), gains, losses


def _pod_pairs(classes: _Classes, sources: int, destinations: int) -> list[tuple[Side, Side]]:
    """The box sources × destinations, unless its only pair is one pod with itself."""
    if sources == destinations and sources & (sources - 1) == 0 and classes.count(sources) == 1:
        return []
    return [(("pod", sources), ("pod", destinations))]


def _external_regions(enc: Encoding) -> list[int]:
    """Region indices of external addresses of the pods' family (only those can meet a pod)."""
    inv = enc.inventory
    v6 = enc.cluster.pods[0].ips[0].version == 6
    out = []
    for i in range(len(inv.regions)):
        lo, _ = inv.regions.interval(i)
        if (lo >= V6_OFFSET) == v6 and lo in inv.external_space:
            out.append(i)
    return out


def _sym_side(
    enc: Encoding, classes_map: _Classes, ep: SymEndpoint, name: str, side: Side
) -> tuple[list[z3.BoolRef], list[Dim], list[Constraint], EndpointKind]:
    t = enc.t
    region = Dim(name, "region", ep.region, bounds=(0, len(enc.inventory.regions) - 1))
    if side[0] == "ext":
        interval = side[1]
        assert isinstance(interval, tuple)
        return [t.not_(ep.is_pod)], [region], [interval], EndpointKind.EXTERNAL
    bits = side[1]
    assert isinstance(bits, int)
    n = len(enc.inventory.classes)
    classes = classes_map.encoding(bits)
    cls = Dim(name, "cls", ep.cls, values=tuple(range(n)))
    constraint: Constraint = None if len(classes) == n else classes
    return [ep.is_pod, t.not_(ep.hypothetical)], [region, cls], [None, constraint], EndpointKind.POD


def _box(
    enc: Encoding, classes: _Classes, src: Side, dst: Side, protos: frozenset[int], ports: tuple[int, int]
) -> Box:
    s_fixed, s_dims, s_cons, s_kind = _sym_side(enc, classes, enc.src, "src", src)
    d_fixed, d_dims, d_cons, d_kind = _sym_side(enc, classes, enc.dst, "dst", dst)
    dims = [
        *s_dims,
        *d_dims,
        Dim("flow", "proto", enc.proto, values=tuple(range(len(PROTOCOLS)))),
        Dim("flow", "port", enc.port, bounds=(1, 65535)),
    ]
    proto_c: Constraint = None if len(protos) == len(PROTOCOLS) else protos
    port_c: Constraint = None if ports == (1, 65535) else ports
    # Every pod has one address of one family (`applicable`): so has every flow of the box.
    family = enc.cluster.pods[0].ips[0].version
    return Box(
        s_fixed + d_fixed,
        dims,
        [*s_cons, *d_cons, proto_c, port_c],
        {"src": s_kind, "dst": d_kind},
        family,
    )


def _example(
    enc: Encoding, classes: _Classes, src: Side, dst: Side, protos: frozenset[int], ports: tuple[int, int]
) -> Flow:
    inv = enc.inventory
    cluster = enc.cluster

    def external(side: Side) -> int:
        interval = side[1]
        assert isinstance(interval, tuple)
        for r in range(interval[0], interval[1] + 1):
            lo, hi = inv.regions.interval(r)
            if lo in inv.external_space:
                # lo + 1: not a network address when the region is a whole CIDR.
                found = free_address(inv, cluster, min(lo + 1, hi), inv.external_space)
                if found is not None:
                    return found
        raise AssertionError("an external region without a free address")

    protocol = PROTOCOLS[min(protos)]
    if src[0] == "ext" or dst[0] == "ext":
        if src[0] == "ext":
            assert isinstance(dst[1], int)
            pod = classes.pods(next(iter_bits(dst[1])))[0]
            return Flow(
                source=external_endpoint(_key_ip(external(src))),
                destination=pod_endpoint(cluster, pod),
                port=ports[0],
                protocol=protocol,
            )
        assert isinstance(src[1], int)
        pod = classes.pods(next(iter_bits(src[1])))[0]
        return Flow(
            source=pod_endpoint(cluster, pod),
            destination=external_endpoint(_key_ip(external(dst))),
            port=ports[0],
            protocol=protocol,
        )
    assert isinstance(src[1], int) and isinstance(dst[1], int)
    for i in iter_bits(src[1]):
        for j in iter_bits(dst[1]):
            a, b = classes.pods(i), classes.pods(j)
            if i != j or len(a) > 1:
                return Flow(
                    source=pod_endpoint(cluster, a[0]),
                    destination=pod_endpoint(cluster, b[1] if i == j else b[0]),
                    port=ports[0],
                    protocol=protocol,
                )
    raise AssertionError("a box of self traffic only")


def _key_ip(key: int) -> str:
    return str(key_to_ip(key))


def _size(classes: _Classes, box: BoxKey) -> int:
    def count(side: Side) -> int:
        if side[0] == "ext":
            return 1
        assert isinstance(side[1], int)
        return classes.count(side[1])

    return count(box[0]) * count(box[1]) * len(box[2]) * (box[3][1] - box[3][0] + 1)


def engine_diff(
    enc: Encoding,
    old: Cluster,
    new: Cluster,
    options: AnalysisOptions,
    *,
    max_regions: int,
) -> tuple[RegionList | None, RegionList | None] | None:
    """(added, removed) as exhaustive region lists; None for a list found empty (prove it
    with Z3); None overall when the engine is not exact for this input (`applicable`)."""
    if not applicable(enc):
        return None
    ext_regions = _external_regions(enc)
    addresses = [enc.inventory.regions.interval(r)[0] for r in ext_regions]
    computed = _change(enc, old, new, options, addresses)
    if computed is None:
        return None
    kinds, classes, gains, losses = computed
    n = len(classes.part.classes)
    results: list[RegionList | None] = []
    for change, gained in ((gains, True), (losses, False)):
        boxes = cut(kinds, change.pods, n, lambda items, other: _pod_pairs(classes, other, items))
        boxes += cut(
            kinds,
            change.ext_in,
            len(ext_regions),
            lambda items, other: [(("ext", run), ("pod", items)) for run in runs(other, ext_regions)],
        )
        boxes += cut(
            kinds,
            change.ext_out,
            len(ext_regions),
            lambda items, other: [(("pod", items), ("ext", run)) for run in runs(other, ext_regions)],
        )
        found = merge_boxes(boxes)
        if not found:
            results.append(None)
            continue
        found.sort(key=lambda b: -_size(classes, b))
        regions: list[FlowRegion] = []
        status, reason = RegionStatus.COMPLETE, ""
        for src, dst, protos, ports in found:
            if len(regions) >= max_regions:
                status = RegionStatus.TRUNCATED
                reason = f"{len(found)} regions in all, {max_regions} listed (raise --max-regions)"
                break
            example = _example(enc, classes, src, dst, protos, ports)
            was = decide(old, example, ipblock_pods=options.ipblock_pods).allowed
            now = decide(new, example, ipblock_pods=options.ipblock_pods).allowed
            if (now and not was) if gained else (was and not now):
                regions.append(describe(enc, _box(enc, classes, src, dst, protos, ports), example))
                continue
            status = RegionStatus.ERROR
            reason = (
                f"internal inconsistency: the engine says {example} is "
                f"{'newly allowed' if gained else 'newly denied'}, the oracle says "
                f"old={'allowed' if was else 'denied'} new={'allowed' if now else 'denied'}; please report this"
            )
            break
        results.append(RegionList(status=status, regions=tuple(regions), reason=reason, method="engine"))
    return results[0], results[1]


__all__ = ["applicable", "engine_diff"]
