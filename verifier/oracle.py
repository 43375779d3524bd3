"""The reference evaluator: decides one concrete flow by walking the policies literally.

It is slow on purpose and follows docs/design §1 sentence by sentence, so that it can be
read against the Kubernetes API documentation. Every faster engine (the bitset matrix engine,
the Z3 encoding) is tested cell by cell against it, and `explain` uses it to name the rules
that allowed or failed to allow a flow.

Semantics, in the order `decide` applies them:

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

from verifier.model import (
    Cluster,
    Direction,
    IPAddress,
    NetworkPolicy,
    Peer,
    Pod,
    PolicyPort,
    Protocol,
    Rule,
    parse_ip,
)
from verifier.results import Decision, DirectionDecision, Endpoint, EndpointKind, Flow, RuleRef


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


def _selects(policy: NetworkPolicy, pod: Endpoint, direction: Direction) -> bool:
    return (
        policy.namespace == pod.namespace
        and policy.affects(direction)
        and policy.pod_selector.matches(pod.labels)
    )


def _peer_matches(peer: Peer, policy: NetworkPolicy, other: Endpoint, ipblock_pods: bool) -> bool:
    if peer.ip_block is not None:
        if other.ip is None or (other.is_pod and not ipblock_pods):
            return False
        return peer.ip_block.contains(other.ip)
    if not other.is_pod:
        return False
    if peer.namespace_selector is None:
        ns_ok = other.namespace == policy.namespace
    else:
        ns_ok = peer.namespace_selector.matches(other.namespace_labels)
    pod_ok = peer.pod_selector is None or peer.pod_selector.matches(other.labels)
    return ns_ok and pod_ok


def _port_matches(entry: PolicyPort, port: int, protocol: Protocol, destination: Endpoint) -> bool:
    if entry.protocol is not protocol:
        return False
    if isinstance(entry.port, str):
        if not destination.is_pod:
            return False
        return any(
            cp.name == entry.port and cp.protocol is protocol and cp.port == port for cp in destination.ports
        )
    lo_hi = entry.numeric_range()
    assert lo_hi is not None
    return lo_hi[0] <= port <= lo_hi[1]


def _rule_matches(rule: Rule, policy: NetworkPolicy, flow: Flow, ipblock_pods: bool) -> bool:
    other = flow.destination if rule.direction is Direction.EGRESS else flow.source
    peers_ok = rule.peers is None or any(_peer_matches(p, policy, other, ipblock_pods) for p in rule.peers)
    ports_ok = rule.ports is None or any(
        _port_matches(e, flow.port, flow.protocol, flow.destination) for e in rule.ports
    )
    return peers_ok and ports_ok


def _side(cluster: Cluster, flow: Flow, direction: Direction, ipblock_pods: bool) -> DirectionDecision:
    pod = flow.source if direction is Direction.EGRESS else flow.destination
    isolating = [p for p in cluster.policies if _selects(p, pod, direction)]
    allowed_by = [
        RuleRef(policy=p.key, direction=direction, index=r.index, location=r.location)
        for p in isolating
        for r in p.rules(direction)
        if _rule_matches(r, p, flow, ipblock_pods)
    ]
    return DirectionDecision(
        direction=direction,
        isolated=bool(isolating),
        policies=tuple(RuleRef(policy=p.key, direction=direction, location=p.location) for p in isolating),
        allowed_by=tuple(allowed_by),
    )


def decide(cluster: Cluster, flow: Flow, *, ipblock_pods: bool = True) -> Decision:
    """Whether the policies of ``cluster`` allow ``flow``, with the policies and rules involved.

    ``ipblock_pods`` False makes ipBlock peers match external addresses only (Cilium-like CNIs).
    """
    if flow.source.same_pod(flow.destination):
        return Decision(allowed=True, self_traffic=True)
    if not flow.source.is_pod and not flow.destination.is_pod:
        raise ValueError(f"{flow}: traffic between two external addresses never enters the cluster")
    egress = _side(cluster, flow, Direction.EGRESS, ipblock_pods) if flow.source.is_pod else None
    ingress = _side(cluster, flow, Direction.INGRESS, ipblock_pods) if flow.destination.is_pod else None
    allowed = all(side.allowed for side in (egress, ingress) if side is not None)
    return Decision(allowed=allowed, egress=egress, ingress=ingress)


__all__ = ["decide", "external_endpoint", "pod_endpoint"]
