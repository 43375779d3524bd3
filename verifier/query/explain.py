"""``explain``: the verdict on one concrete flow, and every reason behind it.

The verdict and the chain are the oracle's trace (`verifier.oracle.trace`): for each side of
the flow (egress at the source, ingress at the destination) every policy of the pod's
namespace — whether it isolates the pod and, if not, why not — and for each isolating policy
every rule with a reason per peer and per port entry. This module adds what a person needs
around it: notes on external ends, unknown IPs and namespaces the input lacks, and, when the
flow is denied, one blocker line per isolating policy naming why each of its rules missed:

- a peer mismatch names the peer and the part that failed: the namespace (a lone
  ``podSelector`` only selects the policy's own namespace; a ``namespaceSelector``
  requirement the namespace's labels fail), the pod selector requirement the pod's labels
  fail, an address outside the ``cidr`` or inside an ``except``, an unknown pod IP, or an
  external address facing a selector peer;
- a port mismatch names the protocol, the numeric range, or the named port the destination
  does not define (named ports never match an external destination).

With cluster-wide tiers (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy)
each side of the trace also walks the Admin tier before and the Baseline tier after the
NetworkPolicies (the report renders the chain); a side the Admin or Baseline tier denies is
blocked by the Deny rule that fired, and a flow the manifests leave to the implementation (two
policies of one priority that disagree, a ``domainNames`` peer) is *undecided*:
`Explanation.undecided` says why (`verifier.results.Decision.undecided`), ``allowed`` is
False (must-allow) and the blockers name what may deny it.

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
    Protocol,
    parse_ip,
)
from verifier.oracle import external_endpoint, fold, pod_endpoint, trace
from verifier.results import (
    Decision,
    Endpoint,
    EndpointKind,
    Explanation,
    Flow,
    RuleCheck,
    SideExplanation,
    TierPolicyCheck,
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


def resolve_endpoint(cluster: Cluster, text: str) -> tuple[str, str | None]:
    """An ``ns/name`` endpoint completed to the inventory pod it names, and a note saying so.

    A workload's pod template is ``ns/name[Kind]``; ``ns/name`` alone names it when exactly one
    workload of that name is in the namespace and no pod is called exactly that. Several are a
    `UsageError` listing them. Anything else (an IP, ``ns:…``, an exact key, an unknown name)
    is returned as given: `parse_endpoint` reads and checks it.
    """
    text = text.strip()
    if "/" not in text or text.startswith("ns:"):
        return text, None
    keys = {p.key for p in cluster.pods}
    if text in keys:
        return text, None
    candidates = sorted(k for k in keys if k.startswith(text + "[") and k.endswith("]"))
    if len(candidates) > 1:
        raise UsageError(f"endpoint {text!r} is ambiguous; name one of: {', '.join(candidates)}")
    if candidates:
        return candidates[0], f"{text} is {candidates[0]} (the only workload of that name)"
    return text, None


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


# --- the walk: the oracle's trace, rendered as blockers ------------------------------------------


def _labels_text(labels: Mapping[str, str]) -> str:
    return "{" + ",".join(f"{k}={v}" for k, v in sorted(labels.items())) + "}"


def _rule_blocker(check: RuleCheck) -> str:
    parts = []
    if not check.peers_ok:
        parts.append("peer mismatch: " + "; ".join(f"{p.peer}: {p.reason}" for p in check.peers))
    if not check.ports_ok:
        parts.append("port mismatch: " + "; ".join(f"{p.port}: {p.reason}" for p in check.ports))
    return f"{check.rule}: " + " | ".join(parts)


def _side_label(side: SideExplanation) -> str:
    return "egress at the source" if side.direction is Direction.EGRESS else "ingress at the destination"


def _np_blockers(side: SideExplanation) -> list[str]:
    label = _side_label(side)
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


def _fired_denies(checks: tuple[TierPolicyCheck, ...]) -> list[str]:
    """The Deny rules that fired in the reached policies of one tier."""
    return [
        str(r.rule)
        for c in checks
        if c.reached and c.selects
        for r in c.rules
        if r.fired and r.rule.action == "Deny"
    ]


def _blockers(side: SideExplanation) -> list[str]:
    """Why one side does not (surely) allow the flow: the NetworkPolicies that failed, or —
    with tiers — the Deny rule of the tier that decided, or what leaves the side undecided."""
    if not side.verdicts or side.decided_in == "networkpolicy":
        return _np_blockers(side)
    label = _side_label(side)
    if side.decided_in in ("admin", "baseline"):
        tier = "Admin" if side.decided_in == "admin" else "Baseline"
        checks = side.admin if side.decided_in == "admin" else side.baseline
        return [f"{label}: the {tier} tier denies: {rule}" for rule in _fired_denies(checks)]
    if side.decided_in != "undecided":
        return []
    out = [f"{label}: the manifests do not decide it: {side.undecided}"]
    out.extend(f"  may deny: {rule}" for rule in _fired_denies(side.admin) + _fired_denies(side.baseline))
    if side.isolated and not any(r.matched for c in side.policies if c.isolates for r in c.rules):
        out.extend(f"  {line}" for line in _np_blockers(side))
    return out


def explain(cluster: Cluster, flow: Flow, *, ipblock_pods: bool = True) -> Explanation:
    """The verdict on ``flow`` with the chain per direction and, when denied, every blocker."""
    src, dst = flow.source, flow.destination
    notes: list[str] = []
    egress, ingress, self_traffic = trace(cluster, flow, ipblock_pods=ipblock_pods)
    if self_traffic:
        notes.append("a pod talking to itself is not subject to NetworkPolicy: allowed")
        return Explanation(flow=flow, allowed=True, self_traffic=True, notes=tuple(notes))
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
    # With tiers `allowed` is must-allow; a flow the manifests leave to the implementation (a
    # same-priority conflict, a domainNames peer) is undecided, and the oracle's fold says why.
    decision = Decision(
        allowed=allowed,
        egress=fold(egress) if egress is not None else None,
        ingress=fold(ingress) if ingress is not None else None,
    )
    blockers: list[str] = []
    if not allowed:
        for side in (egress, ingress):
            if side is not None and not side.allowed:
                blockers.extend(_blockers(side))
    return Explanation(
        flow=flow,
        allowed=allowed,
        undecided=decision.undecided,
        egress=egress,
        ingress=ingress,
        blockers=tuple(blockers),
        notes=tuple(notes),
    )


__all__ = ["explain", "make_flow", "parse_endpoint", "resolve_endpoint", "resolve_port"]
