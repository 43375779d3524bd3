"""Files, directories, stdin, kubectl Lists and workloads → `Cluster` (+ notices).

See `verifier.load.cluster` for the decisions (kinds, owners, namespaces) and
`verifier.load.reader` for how documents are parsed and located.
"""

from verifier.load.cluster import LoadResult, load_cluster

__all__ = ["LoadResult", "load_cluster"]
