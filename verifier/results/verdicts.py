"""Verdicts on properties: `Verdict`, one `PropertyResult` per property, the `CheckReport`
of a run, and the single-port `MatrixResult`."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from verifier.errors import Location
from verifier.model import Protocol, Universe
from verifier.results.flows import AnyRuleRef, Decision, Flow
from verifier.spec import Expect


class Verdict(StrEnum):
    """Outcome of one property, ordered from best to worst for exit-code purposes."""

    HOLDS = "holds"  # Z3 answered unsat for the negation (or sat for a reachable witness)
    VIOLATED = "violated"  # a concrete counterexample flow exists (or no witness exists)
    UNKNOWN = "unknown"  # the solver gave up (timeout, resource limit): never a proof
    ERROR = "error"  # the property could not be evaluated (bad reference, unsupported input)


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
    rules: tuple[AnyRuleRef, ...] = ()
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
