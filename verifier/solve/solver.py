"""The one gate around ``Solver.check()``.

Seeds are pinned and a timeout (and optionally a deterministic resource limit) is set here
and nowhere else; sat / unsat / unknown are mapped explicitly to `Outcome`s so that no caller
can mistake "the solver gave up" for "proved".
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from enum import Enum

import z3


class Answer(Enum):
    SAT = "sat"  # a model exists
    UNSAT = "unsat"  # no model exists: the only answer that proves anything
    UNKNOWN = "unknown"  # timeout, resource limit or incompleteness: proves nothing


@dataclass(frozen=True)
class Outcome:
    answer: Answer
    model: z3.ModelRef | None
    reason: str
    seconds: float
    rlimit: int


def make_solver(
    timeout_s: float, rlimit: int = 0, ctx: z3.Context | None = None, *, incremental: bool = False
) -> z3.Solver:
    """A bit-vector solver with pinned seeds, so that runs are reproducible."""
    # Not the default QF_BV strategy: its solve-eqs step takes seconds on the large
    # disjunctions an inventory produces, while plain bit-blasting into the SAT core does not.
    # ``incremental``: many small checks against one large formula (growing regions) — the
    # finite-domain solver bit-blasts once and keeps learned clauses across push/pop, where
    # the tactic pipeline would bit-blast the whole formula again for every check.
    if incremental:
        solver = z3.SolverFor("QF_FD", ctx=ctx)
    else:
        tactic = z3.Then("simplify", "propagate-values", "bit-blast", "sat", ctx=ctx)
        solver = tactic.solver()
    solver.set("random_seed", 0)
    if timeout_s > 0:
        solver.set("timeout", max(1, int(timeout_s * 1000)))
    if rlimit > 0:
        solver.set("rlimit", rlimit)
    return solver


def check(solver: z3.Solver, *assumptions: z3.BoolRef, want_model: bool = True) -> Outcome:
    """Run the solver once and classify the answer (``want_model`` False: a sat answer
    without its model, for callers that only need sat/unsat)."""
    start = time.perf_counter()
    result = solver.check(*assumptions)
    seconds = time.perf_counter() - start
    stats = solver.statistics()
    # Statistics has no __contains__ of its own: `in stats` would always be False.
    rlimit = int(stats.get_key_value("rlimit count")) if "rlimit count" in stats.keys() else 0  # noqa: SIM118
    if result == z3.sat:
        return Outcome(Answer.SAT, solver.model() if want_model else None, "", seconds, rlimit)
    if result == z3.unsat:
        return Outcome(Answer.UNSAT, None, "", seconds, rlimit)
    return Outcome(Answer.UNKNOWN, None, solver.reason_unknown() or "unknown", seconds, rlimit)
