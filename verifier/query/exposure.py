"""``exposure``: who can reach a destination set — external address ranges, inventory pods
(grouped into classes) and, in the ``any`` universe, which kinds of future pods (namespace and
label constraints) — as compact regions of allowed flows (`verifier.solve.regions`).

The destination set is a namespace selector AND a pod selector (kubectl syntax on the command
line), the same peer shape as ``assert --to-ns/--to-pod``. Every region is proved to consist of
allowed flows only, and its example flow is replayed through the oracle.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from verifier.model import AnalysisOptions, Cluster, LabelSelector
from verifier.results import ExposureResult
from verifier.solve.analysis import Analysis
from verifier.spec import Expect, Property, SpecPeer


def destination_peer(namespace: LabelSelector | None, pod: LabelSelector | None) -> SpecPeer:
    """The destination set: pods whose namespace matches ``namespace`` and labels ``pod``."""
    return SpecPeer(namespace_selector=namespace, pod_selector=pod or LabelSelector())


def exposure(
    cluster: Cluster,
    destination: SpecPeer,
    options: AnalysisOptions,
    *,
    max_regions: int = 20,
    warnings: Sequence[str] = (),
) -> ExposureResult:
    start = time.perf_counter()
    prop = Property(name="exposure", expect=Expect.REACHABLE, destinations=(destination,))
    analysis = Analysis(cluster, options, [prop])
    regions = analysis.exposure(destination, max_regions=max_regions)
    return ExposureResult(
        universe=analysis.universe(),
        destination=str(destination),
        regions=regions,
        seconds=time.perf_counter() - start,
        warnings=tuple(warnings),
    )


__all__ = ["destination_peer", "exposure"]
