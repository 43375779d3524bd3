"""Full connectivity: per pod pair, the protocol/port ranges policies allow — by set algebra.

The port line of each protocol is cut into *atoms* at every boundary a policy or a pod can
create: each numeric ``port``/``endPort`` of a rule of that protocol (``lo`` and ``hi + 1``;
tier policies' port ranges too) and each container-port number behind a named port a policy
mentions. No policy can tell
two ports of one atom apart. Atoms are then grouped into *kinds*: two atoms behave alike when
the same numeric rule entries cover them and neither is a named-port number (those are kinds
of their own, since which pods define which names there differs). The class-level matrix
(`verifier.engine.matrix.class_rows`) is evaluated once per kind — about as many times as
there are distinct port entries in the policies, never once per port.

A pair's connection is then the union of the atoms of every kind whose matrix allows it.
Sources are deduplicated by their row over all kinds, and each distinct row is split into
destination sets that share one connection by refining bitsets — no loop over pod pairs.
The result stays at class level (`Connectivity`); reports expand it to pods while writing.

Addresses and unknown IPs follow the per-port matrix exactly (module `matrix`): a range is
*allowed* for a pair when every possible address allows it, and *conditional* when some but
not all do. A pod reaching itself is always allowed and is not part of the relation; a
replicated template's replicas reach each other as the relation says (its diagonal pair).

External endpoints (`ExternalConnectivity`): the external address space is cut into pieces
no rule tells apart (`verifier.engine.external`); each kind is evaluated on the pod side only
(ingress of the destination for external -> pod, egress of the source for pod -> external),
per class and piece; classes with the same answers share a row. Adjacent pieces that every
class of the view treats alike on every port are then merged into one *range*. An external
flow never depends on a pod's own address; it is conditional only where tier policies leave
it open (a domainNames peer, a same-priority conflict). With tiers the relation's
``warnings`` say why some values are conditional.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass

from verifier.engine.bits import full, gather_columns, iter_bits, transpose
from verifier.engine.classes import Partition, equivalence_classes
from verifier.engine.external import ExternalPieces, external_pieces, external_sides
from verifier.engine.matrix import Prepared, class_columns, prepare
from verifier.model import AnalysisOptions, Cluster, Protocol
from verifier.results.connectivity import (  # the result types live in verifier.results
    NOTHING,
    PORT_MAX,
    Connection,
    Connectivity,
    ExternalConnectivity,
    PortMap,
    Ranges,
    Rows,
    merge_external,
    portmap_text,
    ranges_text,
)

_PROTOCOL_ORDER = {p: i for i, p in enumerate(Protocol)}


# --------------------------------------------------------------------------------------------
# atoms and kinds


@dataclass(frozen=True, slots=True)
class PortKind:
    """Ports of one protocol that every policy treats alike (module docstring: kinds)."""

    protocol: Protocol
    port: int  # a representative port of every atom of the kind
    atoms: tuple[tuple[int, int], ...]


def _kinds(cluster: Cluster, part: Partition, protocol: Protocol) -> list[PortKind]:
    """The atoms of ``protocol``'s port line, grouped by behaviour (module docstring)."""
    numeric: set[tuple[int, int]] = set()
    for policy in cluster.policies:
        for rule in policy.ingress + policy.egress:
            for entry in rule.ports or ():
                rng = entry.numeric_range()
                if entry.protocol is protocol and rng is not None:
                    numeric.add(rng)
    for tier_policy in cluster.tier_policies:
        for tier_rule in tier_policy.ingress + tier_policy.egress:
            for tier_port in tier_rule.ports or ():
                rng = tier_port.numeric_range()
                if tier_port.protocol is protocol and rng is not None:
                    numeric.add(rng)
    named = {number for cls in part.classes for _, proto, number in cls.named_ports if proto is protocol}
    cuts = {1, PORT_MAX + 1}
    for lo, hi in numeric:
        cuts.update((lo, hi + 1))
    for number in named:
        cuts.update((number, number + 1))
    points = sorted(c for c in cuts if 1 <= c <= PORT_MAX + 1)
    ranges = sorted(numeric)
    by_signature: dict[tuple[tuple[int, ...], int | None], list[tuple[int, int]]] = {}
    for lo, nxt in itertools.pairwise(points):
        covering = tuple(i for i, (a, b) in enumerate(ranges) if a <= lo <= b)
        sig = (covering, lo if lo in named else None)
        by_signature.setdefault(sig, []).append((lo, nxt - 1))
    return [
        PortKind(protocol=protocol, port=atoms[0][0], atoms=tuple(atoms)) for atoms in by_signature.values()
    ]


def port_kinds(cluster: Cluster, part: Partition) -> list[PortKind]:
    """Every protocol's port line as kinds, for the classes of ``part``: evaluating one
    representative port per kind covers every port of every protocol."""
    return [kind for protocol in Protocol for kind in _kinds(cluster, part, protocol)]


def merge_ranges(atoms: Iterable[tuple[int, int]]) -> Ranges:
    """Closed ranges, sorted, with overlapping and adjacent ones joined."""
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(atoms):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return tuple(merged)


def _portmap(kinds: list[PortKind], selected: int) -> PortMap:
    per: dict[Protocol, list[tuple[int, int]]] = {}
    for k in iter_bits(selected):
        per.setdefault(kinds[k].protocol, []).extend(kinds[k].atoms)
    return tuple((p, merge_ranges(per[p])) for p in sorted(per, key=_PROTOCOL_ORDER.__getitem__))


# --------------------------------------------------------------------------------------------
# the relation


def refine(groups: list[tuple[int, int]], bits: int, flag: int) -> list[tuple[int, int]]:
    """Split each (set, signature) group by membership in ``bits``; members get ``flag``."""
    out: list[tuple[int, int]] = []
    for g, sig in groups:
        inside = g & bits
        if not inside:
            out.append((g, sig))
        elif inside == g:
            out.append((g, sig | flag))
        else:
            out.append((inside, sig | flag))
            out.append((g & ~bits, sig))
    return out


@dataclass(frozen=True)
class _Relation:
    column_of: list[int]
    values: list[Connection]
    rows: list[tuple[tuple[int, int], ...]]
    row_of: list[int]


def _relation(prep: Prepared, kinds: list[PortKind]) -> _Relation:
    """Evaluate every kind destination-major (`class_columns`), then build the source rows.

    1. Destination classes with the same column in every kind share a *common* column.
    2. Per kind, the sources of each of its columns are transposed into, per source class,
       the set of that kind's columns admitting it; a source's row key is that set for
       every kind (allowed and conditional) — sources with equal keys share a row.
    3. For each distinct row, the per-kind sets are re-indexed onto the common columns (by
       two transpositions for all rows at once) and the common columns are refined into
       groups with one value each: the kinds (hence atoms, hence port ranges) allowing them.
    """
    n_classes = prep.n_classes
    per_kind = [class_columns(prep, kind.port, kind.protocol) for kind in kinds]
    n_kinds = len(kinds)
    common_index: dict[tuple[int, ...], int] = {}
    column_of: list[int] = []
    for b in range(n_classes):
        key = tuple(cols[b] for cols, _, _ in per_kind)
        column_of.append(common_index.setdefault(key, len(common_index)))
    n_columns = len(common_index)
    # kind_column[k][c]: the column of kind k that common column c is made of.
    kind_column = [[0] * n_columns for _ in kinds]
    for key, c in common_index.items():
        for k, col in enumerate(key):
            kind_column[k][c] = col
    # Per kind: per source class, the kind's columns admitting it (allowed, conditional).
    admits = [transpose(allowed, n_classes) if allowed else [0] * n_classes for _, allowed, _ in per_kind]
    maybes = [transpose(cond, n_classes) if any(cond) else [0] * n_classes for _, _, cond in per_kind]
    row_index: dict[tuple[int, ...], int] = {}
    row_keys: list[tuple[int, ...]] = []
    row_of: list[int] = []
    for a in range(n_classes):
        key = tuple(admits[k][a] for k in range(n_kinds)) + tuple(maybes[k][a] for k in range(n_kinds))
        r = row_index.get(key)
        if r is None:
            r = row_index[key] = len(row_keys)
            row_keys.append(key)
        row_of.append(r)
    # Re-index every kind's sets onto the common columns, for all distinct rows at once.
    on_common: list[list[int]] = []
    for k in range(2 * n_kinds):
        sets = [key[k] for key in row_keys]
        width = len(per_kind[k % n_kinds][1])
        if any(sets) and width:
            on_common.append(gather_columns(sets, width, kind_column[k % n_kinds]))
        else:
            on_common.append([0] * len(row_keys))
    values: list[Connection] = [NOTHING]
    value_index: dict[int, int] = {0: 0}
    everything = full(n_columns)
    rows: list[tuple[tuple[int, int], ...]] = []
    for r in range(len(row_keys)):
        groups = [(everything, 0)] if n_columns else []
        for k in range(2 * n_kinds):
            bits = on_common[k][r]
            if bits:
                groups = refine(groups, bits, 1 << k)
        entries: list[tuple[int, int]] = []
        for g, sig in groups:
            if not sig:
                continue
            v = value_index.get(sig)
            if v is None:
                allowed_kinds = sig & ((1 << n_kinds) - 1)
                cond_kinds = sig >> n_kinds
                v = value_index[sig] = len(values)
                values.append(
                    Connection(
                        allowed=_portmap(kinds, allowed_kinds), conditional=_portmap(kinds, cond_kinds)
                    )
                )
            entries.append((g, v))
        entries.sort(key=lambda e: (e[0] & -e[0]).bit_length())
        rows.append(tuple(entries))
    return _Relation(column_of=column_of, values=values, rows=rows, row_of=row_of)


def _external_rows(
    kinds: list[PortKind],
    per_kind: list[list[int]],
    group_of: list[int],
    width: int,
    values: list[Connection],
    value_index: dict[int, int],
    may_per_kind: list[list[int]] | None = None,
) -> tuple[list[tuple[tuple[int, int], ...]], tuple[int, ...]]:
    """Groups of classes with the same pieces on every kind share a row; a row's pieces are
    refined into groups with one set of kinds each, whose atoms make its value.
    ``may_per_kind`` (tiers): what may be allowed; what may be but is not surely allowed is
    conditional (the kinds ``k + len(kinds)`` of a value's signature)."""
    n_kinds = len(kinds)
    if may_per_kind is not None:
        per_kind = per_kind + [
            [may & ~must for may, must in zip(maybes, musts, strict=True)]
            for maybes, musts in zip(may_per_kind, per_kind, strict=True)
        ]
    index: dict[tuple[int, ...], int] = {}
    rows: list[tuple[tuple[int, int], ...]] = []
    row_of: list[int] = []
    n_groups = max(group_of, default=-1) + 1
    for c in range(n_groups):
        key = tuple(sets[c] for sets in per_kind)
        r = index.get(key)
        if r is None:
            r = index[key] = len(rows)
            groups = [(full(width), 0)] if width else []
            for k, bits in enumerate(key):
                if bits:
                    groups = refine(groups, bits, 1 << k)
            entries: list[tuple[int, int]] = []
            for g, sig in groups:
                if not sig:
                    continue
                v = value_index.get(sig)
                if v is None:
                    v = value_index[sig] = len(values)
                    values.append(
                        Connection(
                            allowed=_portmap(kinds, sig & ((1 << n_kinds) - 1)),
                            conditional=_portmap(kinds, sig >> n_kinds),
                        )
                    )
                entries.append((g, v))
            entries.sort(key=lambda e: (e[0] & -e[0]).bit_length())
            rows.append(tuple(entries))
        row_of.append(r)
    return rows, tuple(row_of[g] for g in group_of)


def _external(prep: Prepared, kinds: list[PortKind], pieces: ExternalPieces) -> ExternalConnectivity:
    """The external side of the relation (module docstring), ranges merged."""
    sides = external_sides(prep, pieces, [(kind.port, kind.protocol) for kind in kinds])
    values: list[Connection] = [NOTHING]
    value_index: dict[int, int] = {0: 0}
    width = len(pieces)
    in_rows, in_of = _external_rows(
        kinds, sides.ingress, sides.ingress_group, width, values, value_index, sides.ingress_may
    )
    eg_rows, eg_of = _external_rows(
        kinds, sides.egress, sides.egress_group, width, values, value_index, sides.egress_may
    )
    return merge_external(pieces.intervals, pieces.joinable, tuple(values), in_rows, in_of, eg_rows, eg_of)


def _connectivity(
    part: Partition,
    prep: Prepared,
    kinds: list[PortKind],
    port: int | None,
    protocol: Protocol | None,
    pieces: ExternalPieces | None = None,
) -> Connectivity:
    rel = _relation(prep, kinds)
    ext = None if pieces is None else _external(prep, kinds, pieces)
    column_pods: list[list[int]] = [[] for _ in range(max(rel.column_of, default=-1) + 1)]
    for i, k in enumerate(part.class_of):
        column_pods[rel.column_of[k]].append(i)
    return Connectivity(
        endpoints=tuple(p.key for p in part.pods),
        class_of=part.class_of,
        members=tuple(c.members for c in part.classes),
        column_of=tuple(rel.column_of),
        column_pods=tuple(tuple(p) for p in column_pods),
        values=tuple(rel.values),
        rows=tuple(rel.rows),
        row_of=tuple(rel.row_of),
        port=port,
        protocol=protocol,
        replicated=frozenset(i for i, pod in enumerate(part.pods) if pod.replicated),
        external=ext,
        warnings=_undecided_warnings(prep, rel.values, ext),
    )


def _undecided_warnings(
    prep: Prepared, values: list[Connection], ext: ExternalConnectivity | None
) -> tuple[str, ...]:
    """Why some values are conditional beyond unknown IPs: the flows tier policies leave
    open (none without tiers)."""
    if prep.tiers is None:
        return ()
    if not any(v.conditional for v in values) and not (ext and any(v.conditional for v in ext.values)):
        return ()
    return prep.tiers.warnings()


def compute_connectivity(
    cluster: Cluster, options: AnalysisOptions, *, external: bool = False
) -> Connectivity:
    """Per pod pair, the protocol/port ranges allowed on every protocol (module docstring);
    with ``external``, also per pod and external address range."""
    part = equivalence_classes(cluster, options)
    prep = prepare(cluster, options, part)
    pieces = external_pieces(cluster, options) if external else None
    return _connectivity(part, prep, port_kinds(cluster, part), None, None, pieces)


def compute_port_connectivity(
    cluster: Cluster, port: int, protocol: Protocol, options: AnalysisOptions, *, external: bool = False
) -> Connectivity:
    """The same relation on one port/protocol only (what the readable ``--port`` formats show)."""
    part = equivalence_classes(cluster, options, port=port, protocol=protocol)
    prep = prepare(cluster, options, part)
    kind = PortKind(protocol=protocol, port=port, atoms=((port, port),))
    pieces = external_pieces(cluster, options) if external else None
    return _connectivity(part, prep, [kind], port, protocol, pieces)


def column_groups(conn: Connectivity) -> list[int]:
    """Per class, the number of its group: classes with identical rows *and* identical columns
    share a group (numbered in order of their first pod). Two classes have identical columns
    when their columns are held by the same (row, entry) pairs (an entry has one value)."""
    flat = [bits for row in conn.rows for bits, _ in row]
    sig = transpose(flat, conn.n_columns) if flat else [0] * conn.n_columns
    order = sorted(range(conn.n_classes), key=lambda k: conn.members[k][0] if conn.members[k] else 0)
    group_of_key: dict[tuple[int, int], int] = {}
    group = [0] * conn.n_classes
    for k in order:
        key = (conn.row_of[k], sig[conn.column_of[k]])
        group[k] = group_of_key.setdefault(key, len(group_of_key))
    return group


__all__ = [
    "NOTHING",
    "PORT_MAX",
    "Connection",
    "Connectivity",
    "ExternalConnectivity",
    "PortKind",
    "PortMap",
    "Ranges",
    "Rows",
    "column_groups",
    "compute_connectivity",
    "compute_port_connectivity",
    "merge_ranges",
    "port_kinds",
    "portmap_text",
    "ranges_text",
    "refine",
]
