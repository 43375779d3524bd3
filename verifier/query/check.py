"""``check``: decide a list of properties, each in its universe.

The universe of a property is its own ``universe`` field, else the command line's, else
``inventory`` when the input has pods or workloads and ``any`` otherwise (design.md §2).
The vocabulary and inventory classes are built once per run and shared by all properties.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from verifier.encode import Encoding, build_inventory, build_vocabulary
from verifier.model import AnalysisOptions, Cluster, Universe
from verifier.results import CheckReport, PropertyResult
from verifier.solve import prove
from verifier.spec import Property


def default_universe(cluster: Cluster, options: AnalysisOptions) -> Universe:
    if options.universe is not None:
        return options.universe
    return Universe.INVENTORY if cluster.has_inventory else Universe.ANY


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
