"""The only caller of ``Solver.check()``: verdicts and decoded counterexample flows."""

from verifier.solve.prove import prove
from verifier.solve.solver import Answer, Outcome, check, make_solver

__all__ = ["Answer", "Outcome", "check", "make_solver", "prove"]
