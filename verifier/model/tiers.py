"""The cluster-wide tiers around NetworkPolicies, and their semantics, stated once.

Three APIs load into these types (`verifier.load.tiers`):
``policy.networking.k8s.io/v1alpha1`` AdminNetworkPolicy (Admin tier) and
BaselineAdminNetworkPolicy (Baseline tier, the singleton ``default``), and ``v1alpha2``
ClusterNetworkPolicy (``tier: Admin|Baseline``). Their actions are normalised: v1alpha2's
``Accept`` is `Action.ALLOW` (``TierRule.action_written`` keeps the spelling for reports).

Per direction (egress judged at the source pod, ingress at the destination pod), a flow is
judged by a chain (design.md §1 "Tiers"):

1. the **Admin tier**: its policies by ascending ``priority``, each policy's rules of that
   direction in written order, for the policies whose subject selects the pod; the first rule
   that matches decides: Allow or Deny is final, Pass skips the rest of the Admin tier;
2. the **NetworkPolicy tier**: when a NetworkPolicy isolates the pod in that direction, its
   verdict is final (allowed iff some rule matches);
3. the **Baseline tier**: the same first-match walk (a Pass, or no match, goes on);
4. the **default**: allowed.

Two things make a verdict *undecidable from manifests*, and the chain then yields every
outcome that can happen instead of guessing one (`Outcome` sets): two policies of one tier
with the same priority that both match with different outcomes (the implementation may
apply either), and a ``domainNames`` peer (which addresses a name resolves to is not in the
manifests). An analysis that depends on such a flow reports `unknown`, never holds.

Peers: ``namespaces`` and ``pods`` match pods (host-network pods are not in the model);
``networks`` match any address in the CIDRs, pods' addresses too (the API says so: an Allow to
``0.0.0.0/0`` allows all IPv4 pod traffic); ``nodes`` match the addresses of the Node objects
whose labels match; ``domainNames`` may match any external address and never a pod. Ports:
a number or range with its protocol, or a named port resolved on the destination pod
(v1alpha1's ``namedPort`` has no protocol: the container port's protocol decides).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from verifier.errors import Location
from verifier.model.ip import IntervalSet, IPAddress, IPNetwork, network_range
from verifier.model.labels import LabelSelector
from verifier.model.resources import Direction, EndpointFacts, Protocol

_UNKNOWN = Location("<unknown>")

ADMIN_NETWORK_POLICY = "AdminNetworkPolicy"
BASELINE_ADMIN_NETWORK_POLICY = "BaselineAdminNetworkPolicy"
CLUSTER_NETWORK_POLICY = "ClusterNetworkPolicy"
TierKind = Literal["AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy"]

Match = bool | None
"""A rule or peer matching a flow: True, False, or None when the manifests cannot say
(a ``domainNames`` peer and an external address)."""


class Tier(StrEnum):
    """Where a cluster-wide policy sits: before (Admin) or after (Baseline) NetworkPolicies."""

    ADMIN = "Admin"
    BASELINE = "Baseline"


class Action(StrEnum):
    """What a matching rule does (v1alpha2's Accept is ALLOW)."""

    ALLOW = "Allow"
    DENY = "Deny"
    PASS = "Pass"


class Outcome(StrEnum):
    """What one policy, one priority level or one tier does with a flow in one direction."""

    ALLOW = "Allow"
    DENY = "Deny"
    PASS = "Pass"
    NO_MATCH = "NoMatch"

    @property
    def goes_on(self) -> bool:
        """Evaluation continues with the next tier (Pass) or the next policy (no match)."""
        return self in (Outcome.PASS, Outcome.NO_MATCH)


class Node(BaseModel):
    """A Node object: its labels and its ``status.addresses`` (``nodes`` peers match them)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    name: str
    labels: dict[str, str]
    addresses: tuple[IPAddress, ...] = ()
    location: Location = _UNKNOWN


class TierPort(BaseModel):
    """One port entry of a tier rule.

    ``name`` set: a named port, resolved on the destination pod (``protocol`` None = any
    protocol the container port declares). Otherwise ``protocol`` with ``first``..``last``
    (both None: every port of the protocol).
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    protocol: Protocol | None = Protocol.TCP
    first: int | None = None
    last: int | None = None
    name: str | None = None

    def numeric_range(self) -> tuple[int, int] | None:
        """The closed port range covered, or None for a named port."""
        if self.name is not None:
            return None
        if self.first is None:
            return (1, 65535)
        return (self.first, self.last if self.last is not None else self.first)

    def matches(self, port: int, protocol: Protocol, destination: EndpointFacts) -> bool:
        if self.name is not None:
            return destination.is_pod and any(
                cp.name == self.name
                and cp.port == port
                and cp.protocol is protocol
                and (self.protocol is None or self.protocol is protocol)
                for cp in destination.ports
            )
        if self.protocol is not protocol:
            return False
        lo, hi = self.numeric_range() or (1, 65535)
        return lo <= port <= hi

    def __str__(self) -> str:
        if self.name is not None:
            return f"named port {self.name}" + (f"/{self.protocol}" if self.protocol else "")
        lo, hi = self.numeric_range() or (1, 65535)
        if (lo, hi) == (1, 65535):
            return f"any/{self.protocol}"
        return f"{lo}/{self.protocol}" if lo == hi else f"{lo}-{hi}/{self.protocol}"


class TierPeer(BaseModel):
    """One peer of a tier rule: exactly one of the fields is set (the loader checks it).

    ``pods`` goes with ``pod_namespaces`` (the NamespacedPod's two selectors, AND-ed)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    namespaces: LabelSelector | None = None
    pod_namespaces: LabelSelector | None = None
    pods: LabelSelector | None = None
    nodes: LabelSelector | None = None
    networks: tuple[IPNetwork, ...] | None = None
    domain_names: tuple[str, ...] | None = None

    @property
    def kind(self) -> str:
        """The field set: namespaces, pods, nodes, networks or domainNames."""
        if self.namespaces is not None:
            return "namespaces"
        if self.pods is not None:
            return "pods"
        if self.nodes is not None:
            return "nodes"
        if self.networks is not None:
            return "networks"
        return "domainNames"

    def network_ranges(self) -> IntervalSet:
        """The addresses a ``networks`` peer matches (empty for other kinds)."""
        return IntervalSet.of(network_range(n) for n in self.networks or ())

    def node_addresses(self, nodes: Sequence[Node]) -> tuple[IPAddress, ...]:
        """The addresses of the Nodes a ``nodes`` peer selects (empty for other kinds)."""
        if self.nodes is None:
            return ()
        return tuple(a for n in nodes if self.nodes.matches(n.labels) for a in n.addresses)

    def matches(self, other: EndpointFacts, nodes: Sequence[Node] = ()) -> Match:
        """The peer matches the other end of a flow (None: cannot be known, domainNames)."""
        if self.namespaces is not None:
            return other.is_pod and self.namespaces.matches(other.namespace_labels)
        if self.pods is not None:
            ns_ok = self.pod_namespaces is None or self.pod_namespaces.matches(other.namespace_labels)
            return other.is_pod and ns_ok and self.pods.matches(other.labels)
        if self.nodes is not None:
            return not other.is_pod and other.ip is not None and other.ip in self.node_addresses(nodes)
        if self.networks is not None:
            ip = other.ip
            return ip is not None and any(ip.version == n.version and ip in n for n in self.networks)
        # domainNames: the manifests do not say which addresses a name resolves to
        return None if not other.is_pod else False

    def __str__(self) -> str:
        if self.namespaces is not None:
            return f"namespaces {self.namespaces}"
        if self.pods is not None:
            return f"pods {self.pods} in namespaces {self.pod_namespaces or LabelSelector()}"
        if self.nodes is not None:
            return f"nodes {self.nodes}"
        if self.networks is not None:
            return "networks " + ", ".join(str(n) for n in self.networks)
        return "domainNames " + ", ".join(self.domain_names or ())


def any_match(values: Iterable[Match]) -> Match:
    """OR over three-valued matches: True if one is True, None if one is None, else False."""
    result: Match = False
    for v in values:
        if v is True:
            return True
        if v is None:
            result = None
    return result


class TierRule(BaseModel):
    """One ingress or egress rule of a tier policy. ``ports`` None = every port/protocol."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    direction: Direction
    index: int
    name: str = ""
    action: Action
    action_written: str = ""
    peers: tuple[TierPeer, ...]
    ports: tuple[TierPort, ...] | None = None
    location: Location = _UNKNOWN

    @property
    def label(self) -> str:
        """How reports name the rule: its name, else ``ingress[2]``."""
        return self.name or f"{self.direction.value.lower()}[{self.index}]"

    def matches(
        self,
        other: EndpointFacts,
        port: int,
        protocol: Protocol,
        destination: EndpointFacts,
        nodes: Sequence[Node] = (),
    ) -> Match:
        """Some peer matches the other end AND (no ports, or some port entry matches)."""
        if self.ports is not None and not any(p.matches(port, protocol, destination) for p in self.ports):
            return False
        return any_match(p.matches(other, nodes) for p in self.peers)


class TierSubject(BaseModel):
    """The pods a tier policy applies to: every pod of the ``namespaces`` it selects, or the
    ``pods`` it selects in the ``pod_namespaces`` it selects."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    namespaces: LabelSelector | None = None
    pod_namespaces: LabelSelector | None = None
    pods: LabelSelector | None = None

    def selects(self, namespace_labels: Mapping[str, str], labels: Mapping[str, str]) -> bool:
        if self.namespaces is not None:
            return self.namespaces.matches(namespace_labels)
        ns_ok = self.pod_namespaces is None or self.pod_namespaces.matches(namespace_labels)
        return ns_ok and (self.pods is None or self.pods.matches(labels))

    def __str__(self) -> str:
        if self.namespaces is not None:
            return f"namespaces {self.namespaces}"
        return f"pods {self.pods or LabelSelector()} in namespaces {self.pod_namespaces or LabelSelector()}"


class TierPolicy(BaseModel):
    """An AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy.

    ``priority``: 0-1000, lower first within its tier; a BaselineAdminNetworkPolicy has none
    and sorts after every Baseline-tier ClusterNetworkPolicy (`TierPolicy.order`)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: TierKind
    name: str
    tier: Tier
    priority: int | None = None
    subject: TierSubject
    ingress: tuple[TierRule, ...] = ()
    egress: tuple[TierRule, ...] = ()
    location: Location = _UNKNOWN
    manifest_location: Location = _UNKNOWN

    @property
    def key(self) -> str:
        """How reports name the policy: ``AdminNetworkPolicy/name``."""
        return f"{self.kind}/{self.name}"

    @property
    def order(self) -> int:
        """Sort key within the tier (a BANP, without priority, comes last)."""
        return self.priority if self.priority is not None else 1001

    def rules(self, direction: Direction) -> tuple[TierRule, ...]:
        return self.ingress if direction is Direction.INGRESS else self.egress

    def selects(self, pod: EndpointFacts) -> bool:
        return pod.is_pod and self.subject.selects(pod.namespace_labels, pod.labels)

    def outcomes(
        self,
        direction: Direction,
        pod: EndpointFacts,
        other: EndpointFacts,
        port: int,
        protocol: Protocol,
        destination: EndpointFacts,
        nodes: Sequence[Node] = (),
    ) -> frozenset[Outcome]:
        """What the policy can do with the flow on ``pod``'s ``direction``: first match wins;
        a rule that may match (domainNames) adds its action and lets the walk go on."""
        if not self.selects(pod):
            return frozenset({Outcome.NO_MATCH})
        found: set[Outcome] = set()
        for rule in self.rules(direction):
            m = rule.matches(other, port, protocol, destination, nodes)
            if m is False:
                continue
            found.add(Outcome(rule.action.value))
            if m is True:
                return frozenset(found)
        return frozenset(found | {Outcome.NO_MATCH})


def level_outcomes(per_policy: Iterable[frozenset[Outcome]]) -> frozenset[Outcome]:
    """Policies of one tier and one priority, applied in an order the implementation picks:
    any policy's decision can come first; nothing matches only if each may not match."""
    sets = list(per_policy)
    out: set[Outcome] = {o for s in sets for o in s if o is not Outcome.NO_MATCH}
    if all(Outcome.NO_MATCH in s for s in sets):
        out.add(Outcome.NO_MATCH)
    return frozenset(out)


def tier_outcomes(levels: Iterable[frozenset[Outcome]]) -> frozenset[Outcome]:
    """A tier's priority levels in order: a level decides (Allow, Deny or Pass) unless it may
    not match, in which case the next level can decide too."""
    out: set[Outcome] = set()
    for level in levels:
        out |= level - {Outcome.NO_MATCH}
        if Outcome.NO_MATCH not in level:
            return frozenset(out)
    return frozenset(out | {Outcome.NO_MATCH})


def chain_verdicts(
    admin: frozenset[Outcome], network_policy: bool | None, baseline: frozenset[Outcome]
) -> frozenset[bool]:
    """Every verdict one direction can reach: Admin outcomes, then the NetworkPolicy verdict
    (None: no NetworkPolicy isolates the pod in this direction), then Baseline, then allow."""
    verdicts: set[bool] = set()
    for a in admin:
        if not a.goes_on:
            verdicts.add(a is Outcome.ALLOW)
        elif network_policy is not None:
            verdicts.add(network_policy)
        else:
            verdicts.update(b is not Outcome.DENY for b in baseline)
    return frozenset(verdicts)


def priority_levels(policies: Iterable[TierPolicy], tier: Tier) -> list[list[TierPolicy]]:
    """The tier's policies grouped by priority, in evaluation order."""
    by: dict[int, list[TierPolicy]] = {}
    for p in policies:
        if p.tier is tier:
            by.setdefault(p.order, []).append(p)
    return [sorted(by[k], key=lambda p: p.key) for k in sorted(by)]


__all__ = [
    "ADMIN_NETWORK_POLICY",
    "BASELINE_ADMIN_NETWORK_POLICY",
    "CLUSTER_NETWORK_POLICY",
    "Action",
    "Match",
    "Node",
    "Outcome",
    "Tier",
    "TierKind",
    "TierPeer",
    "TierPolicy",
    "TierPort",
    "TierRule",
    "TierSubject",
    "any_match",
    "chain_verdicts",
    "level_outcomes",
    "priority_levels",
    "tier_outcomes",
]
