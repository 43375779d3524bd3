"""``matrix``: pod-to-pod reachability on one port, from the concrete engine.

The matrix is set algebra over pod classes (`verifier.engine`), not N² solver calls; the
Z3 engine and the oracle cross-check it in the test suite.
"""

from __future__ import annotations

from verifier.engine import compute_matrix
from verifier.model import AnalysisOptions, Cluster, Protocol
from verifier.results import MatrixResult


def matrix(cluster: Cluster, port: int, protocol: Protocol, options: AnalysisOptions) -> MatrixResult:
    return compute_matrix(cluster, port, protocol, options)
