"""One analysis: the input, one resolved options object, and everything built from them once.

An `Analysis` is what the questions (`verifier.query`) ask: it owns the vocabulary, the pod
partition (the engine's, which the encoder's classes cut further) and one encoding per universe, so that many properties, or the two sides
of a diff, share the work, and so that no Z3 term ever leaves `verifier.solve`. It is built
either over one cluster or over two versions of one (old and new policies, merged over one
inventory by `verifier.model.merge_versions`); the universe rule lives in
`AnalysisOptions.universe_for`.

Every answer is a frozen result value (`verifier.results`): property verdicts with replayed
counterexamples, region lists whose boxes are proved, and the notes the analysis made.
"""

from __future__ import annotations

from collections.abc import Sequence

from verifier.encode import Encoding, build_inventory, build_vocabulary
from verifier.encode.inventory import pod_partition
from verifier.model import AnalysisOptions, Cluster, Universe, merge_versions
from verifier.results import PropertyResult, RegionList, Verdict
from verifier.solve.diff import allowed_by, diff_regions, diff_side, exposure_regions
from verifier.solve.enumdiff import engine_diff
from verifier.solve.lint import LintSolver
from verifier.solve.prove import prove
from verifier.spec import Property, SpecPeer


class Analysis:
    """The input and options of one run, and the encodings built from them (lazily, once).

    ``cluster`` is the (new) version every question is about; with ``old``, the analysis also
    knows the previous version's policies over the merged inventory (``old_cluster``), and its
    vocabulary and address regions cover both. ``properties`` are the ones whose names, label
    values and address blocks the encodings must know (all the questions asked later).
    """

    def __init__(
        self,
        cluster: Cluster,
        options: AnalysisOptions,
        properties: Sequence[Property] = (),
        *,
        old: Cluster | None = None,
    ) -> None:
        self.options = options
        self.properties = tuple(properties)
        self.notes: tuple[str, ...] = ()
        self.old_cluster: Cluster | None = None
        if old is not None:
            old_c, new_c, notes = _with_tiers(old, cluster, *merge_versions(old, cluster))
            self.old_cluster, self.cluster, self.notes = old_c, new_c, notes
            scope = new_c.model_copy(
                update={
                    "policies": old_c.policies + new_c.policies,
                    "tier_policies": old_c.tier_policies + new_c.tier_policies,
                }
            )
        else:
            self.cluster = cluster
            scope = cluster
        self._scope = scope
        self._vocab = build_vocabulary(scope, self.properties)
        # The pod partition of the run (the engine's), which the encoder's classes cut further.
        self.partition = pod_partition(scope, self._vocab, self.properties, options)
        self._inventory = build_inventory(scope, self._vocab, self.properties, options, self.partition)
        self._encodings: dict[Universe, Encoding] = {}

    def universe(self, prop: Property | None = None) -> Universe:
        """The universe a question is answered in (`AnalysisOptions.universe_for`)."""
        return self.options.universe_for(self.cluster.has_inventory, prop.universe if prop else None)

    def _encoding(self, universe: Universe) -> Encoding:
        enc = self._encodings.get(universe)
        if enc is None:
            singled = [
                peer.pod
                for p in self.properties
                for peer in (p.sources or ()) + (p.destinations or ())
                if peer.pod
            ]
            enc = Encoding(
                self._scope,
                self._vocab,
                self._inventory,
                universe,
                self.options,
                singled_pods=singled,
            )
            self._encodings[universe] = enc
        return enc

    # --- questions ------------------------------------------------------------------------------

    def prove(self, prop: Property, *, old: bool = False) -> PropertyResult:
        """Decide ``prop`` on the (new, or with ``old`` the old) policies, in its universe.

        A property naming a pod the input lacks — or, in the inventory universe, a namespace
        it lacks — is an ``error``: a scope that names nothing proves nothing."""
        universe = self.universe(prop)
        missing = missing_names(self.cluster, prop, universe)
        if missing is not None:
            return PropertyResult(
                name=prop.name,
                expect=prop.expect,
                universe=universe,
                verdict=Verdict.ERROR,
                description=prop.description,
                reason=missing,
                location=prop.location,
            )
        cluster = self.old_cluster if old and self.old_cluster is not None else self.cluster
        enc = self._encoding(universe)
        return prove(
            cluster,
            enc,
            prop,
            ipblock_pods=self.options.ipblock_pods,
            timeout_s=self.options.timeout_s,
            rlimit=self.options.rlimit,
        )

    def _versions(self) -> tuple[Cluster, Cluster]:
        if self.old_cluster is None:
            raise ValueError("this analysis has one version: build it with old= to compare two")
        return self.old_cluster, self.cluster

    def diff(
        self, *, max_regions: int = 20, method: str = "auto", universe: Universe | None = None
    ) -> tuple[RegionList, RegionList]:
        """(added, removed): the flows only the new / only the old policies allow.

        ``method`` "auto": over an inventory where the engine is exact the differences are
        enumerated by set algebra and Z3 only proves an empty side empty; "z3": every region
        is grown and each list closed by solver queries."""
        old, new = self._versions()
        enc = self._encoding(universe or self.universe())
        lists = (
            engine_diff(enc, old, new, self.options, max_regions=max_regions) if method == "auto" else None
        )
        added, removed = lists if lists is not None else (None, None)
        if added is not None and removed is not None:
            return added, removed
        allowed = (allowed_by(enc, old), allowed_by(enc, new))
        sides = []
        for gained, found in ((True, added), (False, removed)):
            if found is None:
                found = diff_side(
                    enc,
                    old,
                    new,
                    gained=gained,
                    ipblock_pods=self.options.ipblock_pods,
                    timeout_s=self.options.timeout_s,
                    rlimit=self.options.rlimit,
                    max_regions=max_regions,
                    allowed=allowed,
                )
            sides.append(found)
        return sides[0], sides[1]

    def changes_outside(
        self, scopes: Sequence[Property], *, max_regions: int = 20, universe: Universe | None = None
    ) -> tuple[RegionList, RegionList]:
        """(added, removed) restricted to the flows outside every scope of ``scopes`` (the
        safe-change gate's step (c), the baseline check's new access)."""
        old, new = self._versions()
        enc = self._encoding(universe or self.universe())
        outside = enc.t.or_([enc.scope(p) for p in scopes]) if scopes else None
        return diff_regions(
            enc,
            old,
            new,
            ipblock_pods=self.options.ipblock_pods,
            timeout_s=self.options.timeout_s,
            rlimit=self.options.rlimit,
            max_regions=max_regions,
            outside=outside,
        )

    def lint_questions(self, universe: Universe) -> LintSolver:
        """Lint's Z3 questions in ``universe`` (and in `any`, for "can this ever match"),
        over this analysis's encodings."""
        return LintSolver(self._encoding(universe), self._encoding(Universe.ANY))

    def exposure(self, destination: SpecPeer, *, max_regions: int = 20) -> RegionList:
        """Every allowed flow into ``destination``, as regions."""
        return exposure_regions(
            self._encoding(self.universe()),
            self.cluster,
            destination,
            ipblock_pods=self.options.ipblock_pods,
            timeout_s=self.options.timeout_s,
            rlimit=self.options.rlimit,
            max_regions=max_regions,
        )


def _with_tiers(
    old: Cluster, new: Cluster, old_c: Cluster, new_c: Cluster, notes: tuple[str, ...]
) -> tuple[Cluster, Cluster, tuple[str, ...]]:
    """The merged versions with each version's tier policies and the Nodes of both (the new
    input wins on a name clash), whatever `merge_versions` carries over."""
    nodes = {n.name: n for n in old.nodes}
    nodes.update({n.name: n for n in new.nodes})
    merged = tuple(nodes.values())
    return (
        old_c.model_copy(update={"tier_policies": old.tier_policies, "nodes": merged}),
        new_c.model_copy(update={"tier_policies": new.tier_policies, "nodes": merged}),
        notes,
    )


def missing_names(cluster: Cluster, prop: Property, universe: Universe) -> str | None:
    """Why ``prop`` names something the input lacks (None if it names nothing missing)."""
    pods = {p.key for p in cluster.pods}
    problems = []
    for word, peers in (("from", prop.sources), ("to", prop.destinations)):
        for peer in peers or ():
            if peer.pod is not None and peer.pod not in pods:
                problems.append(f"{word}: pod {peer.pod} is not in the input")
            if (
                universe is Universe.INVENTORY
                and peer.namespace is not None
                and peer.namespace not in cluster.namespaces
            ):
                problems.append(f"{word}: namespace {peer.namespace} is not in the input")
    if not problems:
        return None
    return "; ".join(problems) + " (a scope that names nothing proves nothing)"


__all__ = ["Analysis", "missing_names"]
