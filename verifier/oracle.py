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
    Peer,
    Pod,
    PolicyPort,
    Rule,
    parse_ip,
)
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
)


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
    return SideExplanation.model_construct(
        direction=direction,
        endpoint=str(pod) if reasons else "",
        isolated=isolated,
        allowed=allowed,
        policies=tuple(checks),
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
    return DirectionDecision(
        direction=side.direction,
        isolated=side.isolated,
        policies=tuple(c.policy for c in isolating),
        allowed_by=tuple(r.rule for c in isolating for r in c.rules if r.matched),
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
    allowed = all(side.allowed for side in (eg, ing) if side is not None)
    return Decision(allowed=allowed, egress=eg, ingress=ing)


__all__ = ["decide", "external_endpoint", "fold", "pod_endpoint", "trace"]
