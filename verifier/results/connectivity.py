"""The full connectivity relation as a result: `Connectivity` (pod pairs at class level), its
external side (`ExternalConnectivity`), and the per-pair value `Connection` — what
`verifier.engine.connectivity` computes and the matrix views render (docs/matrix.md).

Frozen values with no solver and no engine behind them; `restricted` cuts a relation down
to a subset of pods (merging what the subset no longer tells apart).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from verifier.model import Protocol
from verifier.model.ip import range_text
from verifier.results.bits import gather_columns, iter_bits

__all__ = [
    "NOTHING",
    "PORT_MAX",
    "Connection",
    "Connectivity",
    "ExternalConnectivity",
    "PortMap",
    "Ranges",
    "Rows",
    "merge_external",
    "portmap_text",
    "ranges_text",
]

Ranges = tuple[tuple[int, int], ...]
PortMap = tuple[tuple[Protocol, Ranges], ...]

PORT_MAX = 65535


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
    the same for a source class and external destinations. Values are conditional only
    where tier policies leave a flow undecided (domainNames, same-priority conflicts).
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
        return merge_external(
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


def merge_external(
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
