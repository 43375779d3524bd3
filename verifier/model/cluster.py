"""The whole input in one value: the inventory (namespaces, pods, nodes) and every policy.

Kept apart from `verifier.model.resources` because it holds both NetworkPolicies and the
cluster-wide tier policies (`verifier.model.tiers`), which build on the resource types.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from verifier.model.labels import LabelSelector
from verifier.model.resources import NAMESPACE_NAME_LABEL, Namespace, NetworkPolicy, Pod
from verifier.model.tiers import Node, Tier, TierPolicy, priority_levels


class Cluster(BaseModel):
    """Everything loaded: the inventory (namespaces, pods) and the policies.

    ``namespaces`` is keyed by name and includes undeclared-but-referenced namespaces.
    ``pods`` keeps input order; reports sort endpoints by `Pod.key`. ``tier_policies`` are
    the AdminNetworkPolicies, BaselineAdminNetworkPolicies and ClusterNetworkPolicies;
    ``nodes`` the Node objects (``nodes`` peers match their addresses).
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    namespaces: dict[str, Namespace] = Field(default_factory=dict)
    pods: tuple[Pod, ...] = ()
    policies: tuple[NetworkPolicy, ...] = ()
    tier_policies: tuple[TierPolicy, ...] = ()
    nodes: tuple[Node, ...] = ()
    assume_unlabelled_namespaces: bool = False

    @property
    def has_inventory(self) -> bool:
        return bool(self.pods)

    def labels_unknown(self, name: str) -> bool:
        """Whether the namespace's labels (besides its name) are unknown: it is referenced but
        not declared, and the user did not opt into assuming it carries the name label only
        (``assume_unlabelled_namespaces``). Analyses then hold for every label set it could
        carry."""
        ns = self.namespaces.get(name)
        return ns is not None and not ns.declared and not self.assume_unlabelled_namespaces

    @property
    def unknown_label_namespaces(self) -> tuple[str, ...]:
        return tuple(sorted(n for n in self.namespaces if self.labels_unknown(n)))

    def namespace_may_match(self, name: str, selector: LabelSelector) -> bool:
        """Some label set the namespace may carry matches ``selector``."""
        labels = self.namespace_labels(name)
        return selector.may_match(labels) if self.labels_unknown(name) else selector.matches(labels)

    def namespace_must_match(self, name: str, selector: LabelSelector) -> bool:
        """Every label set the namespace may carry matches ``selector``."""
        labels = self.namespace_labels(name)
        return selector.must_match(labels) if self.labels_unknown(name) else selector.matches(labels)

    def namespace_labels(self, name: str) -> dict[str, str]:
        ns = self.namespaces.get(name)
        if ns is not None:
            return ns.labels
        return {NAMESPACE_NAME_LABEL: name}

    def policies_in(self, namespace: str) -> tuple[NetworkPolicy, ...]:
        return tuple(p for p in self.policies if p.namespace == namespace)

    @property
    def has_tiers(self) -> bool:
        return bool(self.tier_policies)

    def tier_levels(self, tier: Tier) -> list[list[TierPolicy]]:
        """The tier's policies grouped by priority, in evaluation order."""
        return priority_levels(self.tier_policies, tier)


__all__ = ["Cluster"]
