"""The validated, normalised resources that every analysis works on.

These are *semantic* types: API defaulting has been applied by the loader (protocol TCP,
effective policyTypes, ``from: []`` read as "all peers") so that no consumer re-implements it.
They are frozen pydantic models and know nothing about Z3, YAML or presentation.

How each list was *written* (missing, ``[]`` or entries: `Written`) is kept next to its
meaning (`Rule.peers_written`, `NetworkPolicy.egress_written`, ...) for lint's NV014/NV015,
which flag ``[]`` whose meaning is the opposite of how it reads. No semantics reads them: two
models that differ only there allow exactly the same flows.

Kubernetes NetworkPolicy semantics, stated once:

- a `Rule` matches a flow iff (some peer matches, or ``peers is None``) AND (some port
  matches, or ``ports is None``) — lists are OR-ed, the two fields AND-ed;
- a `Peer` is either selectors (``pod_selector`` and/or ``namespace_selector``, AND-ed) or an
  ``ip_block``; never both;
- a pod is isolated in a direction iff a policy of its namespace selects it and has that
  direction in ``policy_types``; an isolated pod accepts a flow iff some rule of some such
  policy matches it (policies are a union, they never deny).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from enum import StrEnum
from typing import Literal
from typing import Protocol as TypingProtocol

from pydantic import BaseModel, ConfigDict, Field

from verifier.errors import Location
from verifier.model.ip import IntervalSet, IPAddress, IPNetwork, network_range
from verifier.model.labels import LabelSelector

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"

_UNKNOWN = Location("<unknown>")

Written = Literal["unknown", "missing", "empty", "list"]
"""How a list field was written in the manifest: ``"missing"`` (absent or null), ``"empty"``
(``[]``) or ``"list"`` (at least one entry); ``"unknown"`` for a model not read from a
manifest (built by hand, by a generator or by an analysis). Only lint's traps read it."""


class Protocol(StrEnum):
    """Transport protocols a NetworkPolicy can name (TCP is the API default)."""

    TCP = "TCP"
    UDP = "UDP"
    SCTP = "SCTP"


class Direction(StrEnum):
    """A policy type: which side of a flow a policy governs."""

    INGRESS = "Ingress"
    EGRESS = "Egress"


class EndpointFacts(TypingProtocol):
    """What the semantics needs to know about one end of a flow (`verifier.results.Endpoint`
    has it): whether it is a pod, its namespace, name (None for a hypothetical pod) and labels,
    its namespace's labels, its IP (None when unknown) and the named container ports it defines."""

    @property
    def is_pod(self) -> bool: ...

    @property
    def namespace(self) -> str | None: ...

    @property
    def name(self) -> str | None: ...

    @property
    def labels(self) -> Mapping[str, str]: ...

    @property
    def namespace_labels(self) -> Mapping[str, str]: ...

    @property
    def ip(self) -> IPAddress | None: ...

    @property
    def ports(self) -> tuple[ContainerPort, ...]: ...


class ContainerPort(BaseModel):
    """A port a pod serves; ``name`` makes it addressable as a named port."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    port: int
    protocol: Protocol = Protocol.TCP
    name: str | None = None


class PolicyPort(BaseModel):
    """A `NetworkPolicyPort` after defaulting.

    ``port`` None = every port of ``protocol``; an ``int`` with ``end_port`` = the range
    ``port..end_port``; a ``str`` = a named port, resolved against the *destination* pod's
    container ports with the same name and protocol (never matches an external address).
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    protocol: Protocol = Protocol.TCP
    port: int | str | None = None
    end_port: int | None = None

    @property
    def is_named(self) -> bool:
        return isinstance(self.port, str)

    def numeric_range(self) -> tuple[int, int] | None:
        """The closed port range this entry covers, or None for a named port."""
        if self.port is None:
            return (1, 65535)
        if isinstance(self.port, str):
            return None
        return (self.port, self.end_port if self.end_port is not None else self.port)

    def matches(self, port: int, protocol: Protocol, destination: EndpointFacts) -> bool:
        """The entry matches a flow's port and protocol; a named port matches iff the
        destination pod defines that name with that protocol on exactly that port."""
        if self.protocol is not protocol:
            return False
        if isinstance(self.port, str):
            return destination.is_pod and any(
                cp.name == self.port and cp.protocol is protocol and cp.port == port
                for cp in destination.ports
            )
        lo, hi = self.numeric_range() or (1, 65535)
        return lo <= port <= hi

    def __str__(self) -> str:
        if self.port is None:
            return f"any/{self.protocol}"
        if self.end_port is not None:
            return f"{self.port}-{self.end_port}/{self.protocol}"
        return f"{self.port}/{self.protocol}"


class IPBlock(BaseModel):
    """``cidr`` minus every ``except`` entry (each of which lies inside ``cidr``)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    cidr: IPNetwork
    except_: tuple[IPNetwork, ...] = Field(default=(), alias="except")

    def ranges(self) -> IntervalSet:
        """The addresses matched, on the combined IPv4/IPv6 line of `verifier.model.ip`."""
        whole = IntervalSet.of([network_range(self.cidr)])
        return whole.difference(IntervalSet.of(network_range(e) for e in self.except_))

    def contains(self, addr: IPAddress) -> bool:
        if addr.version != self.cidr.version or addr not in self.cidr:
            return False
        return not any(addr in e for e in self.except_)

    def __str__(self) -> str:
        if self.except_:
            return f"{self.cidr} except {', '.join(str(e) for e in self.except_)}"
        return str(self.cidr)


class Peer(BaseModel):
    """A `NetworkPolicyPeer`.

    Selector peers: ``namespace_selector`` None means "the policy's own namespace";
    ``pod_selector`` None means "every pod" of the selected namespaces. ``ip_block`` peers
    match addresses (and, when the analysis says so, pod IPs).
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    pod_selector: LabelSelector | None = None
    namespace_selector: LabelSelector | None = None
    ip_block: IPBlock | None = None

    def matches(self, policy_namespace: str, other: EndpointFacts, *, ipblock_pods: bool) -> bool:
        """The peer, written in a policy of ``policy_namespace``, matches the other end of a
        flow: an ipBlock its address (a pod's too when ``ipblock_pods``; an unknown IP never),
        selectors a pod only."""
        if self.ip_block is not None:
            if other.ip is None or (other.is_pod and not ipblock_pods):
                return False
            return self.ip_block.contains(other.ip)
        if not other.is_pod:
            return False
        if self.namespace_selector is None:
            if other.namespace != policy_namespace:
                return False
        elif not self.namespace_selector.matches(other.namespace_labels):
            return False
        return self.pod_selector is None or self.pod_selector.matches(other.labels)

    def __str__(self) -> str:
        if self.ip_block is not None:
            return f"ipBlock {self.ip_block}"
        parts = []
        if self.namespace_selector is not None:
            parts.append(f"namespaceSelector {self.namespace_selector}")
        if self.pod_selector is not None:
            parts.append(f"podSelector {self.pod_selector}")
        return " AND ".join(parts)


class Rule(BaseModel):
    """One entry of ``spec.ingress`` or ``spec.egress``.

    ``peers`` None = all sources/destinations (``from``/``to`` missing or ``[]``);
    ``ports`` None = all ports and protocols (``ports`` missing or ``[]``).
    ``index`` is the rule's position in its list, used in reports (``ingress[0]``).
    ``peers_written`` / ``ports_written`` say how ``from``/``to`` and ``ports`` were written
    (`Written`; a null rule has both "missing"): presentation only, never semantics.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    direction: Direction
    index: int
    peers: tuple[Peer, ...] | None = None
    ports: tuple[PolicyPort, ...] | None = None
    location: Location = _UNKNOWN
    peers_written: Written = "unknown"
    ports_written: Written = "unknown"


class NetworkPolicy(BaseModel):
    """A `networking.k8s.io/v1` NetworkPolicy with API defaulting applied.

    ``policy_types`` is the *effective* set: the explicit ``policyTypes`` if given, else
    Ingress plus Egress iff ``spec.egress`` is non-empty (``egress: []`` is not Egress).

    ``ingress_written`` / ``egress_written`` / ``policy_types_written`` say how
    ``spec.ingress``, ``spec.egress`` and ``spec.policyTypes`` were written (`Written`), for
    lint only. ``location`` is the policy's metadata; ``manifest_location`` where the object
    itself starts (its document or List item), ``<unknown>`` when not read from a manifest.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    namespace: str
    name: str
    pod_selector: LabelSelector
    policy_types: frozenset[Direction]
    ingress: tuple[Rule, ...] = ()
    egress: tuple[Rule, ...] = ()
    location: Location = _UNKNOWN
    ingress_written: Written = "unknown"
    egress_written: Written = "unknown"
    policy_types_written: Written = "unknown"
    manifest_location: Location = _UNKNOWN

    @property
    def key(self) -> str:
        return f"{self.namespace}/{self.name}"

    def rules(self, direction: Direction) -> tuple[Rule, ...]:
        return self.ingress if direction is Direction.INGRESS else self.egress

    def affects(self, direction: Direction) -> bool:
        return direction in self.policy_types

    def selects(
        self, namespace: str | None, labels: Mapping[str, str], direction: Direction | None = None
    ) -> bool:
        """The policy applies to a pod of ``namespace`` with ``labels`` (its own namespace,
        its podSelector) — and, given a ``direction``, isolates it in that direction."""
        if namespace != self.namespace or (direction is not None and direction not in self.policy_types):
            return False
        return self.pod_selector.matches(labels)


class Namespace(BaseModel):
    """A namespace; ``labels`` always include ``kubernetes.io/metadata.name``.

    ``declared`` is False for namespaces only referenced by other objects: their labels are
    then *unknown* besides the name (`Cluster.labels_unknown`), and ``labels`` hold the name
    only.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    name: str
    labels: dict[str, str]
    declared: bool = True
    location: Location = _UNKNOWN


class Pod(BaseModel):
    """A pod, or the pod template of a workload (``kind`` names which).

    ``ips`` is empty when the input does not give one (templates, pending pods); analyses
    then let the IP range over ``--pod-cidr`` and never guess. ``name`` of a template is
    ``workload[Kind]`` (``web[Deployment]``), which is also its endpoint name.

    ``replicated`` is True for a template that stands for at least two distinct pods
    (``replicas`` ≥ 2, a DaemonSet, an autoscaled workload): its replicas talk to each other
    through policy like any two pods, so a flow from the template to itself is *not* self
    traffic. Replicas share labels and named ports but never an address.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    namespace: str
    name: str
    labels: dict[str, str]
    ips: tuple[IPAddress, ...] = ()
    ports: tuple[ContainerPort, ...] = ()
    kind: str = "Pod"
    host_network: bool = False
    replicated: bool = False
    location: Location = _UNKNOWN

    @property
    def key(self) -> str:
        """The endpoint name used in every report: ``namespace/name``."""
        return f"{self.namespace}/{self.name}"

    @property
    def is_template(self) -> bool:
        return self.kind != "Pod"


def parse_ip(text: str) -> IPAddress:
    """Parse an IPv4 or IPv6 address (raises ValueError on bad input)."""
    return ipaddress.ip_address(text.strip())


def parse_network(text: str, *, strict: bool = False) -> IPNetwork:
    """Parse a CIDR; a bare address is its /32 or /128."""
    return ipaddress.ip_network(text.strip(), strict=strict)


__all__ = [
    "NAMESPACE_NAME_LABEL",
    "ContainerPort",
    "Direction",
    "EndpointFacts",
    "IPAddress",
    "IPBlock",
    "IPNetwork",
    "Namespace",
    "NetworkPolicy",
    "Peer",
    "Pod",
    "PolicyPort",
    "Protocol",
    "Rule",
    "Written",
    "parse_ip",
    "parse_network",
]
