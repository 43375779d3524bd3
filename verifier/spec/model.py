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
from verifier.model import IPBlock, LabelSelector, PolicyPort, Universe


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
