"""The port-independent half of the matrix (`verifier.engine.matrix`): the column layout,
every selector evaluated once over the columns, and `Prepared` — the partition, the rule
peers and who isolates which class — built once and asked about any number of ports.

A *column* is one (class, address family, ipBlock signature) of the partition; a class whose
addresses cannot matter or whose IP is unknown has one column. Selectors, peers and ipBlocks
become bitsets over the columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from verifier.engine.bits import from_indices, full, transpose
from verifier.engine.classes import Family, Partition
from verifier.model import (
    AnalysisOptions,
    Cluster,
    Direction,
    IntervalSet,
    IPBlock,
    LabelSelector,
    NetworkPolicy,
    Operator,
    Peer,
    Protocol,
    Rule,
)
from verifier.model.ip import V4_SPACE, V6_SPACE, ip_key

_FAMILY_SPACE = {4: IntervalSet.of([V4_SPACE]), 6: IntervalSet.of([V6_SPACE])}


@dataclass
class _Columns:
    """Bitsets over the columns, and memoised selector evaluation."""

    size: int
    cluster: Cluster
    by_namespace: dict[str, int]
    by_label: dict[tuple[str, str], int]
    with_key: dict[str, int]
    by_port_name: dict[str, int]
    by_block: dict[IPBlock, int]
    # A namespace whose labels are unknown (referenced, not declared): False = a selector
    # matches it only if it matches every label set it may carry, True = if it matches some.
    optimistic: bool = False
    _selectors: dict[LabelSelector, int] = field(default_factory=dict)
    _ns_selectors: dict[LabelSelector, int] = field(default_factory=dict)

    @property
    def everything(self) -> int:
        return full(self.size)

    def pods_matching(self, selector: LabelSelector) -> int:
        cached = self._selectors.get(selector)
        if cached is not None:
            return cached
        acc = self.everything
        for req in selector.requirements():
            if req.operator is Operator.EXISTS:
                acc &= self.with_key.get(req.key, 0)
            elif req.operator is Operator.DOES_NOT_EXIST:
                acc &= ~self.with_key.get(req.key, 0)
            else:
                some = 0
                for value in req.values:
                    some |= self.by_label.get((req.key, value), 0)
                acc &= some if req.operator is Operator.IN else ~some
        acc &= self.everything
        self._selectors[selector] = acc
        return acc

    def namespaces_matching(self, selector: LabelSelector) -> int:
        cached = self._ns_selectors.get(selector)
        if cached is not None:
            return cached
        acc = 0
        test = self.cluster.namespace_may_match if self.optimistic else self.cluster.namespace_must_match
        for ns, bits in self.by_namespace.items():
            if test(ns, selector):
                acc |= bits
        self._ns_selectors[selector] = acc
        return acc

    def peer(self, peer: Peer, policy: NetworkPolicy) -> int:
        if peer.ip_block is not None:
            return self.by_block.get(peer.ip_block, 0)
        if peer.namespace_selector is None:
            where = self.by_namespace.get(policy.namespace, 0)
        else:
            where = self.namespaces_matching(peer.namespace_selector)
        if peer.pod_selector is None:
            return where
        return where & self.pods_matching(peer.pod_selector)

    def peers(self, rule: Rule, policy: NetworkPolicy) -> int:
        if rule.peers is None:
            return self.everything
        acc = 0
        for peer in rule.peers:
            acc |= self.peer(peer, policy)
        return acc


def ports_match_everywhere(rule: Rule, port: int, protocol: Protocol) -> bool:
    """Whether the rule's ports match this port whatever the destination (no named port needed)."""
    if rule.ports is None:
        return True
    for entry in rule.ports:
        rng = entry.numeric_range()
        if entry.protocol is protocol and rng is not None and rng[0] <= port <= rng[1]:
            return True
    return False


def port_names(rule: Rule, protocol: Protocol) -> set[str]:
    return {e.port for e in rule.ports or () if isinstance(e.port, str) and e.protocol is protocol}


def rule_ports_match(rule: Rule, port: int, protocol: Protocol, names: frozenset[str]) -> bool:
    """Ports match for a destination whose names resolving to port/protocol are ``names``."""
    return ports_match_everywhere(rule, port, protocol) or bool(port_names(rule, protocol) & names)


def block_ranges(rule: Rule) -> list[tuple[int, int]]:
    return [r for peer in rule.peers or () if peer.ip_block is not None for r in peer.ip_block.ranges()]


@dataclass(frozen=True)
class _Layout:
    columns: _Columns
    class_cols: list[dict[Family, list[int]]]  # per class, its columns per family


def _layout(part: Partition, cluster: Cluster, space_families: tuple[Family, ...]) -> _Layout:
    regions = part.regions
    ns_cols: dict[str, list[int]] = {}
    label_cols: dict[tuple[str, str], list[int]] = {}
    key_cols: dict[str, list[int]] = {}
    name_cols: dict[str, list[int]] = {}
    sigs: list[int] = []
    class_cols: list[dict[Family, list[int]]] = []
    for cls in part.classes:
        per_family: dict[Family, list[int]] = {}
        if regions is None:
            per_family[0] = [len(sigs)]
            sigs.append(0)
        elif cls.ip_unknown:
            # One column that no ipBlock matches; the address space is handled per row.
            col = len(sigs)
            sigs.append(0)
            for family in space_families:
                per_family[family] = [col]
        else:
            for family, sig in cls.addresses:
                per_family.setdefault(family, []).append(len(sigs))
                sigs.append(sig)
        cols = sorted({c for cs in per_family.values() for c in cs})
        class_cols.append(per_family)
        ns_cols.setdefault(cls.namespace, []).extend(cols)
        for key, value in cls.labels:
            label_cols.setdefault((key, value), []).extend(cols)
            key_cols.setdefault(key, []).extend(cols)
        for name, _, _ in cls.named_ports:
            name_cols.setdefault(name, []).extend(cols)
    size = len(sigs)
    blocks = regions.blocks if regions is not None else ()
    by_block = transpose(sigs, len(blocks)) if blocks else []
    columns = _Columns(
        size=size,
        cluster=cluster,
        by_namespace={k: from_indices(v, size) for k, v in ns_cols.items()},
        by_label={k: from_indices(v, size) for k, v in label_cols.items()},
        with_key={k: from_indices(v, size) for k, v in key_cols.items()},
        by_port_name={k: from_indices(v, size) for k, v in name_cols.items()},
        by_block={b: by_block[i] for i, b in enumerate(blocks)},
    )
    return _Layout(columns=columns, class_cols=class_cols)


def space_cover(
    ranges: list[tuple[int, int]], space: dict[Family, IntervalSet]
) -> dict[Family, tuple[bool, bool]]:
    """Per family: (every address of the pod space is in ``ranges``, some address is)."""
    covered = IntervalSet.of(ranges)
    return {f: (s.issubset(covered), bool(s.intersection(covered))) for f, s in space.items()}


@dataclass
class Prepared:
    """Everything about a cluster that does not depend on the flow's port: the partition, the
    column layout, evaluated selectors and rule peers, and who isolates which class.

    Built once, then `class_rows` evaluates any number of ports on it.
    """

    part: Partition
    columns: _Columns
    class_cols: list[dict[Family, list[int]]]
    families: tuple[Family, ...]
    space: dict[Family, IntervalSet]
    first_col: list[int]
    eg_policies: list[NetworkPolicy]
    in_policies: list[NetworkPolicy]
    eg_pattern: list[int]  # per class: bitset over eg_policies isolating it for egress
    in_pattern: list[int]  # per class: bitset over in_policies isolating it for ingress
    peers: dict[tuple[Direction, int, int], int] = field(default_factory=dict)
    # With namespaces whose labels are unknown: the same, with their namespace selectors read
    # optimistically (self is the pessimistic reading). A flow is allowed iff both sides allow
    # it, and each side only grows when more peers match, so the pessimistic matrix is what
    # every label set allows and the optimistic one bounds what some label set allows.
    optimistic: Prepared | None = None

    @property
    def n_classes(self) -> int:
        return len(self.part.classes)

    def rule_peers(self, direction: Direction, p: int, r: int) -> int:
        key = (direction, p, r)
        cached = self.peers.get(key)
        if cached is None:
            policies = self.eg_policies if direction is Direction.EGRESS else self.in_policies
            policy = policies[p]
            cached = self.peers[key] = self.columns.peers(policy.rules(direction)[r], policy)
        return cached


def prepare(cluster: Cluster, options: AnalysisOptions, part: Partition) -> Prepared:
    """The port-independent half of the matrix computation (see `Prepared`)."""
    unknown = [c.ip_unknown for c in part.classes]
    space: dict[Family, IntervalSet] = {}
    if any(unknown):
        # A pod never takes an address another pod has: unknown IPs range over free ones.
        taken = IntervalSet.of((k, k) for pod in cluster.pods for ip in pod.ips for k in (ip_key(ip),))
        pod_space = options.pod_ip_space().difference(taken)
        space = {f: sub for f, whole in _FAMILY_SPACE.items() if (sub := pod_space.intersection(whole))}
    layout = _layout(part, cluster, tuple(sorted(space)))
    columns, class_cols = layout.columns, layout.class_cols
    size = columns.size
    families: tuple[Family, ...] = tuple(sorted({f for pf in class_cols for f in pf}))
    first_col = [min(c for cols in pf.values() for c in cols) for pf in class_cols]

    def selected(policy: NetworkPolicy) -> int:
        return columns.by_namespace.get(policy.namespace, 0) & columns.pods_matching(policy.pod_selector)

    eg_policies = [p for p in cluster.policies if p.affects(Direction.EGRESS)]
    in_policies = [p for p in cluster.policies if p.affects(Direction.INGRESS)]
    eg_of_col = transpose([selected(p) for p in eg_policies], size) if eg_policies else [0] * size
    in_of_col = transpose([selected(p) for p in in_policies], size) if in_policies else [0] * size
    prep = Prepared(
        part=part,
        columns=columns,
        class_cols=class_cols,
        families=families,
        space=space,
        first_col=first_col,
        eg_policies=eg_policies,
        in_policies=in_policies,
        eg_pattern=[eg_of_col[c] for c in first_col],
        in_pattern=[in_of_col[c] for c in first_col],
    )
    if cluster.unknown_label_namespaces:
        optimistic = replace(columns, optimistic=True, _ns_selectors={})
        prep.optimistic = replace(prep, columns=optimistic, peers={})
    return prep


__all__ = [
    "Prepared",
    "block_ranges",
    "port_names",
    "ports_match_everywhere",
    "prepare",
    "rule_ports_match",
    "space_cover",
]
