"""Decide one property with Z3 and turn the answer into a `PropertyResult`.

- ``deny`` holds iff *scope ∧ allowed* is unsat; a model is a counterexample flow.
- ``allow`` holds iff *scope ∧ ¬allowed* is unsat; a model is a counterexample flow.
- ``reachable`` holds iff *scope ∧ allowed* is sat; the model is a witness flow.

Every decoded flow is replayed through the concrete oracle. The oracle also names the rules
involved; if it ever disagreed with Z3 the result is an ``error`` saying so, never a verdict.

A proof over an empty scope proves nothing: when no flow of the universe is in the scope
(a selector that matches no endpoint, ports no flow can have), the result is an ``error``
naming the empty side, never a vacuous ``holds`` (design.md §2).
"""

from __future__ import annotations

from verifier.encode import EncodedClass, Encoding
from verifier.model import Cluster, Direction, NetworkPolicy, Universe
from verifier.oracle import decide
from verifier.results import Decision, Flow, PropertyResult, Verdict
from verifier.solve.decode import decode_flow
from verifier.solve.solver import Answer, check, make_solver
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
        elif not side.isolated:
            lines.append(f"{label}: not isolated (no policy selects the pod for {side.direction.value})")
        elif side.allowed_by:
            lines.append(f"{label}: allowed by {', '.join(str(r) for r in side.allowed_by)}")
        else:
            names = ", ".join(str(r) for r in side.policies)
            lines.append(f"{label}: denied — isolated by {names}, and none of their rules matches")
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
        domain = t.and_([enc.domain(enc.src, src_classes), enc.domain(enc.dst, dst_classes)])
    else:
        egress = ingress = list(cluster.policies)
        domain = t.and_([enc.domain(enc.src), enc.domain(enc.dst)])
    allowed = enc.allowed(egress, ingress)
    goal = t.not_(allowed) if prop.expect is Expect.ALLOW else allowed

    solver = make_solver(timeout_s, rlimit, enc.ctx)
    solver.add(domain, enc.flow_domain(), enc.scope(prop), goal)
    outcome = check(solver)
    if outcome.answer is Answer.SAT:
        # Prefer an IPv4 flow when there is one: it reads better and is what most clusters run.
        preferred = check(solver, enc.prefer_ipv4())
        if preferred.answer is Answer.SAT:
            outcome = preferred

    result = PropertyResult(
        name=prop.name,
        expect=prop.expect,
        universe=enc.universe,
        verdict=Verdict.HOLDS,
        description=prop.description,
        seconds=outcome.seconds,
        solver_rlimit=outcome.rlimit,
        location=prop.location,
    )
    if outcome.answer is Answer.UNKNOWN:
        return result.model_copy(update={"verdict": Verdict.UNKNOWN, "reason": f"solver: {outcome.reason}"})
    if outcome.answer is Answer.UNSAT:
        empty = _empty_scope(enc, prop, timeout_s, rlimit)
        if empty is not None:
            return result.model_copy(update={"verdict": Verdict.ERROR, "reason": empty})
        if prop.expect is Expect.REACHABLE:
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
    expected_allowed = prop.expect is not Expect.ALLOW
    if decision.allowed != expected_allowed:
        reason = (
            f"internal inconsistency: Z3 says {flow} is {'allowed' if expected_allowed else 'denied'}, "
            "the concrete oracle disagrees; please report this"
        )
        return result.model_copy(
            update={"verdict": Verdict.ERROR, "flow": flow, "decision": decision, "reason": reason}
        )
    return result.model_copy(
        update={
            "verdict": Verdict.HOLDS if prop.expect is Expect.REACHABLE else Verdict.VIOLATED,
            "flow": flow,
            "decision": decision,
            "rules": decision.rules_involved(),
            "explanation": _explain(decision) + _assumptions(flow),
        }
    )


__all__ = ["prove"]
