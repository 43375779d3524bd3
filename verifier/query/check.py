"""``check``: decide a list of properties, each in its universe.

The universe of a property is its own ``universe`` field, else the command line's, else
``inventory`` when the input has pods or workloads and ``any`` otherwise (design.md §2).
The vocabulary and inventory classes are built once per run and shared by all properties.

A property that names a pod (``pod: ns/name``) the input lacks, or — in the inventory
universe — a namespace (``namespace: shpo``) the input lacks, is an ``error`` naming it:
a scope that cannot exist proves nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from verifier.encode import Encoding, build_inventory, build_vocabulary
from verifier.model import AnalysisOptions, Cluster, Universe
from verifier.results import CheckReport, PropertyResult, Verdict
from verifier.solve import prove
from verifier.spec import Property


def default_universe(cluster: Cluster, options: AnalysisOptions) -> Universe:
    if options.universe is not None:
        return options.universe
    return Universe.INVENTORY if cluster.has_inventory else Universe.ANY


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


def check(
    cluster: Cluster,
    properties: Sequence[Property],
    options: AnalysisOptions,
    *,
    warnings: Sequence[str] = (),
    progress: Callable[[PropertyResult], None] | None = None,
) -> CheckReport:
    """Decide every property; ``progress`` is called after each one (for progress bars)."""
    start = time.perf_counter()
    vocab = build_vocabulary(cluster, properties)
    inventory = build_inventory(cluster, vocab, properties, options)
    singled = [
        peer.pod for p in properties for peer in (p.sources or ()) + (p.destinations or ()) if peer.pod
    ]
    encodings: dict[Universe, Encoding] = {}
    fallback = default_universe(cluster, options)
    results = []
    for prop in properties:
        universe = prop.universe or fallback
        enc = encodings.get(universe)
        if enc is None:
            enc = Encoding(
                cluster, vocab, inventory, universe, ipblock_pods=options.ipblock_pods, singled_pods=singled
            )
            encodings[universe] = enc
        missing = missing_names(cluster, prop, universe)
        if missing is not None:
            result = PropertyResult(
                name=prop.name,
                expect=prop.expect,
                universe=universe,
                verdict=Verdict.ERROR,
                description=prop.description,
                reason=missing,
                location=prop.location,
            )
            results.append(result)
            if progress is not None:
                progress(result)
            continue
        result = prove(
            cluster,
            enc,
            prop,
            ipblock_pods=options.ipblock_pods,
            timeout_s=options.timeout_s,
            rlimit=options.rlimit,
        )
        results.append(result)
        if progress is not None:
            progress(result)
    return CheckReport(results=tuple(results), warnings=tuple(warnings), seconds=time.perf_counter() - start)
