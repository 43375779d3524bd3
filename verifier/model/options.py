"""What an analysis quantifies over, and the switches that change semantics."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from verifier.model.ip import IntervalSet, networks_set
from verifier.model.resources import IPNetwork


class Universe(StrEnum):
    """Which endpoints exist.

    ``inventory``: the pods and workload templates of the input, plus every external address.
    ``any``: every pod that could ever be deployed — any labels, any named ports, in any
    existing namespace (with its real labels) or in a new one — plus every external address.
    """

    INVENTORY = "inventory"
    ANY = "any"


class AnalysisOptions(BaseModel):
    """Options shared by every command that evaluates policies.

    ``universe`` None = the default: inventory when the input has pods or workloads, else any.
    ``pod_cidrs``: where pods whose IP is unknown (templates, hypothetical pods) get their
    addresses; empty = any address of either family. ``ipblock_pods``: whether policy
    ipBlocks also match pod IPs (upstream e2e expects yes; Cilium-like CNIs behave as no).
    ``timeout_s``: per solver query; a timeout is reported as ``unknown``, never as proof.
    ``rlimit`` > 0 caps Z3's deterministic work counter per query: unlike a timeout it gives
    the same ``unknown`` on every machine, which makes inconclusive runs reproducible.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    universe: Universe | None = None
    pod_cidrs: tuple[IPNetwork, ...] = ()
    ipblock_pods: bool = True
    timeout_s: float = 60.0
    rlimit: int = 0

    def universe_for(self, has_inventory: bool, own: Universe | None = None) -> Universe:
        """The universe rule, stated once: a property's own universe, else the command line's,
        else ``inventory`` when the input has pods or workloads and ``any`` otherwise."""
        if own is not None:
            return own
        if self.universe is not None:
            return self.universe
        return Universe.INVENTORY if has_inventory else Universe.ANY

    def pod_ip_space(self) -> IntervalSet:
        """Addresses a pod with an unknown IP may have."""
        if not self.pod_cidrs:
            return IntervalSet.full()
        return networks_set(self.pod_cidrs)
