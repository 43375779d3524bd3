"""The only producer of Z3 terms (see `verifier.encode.encoding`)."""

from verifier.encode.domain import PROTOCOLS, FlowDomain, SymEndpoint
from verifier.encode.encoding import Encoding, Verdicts
from verifier.encode.inventory import EncodedClass, Inventory, Regions, build_inventory, free_address
from verifier.encode.terms import Terms
from verifier.encode.vocab import Vocabulary, build_vocabulary

__all__ = [
    "PROTOCOLS",
    "EncodedClass",
    "Encoding",
    "FlowDomain",
    "Inventory",
    "Regions",
    "SymEndpoint",
    "Terms",
    "Verdicts",
    "Vocabulary",
    "build_inventory",
    "build_vocabulary",
    "free_address",
]
