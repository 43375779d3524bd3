"""Python ints as bitsets: the helpers live in `verifier.results.bits` (the result types and
the reports use them too); re-exported here for the engine."""

from __future__ import annotations

from verifier.results.bits import from_indices, full, gather_columns, iter_bits, transpose

__all__ = ["from_indices", "full", "gather_columns", "iter_bits", "transpose"]
