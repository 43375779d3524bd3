"""Frozen results: verdicts, flows, decisions, reports. No Z3 object ever reaches this module.

Every report format (text, JSON, JUnit, SARIF, …) renders these values and nothing else, so
formats can be tested with hand-built results, without running a solver.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from verifier.errors import Location
from verifier.model import ContainerPort, Direction, IPAddress, Protocol, Universe
from verifier.spec import Expect


class Verdict(StrEnum):
    """Outcome of one property, ordered from best to worst for exit-code purposes."""

    HOLDS = "holds"  # Z3 answered unsat for the negation (or sat for a reachable witness)
    VIOLATED = "violated"  # a concrete counterexample flow exists (or no witness exists)
    UNKNOWN = "unknown"  # the solver gave up (timeout, resource limit): never a proof
    ERROR = "error"  # the property could not be evaluated (bad reference, unsupported input)


class EndpointKind(StrEnum):
    POD = "pod"  # an inventory pod or workload template
    NEW_POD = "new-pod"  # a hypothetical pod of the `any` universe
    EXTERNAL = "external"  # an address that is no pod


class Endpoint(BaseModel):
    """One end of a flow, self-contained: the oracle needs nothing else to decide.

    For pods: namespace name and labels, pod labels, the IP (None when unknown) and the named
    ports the pod defines. For external endpoints: only ``ip``.
    """

    model_config = ConfigDict(frozen=True)

    kind: EndpointKind
    ip: IPAddress | None = None
    namespace: str | None = None
    name: str | None = None
    labels: dict[str, str] = {}
    namespace_labels: dict[str, str] = {}
    new_namespace: bool = False
    ports: tuple[ContainerPort, ...] = ()

    @property
    def is_pod(self) -> bool:
        return self.kind is not EndpointKind.EXTERNAL

    def __str__(self) -> str:
        if self.kind is EndpointKind.EXTERNAL:
            return str(self.ip)
        ip = f" ({self.ip})" if self.ip is not None else ""
        if self.kind is EndpointKind.POD:
            return f"{self.namespace}/{self.name}{ip}"
        labels = ",".join(f"{k}={v}" for k, v in sorted(self.labels.items()))
        ns = f"new namespace {self.namespace}" if self.new_namespace else f"namespace {self.namespace}"
        return f"new pod {{{labels}}} in {ns}{ip}"


class Flow(BaseModel):
    """A concrete flow: ``source -> destination port/protocol``."""

    model_config = ConfigDict(frozen=True)

    source: Endpoint
    destination: Endpoint
    port: int
    protocol: Protocol

    def __str__(self) -> str:
        return f"{self.source} -> {self.destination} {self.port}/{self.protocol}"


class RuleRef(BaseModel):
    """A policy, or one rule of it (``index`` None means the policy as a whole)."""

    model_config = ConfigDict(frozen=True)

    policy: str  # namespace/name
    direction: Direction
    index: int | None = None
    location: Location = Location("<unknown>")

    def __str__(self) -> str:
        if self.index is None:
            return f"{self.policy} ({self.direction.value.lower()})"
        return f"{self.policy} {self.direction.value.lower()}[{self.index}]"


class DirectionDecision(BaseModel):
    """How one side (egress at the source, ingress at the destination) judged a flow.

    ``isolated`` False means no policy selects the pod for this direction: all allowed.
    ``policies`` are the isolating policies; ``allowed_by`` the rules that matched.
    """

    model_config = ConfigDict(frozen=True)

    direction: Direction
    isolated: bool
    policies: tuple[RuleRef, ...] = ()
    allowed_by: tuple[RuleRef, ...] = ()

    @property
    def allowed(self) -> bool:
        return not self.isolated or bool(self.allowed_by)


class Decision(BaseModel):
    """The oracle's verdict on one concrete flow.

    ``egress`` is None when the source is external, ``ingress`` when the destination is.
    ``self_traffic`` flows (a pod to itself) are allowed and not governed by policy.
    """

    model_config = ConfigDict(frozen=True)

    allowed: bool
    egress: DirectionDecision | None = None
    ingress: DirectionDecision | None = None
    self_traffic: bool = False

    def rules_involved(self) -> tuple[RuleRef, ...]:
        """Rules that allowed the flow, or — when denied — the isolating policies that failed."""
        out: list[RuleRef] = []
        for side in (self.egress, self.ingress):
            if side is None or not side.isolated:
                continue
            out.extend(side.allowed_by if side.allowed_by else side.policies)
        return tuple(out)


class PropertyResult(BaseModel):
    """The verdict on one property, with a counterexample or witness when there is one.

    ``flow`` is the counterexample (deny/allow violated) or the witness (reachable holds).
    ``rules`` are the rules that allowed the flow, or the isolating policies none of whose
    rules matched. ``reason`` says why a result is unknown or an error.
    """

    model_config = ConfigDict(frozen=True)

    name: str
    expect: Expect
    universe: Universe
    verdict: Verdict
    description: str = ""
    flow: Flow | None = None
    decision: Decision | None = None
    rules: tuple[RuleRef, ...] = ()
    explanation: tuple[str, ...] = ()
    reason: str = ""
    seconds: float = 0.0
    solver_rlimit: int = 0
    location: Location = Location("<command line>")


class CheckReport(BaseModel):
    """All property results of one run, plus the input warnings."""

    model_config = ConfigDict(frozen=True)

    results: tuple[PropertyResult, ...]
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0

    def count(self, verdict: Verdict) -> int:
        return sum(1 for r in self.results if r.verdict is verdict)


class MatrixResult(BaseModel):
    """Pod-to-pod reachability on one port/protocol.

    ``rows[i]`` is a bitset: bit j set iff endpoints[i] may reach endpoints[j] for every
    possible IP of pods whose IP is unknown. ``conditional`` lists (i, j) cells that some,
    but not all, such IPs allow. Bitsets keep a 10,000-pod matrix in memory cheaply.
    """

    model_config = ConfigDict(frozen=True)

    port: int
    protocol: Protocol
    endpoints: tuple[str, ...]
    rows: tuple[int, ...]
    conditional: tuple[tuple[int, int], ...] = ()
    warnings: tuple[str, ...] = ()

    def allowed(self, i: int, j: int) -> bool:
        return bool(self.rows[i] >> j & 1)
