"""The Z3 questions behind ``lint``: can a selector or peer ever match, is a rule redundant,
does a policy change anything.

Every "yes, a finding" answer here is an unsat proof; sat means no finding; unknown is
returned as such and the caller reports the check as inconclusive, never as a finding.

Scoping keeps the terms small: only flows whose governed end a policy selects can change
when the policy (or one of its rules) changes, that end is in the policy's namespace, and
its side needs only that namespace's policies. Redundancy is judged on the policy's own
side (ingress at the destination / egress at the source): a rule is reported redundant iff
that side's verdict never changes without it — a sufficient condition for the whole flow's
verdict not to change, so every finding is still proved. *Both* ends range over
`Encoding.relaxed_domain` (every pod that could exist, in an existing or a new namespace,
with any labels and named ports, every external address), a superset of both universes, so
a finding holds in both — in particular for every pod the policy could ever select, not only
for the input's pods ("delete this rule" is advice about tomorrow's pods too: a rule on a
named port that no pod of the input defines yet is not redundant). Redundancy that holds only
because of which pods exist is left to NV003/NV005/NV010.
"""

from __future__ import annotations

from collections.abc import Sequence

import z3

from verifier.encode import Encoding
from verifier.model import (
    Direction,
    IntervalSet,
    NetworkPolicy,
    Peer,
    Rule,
)
from verifier.solve.solver import Answer, check, make_solver


class LintSolver:
    """Lint's Z3 questions over ``cluster``, asked with plain arguments and answered with an
    `Answer`: no Z3 term leaves this class.

    It builds one encoding in ``universe`` (the redundancy questions) and, unless that is
    already `any`, one in the `any` universe ("can this selector/peer ever match")."""

    def __init__(self, enc: Encoding, any_enc: Encoding) -> None:
        """``enc`` in the lint's universe, ``any_enc`` in the `any` universe (the same object
        when that is the lint's): an `Analysis` hands them out (`Analysis.lint_questions`)."""
        options = enc.options
        self.enc = enc
        self.any_enc = any_enc
        self.timeout_s = options.timeout_s
        self.rlimit = options.rlimit
        self.calls = 0
        self._solvers: dict[int, z3.Solver] = {}
        self._domains: dict[tuple[str, Direction], z3.BoolRef] = {}
        self._by_namespace: dict[int, tuple[Sequence[NetworkPolicy], dict[str, list[NetworkPolicy]]]] = {}

    @property
    def external_space(self) -> IntervalSet:
        """The addresses an external endpoint may have (no input pod has them)."""
        return self.enc.inventory.external_space

    def external_region_addresses(self) -> list[int]:
        """One external address (as an address key) per atomic region of the ipBlock
        boundaries, in region order: no ipBlock tells two addresses of a region apart, so
        these decide "some external address" exactly."""
        inventory = self.enc.inventory
        found = []
        for i in range(len(inventory.regions)):
            lo, hi = inventory.regions.interval(i)
            first = IntervalSet.of([(lo, hi)]).intersection(inventory.external_space).first()
            if first is not None:
                found.append(first)
        return found

    def _sat(self, *terms: z3.BoolRef) -> Answer:
        # One incremental solver per encoding, each question in its own push/pop frame: the
        # questions share most of their terms (domains, sides), which are bit-blasted once
        # and whose learned clauses carry over, instead of a fresh pipeline per question.
        ctx = terms[0].ctx
        solver = self._solvers.get(id(ctx))
        if solver is None:
            solver = self._solvers[id(ctx)] = make_solver(self.timeout_s, self.rlimit, ctx, incremental=True)
        solver.push()
        solver.add(*terms)
        self.calls += 1
        answer = check(solver, want_model=False).answer
        solver.pop()
        return answer

    def can_select(self, policy: NetworkPolicy) -> Answer:
        """SAT iff some pod that could exist is selected by ``policy.podSelector``."""
        e = self.any_enc
        return self._sat(e.domain(e.dst), e.selects(policy, e.dst))

    def peer_can_match(self, peer: Peer, namespace: str) -> Answer:
        """SAT iff some endpoint that could exist matches the peer of a policy in ``namespace``."""
        e = self.any_enc
        return self._sat(e.domain(e.src), e.peer_matches(peer, namespace, e.src))

    def _local(self, policies: Sequence[NetworkPolicy], namespace: str) -> list[NetworkPolicy]:
        """The policies of one namespace: all that can decide a side of its pods (indexed once
        per policy list — lint passes the same list for every question)."""
        key = id(policies)
        index = self._by_namespace.get(key)
        if index is None or index[0] is not policies:
            grouped: dict[str, list[NetworkPolicy]] = {}
            for p in policies:
                grouped.setdefault(p.namespace, []).append(p)
            index = self._by_namespace[key] = (policies, grouped)
        return index[1].get(namespace, [])

    def _domain(self, policy: NetworkPolicy, direction: Direction) -> z3.BoolRef:
        # Asked up to three times per policy (rule redundant, vacuous, redundant).
        key = (policy.key, direction)
        found = self._domains.get(key)
        if found is None:
            found = self._domains[key] = self._build_domain(policy, direction)
        return found

    def _build_domain(self, policy: NetworkPolicy, direction: Direction) -> z3.BoolRef:
        e, t = self.enc, self.enc.t
        ep = e.dst if direction is Direction.INGRESS else e.src
        other = e.src if direction is Direction.INGRESS else e.dst
        # The governed end too ranges over every pod the policy could select (module docstring).
        return t.and_(
            [
                e.relaxed_domain(ep),
                e.relaxed_domain(other),
                e.flow_domain(),
                e.selects(policy, ep),
            ]
        )

    def rule_redundant(self, policies: Sequence[NetworkPolicy], policy: NetworkPolicy, rule: Rule) -> Answer:
        """UNSAT iff removing ``rule`` never changes its side's verdict (removing a rule never
        changes isolation, so it can only deny more: with ∧ ¬without)."""
        t = self.enc.t
        kept = tuple(r for r in policy.rules(rule.direction) if r is not rule)
        field = "ingress" if rule.direction is Direction.INGRESS else "egress"
        local = self._local(policies, policy.namespace)
        without = [policy.model_copy(update={field: kept}) if p is policy else p for p in local]
        with_ = self.enc.side_allows(rule.direction, local)
        return self._sat(
            self._domain(policy, rule.direction), with_, t.not_(self.enc.side_allows(rule.direction, without))
        )

    def policy_vacuous(self, policy: NetworkPolicy) -> Answer:
        """UNSAT iff ``policy`` alone denies nothing (it isolates only to allow everything)."""
        e, t = self.enc, self.enc.t
        parts = [
            t.and_([self._domain(policy, d), t.not_(e.side_allows(d, [policy]))])
            for d in (Direction.INGRESS, Direction.EGRESS)
            if policy.affects(d)
        ]
        return self._sat(t.or_(parts))

    def policy_redundant(self, policies: Sequence[NetworkPolicy], policy: NetworkPolicy) -> Answer:
        """UNSAT iff removing ``policy`` changes no side's verdict, in either direction."""
        e, t = self.enc, self.enc.t
        local = self._local(policies, policy.namespace)
        without = [p for p in local if p is not policy]
        parts = [
            t.and_(
                [
                    self._domain(policy, d),
                    t.not_(t.eq_vars(e.side_allows(d, local), e.side_allows(d, without))),
                ]
            )
            for d in (Direction.INGRESS, Direction.EGRESS)
            if policy.affects(d)
        ]
        return self._sat(t.or_(parts))


__all__ = ["LintSolver"]
