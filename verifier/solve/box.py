"""A box: a set of flows that fixes the kind of each endpoint and constrains a handful of
*dimensions*, each to a set of values or an interval (see `verifier.solve.regions` for how
boxes are grown and `verifier.solve.box_description` for how they are read).
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from verifier.encode import Encoding
from verifier.results import (
    EndpointKind,
)

# None = free; a frozenset = allowed values; a pair = closed interval.
Constraint = frozenset[int] | tuple[int, int] | None


@dataclass(frozen=True)
class Dim:
    """One generalisable field of a box."""

    side: str  # "src", "dst" or "flow"
    field: str  # "cls", "region", "ns:<key>", "new_ns", "pod:<key>", "np:<name>/<proto>", "proto", "port"
    term: z3.ExprRef
    values: tuple[int, ...] | None = None  # a set dimension's candidate values
    bounds: tuple[int, int] | None = None  # an interval dimension's domain
    is_bool: bool = False


@dataclass
class Box:
    fixed: list[z3.BoolRef]  # the endpoint kinds (and the address family), never widened
    dims: list[Dim]
    constraints: list[Constraint]
    kinds: dict[str, EndpointKind]
    # The packet's address family (4 or 6), fixed for the whole box: a box is read as a cross
    # product of its sides, and a source and a destination of different families are no flow.
    family: int | None = None


def family_regions(enc: Encoding, family: int) -> tuple[int, int]:
    """The region indices of one address family (IPv4 regions come first)."""
    first_v6 = enc.inventory.regions.first_v6
    return (0, first_v6 - 1) if family == 4 else (first_v6, len(enc.inventory.regions) - 1)


def family_term(enc: Encoding, family: int) -> z3.BoolRef:
    """Both endpoints' addresses are of ``family``."""
    span = family_regions(enc, family)
    return enc.t.and_([enc.t.in_ranges(ep.region, [span]) for ep in (enc.src, enc.dst)])


__all__ = ["Box", "Constraint", "Dim", "family_regions", "family_term"]
