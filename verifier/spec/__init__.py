"""The property language: YAML spec files and command-line one-liners → `Property` objects."""

from verifier.spec.model import Expect, Property, SpecPeer
from verifier.spec.parse import load_specs, parse_port, property_from_cli

__all__ = ["Expect", "Property", "SpecPeer", "load_specs", "parse_port", "property_from_cli"]
