"""The safe-change gate (Batfish's "provably safe change"): given the old and the new policy
sets and an *intent* — a property saying what the change is meant to open or close — prove

(a) ``intent-false-before``: the intent did not already hold on the old policies (else the
    change is not needed, or the intent does not say what the change does);
(b) ``intent-true-after``: the intent holds on the new policies (counterexample: a flow the
    new policies still get wrong);
(c) ``nothing-else-changed``: no flow *outside the intent's scope* changed its verdict
    (counterexamples: regions of flows added or removed outside the scope).

The change is safe iff all three hold. Each step is a Z3 proof or refutation; ``unknown`` is
reported as such. The universe is the intent's own, else the command line's, else the default.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from verifier.errors import UsageError
from verifier.model import AnalysisOptions, Cluster, merge_versions
from verifier.results import Flow, GateResult, GateStep, RegionStatus, Verdict
from verifier.solve.analysis import Analysis
from verifier.spec import Property


def _verdict_step(
    name: str, title: str, verdict: Verdict, want: Verdict, *, detail: str, flow: Flow | None
) -> GateStep:
    """A step passes (holds) iff the property's verdict is ``want``; unknown/error stay as they are."""
    if verdict not in (Verdict.UNKNOWN, Verdict.ERROR):
        verdict = Verdict.HOLDS if verdict is want else Verdict.VIOLATED
    return GateStep(name=name, title=title, verdict=verdict, detail=detail, flow=flow)


def choose_intent(properties: Sequence[Property], name: str | None, intent: str) -> Property:
    """The property of the spec file ``intent`` that ``gate`` checks: the one called ``name``,
    or its only one. Anything else is a `UsageError`."""
    if name is not None:
        chosen = [p for p in properties if p.name == name]
        if not chosen:
            raise UsageError(
                f"--name {name!r}: no such property in {intent} ({', '.join(p.name for p in properties)})"
            )
        return chosen[0]
    if len(properties) != 1:
        raise UsageError(f"--intent {intent!r} has {len(properties)} properties; pick one with --name")
    return properties[0]


def gate(
    old: Cluster,
    new: Cluster,
    intent: Property,
    options: AnalysisOptions,
    *,
    max_regions: int = 20,
    warnings: Sequence[str] = (),
) -> GateResult:
    start = time.perf_counter()
    both = Analysis(new, options, [intent], old=old)
    universe = both.universe(intent)
    prop = intent.model_copy(update={"universe": universe})
    old_c, new_c, notes = merge_versions(old, new)

    # (a) and (b) each on one version alone, as `check` would decide them
    before = Analysis(old_c, options, [prop]).prove(prop)
    a_detail = {
        Verdict.VIOLATED: "the intent was false before the change",
        Verdict.HOLDS: "the intent already held before the change (proved): the change is not what makes it true",
    }.get(before.verdict, before.reason)
    step_a = _verdict_step(
        "intent-false-before",
        "(a) the intent was not already true before",
        before.verdict,
        Verdict.VIOLATED,
        detail=a_detail,
        flow=before.flow,
    )

    after = Analysis(new_c, options, [prop]).prove(prop)
    b_detail = {
        Verdict.HOLDS: "the intent holds after the change (proved)",
        Verdict.VIOLATED: "the intent does not hold after the change",
    }.get(after.verdict, after.reason)
    step_b = _verdict_step(
        "intent-true-after",
        "(b) the intent is true after",
        after.verdict,
        Verdict.HOLDS,
        detail=b_detail,
        flow=after.flow if after.verdict is Verdict.VIOLATED else None,
    )

    added, removed = both.changes_outside([prop], max_regions=max_regions, universe=universe)
    changed = tuple(added.regions) + tuple(removed.regions)
    statuses = {added.status, removed.status}
    if changed:
        c_verdict = Verdict.VIOLATED
        detail = f"{len(added.regions)} region(s) added and {len(removed.regions)} removed outside the intent's scope"
    elif RegionStatus.ERROR in statuses:
        c_verdict, detail = Verdict.ERROR, added.reason or removed.reason
    elif statuses == {RegionStatus.COMPLETE}:
        c_verdict, detail = Verdict.HOLDS, "no flow outside the intent's scope changed (proved)"
    else:
        c_verdict, detail = Verdict.UNKNOWN, added.reason or removed.reason
    combined = added.model_copy(
        update={
            "regions": changed,
            "status": added.status if added.status is not RegionStatus.COMPLETE else removed.status,
            "solver_calls": added.solver_calls + removed.solver_calls,
        }
    )
    step_c = GateStep(
        name="nothing-else-changed",
        title="(c) nothing outside the intent's scope changed",
        verdict=c_verdict,
        detail=detail,
        regions=combined,
    )
    return GateResult(
        intent=prop.name,
        universe=universe,
        steps=(step_a, step_b, step_c),
        seconds=time.perf_counter() - start,
        warnings=tuple(warnings) + notes,
    )


__all__ = ["gate"]
