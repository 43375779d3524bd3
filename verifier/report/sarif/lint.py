"""SARIF for ``lint``: one reporting rule per lint ID present, one result per finding."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from verifier.report.sarif.log import FindingRule, Level, Notification, SarifResult, sarif_log, write_sarif
from verifier.results import LintReport, Severity

_LINT_LEVEL = {"error": Level.ERROR, "warning": Level.WARNING, "info": Level.NOTE}

# One sentence per lint ID (docs/questions.md has the full list); the SARIF rule descriptions.
LINT_DESCRIPTIONS = {
    "NV001": "The policy's podSelector selects no pod of the inventory.",
    "NV002": "The policy's podSelector can never select any pod (its requirements contradict).",
    "NV003": "A peer matches no pod of the inventory.",
    "NV004": "A peer can never match any endpoint (unsatisfiable).",
    "NV005": "Every peer of the rule matches nothing in the inventory: the rule is dead.",
    "NV006": "The rule is redundant: removing it changes no flow (shadowed by other rules).",
    "NV007": "The policy is vacuous: on its own it denies nothing.",
    "NV008": "The policy is redundant: removing it changes no flow.",
    "NV009": "Inventory pods are selected by no policy for a direction (not isolated).",
    "NV010": "A named port that no possible destination pod of the rule defines.",
    "NV011": "Egress isolation blocks DNS (UDP 53 to kube-system pods or any address).",
    "NV012": "Egress isolation allows DNS over UDP but not over TCP 53.",
    "NV013": "An allow-all rule (- {}) next to a default-deny policy.",
    "NV014": "from: [] / to: [] - an empty peer list means all peers.",
    "NV015": "egress: [] without policyTypes: egress is NOT isolated.",
    "NV016": "A podSelector that looks meant as a namespaceSelector.",
    "NV017": "A lone namespaceSelector peer next to a lone podSelector peer are OR-ed, not AND-ed.",
    "NV018": "A tier rule that never applies: earlier rules of its policy or of a higher-precedence policy match all its flows first.",
    "NV019": "Two tier policies with the same priority decide one flow with different actions (implementation-defined).",
    "NV020": "An Admin-tier Pass with no NetworkPolicy or Baseline rule behind it: it acts as Allow.",
    "NV021": "A Baseline rule no pod reaches: NetworkPolicies isolate every pod its subject selects.",
    "NV022": "A networks peer whose CIDRs contain pod addresses: it also cuts or opens pod-to-pod traffic.",
    "NV023": "A tier policy whose subject selects no pod of the input.",
    "NV024": "A nodes peer that matches no Node of the input.",
}


def lint_findings(report: LintReport) -> tuple[list[FindingRule], list[SarifResult]]:
    """Rules (one per lint ID present, ``NV001`` …) and one finding per lint finding.

    Each finding is located where its policy or rule was loaded (file, line, column). Its
    identity — hashed into the partial fingerprint — is the lint ID and the object, which
    names the policy and the rule (``ns/name ingress[0] peer[1]``); neither line numbers nor
    the message (which lists pods and counts that change as the inventory does) take part.
    Where one object has several findings of one ID (NV009 for Ingress and Egress), the
    direction word of the message, else the occurrence number, tells them apart.
    """
    rules: dict[str, FindingRule] = {}
    findings = []
    seen: dict[tuple[str, str], int] = {}
    for f in report.findings:
        key = (f.id, f.object)
        seen[key] = seen.get(key, 0) + 1
        identity: tuple[str, ...] = (f.id, f.object)
        direction = next((d for d in ("Ingress", "Egress") if d in f.message.split()), "")
        if direction:
            identity += (direction,)
        elif seen[key] > 1:
            identity += (str(seen[key]),)
        level = _LINT_LEVEL.get(f.severity.value, Level.WARNING)
        rules.setdefault(
            f.id,
            FindingRule(
                id=f.id,
                name=f"Lint{f.id}",
                short=LINT_DESCRIPTIONS.get(f.id, f"netverify lint {f.id}."),
                full=f"netverify lint {f.id} (docs/questions.md lists every lint ID).",
                level=level,
            ),
        )
        findings.append(
            SarifResult(
                rule_id=f.id,
                level=level,
                message=f"{f.object}: {f.message}" if f.object else f.message,
                location=f.location,
                identity=identity,
                properties={"object": f.object, "severity": f.severity.value},
            )
        )
    return sorted(rules.values(), key=lambda r: r.id), findings


def lint_sarif(report: LintReport, *, inputs: Sequence[str] = ()) -> dict[str, Any]:
    """The SARIF log of a ``lint`` run; checks that could not run are warning notifications."""
    rules, findings = lint_findings(report)
    notes = [Notification(Level.WARNING, w) for w in (*report.warnings, *report.skipped)]
    counts = {s.value: report.count(s) for s in Severity}
    return sarif_log(rules, findings, notifications=notes, properties={"summary": counts}, inputs=inputs)


def write_lint_sarif(report: LintReport, out: TextIO, *, inputs: Sequence[str] = ()) -> None:
    write_sarif(lint_sarif(report, inputs=inputs), out)
