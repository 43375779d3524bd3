"""``explain``: the verdict on one concrete flow, and every reason behind it.

This is a second, independent walk over the same semantics as `verifier.oracle` (design §1),
written to *name* things rather than to decide fast: for each side of the flow (egress at the
source, ingress at the destination) it lists every policy of the pod's namespace — whether it
isolates the pod and, if not, why not — and for each isolating policy every rule with a
reason per peer and per port entry:

- a peer mismatch names the peer and the part that failed: the namespace (a lone
  ``podSelector`` only selects the policy's own namespace; a ``namespaceSelector``
  requirement the namespace's labels fail), the pod selector requirement the pod's labels
  fail, an address outside the ``cidr`` or inside an ``except``, an unknown pod IP, or an
  external address facing a selector peer;
- a port mismatch names the protocol, the numeric range, or the named port the destination
  does not define (named ports never match an external destination).

The verdict `explain` reports is computed from this walk and cross-checked against
`verifier.oracle.decide` on every call; a disagreement is reported in ``notes``, never hidden
(the test suite checks that it never happens, on random clusters and flows).

Endpoints are written ``ns/pod`` (an inventory pod or workload, ``shop/web[Deployment]``), an
IP address (the inventory pod with that IP, else an external address), or a hypothetical pod
``ns:NAMESPACE[,ip:ADDRESS][,labels:k=v,k2=v2...]`` (``labels:`` comes last; everything after
it is labels). See docs/questions.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from verifier.errors import UsageError
from verifier.model import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    Direction,
    LabelSelector,
    NetworkPolicy,
    Operator,
    Peer,
    PolicyPort,
    Protocol,
    Rule,
    parse_ip,
)
from verifier.oracle import decide, external_endpoint, pod_endpoint
from verifier.results import (
    Endpoint,
    EndpointKind,
    Explanation,
    Flow,
    PeerCheck,
    PolicyCheck,
    PortCheck,
    RuleCheck,
    RuleRef,
    SideExplanation,
)
from verifier.spec import parse_port

# --- endpoints and ports from the command line ------------------------------------------------


def _hypothetical(cluster: Cluster, text: str) -> Endpoint:
    namespace: str | None = None
    ip = None
    labels: dict[str, str] = {}
    in_labels = False
    for raw in text.split(","):
        token = raw.strip()
        if not token:
            continue
        if token.startswith("labels:"):
            in_labels = True
            token = token[len("labels:") :].strip()
            if not token:
                continue
        if not in_labels and token.startswith("ns:"):
            namespace = token[3:].strip()
        elif not in_labels and token.startswith("ip:"):
            try:
                ip = parse_ip(token[3:])
            except ValueError:
                raise UsageError(f"endpoint {text!r}: invalid ip {token[3:]!r}") from None
        elif in_labels and "=" in token:
            key, _, value = token.partition("=")
            labels[key.strip()] = value.strip()
        else:
            raise UsageError(
                f"endpoint {text!r}: cannot read {token!r} "
                "(expected ns:NAMESPACE[,ip:ADDRESS][,labels:k=v,k2=v2...])"
            )
    if not namespace:
        raise UsageError(f"endpoint {text!r}: a hypothetical pod needs ns:NAMESPACE")
    known = namespace in cluster.namespaces
    return Endpoint(
        kind=EndpointKind.NEW_POD,
        ip=ip,
        namespace=namespace,
        labels=labels,
        namespace_labels=dict(cluster.namespace_labels(namespace)),
        new_namespace=not known,
    )


def parse_endpoint(cluster: Cluster, text: str) -> Endpoint:
    """``ns/pod``, an IP address, or ``ns:NAMESPACE[,ip:ADDRESS][,labels:k=v,...]``.

    An IP that belongs to an inventory pod means that pod. Raises `UsageError`.
    """
    text = text.strip()
    if text.startswith("ns:"):
        return _hypothetical(cluster, text)
    try:
        addr = parse_ip(text)
    except ValueError:
        addr = None
    if addr is not None:
        for pod in cluster.pods:
            if addr in pod.ips:
                return pod_endpoint(cluster, pod, addr)
        return external_endpoint(addr)
    if "/" in text:
        for pod in cluster.pods:
            if pod.key == text:
                return pod_endpoint(cluster, pod)
        names = sorted(p.key for p in cluster.pods if p.namespace == text.split("/", 1)[0])
        hint = f" (pods in that namespace: {', '.join(names[:8])})" if names else ""
        raise UsageError(f"endpoint {text!r}: no such pod in the input{hint}")
    raise UsageError(
        f"endpoint {text!r}: expected ns/pod, an IP address, or ns:NAMESPACE[,ip:ADDRESS][,labels:k=v,...]"
    )


def resolve_port(text: str, destination: Endpoint) -> tuple[int, Protocol]:
    """``6379/TCP`` or a named port the destination pod defines (``redis/TCP``)."""
    entry = parse_port(text)
    if isinstance(entry.port, int) and entry.end_port is None:
        return entry.port, entry.protocol
    if isinstance(entry.port, str):
        for cp in destination.ports:
            if cp.name == entry.port and cp.protocol is entry.protocol:
                return cp.port, entry.protocol
        raise UsageError(
            f"--port {text!r}: the destination defines no port named {entry.port!r}/{entry.protocol}"
        )
    raise UsageError(f"--port {text!r}: explain needs one port (e.g. 6379/TCP), not a range")


def make_flow(cluster: Cluster, source: str, destination: str, port: str) -> Flow:
    """The concrete flow named on the command line."""
    src = parse_endpoint(cluster, source)
    dst = parse_endpoint(cluster, destination)
    if not src.is_pod and not dst.is_pod:
        raise UsageError("explain: at least one end must be a pod (traffic between addresses has no policy)")
    if src.same_pod(dst) and any(p.replicated for p in cluster.pods if p.key == source.strip()):
        # A replicated template on both ends: two of its replicas, governed by policy.
        src = src.model_copy(update={"replica": 1})
        dst = dst.model_copy(update={"replica": 2})
    number, protocol = resolve_port(port, dst)
    return Flow(source=src, destination=dst, port=number, protocol=protocol)


# --- the walk ---------------------------------------------------------------------------------


def _labels_text(labels: Mapping[str, str]) -> str:
    return "{" + ",".join(f"{k}={v}" for k, v in sorted(labels.items())) + "}"


def selector_miss(selector: LabelSelector, labels: Mapping[str, str]) -> str | None:
    """The first requirement of ``selector`` that ``labels`` fail, as a phrase (None = match)."""
    for req in selector.requirements():
        if req.matches(labels):
            continue
        have = labels.get(req.key)
        has = f"has {req.key}={have}" if have is not None else f"has no {req.key} label"
        if req.operator is Operator.IN:
            want = (
                f"{req.key}={req.values[0]}"
                if len(req.values) == 1
                else f"{req.key} in ({','.join(req.values)})"
            )
            return f"needs {want}, but {has}"
        if req.operator is Operator.NOT_IN:
            return f"needs {req.key} not in ({','.join(req.values)}), but {has}"
        if req.operator is Operator.EXISTS:
            return f"needs a {req.key} label, but has none"
        return f"needs no {req.key} label, but {has}"
    return None


def _peer_check(peer: Peer, policy: NetworkPolicy, other: Endpoint, ipblock_pods: bool) -> PeerCheck:
    text = str(peer)
    block = peer.ip_block
    if block is not None:
        if other.ip is None:
            return PeerCheck(
                peer=text, matched=False, reason="the pod's IP is unknown, so no ipBlock can match it"
            )
        if other.is_pod and not ipblock_pods:
            return PeerCheck(
                peer=text, matched=False, reason="ipBlocks do not match pod IPs (--no-ipblock-pods)"
            )
        if other.ip.version != block.cidr.version or other.ip not in block.cidr:
            return PeerCheck(peer=text, matched=False, reason=f"{other.ip} is outside {block.cidr}")
        for exc in block.except_:
            if other.ip in exc:
                return PeerCheck(peer=text, matched=False, reason=f"{other.ip} is in the except {exc}")
        return PeerCheck(peer=text, matched=True, reason=f"{other.ip} is in {block}")
    if not other.is_pod:
        return PeerCheck(
            peer=text, matched=False, reason=f"{other.ip} is an external address; selectors match pods only"
        )
    if peer.namespace_selector is None:
        if other.namespace != policy.namespace:
            return PeerCheck(
                peer=text,
                matched=False,
                reason=f"without a namespaceSelector the peer selects namespace {policy.namespace} only; "
                f"the pod is in {other.namespace}",
            )
    else:
        miss = selector_miss(peer.namespace_selector, other.namespace_labels)
        if miss is not None:
            return PeerCheck(peer=text, matched=False, reason=f"namespace {other.namespace} {miss}")
    if peer.pod_selector is not None:
        miss = selector_miss(peer.pod_selector, other.labels)
        if miss is not None:
            return PeerCheck(peer=text, matched=False, reason=f"the pod {miss}")
    return PeerCheck(
        peer=text, matched=True, reason=f"matches the pod {_labels_text(other.labels)} in {other.namespace}"
    )


def _port_check(entry: PolicyPort, flow: Flow) -> PortCheck:
    text = str(entry)
    if entry.protocol is not flow.protocol:
        return PortCheck(
            port=text, matched=False, reason=f"protocol {entry.protocol}, the flow is {flow.protocol}"
        )
    if isinstance(entry.port, str):
        dst = flow.destination
        if not dst.is_pod:
            return PortCheck(
                port=text, matched=False, reason="a named port never matches an external destination"
            )
        defined = [cp for cp in dst.ports if cp.name == entry.port and cp.protocol is entry.protocol]
        if not defined:
            return PortCheck(
                port=text,
                matched=False,
                reason=f"the destination defines no port named {entry.port}/{entry.protocol}",
            )
        if all(cp.port != flow.port for cp in defined):
            numbers = ",".join(str(cp.port) for cp in defined)
            return PortCheck(
                port=text,
                matched=False,
                reason=f"the destination's {entry.port} is port {numbers}, not {flow.port}",
            )
        return PortCheck(
            port=text, matched=True, reason=f"the destination's {entry.port} is port {flow.port}"
        )
    lo, hi = entry.numeric_range() or (1, 65535)
    if lo <= flow.port <= hi:
        return PortCheck(
            port=text, matched=True, reason=f"{flow.port} is in {lo}-{hi}" if lo != hi else "same port"
        )
    return PortCheck(
        port=text, matched=False, reason=f"port {flow.port} is not {lo if lo == hi else f'in {lo}-{hi}'}"
    )


def _rule_check(rule: Rule, policy: NetworkPolicy, flow: Flow, ipblock_pods: bool) -> RuleCheck:
    other = flow.destination if rule.direction is Direction.EGRESS else flow.source
    peers = tuple(_peer_check(p, policy, other, ipblock_pods) for p in rule.peers or ())
    ports = tuple(_port_check(e, flow) for e in rule.ports or ())
    peers_ok = rule.peers is None or any(p.matched for p in peers)
    ports_ok = rule.ports is None or any(p.matched for p in ports)
    ref = RuleRef(policy=policy.key, direction=rule.direction, index=rule.index, location=rule.location)
    return RuleCheck(
        rule=ref,
        matched=peers_ok and ports_ok,
        peers_ok=peers_ok,
        ports_ok=ports_ok,
        peers=peers,
        ports=ports,
    )


def _policy_check(
    policy: NetworkPolicy, pod: Endpoint, direction: Direction, flow: Flow, ipblock_pods: bool
) -> PolicyCheck:
    ref = RuleRef(policy=policy.key, direction=direction, location=policy.location)
    if not policy.affects(direction):
        types = ", ".join(sorted(t.value for t in policy.policy_types))
        return PolicyCheck(
            policy=ref, isolates=False, reason=f"its policyTypes are {types}: not {direction.value}"
        )
    miss = selector_miss(policy.pod_selector, pod.labels)
    if miss is not None:
        return PolicyCheck(
            policy=ref,
            isolates=False,
            reason=f"its podSelector {policy.pod_selector} does not select the pod: {miss}",
        )
    rules = tuple(_rule_check(r, policy, flow, ipblock_pods) for r in policy.rules(direction))
    return PolicyCheck(
        policy=ref, isolates=True, reason=f"selects the pod ({policy.pod_selector})", rules=rules
    )


def _side(cluster: Cluster, flow: Flow, direction: Direction, ipblock_pods: bool) -> SideExplanation:
    pod = flow.source if direction is Direction.EGRESS else flow.destination
    checks = [
        _policy_check(p, pod, direction, flow, ipblock_pods)
        for p in cluster.policies
        if p.namespace == pod.namespace
    ]
    checks.sort(key=lambda c: not c.isolates)
    isolated = any(c.isolates for c in checks)
    allowed = not isolated or any(r.matched for c in checks if c.isolates for r in c.rules)
    return SideExplanation(
        direction=direction, endpoint=str(pod), isolated=isolated, allowed=allowed, policies=tuple(checks)
    )


def _rule_blocker(check: RuleCheck) -> str:
    parts = []
    if not check.peers_ok:
        parts.append("peer mismatch: " + "; ".join(f"{p.peer}: {p.reason}" for p in check.peers))
    if not check.ports_ok:
        parts.append("port mismatch: " + "; ".join(f"{p.port}: {p.reason}" for p in check.ports))
    return f"{check.rule}: " + " | ".join(parts)


def _blockers(side: SideExplanation) -> list[str]:
    label = "egress at the source" if side.direction is Direction.EGRESS else "ingress at the destination"
    out = []
    for check in side.policies:
        if not check.isolates:
            continue
        if not check.rules:
            out.append(
                f"{label}: {check.policy.policy} isolates the pod and has no {side.direction.value} rules (denies all)"
            )
            continue
        out.append(f"{label}: {check.policy.policy} isolates the pod and none of its rules matches")
        out.extend(f"  {_rule_blocker(r)}" for r in check.rules)
    return out


def explain(cluster: Cluster, flow: Flow, *, ipblock_pods: bool = True) -> Explanation:
    """The verdict on ``flow`` with the chain per direction and, when denied, every blocker."""
    decision = decide(cluster, flow, ipblock_pods=ipblock_pods)
    src, dst = flow.source, flow.destination
    notes: list[str] = []
    if src.same_pod(dst):
        notes.append("a pod talking to itself is not subject to NetworkPolicy: allowed")
        return Explanation(flow=flow, allowed=True, self_traffic=True, notes=tuple(notes))
    egress = _side(cluster, flow, Direction.EGRESS, ipblock_pods) if src.is_pod else None
    ingress = _side(cluster, flow, Direction.INGRESS, ipblock_pods) if dst.is_pod else None
    allowed = all(s.allowed for s in (egress, ingress) if s is not None)
    for end, name in ((src, "source"), (dst, "destination")):
        if not end.is_pod:
            notes.append(f"the {name} {end.ip} is an external address: only the pod side is judged")
        elif end.ip is None:
            notes.append(
                f"the {name}'s IP is unknown: ipBlock peers are read as not matching it, so a verdict "
                "that an ipBlock decides may differ for some addresses (matrix: conditional)"
            )
        if end.is_pod and end.namespace is not None and cluster.labels_unknown(end.namespace):
            notes.append(
                f"namespace {end.namespace} is not in the input, so its labels are unknown: this explains "
                f"the flow for the labels {_labels_text(end.namespace_labels)}; a namespaceSelector may "
                "match it with other labels (declare the namespace, or --assume-unlabelled-namespaces)"
            )
        if end.kind is EndpointKind.NEW_POD and end.new_namespace:
            notes.append(
                f"namespace {end.namespace} is not in the input: it has only the {NAMESPACE_NAME_LABEL} label"
            )
    if allowed != decision.allowed:
        notes.append(
            f"internal inconsistency: explain says {'allowed' if allowed else 'denied'}, the oracle "
            f"says {'allowed' if decision.allowed else 'denied'}; the oracle's verdict is reported, please report this"
        )
        allowed = decision.allowed
    blockers: list[str] = []
    if not allowed:
        for side in (egress, ingress):
            if side is not None and not side.allowed:
                blockers.extend(_blockers(side))
    return Explanation(
        flow=flow,
        allowed=allowed,
        egress=egress,
        ingress=ingress,
        blockers=tuple(blockers),
        notes=tuple(notes),
    )


__all__ = ["explain", "make_flow", "parse_endpoint", "resolve_port", "selector_miss"]
