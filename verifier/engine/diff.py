"""What a policy change does to an inventory, by set algebra: per port kind, the sources
each destination class gains or loses, and what each class gains or loses to and from every
atomic external address region — then that relation cut into boxes.

This is the concrete half of the engine diff (`verifier.solve.enumdiff` writes the boxes in
the encoding's terms and lets Z3 prove an empty side empty). Over the inventory universe the
flows are finitely many kinds of thing — a pod class or an atomic address region on each
end, a protocol and a port *kind* (ports no policy of either version tells apart) — so the
difference is an exact, finite relation, read off the matrix engine for both versions:

1. per port kind, the sources each destination class gains (loses) — bitsets over classes;
2. destinations with the same gains on every kind share a column; each column's sources are
   refined into groups with one set of kinds; a group's kinds become protocol/port ranges;
3. boxes with the same sources, ports and protocols merge their destinations, then boxes
   with the same destinations merge their sources.

Versions with tier policies are left to the solver: `version_change` answers None for them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from verifier.engine.bits import full, iter_bits
from verifier.engine.classes import Partition
from verifier.engine.connectivity import PortKind, merge_ranges, port_kinds, refine
from verifier.engine.external import external_admission
from verifier.engine.matrix import class_columns, prepare
from verifier.model import AnalysisOptions, Cluster, Protocol

PROTOCOL_ORDER: tuple[Protocol, ...] = tuple(Protocol)

# One side of a box: ("pod", class bitset) or ("ext", (first region, last region)).
Side = tuple[str, int | tuple[int, int]]
# (source side, destination side, protocol indices, port interval)
BoxKey = tuple[Side, Side, frozenset[int], tuple[int, int]]


@dataclass(frozen=True)
class Change:
    """One version change's relation, per port kind (bitsets over classes or addresses)."""

    pods: list[list[int]]  # [kind][destination class] -> source classes
    ext_in: list[list[int]]  # [kind][destination class] -> external addresses
    ext_out: list[list[int]]  # [kind][source class] -> external addresses


def version_change(
    part: Partition, old: Cluster, new: Cluster, options: AnalysisOptions, addresses: Sequence[int]
) -> tuple[list[PortKind], Change, Change] | None:
    """Per port kind of ``part`` (the classes of the merged inventory), what ``new`` gains
    over ``old`` and what it loses; ``addresses`` are the external regions' first keys.
    None when some cell is conditional (an unknown IP): the engine is not exact there.

    None as well when either version has tier policies (AdminNetworkPolicy and the like):
    the matrix engine evaluates them, but ``addresses`` come from the caller's cut of the
    address line, which need not be cut at the tiers' ``networks`` and node addresses, and a
    flow the manifests leave undecided is neither gained nor lost. The caller then falls
    back to the solver (`verifier.solve.enumdiff`)."""
    if old.tier_policies or new.tier_policies:
        return None
    preps = (prepare(old, options, part), prepare(new, options, part))
    kinds = port_kinds(old.model_copy(update={"policies": old.policies + new.policies}), part)
    n = len(part.classes)
    gains = Change([], [], [])
    losses = Change([], [], [])
    for kind in kinds:
        per_version = []
        for prep in preps:
            cols, allowed, cond = class_columns(prep, kind.port, kind.protocol)
            if any(cond):
                return None
            ingress, egress = external_admission(prep, kind.port, kind.protocol, addresses)
            per_version.append((cols, allowed, ingress, egress))
        (c_old, a_old, i_old, e_old), (c_new, a_new, i_new, e_new) = per_version
        # A one-pod class with itself is self traffic, not a flow: its cell keeps the value
        # the policies give it (a "don't care") so that boxes stay whole; boxes made of that
        # cell alone are dropped when cut (`_pod_pairs`).
        gained: list[int] = []
        lost: list[int] = []
        pair_cache: dict[tuple[int, int], tuple[int, int]] = {}
        for b in range(n):
            key = (c_old[b], c_new[b])
            found = pair_cache.get(key)
            if found is None:
                was, now = a_old[key[0]], a_new[key[1]]
                found = pair_cache[key] = (now & ~was, was & ~now)
            gained.append(found[0])
            lost.append(found[1])
        gains.pods.append(gained)
        losses.pods.append(lost)
        gains.ext_in.append([i_new[b] & ~i_old[b] for b in range(n)])
        losses.ext_in.append([i_old[b] & ~i_new[b] for b in range(n)])
        gains.ext_out.append([e_new[b] & ~e_old[b] for b in range(n)])
        losses.ext_out.append([e_old[b] & ~e_new[b] for b in range(n)])
    return kinds, gains, losses


def port_boxes(kinds: Sequence[PortKind], sig: int) -> list[tuple[frozenset[int], tuple[int, int]]]:
    """The kinds in ``sig`` as (protocol indices, port interval) pieces; protocols with the
    same interval share a piece."""
    per: dict[int, list[tuple[int, int]]] = {}
    for k in iter_bits(sig):
        per.setdefault(PROTOCOL_ORDER.index(kinds[k].protocol), []).extend(kinds[k].atoms)
    by_interval: dict[tuple[int, int], set[int]] = {}
    for proto, atoms in per.items():
        for interval in merge_ranges(atoms):
            by_interval.setdefault(interval, set()).add(proto)
    return [(frozenset(protos), interval) for interval, protos in sorted(by_interval.items())]


def runs(bits: int, positions: Sequence[int]) -> list[tuple[int, int]]:
    """Set bits over ``positions`` (region indices, ascending) as runs of adjacent positions."""
    runs: list[tuple[int, int]] = []
    last = -2
    for b in iter_bits(bits):
        if b == last + 1:
            runs[-1] = (runs[-1][0], positions[b])
        else:
            runs.append((positions[b], positions[b]))
        last = b
    return runs


def cut(
    kinds: Sequence[PortKind],
    per_kind: list[list[int]],
    width: int,
    make: Callable[[int, int], list[tuple[Side, Side]]],
) -> list[BoxKey]:
    """One relation as boxes. ``per_kind[k][item]`` is a bitset (of width ``width``) over the
    other side; items are destination classes (pod pairs, external sources) or source classes
    (external destinations). Items with the same bitsets on every kind share a column; the
    column's other side is refined by kinds; ``make(items, other)`` turns each group into
    (source, destination) sides."""
    n_items = len(per_kind[0]) if per_kind else 0
    columns: dict[tuple[int, ...], int] = {}
    for item in range(n_items):
        key = tuple(rows[item] for rows in per_kind)
        if any(key):
            columns[key] = columns.get(key, 0) | (1 << item)
    out: list[BoxKey] = []
    for key, items in columns.items():
        groups = [(full(width), 0)]
        for k, bits in enumerate(key):
            if bits:
                groups = refine(groups, bits, 1 << k)
        for other, sig in groups:
            if not sig:
                continue
            for protos, ports in port_boxes(kinds, sig):
                out.extend((src, dst, protos, ports) for src, dst in make(items, other))
    return out


def merge_boxes(boxes: list[BoxKey]) -> list[BoxKey]:
    """Boxes that differ in one pod side only become one (the union of that side): first
    destinations under one source, then sources under one destination."""
    for merge_destinations in (True, False):
        grouped: dict[object, list[BoxKey]] = {}
        for box in boxes:
            src, dst, protos, ports = box
            varying, fixed = (dst, src) if merge_destinations else (src, dst)
            key: object = (fixed, protos, ports) if varying[0] == "pod" else box
            grouped.setdefault(key, []).append(box)
        merged: list[BoxKey] = []
        for group in grouped.values():
            src, dst, protos, ports = group[0]
            if len(group) == 1:
                merged.append(group[0])
                continue
            union = 0
            for box in group:
                side = box[1] if merge_destinations else box[0]
                assert isinstance(side[1], int)
                union |= side[1]
            merged.append(
                (src, ("pod", union), protos, ports)
                if merge_destinations
                else (("pod", union), dst, protos, ports)
            )
        boxes = merged
    return boxes


__all__ = ["BoxKey", "Change", "Side", "cut", "merge_boxes", "port_boxes", "runs", "version_change"]
