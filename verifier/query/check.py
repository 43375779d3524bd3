"""``check``: decide a list of properties, each in its universe.

The universe of a property is its own ``universe`` field, else the command line's, else
``inventory`` when the input has pods or workloads and ``any`` otherwise (design.md §2;
`AnalysisOptions.universe_for`). One `Analysis` serves every property of the run, so the
vocabulary, the inventory classes and the encodings are built once.

A property that names a pod (``pod: ns/name``) the input lacks, or — in the inventory
universe — a namespace (``namespace: shpo``) the input lacks, is an ``error`` naming it:
a scope that cannot exist proves nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from verifier.model import AnalysisOptions, Cluster, Universe
from verifier.results import CheckReport, PropertyResult
from verifier.solve.analysis import Analysis
from verifier.spec import Property


def default_universe(cluster: Cluster, options: AnalysisOptions) -> Universe:
    """The universe of a question that has none of its own (`AnalysisOptions.universe_for`)."""
    return options.universe_for(cluster.has_inventory)


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
    analysis = Analysis(cluster, options, properties)
    results = []
    for prop in properties:
        result = analysis.prove(prop)
        results.append(result)
        if progress is not None:
            progress(result)
    return CheckReport(results=tuple(results), warnings=tuple(warnings), seconds=time.perf_counter() - start)
