"""Frozen results: verdicts, flows, decisions, reports. No Z3 object ever reaches this module.

Every report format (text, JSON, JUnit, SARIF, …) renders these values and nothing else, so
formats can be tested with hand-built results, without running a solver.
"""

from __future__ import annotations

import hashlib
import re
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


class DirectionDecision(BaseModel):
    """How one side (egress at the source, ingress at the destination) judged a flow.

    ``isolated`` False means no policy selects the pod for this direction: all allowed.
    ``policies`` are the isolating policies; ``allowed_by`` the rules that matched.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

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

    model_config = ConfigDict(frozen=True, defer_build=True)

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

    model_config = ConfigDict(frozen=True, defer_build=True)

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


#: The name of the pseudo-property of ``check --baseline`` (no new access outside the specs).
BASELINE_NAME = "baseline: no new access outside the specs"


class CheckReport(BaseModel):
    """All property results of one run, plus the input warnings."""

    model_config = ConfigDict(frozen=True, defer_build=True)

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

    model_config = ConfigDict(frozen=True, defer_build=True)

    port: int
    protocol: Protocol
    endpoints: tuple[str, ...]
    rows: tuple[int, ...]
    conditional: tuple[tuple[int, int], ...] = ()
    warnings: tuple[str, ...] = ()

    def allowed(self, i: int, j: int) -> bool:
        return bool(self.rows[i] >> j & 1)


# --------------------------------------------------------------------------------------------
# The questions of issue 4: explain, regions (diff, exposure), the safe-change gate, lint.


class PeerCheck(BaseModel):
    """Whether one peer of a rule matches the other endpoint, and why (one line)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    peer: str
    matched: bool
    reason: str


class PortCheck(BaseModel):
    """Whether one port entry of a rule matches the flow's port/protocol, and why."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    port: str
    matched: bool
    reason: str


class RuleCheck(BaseModel):
    """One rule of an isolating policy judged against a flow.

    A rule matches iff ``peers_ok`` (no ``from``/``to`` = all peers, else some peer matches)
    AND ``ports_ok`` (no ``ports`` = all, else some entry matches). ``peers``/``ports`` are
    empty when the rule has no such list (it then matches every peer / every port).
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    rule: RuleRef
    matched: bool
    peers_ok: bool
    ports_ok: bool
    peers: tuple[PeerCheck, ...] = ()
    ports: tuple[PortCheck, ...] = ()


class PolicyCheck(BaseModel):
    """A policy of the pod's namespace: whether it isolates the pod in this direction (and
    why not), and — when it does — every rule judged."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    policy: RuleRef
    isolates: bool
    reason: str
    rules: tuple[RuleCheck, ...] = ()


class SideExplanation(BaseModel):
    """One side of a flow: egress at the source or ingress at the destination.

    ``policies`` are the policies of the pod's namespace (isolating ones first); the side
    allows the flow iff it is not isolated or some rule of an isolating policy matched.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    direction: Direction
    endpoint: str
    isolated: bool
    allowed: bool
    policies: tuple[PolicyCheck, ...] = ()


class Explanation(BaseModel):
    """``explain``: the verdict on one concrete flow and the full chain behind it.

    ``allowed`` is the oracle's verdict; ``egress``/``ingress`` are None for an external end.
    ``blockers`` lists, when denied, one line per isolating policy that failed, naming the
    reason each of its rules did not match.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    flow: Flow
    allowed: bool
    self_traffic: bool = False
    egress: SideExplanation | None = None
    ingress: SideExplanation | None = None
    blockers: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


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
    added_rules: tuple[tuple[RuleRef, ...], ...] | None = None

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


class Severity(StrEnum):
    """How bad a lint finding is."""

    ERROR = "error"  # traffic is certainly not what the author meant (e.g. DNS blocked)
    WARNING = "warning"  # likely a mistake (dead rule, trap)
    INFO = "info"  # worth knowing (unprotected pods, redundant rule)


# ``file.yaml:12:5`` inside a message: the line and column are dropped from the fingerprint.
_LOCATED = re.compile(r"([\w./-]+\.(?:ya?ml|json)):\d+(?::\d+)?")


def finding_fingerprint(id_: str, obj: str, message: str) -> str:
    """A stable fingerprint of a lint finding: its ID, object and message, with line and
    column numbers removed and whitespace collapsed (16 hex digits of a SHA-256)."""
    text = " ".join(_LOCATED.sub(r"\1", message).split())
    return hashlib.sha256(f"{id_}\x1f{obj}\x1f{text}".encode()).hexdigest()[:16]


class Finding(BaseModel):
    """One lint finding: a stable ``id`` (NV001…), the object and a one-line why.

    ``in_baseline`` is True when ``lint`` was given a baseline (a previous run's findings)
    holding the same finding (same ID, object and `fingerprint`): it existed before."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    severity: Severity
    object: str
    message: str
    location: Location = Location("<unknown>")
    in_baseline: bool = False

    @property
    def fingerprint(self) -> str:
        """`finding_fingerprint` of this finding: independent of where it was loaded from."""
        return finding_fingerprint(self.id, self.object, self.message)

    @property
    def is_new(self) -> bool:
        return not self.in_baseline


class LintReport(BaseModel):
    """Every finding, in a stable order, plus the checks that could not run and why."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    universe: Universe
    findings: tuple[Finding, ...]
    skipped: tuple[str, ...] = ()
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()
    #: The DNS service NV011/NV012 checked against, and where it came from ("" before it was set).
    dns: str = ""
    #: True when a baseline was given: `Finding.in_baseline` is meaningful.
    baselined: bool = False
    #: Findings of the baseline that this run no longer reports.
    resolved: int = 0

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def new_findings(self) -> tuple[Finding, ...]:
        """The findings not in the baseline (all of them without one): what CI fails on."""
        return tuple(f for f in self.findings if not f.in_baseline)

    def count_new(self, severity: Severity) -> int:
        return sum(1 for f in self.new_findings if f.severity is severity)


class ExposureResult(BaseModel):
    """``exposure``: who can reach the destination set, as regions of allowed flows."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    universe: Universe
    destination: str
    regions: RegionList
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()


# The connectivity relation (`matrix` without --port, docs/matrix.md) and the bitset helpers
# it and its views use live in `verifier.results.connectivity` and `verifier.results.bits`.
from verifier.results.connectivity import NOTHING as NOTHING  # noqa: E402
from verifier.results.connectivity import Connection as Connection  # noqa: E402
from verifier.results.connectivity import Connectivity as Connectivity  # noqa: E402
from verifier.results.connectivity import ExternalConnectivity as ExternalConnectivity  # noqa: E402
from verifier.results.connectivity import portmap_text as portmap_text  # noqa: E402
from verifier.results.connectivity import ranges_text as ranges_text  # noqa: E402
