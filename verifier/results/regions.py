"""Sets of flows as regions (boxes of sources × destinations × protocols × ports) and the
questions answered with them: ``diff``, the safe-change gate, ``exposure``."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from verifier.model import Protocol, Universe
from verifier.results.flows import AnyRuleRef, EndpointKind, Flow
from verifier.results.verdicts import Verdict


class AddressRange(BaseModel):
    """A closed range of addresses ``first``–``last`` and the CIDRs that cover it exactly."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    first: str
    last: str
    cidrs: tuple[str, ...] = ()

    def __str__(self) -> str:
        if len(self.cidrs) <= 3:
            return ", ".join(self.cidrs)
        return f"{self.first}-{self.last}"


class PodGroup(BaseModel):
    """Inventory pods that no policy tells apart: one namespace, the same mentioned labels."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    namespace: str
    labels: dict[str, str] = {}
    pods: tuple[str, ...] = ()


class EndpointSet(BaseModel):
    """One side of a region: a set of endpoints, described so that a person can read it.

    ``kind``: ``pod`` (inventory pods, listed in ``groups``), ``new-pod`` (the `any`
    universe: every pod satisfying the constraints) or ``external`` (addresses only).
    Constraints are AND-ed; an empty constraint list means "no constraint". ``addresses``
    None = any address (of the packet's family); otherwise the union of the ranges.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: EndpointKind
    description: str
    groups: tuple[PodGroup, ...] = ()
    namespaces: tuple[str, ...] = ()
    namespace_labels: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    named_ports: tuple[str, ...] = ()
    addresses: tuple[AddressRange, ...] | None = None


class FlowRegion(BaseModel):
    """A box of flows — sources × destinations × protocols × ports — entirely inside the
    set asked about (proved by Z3, or computed exactly by the engine over the inventory), with
    one concrete ``example`` flow from it."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    source: EndpointSet
    destination: EndpointSet
    protocols: tuple[Protocol, ...]
    ports: tuple[int, int]
    example: Flow

    @property
    def port_text(self) -> str:
        lo, hi = self.ports
        if (lo, hi) == (1, 65535):
            return "any port"
        return str(lo) if lo == hi else f"{lo}-{hi}"


class RegionStatus(StrEnum):
    """How complete a region list is."""

    COMPLETE = "complete"  # no flow is left outside the listed regions (proved, or enumerated)
    TRUNCATED = "truncated"  # more regions exist and were not listed (the cap was hit)
    UNKNOWN = "unknown"  # the solver gave up: the list may be incomplete
    ERROR = "error"  # an example flow disagreed with the oracle (internal inconsistency)


class RegionList(BaseModel):
    """A set of flows as compact regions. Empty and ``complete`` = proved empty."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    status: RegionStatus
    regions: tuple[FlowRegion, ...] = ()
    reason: str = ""
    solver_calls: int = 0
    # "z3": regions grown and the list closed by solver queries; "engine": the set computed
    # exhaustively over the inventory by set algebra and cut into boxes (never an empty list).
    method: str = "z3"

    @property
    def proved_empty(self) -> bool:
        return self.status is RegionStatus.COMPLETE and not self.regions and self.method == "z3"


class DiffResult(BaseModel):
    """``diff``: flows allowed by the new policies and not by the old (``added``) and the
    reverse (``removed``), in one universe, over the same inventory."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    universe: Universe
    added: RegionList
    removed: RegionList
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()
    #: Per added region, the new policies' rules that allow its example flow; None when not
    #: asked for (only the Markdown and SARIF reports list them).
    added_rules: tuple[tuple[AnyRuleRef, ...], ...] | None = None

    def check_verdict(self, check: str) -> Verdict:
        """``equivalent`` (nothing added or removed) / ``no-new-access`` (nothing added)."""
        lists = (self.added, self.removed) if check == "equivalent" else (self.added,)
        if any(rl.regions for rl in lists):
            return Verdict.VIOLATED
        if any(rl.status is RegionStatus.ERROR for rl in lists):
            return Verdict.ERROR
        if all(rl.proved_empty for rl in lists):
            return Verdict.HOLDS
        return Verdict.UNKNOWN


class GateStep(BaseModel):
    """One step of the safe-change gate. ``verdict`` holds = the step passed (proved)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    name: str
    title: str
    verdict: Verdict
    detail: str = ""
    flow: Flow | None = None
    regions: RegionList | None = None


class GateResult(BaseModel):
    """The three steps: the intent was false before, is true after, and nothing outside the
    intent's scope changed. The change is safe iff all three hold."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    intent: str
    universe: Universe
    steps: tuple[GateStep, ...]
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()

    @property
    def verdict(self) -> Verdict:
        order = (Verdict.VIOLATED, Verdict.ERROR, Verdict.UNKNOWN)
        for v in order:
            if any(s.verdict is v for s in self.steps):
                return v
        return Verdict.HOLDS


class ExposureResult(BaseModel):
    """``exposure``: who can reach the destination set, as regions of allowed flows."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    universe: Universe
    destination: str
    regions: RegionList
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()
