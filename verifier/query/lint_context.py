"""One ``lint`` run: the input, its options and universe, the solver and witnesses that
answer the redundancy questions, and the findings and skipped checks collected so far.

The finding families (`lint_selectors`, `lint_redundancy`, `lint_dns`, `lint_traps`) are
functions of a `LintRun`; `verifier.query.lint.lint` is the driver that calls them in turn.
"""

from __future__ import annotations

from verifier.errors import Location
from verifier.model import AnalysisOptions, Cluster, NetworkPolicy, Rule, Universe
from verifier.query.lint_witness import PodIndex, Witnesses
from verifier.results import Finding, Severity
from verifier.solve.analysis import Analysis


def rule_name(policy: NetworkPolicy, rule: Rule) -> str:
    """``ns/name ingress[0]``: how a finding names a rule."""
    return f"{policy.key} {rule.direction.value.lower()}[{rule.index}]"


class LintRun:
    """The state one lint run shares between the finding families.

    ``solver`` answers the Z3 questions (`verifier.solve.lint`); ``witnesses`` (inventory
    universe only, None when disabled) are concrete flows that show a policy or rule
    matters, tried before Z3 (the witness must lie in the question's domain, see
    `verifier.query.lint_witness`)."""

    def __init__(
        self,
        cluster: Cluster,
        options: AnalysisOptions,
        universe: Universe,
        *,
        witnesses: bool = True,
    ) -> None:
        self.cluster = cluster
        self.options = options
        self.universe = universe
        self.findings: list[Finding] = []
        self.skipped: list[str] = []
        self.index = PodIndex(cluster)
        self.solver = Analysis(cluster, options).lint_questions(universe)
        self.witnesses = (
            Witnesses(self.index, self.solver.external_space, ipblock_pods=options.ipblock_pods)
            if witnesses and universe is Universe.INVENTORY
            else None
        )

    def add(self, id_: str, severity: Severity, obj: str, message: str, location: Location) -> None:
        self.findings.append(
            Finding(id=id_, severity=severity, object=obj, message=message, location=location)
        )

    def unknown(self, what: str) -> None:
        self.skipped.append(f"{what}: the solver gave up (timeout or limit); not reported")


__all__ = ["LintRun", "rule_name"]
