"""The only producer of Z3 terms (see `verifier.encode.encoding`)."""

from verifier.encode.encoding import PROTOCOLS, Encoding, SymEndpoint
from verifier.encode.inventory import EncodedClass, Inventory, Regions, build_inventory, free_address
from verifier.encode.terms import Terms
from verifier.encode.vocab import Vocabulary, build_vocabulary

__all__ = [
    "PROTOCOLS",
    "EncodedClass",
    "Encoding",
    "Inventory",
    "Regions",
    "SymEndpoint",
    "Terms",
    "Vocabulary",
    "build_inventory",
    "build_vocabulary",
    "free_address",
]
