"""A thin, fast term builder over Z3's C API.

z3's Python operators re-check and coerce every argument; building ``Or`` of a hundred
terms that way costs milliseconds, and an inventory of 10,000 pods needs hundreds of
thousands of terms. These helpers call the C API directly (still wrapping every result in a
reference-counted `z3.BoolRef`, so memory is managed as usual) and cache numerals.
"""

from __future__ import annotations

from collections.abc import Sequence

import z3
from z3 import z3core


class Terms:
    """Builds Boolean and bit-vector comparison terms in one Z3 context.

    Variables passed in must stay alive as long as the builder (widths are cached by id).
    """

    def __init__(self, ctx: z3.Context | None = None) -> None:
        self.ctx = ctx or z3.main_ctx()
        self._ref = self.ctx.ref()
        self._numerals: dict[tuple[int, int], z3.BitVecRef] = {}
        self._widths: dict[int, int] = {}  # id(variable) -> width; asking z3 is slow
        self.true = z3.BoolVal(True, self.ctx)
        self.false = z3.BoolVal(False, self.ctx)

    def _wrap(self, ast: z3.Ast) -> z3.BoolRef:
        return z3.BoolRef(ast, self.ctx)

    def num(self, value: int, width: int) -> z3.BitVecRef:
        key = (value, width)
        n = self._numerals.get(key)
        if n is None:
            n = z3.BitVecVal(value, width, self.ctx)
            self._numerals[key] = n
        return n

    def width(self, var: z3.BitVecRef) -> int:
        w = self._widths.get(id(var))
        if w is None:
            w = var.size()
            self._widths[id(var)] = w
        return w

    def eq(self, var: z3.BitVecRef, value: int) -> z3.BoolRef:
        return self._wrap(z3core.Z3_mk_eq(self._ref, var.as_ast(), self.num(value, self.width(var)).as_ast()))

    def eq_vars(self, a: z3.ExprRef, b: z3.ExprRef) -> z3.BoolRef:
        return self._wrap(z3core.Z3_mk_eq(self._ref, a.as_ast(), b.as_ast()))

    def ule(self, a: z3.BitVecRef, b: z3.BitVecRef) -> z3.BoolRef:
        return self._wrap(z3core.Z3_mk_bvule(self._ref, a.as_ast(), b.as_ast()))

    def le_const(self, var: z3.BitVecRef, value: int) -> z3.BoolRef:
        """``var <= value`` (unsigned)."""
        return self.ule(var, self.num(value, self.width(var)))

    def ge_const(self, var: z3.BitVecRef, value: int) -> z3.BoolRef:
        """``var >= value`` (unsigned)."""
        return self.ule(self.num(value, self.width(var)), var)

    def not_(self, a: z3.BoolRef) -> z3.BoolRef:
        if a is self.true:
            return self.false
        if a is self.false:
            return self.true
        return self._wrap(z3core.Z3_mk_not(self._ref, a.as_ast()))

    def _nary(self, fn: object, terms: Sequence[z3.BoolRef]) -> z3.BoolRef:
        arr = (z3.Ast * len(terms))(*[t.as_ast() for t in terms])
        return self._wrap(fn(self._ref, len(terms), arr))  # type: ignore[operator]

    def and_(self, terms: Sequence[z3.BoolRef]) -> z3.BoolRef:
        kept = [t for t in terms if t is not self.true]
        if any(t is self.false for t in kept):
            return self.false
        if not kept:
            return self.true
        if len(kept) == 1:
            return kept[0]
        return self._nary(z3core.Z3_mk_and, kept)

    def or_(self, terms: Sequence[z3.BoolRef]) -> z3.BoolRef:
        kept = [t for t in terms if t is not self.false]
        if any(t is self.true for t in kept):
            return self.true
        if not kept:
            return self.false
        if len(kept) == 1:
            return kept[0]
        return self._nary(z3core.Z3_mk_or, kept)

    def implies(self, a: z3.BoolRef, b: z3.BoolRef) -> z3.BoolRef:
        return self.or_([self.not_(a), b])

    def ite(self, c: z3.BoolRef, a: z3.BoolRef, b: z3.BoolRef) -> z3.BoolRef:
        return self._wrap(z3core.Z3_mk_ite(self._ref, c.as_ast(), a.as_ast(), b.as_ast()))

    def in_ranges(self, var: z3.BitVecRef, ranges: Sequence[tuple[int, int]]) -> z3.BoolRef:
        """``var`` lies in the union of closed integer ranges (unsigned comparison)."""
        top = (1 << self.width(var)) - 1
        terms = []
        for lo, hi in ranges:
            if lo == 0 and hi >= top:
                return self.true
            if lo == hi:
                terms.append(self.eq(var, lo))
            elif lo == 0:
                terms.append(self.le_const(var, hi))
            elif hi >= top:
                terms.append(self.ge_const(var, lo))
            else:
                terms.append(self.and_([self.ge_const(var, lo), self.le_const(var, hi)]))
        return self.or_(terms)
