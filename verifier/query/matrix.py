"""``matrix``: pod-to-pod reachability on one port, or the full connectivity on every port.

Both are set algebra over pod classes (`verifier.engine`), not N² solver calls; the oracle
and the Z3 engine cross-check the engine in the test suite.

Filters (``--namespace``, ``--pod``) select the endpoints of the view: the result is the
sub-matrix between the selected pods — both ends of every listed flow are selected. Policies
of the whole input still decide every cell.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from verifier.engine import compute_matrix
from verifier.engine.connectivity import compute_connectivity, compute_port_connectivity
from verifier.errors import UsageError
from verifier.model import AnalysisOptions, Cluster, LabelSelector, Protocol
from verifier.results import Connectivity, MatrixResult
from verifier.results.bits import gather_columns


def matrix(cluster: Cluster, port: int, protocol: Protocol, options: AnalysisOptions) -> MatrixResult:
    """Which inventory pod reaches which on ``port``/``protocol`` (the diagonal is allowed)."""
    return compute_matrix(cluster, port, protocol, options)


def connectivity(
    cluster: Cluster,
    options: AnalysisOptions,
    *,
    port: int | None = None,
    protocol: Protocol | None = None,
    external: bool = True,
) -> Connectivity:
    """Per pod pair, the allowed protocol/port ranges — on every port, or on one (``port``
    and ``protocol`` together). With ``external`` (the default; ``--no-external`` turns it
    off) also per pod and external address range, both ways (`Connectivity.external`)."""
    if port is None:
        return compute_connectivity(cluster, options, external=external)
    return compute_port_connectivity(cluster, port, protocol or Protocol.TCP, options, external=external)


def selected_endpoints(
    cluster: Cluster, namespaces: Sequence[str] = (), selector: LabelSelector | None = None
) -> list[int]:
    """Indices (into the sorted endpoint list) of the pods in one of ``namespaces`` (all when
    empty) whose labels match ``selector`` (all when None). Unknown namespaces are usage errors."""
    missing = [ns for ns in namespaces if ns not in cluster.namespaces]
    if missing:
        known = ", ".join(sorted(cluster.namespaces)) or "none"
        raise UsageError(f"--namespace {missing[0]!r}: no such namespace in the input (known: {known})")
    wanted = set(namespaces)
    pods = sorted(cluster.pods, key=lambda p: (p.namespace, p.name))
    return [
        i
        for i, pod in enumerate(pods)
        if (not wanted or pod.namespace in wanted) and (selector is None or selector.matches(pod.labels))
    ]


def restrict_matrix(result: MatrixResult, keep: Sequence[int]) -> MatrixResult:
    """The sub-matrix between the endpoints ``keep`` (indices, increasing)."""
    n = len(result.endpoints)
    if list(keep) == list(range(n)):
        return result
    position = {old: new for new, old in enumerate(keep)}
    rows = gather_columns([result.rows[i] for i in keep], n, list(keep)) if keep else []
    conditional = tuple(
        (position[i], position[j]) for i, j in result.conditional if i in position and j in position
    )
    return result.model_copy(
        update={
            "endpoints": tuple(result.endpoints[i] for i in keep),
            "rows": tuple(rows),
            "conditional": conditional,
        }
    )


def restrict_connectivity(result: Connectivity, keep: Sequence[int]) -> Connectivity:
    """The relation between the endpoints ``keep`` only."""
    if list(keep) == list(range(len(result.endpoints))):
        return result
    return result.restricted(keep)


def view(
    cluster: Cluster,
    options: AnalysisOptions,
    *,
    port: int | None = None,
    protocol: Protocol | None = None,
    keep: Sequence[int],
    external: bool = True,
    per_port: bool = False,
    warnings: Sequence[str] = (),
) -> MatrixResult | Connectivity:
    """What ``matrix`` shows between the endpoints ``keep``: with ``port`` and ``per_port``
    the one-port matrix (`matrix`), else the connectivity relation (`connectivity`: every
    port, or ``port`` only) — restricted to ``keep``, ``warnings`` (the input's notices) first."""
    proto = protocol or Protocol.TCP
    if port is not None and per_port:
        result = restrict_matrix(matrix(cluster, port, proto, options), keep)
        return result.model_copy(update={"warnings": tuple(warnings) + result.warnings})
    conn = connectivity(
        cluster, options, port=port, protocol=proto if port is not None else None, external=external
    )
    return dataclasses.replace(restrict_connectivity(conn, keep), warnings=tuple(warnings) + conn.warnings)


__all__ = [
    "connectivity",
    "matrix",
    "restrict_connectivity",
    "restrict_matrix",
    "selected_endpoints",
    "view",
]
