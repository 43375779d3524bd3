"""SARIF for ``check`` and ``assert``: one result per property that does not hold."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from verifier.errors import Location
from verifier.report.json_out import flow_json, rule_json
from verifier.report.sarif.locations import has_file
from verifier.report.sarif.log import (
    FindingRule,
    Kind,
    Level,
    Notification,
    Related,
    SarifResult,
    rule_id,
    rule_text,
    sarif_log,
    write_sarif,
)
from verifier.results import BASELINE_NAME, CheckReport, PropertyResult, TierRuleRef, Verdict
from verifier.spec import Expect

PROPERTY_RULES: dict[Expect, FindingRule] = {
    Expect.DENY: FindingRule(
        id="property/deny",
        name="DenyProperty",
        short="A deny property is violated: a flow in its scope is allowed.",
        full="A spec property with expect: deny claims that no flow from its sources to its "
        "destinations on its ports is allowed. The result's counterexample is an allowed flow; "
        "the related locations are the policy rules that allow it.",
    ),
    Expect.ALLOW: FindingRule(
        id="property/allow",
        name="AllowProperty",
        short="An allow property is violated: a flow in its scope is denied.",
        full="A spec property with expect: allow claims that every flow from its sources to its "
        "destinations on its ports is allowed. The result's counterexample is a denied flow; "
        "the related locations are the isolating policies none of whose rules match it.",
    ),
    Expect.REACHABLE: FindingRule(
        id="property/reachable",
        name="ReachableProperty",
        short="A reachable property is violated: no flow in its scope is allowed.",
        full="A spec property with expect: reachable claims that at least one flow from its "
        "sources to its destinations on its ports is allowed; no such flow exists.",
    ),
}


BASELINE_RULE = FindingRule(
    id="baseline/new-access",
    name="NewAccessOutsideSpecs",
    short="The policies allow flows the baseline denied, outside the scope of every allow/reachable property.",
    full="check --baseline compares the policies with a previous version: a flow that is allowed now, "
    "was denied before, and that no allow/reachable property of the specs asks for is new access "
    "nobody stated. The result's counterexample is one such flow; the related locations are the "
    "new policies' rules that allow it.",
)


def property_rule(result: PropertyResult) -> FindingRule:
    """The reporting rule of a property result (the baseline pseudo-property has its own)."""
    if result.name == BASELINE_NAME:
        return BASELINE_RULE
    return PROPERTY_RULES[result.expect]


def violation_message(result: PropertyResult) -> str:
    """One sentence: which property, what went wrong, and the counterexample flow."""
    head = f"{result.expect.value} property '{result.name}' ({result.universe.value} universe)"
    if result.verdict is Verdict.UNKNOWN:
        return f"{head} is inconclusive: {result.reason or 'the solver gave up'}. This is not a proof."
    if result.verdict is Verdict.ERROR:
        return f"{head} could not be evaluated: {result.reason or 'unknown error'}"
    if result.flow is None:
        return f"{head} is violated: no flow in its scope is allowed."
    if any(isinstance(r, TierRuleRef) for r in result.rules):
        return f"{head} is violated: the flow {result.flow} is {_tier_why(result)}."
    rules = ", ".join(rule_id(r) for r in result.rules)
    if result.expect is Expect.ALLOW:
        why = f" (isolated by {rules}; no rule matches)" if rules else ""
        return f"{head} is violated: the flow {result.flow} is denied{why}."
    why = f" by {rules}" if rules else ""
    return f"{head} is violated: the flow {result.flow} is allowed{why}."


def _tier_why(result: PropertyResult) -> str:
    """``denied by <tier rules>[, then isolated by <policies>; no rule matches]`` or
    ``allowed by <tier rules and NetworkPolicy rules>``, in chain order."""
    tier = ", ".join(rule_text(r) for r in result.rules if isinstance(r, TierRuleRef))
    plain = ", ".join(rule_id(r) for r in result.rules if not isinstance(r, TierRuleRef))
    if result.expect is Expect.ALLOW:
        return f"denied by {tier}" + (f", then isolated by {plain}; no rule matches" if plain else "")
    return f"allowed by {tier}" + (f", then {plain}" if plain else "")


def _related(result: PropertyResult) -> tuple[Related, ...]:
    out = []
    for rule in result.rules:
        if isinstance(rule, TierRuleRef):
            what = f"{rule} (fired on the counterexample flow)"
        elif rule.index is None:
            what = f"{rule}: isolates the {'destination' if rule.direction.value == 'Ingress' else 'source'}"
        elif result.expect is Expect.ALLOW:
            what = f"{rule}"
        else:
            what = f"{rule}: allows the counterexample flow"
        out.append(Related(rule.location, what))
    return tuple(out)


def check_findings(report: CheckReport) -> list[SarifResult]:
    """One finding per property that does not hold, in report order."""
    findings = []
    for r in report.results:
        if r.verdict is Verdict.HOLDS:
            continue
        props: dict[str, Any] = {
            "property": r.name,
            "verdict": r.verdict.value,
            "expect": r.expect.value,
            "universe": r.universe.value,
        }
        if r.flow is not None and r.verdict is Verdict.VIOLATED:
            props["counterexample"] = flow_json(r.flow)
        if r.rules:
            props["rules"] = [rule_json(rule) for rule in r.rules]
        if r.explanation:
            props["explanation"] = list(r.explanation)
        location: Location | None = r.location
        if not has_file(r.location):
            # A command-line property: point at the first rule involved, if any (else the
            # log's default artifact, see `sarif_log`).
            location = next((rule.location for rule in r.rules if has_file(rule.location)), None)
        findings.append(
            SarifResult(
                rule_id=property_rule(r).id,
                level=Level.ERROR,
                kind=Kind.FAIL if r.verdict is Verdict.VIOLATED else Kind.OPEN,
                message=violation_message(r),
                location=location,
                identity=(r.name, r.expect.value, *sorted(rule_id(rule) for rule in r.rules)),
                related=_related(r),
                properties=props,
            )
        )
    return findings


def check_sarif(report: CheckReport, *, inputs: Sequence[str] = ()) -> dict[str, Any]:
    """The SARIF log of a ``check``/``assert`` run; ``inputs`` as in `sarif_log`.

    Input warnings become warning notifications; properties whose verdict is ``error`` also
    become error notifications (so ``executionSuccessful`` is false). ``run.properties`` holds
    the verdict counts of *all* properties, including those that hold.
    """
    notes = [Notification(Level.WARNING, w) for w in report.warnings]
    notes.extend(
        Notification(Level.ERROR, violation_message(r), r.location)
        for r in report.results
        if r.verdict is Verdict.ERROR
    )
    summary = {v.value: report.count(v) for v in Verdict}
    rules = list(PROPERTY_RULES.values())
    if any(r.name == BASELINE_NAME for r in report.results):
        rules.append(BASELINE_RULE)
    # Without the caller's inputs: the manifests the rules involved come from, then the specs.
    files = [rule.location.file for r in report.results for rule in r.rules]
    files += [r.location.file for r in report.results]
    return sarif_log(
        rules,
        check_findings(report),
        notifications=notes,
        properties={"summary": summary, "properties": len(report.results)},
        inputs=[*inputs, *files],
    )


def write_check_sarif(report: CheckReport, out: TextIO, *, inputs: Sequence[str] = ()) -> None:
    write_sarif(check_sarif(report, inputs=inputs), out)
