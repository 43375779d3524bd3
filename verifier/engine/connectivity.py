"""Full connectivity: per pod pair, the protocol/port ranges policies allow — by set algebra.

The port line of each protocol is cut into *atoms* at every boundary a policy or a pod can
create: each numeric ``port``/``endPort`` of a rule of that protocol (``lo`` and ``hi + 1``)
and each container-port number behind a named port a policy mentions. No policy can tell
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
flow never depends on a pod's own address, so nothing about it is conditional.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from verifier.engine.bits import full, gather_columns, iter_bits, transpose
from verifier.engine.classes import Partition, equivalence_classes
from verifier.engine.external import ExternalPieces, external_pieces, external_sides
from verifier.engine.matrix import Prepared, class_columns, prepare
from verifier.model import AnalysisOptions, Cluster, Protocol
from verifier.model.ip import range_text

Ranges = tuple[tuple[int, int], ...]
PortMap = tuple[tuple[Protocol, Ranges], ...]

PORT_MAX = 65535
_PROTOCOL_ORDER = {p: i for i, p in enumerate(Protocol)}


def ranges_text(ranges: Ranges) -> str:
    """``80,443-450`` (closed ranges, comma-separated)."""
    return ",".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ranges)


def portmap_text(ports: PortMap) -> str:
    """``TCP 80,443; UDP 53`` — ``all`` when every port of every protocol is in it."""
    if len(ports) == len(Protocol) and all(r == ((1, PORT_MAX),) for _, r in ports):
        return "all"
    return "; ".join(
        f"{proto.value} {'all' if r == ((1, PORT_MAX),) else ranges_text(r)}" for proto, r in ports
    )


@dataclass(frozen=True, slots=True)
class Connection:
    """What one pod may send another: ``allowed`` for every possible address of pods whose IP
    is unknown, ``conditional`` for some but not all of them (disjoint from ``allowed``)."""

    allowed: PortMap = ()
    conditional: PortMap = ()

    def __bool__(self) -> bool:
        return bool(self.allowed or self.conditional)

    def text(self) -> str:
        """``TCP 80; UDP 53`` plus ``(conditional: TCP 443)`` when some ranges are conditional."""
        head = portmap_text(self.allowed) if self.allowed else "none"
        if self.conditional:
            return f"{head} (conditional: {portmap_text(self.conditional)})"
        return head

    def allows(self, port: int, protocol: Protocol) -> bool:
        return _contains(self.allowed, port, protocol)

    def maybe(self, port: int, protocol: Protocol) -> bool:
        return _contains(self.conditional, port, protocol)


def _contains(ports: PortMap, port: int, protocol: Protocol) -> bool:
    for proto, ranges in ports:
        if proto is protocol:
            return any(lo <= port <= hi for lo, hi in ranges)
    return False


NOTHING = Connection()


Rows = tuple[tuple[tuple[int, int], ...], ...]


@dataclass(frozen=True)
class ExternalConnectivity:
    """What pod classes admit from and send to external address ranges.

    ``ranges`` are closed key intervals (`verifier.model.ip`) in address order; a range
    stands for its *external* addresses: those that no inventory pod has (and outside
    ``--pod-cidr`` when it is given). ``joinable[i]``: ranges ``i`` and ``i + 1`` are of
    one family with no external address between them (they could be one range).
    ``values[0]`` is `NOTHING`. ``ingress_rows[r]`` is one distinct answer of a destination
    class to external sources: disjoint (range bitset, value index) pairs with a non-zero
    value; ``ingress_of[k]`` is the row of class ``k``. ``egress_rows``/``egress_of`` are
    the same for a source class and external destinations. Values are never conditional.
    """

    ranges: tuple[tuple[int, int], ...]
    joinable: tuple[bool, ...]
    values: tuple[Connection, ...]
    ingress_rows: Rows
    ingress_of: tuple[int, ...]
    egress_rows: Rows
    egress_of: tuple[int, ...]

    def names(self) -> tuple[str, ...]:
        """The ranges as people write them: a few CIDRs (``10.0.0.0/8``) or ``first-last``."""
        return tuple(range_text(lo, hi) for lo, hi in self.ranges)

    def inbound(self, r: int, cls: int) -> Connection:
        """What range ``r`` may send to a pod of class ``cls``."""
        return _lookup(self.ingress_rows[self.ingress_of[cls]], r, self.values)

    def outbound(self, cls: int, r: int) -> Connection:
        """What a pod of class ``cls`` may send to range ``r``."""
        return _lookup(self.egress_rows[self.egress_of[cls]], r, self.values)

    def restricted(self, classes: list[int]) -> ExternalConnectivity:
        """The relation for the classes ``classes`` only (old indices, in new order), with
        the ranges that those classes treat alike merged."""
        in_used = sorted({self.ingress_of[k] for k in classes})
        eg_used = sorted({self.egress_of[k] for k in classes})
        in_index = {r: n for n, r in enumerate(in_used)}
        eg_index = {r: n for n, r in enumerate(eg_used)}
        return _merged(
            self.ranges,
            self.joinable,
            self.values,
            [self.ingress_rows[r] for r in in_used],
            tuple(in_index[self.ingress_of[k]] for k in classes),
            [self.egress_rows[r] for r in eg_used],
            tuple(eg_index[self.egress_of[k]] for k in classes),
        )


def _lookup(row: tuple[tuple[int, int], ...], r: int, values: tuple[Connection, ...]) -> Connection:
    for bits, v in row:
        if bits >> r & 1:
            return values[v]
    return NOTHING


def _merged(
    ranges: tuple[tuple[int, int], ...],
    joinable: tuple[bool, ...],
    values: tuple[Connection, ...],
    ingress_rows: list[tuple[tuple[int, int], ...]],
    ingress_of: tuple[int, ...],
    egress_rows: list[tuple[tuple[int, int], ...]],
    egress_of: tuple[int, ...],
) -> ExternalConnectivity:
    """Join every two joinable neighbouring ranges that no row tells apart. Entries of a row
    are disjoint with distinct values, so two neighbours ``j``, ``j + 1`` are alike in every
    row iff no entry holds exactly one of them: one XOR with a shifted copy per entry."""
    differs = 0
    for row in (*ingress_rows, *egress_rows):
        for bits, _ in row:
            differs |= bits ^ (bits >> 1)
    starts = [0] if ranges else []
    new_joinable: list[bool] = []
    for j, ok in enumerate(joinable):
        if not (ok and not differs >> j & 1):
            starts.append(j + 1)
            new_joinable.append(ok)
    if len(starts) < len(ranges):
        ends = [s - 1 for s in starts[1:]] + [len(ranges) - 1]
        new_ranges = tuple((ranges[a][0], ranges[b][1]) for a, b in zip(starts, ends, strict=True))
        flat = [bits for row in (*ingress_rows, *egress_rows) for bits, _ in row]
        it = iter(gather_columns(flat, len(ranges), starts) if flat else [])
        ingress_rows = [tuple((next(it), v) for _, v in row) for row in ingress_rows]
        egress_rows = [tuple((next(it), v) for _, v in row) for row in egress_rows]
    else:
        new_ranges = ranges
    return ExternalConnectivity(
        ranges=new_ranges,
        joinable=tuple(new_joinable),
        values=values,
        ingress_rows=tuple(ingress_rows),
        ingress_of=ingress_of,
        egress_rows=tuple(egress_rows),
        egress_of=egress_of,
    )


@dataclass(frozen=True)
class Connectivity:
    """The connectivity relation at class level, with what it takes to expand it to pods.

    ``endpoints`` are the inventory pods sorted by (namespace, name); ``class_of[i]`` is the
    class of pod ``i`` and ``members[k]`` the pods of class ``k``. As a destination, class
    ``k`` belongs to *column* ``column_of[k]`` (classes that admit exactly the same traffic
    share a column); ``column_pods[c]`` are the pods of column ``c``. ``values[0]`` is
    `NOTHING`; ``rows[r]`` is one distinct source row: disjoint (column bitset, value index)
    pairs with a non-zero value; ``row_of[k]`` is the row of source class ``k``. The value of
    a pair of *distinct* pods ``s``, ``d`` is ``values[v]`` for the entry of
    ``rows[row_of[class_of[s]]]`` whose bitset holds ``column_of[class_of[d]]`` (`NOTHING`
    if none). ``port``/``protocol`` are set when the relation is for one port only.
    """

    endpoints: tuple[str, ...]
    class_of: tuple[int, ...]
    members: tuple[tuple[int, ...], ...]
    column_of: tuple[int, ...]
    column_pods: tuple[tuple[int, ...], ...]
    values: tuple[Connection, ...]
    rows: tuple[tuple[tuple[int, int], ...], ...]
    row_of: tuple[int, ...]
    port: int | None = None
    protocol: Protocol | None = None
    warnings: tuple[str, ...] = ()
    replicated: frozenset[int] = frozenset()  # pods standing for several replicas
    external: ExternalConnectivity | None = None

    @property
    def n_classes(self) -> int:
        return len(self.members)

    @property
    def n_columns(self) -> int:
        return len(self.column_pods)

    def pair(self, source: int, destination: int) -> Connection:
        """The connection from pod ``source`` to pod ``destination`` (indices into endpoints).

        A pod and itself: self traffic, always allowed on everything — except a replicated
        template, whose pair with itself is what two of its replicas may send each other.
        """
        if source == destination and source not in self.replicated:
            every = tuple((p, ((1, PORT_MAX),)) for p in Protocol)
            return Connection(allowed=every)
        c = self.column_of[self.class_of[destination]]
        for bits, v in self.rows[self.row_of[self.class_of[source]]]:
            if bits >> c & 1:
                return self.values[v]
        return NOTHING

    def from_external(self, r: int, destination: int) -> Connection:
        """What external range ``r`` may send to pod ``destination`` (`NOTHING` when the
        relation has no external side)."""
        if self.external is None:
            return NOTHING
        return self.external.inbound(r, self.class_of[destination])

    def to_external(self, source: int, r: int) -> Connection:
        """What pod ``source`` may send to external range ``r``."""
        if self.external is None:
            return NOTHING
        return self.external.outbound(self.class_of[source], r)

    def row_pods(self, row: int) -> list[tuple[int, int]]:
        """(destination pod, value index) of one distinct row, sorted by pod. Work grows with
        the row's destinations, not with the number of pods."""
        found: list[tuple[int, int]] = []
        pods = self.column_pods
        for bits, v in self.rows[row]:
            found.extend((d, v) for c in iter_bits(bits) for d in pods[c])
        found.sort()
        return found

    def pairs(self) -> Iterator[tuple[int, int, int]]:
        """Every (source, destination, value index) of distinct pods with some traffic, in
        endpoint order. Cost grows with the output."""
        cached_row, found = -1, []
        for s in range(len(self.endpoints)):
            row = self.row_of[self.class_of[s]]
            if row != cached_row:
                cached_row, found = row, self.row_pods(row)
            for d, v in found:
                if d != s or s in self.replicated:
                    yield s, d, v

    def restricted(self, keep: Iterable[int]) -> Connectivity:
        """The relation between the pods ``keep`` (indices into endpoints) only."""
        kept = sorted(set(keep))
        old_classes = sorted({self.class_of[i] for i in kept})
        new_index = {k: n for n, k in enumerate(old_classes)}
        pod_index = {old: new for new, old in enumerate(kept)}
        members = tuple(tuple(pod_index[i] for i in self.members[k] if i in pod_index) for k in old_classes)
        old_columns = sorted({self.column_of[k] for k in old_classes})
        column_index = {c: n for n, c in enumerate(old_columns)}
        column_pods: list[list[int]] = [[] for _ in old_columns]
        for new_pod, old_pod in enumerate(kept):
            column_pods[column_index[self.column_of[self.class_of[old_pod]]]].append(new_pod)
        rows_used = sorted({self.row_of[k] for k in old_classes})
        row_index = {r: n for n, r in enumerate(rows_used)}
        flat = [bits for r in rows_used for bits, _ in self.rows[r]]
        gathered = gather_columns(flat, self.n_columns, old_columns) if flat else []
        new_rows: list[tuple[tuple[int, int], ...]] = []
        it = iter(gathered)
        for r in rows_used:
            entries = [(next(it), v) for _, v in self.rows[r]]
            new_rows.append(tuple((bits, v) for bits, v in entries if bits))
        return Connectivity(
            endpoints=tuple(self.endpoints[i] for i in kept),
            class_of=tuple(new_index[self.class_of[i]] for i in kept),
            members=members,
            column_of=tuple(column_index[self.column_of[k]] for k in old_classes),
            column_pods=tuple(tuple(p) for p in column_pods),
            values=self.values,
            rows=tuple(new_rows),
            row_of=tuple(row_index[self.row_of[k]] for k in old_classes),
            port=self.port,
            protocol=self.protocol,
            warnings=self.warnings,
            replicated=frozenset(pod_index[i] for i in self.replicated if i in pod_index),
            external=None if self.external is None else self.external.restricted(old_classes),
        )


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
) -> tuple[list[tuple[tuple[int, int], ...]], tuple[int, ...]]:
    """Groups of classes with the same pieces on every kind share a row; a row's pieces are
    refined into groups with one set of kinds each, whose atoms make its value."""
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
                    values.append(Connection(allowed=_portmap(kinds, sig)))
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
    in_rows, in_of = _external_rows(kinds, sides.ingress, sides.ingress_group, width, values, value_index)
    eg_rows, eg_of = _external_rows(kinds, sides.egress, sides.egress_group, width, values, value_index)
    return _merged(pieces.intervals, pieces.joinable, tuple(values), in_rows, in_of, eg_rows, eg_of)


def _connectivity(
    part: Partition,
    prep: Prepared,
    kinds: list[PortKind],
    port: int | None,
    protocol: Protocol | None,
    pieces: ExternalPieces | None = None,
) -> Connectivity:
    rel = _relation(prep, kinds)
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
        external=None if pieces is None else _external(prep, kinds, pieces),
    )


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
    "Connection",
    "Connectivity",
    "ExternalConnectivity",
    "PortKind",
    "column_groups",
    "compute_connectivity",
    "compute_port_connectivity",
    "merge_ranges",
    "port_kinds",
    "portmap_text",
    "ranges_text",
    "refine",
]
