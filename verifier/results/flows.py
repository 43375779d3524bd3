"""Flows and how the policies decide them: endpoints, a concrete flow, the rules involved
(`RuleRef`) and the oracle's `Decision` on one flow."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict

from verifier.errors import Location
from verifier.model import ContainerPort, Direction, IPAddress, Protocol


class EndpointKind(StrEnum):
    POD = "pod"  # an inventory pod or workload template
    NEW_POD = "new-pod"  # a hypothetical pod of the `any` universe
    EXTERNAL = "external"  # an address that is no pod


class Endpoint(BaseModel):
    """One end of a flow, self-contained: the oracle needs nothing else to decide.

    For pods: namespace name and labels, pod labels, the IP (None when unknown) and the named
    ports the pod defines. For external endpoints: only ``ip``.

    ``replica`` tells two pods of one replicated workload template apart (1, 2, …): a flow
    between two replicas is governed by policy, a flow from a pod to itself is not.
    ``ip_range`` is set when the input does not give the pod's address: ``ip`` is then one
    representative of ``ip_range``, every free address of which decides the flow alike —
    reports say "IP unknown" instead of presenting the representative as the pod's address.
    ``assumed_namespace_labels`` is True when the namespace is not declared in the input and
    ``namespace_labels`` are labels it was assumed to carry (the counterexample needs them).
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: EndpointKind
    ip: IPAddress | None = None
    namespace: str | None = None
    name: str | None = None
    labels: dict[str, str] = {}
    namespace_labels: dict[str, str] = {}
    new_namespace: bool = False
    ports: tuple[ContainerPort, ...] = ()
    replica: int | None = None
    ip_range: str | None = None
    assumed_namespace_labels: bool = False

    @property
    def is_pod(self) -> bool:
        return self.kind is not EndpointKind.EXTERNAL

    def same_pod(self, other: Endpoint) -> bool:
        """Both ends are one and the same pod (self traffic)."""
        return (
            self.kind is EndpointKind.POD
            and other.kind is EndpointKind.POD
            and self.namespace == other.namespace
            and self.name == other.name
            and self.replica == other.replica
        )

    def address_text(self) -> str:
        """`` (10.0.0.1)``, `` (IP unknown: any free address in 10.0.0.0/8)`` or nothing."""
        if self.ip_range is not None:
            return f" (IP unknown: any free address in {self.ip_range})"
        return f" ({self.ip})" if self.ip is not None else ""

    def __str__(self) -> str:
        if self.kind is EndpointKind.EXTERNAL:
            return str(self.ip)
        ip = self.address_text()
        if self.kind is EndpointKind.POD:
            replica = f" replica {self.replica}" if self.replica is not None else ""
            return f"{self.namespace}/{self.name}{replica}{ip}"
        labels = ",".join(f"{k}={v}" for k, v in sorted(self.labels.items()))
        ns = f"new namespace {self.namespace}" if self.new_namespace else f"namespace {self.namespace}"
        return f"new pod {{{labels}}} in {ns}{ip}"


class Flow(BaseModel):
    """A concrete flow: ``source -> destination port/protocol``."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    source: Endpoint
    destination: Endpoint
    port: int
    protocol: Protocol

    def __str__(self) -> str:
        return f"{self.source} -> {self.destination} {self.port}/{self.protocol}"


class RuleRef(BaseModel):
    """A policy, or one rule of it (``index`` None means the policy as a whole)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    policy: str  # namespace/name
    direction: Direction
    index: int | None = None
    location: Location = Location("<unknown>")

    def __str__(self) -> str:
        if self.index is None:
            return f"{self.policy} ({self.direction.value.lower()})"
        return f"{self.policy} {self.direction.value.lower()}[{self.index}]"


class TierRuleRef(BaseModel):
    """One rule of a cluster-wide tier policy (AdminNetworkPolicy, BaselineAdminNetworkPolicy,
    ClusterNetworkPolicy), named the way admins read them: tier, policy, priority, rule name
    and the action as written."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    tier: str  # Admin | Baseline
    policy: str  # Kind/name
    priority: int | None
    direction: Direction
    index: int
    name: str
    action: str
    location: Location = Location("<unknown>")

    def __str__(self) -> str:
        where = (
            f"{self.tier} tier" if self.priority is None else f"{self.tier} tier, priority {self.priority}"
        )
        return f"{self.policy} ({where}) {self.direction.value.lower()} rule {self.name}: {self.action}"


AnyRuleRef = RuleRef | TierRuleRef
"""A NetworkPolicy rule (or policy) or a tier rule: what reports name as "the rules involved"."""

Decided = Literal["admin", "networkpolicy", "baseline", "default", "undecided"]


class DirectionDecision(BaseModel):
    """How one side (egress at the source, ingress at the destination) judged a flow.

    ``isolated`` False means no NetworkPolicy selects the pod for this direction.
    ``policies`` are the isolating policies; ``allowed_by`` the rules that matched.

    With cluster-wide tiers, ``verdicts`` holds every verdict the chain can reach (one when
    the manifests decide it; both when a same-priority conflict or a domainNames peer leaves
    it to the implementation, ``undecided`` saying why), ``decided_in`` the tier that decided
    and ``tier_rules`` the tier rules that fired, in chain order. Without tiers ``verdicts``
    is empty and the NetworkPolicies alone decide.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    direction: Direction
    isolated: bool
    policies: tuple[RuleRef, ...] = ()
    allowed_by: tuple[RuleRef, ...] = ()
    verdicts: tuple[bool, ...] = ()
    decided_in: Decided = "networkpolicy"
    tier_rules: tuple[TierRuleRef, ...] = ()
    undecided: str = ""

    @property
    def allowed(self) -> bool:
        """Allowed whatever the implementation picks (must-allow)."""
        if self.verdicts:
            return all(self.verdicts)
        return not self.isolated or bool(self.allowed_by)

    @property
    def may_allow(self) -> bool:
        """Allowed under some choice the implementation may make."""
        if self.verdicts:
            return any(self.verdicts)
        return self.allowed


class Decision(BaseModel):
    """The oracle's verdict on one concrete flow.

    ``egress`` is None when the source is external, ``ingress`` when the destination is.
    ``self_traffic`` flows (a pod to itself) are allowed and not governed by policy.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    allowed: bool
    egress: DirectionDecision | None = None
    ingress: DirectionDecision | None = None
    self_traffic: bool = False

    @property
    def may_allow(self) -> bool:
        """Some choice left to the implementation (same-priority conflict, domainNames) lets
        the flow through; equals ``allowed`` when the manifests decide the flow."""
        return self.self_traffic or all(s.may_allow for s in (self.egress, self.ingress) if s is not None)

    @property
    def undecided(self) -> str:
        """Why the manifests do not decide the flow ("" when they do)."""
        if self.allowed == self.may_allow:
            return ""
        return "; ".join(s.undecided for s in (self.egress, self.ingress) if s is not None and s.undecided)

    def tier_rules(self) -> tuple[TierRuleRef, ...]:
        return tuple(r for s in (self.egress, self.ingress) if s is not None for r in s.tier_rules)

    def rules_involved(self) -> tuple[AnyRuleRef, ...]:
        """Per side, the tier rules that fired, then — when the NetworkPolicy tier decided —
        the rules that allowed the flow or, when denied, the isolating policies that failed."""
        out: list[AnyRuleRef] = []
        for side in (self.egress, self.ingress):
            if side is None:
                continue
            out.extend(side.tier_rules)
            if side.isolated and side.decided_in in ("networkpolicy", "undecided"):
                out.extend(side.allowed_by if side.allowed_by else side.policies)
        return tuple(out)
