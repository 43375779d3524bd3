"""``fix``: the smallest policy edits that make a violated property hold, each one proved.

For a violated property the search starts from its counterexample and proposes edits of the
rules the oracle names for that flow (`verifier.oracle.decide`):

- ``deny`` (the flow is allowed): on every isolated side, for every rule that allows the
  flow, remove the peer that matches it, narrow that peer (add requirements so that it
  matches only the complement of the property's scope, or leaves out the counterexample's
  labels), add an ``except`` to an ipBlock covering the counterexample's address (the /32,
  and the largest aligned block around it that the ipBlock still matches), restrict the
  rule's ports to everything but the property's ports, split the rule (the matching peers get
  their own rule on those ports), or remove the rule; with ``tier="admin"`` also a new
  AdminNetworkPolicy that denies exactly the property's scope (Deny only, at a free priority
  ahead of every other Admin-tier policy);
- ``allow`` / ``reachable`` (the flow — for ``reachable`` any denied flow of the scope — is
  denied): on every side that denies it, the rule the property states (its peers and ports,
  nothing more) added to each policy that isolates the pod, or a new NetworkPolicy selecting
  the pod when none does.

A candidate that leaves the property violated is extended from its new counterexample (up
to ``max_edits`` edits; candidates that stay inside the scope first). Every candidate is
*proved*: one `Analysis` over the input (old) and the patched cluster (new) re-checks the
property on the patched policies (it must hold: Z3 unsat) and computes the semantic diff
restricted to the flows outside the property's scope (`Analysis.changes_outside`), which must
be proved empty. A fix is ``proved`` only when both proofs are; ``not-in-scope`` fixes carry
the regions they change outside the scope; a solver that gives up makes a fix ``unknown``.

Every edit is also written as an RFC 6902 JSON Patch of its manifest object (paths relative
to the object, computed on the model's lists, which keep the manifest's order), which
`verifier.report.fix` renders as a unified diff of the YAML and ``--apply`` writes.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from verifier.errors import Location
from verifier.model import (
    EVERYTHING,
    NAMESPACE_NAME_LABEL,
    Action,
    AnalysisOptions,
    Cluster,
    Direction,
    IntervalSet,
    IPAddress,
    IPBlock,
    IPNetwork,
    LabelSelector,
    NetworkPolicy,
    Operator,
    Peer,
    PolicyPort,
    Protocol,
    Requirement,
    Rule,
    Tier,
    TierPeer,
    TierPolicy,
    TierPort,
    TierRule,
    TierSubject,
    Universe,
    key_to_ip,
    network_range,
)
from verifier.model.tiers import ADMIN_NETWORK_POLICY
from verifier.oracle import decide
from verifier.results import (
    Decision,
    DirectionDecision,
    EditKind,
    Endpoint,
    EndpointKind,
    Fix,
    FixEdit,
    FixReport,
    FixStatus,
    Flow,
    PatchOp,
    PropertyFix,
    PropertyResult,
    RegionList,
    RegionStatus,
    Verdict,
)
from verifier.solve.analysis import Analysis
from verifier.spec import Expect, Property, SpecPeer

TIERS = ("admin",)
#: How many candidate fixes a property's search evaluates at most, and how many open
#: (still violated) candidates it extends per depth.
MAX_CANDIDATES = 40
BEAM = 4
#: How many proved fixes per property are re-checked against the run's other properties.
MAX_RECHECKED = 8
_KIND_ORDER = {kind: i for i, kind in enumerate(EditKind)}
_UNKNOWN = Location("<unknown>")


# --- the manifest form of model values (the JSON Patch values) -----------------------------------


def pointer(*parts: object) -> str:
    """An RFC 6901 JSON Pointer from its reference tokens."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def requirement_json(req: Requirement) -> dict[str, Any]:
    out: dict[str, Any] = {"key": req.key, "operator": req.operator.value}
    if req.values:
        out["values"] = list(req.values)
    return out


def selector_json(selector: LabelSelector) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if selector.match_labels:
        out["matchLabels"] = dict(selector.match_labels)
    if selector.match_expressions:
        out["matchExpressions"] = [requirement_json(r) for r in selector.match_expressions]
    return out


def ip_block_json(block: IPBlock) -> dict[str, Any]:
    out: dict[str, Any] = {"cidr": str(block.cidr)}
    if block.except_:
        out["except"] = [str(e) for e in block.except_]
    return out


def peer_json(peer: Peer) -> dict[str, Any]:
    if peer.ip_block is not None:
        return {"ipBlock": ip_block_json(peer.ip_block)}
    out: dict[str, Any] = {}
    if peer.namespace_selector is not None:
        out["namespaceSelector"] = selector_json(peer.namespace_selector)
    if peer.pod_selector is not None:
        out["podSelector"] = selector_json(peer.pod_selector)
    return out


def port_json(port: PolicyPort) -> dict[str, Any]:
    out: dict[str, Any] = {"protocol": port.protocol.value}
    if port.port is not None:
        out["port"] = port.port
    if port.end_port is not None:
        out["endPort"] = port.end_port
    return out


def rule_json(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if rule.peers is not None:
        out["from" if rule.direction is Direction.INGRESS else "to"] = [peer_json(p) for p in rule.peers]
    if rule.ports is not None:
        out["ports"] = [port_json(p) for p in rule.ports]
    return out


def _types_json(types: frozenset[Direction]) -> list[str]:
    return [d.value for d in (Direction.INGRESS, Direction.EGRESS) if d in types]


def policy_json(policy: NetworkPolicy) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "podSelector": selector_json(policy.pod_selector),
        "policyTypes": _types_json(policy.policy_types),
    }
    if policy.ingress:
        spec["ingress"] = [rule_json(r) for r in policy.ingress]
    if policy.egress:
        spec["egress"] = [rule_json(r) for r in policy.egress]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": policy.name, "namespace": policy.namespace},
        "spec": spec,
    }


def _tier_peer_json(peer: TierPeer) -> dict[str, Any]:
    if peer.namespaces is not None:
        return {"namespaces": selector_json(peer.namespaces)}
    if peer.pods is not None:
        return {
            "pods": {
                "namespaceSelector": selector_json(peer.pod_namespaces or EVERYTHING),
                "podSelector": selector_json(peer.pods),
            }
        }
    return {"networks": [str(n) for n in peer.networks or ()]}


def _tier_port_json(port: TierPort) -> dict[str, Any]:
    if port.name is not None:
        return {"namedPort": port.name}
    lo, hi = port.numeric_range() or (1, 65535)
    protocol = (port.protocol or Protocol.TCP).value
    if lo == hi:
        return {"portNumber": {"protocol": protocol, "port": lo}}
    return {"portRange": {"protocol": protocol, "start": lo, "end": hi}}


def admin_policy_json(policy: TierPolicy) -> dict[str, Any]:
    """An AdminNetworkPolicy or BaselineAdminNetworkPolicy (``policy.networking.k8s.io/v1alpha1``)
    as a manifest."""
    subject = policy.subject
    if subject.namespaces is not None:
        subject_json: dict[str, Any] = {"namespaces": selector_json(subject.namespaces)}
    else:
        subject_json = {
            "pods": {
                "namespaceSelector": selector_json(subject.pod_namespaces or EVERYTHING),
                "podSelector": selector_json(subject.pods or EVERYTHING),
            }
        }
    spec: dict[str, Any] = {"subject": subject_json}
    if policy.priority is not None:
        spec = {"priority": policy.priority, **spec}
    for direction, rules in ((Direction.INGRESS, policy.ingress), (Direction.EGRESS, policy.egress)):
        if not rules:
            continue
        key = "from" if direction is Direction.INGRESS else "to"
        spec[direction.value.lower()] = [
            {
                "name": r.name,
                "action": r.action.value,
                key: [_tier_peer_json(p) for p in r.peers],
                **({"ports": [_tier_port_json(p) for p in r.ports]} if r.ports is not None else {}),
            }
            for r in rules
        ]
    return {
        "apiVersion": "policy.networking.k8s.io/v1alpha1",
        "kind": policy.kind,
        "metadata": {"name": policy.name},
        "spec": spec,
    }


# --- selectors, peers and ports ----------------------------------------------------------------


def negate(req: Requirement) -> Requirement:
    """The requirement that holds exactly where ``req`` does not."""
    flipped = {
        Operator.IN: Operator.NOT_IN,
        Operator.NOT_IN: Operator.IN,
        Operator.EXISTS: Operator.DOES_NOT_EXIST,
        Operator.DOES_NOT_EXIST: Operator.EXISTS,
    }[req.operator]
    return req.model_copy(update={"operator": flipped})


def with_requirement(selector: LabelSelector | None, req: Requirement) -> LabelSelector:
    """``selector`` AND ``req`` (an ``In`` of one value on a new key as a matchLabels pair)."""
    base = selector or EVERYTHING
    labels = dict(base.match_labels)
    if req.operator is Operator.IN and len(req.values) == 1 and req.key not in labels:
        labels[req.key] = req.values[0]
        return LabelSelector(
            match_labels=tuple(sorted(labels.items())), match_expressions=base.match_expressions
        )
    return LabelSelector(match_labels=base.match_labels, match_expressions=(*base.match_expressions, req))


def _selector_ops(path: str, old: LabelSelector | None, new: LabelSelector) -> list[PatchOp]:
    """The JSON Patch that turns ``old`` (None: absent) into ``new``, which only adds to it."""
    if old is None:
        return [PatchOp(op="add", path=path, value=selector_json(new))]
    ops = []
    had = dict(old.match_labels)
    added = {k: v for k, v in new.match_labels if k not in had}
    if added and not had:
        ops.append(PatchOp(op="add", path=path + "/matchLabels", value=added))
    else:
        ops.extend(
            PatchOp(op="add", path=path + pointer("matchLabels", k), value=v) for k, v in added.items()
        )
    exprs = new.match_expressions[len(old.match_expressions) :]
    if exprs and not old.match_expressions:
        ops.append(
            PatchOp(op="add", path=path + "/matchExpressions", value=[requirement_json(r) for r in exprs])
        )
    else:
        ops.extend(
            PatchOp(op="add", path=path + "/matchExpressions/-", value=requirement_json(r)) for r in exprs
        )
    return ops


def _satisfiable(selector: LabelSelector | None) -> bool:
    return selector is None or selector.may_match({})


def peer_terms(peer: Peer) -> int:
    """Selector terms of a peer (at least 1), or an ipBlock's CIDR and excepts."""
    if peer.ip_block is not None:
        return 1 + len(peer.ip_block.except_)
    count = sum(len(s.requirements()) for s in (peer.namespace_selector, peer.pod_selector) if s is not None)
    return max(count, 1)


def _rule_terms(rule: Rule) -> int:
    return sum(peer_terms(p) for p in rule.peers or ()) + len(rule.ports or ())


def _ports_text(ports: Sequence[PolicyPort] | None) -> str:
    return "every port" if ports is None else ", ".join(str(p) for p in ports)


def _peers_text(peers: Sequence[Peer] | None) -> str:
    return "every peer" if peers is None else "; ".join(str(p) for p in peers)


def restrict_ports(
    ports: tuple[PolicyPort, ...] | None, remove: tuple[PolicyPort, ...] | None
) -> tuple[PolicyPort, ...] | None:
    """``ports`` without the numeric ports of ``remove`` (named entries are kept); None when
    nothing changes or nothing would be left."""
    if remove is None:
        return None
    cut: dict[Protocol, IntervalSet] = {}
    for p in remove:
        rng = p.numeric_range()
        if rng is not None:
            cut[p.protocol] = cut.get(p.protocol, IntervalSet()).union(IntervalSet.of([rng]))
    if not cut:
        return None
    entries = ports if ports is not None else tuple(PolicyPort(protocol=p) for p in Protocol)
    out: list[PolicyPort] = []
    for entry in entries:
        rng = entry.numeric_range()
        if rng is None or entry.protocol not in cut:
            out.append(entry)
            continue
        rest = IntervalSet.of([rng]).difference(cut[entry.protocol])
        if rest == IntervalSet.of([rng]):
            out.append(entry)
            continue
        for lo, hi in rest:
            if (lo, hi) == (1, 65535):
                out.append(PolicyPort(protocol=entry.protocol))
            else:
                out.append(PolicyPort(protocol=entry.protocol, port=lo, end_port=hi if hi != lo else None))
    if not out or tuple(out) == entries:
        return None
    return tuple(out)


def except_candidates(block: IPBlock, ip: IPAddress | None, *, exact: bool = True) -> list[IPNetwork]:
    """Excepts that take ``ip`` out of ``block``: its /32 (/128) when ``exact`` (the address
    is the endpoint's own, not a representative of free ones), and the largest aligned block
    around it that ``block`` matches entirely (smaller than the cidr)."""
    if ip is None or not block.contains(ip):
        return []
    bits = 32 if ip.version == 4 else 128
    host = ipaddress.ip_network(f"{ip}/{bits}")
    matched = block.ranges()
    best: IPNetwork = host
    for prefix in range(bits - 1, block.cidr.prefixlen, -1):
        net = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
        if not IntervalSet.of([network_range(net)]).issubset(matched):
            break
        best = net
    if best == host:
        return [host]
    return [host, best] if exact else [best]


Term = tuple[str, Requirement]  # ("ns" | "pod", requirement)


def complement_literals(peers: tuple[SpecPeer, ...] | None, *, limit: int = 4) -> list[tuple[Term, ...]]:
    """Conjunctions of namespace/pod requirements whose union is the pods *outside* every
    pod peer of ``peers`` (the complement of one side of a scope), in disjunctive normal
    form, smallest first; [] when it cannot be written with selectors (no side, a ``pod:``
    peer, a peer that is every pod)."""
    if peers is None:
        return []
    choices: list[list[Term]] = []
    for sp in peers:
        if sp.ip_block is not None:
            continue  # names external addresses only: every pod is outside it
        if sp.pod is not None:
            return []
        options: list[Term] = []
        if sp.namespace is not None:
            options.append(
                (
                    "ns",
                    Requirement(key=NAMESPACE_NAME_LABEL, operator=Operator.NOT_IN, values=(sp.namespace,)),
                )
            )
        for where, sel in (("ns", sp.namespace_selector), ("pod", sp.pod_selector)):
            options.extend((where, negate(r)) for r in (sel or EVERYTHING).requirements())
        if not options:
            return []
        choices.append(options)
    if not choices:
        return []
    out: list[tuple[Term, ...]] = []
    for combo in itertools.product(*choices):
        unique = tuple(dict.fromkeys(combo))
        if unique not in out:
            out.append(unique)
        if len(out) >= limit:
            break
    return sorted(out, key=len)


def narrowed_peers(policy_namespace: str, peer: Peer, literals: Sequence[Term]) -> list[Peer]:
    """``peer`` AND the literals. A peer without namespaceSelector (the policy's namespace)
    that gets namespace requirements is written two ways: with them alone, and pinned to its
    namespace as well (only the second is a narrowing; the proof decides which is in scope)."""
    pod = peer.pod_selector
    ns_reqs = [r for where, r in literals if where == "ns"]
    for where, r in literals:
        if where == "pod":
            pod = with_requirement(pod, r)
    if not ns_reqs:
        return [peer.model_copy(update={"pod_selector": pod})]
    variants: list[LabelSelector | None] = []
    if peer.namespace_selector is None:
        bases: list[LabelSelector | None] = [
            None,
            LabelSelector(match_labels=((NAMESPACE_NAME_LABEL, policy_namespace),)),
        ]
    else:
        bases = [peer.namespace_selector]
    for base in bases:
        ns = base
        for r in ns_reqs:
            ns = with_requirement(ns, r)
        variants.append(ns)
    out = []
    for ns in variants:
        if pod is None and ns is not None and peer.pod_selector is None:
            out.append(Peer(namespace_selector=ns))
        else:
            out.append(Peer(namespace_selector=ns, pod_selector=pod))
    return out


def label_literals(peer: Peer, other: Endpoint, *, limit: int = 2) -> list[Term]:
    """Requirements that leave out the counterexample's own labels: ``key NotIn [value]`` on
    the peer's podSelector for the pod's labels, and on its namespaceSelector (when it has
    one) for the namespace's, on keys the selector does not constrain yet."""
    if not other.is_pod:
        return []
    out: list[Term] = []
    pod_keys = {r.key for r in (peer.pod_selector or EVERYTHING).requirements()}
    for key, value in sorted(other.labels.items())[:limit]:
        if key not in pod_keys:
            out.append(("pod", Requirement(key=key, operator=Operator.NOT_IN, values=(value,))))
    if peer.namespace_selector is not None:
        ns_keys = {r.key for r in peer.namespace_selector.requirements()}
        picked = 0
        for key, value in sorted(other.namespace_labels.items()):
            if key not in ns_keys and picked < limit:
                out.append(("ns", Requirement(key=key, operator=Operator.NOT_IN, values=(value,))))
                picked += 1
    return out


# --- the search state --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Node:
    """A patched cluster and the edits that made it; ``flow`` is its counterexample (for
    ``reachable``: a denied flow of the scope), ``in_scope`` whether its diff outside the
    scope was proved empty."""

    cluster: Cluster
    edits: tuple[FixEdit, ...]
    flow: Flow | None = None
    in_scope: bool = True


@dataclass(frozen=True)
class _Context:
    original: Cluster
    prop: Property
    options: AnalysisOptions
    universe: Universe
    tier: str | None
    #: What the search noticed that explains a missing fix (`_HINTS` keys).
    seen: set[str] = field(default_factory=set)


_HINTS = {
    "ipblock-pods": "a counterexample gets in through an ipBlock that also matches pod IPs (--ipblock-pods): "
    "an except or a removal that keeps those pods out keeps external addresses out as well, and the "
    "property's scope does not cover them",
    "not-isolated": "a counterexample is allowed on a side no NetworkPolicy isolates (or the Admin tier "
    "decides): no rule edit denies it",
    "admin": "an AdminNetworkPolicy can deny exactly the property's scope: try --tier admin",
    "tiers": "the Admin tier decides a counterexample: NetworkPolicy edits cannot change it",
}


def _signature(cluster: Cluster) -> tuple[object, ...]:
    return (cluster.policies, cluster.tier_policies)


def _policy(cluster: Cluster, key: str) -> NetworkPolicy | None:
    return next((p for p in cluster.policies if p.key == key), None)


def _replace_policy(cluster: Cluster, policy: NetworkPolicy) -> Cluster:
    found = any(p.key == policy.key for p in cluster.policies)
    policies = (
        tuple(policy if p.key == policy.key else p for p in cluster.policies)
        if found
        else (*cluster.policies, policy)
    )
    return cluster.model_copy(update={"policies": policies})


def _with_rules(policy: NetworkPolicy, direction: Direction, rules: Sequence[Rule]) -> NetworkPolicy:
    placed = tuple(r.model_copy(update={"index": i}) for i, r in enumerate(rules))
    field = "ingress" if direction is Direction.INGRESS else "egress"
    return policy.model_copy(update={field: placed})


def _rule_name(policy: NetworkPolicy, rule: Rule) -> str:
    return f"{policy.key} {rule.direction.value.lower()}[{rule.index}]"


def _rule_path(rule: Rule, *rest: object) -> str:
    return pointer("spec", rule.direction.value.lower(), rule.index, *rest)


def _peers_key(rule: Rule) -> str:
    return "from" if rule.direction is Direction.INGRESS else "to"


def _edit(
    kind: EditKind,
    policy: NetworkPolicy,
    description: str,
    ops: Sequence[PatchOp],
    *,
    rule: Rule | None = None,
    terms: int = 1,
) -> FixEdit:
    return FixEdit(
        kind=kind,
        description=description,
        object_kind="NetworkPolicy",
        namespace=policy.namespace,
        name=policy.name,
        location=policy.manifest_location,
        rule_location=rule.location if rule is not None else _UNKNOWN,
        patch=tuple(ops),
        rule=_rule_name(policy, rule) if rule is not None else policy.key,
        terms=terms,
    )


def _keep_types(policy: NetworkPolicy, new: NetworkPolicy) -> tuple[NetworkPolicy, list[PatchOp]]:
    """When an edit empties ``spec.egress`` of a policy whose policyTypes the manifest does
    not spell, Egress would no longer be defaulted: write policyTypes out (same meaning)."""
    if (
        Direction.EGRESS in policy.policy_types
        and policy.egress
        and not new.egress
        and policy.policy_types_written != "list"
    ):
        ops = [PatchOp(op="add", path="/spec/policyTypes", value=_types_json(policy.policy_types))]
        return new.model_copy(update={"policy_types_written": "list"}), ops
    return new, []


# --- candidate edits -----------------------------------------------------------------------------------


Candidate = tuple[Cluster, tuple[FixEdit, ...]]


def _set_peers(cluster: Cluster, policy: NetworkPolicy, rule: Rule, peers: Sequence[Peer]) -> Cluster:
    rules = list(policy.rules(rule.direction))
    rules[rule.index] = rule.model_copy(update={"peers": tuple(peers)})
    return _replace_policy(cluster, _with_rules(policy, rule.direction, rules))


def _rule_candidates(
    ctx: _Context, cluster: Cluster, policy: NetworkPolicy, rule: Rule, other: Endpoint
) -> Iterator[Candidate]:
    """Edits of one rule that allows a counterexample of a deny property, ``other`` being the
    counterexample's endpoint the rule's peers are matched against."""
    name = _rule_name(policy, rule)
    peers = rule.peers or ()
    key = _peers_key(rule)
    ipblock_pods = ctx.options.ipblock_pods
    matching = [
        j for j, p in enumerate(peers) if p.matches(policy.namespace, other, ipblock_pods=ipblock_pods)
    ]
    scope_side = ctx.prop.sources if rule.direction is Direction.INGRESS else ctx.prop.destinations
    complements = complement_literals(scope_side)

    for j in matching:
        peer = peers[j]
        if len(peers) >= 2:
            rest = [p for i, p in enumerate(peers) if i != j]
            yield (
                _set_peers(cluster, policy, rule, rest),
                (
                    _edit(
                        EditKind.REMOVE_PEER,
                        policy,
                        f"remove peer `{peer}` from {name}",
                        [PatchOp(op="remove", path=_rule_path(rule, key, j))],
                        rule=rule,
                        terms=peer_terms(peer),
                    ),
                ),
            )
        if peer.ip_block is not None:
            block = peer.ip_block
            exact = other.kind is not EndpointKind.NEW_POD and other.ip_range is None
            for net in except_candidates(block, other.ip, exact=exact):
                new_block = IPBlock.model_validate({"cidr": block.cidr, "except": (*block.except_, net)})
                path = _rule_path(rule, key, j, "ipBlock", "except")
                op = (
                    PatchOp(op="add", path=path + "/-", value=str(net))
                    if block.except_
                    else PatchOp(op="add", path=path, value=[str(net)])
                )
                new_peers = [*peers[:j], Peer(ip_block=new_block), *peers[j + 1 :]]
                yield (
                    _set_peers(cluster, policy, rule, new_peers),
                    (
                        _edit(
                            EditKind.EXCEPT_ADDRESSES,
                            policy,
                            f"add except {net} to peer `ipBlock {block}` of {name}",
                            [op],
                            rule=rule,
                        ),
                    ),
                )
            continue
        narrowings = [
            (lits, new)
            for lits in [*complements, *((lit,) for lit in label_literals(peer, other))]
            for new in narrowed_peers(policy.namespace, peer, lits)
        ]
        for lits, new in narrowings:
            if (
                new == peer
                or not _satisfiable(new.namespace_selector)
                or not _satisfiable(new.pod_selector)
                or new.matches(policy.namespace, other, ipblock_pods=ipblock_pods)
            ):
                continue
            base = _rule_path(rule, key, j)
            ops = []
            if new.namespace_selector != peer.namespace_selector:
                assert new.namespace_selector is not None
                if peer.namespace_selector is None:
                    ops.append(
                        PatchOp(
                            op="add",
                            path=base + "/namespaceSelector",
                            value=selector_json(new.namespace_selector),
                        )
                    )
                else:
                    ops += _selector_ops(
                        base + "/namespaceSelector", peer.namespace_selector, new.namespace_selector
                    )
            if new.pod_selector != peer.pod_selector:
                assert new.pod_selector is not None
                ops += _selector_ops(base + "/podSelector", peer.pod_selector, new.pod_selector)
            added = ", ".join(
                f"{'namespaceSelector' if where == 'ns' else 'podSelector'} {LabelSelector(match_expressions=(r,))}"
                for where, r in lits
            )
            pinned = (
                f" (in namespace {policy.namespace} only)"
                if peer.namespace_selector is None
                and new.namespace_selector is not None
                and dict(new.namespace_selector.match_labels).get(NAMESPACE_NAME_LABEL) == policy.namespace
                else ""
            )
            terms = peer_terms(new) - peer_terms(peer) if peer_terms(new) > peer_terms(peer) else len(lits)
            yield (
                _set_peers(cluster, policy, rule, [*peers[:j], new, *peers[j + 1 :]]),
                (
                    _edit(
                        EditKind.NARROW_PEER,
                        policy,
                        f"narrow peer `{peer}` of {name}: add {added}{pinned}",
                        ops,
                        rule=rule,
                        terms=max(terms, 1),
                    ),
                ),
            )

    if rule.peers is None and complements:
        # "from everyone": name everyone but the scope (external addresses too, unless
        # ipBlocks also match pod IPs, which would let the scope back in)
        everyone_else: list[Peer] = []
        for lits in complements:
            everyone_else.extend(
                narrowed_peers(policy.namespace, Peer(namespace_selector=EVERYTHING), lits)[:1]
            )
        if not ipblock_pods:
            for cidr in ("0.0.0.0/0", "::/0"):
                everyone_else.append(
                    Peer(ip_block=IPBlock.model_validate({"cidr": ipaddress.ip_network(cidr)}))
                )
        yield (
            _set_peers(cluster, policy, rule, everyone_else),
            (
                _edit(
                    EditKind.NARROW_PEER,
                    policy,
                    f"narrow {name} from every peer to {_peers_text(everyone_else)}",
                    [
                        PatchOp(
                            op="add", path=_rule_path(rule, key), value=[peer_json(p) for p in everyone_else]
                        )
                    ],
                    rule=rule,
                    terms=sum(peer_terms(p) for p in everyone_else),
                ),
            ),
        )

    restricted = restrict_ports(rule.ports, ctx.prop.ports)
    if restricted is not None:
        rules = list(policy.rules(rule.direction))
        rules[rule.index] = rule.model_copy(update={"ports": restricted})
        changed = len(set(restricted) ^ set(rule.ports or ()))
        yield (
            _replace_policy(cluster, _with_rules(policy, rule.direction, rules)),
            (
                _edit(
                    EditKind.RESTRICT_PORTS,
                    policy,
                    f"restrict the ports of {name} from {_ports_text(rule.ports)} to {_ports_text(restricted)}",
                    [
                        PatchOp(
                            op="replace" if rule.ports is not None else "add",
                            path=_rule_path(rule, "ports"),
                            value=[port_json(p) for p in restricted],
                        )
                    ],
                    rule=rule,
                    terms=changed,
                ),
            ),
        )
        if matching and len(matching) < len(peers):
            moved = [peers[j] for j in matching]
            kept = [p for j, p in enumerate(peers) if j not in matching]
            split = Rule(direction=rule.direction, index=rule.index + 1, peers=tuple(moved), ports=restricted)
            rules = list(policy.rules(rule.direction))
            rules[rule.index] = rule.model_copy(update={"peers": tuple(kept)})
            rules.insert(rule.index + 1, split)
            ops = [
                PatchOp(op="remove", path=_rule_path(rule, key, j)) for j in sorted(matching, reverse=True)
            ]
            ops.append(
                PatchOp(
                    op="add",
                    path=pointer("spec", rule.direction.value.lower(), rule.index + 1),
                    value=rule_json(split),
                )
            )
            yield (
                _replace_policy(cluster, _with_rules(policy, rule.direction, rules)),
                (
                    _edit(
                        EditKind.SPLIT_RULE,
                        policy,
                        f"split {name}: peer(s) `{_peers_text(moved)}` get a rule of their own on "
                        f"{_ports_text(restricted)}",
                        ops,
                        rule=rule,
                        terms=1 + sum(peer_terms(p) for p in moved) + len(restricted),
                    ),
                ),
            )

    rules = [r for r in policy.rules(rule.direction) if r.index != rule.index]
    new_policy, extra = _keep_types(policy, _with_rules(policy, rule.direction, rules))
    yield (
        _replace_policy(cluster, new_policy),
        (
            _edit(
                EditKind.REMOVE_RULE,
                policy,
                f"remove {name} (peers {_peers_text(rule.peers)}; ports {_ports_text(rule.ports)})",
                [PatchOp(op="remove", path=_rule_path(rule)), *extra],
                rule=rule,
                terms=max(_rule_terms(rule), 1),
            ),
        ),
    )


def _deny_candidates(ctx: _Context, node: _Node, flow: Flow) -> Iterator[Candidate]:
    cluster = node.cluster
    decision = decide(cluster, flow, ipblock_pods=ctx.options.ipblock_pods)
    sides = ((decision.egress, flow.destination), (decision.ingress, flow.source))
    if not any(side is not None and side.isolated for side, _ in sides):
        ctx.seen.add("not-isolated")
    for side, other in sides:
        if side is None or not side.isolated:
            continue
        if side.decided_in != "networkpolicy":
            ctx.seen.add("tiers")
            continue
        for ref in side.allowed_by:
            policy = _policy(cluster, ref.policy)
            if policy is None or ref.index is None:
                continue
            rule = policy.rules(side.direction)[ref.index]
            if other.is_pod and any(
                p.ip_block is not None
                and p.matches(policy.namespace, other, ipblock_pods=ctx.options.ipblock_pods)
                for p in rule.peers or ()
            ):
                ctx.seen.add("ipblock-pods")
            for candidate in _rule_candidates(ctx, cluster, policy, rule, other):
                if _deny_progress(ctx, decision, side, candidate[0], flow):
                    yield candidate


def _deny_progress(
    ctx: _Context, before: Decision, side: DirectionDecision, cluster: Cluster, flow: Flow
) -> bool:
    """The edit denies the flow, or takes away one of the rules that allowed it on ``side``."""
    after = decide(cluster, flow, ipblock_pods=ctx.options.ipblock_pods)
    if not after.allowed:
        return True
    now = after.ingress if side.direction is Direction.INGRESS else after.egress
    return now is not None and len(now.allowed_by) < len(side.allowed_by)


# --- allow and reachable: the rule the property states ---------------------------------------------


def policy_peers(
    spec: tuple[SpecPeer, ...] | None, namespace: str, cluster: Cluster
) -> tuple[Peer, ...] | bool | None:
    """A property side as NetworkPolicy peers of a policy in ``namespace``: None = every peer
    (no side); False when a ``pod:`` peer names a pod the input lacks."""
    if spec is None:
        return None
    out: list[Peer] = []
    for sp in spec:
        if sp.ip_block is not None:
            out.append(Peer(ip_block=sp.ip_block))
            continue
        ns, ns_sel, pod_sel = sp.namespace, sp.namespace_selector, sp.pod_selector
        if sp.pod is not None:
            pod = next((p for p in cluster.pods if p.key == sp.pod), None)
            if pod is None:
                return False
            ns = pod.namespace
            pod_sel = LabelSelector(match_labels=tuple(sorted(pod.labels.items())))
        if ns is not None and ns_sel is None and ns == namespace:
            out.append(Peer(pod_selector=pod_sel or EVERYTHING))
        elif ns is not None:
            name_req = Requirement(key=NAMESPACE_NAME_LABEL, operator=Operator.IN, values=(ns,))
            out.append(Peer(namespace_selector=with_requirement(ns_sel, name_req), pod_selector=pod_sel))
        else:
            out.append(Peer(namespace_selector=ns_sel or EVERYTHING, pod_selector=pod_sel))
    return tuple(out)


def _name(prefix: str, prop: Property, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9-]+", "-", f"{prefix}-{prop.name}".lower()).strip("-")[:60].rstrip("-")
    name, i = base, 2
    while name in taken:
        name, i = f"{base}-{i}", i + 1
    return name


def _new_object_file(cluster: Cluster, namespace: str | None = None) -> Location:
    """Where a new object goes: the file of a policy of ``namespace``, else of any policy."""
    readable = [p for p in cluster.policies if p.manifest_location.line]
    same = [p for p in readable if p.namespace == namespace]
    for p in same or readable:
        return Location(p.manifest_location.file)
    return _UNKNOWN


def _allow_candidates(ctx: _Context, node: _Node, flow: Flow) -> Iterator[Candidate]:
    cluster = node.cluster
    prop = ctx.prop
    decision = decide(cluster, flow, ipblock_pods=ctx.options.ipblock_pods)
    for side in (decision.egress, decision.ingress):
        if side is None or side.allowed:
            continue
        ingress = side.direction is Direction.INGRESS
        endpoint, other = (flow.destination, flow.source) if ingress else (flow.source, flow.destination)
        spec = prop.sources if ingress else prop.destinations
        if side.isolated and side.decided_in == "networkpolicy":
            for ref in side.policies:
                policy = _policy(cluster, ref.policy)
                if policy is None:
                    continue
                peers = policy_peers(spec, policy.namespace, cluster)
                if peers is False or peers is True:
                    continue
                rules = policy.rules(side.direction)
                new_rule = Rule(direction=side.direction, index=len(rules), peers=peers, ports=prop.ports)
                if not _rule_matches(new_rule, policy.namespace, other, flow, ctx.options.ipblock_pods):
                    continue
                path = pointer("spec", side.direction.value.lower())
                op = (
                    PatchOp(op="add", path=path + "/-", value=rule_json(new_rule))
                    if rules
                    else PatchOp(op="add", path=path, value=[rule_json(new_rule)])
                )
                new_policy = _with_rules(policy, side.direction, [*rules, new_rule])
                word = "from" if ingress else "to"
                yield (
                    _replace_policy(cluster, new_policy),
                    (
                        _edit(
                            EditKind.ADD_RULE,
                            policy,
                            f"add a {side.direction.value.lower()} rule to {policy.key}: {word} "
                            f"{_peers_text(peers)}, on {_ports_text(prop.ports)}",
                            [op],
                            rule=new_rule,
                            terms=1 + max(_rule_terms(new_rule), 1),
                        ),
                    ),
                )
        elif not side.isolated and side.decided_in == "baseline" and endpoint.namespace is not None:
            yield from _new_policy(ctx, cluster, side.direction, endpoint, other, flow)


def _rule_matches(rule: Rule, namespace: str, other: Endpoint, flow: Flow, ipblock_pods: bool) -> bool:
    peer_ok = rule.peers is None or any(
        p.matches(namespace, other, ipblock_pods=ipblock_pods) for p in rule.peers
    )
    port_ok = rule.ports is None or any(
        p.matches(flow.port, flow.protocol, flow.destination) for p in rule.ports
    )
    return peer_ok and port_ok


def _new_policy(
    ctx: _Context, cluster: Cluster, direction: Direction, endpoint: Endpoint, other: Endpoint, flow: Flow
) -> Iterator[Candidate]:
    """A NetworkPolicy selecting the pod (as the property's side names it) with the rule."""
    prop = ctx.prop
    namespace = endpoint.namespace
    assert namespace is not None
    ingress = direction is Direction.INGRESS
    own = prop.destinations if ingress else prop.sources
    containing = [sp for sp in own or () if sp.contains(endpoint)]
    selector = EVERYTHING
    if containing and containing[0].pod_selector is not None:
        selector = containing[0].pod_selector
    peers = policy_peers(prop.sources if ingress else prop.destinations, namespace, cluster)
    if peers is False or peers is True:
        return
    taken = {p.name for p in cluster.policies if p.namespace == namespace}
    rule = Rule(direction=direction, index=0, peers=peers, ports=prop.ports)
    policy = NetworkPolicy(
        namespace=namespace,
        name=_name("netverify-fix", prop, taken),
        pod_selector=selector,
        policy_types=frozenset({direction}),
        ingress=(rule,) if ingress else (),
        egress=() if ingress else (rule,),
        policy_types_written="list",
    )
    if not _rule_matches(rule, namespace, other, flow, ctx.options.ipblock_pods):
        return
    edit = FixEdit(
        kind=EditKind.NEW_POLICY,
        description=f"new NetworkPolicy {policy.key} selecting {selector} with one "
        f"{direction.value.lower()} rule: {_peers_text(peers)}, on {_ports_text(prop.ports)}",
        object_kind="NetworkPolicy",
        namespace=namespace,
        name=policy.name,
        location=_new_object_file(cluster, namespace),
        patch=(PatchOp(op="add", path="", value=policy_json(policy)),),
        new_object=True,
        rule=f"{policy.key} {direction.value.lower()}[0]",
        terms=len(selector.requirements()) + max(_rule_terms(rule), 1),
    )
    yield _replace_policy(cluster, policy), (edit,)


# --- the Admin tier: a Deny for exactly the scope --------------------------------------------------


def _tier_selectors(sp: SpecPeer, cluster: Cluster) -> TierPeer | None:
    """A pod peer of a property as a tier peer (namespaces, or pods in namespaces)."""
    if sp.ip_block is not None:
        return None
    ns_sel, pod_sel = sp.namespace_selector, sp.pod_selector
    namespace = sp.namespace
    if sp.pod is not None:
        pod = next((p for p in cluster.pods if p.key == sp.pod), None)
        if pod is None:
            return None
        namespace = pod.namespace
        pod_sel = LabelSelector(match_labels=tuple(sorted(pod.labels.items())))
    if namespace is not None:
        ns_sel = with_requirement(
            ns_sel, Requirement(key=NAMESPACE_NAME_LABEL, operator=Operator.IN, values=(namespace,))
        )
    if pod_sel is None:
        return TierPeer(namespaces=ns_sel or EVERYTHING)
    return TierPeer(pod_namespaces=ns_sel or EVERYTHING, pods=pod_sel)


def _tier_ports(ports: tuple[PolicyPort, ...] | None) -> tuple[TierPort, ...] | None:
    if ports is None:
        return None
    out = []
    for p in ports:
        if isinstance(p.port, str):
            out.append(TierPort(protocol=None, name=p.port))
        else:
            lo, hi = p.numeric_range() or (1, 65535)
            out.append(TierPort(protocol=p.protocol, first=lo, last=hi))
    return tuple(out)


def free_priority(cluster: Cluster) -> int:
    """A priority no Admin-tier policy has, ahead of all of them when there is room."""
    used = {p.priority for p in cluster.tier_policies if p.tier is Tier.ADMIN and p.priority is not None}
    if not used:
        return 0
    if min(used) > 0:
        return min(used) - 1
    return next(i for i in itertools.count() if i not in used)


def _admin_deny(ctx: _Context, cluster: Cluster) -> Candidate | None:
    """AdminNetworkPolicies (one per destination peer, or per source peer for external
    destinations) with one Deny rule for exactly the property's scope, when the tier API can
    state it."""
    prop = ctx.prop
    sources, destinations = prop.sources, prop.destinations
    ports = _tier_ports(prop.ports)
    pod_dst = destinations is None or all(sp.ip_block is None for sp in destinations)
    if pod_dst:
        subjects = [_tier_selectors(sp, cluster) for sp in destinations or ()] or [
            TierPeer(namespaces=EVERYTHING)
        ]
        if sources is None:
            peers: list[TierPeer | None] = [TierPeer(namespaces=EVERYTHING)]
        else:
            peers = [_tier_selectors(sp, cluster) for sp in sources]
        direction = Direction.INGRESS
    elif (
        sources is not None
        and destinations is not None
        and all(sp.ip_block is not None for sp in destinations)
    ):
        subjects = [_tier_selectors(sp, cluster) for sp in sources]
        blocks = IntervalSet.of(
            r for sp in destinations if sp.ip_block is not None for r in sp.ip_block.ranges()
        )
        nets = [n for lo, hi in blocks for n in ipaddress.summarize_address_range(*_ends(lo, hi))]
        if len(nets) > 25:
            return None
        peers = [TierPeer(networks=tuple(nets))]
        direction = Direction.EGRESS
    else:
        return None
    if any(s is None for s in subjects) or any(p is None for p in peers):
        return None
    priority = free_priority(cluster)
    taken = {p.name for p in cluster.tier_policies}
    policies = []
    edits = []
    where = _new_object_file(cluster)
    for subject_peer in subjects:
        assert subject_peer is not None
        subject = (
            TierSubject(namespaces=subject_peer.namespaces)
            if subject_peer.namespaces is not None
            else TierSubject(pod_namespaces=subject_peer.pod_namespaces, pods=subject_peer.pods)
        )
        name = _name("netverify-fix", prop, taken)
        taken.add(name)
        rule = TierRule(
            direction=direction,
            index=0,
            name=_name("deny", prop, set())[:100],
            action=Action.DENY,
            action_written=Action.DENY.value,
            peers=tuple(p for p in peers if p is not None),
            ports=ports,
        )
        anp = TierPolicy(
            kind="AdminNetworkPolicy",
            name=name,
            tier=Tier.ADMIN,
            priority=priority,
            subject=subject,
            ingress=(rule,) if direction is Direction.INGRESS else (),
            egress=(rule,) if direction is Direction.EGRESS else (),
        )
        policies.append(anp)
        word = "from" if direction is Direction.INGRESS else "to"
        edits.append(
            FixEdit(
                kind=EditKind.ADMIN_DENY,
                description=f"new AdminNetworkPolicy {name} (priority {priority}): subject {subject}, "
                f"{direction.value.lower()} Deny {word} {'; '.join(str(p) for p in rule.peers)}"
                + (f" on {', '.join(str(p) for p in ports)}" if ports else ""),
                object_kind=ADMIN_NETWORK_POLICY,
                name=name,
                location=where,
                patch=(PatchOp(op="add", path="", value=admin_policy_json(anp)),),
                new_object=True,
                rule=f"{ADMIN_NETWORK_POLICY}/{name} {direction.value.lower()}[0]",
                terms=len(rule.peers) + len(ports or ()) + 1,
            )
        )
    patched = cluster.model_copy(update={"tier_policies": (*cluster.tier_policies, *policies)})
    return patched, tuple(edits)


def _ends(lo: int, hi: int) -> tuple[IPAddress, IPAddress]:
    return key_to_ip(lo), key_to_ip(hi)


# --- proofs ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Proof:
    result: PropertyResult
    added: RegionList
    removed: RegionList
    analysis: Analysis

    @property
    def outside(self) -> FixStatus:
        """What the diff outside the scope proved."""
        statuses = {self.added.status, self.removed.status}
        if self.added.regions or self.removed.regions or RegionStatus.TRUNCATED in statuses:
            return FixStatus.NOT_IN_SCOPE
        if RegionStatus.ERROR in statuses:
            return FixStatus.ERROR
        if statuses == {RegionStatus.COMPLETE}:
            return FixStatus.PROVED
        return FixStatus.UNKNOWN


def _prove(ctx: _Context, cluster: Cluster, max_regions: int) -> _Proof:
    """Re-check the property on ``cluster`` and diff it against the input outside the scope."""
    analysis = Analysis(cluster, ctx.options, [ctx.prop], old=ctx.original)
    result = analysis.prove(ctx.prop)
    added, removed = analysis.changes_outside([ctx.prop], max_regions=max_regions, universe=ctx.universe)
    return _Proof(result, added, removed, analysis)


def _denied_flow(analysis: Analysis, prop: Property) -> Flow | None:
    """A flow of a reachable property's scope that is denied (its allow form's counterexample)."""
    result = analysis.prove(prop.model_copy(update={"expect": Expect.ALLOW}))
    return result.flow if result.verdict is Verdict.VIOLATED else None


def _fix_of(node: _Node, proof: _Proof) -> Fix | None:
    """The candidate as a fix (None while the property is still violated)."""
    verdict = proof.result.verdict
    if verdict is Verdict.VIOLATED:
        return None
    rules = {e.rule for e in node.edits}
    terms = sum(e.terms for e in node.edits)
    if verdict is Verdict.HOLDS:
        status = proof.outside
        reason = {
            FixStatus.PROVED: "the property holds and nothing outside its scope changed (both proved)",
            FixStatus.NOT_IN_SCOPE: "the property holds, but flows outside its scope change",
            FixStatus.UNKNOWN: "the property holds; the diff outside its scope is inconclusive: "
            + (proof.added.reason or proof.removed.reason),
            FixStatus.ERROR: proof.added.reason or proof.removed.reason,
        }[status]
    else:
        status = FixStatus.UNKNOWN if verdict is Verdict.UNKNOWN else FixStatus.ERROR
        reason = f"re-check {verdict.value}: {proof.result.reason}"
    return Fix(
        status=status,
        edits=node.edits,
        rules_changed=len(rules),
        terms_changed=terms,
        verdict=verdict,
        outside_added=proof.added,
        outside_removed=proof.removed,
        reason=reason,
        patched=node.cluster,
    )


def _size(edits: Sequence[FixEdit]) -> tuple[int, int, tuple[int, ...], tuple[str, ...]]:
    rules = len({e.rule for e in edits})
    return (
        rules + sum(e.terms for e in edits),
        len(edits),
        tuple(_KIND_ORDER[e.kind] for e in edits),
        tuple(e.description for e in edits),
    )


_STATUS_ORDER = {FixStatus.PROVED: 0, FixStatus.NOT_IN_SCOPE: 1, FixStatus.UNKNOWN: 2, FixStatus.ERROR: 3}


def rank(fixes: Sequence[Fix]) -> list[Fix]:
    """Proved fixes first, then those that change flows outside the scope, then the rest;
    those that break no other property of the run first; each by size (rules + terms
    changed), then by number and kind of edits."""
    return sorted(fixes, key=lambda f: (_STATUS_ORDER[f.status], bool(f.breaks), *_size(f.edits)))


# --- the search ----------------------------------------------------------------------------------------


def _candidates(ctx: _Context, node: _Node, first: bool) -> Iterator[Candidate]:
    assert node.flow is not None
    if ctx.prop.expect is Expect.DENY:
        if first and ctx.tier == "admin":
            anp = _admin_deny(ctx, node.cluster)
            if anp is not None:
                yield anp
        yield from _deny_candidates(ctx, node, node.flow)
    else:
        yield from _allow_candidates(ctx, node, node.flow)


def fix_property(
    cluster: Cluster,
    prop: Property,
    options: AnalysisOptions,
    *,
    tier: str | None = None,
    max_edits: int = 3,
    max_candidates: int = MAX_CANDIDATES,
    max_regions: int = 5,
    beam: int = BEAM,
) -> PropertyFix:
    """Search and prove fixes for one property (module docstring)."""
    universe = options.universe_for(cluster.has_inventory, prop.universe)
    prop = prop.model_copy(update={"universe": universe})
    base = Analysis(cluster, options, [prop])
    first = base.prove(prop)
    flow = first.flow
    if prop.expect is Expect.REACHABLE:
        flow = _denied_flow(base, prop) if first.verdict is Verdict.VIOLATED else None
    out = PropertyFix(
        name=prop.name,
        expect=prop.expect,
        universe=universe,
        verdict=first.verdict,
        description=prop.description,
        flow=flow if first.verdict is Verdict.VIOLATED else None,
        reason=first.reason,
        location=prop.location,
    )
    if first.verdict is not Verdict.VIOLATED or flow is None:
        return out
    ctx = _Context(cluster, prop, options, universe, tier)
    seen = {_signature(cluster)}
    frontier = [_Node(cluster, (), flow)]
    fixes: list[Fix] = []
    evaluated = 0
    for depth in range(max_edits):
        children: list[tuple[bool, _Node]] = []
        for node in frontier:
            for patched, edits in _candidates(ctx, node, depth == 0):
                signature = _signature(patched)
                if signature in seen:
                    continue
                seen.add(signature)
                children.append((node.in_scope, _Node(patched, node.edits + edits)))
        children.sort(key=lambda c: (not c[0], *_size(c[1].edits)))
        inside: list[_Node] = []
        outside: list[_Node] = []
        for _, child in children:
            if evaluated >= max_candidates:
                break
            evaluated += 1
            proof = _prove(ctx, child.cluster, 0)
            found = _fix_of(child, proof)
            if found is not None:
                fixes.append(found)
                continue
            in_scope = proof.outside is FixStatus.PROVED
            next_flow = proof.result.flow
            if prop.expect is Expect.REACHABLE:
                next_flow = _denied_flow(proof.analysis, prop)
            if next_flow is None:
                continue
            opened = _Node(child.cluster, child.edits, next_flow, in_scope)
            (inside if in_scope else outside).append(opened)
        if evaluated >= max_candidates:
            break
        frontier = inside[:beam] + outside[: max(1, beam // 2)]
        best = min((f.size for f in fixes if f.proved), default=None)
        if best is not None:
            # an edit adds at least one term: only smaller fixes are worth another round
            frontier = [n for n in frontier if n.in_scope and _size(n.edits)[0] + 1 < best]
        if not frontier:
            break
    ranked = rank(fixes)
    hints: list[str] = []
    if not any(f.proved for f in ranked):
        # no fix stays inside the scope: the smallest ones, with their regions in full
        ranked = [_with_regions(ctx, f, max_regions) if i < 3 else f for i, f in enumerate(ranked)]
        hints = [_HINTS[k] for k in ("ipblock-pods", "not-isolated", "tiers") if k in ctx.seen]
        if prop.expect is Expect.DENY and tier is None:
            hints.append(_HINTS["admin"])
    return out.model_copy(update={"fixes": tuple(ranked), "candidates": evaluated, "hints": tuple(hints)})


def _with_regions(ctx: _Context, found: Fix, max_regions: int) -> Fix:
    if found.status is not FixStatus.NOT_IN_SCOPE or found.patched is None or max_regions < 1:
        return found
    proof = _prove(ctx, found.patched, max_regions)
    return found.model_copy(update={"outside_added": proof.added, "outside_removed": proof.removed})


def fix(
    cluster: Cluster,
    properties: Sequence[Property],
    options: AnalysisOptions,
    *,
    tier: str | None = None,
    max_edits: int = 3,
    max_candidates: int = MAX_CANDIDATES,
    max_regions: int = 5,
    warnings: Sequence[str] = (),
    only: Collection[str] | None = None,
) -> FixReport:
    """`fix_property` for every property, or for those named in ``only`` (those that hold are
    reported with no fix); each proved fix is also checked against every other property that
    holds on the input (`Fix.breaks`)."""
    start = time.perf_counter()
    targets = [p for p in properties if only is None or p.name in only]
    results = [
        fix_property(
            cluster,
            prop,
            options,
            tier=tier,
            max_edits=max_edits,
            max_candidates=max_candidates,
            max_regions=max_regions,
        )
        for prop in targets
    ]
    holding = [p for p, r in zip(targets, results, strict=True) if r.verdict is Verdict.HOLDS]
    rest = [p for p in properties if p not in targets]
    if rest and any(r.fixes for r in results):
        analysis = Analysis(cluster, options, rest)
        holding += [p for p in rest if analysis.prove(p).verdict is Verdict.HOLDS]
    for i, result in enumerate(results):
        others = [p for p in holding if p.name != result.name]
        if result.fixes and others:
            fixes = [
                f.model_copy(update={"breaks": _breaks(f, others, options)})
                if f.proved and n < MAX_RECHECKED
                else f
                for n, f in enumerate(result.fixes)
            ]
            results[i] = result.model_copy(update={"fixes": tuple(rank(fixes))})
    return FixReport(
        results=tuple(results), tier=tier, warnings=tuple(warnings), seconds=time.perf_counter() - start
    )


def _breaks(found: Fix, others: Sequence[Property], options: AnalysisOptions) -> tuple[str, ...]:
    """The properties of ``others`` that do not hold on the fix's patched cluster."""
    if found.patched is None:
        return ()
    analysis = Analysis(found.patched, options, others)
    verdicts = ((p.name, analysis.prove(p).verdict) for p in others)
    return tuple(f"{name} ({verdict.value})" for name, verdict in verdicts if verdict is not Verdict.HOLDS)


__all__ = [
    "MAX_CANDIDATES",
    "TIERS",
    "admin_policy_json",
    "complement_literals",
    "except_candidates",
    "fix",
    "fix_property",
    "free_priority",
    "negate",
    "peer_json",
    "policy_json",
    "policy_peers",
    "rank",
    "restrict_ports",
    "rule_json",
    "selector_json",
    "with_requirement",
]
