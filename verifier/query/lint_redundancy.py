"""``lint`` findings about redundancy and vacuity (NV006-NV008): unsat proofs by Z3
(`verifier.solve.lint`), each question first tried with a concrete witness
(`verifier.query.lint_witness`) whose "it matters" spares the solver call.
"""

from __future__ import annotations

from verifier.query.lint_context import LintRun, rule_name
from verifier.results import Severity
from verifier.solve import Answer


def check_redundancy(run: LintRun) -> None:
    policies = list(run.cluster.policies)
    w = run.witnesses
    for policy in policies:
        local = run.index.policies.get(policy.namespace, [])
        vacuous = (
            Answer.SAT if w is not None and w.policy_denies(policy) else run.solver.policy_vacuous(policy)
        )
        if vacuous is Answer.UNSAT:
            run.add(
                "NV007",
                Severity.WARNING,
                policy.key,
                "the policy on its own denies nothing: every flow it isolates, it also allows",
                policy.location,
            )
        elif vacuous is Answer.UNKNOWN:
            run.unknown(f"{policy.key} vacuity")
        redundant_policy = (
            Answer.SAT
            if w is not None and w.policy_matters(local, policy)
            else run.solver.policy_redundant(policies, policy)
        )
        if redundant_policy is Answer.UNSAT and vacuous is not Answer.UNSAT:
            run.add(
                "NV008",
                Severity.INFO,
                policy.key,
                "removing the policy changes no flow: the other policies already decide everything it does",
                policy.location,
            )
        elif redundant_policy is Answer.UNKNOWN:
            run.unknown(f"{policy.key} redundancy")
        for rule in policy.ingress + policy.egress:
            if not policy.affects(rule.direction):
                continue
            answer = (
                Answer.SAT
                if w is not None and w.rule_matters(local, policy, rule)
                else run.solver.rule_redundant(policies, policy, rule)
            )
            if answer is Answer.UNSAT:
                run.add(
                    "NV006",
                    Severity.WARNING,
                    rule_name(policy, rule),
                    "redundant: removing this rule changes no flow (other rules already allow all it allows, "
                    "or it matches nothing)",
                    rule.location,
                )
            elif answer is Answer.UNKNOWN:
                run.unknown(f"{rule_name(policy, rule)} redundancy")


__all__ = ["check_redundancy"]
