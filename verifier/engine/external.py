"""Pods and external addresses: which addresses each pod class admits and reaches.

The pod-to-pod matrix (module `matrix`) never looks at addresses outside the inventory. A
flow between a pod and an external address has one side only: an external source is not
isolated, so ``external -> pod`` is decided by the pod's ingress alone, and ``pod ->
external`` by the pod's egress alone. On that side only rules without peers (every peer) or
with an ipBlock holding the address can match — selector peers match pods only — and a
named port never resolves on an external destination.

With tier policies the pod's side is the chain of `verifier.model.tiers` (Admin tier,
NetworkPolicy, Baseline tier, allow): on an external address ``networks`` peers match by
CIDR, ``nodes`` peers match the addresses of the selected Node objects, ``domainNames`` peers
*may* match (the manifests do not say what a name resolves to: such verdicts are open and
reported conditional), and pod selectors never match.

Addresses are handled as *pieces*: the address line cut at every ipBlock boundary, tier
``networks`` CIDR and selected node address (`tier_cut_ranges`), and at ``--pod-cidr``, so
that no rule can tell two addresses of one piece apart and the answer for any address of a
piece is the answer for the whole piece. `external_pieces` lists the pieces
that hold an external address; `external_sides` evaluates many ports at once over them;
`external_admission` does one port for representative address keys (used by the diff).
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from verifier.engine.bits import full, iter_bits
from verifier.engine.columns import (
    Outcomes,
    Prepared,
    SideJudge,
    TierPrep,
    WalkRule,
    maybe_reason,
    ports_match_everywhere,
    rule_ports_match,
    rule_walk,
    tier_port_names,
    tier_ports_everywhere,
)
from verifier.model import AnalysisOptions, Cluster, Direction, IntervalSet, Protocol, Rule, TierPeer
from verifier.model.ip import V4_SPACE, V6_SPACE, ip_key, same_family

# (direction, policy index, rule index) -> bitset over addresses/pieces its peers match
RuleBits = Callable[[Direction, int, int], int]


def _rule_addresses(rule: Rule, addresses: Sequence[int]) -> int:
    """The addresses (as a bitset over ``addresses``) some peer of ``rule`` matches."""
    if rule.peers is None:
        return full(len(addresses))
    acc = 0
    for peer in rule.peers:
        if peer.ip_block is None:
            continue
        ranges = peer.ip_block.ranges()
        for i, key in enumerate(addresses):
            if key in ranges:
                acc |= 1 << i
    return acc


class _Grants:
    """What isolating policies admit on one port at a time (`start`), memoised per policy."""

    def __init__(self, prep: Prepared, rule_bits: RuleBits, everything: int) -> None:
        self.prep = prep
        self.rule_bits = rule_bits
        self.everything = everything
        self.port = 0
        self.protocol = Protocol.TCP
        self.policy_bits: dict[tuple[Direction, int, frozenset[str]], int] = {}
        self.pattern_bits: dict[tuple[Direction, int, frozenset[str]], int] = {}

    def start(self, port: int, protocol: Protocol) -> None:
        self.port, self.protocol = port, protocol
        self.policy_bits = {}
        self.pattern_bits = {}

    def policy_grant(self, direction: Direction, p: int, names: frozenset[str]) -> int:
        """What one policy's rules of ``direction`` admit on this port (named ports: the
        destination's ``names`` resolving to it; none for an external destination)."""
        key = (direction, p, names)
        found = self.policy_bits.get(key)
        if found is not None:
            return found
        policies = self.prep.in_policies if direction is Direction.INGRESS else self.prep.eg_policies
        acc = 0
        for r, rule in enumerate(policies[p].rules(direction)):
            if direction is Direction.INGRESS:
                ok = rule_ports_match(rule, self.port, self.protocol, names)
            else:
                ok = ports_match_everywhere(rule, self.port, self.protocol)
            if ok:
                acc |= self.rule_bits(direction, p, r)
        self.policy_bits[key] = acc
        return acc

    def grant(self, direction: Direction, pattern: int, names: frozenset[str]) -> int:
        """What a pod isolated by the policies ``pattern`` admits in ``direction``."""
        if pattern == 0:
            return self.everything  # not isolated in this direction
        key = (direction, pattern, names)
        found = self.pattern_bits.get(key)
        if found is not None:
            return found
        acc = 0
        for p in iter_bits(pattern):
            acc |= self.policy_grant(direction, p, names)
            if acc == self.everything:
                break
        self.pattern_bits[key] = acc
        return acc


def _admission(
    prep: Prepared, port: int, protocol: Protocol, rule_bits: RuleBits, everything: int
) -> tuple[list[int], list[int]]:
    """Per pod class: (what may send to it on ``port``/``protocol``, what it may send to
    there), as bitsets of width ``everything`` built from ``rule_bits``."""
    grants = _Grants(prep, rule_bits, everything)
    grants.start(port, protocol)
    ingress: list[int] = []
    egress: list[int] = []
    in_cache: dict[tuple[int, frozenset[str]], int] = {}
    eg_cache: dict[int, int] = {}
    for k, cls in enumerate(prep.part.classes):
        names = frozenset(n for n, proto, number in cls.named_ports if proto is protocol and number == port)
        in_key = (prep.in_pattern[k], names)
        if in_key not in in_cache:
            in_cache[in_key] = grants.grant(Direction.INGRESS, in_key[0], names)
        ingress.append(in_cache[in_key])
        eg_key = prep.eg_pattern[k]
        if eg_key not in eg_cache:
            eg_cache[eg_key] = grants.grant(Direction.EGRESS, eg_key, frozenset())
        egress.append(eg_cache[eg_key])
    return ingress, egress


def external_admission(
    prep: Prepared, port: int, protocol: Protocol, addresses: Sequence[int]
) -> tuple[list[int], list[int]]:
    """Per pod class of ``prep``: (the addresses that may send to it on ``port``/``protocol``,
    the addresses it may send to there), each a bitset over ``addresses`` (address keys, one
    per atomic region: no ipBlock boundary inside it)."""
    cache: dict[tuple[Direction, int, int], int] = {}

    def rule_bits(direction: Direction, p: int, r: int) -> int:
        key = (direction, p, r)
        found = cache.get(key)
        if found is None:
            policies = prep.in_policies if direction is Direction.INGRESS else prep.eg_policies
            found = cache[key] = _rule_addresses(policies[p].rules(direction)[r], addresses)
        return found

    everything = full(len(addresses))
    ingress, egress = _admission(prep, port, protocol, rule_bits, everything)
    if prep.tiers is None:
        return ingress, egress

    def ranges_bits(ranges: IntervalSet) -> int:
        return sum(1 << i for i, key in enumerate(addresses) if key in ranges)

    tiered = _TierExternal(prep.tiers, ranges_bits, everything)
    tiered.start(port, protocol)
    for k, cls in enumerate(prep.part.classes):
        names = frozenset(n for n, proto, number in cls.named_ports if proto is protocol and number == port)
        in_np = (ingress[k], ingress[k]) if prep.in_pattern[k] else None
        eg_np = (egress[k], egress[k]) if prep.eg_pattern[k] else None
        ingress[k] = tiered.verdicts(Direction.INGRESS, in_np, names, k)[0]
        egress[k] = tiered.verdicts(Direction.EGRESS, eg_np, frozenset(), k)[0]
    return ingress, egress


class _TierExternal:
    """The chain of `verifier.model.tiers` on the pod's side of external flows, one port at
    a time (`start`): bitsets over the external addresses or pieces of ``ranges_bits``."""

    def __init__(self, tiers: TierPrep, ranges_bits: Callable[[IntervalSet], int], everything: int) -> None:
        self.tiers = tiers
        self.ranges_bits = ranges_bits
        self.everything = everything
        self.peers: dict[tuple[Direction, int, int], tuple[int, int]] = {}
        self.walks: dict[tuple[Direction, int, frozenset[str]], Outcomes] = {}
        self.port = 0
        self.protocol = Protocol.TCP
        self.judges: dict[Direction, SideJudge] = {}

    def start(self, port: int, protocol: Protocol) -> None:
        self.port, self.protocol = port, protocol
        self.walks = {}
        self.judges = {
            direction: SideJudge(self.tiers, functools.partial(self.walk, direction), self.everything)
            for direction in Direction
        }

    def peer(self, peer: TierPeer) -> tuple[int, int]:
        if peer.networks is not None:
            return self.ranges_bits(peer.network_ranges()), 0
        if peer.nodes is not None:
            keys = peer.node_addresses(self.tiers.nodes)
            return self.ranges_bits(IntervalSet.of((ip_key(a), ip_key(a)) for a in keys)), 0
        if peer.domain_names is not None:
            return 0, self.everything
        return 0, 0  # pod selectors match pods only

    def rule_peers(self, direction: Direction, p: int, r: int) -> tuple[int, int]:
        key = (direction, p, r)
        found = self.peers.get(key)
        if found is None:
            sure = maybe = 0
            for peer in self.tiers.policies[p].rules(direction)[r].peers:
                s, m = self.peer(peer)
                sure |= s
                maybe |= m
            found = self.peers[key] = (sure, maybe & ~sure)
        return found

    def walk(self, direction: Direction, p: int, names: frozenset[str]) -> Outcomes:
        """Policy ``p``'s rules of ``direction`` on this port; ``names``: the destination
        pod's names resolving to it (none for an external destination)."""
        key = (direction, p, names)
        found = self.walks.get(key)
        if found is None:
            policy = self.tiers.policies[p]
            rules: list[WalkRule] = []
            for r, rule in enumerate(policy.rules(direction)):
                if tier_ports_everywhere(rule, self.port, self.protocol) or (
                    names and tier_port_names(rule, self.protocol) & names
                ):
                    sure, maybe = self.rule_peers(direction, p, r)
                    rules.append((rule.action, sure, maybe, maybe_reason(policy, rule)))
            found = self.walks[key] = rule_walk(rules, self.everything)
        return found

    def verdicts(
        self, direction: Direction, network_policy: tuple[int, int] | None, names: frozenset[str], k: int
    ) -> tuple[int, int]:
        """(must, may) on this port for class ``k`` in ``direction``: what it admits from the
        addresses (ingress; ``names``: its ports resolving to the port) or sends to them
        (egress: a named port never resolves on an external destination, ``names`` empty).
        ``network_policy``: what its isolating NetworkPolicies admit (None: not isolated)."""
        allow, deny = self.judges[direction].verdicts(
            network_policy, names, self.tiers.sure[k], self.tiers.maybe[k]
        )
        return self.everything & ~deny, allow


def tier_cut_ranges(cluster: Cluster) -> list[tuple[int, int]]:
    """The address ranges tier peers tell apart: every ``networks`` CIDR and every address of
    a Node some ``nodes`` peer selects."""
    out: list[tuple[int, int]] = []
    for tp in cluster.tier_policies:
        for rule in tp.ingress + tp.egress:
            for peer in rule.peers:
                out.extend(peer.network_ranges())
                out.extend((ip_key(a), ip_key(a)) for a in peer.node_addresses(cluster.nodes))
    return out


# --------------------------------------------------------------------------------------------
# pieces of the external address space


@dataclass(frozen=True)
class ExternalPieces:
    """The pieces of the address line that hold an external address, in address order.

    ``intervals[i]`` is piece ``i`` (closed key interval, see `verifier.model.ip`; it may
    contain pod addresses, which are never external). ``joinable[i]`` says that pieces ``i``
    and ``i + 1`` are of one family and only pod addresses (no external address, no
    ``--pod-cidr`` address) lie between them, so a range may span both.
    """

    intervals: tuple[tuple[int, int], ...]
    joinable: tuple[bool, ...]

    def __len__(self) -> int:
        return len(self.intervals)


def external_families(cluster: Cluster, options: AnalysisOptions) -> tuple[int, ...]:
    """The address families shown: those of some pod IP, ipBlock, ``--pod-cidr``, tier
    ``networks`` CIDR or selected node address of the input; IPv4 alone when the input names
    no address at all."""
    found: set[int] = {ip.version for pod in cluster.pods for ip in pod.ips}
    found.update(net.version for net in options.pod_cidrs)
    for policy in cluster.policies:
        for rule in policy.ingress + policy.egress:
            for peer in rule.peers or ():
                if peer.ip_block is not None:
                    found.add(peer.ip_block.cidr.version)
    found.update(4 if lo < V6_SPACE[0] else 6 for lo, _ in tier_cut_ranges(cluster))
    return tuple(sorted(found)) or (4,)


def external_pieces(cluster: Cluster, options: AnalysisOptions) -> ExternalPieces:
    """The external address space of ``cluster`` — every address of the shown families
    (`external_families`) that no pod has, outside ``--pod-cidr`` when it is given — cut at
    every ipBlock and tier boundary (`tier_cut_ranges`) into pieces (`ExternalPieces`)."""
    spaces = {4: V4_SPACE, 6: V6_SPACE}
    space = IntervalSet.of(spaces[f] for f in external_families(cluster, options))
    if options.pod_cidrs:
        space = space.difference(options.pod_ip_space())
    cuts: set[int] = {V6_SPACE[0]}  # no piece spans two families
    for policy in cluster.policies:
        for rule in policy.ingress + policy.egress:
            for peer in rule.peers or ():
                if peer.ip_block is not None:
                    for lo, hi in peer.ip_block.ranges():
                        cuts.update((lo, hi + 1))
    for lo, hi in tier_cut_ranges(cluster):
        cuts.update((lo, hi + 1))
    points = sorted(cuts)
    taken = sorted({ip_key(ip) for pod in cluster.pods for ip in pod.ips})
    intervals: list[tuple[int, int]] = []
    joinable: list[bool] = []
    # Whether the next live piece may join the last one: nothing but pod addresses between.
    open_run = False
    for lo, hi in space:
        start = lo
        inner = points[bisect.bisect_right(points, lo) : bisect.bisect_right(points, hi)]
        for end in [*(p - 1 for p in inner), hi]:
            a, b = start, end
            start = end + 1
            pods = bisect.bisect_right(taken, b) - bisect.bisect_left(taken, a)
            if b - a + 1 <= pods:
                continue  # every address here is a pod's: no external endpoint
            if intervals:
                joinable.append(open_run and same_family(intervals[-1][1], a))
            intervals.append((a, b))
            open_run = True
        open_run = False  # an interval of the space ends: what follows is not external
    return ExternalPieces(intervals=tuple(intervals), joinable=tuple(joinable))


@dataclass(frozen=True)
class ExternalSides:
    """Per port kind, what pod classes admit from and send to the pieces (bitsets over them).

    Classes with the same ingress-isolating policies and named ports form one *ingress
    group* (``ingress_group[k]``), classes with the same egress-isolating policies one
    *egress group*; ``ingress[i][g]`` is what may send to the classes of ingress group ``g``
    on the ``i``-th port, ``egress[i][g]`` what the classes of egress group ``g`` may send to.
    """

    ingress: list[list[int]]
    ingress_group: list[int]
    egress: list[list[int]]
    egress_group: list[int]
    # With tiers ``ingress``/``egress`` are what must be allowed, these what may be (they
    # differ where the manifests leave a verdict open: domainNames, same-priority conflicts).
    ingress_may: list[list[int]] | None = None
    egress_may: list[list[int]] | None = None


def external_sides(
    prep: Prepared, pieces: ExternalPieces, ports: Sequence[tuple[int, Protocol]]
) -> ExternalSides:
    """Evaluate ``ports`` (representatives of port kinds) over ``pieces`` for every class of
    ``prep``. Rule peers are turned into pieces once for all ports, and each group of alike
    classes (`ExternalSides`) is evaluated once per port."""
    los = [lo for lo, _ in pieces.intervals]
    everything = full(len(los))
    cache: dict[tuple[Direction, int, int], int] = {}

    def ranges_bits(ranges: IntervalSet) -> int:
        acc = 0
        for lo, hi in ranges:
            # pieces are atomic: a piece starting inside the range lies inside it
            i, j = bisect.bisect_left(los, lo), bisect.bisect_right(los, hi)
            acc |= ((1 << (j - i)) - 1) << i
        return acc

    def rule_bits(direction: Direction, p: int, r: int) -> int:
        key = (direction, p, r)
        found = cache.get(key)
        if found is not None:
            return found
        policies = prep.in_policies if direction is Direction.INGRESS else prep.eg_policies
        rule = policies[p].rules(direction)[r]
        if rule.peers is None:
            acc = everything
        else:
            acc = 0
            for peer in rule.peers:
                if peer.ip_block is not None:
                    acc |= ranges_bits(peer.ip_block.ranges())
        cache[key] = acc
        return acc

    in_index: dict[tuple[int, tuple[tuple[str, Protocol, int], ...]], int] = {}
    eg_index: dict[int, int] = {}
    ingress_group = [
        in_index.setdefault((prep.in_pattern[k], cls.named_ports), len(in_index))
        for k, cls in enumerate(prep.part.classes)
    ]
    egress_group = [eg_index.setdefault(prep.eg_pattern[k], len(eg_index)) for k in range(prep.n_classes)]
    # Port-independent, once: each pattern's policies, and per policy its rules' named ports.
    in_policies = {pattern: list(iter_bits(pattern)) for pattern, _ in in_index}
    eg_policies = {pattern: list(iter_bits(pattern)) for pattern in eg_index}
    in_used = sorted({p for ps in in_policies.values() for p in ps})
    eg_used = sorted({p for ps in eg_policies.values() for p in ps})
    named_rules: dict[tuple[int, Protocol], list[tuple[int, frozenset[str]]]] = {}
    for p in in_used:
        for r, rule in enumerate(prep.in_policies[p].rules(Direction.INGRESS)):
            for proto in Protocol:
                names = frozenset(
                    e.port for e in rule.ports or () if isinstance(e.port, str) and e.protocol is proto
                )
                if names:
                    named_rules.setdefault((p, proto), []).append((r, names))

    def numeric(direction: Direction, used: list[int], port: int, protocol: Protocol) -> dict[int, int]:
        """Per policy: what its rules whose numeric ports match admit (named ports aside)."""
        policies = prep.in_policies if direction is Direction.INGRESS else prep.eg_policies
        out: dict[int, int] = {}
        for p in used:
            acc = 0
            for r, rule in enumerate(policies[p].rules(direction)):
                if ports_match_everywhere(rule, port, protocol):
                    acc |= rule_bits(direction, p, r)
            out[p] = acc
        return out

    ingress: list[list[int]] = []
    egress: list[list[int]] = []
    for port, protocol in ports:
        in_numeric = numeric(Direction.INGRESS, in_used, port, protocol)
        eg_numeric = numeric(Direction.EGRESS, eg_used, port, protocol)
        done: dict[tuple[int, frozenset[str]], int] = {}
        row: list[int] = []
        for pattern, named in in_index:
            # the destination's names that resolve to this port (a named port never resolves
            # on an external destination: egress needs none)
            names = frozenset(n for n, proto, number in named if proto is protocol and number == port)
            key = (pattern, names)
            found = done.get(key)
            if found is None:
                if pattern == 0:
                    found = everything  # not isolated for ingress
                else:
                    found = 0
                    for p in in_policies[pattern]:
                        found |= in_numeric[p]
                        if names:
                            for r, rule_names in named_rules.get((p, protocol), ()):
                                if rule_names & names:
                                    found |= rule_bits(Direction.INGRESS, p, r)
                done[key] = found
            row.append(found)
        ingress.append(row)
        out_row: list[int] = []
        for pattern in eg_index:
            acc = everything if pattern == 0 else 0
            for p in eg_policies[pattern]:
                acc |= eg_numeric[p]
            out_row.append(acc)
        egress.append(out_row)
    np_sides = ExternalSides(
        ingress=ingress, ingress_group=ingress_group, egress=egress, egress_group=egress_group
    )
    if prep.tiers is None:
        return np_sides
    return _tiered_external_sides(prep, np_sides, _TierExternal(prep.tiers, ranges_bits, everything), ports)


def _tiered_external_sides(
    prep: Prepared, np_sides: ExternalSides, sides: _TierExternal, ports: Sequence[tuple[int, Protocol]]
) -> ExternalSides:
    """`external_sides` with tier policies, around its NetworkPolicy answer ``np_sides``:
    groups are also told apart by the tier policies selecting them (and, for ingress, by
    being isolated at all), and each side says what it must and what it may allow."""
    tiers = sides.tiers
    classes = prep.part.classes
    in_index: dict[tuple[int, bool, int, int], int] = {}
    eg_index: dict[tuple[int, bool, int, int], int] = {}
    ingress_group = [
        in_index.setdefault(
            (np_sides.ingress_group[k], bool(prep.in_pattern[k]), tiers.sure[k], tiers.maybe[k]),
            len(in_index),
        )
        for k in range(len(classes))
    ]
    egress_group = [
        eg_index.setdefault(
            (np_sides.egress_group[k], bool(prep.eg_pattern[k]), tiers.sure[k], tiers.maybe[k]), len(eg_index)
        )
        for k in range(len(classes))
    ]
    # a representative class of every group (its named ports, its subject)
    in_class = {g: k for k, g in reversed(list(enumerate(ingress_group)))}
    eg_class = {g: k for k, g in reversed(list(enumerate(egress_group)))}
    ingress: list[list[int]] = []
    ingress_may: list[list[int]] = []
    egress: list[list[int]] = []
    egress_may: list[list[int]] = []
    for i, (port, protocol) in enumerate(ports):
        sides.start(port, protocol)
        must_row: list[int] = []
        may_row: list[int] = []
        for (np_group, isolated, _, _), g in in_index.items():
            k = in_class[g]
            names = frozenset(
                n for n, proto, number in classes[k].named_ports if proto is protocol and number == port
            )
            grant = np_sides.ingress[i][np_group]
            must, may = sides.verdicts(Direction.INGRESS, (grant, grant) if isolated else None, names, k)
            must_row.append(must)
            may_row.append(may)
        ingress.append(must_row)
        ingress_may.append(may_row)
        must_row, may_row = [], []
        for (np_group, isolated, _, _), g in eg_index.items():
            grant = np_sides.egress[i][np_group]
            must, may = sides.verdicts(
                Direction.EGRESS, (grant, grant) if isolated else None, frozenset(), eg_class[g]
            )
            must_row.append(must)
            may_row.append(may)
        egress.append(must_row)
        egress_may.append(may_row)
    return ExternalSides(
        ingress=ingress,
        ingress_group=ingress_group,
        egress=egress,
        egress_group=egress_group,
        ingress_may=ingress_may,
        egress_may=egress_may,
    )


__all__ = [
    "ExternalPieces",
    "ExternalSides",
    "external_admission",
    "external_families",
    "external_pieces",
    "external_sides",
    "tier_cut_ranges",
]
