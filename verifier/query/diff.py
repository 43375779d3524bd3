"""``diff``: what changes between two policy sets, over the same inventory, in one universe.

The two inputs are read as *versions of one cluster*: the inventory (namespaces, pods,
workloads) is the union of both inputs — where both define the same namespace or pod, the
new one wins (`verifier.model.merge_versions`) — and only the policies are compared. Flows newly allowed (``added``) and newly
denied (``removed``) are computed with Z3 over one shared symbolic flow and listed as compact
regions (`verifier.solve.regions`), each with an example flow replayed through the oracle on
both versions.

Named checks: ``equivalent`` (nothing added, nothing removed) and ``no-new-access`` (nothing
added: the new version is contained in the old one). Each is proved (unsat) or refuted with
the regions as counterexamples; ``unknown`` is a result of its own.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from verifier.model import AnalysisOptions, Cluster, merge_versions
from verifier.results import DiffResult
from verifier.solve.analysis import Analysis

CHECKS = ("equivalent", "no-new-access")
METHODS = ("auto", "z3")


def diff(
    old: Cluster,
    new: Cluster,
    options: AnalysisOptions,
    *,
    max_regions: int = 20,
    warnings: Sequence[str] = (),
    method: str = "auto",
    added_rules: bool = False,
) -> DiffResult:
    """Flows added and removed by going from ``old`` to ``new`` (as compact regions).

    ``method`` "auto": over an inventory where the engine is exact (`verifier.solve.enumdiff`)
    the differences are enumerated by set algebra, and only an empty side is left to Z3 (to
    prove it empty); "z3": every region is grown and the lists closed by solver queries.
    With ``added_rules``, also the new rules that allow each added region's example
    (`DiffResult.added_rules`; not counted in ``seconds``).
    """
    start = time.perf_counter()
    analysis = Analysis(new, options, old=old)
    added, removed = analysis.diff(max_regions=max_regions, method=method)
    result = DiffResult(
        universe=analysis.universe(),
        added=added,
        removed=removed,
        seconds=time.perf_counter() - start,
        warnings=tuple(warnings) + analysis.notes,
    )
    if added_rules:
        from verifier.query.baseline import added_rules as rules_of

        rules = rules_of(old, new, added.regions, ipblock_pods=options.ipblock_pods)
        result = result.model_copy(update={"added_rules": tuple(rules)})
    return result


__all__ = ["CHECKS", "METHODS", "diff", "merge_versions"]
