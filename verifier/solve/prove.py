"""Decide one property with Z3 and turn the answer into a `PropertyResult`.

- ``deny`` holds iff *scope ∧ allowed* is unsat; a model is a counterexample flow.
- ``allow`` holds iff *scope ∧ ¬allowed* is unsat; a model is a counterexample flow.
- ``reachable`` holds iff *scope ∧ allowed* is sat; the model is a witness flow.

With cluster-wide tier policies a flow's verdict may be left to the implementation (a
same-priority conflict, a ``domainNames`` peer): the encoding then has a may-allow and a
must-allow term (`verifier.encode.Verdicts`), and

- ``deny`` holds iff *scope ∧ may* is unsat; else it is violated iff *scope ∧ must* is sat
  (that model is the counterexample), else ``unknown`` with the first model's flow;
- ``allow`` holds iff *scope ∧ ¬must* is unsat; else violated iff *scope ∧ ¬may* is sat,
  else ``unknown``;
- ``reachable`` holds iff *scope ∧ must* is sat (the witness); else ``unknown`` if
  *scope ∧ may* is sat, else violated (proved).

An ``unknown`` of this kind carries the example flow and the oracle's reason (`Decision.
undecided`). Nothing holds unless Z3 answered unsat on the query that proves it.

Every decoded flow is replayed through the concrete oracle. The oracle also names the rules
involved (tier rules too, per side: `_explain` says which tier decided); if it ever
disagreed with Z3 the result is an ``error`` saying so, never a verdict.

A proof over an empty scope proves nothing: when no flow of the universe is in the scope
(a selector that matches no endpoint, ports no flow can have), the result is an ``error``
naming the empty side, never a vacuous ``holds`` (design.md §2).
"""

from __future__ import annotations

import z3

from verifier.encode import EncodedClass, Encoding
from verifier.model import Cluster, Direction, NetworkPolicy, TierPolicy, Universe
from verifier.oracle import decide
from verifier.results import Decision, DirectionDecision, Flow, PropertyResult, TierRuleRef, Verdict
from verifier.solve.decode import decode_flow
from verifier.solve.solver import Answer, Outcome, check, make_solver
from verifier.spec import Expect, Property, SpecPeer


def _class_in_peer(cluster: Cluster, cls: EncodedClass, peer: SpecPeer) -> bool:
    """Whether a property peer may contain the pods of a class (members agree on every
    mentioned label). Not `SpecPeer.contains`: a namespace the input only references *may*
    match a namespace selector, whatever labels it is shown with."""
    if peer.ip_block is not None:
        return False
    sample = cls.members[0]
    if peer.pod is not None and all(m.key != peer.pod for m in cls.members):
        return False
    if peer.namespace is not None and sample.namespace != peer.namespace:
        return False
    if peer.namespace_selector is not None and not cluster.namespace_may_match(
        sample.namespace, peer.namespace_selector
    ):
        return False
    return peer.pod_selector is None or peer.pod_selector.matches(sample.labels)


def _scoped_classes(
    cluster: Cluster, enc: Encoding, peers: tuple[SpecPeer, ...] | None
) -> list[EncodedClass]:
    classes = enc.inventory.classes
    if peers is None:
        return classes
    return [c for c in classes if any(_class_in_peer(cluster, c, p) for p in peers)]


def _selecting(cluster: Cluster, classes: list[EncodedClass], direction: Direction) -> list[NetworkPolicy]:
    """Policies of ``direction`` that select at least one of ``classes``."""
    by_ns: dict[str, list[EncodedClass]] = {}
    for c in classes:
        by_ns.setdefault(c.namespace, []).append(c)
    out = []
    for policy in cluster.policies:
        if not policy.affects(direction):
            continue
        if any(policy.selects(c.namespace, c.members[0].labels) for c in by_ns.get(policy.namespace, ())):
            out.append(policy)
    return out


def _tier_selecting(cluster: Cluster, classes: list[EncodedClass]) -> list[TierPolicy]:
    """Tier policies whose subject may select one of ``classes`` (a policy that selects no
    pod of the domain yields no match everywhere, which changes no level or tier)."""
    out = []
    for policy in cluster.tier_policies:
        s = policy.subject
        for c in classes:
            sample = c.members[0]
            ns_sel = s.namespaces if s.namespaces is not None else s.pod_namespaces
            if ns_sel is not None and not cluster.namespace_may_match(c.namespace, ns_sel):
                continue
            if s.namespaces is None and s.pods is not None and not s.pods.matches(sample.labels):
                continue
            out.append(policy)
            break
    return out


def _assumptions(flow: Flow) -> tuple[str, ...]:
    """What the counterexample assumed about namespaces the input does not declare."""
    out = []
    for end in (flow.source, flow.destination):
        if end.assumed_namespace_labels:
            labels = ",".join(f"{k}={v}" for k, v in sorted(end.namespace_labels.items()))
            out.append(
                f"namespace {end.namespace} is not in the input, so its labels are unknown: "
                f"this flow assumes {labels}"
            )
    return tuple(out)


def _network_policy_line(side: DirectionDecision) -> str:
    """The NetworkPolicy tier's verdict on one side, as `_explain` words it."""
    if not side.isolated:
        return f"not isolated (no policy selects the pod for {side.direction.value})"
    if side.allowed_by:
        return f"allowed by {', '.join(str(r) for r in side.allowed_by)}"
    names = ", ".join(str(r) for r in side.policies)
    return f"denied — isolated by {names}, and none of their rules matches"


def _rules_text(rules: list[TierRuleRef]) -> str:
    return ", ".join(str(r) for r in rules)


def _tier_line(side: DirectionDecision) -> str:
    """One side judged through the tiers: which tier decided, and by which rule(s)."""
    fired = list(side.tier_rules)
    admin = [r for r in fired if r.tier == "Admin"]
    baseline = [r for r in fired if r.tier == "Baseline"]
    verdict = "allowed" if side.allowed else "denied"
    if side.decided_in == "undecided":
        involved = f" (tier rules that fired: {_rules_text(fired)})" if fired else ""
        return f"undecided by the manifests — {side.undecided}{involved}"
    if side.decided_in == "admin":
        deciding = [r for r in admin if r.action != "Pass"] or admin
        return f"{verdict} by {_rules_text(deciding)}"
    passed = [r for r in admin if r.action == "Pass"]
    before = (
        f"the Admin tier passed it on ({_rules_text(passed)})" if passed else "no Admin tier rule matches"
    )
    if side.decided_in == "networkpolicy":
        return f"{_network_policy_line(side)} (the NetworkPolicy tier decided; {before})"
    if side.decided_in == "baseline":
        deciding = [r for r in baseline if r.action != "Pass"] or baseline
        return (
            f"{verdict} by {_rules_text(deciding)} (the Baseline tier decided; {before}, "
            "and no NetworkPolicy isolates the pod)"
        )
    base_passed = [r for r in baseline if r.action == "Pass"]
    after = (
        f"the Baseline tier passed it on ({_rules_text(base_passed)})"
        if base_passed
        else "no Baseline tier rule matches"
    )
    return f"allowed by default ({before}, no NetworkPolicy isolates the pod, {after})"


def _explain(decision: Decision) -> tuple[str, ...]:
    lines = []
    if decision.self_traffic:
        lines.append("a pod talking to itself is not subject to NetworkPolicy")
    for side, label in (
        (decision.egress, "egress at the source"),
        (decision.ingress, "ingress at the destination"),
    ):
        if side is None:
            lines.append(f"{label}: external endpoint, not governed by policy")
        elif side.verdicts:
            lines.append(f"{label}: {_tier_line(side)}")
        else:
            lines.append(f"{label}: {_network_policy_line(side)}")
    return tuple(lines)


def _side_text(peers: tuple[SpecPeer, ...]) -> str:
    return "; ".join(str(p) for p in peers)


def _empty_scope(enc: Encoding, prop: Property, timeout_s: float, rlimit: int) -> str | None:
    """Why no flow of ``enc``'s universe is in the scope of ``prop`` (None: some flow is, or
    the solver could not tell — then the verdict stands on its own)."""
    t = enc.t
    universe = enc.universe.value
    sides = (
        ("from", prop.sources, enc.src),
        ("to", prop.destinations, enc.dst),
    )
    for word, peers, ep in sides:
        if peers is None:
            continue
        solver = make_solver(timeout_s, rlimit, enc.ctx)
        solver.add(enc.domain(ep), t.or_([enc.spec_peer(p, ep) for p in peers]))
        if check(solver).answer is Answer.UNSAT:
            return f"empty scope: no endpoint of the {universe} universe matches {word}: {_side_text(peers)}"
    solver = make_solver(timeout_s, rlimit, enc.ctx)
    solver.add(enc.domain(enc.src), enc.domain(enc.dst), enc.flow_domain(), enc.scope(prop))
    if check(solver).answer is Answer.UNSAT:
        return (
            f"empty scope: no flow of the {universe} universe is in this property's scope "
            "(a flow needs a pod on one end, two distinct endpoints and a port its destination can have)"
        )
    return None


def _ask(enc: Encoding, parts: list[z3.BoolRef], goal: z3.BoolRef, timeout_s: float, rlimit: int) -> Outcome:
    """One query: is some flow of ``parts`` in ``goal``? (An IPv4 flow when there is one: it
    reads better and is what most clusters run.)"""
    solver = make_solver(timeout_s, rlimit, enc.ctx)
    solver.add(*parts, goal)
    outcome = check(solver)
    if outcome.answer is Answer.SAT:
        preferred = check(solver, enc.prefer_ipv4())
        if preferred.answer is Answer.SAT:
            outcome = preferred
    return outcome


def _replay_error(flow: Flow, decision: Decision, want: str) -> str | None:
    """Whether the oracle judges ``flow`` as Z3 did: ``want`` is "allowed" (must-allow),
    "denied" (not even may-allow) or "undecided" (may but not must)."""
    found = {
        "allowed": decision.allowed,
        "denied": not decision.may_allow,
        "undecided": decision.may_allow and not decision.allowed and bool(decision.undecided),
    }[want]
    if found:
        return None
    return (
        f"internal inconsistency: Z3 says {flow} is {want}, the concrete oracle disagrees; please report this"
    )


_UNDECIDED = {
    Expect.DENY: "the example flow may be allowed, as the implementation chooses; no flow in scope is surely allowed",
    Expect.ALLOW: "the example flow may be denied, as the implementation chooses; no flow in scope is surely denied",
    Expect.REACHABLE: "the example flow may be allowed, as the implementation chooses; no flow in scope is surely allowed",
}


def prove(
    cluster: Cluster,
    enc: Encoding,
    prop: Property,
    *,
    ipblock_pods: bool,
    timeout_s: float,
    rlimit: int = 0,
) -> PropertyResult:
    """Decide ``prop`` in ``enc``'s universe."""
    t = enc.t
    if enc.universe is Universe.INVENTORY:
        src_classes = _scoped_classes(cluster, enc, prop.sources)
        dst_classes = _scoped_classes(cluster, enc, prop.destinations)
        egress = _selecting(cluster, src_classes, Direction.EGRESS)
        ingress = _selecting(cluster, dst_classes, Direction.INGRESS)
        tiers = _tier_selecting(cluster, src_classes + dst_classes) if cluster.tier_policies else []
        domain = t.and_([enc.domain(enc.src, src_classes), enc.domain(enc.dst, dst_classes)])
    else:
        egress = ingress = list(cluster.policies)
        tiers = list(cluster.tier_policies)
        domain = t.and_([enc.domain(enc.src), enc.domain(enc.dst)])
    verdicts = enc.verdicts(egress, ingress, tiers, cluster.nodes)
    parts = [domain, enc.flow_domain(), enc.scope(prop)]

    # (first query, what its model is, second query when the first is not final, its model)
    if prop.expect is Expect.DENY:
        first, first_is, second, second_is = verdicts.may, "undecided", verdicts.must, "allowed"
    elif prop.expect is Expect.ALLOW:
        first, first_is = t.not_(verdicts.must), "undecided"
        second, second_is = t.not_(verdicts.may), "denied"
    else:
        first, first_is, second, second_is = verdicts.must, "allowed", verdicts.may, "undecided"
    if verdicts.decided:
        first_is = second_is = "allowed" if prop.expect is not Expect.ALLOW else "denied"

    outcome = _ask(enc, parts, first, timeout_s, rlimit)
    seconds, spent = outcome.seconds, outcome.rlimit
    result = PropertyResult(
        name=prop.name,
        expect=prop.expect,
        universe=enc.universe,
        verdict=Verdict.HOLDS,
        description=prop.description,
        seconds=seconds,
        solver_rlimit=spent,
        location=prop.location,
    )
    if outcome.answer is Answer.UNKNOWN:
        return result.model_copy(update={"verdict": Verdict.UNKNOWN, "reason": f"solver: {outcome.reason}"})
    model_is = first_is
    reachable = prop.expect is Expect.REACHABLE
    if not verdicts.decided and (outcome.answer is Answer.SAT) != reachable:
        # deny/allow: some flow may break the property; reachable: no flow surely reaches
        found = _ask(enc, parts, second, timeout_s, rlimit)
        result = result.model_copy(
            update={"seconds": seconds + found.seconds, "solver_rlimit": spent + found.rlimit}
        )
        if found.answer is Answer.UNKNOWN:
            return result.model_copy(update={"verdict": Verdict.UNKNOWN, "reason": f"solver: {found.reason}"})
        if found.answer is Answer.SAT or not reachable:
            # a model of the second query, or (deny/allow) the first one's undecided flow
            if found.answer is Answer.SAT:
                outcome, model_is = found, second_is
        else:
            outcome = found  # reachable: not even may — violated, proved below
    if outcome.answer is Answer.UNSAT:
        empty = _empty_scope(enc, prop, timeout_s, rlimit)
        if empty is not None:
            return result.model_copy(update={"verdict": Verdict.ERROR, "reason": empty})
        if reachable:
            return result.model_copy(
                update={
                    "verdict": Verdict.VIOLATED,
                    "explanation": ("no flow in scope is allowed (proved: the solver found none)",),
                }
            )
        return result

    assert outcome.model is not None
    flow = decode_flow(enc, outcome.model)
    decision = decide(cluster, flow, ipblock_pods=ipblock_pods)
    error = _replay_error(flow, decision, model_is)
    if error is not None:
        return result.model_copy(
            update={"verdict": Verdict.ERROR, "flow": flow, "decision": decision, "reason": error}
        )
    if model_is == "undecided":
        verdict, reason = Verdict.UNKNOWN, f"{decision.undecided} — {_UNDECIDED[prop.expect]}"
    else:
        verdict, reason = (Verdict.HOLDS if reachable else Verdict.VIOLATED), ""
    return result.model_copy(
        update={
            "verdict": verdict,
            "reason": reason,
            "flow": flow,
            "decision": decision,
            "rules": decision.rules_involved(),
            "explanation": _explain(decision) + _assumptions(flow),
        }
    )


__all__ = ["prove"]
