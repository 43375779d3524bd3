"""The only caller of ``Solver.check()``: verdicts and decoded counterexample flows."""

from verifier.solve.gate import Answer, Outcome, check, make_solver
from verifier.solve.prove import prove

__all__ = ["Answer", "Outcome", "check", "make_solver", "prove"]
