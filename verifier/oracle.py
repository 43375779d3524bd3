"""The reference evaluator: walks the policies literally over one concrete flow.

It is slow on purpose and follows design.md §1 sentence by sentence, so that it can be read
against the Kubernetes API documentation. `trace` is the walk: for each judged side of the
flow, every policy of the pod's namespace (whether it isolates the pod, and why not), and for
each isolating policy every rule with a verdict per peer and per port entry. `decide` folds
the trace into a `Decision`; `explain` renders it. The matching itself is the model's
(`NetworkPolicy.selects`, `Peer.matches`, `PolicyPort.matches`): this module only adds the
reasons. Every faster engine (the bitset matrix engine, the Z3 encoding) is tested cell by
cell against `decide`.

Semantics, in the order the walk applies them:

- a pod sending to itself is not governed by policy: allowed, ``self_traffic=True``; two
  replicas of one workload template are two pods (`Endpoint.replica`), not self traffic;
- a flow between two external addresses never enters the cluster: it is no flow of ours and
  `decide` refuses it (ValueError);
- egress is judged at the source (when it is a pod), ingress at the destination (when it is
  a pod); the flow is allowed iff every judged side allows it;
- a side is isolated iff some policy *of the pod's namespace* selects the pod and has that
  direction in its effective ``policy_types``; a non-isolated side allows everything;
- an isolated side allows the flow iff some rule of some isolating policy matches:
  (peers is None or some peer matches the *other* endpoint) AND (ports is None or some port
  matches); policies are a union and never deny;
- selector peers match pods only: ``namespace_selector`` None = the policy's own namespace,
  ``pod_selector`` None = every pod of the selected namespaces, both given = AND;
- an ``ip_block`` peer matches an external address in ``cidr`` and in no ``except``, and a
  pod's IP the same way when ``ipblock_pods`` (a pod whose IP is unknown never matches);
- a port entry matches iff its protocol equals the flow's and either its numeric range
  contains the port or it is a named port that the *destination* pod defines with that name
  and protocol on exactly that container port (never an external destination).
"""

from __future__ import annotations

from collections.abc import Mapping

from verifier.model import (
    Cluster,
    Direction,
    IPAddress,
    NetworkPolicy,
    Outcome,
    Peer,
    Pod,
    PolicyPort,
    Rule,
    Tier,
    TierPeer,
    TierPolicy,
    TierPort,
    TierRule,
    parse_ip,
)
from verifier.model.tiers import chain_verdicts, level_outcomes, tier_outcomes
from verifier.results import (
    Decision,
    DirectionDecision,
    Endpoint,
    EndpointKind,
    Flow,
    PeerCheck,
    PolicyCheck,
    PortCheck,
    RuleCheck,
    RuleRef,
    SideExplanation,
    TierPolicyCheck,
    TierRuleCheck,
    TierRuleRef,
)
from verifier.results.flows import Decided


def pod_endpoint(
    cluster: Cluster, pod: Pod, ip: IPAddress | None = None, *, replica: int | None = None
) -> Endpoint:
    """The endpoint of an inventory pod; ``ip`` defaults to its first IP (None if it has none).

    ``replica`` names one pod of a replicated template (`Pod.replicated`)."""
    if ip is None and pod.ips:
        ip = pod.ips[0]
    return Endpoint(
        kind=EndpointKind.POD,
        ip=ip,
        namespace=pod.namespace,
        name=pod.name,
        labels=dict(pod.labels),
        namespace_labels=dict(cluster.namespace_labels(pod.namespace)),
        ports=pod.ports,
        replica=replica if pod.replicated else None,
    )


def external_endpoint(ip: IPAddress | str) -> Endpoint:
    """An address that belongs to no pod."""
    addr = parse_ip(ip) if isinstance(ip, str) else ip
    return Endpoint(kind=EndpointKind.EXTERNAL, ip=addr)


# --- the walk ---------------------------------------------------------------------------------


def _labels_text(labels: Mapping[str, str]) -> str:
    return "{" + ",".join(f"{k}={v}" for k, v in sorted(labels.items())) + "}"


def _peer_reason(
    peer: Peer, policy: NetworkPolicy, other: Endpoint, ipblock_pods: bool, matched: bool
) -> str:
    """Why the peer matches the other end or not (the first thing that fails)."""
    block = peer.ip_block
    if block is not None:
        if other.ip is None:
            return "the pod's IP is unknown, so no ipBlock can match it"
        if other.is_pod and not ipblock_pods:
            return "ipBlocks do not match pod IPs (--no-ipblock-pods)"
        if other.ip.version != block.cidr.version or other.ip not in block.cidr:
            return f"{other.ip} is outside {block.cidr}"
        for exc in block.except_:
            if other.ip in exc:
                return f"{other.ip} is in the except {exc}"
        return f"{other.ip} is in {block}"
    if not other.is_pod:
        return f"{other.ip} is an external address; selectors match pods only"
    if matched:
        return f"matches the pod {_labels_text(other.labels)} in {other.namespace}"
    if peer.namespace_selector is None:
        if other.namespace != policy.namespace:
            return (
                f"without a namespaceSelector the peer selects namespace {policy.namespace} only; "
                f"the pod is in {other.namespace}"
            )
    else:
        miss = peer.namespace_selector.miss(other.namespace_labels)
        if miss is not None:
            return f"namespace {other.namespace} {miss}"
    assert peer.pod_selector is not None
    return f"the pod {peer.pod_selector.miss(other.labels)}"


def _port_reason(entry: PolicyPort, flow: Flow, matched: bool) -> str:
    """Why the port entry matches the flow or not."""
    if entry.protocol is not flow.protocol:
        return f"protocol {entry.protocol}, the flow is {flow.protocol}"
    if isinstance(entry.port, str):
        dst = flow.destination
        if not dst.is_pod:
            return "a named port never matches an external destination"
        defined = [cp for cp in dst.ports if cp.name == entry.port and cp.protocol is entry.protocol]
        if not defined:
            return f"the destination defines no port named {entry.port}/{entry.protocol}"
        if not matched:
            numbers = ",".join(str(cp.port) for cp in defined)
            return f"the destination's {entry.port} is port {numbers}, not {flow.port}"
        return f"the destination's {entry.port} is port {flow.port}"
    lo, hi = entry.numeric_range() or (1, 65535)
    if matched:
        return f"{flow.port} is in {lo}-{hi}" if lo != hi else "same port"
    return f"port {flow.port} is not {lo if lo == hi else f'in {lo}-{hi}'}"


def _rule_check(
    rule: Rule, policy: NetworkPolicy, flow: Flow, ipblock_pods: bool, reasons: bool
) -> RuleCheck:
    other = flow.destination if rule.direction is Direction.EGRESS else flow.source
    peers = []
    for peer in rule.peers or ():
        ok = peer.matches(policy.namespace, other, ipblock_pods=ipblock_pods)
        why = _peer_reason(peer, policy, other, ipblock_pods, ok) if reasons else ""
        peers.append(PeerCheck.model_construct(peer=str(peer) if reasons else "", matched=ok, reason=why))
    ports = []
    for entry in rule.ports or ():
        ok = entry.matches(flow.port, flow.protocol, flow.destination)
        why = _port_reason(entry, flow, ok) if reasons else ""
        ports.append(PortCheck.model_construct(port=str(entry) if reasons else "", matched=ok, reason=why))
    peers_ok = rule.peers is None or any(p.matched for p in peers)
    ports_ok = rule.ports is None or any(p.matched for p in ports)
    ref = RuleRef.model_construct(
        policy=policy.key, direction=rule.direction, index=rule.index, location=rule.location
    )
    return RuleCheck.model_construct(
        rule=ref,
        matched=peers_ok and ports_ok,
        peers_ok=peers_ok,
        ports_ok=ports_ok,
        peers=tuple(peers),
        ports=tuple(ports),
    )


def _policy_check(
    policy: NetworkPolicy, pod: Endpoint, direction: Direction, flow: Flow, ipblock_pods: bool, reasons: bool
) -> PolicyCheck:
    ref = RuleRef.model_construct(
        policy=policy.key, direction=direction, index=None, location=policy.location
    )
    if not policy.affects(direction):
        types = ", ".join(sorted(t.value for t in policy.policy_types))
        why = f"its policyTypes are {types}: not {direction.value}" if reasons else ""
        return PolicyCheck.model_construct(policy=ref, isolates=False, reason=why, rules=())
    if not policy.selects(pod.namespace, pod.labels):
        why = (
            f"its podSelector {policy.pod_selector} does not select the pod: "
            f"{policy.pod_selector.miss(pod.labels)}"
            if reasons
            else ""
        )
        return PolicyCheck.model_construct(policy=ref, isolates=False, reason=why, rules=())
    rules = tuple(_rule_check(r, policy, flow, ipblock_pods, reasons) for r in policy.rules(direction))
    why = f"selects the pod ({policy.pod_selector})" if reasons else ""
    return PolicyCheck.model_construct(policy=ref, isolates=True, reason=why, rules=rules)


def _side(
    cluster: Cluster, flow: Flow, direction: Direction, ipblock_pods: bool, reasons: bool
) -> SideExplanation:
    pod = flow.source if direction is Direction.EGRESS else flow.destination
    checks = [
        _policy_check(p, pod, direction, flow, ipblock_pods, reasons)
        for p in cluster.policies
        # without reasons only the isolating policies matter (they decide)
        if p.namespace == pod.namespace and (reasons or p.selects(pod.namespace, pod.labels, direction))
    ]
    checks.sort(key=lambda c: not c.isolates)
    isolated = any(c.isolates for c in checks)
    allowed = not isolated or any(r.matched for c in checks if c.isolates for r in c.rules)
    side = SideExplanation.model_construct(
        direction=direction,
        endpoint=str(pod) if reasons else "",
        isolated=isolated,
        allowed=allowed,
        policies=tuple(checks),
        admin=(),
        baseline=(),
        verdicts=(),
        decided_in="networkpolicy",
        undecided="",
    )
    if not cluster.has_tiers:
        return side
    return _with_tiers(cluster, side, pod, flow, direction, reasons)


# --- the tiers around NetworkPolicies (design.md §1 "Tiers", verifier.model.tiers) ---------


def tier_rule_ref(policy: TierPolicy, rule: TierRule) -> TierRuleRef:
    return TierRuleRef.model_construct(
        tier=policy.tier.value,
        policy=policy.key,
        priority=policy.priority,
        direction=rule.direction,
        index=rule.index,
        name=rule.label,
        action=rule.action_written or rule.action.value,
        location=rule.location,
    )


def _tier_peer_reason(peer: TierPeer, other: Endpoint, cluster: Cluster, matched: bool | None) -> str:
    if peer.domain_names is not None:
        if other.is_pod:
            return "domainNames match external addresses only"
        return "which addresses these names resolve to is not in the manifests"
    if peer.networks is not None:
        if other.ip is None:
            return "the pod's IP is unknown"
        return f"{other.ip} is {'in' if matched else 'outside'} {', '.join(str(n) for n in peer.networks)}"
    if peer.nodes is not None:
        if other.is_pod:
            return "a pod is no node (nodes peers match node addresses)"
        names = [n.name for n in cluster.nodes if peer.nodes.matches(n.labels) and other.ip in n.addresses]
        if names:
            return f"{other.ip} is an address of node {', '.join(names)}"
        return f"no node selected by {peer.nodes} has the address {other.ip}"
    if not other.is_pod:
        return f"{other.ip} is an external address; {peer.kind} peers match pods only"
    ns_sel = peer.namespaces if peer.namespaces is not None else peer.pod_namespaces
    if matched:
        return f"matches the pod {_labels_text(other.labels)} in {other.namespace}"
    if ns_sel is not None:
        miss = ns_sel.miss(other.namespace_labels)
        if miss is not None:
            return f"namespace {other.namespace} {miss}"
    assert peer.pods is not None
    return f"the pod {peer.pods.miss(other.labels)}"


def _tier_port_reason(entry: TierPort, flow: Flow, matched: bool) -> str:
    if entry.name is not None:
        dst = flow.destination
        if not dst.is_pod:
            return "a named port never matches an external destination"
        numbers = [str(cp.port) for cp in dst.ports if cp.name == entry.name and cp.protocol is flow.protocol]
        if not numbers:
            return f"the destination defines no port named {entry.name}/{flow.protocol}"
        return f"the destination's {entry.name} is port {','.join(numbers)}"
    if entry.protocol is not flow.protocol:
        return f"protocol {entry.protocol}, the flow is {flow.protocol}"
    lo, hi = entry.numeric_range() or (1, 65535)
    if matched:
        return f"{flow.port} is in {lo}-{hi}" if lo != hi else "same port"
    return f"port {flow.port} is not {lo if lo == hi else f'in {lo}-{hi}'}"


def _tier_rule_check(
    policy: TierPolicy, rule: TierRule, flow: Flow, cluster: Cluster, reasons: bool
) -> TierRuleCheck:
    other = flow.destination if rule.direction is Direction.EGRESS else flow.source
    matched = rule.matches(other, flow.port, flow.protocol, flow.destination, cluster.nodes)
    peers: tuple[PeerCheck, ...] = ()
    ports: tuple[PortCheck, ...] = ()
    if reasons:
        peer_checks = []
        for peer in rule.peers:
            m = peer.matches(other, cluster.nodes)
            peer_checks.append(
                PeerCheck.model_construct(
                    peer=str(peer), matched=m is not False, reason=_tier_peer_reason(peer, other, cluster, m)
                )
            )
        peers = tuple(peer_checks)
        port_checks = []
        for entry in rule.ports or ():
            ok = entry.matches(flow.port, flow.protocol, flow.destination)
            port_checks.append(
                PortCheck.model_construct(
                    port=str(entry), matched=ok, reason=_tier_port_reason(entry, flow, ok)
                )
            )
        ports = tuple(port_checks)
    return TierRuleCheck.model_construct(
        rule=tier_rule_ref(policy, rule), matched=matched, fired=False, peers=peers, ports=ports
    )


def _tier_policy_check(
    policy: TierPolicy, pod: Endpoint, direction: Direction, flow: Flow, cluster: Cluster, reasons: bool
) -> TierPolicyCheck:
    other = flow.destination if direction is Direction.EGRESS else flow.source
    outcomes = policy.outcomes(
        direction, pod, other, flow.port, flow.protocol, flow.destination, cluster.nodes
    )
    selects = policy.selects(pod)
    rules: list[TierRuleCheck] = []
    if selects:
        open_ = True
        for rule in policy.rules(direction):
            check = _tier_rule_check(policy, rule, flow, cluster, reasons)
            if open_ and check.matched is not False:
                check = check.model_copy(update={"fired": True})
                open_ = check.matched is None
            if reasons or check.fired:
                rules.append(check)
    if reasons:
        if not selects:
            miss = _subject_miss(policy, pod)
            why = f"its subject {policy.subject} does not select the pod: {miss}"
        elif not policy.rules(direction):
            why = f"it has no {direction.value.lower()} rules"
        else:
            why = f"its subject {policy.subject} selects the pod"
    else:
        why = ""
    return TierPolicyCheck.model_construct(
        policy=policy.key,
        tier=policy.tier.value,
        priority=policy.priority,
        selects=selects,
        reason=why,
        rules=tuple(rules),
        outcomes=tuple(sorted(o.value for o in outcomes)),
        reached=True,
    )


def _subject_miss(policy: TierPolicy, pod: Endpoint) -> str:
    subject = policy.subject
    ns_sel = subject.namespaces if subject.namespaces is not None else subject.pod_namespaces
    if ns_sel is not None:
        miss = ns_sel.miss(pod.namespace_labels)
        if miss is not None:
            return f"namespace {pod.namespace} {miss}"
    if subject.pods is not None:
        return f"the pod {subject.pods.miss(pod.labels) or 'is not selected'}"
    return "not selected"


def _walk_tier(
    cluster: Cluster, tier: Tier, pod: Endpoint, direction: Direction, flow: Flow, reasons: bool
) -> tuple[list[TierPolicyCheck], frozenset[Outcome], list[str]]:
    """One tier's policies in evaluation order: their checks (``reached`` False after the
    tier decided), the tier's possible outcomes and why they are more than one."""
    checks: list[TierPolicyCheck] = []
    levels: list[frozenset[Outcome]] = []
    why: list[str] = []
    decided = False
    for level in cluster.tier_levels(tier):
        level_checks = [_tier_policy_check(p, pod, direction, flow, cluster, reasons) for p in level]
        per = [frozenset(Outcome(o) for o in c.outcomes) for c in level_checks]
        if decided:
            checks.extend(c.model_copy(update={"reached": False}) for c in level_checks if reasons)
            continue
        outcome = level_outcomes(per)
        levels.append(outcome)
        deciding = [c for c in level_checks if set(c.outcomes) - {Outcome.NO_MATCH.value}]
        if len({o for o in outcome if o is not Outcome.NO_MATCH}) > 1 and len(deciding) > 1:
            names = ", ".join(f"{c.policy} ({'/'.join(c.outcomes)})" for c in deciding)
            why.append(
                f"same-priority conflict in the {tier.value} tier (priority {level[0].priority}): {names}"
            )
        for c in level_checks:
            for r in c.rules:
                if r.fired and r.matched is None:
                    why.append(
                        f"{r.rule}: a domainNames peer, which addresses it resolves to is not in the manifests"
                    )
        checks.extend(level_checks if reasons else [c for c in level_checks if c.selects])
        decided = Outcome.NO_MATCH not in outcome
    return checks, tier_outcomes(levels), why


def _decided_in(
    admin: frozenset[Outcome], network_policy: bool | None, baseline: frozenset[Outcome]
) -> Decided:
    if len(chain_verdicts(admin, network_policy, baseline)) > 1:
        return "undecided"
    if not any(o.goes_on for o in admin):
        return "admin"
    if network_policy is not None:
        return "networkpolicy"
    if not any(o.goes_on for o in baseline):
        return "baseline"
    return "default"


def _with_tiers(
    cluster: Cluster, side: SideExplanation, pod: Endpoint, flow: Flow, direction: Direction, reasons: bool
) -> SideExplanation:
    """The NetworkPolicy verdict of ``side`` wrapped in the Admin and Baseline tiers."""
    admin_checks, admin, why_admin = _walk_tier(cluster, Tier.ADMIN, pod, direction, flow, reasons)
    np_verdict = side.allowed if side.isolated else None
    reaches_baseline = any(o.goes_on for o in admin) and np_verdict is None
    baseline_checks, baseline, why_baseline = _walk_tier(
        cluster, Tier.BASELINE, pod, direction, flow, reasons
    )
    if not reaches_baseline:
        baseline_checks = [c.model_copy(update={"reached": False}) for c in baseline_checks]
        why_baseline = []
    verdicts = chain_verdicts(admin, np_verdict, baseline)
    decided_in = _decided_in(admin, np_verdict, baseline)
    return side.model_copy(
        update={
            "allowed": all(verdicts),
            "admin": tuple(admin_checks),
            "baseline": tuple(baseline_checks),
            "verdicts": tuple(sorted(verdicts)),
            "decided_in": decided_in,
            "undecided": "; ".join(why_admin + why_baseline) if len(verdicts) > 1 else "",
        }
    )


def trace(
    cluster: Cluster, flow: Flow, *, ipblock_pods: bool = True, reasons: bool = True
) -> tuple[SideExplanation | None, SideExplanation | None, bool]:
    """The walk over ``flow``: (egress side, ingress side, self traffic). A side is None when
    that end is external (or the flow is self traffic). ``reasons`` False leaves the reason
    texts empty (`decide` needs only the verdicts).

    Raises ValueError for a flow between two external addresses."""
    if flow.source.same_pod(flow.destination):
        return None, None, True
    if not flow.source.is_pod and not flow.destination.is_pod:
        raise ValueError(f"{flow}: traffic between two external addresses never enters the cluster")
    egress = _side(cluster, flow, Direction.EGRESS, ipblock_pods, reasons) if flow.source.is_pod else None
    ingress = (
        _side(cluster, flow, Direction.INGRESS, ipblock_pods, reasons) if flow.destination.is_pod else None
    )
    return egress, ingress, False


def fold(side: SideExplanation) -> DirectionDecision:
    """A side of the trace as a verdict: the isolating policies and the rules that matched."""
    isolating = [c for c in side.policies if c.isolates]
    fired = tuple(
        r.rule for c in (*side.admin, *side.baseline) if c.reached and c.selects for r in c.rules if r.fired
    )
    return DirectionDecision(
        direction=side.direction,
        isolated=side.isolated,
        policies=tuple(c.policy for c in isolating),
        allowed_by=tuple(r.rule for c in isolating for r in c.rules if r.matched),
        verdicts=side.verdicts,
        decided_in=side.decided_in,
        tier_rules=fired,
        undecided=side.undecided,
    )


def decide(cluster: Cluster, flow: Flow, *, ipblock_pods: bool = True) -> Decision:
    """Whether the policies of ``cluster`` allow ``flow``, with the policies and rules involved.

    ``ipblock_pods`` False makes ipBlock peers match external addresses only (Cilium-like CNIs).
    """
    egress, ingress, self_traffic = trace(cluster, flow, ipblock_pods=ipblock_pods, reasons=False)
    if self_traffic:
        return Decision(allowed=True, self_traffic=True)
    eg = fold(egress) if egress is not None else None
    ing = fold(ingress) if ingress is not None else None
    # with tiers, `allowed` is must-allow: a flow the manifests leave undecided is not allowed
    # here, and `Decision.may_allow` / `Decision.undecided` say that it might be
    allowed = all(side.allowed for side in (eg, ing) if side is not None)
    return Decision(allowed=allowed, egress=eg, ingress=ing)


__all__ = ["decide", "external_endpoint", "fold", "pod_endpoint", "trace"]
