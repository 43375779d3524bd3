"""Pure resource types and their Kubernetes semantics (no I/O, no Z3, no presentation)."""

from verifier.model.ip import IntervalSet, ip_key, key_to_ip, network_range, networks_set
from verifier.model.labels import EVERYTHING, LabelSelector, Operator, Requirement, parse_selector
from verifier.model.options import AnalysisOptions, Universe
from verifier.model.resources import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    ContainerPort,
    Direction,
    EndpointFacts,
    IPAddress,
    IPBlock,
    IPNetwork,
    Namespace,
    NetworkPolicy,
    Peer,
    Pod,
    PolicyPort,
    Protocol,
    Rule,
    parse_ip,
    parse_network,
)
from verifier.model.versions import merge_versions

__all__ = [
    "EVERYTHING",
    "NAMESPACE_NAME_LABEL",
    "AnalysisOptions",
    "Cluster",
    "ContainerPort",
    "Direction",
    "EndpointFacts",
    "IPAddress",
    "IPBlock",
    "IPNetwork",
    "IntervalSet",
    "LabelSelector",
    "Namespace",
    "NetworkPolicy",
    "Operator",
    "Peer",
    "Pod",
    "PolicyPort",
    "Protocol",
    "Requirement",
    "Rule",
    "Universe",
    "ip_key",
    "key_to_ip",
    "merge_versions",
    "network_range",
    "networks_set",
    "parse_ip",
    "parse_network",
    "parse_selector",
]
