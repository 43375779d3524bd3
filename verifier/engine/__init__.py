"""The fast concrete engine: equivalence classes, bitsets, whole matrices by set algebra.

Same semantics as `verifier.oracle` (which it is tested against cell by cell), but it never
loops over pod pairs. See docs/architecture.md.
"""

from verifier.engine.classes import AddressRegions, Partition, PodClass, address_regions, equivalence_classes
from verifier.engine.matrix import compute_matrix

__all__ = [
    "AddressRegions",
    "Partition",
    "PodClass",
    "address_regions",
    "compute_matrix",
    "equivalence_classes",
]
