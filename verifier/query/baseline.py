"""``check --baseline``: no new access outside what the specs allow.

Given the policies of a previous version (the *baseline*, OLD) and the current ones (NEW), the
flows that NEW allows and OLD denied are *new access*. New access is fine where a spec says the
flow should be allowed — inside the scope of some ``allow`` or ``reachable`` property — and
suspicious everywhere else. The baseline check is one pseudo-property, `BASELINE_NAME`:

    no flow f with  allowed_NEW(f) ∧ ¬allowed_OLD(f) ∧ ¬(scope(p₁) ∨ … ∨ scope(pₙ))

for the allow/reachable properties p₁…pₙ (none: every new flow counts). It is the diff engine
(`verifier.solve.diff.diff_regions`) restricted to the complement of a scope — the mechanism
the safe-change gate uses for its step (c) — over the union of both inventories
(`verifier.model.merge_versions`). The verdict is ``holds`` only when Z3 proved the
restricted ``added`` set empty; a listed region makes it ``violated`` with the region's example
flow as counterexample (replayed through the oracle on both versions by the diff engine, and
checked against every allow/reachable scope here); a solver give-up is ``unknown``.

Deny properties need no special treatment: ``check`` already proves them on NEW.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from verifier.errors import Location
from verifier.model import AnalysisOptions, Cluster, Universe, merge_versions
from verifier.oracle import decide
from verifier.results import (
    BASELINE_NAME,
    AnyRuleRef,
    CheckReport,
    Flow,
    FlowRegion,
    PropertyResult,
    RegionList,
    RegionStatus,
    Verdict,
)
from verifier.solve.analysis import Analysis
from verifier.spec import Expect, Property

BASELINE_LOCATION = Location("<baseline>")
ALLOWING = (Expect.ALLOW, Expect.REACHABLE)


def allowing_properties(properties: Sequence[Property]) -> list[Property]:
    """The properties whose scope *may* gain access: ``allow`` and ``reachable``."""
    return [p for p in properties if p.expect in ALLOWING]


def region_rules(
    cluster: Cluster, regions: Sequence[FlowRegion], *, ipblock_pods: bool
) -> list[tuple[AnyRuleRef, ...]]:
    """For each region, the rules of ``cluster`` that allow its example flow (oracle replay).

    Empty when the flow is allowed because no policy isolates either side any more.
    """
    return [decide(cluster, r.example, ipblock_pods=ipblock_pods).rules_involved() for r in regions]


def added_rules(
    old: Cluster, new: Cluster, regions: Sequence[FlowRegion], *, ipblock_pods: bool
) -> list[tuple[AnyRuleRef, ...]]:
    """`region_rules` against ``new`` over the merged inventory (as ``diff`` compares them)."""
    _, new_c, _ = merge_versions(old, new)
    return region_rules(new_c, regions, ipblock_pods=ipblock_pods)


def _region_line(region: FlowRegion) -> str:
    protocols = ",".join(p.value for p in region.protocols)
    return (
        f"new access (outside the exempt scopes): from {region.source.description} to {region.destination.description} "
        f"on {protocols} {region.port_text} (e.g. {region.example})"
    )


def baseline_check(
    old: Cluster,
    new: Cluster,
    properties: Sequence[Property],
    options: AnalysisOptions,
    *,
    max_regions: int = 20,
    label: str = "",
) -> tuple[PropertyResult, RegionList]:
    """The baseline pseudo-property on going from ``old`` to ``new``, and its regions.

    The universe is the command line's, else the default for the merged input. The result's
    ``flow`` is the first region's example, ``rules`` the new policies' rules that allow it,
    and ``explanation`` one line per region (the status line when the list is not complete).
    A region is a box of flows reported as ``box ∖ exempt scopes``: where its ports or
    endpoints overlap an allow/reachable scope, only the part outside is new access.
    ``label`` (e.g. the baseline's paths) names the pseudo-location ``<baseline LABEL>``.
    """
    start = time.perf_counter()
    scoped = allowing_properties(properties)
    analysis = Analysis(new, options, scoped, old=old)
    new_c, notes = analysis.cluster, analysis.notes
    universe: Universe = analysis.universe()
    added, _removed = analysis.changes_outside(scoped, max_regions=max_regions)
    names = ", ".join(p.name for p in scoped) or "none"
    description = (
        "Flows the policies allow now that the baseline denied, outside the scope of every "
        f"allow/reachable property (exempt scopes: {names})"
    )
    flow: Flow | None = None
    rules: tuple[AnyRuleRef, ...] = ()
    explanation = [_region_line(r) for r in added.regions]
    reason = ""
    if added.regions:
        verdict = Verdict.VIOLATED
        flow = added.regions[0].example
        rules = decide(new_c, flow, ipblock_pods=options.ipblock_pods).rules_involved()
        if added.status is not RegionStatus.COMPLETE:
            explanation.append(
                f"the list is {added.status.value}: {added.reason or 'more regions may exist'}"
            )
    elif added.status is RegionStatus.ERROR:
        verdict, reason = Verdict.ERROR, added.reason
    elif added.proved_empty:
        verdict = Verdict.HOLDS
    else:
        verdict, reason = Verdict.UNKNOWN, added.reason or "the solver gave up before proving no new access"
    explanation.extend(notes)
    result = PropertyResult(
        name=BASELINE_NAME,
        expect=Expect.DENY,
        universe=universe,
        verdict=verdict,
        description=description,
        flow=flow,
        rules=rules,
        explanation=tuple(explanation),
        reason=reason,
        seconds=time.perf_counter() - start,
        location=Location(f"<baseline {label}>") if label else BASELINE_LOCATION,
    )
    return result, added


def with_baseline(
    report: CheckReport,
    old: Cluster,
    new: Cluster,
    properties: Sequence[Property],
    options: AnalysisOptions,
    *,
    old_warnings: Sequence[str] = (),
    old_paths: Sequence[str] = (),
) -> CheckReport:
    """``check --baseline``: ``report`` (of ``new``) plus the baseline pseudo-property
    (`baseline_check`) as its last result; the old input's warnings are prefixed ``baseline:``."""
    result, _ = baseline_check(old, new, properties, options, label=" ".join(old_paths))
    warnings = tuple(report.warnings) + tuple(f"baseline: {w}" for w in old_warnings)
    return report.model_copy(
        update={
            "results": (*report.results, result),
            "warnings": warnings,
            "seconds": report.seconds + result.seconds,
        }
    )


__all__ = [
    "ALLOWING",
    "BASELINE_LOCATION",
    "BASELINE_NAME",
    "added_rules",
    "allowing_properties",
    "baseline_check",
    "region_rules",
    "with_baseline",
]
