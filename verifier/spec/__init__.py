"""The property language: YAML spec files and command-line one-liners → `Property` objects."""

from verifier.spec.model import Expect, Property, SpecPeer

__all__ = ["Expect", "Property", "SpecPeer"]
