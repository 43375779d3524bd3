"""The port-independent half of the matrix (`verifier.engine.matrix`): the column layout,
every selector evaluated once over the columns, and `Prepared` — the partition, the rule
peers and who isolates which class — built once and asked about any number of ports.

A *column* is one (class, address family, ipBlock signature) of the partition; a class whose
addresses cannot matter or whose IP is unknown has one column. Selectors, peers and ipBlocks
become bitsets over the columns.

With tier policies (`verifier.model.tiers`) an unknown-IP class has one *virtual* column per
(family, signature) its address can take in the free pod space instead, so that first-match
rules over ``networks`` are decided per address like everything else; `TierPrep` holds who
each tier policy's subject selects, and `rule_walk` / `tier_walk` / `chain` evaluate the
first-match walk and the per-direction chain (Admin, NetworkPolicy, Baseline, allow) with one
bitset per `Outcome` over any universe of other ends (pod columns, external pieces).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from verifier.engine.bits import from_indices, full, transpose
from verifier.engine.classes import Family, Partition
from verifier.model import (
    Action,
    AnalysisOptions,
    Cluster,
    Direction,
    IntervalSet,
    IPBlock,
    LabelSelector,
    NetworkPolicy,
    Node,
    Operator,
    Peer,
    Protocol,
    Rule,
    Tier,
    TierPeer,
    TierPolicy,
    TierRule,
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
    # NetworkPolicy ipBlocks match pod addresses (``ipblock_pods``); ``by_block`` may also
    # hold the tiers' networks, which match pods whatever it says.
    ipblock_pods: bool = True
    # A namespace whose labels are unknown (referenced, not declared): False = a selector
    # matches it only if it matches every label set it may carry, True = if it matches some.
    optimistic: bool = False
    _selectors: dict[LabelSelector, int] = field(default_factory=dict)
    _ns_selectors: dict[LabelSelector, int] = field(default_factory=dict)
    _ns_three: dict[LabelSelector, tuple[int, int]] = field(default_factory=dict)

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

    def namespaces_three(self, selector: LabelSelector) -> tuple[int, int]:
        """(columns whose namespace the selector matches whatever its labels, columns whose
        namespace it may match: labels unknown) — three-valued, for the tiers."""
        cached = self._ns_three.get(selector)
        if cached is not None:
            return cached
        sure = maybe = 0
        for ns, bits in self.by_namespace.items():
            if self.cluster.namespace_must_match(ns, selector):
                sure |= bits
            elif self.cluster.namespace_may_match(ns, selector):
                maybe |= bits
        self._ns_three[selector] = (sure, maybe)
        return sure, maybe

    def selected(
        self, namespaces: LabelSelector | None, pods: LabelSelector | None, *, every_namespace: bool
    ) -> tuple[int, int]:
        """(sure, maybe) columns of the pods ``pods`` (None: all) selects in the namespaces
        ``namespaces`` selects (None: all when ``every_namespace``)."""
        if namespaces is None:
            sure, maybe = (self.everything, 0) if every_namespace else (0, 0)
        else:
            sure, maybe = self.namespaces_three(namespaces)
        if pods is not None:
            bits = self.pods_matching(pods)
            sure, maybe = sure & bits, maybe & bits
        return sure, maybe

    def tier_peer(self, peer: TierPeer) -> tuple[int, int]:
        """(sure, maybe) columns a tier peer matches: pods by selectors, pod addresses by
        ``networks``; ``nodes`` and ``domainNames`` never match a pod."""
        if peer.namespaces is not None:
            return self.namespaces_three(peer.namespaces)
        if peer.pods is not None:
            return self.selected(peer.pod_namespaces, peer.pods, every_namespace=True)
        if peer.networks is not None:
            acc = 0
            for net in peer.networks:
                acc |= self.by_block.get(IPBlock(cidr=net), 0)
            return acc, 0
        return 0, 0

    def peer(self, peer: Peer, policy: NetworkPolicy) -> int:
        if peer.ip_block is not None:
            return self.by_block.get(peer.ip_block, 0) if self.ipblock_pods else 0
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


def _virtual_signatures(part: Partition, space: dict[Family, IntervalSet]) -> dict[Family, list[int]]:
    """Per family of the pod space, the signatures of the regions an unknown IP may lie in."""
    regions = part.regions
    assert regions is not None
    out: dict[Family, list[int]] = {}
    for family, sub in space.items():
        sigs: set[int] = set()
        for lo, hi in sub:
            first = regions.region_of(lo)
            last = bisect.bisect_right(regions.starts, hi) - 1
            sigs.update(regions.signatures[first : last + 1])
        out[family] = sorted(sigs)
    return out


def _layout(
    part: Partition, cluster: Cluster, space: dict[Family, IntervalSet], options: AnalysisOptions
) -> _Layout:
    regions = part.regions
    space_families = tuple(sorted(space))
    # With tiers an unknown IP gets a column per signature it may take (module docstring).
    virtual = (
        _virtual_signatures(part, space)
        if cluster.tier_policies and regions is not None and any(c.ip_unknown for c in part.classes)
        else None
    )
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
        elif cls.ip_unknown and virtual is not None:
            for family, family_sigs in virtual.items():
                for sig in family_sigs:
                    per_family.setdefault(family, []).append(len(sigs))
                    sigs.append(sig)
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
        ipblock_pods=options.ipblock_pods,
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
    # The tier policies, when the cluster has some (`TierPrep`).
    tiers: TierPrep | None = None

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
    layout = _layout(part, cluster, space, options)
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
    if cluster.tier_policies:
        prep.tiers = prepare_tiers(cluster, columns, first_col)
    return prep


# --------------------------------------------------------------------------------------------
# the tiers: first-match walks and the chain, as bitsets over the other ends of flows


@dataclass(frozen=True, slots=True)
class Outcomes:
    """What a policy, a priority level or a tier does with a set of flows: one bitset per
    `verifier.model.tiers.Outcome` over the flows' other ends. An end may be in several sets
    (the manifests leave it open, `verifier.model.tiers`). ``causes``: (why, ends) where the
    outcome is open — a rule that may match (domainNames, unknown namespace labels) or two
    policies of one priority that may decide differently."""

    allow: int
    deny: int
    pass_: int
    nomatch: int
    causes: tuple[tuple[str, int], ...] = ()


#: One rule ready for a walk: its action, the ends it surely matches, those it may match
#: (never both), and why it may.
WalkRule = tuple[Action, int, int, str]


def rule_walk(rules: Iterable[WalkRule], everything: int) -> Outcomes:
    """One policy's rules in order over a set of ends: the first rule that matches decides;
    a rule that may match adds its action and lets the walk go on (`TierPolicy.outcomes`)."""
    found = {Action.ALLOW: 0, Action.DENY: 0, Action.PASS: 0}
    open_ = everything
    causes: list[tuple[str, int]] = []
    for action, sure, maybe, why in rules:
        hit = open_ & (sure | maybe)
        if not hit:
            continue
        found[action] |= hit
        if maybe & hit:
            causes.append((why, maybe & hit))
        open_ &= ~sure
        if not open_:
            break
    return Outcomes(found[Action.ALLOW], found[Action.DENY], found[Action.PASS], open_, tuple(causes))


NO_TIER = Outcomes(0, 0, 0, 0)


def tier_walk(
    levels: Sequence[Sequence[int]],
    labels: Sequence[str],
    walk_of: Callable[[int], Outcomes],
    sure: int,
    maybe: int,
    everything: int,
) -> Outcomes:
    """A tier's priority levels (lists of policy indices) in order, for a pod whose subject
    is selected by the policies ``sure`` and maybe by ``maybe`` (bitsets over the indices):
    `level_outcomes` then `tier_outcomes` of `verifier.model.tiers`, per end."""
    allow = deny = pass_ = 0
    reach = everything
    causes: list[tuple[str, int]] = []
    for level, label in zip(levels, labels, strict=True):
        l_allow = l_deny = l_pass = 0
        l_nomatch = everything
        deciding = 0
        for p in level:
            bit = 1 << p
            if not (sure | maybe) & bit:
                continue
            w = walk_of(p)
            if w.allow | w.deny | w.pass_:
                deciding += 1
            l_allow |= w.allow
            l_deny |= w.deny
            l_pass |= w.pass_
            if sure & bit:
                l_nomatch &= w.nomatch
            causes.extend((why, bits & reach) for why, bits in w.causes if bits & reach)
        if deciding > 1:
            conflict = reach & ((l_allow & l_deny) | (l_allow & l_pass) | (l_deny & l_pass))
            if conflict:
                causes.append((label, conflict))
        allow |= reach & l_allow
        deny |= reach & l_deny
        pass_ |= reach & l_pass
        reach &= l_nomatch
        if not reach:
            break
    return Outcomes(allow, deny, pass_, reach, tuple(causes))


def chain(
    admin: Outcomes, network_policy: tuple[int, int] | None, baseline: Callable[[], Outcomes], everything: int
) -> tuple[int, int, tuple[tuple[str, int], ...]]:
    """`chain_verdicts` per end: (ends the direction may allow, ends it may deny, why some
    are open). ``network_policy``: None when no NetworkPolicy isolates the pod in this
    direction, else (ends it allows for every label set, ends it allows for some)."""
    on = admin.pass_ | admin.nomatch
    causes = admin.causes
    rest_allow = rest_deny = 0
    if on:
        if network_policy is not None:
            must, may = network_policy
            rest_allow, rest_deny = may, everything & ~must
        else:
            b = baseline()
            rest_allow, rest_deny = b.allow | b.pass_ | b.nomatch, b.deny
            causes += tuple((why, bits & on) for why, bits in b.causes if bits & on)
    return admin.allow | (on & rest_allow), admin.deny | (on & rest_deny), causes


class SideJudge:
    """One direction on one port: the chain per pod, with the tiers' walks memoised per
    subject (which tier policies select the pod) and destination names (``walk(p, names)``:
    policy ``p``'s rules of the direction, given the names of the destination pod's ports
    that resolve to the port)."""

    def __init__(
        self, tiers: TierPrep, walk: Callable[[int, frozenset[str]], Outcomes], everything: int
    ) -> None:
        self.tiers = tiers
        self.walk = walk
        self.everything = everything
        self._admin: dict[tuple[frozenset[str], int, int], Outcomes] = {}
        self._baseline: dict[tuple[frozenset[str], int, int], Outcomes] = {}

    def _tier(self, tier: Tier, key: tuple[frozenset[str], int, int]) -> Outcomes:
        cache = self._admin if tier is Tier.ADMIN else self._baseline
        found = cache.get(key)
        if found is None:
            names, sure, maybe = key
            tiers = self.tiers
            levels, labels = (
                (tiers.admin, tiers.admin_labels)
                if tier is Tier.ADMIN
                else (tiers.baseline, tiers.baseline_labels)
            )
            found = cache[key] = tier_walk(
                levels, labels, lambda p: self.walk(p, names), sure, maybe, self.everything
            )
        return found

    def verdicts(
        self, network_policy: tuple[int, int] | None, names: frozenset[str], sure: int, maybe: int
    ) -> tuple[int, int]:
        """(ends the direction may allow, ends it may deny) for a pod selected by the tier
        policies ``sure``/``maybe`` and judged by ``network_policy`` (see `chain`); the
        reasons of open ends are noted in the `TierPrep`."""
        key = (names, sure, maybe)
        admin = self._tier(Tier.ADMIN, key)
        allow, deny, causes = chain(
            admin, network_policy, lambda: self._tier(Tier.BASELINE, key), self.everything
        )
        self.tiers.note(causes, allow & deny)
        return allow, deny


def tier_ports_everywhere(rule: TierRule, port: int, protocol: Protocol) -> bool:
    """The rule's ports match this port whatever the destination (no named port needed)."""
    if rule.ports is None:
        return True
    for entry in rule.ports:
        rng = entry.numeric_range()
        if rng is not None and entry.protocol is protocol and rng[0] <= port <= rng[1]:
            return True
    return False


def tier_port_names(rule: TierRule, protocol: Protocol) -> frozenset[str]:
    """The names of the rule's named ports that can resolve on ``protocol`` (a v1alpha1
    ``namedPort`` has no protocol: any)."""
    return frozenset(
        e.name
        for e in rule.ports or ()
        if e.name is not None and (e.protocol is None or e.protocol is protocol)
    )


def maybe_reason(policy: TierPolicy, rule: TierRule) -> str:
    """Why a rule may or may not match an end (a reason of an undecided flow)."""
    if any(p.domain_names is not None for p in rule.peers):
        return f"{policy.key} {rule.label}: a domainNames peer (which addresses it resolves to is not in the manifests)"
    return f"{policy.key} {rule.label}: a namespace whose labels are unknown"


@dataclass
class TierPrep:
    """The tier policies of a cluster, ready for walks over the columns of `Prepared`.

    ``admin``/``baseline``: the tiers' priority levels as lists of indices into
    ``policies``, with the text naming a same-priority conflict of each level. ``sure[k]``/
    ``maybe[k]``: bitsets over ``policies`` whose subject selects class ``k`` (maybe: a
    namespace whose labels are unknown). ``undecided``: the reasons of open verdicts met so
    far (filled while evaluating; reports turn them into warnings)."""

    policies: list[TierPolicy]
    admin: list[list[int]]
    admin_labels: list[str]
    baseline: list[list[int]]
    baseline_labels: list[str]
    sure: list[int]
    maybe: list[int]
    columns: _Columns
    nodes: tuple[Node, ...] = ()
    peers: dict[tuple[Direction, int, int], tuple[int, int]] = field(default_factory=dict)
    undecided: dict[str, None] = field(default_factory=dict)

    def rule_peers(self, direction: Direction, p: int, r: int) -> tuple[int, int]:
        """(sure, maybe) columns some peer of rule ``r`` of policy ``p`` matches."""
        key = (direction, p, r)
        found = self.peers.get(key)
        if found is None:
            sure = maybe = 0
            for peer in self.policies[p].rules(direction)[r].peers:
                s, m = self.columns.tier_peer(peer)
                sure |= s
                maybe |= m
            found = self.peers[key] = (sure, maybe & ~sure)
        return found

    def note(self, causes: Iterable[tuple[str, int]], undecided: int) -> None:
        """Keep the reasons of the ends whose verdict is open."""
        if undecided:
            for why, bits in causes:
                if bits & undecided:
                    self.undecided.setdefault(why, None)

    def warnings(self) -> tuple[str, ...]:
        """The reasons of open verdicts met, as one warning (none if none)."""
        if not self.undecided:
            return ()
        reasons = list(self.undecided)
        shown = "; ".join(reasons[:5]) + (f"; and {len(reasons) - 5} more" if len(reasons) > 5 else "")
        return (f"the manifests leave some flows undecided (shown as conditional): {shown}",)


def _levels(cluster: Cluster, tier: Tier, index: dict[str, int]) -> tuple[list[list[int]], list[str]]:
    levels: list[list[int]] = []
    labels: list[str] = []
    for level in cluster.tier_levels(tier):
        levels.append([index[p.key] for p in level])
        names = ", ".join(p.key for p in level)
        labels.append(f"same-priority conflict in the {tier.value} tier (priority {level[0].order}): {names}")
    return levels, labels


def prepare_tiers(cluster: Cluster, columns: _Columns, first_col: list[int]) -> TierPrep:
    """Who the subject of every tier policy selects, per class, and the tiers' levels."""
    policies = list(cluster.tier_policies)
    index = {p.key: i for i, p in enumerate(policies)}
    admin, admin_labels = _levels(cluster, Tier.ADMIN, index)
    baseline, baseline_labels = _levels(cluster, Tier.BASELINE, index)
    sure = [0] * len(first_col)
    maybe = [0] * len(first_col)
    for i, policy in enumerate(policies):
        subject = policy.subject
        if subject.namespaces is not None:
            s, m = columns.namespaces_three(subject.namespaces)
        else:
            s, m = columns.selected(subject.pod_namespaces, subject.pods, every_namespace=True)
        for k, col in enumerate(first_col):
            if s >> col & 1:
                sure[k] |= 1 << i
            elif m >> col & 1:
                maybe[k] |= 1 << i
    return TierPrep(
        policies=policies,
        admin=admin,
        admin_labels=admin_labels,
        baseline=baseline,
        baseline_labels=baseline_labels,
        sure=sure,
        maybe=maybe,
        columns=columns,
        nodes=cluster.nodes,
    )


__all__ = [
    "NO_TIER",
    "Outcomes",
    "Prepared",
    "SideJudge",
    "TierPrep",
    "WalkRule",
    "block_ranges",
    "chain",
    "maybe_reason",
    "port_names",
    "ports_match_everywhere",
    "prepare",
    "rule_ports_match",
    "rule_walk",
    "space_cover",
    "tier_port_names",
    "tier_ports_everywhere",
    "tier_walk",
]
