"""``diff``: what changes between two policy sets, over the same inventory, in one universe.

The two inputs are read as *versions of one cluster*: the inventory (namespaces, pods,
workloads) is the union of both inputs — where both define the same namespace or pod, the
new one wins — and only the policies are compared. Flows newly allowed (``added``) and newly
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

from verifier.encode import Encoding, build_inventory, build_vocabulary
from verifier.model import AnalysisOptions, Cluster, Universe
from verifier.query.check import default_universe
from verifier.results import DiffResult
from verifier.solve.diff import allowed_by, diff_side
from verifier.solve.enumdiff import engine_diff
from verifier.spec import Property

CHECKS = ("equivalent", "no-new-access")
METHODS = ("auto", "z3")


def merge_versions(old: Cluster, new: Cluster) -> tuple[Cluster, Cluster, tuple[str, ...]]:
    """The two versions over one inventory (union; the new input wins on a name clash)."""
    namespaces = dict(old.namespaces)
    for name, ns in new.namespaces.items():
        if name not in namespaces or ns.declared or not namespaces[name].declared:
            namespaces[name] = ns
    pods = {p.key: p for p in old.pods}
    pods.update({p.key: p for p in new.pods})
    warnings = []
    only_old = sorted(set(p.key for p in old.pods) - set(p.key for p in new.pods))
    only_new = sorted(set(p.key for p in new.pods) - set(p.key for p in old.pods))
    if new.pods and old.pods and (only_old or only_new):
        warnings.append(
            f"the inventories differ ({len(only_old)} pods only in the old input, {len(only_new)} only in the "
            "new one); both versions are compared over their union"
        )
    pod_list = tuple(pods.values())
    return (
        Cluster(namespaces=namespaces, pods=pod_list, policies=old.policies),
        Cluster(namespaces=namespaces, pods=pod_list, policies=new.policies),
        tuple(warnings),
    )


def shared_encoding(
    old: Cluster, new: Cluster, properties: Sequence[Property], options: AnalysisOptions, universe: Universe
) -> Encoding:
    """One encoding whose vocabulary and address regions cover both versions (and ``properties``)."""
    both = old.model_copy(update={"policies": old.policies + new.policies})
    vocab = build_vocabulary(both, properties)
    inventory = build_inventory(both, vocab, properties, options)
    singled = [
        peer.pod for p in properties for peer in (p.sources or ()) + (p.destinations or ()) if peer.pod
    ]
    return Encoding(both, vocab, inventory, universe, ipblock_pods=options.ipblock_pods, singled_pods=singled)


def diff(
    old: Cluster,
    new: Cluster,
    options: AnalysisOptions,
    *,
    max_regions: int = 20,
    warnings: Sequence[str] = (),
    method: str = "auto",
) -> DiffResult:
    """Flows added and removed by going from ``old`` to ``new`` (as compact regions).

    ``method`` "auto": over an inventory where the engine is exact (`verifier.solve.enumdiff`)
    the differences are enumerated by set algebra, and only an empty side is left to Z3 (to
    prove it empty); "z3": every region is grown and the lists closed by solver queries.
    """
    start = time.perf_counter()
    old_c, new_c, notes = merge_versions(old, new)
    universe = default_universe(new_c, options)
    enc = shared_encoding(old_c, new_c, (), options, universe)
    lists = engine_diff(enc, old_c, new_c, options, max_regions=max_regions) if method == "auto" else None
    added, removed = lists if lists is not None else (None, None)
    if added is None or removed is None:
        allowed = (allowed_by(enc, old_c.policies), allowed_by(enc, new_c.policies))
        sides = []
        for gained, found in ((True, added), (False, removed)):
            if found is None:
                found = diff_side(
                    enc,
                    old_c,
                    new_c,
                    gained=gained,
                    ipblock_pods=options.ipblock_pods,
                    timeout_s=options.timeout_s,
                    rlimit=options.rlimit,
                    max_regions=max_regions,
                    allowed=allowed,
                )
            sides.append(found)
        added, removed = sides
    return DiffResult(
        universe=universe,
        added=added,
        removed=removed,
        seconds=time.perf_counter() - start,
        warnings=tuple(warnings) + notes,
    )


__all__ = ["CHECKS", "METHODS", "diff", "merge_versions", "shared_encoding"]
