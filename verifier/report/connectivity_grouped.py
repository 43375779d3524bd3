"""The grouped view of a connectivity relation that the readable forms (text, markdown, dot,
html) show: source and destination groups and the merged rules between them (`grouped`,
`verifier.report.matrix_views` says what a rule means), plus the names of groups, rules and
the view that every readable form uses (`rule_parts`, `title`, `summary`)."""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from verifier.results.bits import from_indices, iter_bits, transpose
from verifier.results.connectivity import NOTHING, Connection, Connectivity


@dataclass(frozen=True)
class GroupedRule:
    """Every pod of the ``sources`` groups reaches every *other* pod of the ``destinations``
    groups on exactly ``value``."""

    sources: tuple[int, ...]
    destinations: tuple[int, ...]
    value: Connection
    external: bool = False  # between ranges and pods (one side is range groups only)


@dataclass(frozen=True)
class Grouped:
    """Source groups (pods with identical rows), destination groups (pods with identical
    columns) — endpoint indices in endpoint order — and the rules between them.

    Endpoints ``0 .. n_pods - 1`` are the pods; with external ranges, endpoint ``n_pods + r``
    is range ``r`` (``endpoints`` holds its name). A group holds pods only or ranges only,
    and range groups come after the pod groups.
    """

    endpoints: tuple[str, ...]
    sources: tuple[tuple[int, ...], ...]
    destinations: tuple[tuple[int, ...], ...]
    rules: tuple[GroupedRule, ...]
    namespace_sizes: dict[str, int]
    replicated: frozenset[int] = field(default=frozenset())  # pods that stand for 2+ pods
    n_pods: int = -1  # -1: every endpoint is a pod

    @property
    def pods(self) -> int:
        """How many endpoints are pods."""
        return len(self.endpoints) if self.n_pods < 0 else self.n_pods

    @property
    def n_ranges(self) -> int:
        return len(self.endpoints) - self.pods

    def self_only(self, sources: tuple[int, ...], destinations: tuple[int, ...]) -> bool:
        """Whether the only pair of these source and destination groups is one pod with
        itself (self traffic, not a rule) — never for a replicated template."""
        src = {p for g in sources for p in self.sources[g]}
        dst = {p for g in destinations for p in self.destinations[g]}
        return len(src) == 1 and src == dst and not src <= self.replicated

    def describe(self, pods: tuple[int, ...]) -> list[str]:
        """Pods as ``ns/*`` for a whole namespace of the view (two pods or more), else
        ``ns/name``; external ranges by their names."""
        by_ns: dict[str, list[str]] = {}
        ranges: list[str] = []
        for i in pods:
            if i >= self.pods:
                ranges.append(self.endpoints[i])
                continue
            ns, _, name = self.endpoints[i].partition("/")
            by_ns.setdefault(ns, []).append(name)
        out: list[str] = []
        for ns, names in by_ns.items():
            if len(names) == self.namespace_sizes[ns] and len(names) > 1:
                out.append(f"{ns}/*")
            else:
                out.extend(f"{ns}/{p}" for p in names)
        return out + ranges

    @property
    def pod_rules(self) -> tuple[GroupedRule, ...]:
        return tuple(r for r in self.rules if not r.external)

    @property
    def external_rules(self) -> tuple[GroupedRule, ...]:
        return tuple(r for r in self.rules if r.external)

    def is_external(self, members: tuple[int, ...]) -> bool:
        """Whether a group is made of external ranges."""
        return bool(members) and members[0] >= self.pods

    def label(self, members: tuple[int, ...]) -> str:
        """A group's members on one line: pods joined by ``, ``; ranges (whose names may
        themselves be a few comma-separated CIDRs) by ``; ``."""
        return ("; " if self.is_external(members) else ", ").join(self.describe(members))


def _numbered(keys: Sequence[Hashable]) -> tuple[list[int], list[list[int]]]:
    """Number the distinct keys of endpoints (in order): (group per endpoint, endpoints per group)."""
    index: dict[Hashable, int] = {}
    pods: list[list[int]] = []
    group_of: list[int] = []
    for i, key in enumerate(keys):
        g = index.get(key)
        if g is None:
            g = index[key] = len(pods)
            pods.append([])
        pods[g].append(i)
        group_of.append(g)
    return group_of, pods


def _range_keys(
    rows: Sequence[tuple[tuple[int, int], ...]], n_ranges: int
) -> list[tuple[tuple[int, int], ...]]:
    """Per range: the (row, value) pairs of the rows holding it — equal keys, equal behaviour."""
    keys: list[list[tuple[int, int]]] = [[] for _ in range(n_ranges)]
    for q, row in enumerate(rows):
        for bits, v in row:
            for r in iter_bits(bits):
                keys[r].append((q, v))
    return [tuple(k) for k in keys]


def grouped(conn: Connectivity) -> Grouped:
    """Group sources by row and destinations by column, merge rules (what a rule
    means: `verifier.report.matrix_views`).

    Exact and deterministic; the work grows with the number of distinct rows times the
    number of destination groups, never with pods squared. With external ranges, a pod's row
    includes what it sends to ranges and its column what ranges send to it.
    """
    ext = conn.external
    n = len(conn.endpoints)
    n_ranges = len(ext.ranges) if ext is not None else 0
    flat = [bits for row in conn.rows for bits, _ in row]
    signature = transpose(flat, conn.n_columns) if flat else [0] * conn.n_columns
    in_key = _range_keys(ext.ingress_rows, n_ranges) if ext is not None else []
    out_key = _range_keys(ext.egress_rows, n_ranges) if ext is not None else []
    src_keys: list[Hashable] = [
        (conn.row_of[k], ext.egress_of[k] if ext is not None else 0) for k in conn.class_of
    ]
    dst_keys: list[Hashable] = [
        (signature[conn.column_of[k]], ext.ingress_of[k] if ext is not None else 0) for k in conn.class_of
    ]
    src_keys.extend(("external", key) for key in in_key)
    dst_keys.extend(("external", key) for key in out_key)
    _, src_members = _numbered(src_keys)
    _, dst_members = _numbered(dst_keys)
    # Destination pod groups by their first pod's column (a group's columns are held by the
    # same row entries, so an entry holds all of them or none) and by their ingress row;
    # destination range groups by their first range.
    col_groups: dict[int, list[int]] = {}
    in_row_groups: dict[int, list[int]] = {}
    range_groups: dict[int, int] = {}
    for g, members in enumerate(dst_members):
        first = members[0]
        if first < n:
            k = conn.class_of[first]
            col_groups.setdefault(conn.column_of[k], []).append(g)
            if ext is not None:
                in_row_groups.setdefault(ext.ingress_of[k], []).append(g)
        else:
            range_groups[first - n] = g
    col_mask = from_indices(col_groups, conn.n_columns)
    range_mask = from_indices(range_groups, n_ranges)
    in_row_mask: dict[int, int] = {q: from_indices(gs, len(dst_members)) for q, gs in in_row_groups.items()}
    # Rules are merged on (kind, destination bitset, value) and their destinations listed once
    # per merged rule: kind 0 = pods -> pods (bitset over columns), 1 = pods -> ranges
    # (over ranges), 2 = ranges -> pods (over destination groups). Rules between pods and
    # rules with a range side are kept apart.
    merged: dict[tuple[int, int, int], list[int]] = {}
    for g, members in enumerate(src_members):
        first = members[0]
        if first < n:
            k = conn.class_of[first]
            for bits, v in conn.rows[conn.row_of[k]]:
                if bits & col_mask:
                    merged.setdefault((0, bits & col_mask, v), []).append(g)
            if ext is not None:
                for bits, v in ext.egress_rows[ext.egress_of[k]]:
                    if bits & range_mask:
                        merged.setdefault((1, bits & range_mask, v), []).append(g)
        elif ext is not None:
            by_value: dict[int, int] = {}
            for q, v in in_key[first - n]:
                by_value[v] = by_value.get(v, 0) | in_row_mask.get(q, 0)
            for v, mask in by_value.items():
                if mask:
                    merged.setdefault((2, mask, v), []).append(g)

    def destinations(kind: int, bits: int) -> tuple[int, ...]:
        if kind == 0:
            return tuple(sorted(d for c in iter_bits(bits) for d in col_groups[c]))
        if kind == 1:
            return tuple(sorted(range_groups[r] for r in iter_bits(bits)))
        return tuple(iter_bits(bits))

    rules = [
        GroupedRule(
            sources=tuple(sorted(srcs)),
            destinations=destinations(kind, bits),
            value=conn.values[v] if kind == 0 else ext.values[v] if ext is not None else NOTHING,
            external=kind > 0,
        )
        for (kind, bits, v), srcs in merged.items()
    ]
    rules.sort(key=lambda r: (r.external, r.sources, r.destinations))
    sizes: dict[str, int] = {}
    for e in conn.endpoints:
        ns = e.partition("/")[0]
        sizes[ns] = sizes.get(ns, 0) + 1
    view = Grouped(
        endpoints=conn.endpoints + (ext.names() if ext is not None else ()),
        sources=tuple(tuple(p) for p in src_members),
        destinations=tuple(tuple(p) for p in dst_members),
        rules=(),
        namespace_sizes=sizes,
        replicated=conn.replicated,
        n_pods=n,
    )
    kept = tuple(r for r in rules if not view.self_only(r.sources, r.destinations))
    return Grouped(
        endpoints=view.endpoints,
        sources=view.sources,
        destinations=view.destinations,
        rules=kept,
        namespace_sizes=sizes,
        replicated=view.replicated,
        n_pods=n,
    )


def _names(prefix: str, groups: tuple[int, ...], universe: range, what: str = "") -> str:
    """``D1, D3``; ``all destinations`` (``all sources``, ``all ranges``) for every group of
    ``universe`` (the pod groups, or the range groups); ``all destinations but D2`` when that
    is shorter."""
    total = len(universe)
    if len(groups) == total and total > 1:
        return f"all{what}"
    if total > 3 and len(groups) > total / 2 + 1:
        missing = sorted(set(universe) - set(groups))
        return f"all{what} but " + ", ".join(f"{prefix}{g + 1}" for g in missing)
    return ", ".join(f"{prefix}{g + 1}" for g in groups)


def _side(view: Grouped, prefix: str, groups: tuple[int, ...], every: tuple[tuple[int, ...], ...]) -> str:
    """One side of a rule, named within its kind of groups (pods, or external ranges)."""
    ranges = view.is_external(every[groups[0]]) if groups else False
    n_pod_groups = bisect.bisect_left(every, True, key=view.is_external)  # pod groups come first
    universe = range(n_pod_groups, len(every)) if ranges else range(n_pod_groups)
    return _names(
        prefix, groups, universe, " ranges" if ranges else (" sources" if prefix == "S" else " destinations")
    )


def rule_parts(view: Grouped, rule: GroupedRule) -> tuple[str, str, str]:
    return (
        _side(view, "S", rule.sources, view.sources),
        _side(view, "D", rule.destinations, view.destinations),
        "all ports" if (text := rule.value.text()) == "all" else text,
    )


def title(conn: Connectivity) -> str:
    if conn.port is not None and conn.protocol is not None:
        return f"Connectivity on {conn.port}/{conn.protocol.value}"
    return "Connectivity on all ports"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def summary(conn: Connectivity, view: Grouped) -> str:
    ranges = external = ""
    if conn.external is not None:
        ranges = f"{_plural(view.n_ranges, 'external address range')}, "
        external = (
            f", {len(view.external_rules)} external {'rule' if len(view.external_rules) == 1 else 'rules'}"
        )
    return (
        f"{title(conn)}: {_plural(view.pods, 'endpoint')}, {ranges}"
        f"{_plural(len(view.sources), 'source group')}, {_plural(len(view.destinations), 'destination group')}, "
        f"{_plural(len(view.pod_rules), 'rule')}{external}. Self traffic is always allowed and not listed."
    )
