"""SARIF for ``diff``: one result per added region, located at the new rules allowing its
example flow; the rest of the comparison goes into run properties and notifications."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TextIO

from verifier.report.diff import region_json
from verifier.report.json_out import rule_json
from verifier.report.sarif.locations import has_file
from verifier.report.sarif.log import (
    FindingRule,
    Level,
    Notification,
    Related,
    SarifResult,
    rule_text,
    sarif_log,
    write_sarif,
)
from verifier.results import AnyRuleRef, DiffResult, FlowRegion, RegionStatus, TierRuleRef

DIFF_ADDED_RULE = FindingRule(
    id="diff/added",
    name="AddedFlows",
    short="The new policies allow a region of flows the old policies denied.",
    full="netverify diff: a region (sources x destinations x protocols x ports) of flows that the new "
    "policies allow and the old ones denied, with one example flow replayed through the oracle. The "
    "result is located at the new policies' rules that allow the example flow.",
    level=Level.WARNING,
)


def region_identity(region: FlowRegion) -> tuple[str, ...]:
    """What makes a region the same region across runs: its endpoint sets, protocols and ports."""
    return (
        region.source.description,
        region.destination.description,
        ",".join(p.value for p in region.protocols),
        region.port_text,
    )


def _related_message(rule: AnyRuleRef) -> str:
    if isinstance(rule, TierRuleRef):
        return f"{rule} (fired on the example flow)"
    return f"{rule}: allows the example flow"


def region_message(region: FlowRegion, rules: tuple[AnyRuleRef, ...]) -> str:
    protocols = ",".join(p.value for p in region.protocols)
    by = f" by {', '.join(rule_text(r) for r in rules)}" if rules else " (no policy isolates it any more)"
    return (
        f"newly allowed: from {region.source.description} to {region.destination.description} on "
        f"{protocols} {region.port_text}; e.g. {region.example} is allowed{by}."
    )


def diff_findings(result: DiffResult, rules: list[tuple[AnyRuleRef, ...]]) -> list[SarifResult]:
    """One finding per added region; ``rules[i]`` = the new rules allowing region i's example.

    The result is located at the first of those rules; all of them are related locations.
    """
    findings = []
    for region, allowing in zip(result.added.regions, rules, strict=True):
        located = [r for r in allowing if has_file(r.location)]
        findings.append(
            SarifResult(
                rule_id=DIFF_ADDED_RULE.id,
                level=DIFF_ADDED_RULE.level,
                message=region_message(region, allowing),
                location=located[0].location if located else None,
                identity=("diff/added", *region_identity(region)),
                related=tuple(Related(r.location, _related_message(r)) for r in allowing),
                properties={"region": region_json(region), "rules": [rule_json(r) for r in allowing]},
            )
        )
    return findings


def diff_sarif(
    result: DiffResult, rules: list[tuple[AnyRuleRef, ...]], *, inputs: Sequence[str] = ()
) -> dict[str, Any]:
    """The SARIF log of a ``diff`` run: added regions are results, the rest run properties.

    An incomplete added list (truncated, unknown) is a warning notification; an error (an
    example the oracle disagrees with) an error notification.
    """
    notes = [Notification(Level.WARNING, w) for w in result.warnings]
    for label, rl in (("added", result.added), ("removed", result.removed)):
        if rl.status is RegionStatus.ERROR:
            notes.append(Notification(Level.ERROR, f"{label}: {rl.reason or 'error'}"))
        elif rl.status is not RegionStatus.COMPLETE:
            notes.append(
                Notification(
                    Level.WARNING, f"{label} regions are {rl.status.value}: {rl.reason or 'more may exist'}"
                )
            )
    props = {
        "universe": result.universe.value,
        "added": {"status": result.added.status.value, "regions": len(result.added.regions)},
        "removed": {
            "status": result.removed.status.value,
            "regions": [region_json(r) for r in result.removed.regions],
        },
        "checks": {c: result.check_verdict(c).value for c in ("equivalent", "no-new-access")},
    }
    return sarif_log(
        [DIFF_ADDED_RULE], diff_findings(result, rules), notifications=notes, properties=props, inputs=inputs
    )


def write_diff_sarif(
    result: DiffResult, rules: list[tuple[AnyRuleRef, ...]], out: TextIO, *, inputs: Sequence[str] = ()
) -> None:
    write_sarif(diff_sarif(result, rules, inputs=inputs), out)
