"""Properties: what a user claims about the policies, before any solver sees it.

A property says that, over the flows in its scope — sources in ``sources`` (a union of
peers), destinations in ``destinations``, on ``ports`` — traffic is denied (``deny``: no flow
in scope is allowed), allowed (``allow``: every flow in scope is allowed) or possible
(``reachable``: at least one flow in scope is allowed). Lists are OR-ed, fields AND-ed.
Flows from a pod to itself are outside every property.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from verifier.errors import Location
from verifier.model import EndpointFacts, IPBlock, LabelSelector, PolicyPort, Protocol, Universe


class Expect(StrEnum):
    """The three property kinds."""

    DENY = "deny"
    ALLOW = "allow"
    REACHABLE = "reachable"


class SpecPeer(BaseModel):
    """One entry of a property's ``from``/``to`` list.

    A pod peer (any of ``namespace``, ``namespace_selector``, ``pod_selector``, ``pod``) means
    pods whose namespace is named ``namespace`` AND matches ``namespace_selector``, whose
    labels match ``pod_selector`` — a lone ``pod_selector`` means pods in *any* namespace —
    and, with ``pod`` (``ns/name``), that one inventory endpoint. An ``ip_block`` peer means
    external endpoints only: addresses in the block, outside ``--pod-cidr`` when given, else
    addresses no inventory pod has.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    namespace: str | None = None
    namespace_selector: LabelSelector | None = None
    pod_selector: LabelSelector | None = None
    pod: str | None = None
    ip_block: IPBlock | None = None

    @property
    def is_external(self) -> bool:
        return self.ip_block is not None

    def contains(self, endpoint: EndpointFacts) -> bool:
        """The endpoint is one this peer names (see the class docstring); an external
        endpoint is never a pod peer's, a pod never an ipBlock peer's."""
        if self.ip_block is not None:
            return not endpoint.is_pod and endpoint.ip is not None and self.ip_block.contains(endpoint.ip)
        if not endpoint.is_pod:
            return False
        if self.pod is not None and (
            endpoint.name is None or f"{endpoint.namespace}/{endpoint.name}" != self.pod
        ):
            return False
        if self.namespace is not None and endpoint.namespace != self.namespace:
            return False
        if self.namespace_selector is not None and not self.namespace_selector.matches(
            endpoint.namespace_labels
        ):
            return False
        return self.pod_selector is None or self.pod_selector.matches(endpoint.labels)

    def __str__(self) -> str:
        if self.ip_block is not None:
            return f"ipBlock {self.ip_block}"
        parts = []
        if self.pod is not None:
            parts.append(f"pod {self.pod}")
        if self.namespace is not None:
            parts.append(f"namespace {self.namespace}")
        if self.namespace_selector is not None:
            parts.append(f"namespaceSelector {self.namespace_selector}")
        if self.pod_selector is not None:
            parts.append(f"podSelector {self.pod_selector}")
        return " AND ".join(parts) or "any pod"


class Property(BaseModel):
    """A named claim. ``sources``/``destinations``/``ports`` None = everything."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    name: str
    expect: Expect
    description: str = ""
    universe: Universe | None = None
    sources: tuple[SpecPeer, ...] | None = None
    destinations: tuple[SpecPeer, ...] | None = None
    ports: tuple[PolicyPort, ...] | None = None
    location: Location = Location("<command line>")

    def in_scope(
        self, source: EndpointFacts, destination: EndpointFacts, port: int, protocol: Protocol
    ) -> bool:
        """The flow is one the property talks about (self traffic aside: callers never ask)."""
        if self.sources is not None and not any(p.contains(source) for p in self.sources):
            return False
        if self.destinations is not None and not any(p.contains(destination) for p in self.destinations):
            return False
        return self.ports is None or any(p.matches(port, protocol, destination) for p in self.ports)
