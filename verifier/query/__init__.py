"""The questions users ask, answered with the engines below (see docs/architecture.md)."""

from verifier.query.check import check, default_universe
from verifier.query.matrix import matrix

__all__ = ["check", "default_universe", "matrix"]
