"""``lint`` findings about the cluster-wide tiers (NV018-NV024): AdminNetworkPolicy,
BaselineAdminNetworkPolicy and ClusterNetworkPolicy (`verifier.model.tiers`).

=====  ==============  ====================================================================
ID     severity        finding
=====  ==============  ====================================================================
NV018  warning / info  a tier rule that never applies: every flow it matches is matched
                       first by an earlier rule of its policy or by a rule of a policy of
                       the same tier with a lower priority whose subject covers its own
                       (info "redundant" when those rules have the same action, warning
                       "shadowed" otherwise)
NV019  warning         two policies of one tier with the same priority both match one flow
                       with different actions: the implementation picks (a witness flow,
                       replayed by the oracle, shows the verdict is undecided)
NV020  info            an Admin-tier Pass rule with nothing behind it: no NetworkPolicy and
                       no Baseline-tier rule of that direction selects its subject's pods of
                       the input, so the Pass allows (equivalent to Allow)
NV021  info            a Baseline-tier policy whose rules of one direction no pod of the
                       input reaches: NetworkPolicies isolate every pod its subject selects
NV022  warning         a ``networks`` peer whose CIDRs hold pod addresses of the input (or
                       overlap ``--pod-cidr``): it also denies / allows / passes pod traffic
NV023  warning         a tier policy whose subject selects no pod of the input
NV024  warning         a ``nodes`` peer that matches no Node of the input (Nodes not loaded,
                       or none with matching labels and an address)
=====  ==============  ====================================================================

Soundness. NV018 is a proof over *every* flow, not only the input's pods: a rule is reported
only when each of its (peer, port entry) cells lies inside the union of earlier rules that
match *definitely* (a ``domainNames`` peer never does), by exact set reasoning:

- label selectors: containment per key over "absent, every value mentioned, one value
  mentioned nowhere", which is exact for matchLabels and all four operators (namespace
  labels are treated as free, a superset of real namespaces, so containment stays sound);
- a ``namespaces`` / ``pods`` peer inside one earlier ``namespaces`` / ``pods`` peer (the
  namespace and the pod selector each contained); a subject likewise;
- ``networks``: the CIDRs inside the union of the earlier rules' CIDRs (both families);
- ``nodes``: inside one earlier ``nodes`` peer's selector; a ``nodes`` or ``domainNames``
  peer also inside ``networks`` covering every address of both families;
- ports: a number or range inside the union of earlier ranges of its protocol, a named port
  inside the same name (protocol equal or any) or inside every port of its protocols, and
  "all ports" inside entries that cover every port of TCP, UDP and SCTP.

Not detected (misses, never wrong findings): a selector peer covered only by the union of
several selector peers (``app=a`` by ``app in (a)`` OR … is fine, ``app in (a,b)`` by ``app=a``
plus ``app=b`` is not seen); a peer covered by a mix of peer kinds (``nodes`` by the CIDRs
holding the loaded Nodes' addresses); a subject covered by the union of several earlier
policies' subjects; shadowing that holds only for the pods of the input; shadowing across
tiers (an Admin Deny before a Baseline rule) or by same-priority policies (their order is
the implementation's); a rule that matches nothing at all (NV024 and the selector checks).

NV019 is reported only with a witness flow that the oracle (`verifier.oracle.decide`)
replays as undecided by that same-priority conflict: first a flow between pods of the input
(and the rules' addresses), else a hypothetical pod built from the selectors (named "new
pod"); a conflict whose witness needs more than that (or only changes no verdict) is missed.
NV020, NV021 and NV023 read the inventory (a namespace the input only references counts as
possibly selected). A BaselineAdminNetworkPolicy not named ``default`` is rejected by the
loader (`verifier.load.tiers`), so it has no lint ID.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from verifier.model import (
    EVERYTHING,
    NAMESPACE_NAME_LABEL,
    Action,
    Cluster,
    ContainerPort,
    Direction,
    IntervalSet,
    IPAddress,
    LabelSelector,
    Outcome,
    Pod,
    Protocol,
    Requirement,
    Tier,
    TierPeer,
    TierPolicy,
    TierPort,
    TierRule,
    TierSubject,
    ip_key,
    key_to_ip,
)
from verifier.model.ip import V4_SPACE, V6_SPACE, network_range
from verifier.model.words import plural
from verifier.oracle import decide, external_endpoint, pod_endpoint
from verifier.query.lint_context import LintRun
from verifier.results import Endpoint, EndpointKind, Flow, Severity

#: Every address of both families: what a ``domainNames`` peer may match, what covers a
#: ``nodes`` peer whatever the Nodes are.
_ALL_ADDRESSES = IntervalSet.of([V4_SPACE, V6_SPACE])
_ALL_PORTS = IntervalSet.of([(1, 65535)])
#: Pods and flows tried per pair of same-priority policies before giving up (NV019).
_SUBJECTS_MAX = 40
_OTHERS_MAX = 60
_CHECKS_MAX = 20_000
_SHOWN = 5

Pair = tuple[LabelSelector, LabelSelector]
"""A namespace selector AND a pod selector: the pods a subject or a selector peer matches."""
RuleAt = tuple[TierPolicy, TierRule]


# --- label selectors as sets ------------------------------------------------------------------


def _by_key(reqs: Iterable[Requirement]) -> dict[str, list[Requirement]]:
    out: dict[str, list[Requirement]] = {}
    for r in reqs:
        out.setdefault(r.key, []).append(r)
    return out


def _accepts(reqs: Sequence[Requirement], key: str, value: str | None) -> bool:
    labels = {} if value is None else {key: value}
    return all(r.matches(labels) for r in reqs)


def _unmentioned(values: Iterable[str], base: str = "nv-other") -> str:
    """A label value none of ``values`` is (it behaves like every other unmentioned value)."""
    taken = set(values)
    value, i = base, 0
    while value in taken:
        i += 1
        value = f"{base}-{i}"
    return value


def solve_labels(
    selectors: Iterable[LabelSelector], *, present: str | None = None, fresh: str | None = None
) -> dict[str, str] | None:
    """A smallest label set every selector matches, or None when their conjunction is
    unsatisfiable (exact: requirements on different keys are independent, and on one key
    every value no requirement mentions behaves alike). ``present``: a key the set must carry
    (a namespace's name label), an unmentioned value of it is ``fresh`` when given."""
    by = _by_key(r for s in selectors for r in s.requirements())
    if present is not None:
        by.setdefault(present, [])
    out: dict[str, str] = {}
    for key, reqs in by.items():
        values = sorted({v for r in reqs for v in r.values})
        other = (
            fresh if key == present and fresh is not None and fresh not in values else _unmentioned(values)
        )
        if key == present:
            candidates: list[str | None] = [other, *values]
        else:
            candidates = [None, *values, other]
        chosen = next((c for c in candidates if _accepts(reqs, key, c)), "")
        if chosen == "":
            return None
        if chosen is not None:
            out[key] = chosen
    return out


@lru_cache(maxsize=4096)
def satisfiable(*selectors: LabelSelector) -> bool:
    return solve_labels(selectors) is not None


@lru_cache(maxsize=16384)
def selector_subset(a: LabelSelector, b: LabelSelector) -> bool:
    """Every label set ``a`` matches, ``b`` matches (exact; an unsatisfiable ``a`` is inside
    everything)."""
    if not satisfiable(a):
        return True
    mine = _by_key(a.requirements())
    for key, theirs in _by_key(b.requirements()).items():
        own = mine.get(key, [])
        values = {v for r in own + theirs for v in r.values}
        for c in [None, *sorted(values), _unmentioned(values)]:
            if _accepts(own, key, c) and not _accepts(theirs, key, c):
                return False
    return True


def _pair_subset(a: Pair, b: Pair) -> bool:
    """The pods ``a`` matches are among those ``b`` matches (a product of two label sets:
    empty, or each factor contained)."""
    if not satisfiable(a[0]) or not satisfiable(a[1]):
        return True
    return selector_subset(a[0], b[0]) and selector_subset(a[1], b[1])


def subject_pair(subject: TierSubject) -> Pair:
    if subject.namespaces is not None:
        return subject.namespaces, EVERYTHING
    return subject.pod_namespaces or EVERYTHING, subject.pods or EVERYTHING


def peer_pair(peer: TierPeer) -> Pair | None:
    """The pods a ``namespaces`` / ``pods`` peer matches (None for the other kinds)."""
    if peer.namespaces is not None:
        return peer.namespaces, EVERYTHING
    if peer.pods is not None:
        return peer.pod_namespaces or EVERYTHING, peer.pods
    return None


# --- NV018: rules that never apply --------------------------------------------------------------


@dataclass(frozen=True)
class Shadowing:
    """``rule`` of ``policy`` never applies: ``by`` (in evaluation order) match first every
    flow it matches."""

    policy: TierPolicy
    rule: TierRule
    by: tuple[RuleAt, ...]

    @property
    def redundant(self) -> bool:
        """The rules that match first do what this one would (same action)."""
        return all(e.action is self.rule.action for _, e in self.by)


def _numeric(entries: Sequence[TierPort]) -> dict[Protocol, IntervalSet]:
    out: dict[Protocol, IntervalSet] = {}
    for e in entries:
        rng = e.numeric_range()
        if rng is not None and e.protocol is not None:
            out[e.protocol] = out.get(e.protocol, IntervalSet()).union(IntervalSet.of([rng]))
    return out


def port_covered(entry: TierPort | None, covering: Sequence[TierPort] | None) -> bool:
    """Every (port, protocol, destination) ``entry`` matches (None: every port of every
    protocol), an entry of ``covering`` matches too (None: every port)."""
    if covering is None:
        return True
    numeric = _numeric(covering)

    def full(protocol: Protocol) -> bool:
        return _ALL_PORTS.issubset(numeric.get(protocol, IntervalSet()))

    if entry is None:
        return all(full(p) for p in Protocol)
    if entry.name is None:
        rng = entry.numeric_range()
        if entry.protocol is None or rng is None:
            return True  # a numeric entry without protocol matches nothing
        return IntervalSet.of([rng]).issubset(numeric.get(entry.protocol, IntervalSet()))
    # a named port: some container port of that name, any number, its protocol(s)
    if all(full(p) for p in ([entry.protocol] if entry.protocol is not None else list(Protocol))):
        return True
    return any(
        c.name == entry.name and (c.protocol is None or c.protocol is entry.protocol) for c in covering
    )


def _networks(rule: TierRule) -> IntervalSet:
    return IntervalSet.of(r for p in rule.peers if p.networks is not None for r in p.network_ranges())


def _peer_covered(peer: TierPeer, candidates: Sequence[RuleAt]) -> list[RuleAt] | None:
    """The candidate rules whose definite peers hold every endpoint ``peer`` may match
    (None: not shown to be covered)."""
    pair = peer_pair(peer)
    if pair is not None:
        for at in candidates:
            for other in at[1].peers:
                theirs = peer_pair(other)
                if theirs is not None and _pair_subset(pair, theirs):
                    return [at]
        return None
    if peer.nodes is not None:
        for at in candidates:
            if any(o.nodes is not None and selector_subset(peer.nodes, o.nodes) for o in at[1].peers):
                return [at]
        need = _ALL_ADDRESSES
    elif peer.networks is not None:
        need = peer.network_ranges()
    else:  # domainNames: may match every external address
        need = _ALL_ADDRESSES
    if not need:
        return []
    used: list[RuleAt] = []
    have = IntervalSet()
    for at in candidates:
        ranges = _networks(at[1])
        if ranges.intersection(need):
            used.append(at)
            have = have.union(ranges)
    return used if need.issubset(have) else None


def _covered_by(rule: TierRule, candidates: Sequence[RuleAt]) -> tuple[RuleAt, ...]:
    """The candidates that together match first every flow ``rule`` matches (empty: not
    shown, or ``rule`` matches nothing at all)."""
    entries: list[TierPort | None] = [None] if rule.ports is None else list(rule.ports)
    if not rule.peers or not entries:
        return ()
    used: list[RuleAt] = []
    for entry in entries:
        usable = [at for at in candidates if port_covered(entry, at[1].ports)]
        for peer in rule.peers:
            found = _peer_covered(peer, usable)
            if found is None:
                return ()
            used += [at for at in found if at not in used]
    order = {id(at[1]): i for i, at in enumerate(candidates)}
    return tuple(sorted(used, key=lambda at: order[id(at[1])]))


def shadowed_rules(cluster: Cluster) -> list[Shadowing]:
    """Every tier rule shown never to apply (NV018), in evaluation order."""
    out: list[Shadowing] = []
    for tier in Tier:
        ordered = [p for level in cluster.tier_levels(tier) for p in level]
        for policy in ordered:
            mine = subject_pair(policy.subject)
            before = [
                q for q in ordered if q.order < policy.order and _pair_subset(mine, subject_pair(q.subject))
            ]
            for direction in Direction:
                rules = policy.rules(direction)
                for i, rule in enumerate(rules):
                    candidates = [(q, e) for q in before for e in q.rules(direction)]
                    candidates += [(policy, e) for e in rules[:i]]
                    by = _covered_by(rule, candidates)
                    if by:
                        out.append(Shadowing(policy, rule, by))
    return out


# --- wording ----------------------------------------------------------------------------------


def _priority(policy: TierPolicy) -> str:
    return "no priority" if policy.priority is None else f"priority {policy.priority}"


def _action(rule: TierRule) -> str:
    return rule.action_written or rule.action.value


def rule_object(policy: TierPolicy, rule: TierRule) -> str:
    """``AdminNetworkPolicy/name egress-rule-name``: how a finding names a tier rule."""
    return f"{policy.key} {rule.label}"


def _where(policy: TierPolicy, rule: TierRule | None = None) -> str:
    """``Admin tier, priority 10, egress rule deny-db (Deny)``."""
    head = f"{policy.tier.value} tier, {_priority(policy)}"
    if rule is None:
        return head
    return f"{head}, {rule.direction.value.lower()} rule {rule.label} ({_action(rule)})"


def _ref(at: RuleAt, policy: TierPolicy) -> str:
    q, e = at
    if q is policy:
        return f"its {e.direction.value.lower()} rule {e.label} ({_action(e)})"
    return f"{q.key} ({_priority(q)}) {e.direction.value.lower()} rule {e.label} ({_action(e)})"


def _shown(names: Sequence[str], limit: int = _SHOWN) -> str:
    more = f" (+{len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def _check_shadowing(run: LintRun) -> list[Shadowing]:
    found = shadowed_rules(run.cluster)
    for s in found:
        refs = ", ".join(_ref(at, s.policy) for at in s.by)
        if s.redundant:
            severity = Severity.INFO
            what = (
                f"redundant: every flow it matches is matched first by {refs}, with the same action; "
                "removing it changes nothing"
            )
        else:
            severity = Severity.WARNING
            what = (
                f"shadowed: never applies - every flow it matches is matched first by {refs}, "
                f"so its {_action(s.rule)} never takes effect"
            )
        run.add(
            "NV018",
            severity,
            rule_object(s.policy, s.rule),
            f"{_where(s.policy, s.rule)}: {what}",
            s.rule.location,
        )
    return found


# --- NV023, NV024: subjects and nodes peers that match nothing -----------------------------------


def may_select(cluster: Cluster, subject: TierSubject, pod: Pod) -> bool:
    """The subject selects the pod, or may (its namespace's labels are unknown)."""
    ns, pods = subject_pair(subject)
    return pods.matches(pod.labels) and cluster.namespace_may_match(pod.namespace, ns)


def _subject_pods(run: LintRun, policy: TierPolicy) -> list[Pod]:
    return [p for p in run.cluster.pods if may_select(run.cluster, policy.subject, p)]


def _check_selection(run: LintRun) -> None:
    if not run.cluster.has_inventory:
        return
    for policy in run.cluster.tier_policies:
        if not _subject_pods(run, policy):
            run.add(
                "NV023",
                Severity.WARNING,
                policy.key,
                f"{_where(policy)}: its subject ({policy.subject}) selects no pod of the input: "
                "the policy applies to nothing",
                policy.location,
            )


def _check_nodes_peers(run: LintRun) -> None:
    nodes = run.cluster.nodes
    for policy in run.cluster.tier_policies:
        for rule in policy.ingress + policy.egress:
            for i, peer in enumerate(rule.peers):
                if peer.nodes is None or peer.node_addresses(nodes):
                    continue
                if not nodes:
                    why = (
                        "the input holds no Node objects (Nodes were not loaded), so the peer matches no "
                        "address here; add the Node manifests (kubectl get nodes -o yaml) to analyse it"
                    )
                else:
                    why = (
                        f"none of the input's {plural(len(nodes), 'Node')} with an address has labels it "
                        "selects, so the peer matches no address"
                    )
                run.add(
                    "NV024",
                    Severity.WARNING,
                    f"{rule_object(policy, rule)} peer[{i}]",
                    f"{_where(policy, rule)}: nodes {peer.nodes}: {why}",
                    rule.location,
                )


# --- NV022: networks peers that hold pod addresses -----------------------------------------------

_VERB = {Action.ALLOW: "allows", Action.DENY: "denies", Action.PASS: "passes"}


def _pod_addresses(pods: Sequence[Pod], ranges: IntervalSet) -> list[str]:
    out = []
    for pod in pods:
        inside = [ip for ip in pod.ips if ip_key(ip) in ranges]
        if inside:
            out.append(f"{pod.key} ({inside[0]})")
    return out


def _check_networks(run: LintRun, shadowed: set[int]) -> None:
    pod_cidrs = run.options.pod_cidrs
    for policy in run.cluster.tier_policies:
        for rule in policy.ingress + policy.egress:
            if id(rule) in shadowed:
                continue
            for i, peer in enumerate(rule.peers):
                if peer.networks is None:
                    continue
                ranges = peer.network_ranges()
                pods = _pod_addresses(run.cluster.pods, ranges)
                overlap = [
                    str(c) for c in pod_cidrs if IntervalSet.of([network_range(c)]).intersection(ranges)
                ]
                if not pods and not overlap:
                    continue
                word = "to" if rule.direction is Direction.EGRESS else "from"
                parts = []
                if pods:
                    parts.append(f"{plural(len(pods), 'pod')} of the input: {_shown(pods)}")
                if overlap:
                    parts.append(f"the pod CIDR {', '.join(overlap)}")
                run.add(
                    "NV022",
                    Severity.WARNING,
                    f"{rule_object(policy, rule)} peer[{i}]",
                    f"{_where(policy, rule)}: networks {', '.join(str(n) for n in peer.networks or ())} "
                    f"holds pod addresses ({'; '.join(parts)}): the rule also {_VERB[rule.action]} "
                    f"pod traffic {word} them, not only traffic {word} outside the cluster",
                    rule.location,
                )


# --- NV020, NV021: Pass with nothing behind, Baseline rules no pod reaches -----------------------


def _isolated(run: LintRun, pod: Pod, direction: Direction) -> bool:
    return any(
        p.selects(pod.namespace, pod.labels, direction) for p in run.index.policies.get(pod.namespace, ())
    )


def _check_pass(run: LintRun, shadowed: set[int]) -> None:
    if not run.cluster.has_inventory:
        return
    baseline = [p for p in run.cluster.tier_policies if p.tier is Tier.BASELINE]
    for policy in run.cluster.tier_policies:
        if policy.tier is not Tier.ADMIN:
            continue
        pods: list[Pod] | None = None
        for rule in policy.ingress + policy.egress:
            if rule.action is not Action.PASS or id(rule) in shadowed:
                continue
            if pods is None:
                pods = _subject_pods(run, policy)
            if not pods:
                continue
            d = rule.direction
            behind = [
                pod.key
                for pod in pods
                if _isolated(run, pod, d)
                or any(b.rules(d) and may_select(run.cluster, b.subject, pod) for b in baseline)
            ]
            if behind:
                continue
            run.add(
                "NV020",
                Severity.INFO,
                rule_object(policy, rule),
                f"{_where(policy, rule)}: passes {d.value} of its {plural(len(pods), 'pod')} "
                f"({_shown([p.key for p in pods])}) to NetworkPolicies and the Baseline tier, but no "
                f"NetworkPolicy isolates them for {d.value} and no Baseline-tier policy has {d.value} "
                "rules for them: the Pass is equivalent to Allow",
                rule.location,
            )


def _check_baseline_reach(run: LintRun) -> None:
    if not run.cluster.has_inventory:
        return
    for policy in run.cluster.tier_policies:
        if policy.tier is not Tier.BASELINE:
            continue
        pods = _subject_pods(run, policy)
        if not pods:
            continue  # NV023
        for d in Direction:
            if not policy.rules(d) or not all(_isolated(run, pod, d) for pod in pods):
                continue
            run.add(
                "NV021",
                Severity.INFO,
                policy.key,
                f"{_where(policy)}: its {d.value} rules are reached by no pod of the input: NetworkPolicies "
                f"isolate every pod its subject selects for {d.value} "
                f"({plural(len(pods), 'pod')}: {_shown([p.key for p in pods])}), and their verdict is final",
                policy.location,
            )


# --- NV019: same-priority conflicts ---------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    """Two policies of one priority level that decide ``flow`` differently, in ``direction``;
    ``rules`` are the rules of theirs that fired, ``hypothetical`` when the flow's pods are
    built from selectors rather than taken from the input."""

    tier: Tier
    first: TierPolicy
    second: TierPolicy
    direction: Direction
    flow: Flow
    rules: tuple[RuleAt, ...]
    undecided: str
    hypothetical: bool


def _conflict_text(tier: Tier, priority: int | None) -> str:
    return f"same-priority conflict in the {tier.value} tier (priority {priority})"


def _decisive(policy: TierPolicy, direction: Direction, flow: Flow, cluster: Cluster) -> frozenset[Outcome]:
    pod = flow.source if direction is Direction.EGRESS else flow.destination
    other = flow.destination if direction is Direction.EGRESS else flow.source
    out = policy.outcomes(direction, pod, other, flow.port, flow.protocol, flow.destination, cluster.nodes)
    return out - {Outcome.NO_MATCH}


def _ports_tried(rules: Sequence[TierRule], destination: Endpoint) -> list[tuple[int, Protocol]]:
    """Ports that the rules' entries hold: the low end of every range (so some port of any two
    overlapping ranges), the destination's ports named, and 80/TCP for "every port"."""
    out: dict[tuple[int, Protocol], None] = {}
    for rule in rules:
        if rule.ports is None:
            out[(80, Protocol.TCP)] = None
            for cp in destination.ports:
                out[(cp.port, cp.protocol)] = None
        for entry in rule.ports or ():
            rng = entry.numeric_range()
            if rng is not None and entry.protocol is not None:
                out[(rng[0], entry.protocol)] = None
            elif entry.name is not None:
                for cp in destination.ports:
                    if cp.name == entry.name and (entry.protocol is None or cp.protocol is entry.protocol):
                        out[(cp.port, cp.protocol)] = None
    return list(out)


def _in_rule_addresses(rules: Sequence[TierRule], cluster: Cluster, taken: set[int]) -> list[Endpoint]:
    """One external address per ``networks`` peer (not a pod's) and the matched Nodes'."""
    out: dict[str, Endpoint] = {}
    for rule in rules:
        for peer in rule.peers:
            if peer.networks is not None:
                free = peer.network_ranges().difference(IntervalSet.of((k, k) for k in taken)).first()
                if free is not None:
                    ip = key_to_ip(free)
                    out.setdefault(str(ip), external_endpoint(ip))
            for ip in peer.node_addresses(cluster.nodes):
                out.setdefault(str(ip), external_endpoint(ip))
    return list(out.values())


def _classes(endpoints: Iterable[Endpoint], ranges: Sequence[IntervalSet], limit: int) -> list[Endpoint]:
    """One endpoint per (namespace, labels, ports, which ranges hold its address)."""
    seen: dict[object, Endpoint] = {}
    for ep in endpoints:
        where = tuple(ep.ip is not None and ip_key(ep.ip) in r for r in ranges)
        key = (ep.kind, ep.namespace, tuple(sorted(ep.labels.items())), ep.ports, where)
        if key not in seen:
            seen[key] = ep
            if len(seen) >= limit:
                break
    return list(seen.values())


class _Search:
    """Looks for a witness flow of a conflict between two same-priority policies."""

    def __init__(self, cluster: Cluster, ipblock_pods: bool) -> None:
        self.cluster = cluster
        self.ipblock_pods = ipblock_pods
        self.pods = [pod_endpoint(self.cluster, p) for p in self.cluster.pods]
        self.taken = {ip_key(ip) for p in self.cluster.pods for ip in p.ips}

    def confirm(self, tier: Tier, a: TierPolicy, b: TierPolicy, d: Direction, flow: Flow) -> str | None:
        """The decision's undecided text when the oracle leaves ``flow`` to this conflict."""
        if flow.source.same_pod(flow.destination):
            return None
        da, db = _decisive(a, d, flow, self.cluster), _decisive(b, d, flow, self.cluster)
        if not da or not db or len(da | db) < 2:
            return None
        decision = decide(self.cluster, flow, ipblock_pods=self.ipblock_pods)
        side = decision.egress if d is Direction.EGRESS else decision.ingress
        mark = _conflict_text(tier, a.priority)
        if not decision.undecided or side is None:
            return None
        if mark not in side.undecided or a.key not in side.undecided or b.key not in side.undecided:
            return None
        return side.undecided

    def _flows(
        self, subject: Endpoint, other: Endpoint, d: Direction, rules: Sequence[TierRule]
    ) -> Iterator[Flow]:
        src, dst = (subject, other) if d is Direction.EGRESS else (other, subject)
        for port, proto in _ports_tried(rules, dst):
            yield Flow(source=src, destination=dst, port=port, protocol=proto)

    def inventory(self, tier: Tier, a: TierPolicy, b: TierPolicy, d: Direction) -> tuple[Flow, str] | None:
        rules = [*a.rules(d), *b.rules(d)]
        ranges = [p.network_ranges() for r in rules for p in r.peers if p.networks is not None]
        subjects = _classes(
            (ep for ep in self.pods if a.selects(ep) and b.selects(ep)), ranges, _SUBJECTS_MAX
        )
        if not subjects:
            return None
        others = _classes(self.pods, ranges, _OTHERS_MAX)
        others += _in_rule_addresses(rules, self.cluster, self.taken)
        checks = 0
        for subject in subjects:
            for other in others:
                for flow in self._flows(subject, other, d, rules):
                    checks += 1
                    if checks > _CHECKS_MAX:
                        return None
                    text = self.confirm(tier, a, b, d, flow)
                    if text is not None:
                        return flow, text
        return None

    def hypothetical(self, tier: Tier, a: TierPolicy, b: TierPolicy, d: Direction) -> tuple[Flow, str] | None:
        """A pod both subjects select and a peer both rules match, built from the selectors."""
        subject_labels = self._pod_labels([subject_pair(a.subject), subject_pair(b.subject)], "nv-subject")
        if subject_labels is None:
            return None
        for r1 in a.rules(d):
            for r2 in b.rules(d):
                if r1.action is r2.action:
                    continue
                for q1 in r1.peers:
                    for q2 in r2.peers:
                        for other in self._others(q1, q2):
                            found = self._try(tier, a, b, d, subject_labels, other, (r1, r2))
                            if found is not None:
                                return found
        return None

    def _try(
        self,
        tier: Tier,
        a: TierPolicy,
        b: TierPolicy,
        d: Direction,
        subject_labels: tuple[str, dict[str, str], dict[str, str]],
        other: Endpoint,
        rules: tuple[TierRule, TierRule],
    ) -> tuple[Flow, str] | None:
        ns, ns_labels, labels = subject_labels
        named = [
            ContainerPort(name=e.name, port=8080 + i, protocol=e.protocol or Protocol.TCP)
            for i, e in enumerate(e for r in rules for e in r.ports or () if e.name is not None)
        ]
        subject = self._new_pod(ns, ns_labels, labels, "nv-subject", named if d is Direction.INGRESS else [])
        if d is Direction.EGRESS and other.is_pod:
            other = other.model_copy(update={"ports": tuple(named)})
        for flow in self._flows(subject, other, d, rules):
            text = self.confirm(tier, a, b, d, flow)
            if text is not None:
                return flow, text
        return None

    def _new_pod(
        self,
        ns: str,
        ns_labels: Mapping[str, str],
        labels: Mapping[str, str],
        name: str,
        ports: Sequence[ContainerPort],
        ip: IPAddress | None = None,
    ) -> Endpoint:
        return Endpoint(
            kind=EndpointKind.NEW_POD,
            ip=ip,
            namespace=ns,
            name=name,
            labels=dict(labels),
            namespace_labels=dict(ns_labels),
            new_namespace=ns not in self.cluster.namespaces,
            ports=tuple(ports),
        )

    def _pod_labels(
        self, pairs: Sequence[Pair], fresh: str
    ) -> tuple[str, dict[str, str], dict[str, str]] | None:
        """A namespace (its name and labels) and pod labels matching every pair."""
        ns_labels = solve_labels([p[0] for p in pairs], present=NAMESPACE_NAME_LABEL, fresh=fresh)
        labels = solve_labels([p[1] for p in pairs])
        if ns_labels is None or labels is None:
            return None
        name = ns_labels[NAMESPACE_NAME_LABEL]
        if name in self.cluster.namespaces:
            ns_labels = dict(self.cluster.namespace_labels(name))  # the real ones (the oracle rechecks)
        return name, ns_labels, labels

    def _free_address(self, ranges: IntervalSet) -> IPAddress | None:
        free = ranges.difference(IntervalSet.of((k, k) for k in self.taken)).first()
        return None if free is None else key_to_ip(free)

    def _others(self, q1: TierPeer, q2: TierPeer) -> Iterator[Endpoint]:
        """Endpoints both peers may match: a new pod (selectors, an address in the CIDRs) or
        an external address (CIDRs, Nodes)."""
        if q1.domain_names is not None or q2.domain_names is not None:
            return
        pairs = [p for p in (peer_pair(q1), peer_pair(q2)) if p is not None]
        nets = [q.network_ranges() for q in (q1, q2) if q.networks is not None]
        node_ips = [
            set(map(ip_key, q.node_addresses(self.cluster.nodes))) for q in (q1, q2) if q.nodes is not None
        ]
        if node_ips:
            if pairs:
                return
            common = set.intersection(*node_ips)
            for k in sorted(common):
                if all(k in r for r in nets):
                    yield external_endpoint(key_to_ip(k))
                    return
            return
        ranges = _ALL_ADDRESSES
        for r in nets:
            ranges = ranges.intersection(r)
        if nets and not ranges:
            return
        if not pairs:
            ip = self._free_address(ranges)
            if ip is not None:
                yield external_endpoint(ip)
            return
        built = self._pod_labels(pairs, "nv-peer")
        if built is None:
            return
        ns, ns_labels, labels = built
        ip = self._free_address(ranges) if nets else None
        if nets and ip is None:
            return
        yield self._new_pod(ns, ns_labels, labels, "nv-peer", (), ip)


def same_priority_conflicts(cluster: Cluster, *, ipblock_pods: bool = True) -> list[Conflict]:
    """NV019: per tier, priority level, pair of its policies and direction, one witness flow
    the oracle leaves undecided by their conflict (see the module docstring)."""
    search = _Search(cluster, ipblock_pods)
    out: list[Conflict] = []
    for tier in Tier:
        for level in cluster.tier_levels(tier):
            for i, a in enumerate(level):
                for b in level[i + 1 :]:
                    a_ns, a_pods = subject_pair(a.subject)
                    b_ns, b_pods = subject_pair(b.subject)
                    if not satisfiable(a_ns, b_ns) or not satisfiable(a_pods, b_pods):
                        continue  # no pod is in both subjects
                    for d in Direction:
                        actions_a = {r.action for r in a.rules(d)}
                        actions_b = {r.action for r in b.rules(d)}
                        if not actions_a or not actions_b or len(actions_a | actions_b) < 2:
                            continue
                        found = search.inventory(tier, a, b, d)
                        hypothetical = found is None
                        if found is None:
                            found = search.hypothetical(tier, a, b, d)
                        if found is None:
                            continue
                        flow, text = found
                        out.append(
                            Conflict(
                                tier, a, b, d, flow, _fired(cluster, flow, d, (a, b)), text, hypothetical
                            )
                        )
    return out


def _fired(cluster: Cluster, flow: Flow, d: Direction, policies: Sequence[TierPolicy]) -> tuple[RuleAt, ...]:
    """The rule of each policy that fires first on ``flow`` (its first rule that may match)."""
    other = flow.destination if d is Direction.EGRESS else flow.source
    out: list[RuleAt] = []
    for p in policies:
        for rule in p.rules(d):
            if rule.matches(other, flow.port, flow.protocol, flow.destination, cluster.nodes) is not False:
                out.append((p, rule))
                break
    return tuple(out)


def _check_conflicts(run: LintRun) -> None:
    for c in same_priority_conflicts(run.cluster, ipblock_pods=run.options.ipblock_pods):
        anchor = c.rules[0] if c.rules else None
        named = " and ".join(
            f"{q.key} {r.direction.value.lower()} rule {r.label} ({_action(r)})" for q, r in c.rules
        )
        origin = (
            "a hypothetical flow (no pods of the input are in both subjects with such a peer)"
            if c.hypothetical
            else "a flow of the input"
        )
        message = (
            f"{_where(c.first)}: {c.first.key} and {c.second.key} share the priority and both decide "
            f"{c.direction.value} with different actions ({named}); which applies is up to the "
            f"implementation. Witness, {origin}: {c.flow}"
        )
        obj = rule_object(*anchor) if anchor is not None else c.first.key
        location = anchor[1].location if anchor is not None else c.first.location
        run.add("NV019", Severity.WARNING, obj, message, location)


# --- the family ---------------------------------------------------------------------------------


def check_tiers(run: LintRun) -> None:
    """Every tier finding (NV018-NV024) of the run's cluster."""
    if not run.cluster.has_tiers:
        return
    shadowed = {id(s.rule) for s in _check_shadowing(run)}
    _check_conflicts(run)
    _check_pass(run, shadowed)
    _check_baseline_reach(run)
    _check_networks(run, shadowed)
    _check_selection(run)
    _check_nodes_peers(run)


__all__ = [
    "Conflict",
    "Shadowing",
    "check_tiers",
    "peer_pair",
    "port_covered",
    "same_priority_conflicts",
    "selector_subset",
    "shadowed_rules",
    "solve_labels",
    "subject_pair",
]
