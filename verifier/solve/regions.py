"""Compact regions: a set of flows, given as a Z3 formula, listed as a few boxes (SecGuru-style).

A *box* fixes the kind of each endpoint (inventory pod, hypothetical pod, external address)
and constrains a handful of *dimensions*, each to a set of values or an interval:

- an inventory pod: its class (a set of pod classes) and its address region (an interval);
- a hypothetical pod (`any` universe): its namespace name, new-namespace flag, each
  mentioned namespace/pod label key (absent, a mentioned value, or "other"), at the
  destination whether it defines each mentioned named port at the flow's port, and its
  address region;
- an external address: its address region;
- the flow: the protocol (a set) and the port (an interval).

The loop: ask Z3 for a flow in the set; *generalise* it one dimension at a time to the
largest set/interval such that the whole box stays inside the set — each widening is kept
only if ``box ∧ domain ∧ ¬set`` is unsat, so every reported box is proved to lie inside; a
sat answer hands back the offending value, which is dropped (sets) or bounds a binary search
(intervals); ``unknown`` keeps the smaller box. Report the box with the decoded flow as its
example (replayed through the oracle by the caller), block the box, repeat until unsat
(the list is then complete) or until the cap (then the list says more regions exist). The
box types are in `verifier.solve.box`, their reading as `FlowRegion`s in
`verifier.solve.box_description`.
"""

from __future__ import annotations

from collections.abc import Callable

import z3

from verifier.encode import PROTOCOLS, Encoding, SymEndpoint
from verifier.model import NAMESPACE_NAME_LABEL, Universe
from verifier.oracle import pod_endpoint
from verifier.results import (
    Endpoint,
    EndpointKind,
    Flow,
    FlowRegion,
    RegionList,
    RegionStatus,
)
from verifier.solve.box import Box, Constraint, Dim, family_regions, family_term
from verifier.solve.box_description import address_ranges, describe
from verifier.solve.decode import decode_flow
from verifier.solve.solver import Answer, check, make_solver


def _value(model: z3.ModelRef, term: z3.ExprRef, is_bool: bool) -> int:
    v = model.eval(term, model_completion=True)
    if is_bool:
        return int(z3.is_true(v))
    return int(v.as_long())


class Regions:
    """The region enumerator for one encoding, one domain and one formula."""

    def __init__(
        self,
        enc: Encoding,
        domain: z3.BoolRef,
        formula: z3.BoolRef,
        *,
        timeout_s: float,
        rlimit: int = 0,
    ) -> None:
        self.enc = enc
        self.t = enc.t
        self.domain = domain
        self.formula = formula
        self.timeout_s = timeout_s
        self.rlimit = rlimit
        self.contain = make_solver(timeout_s, rlimit, enc.ctx, incremental=True)
        self.contain.add(domain, self.t.not_(formula))
        self.space = make_solver(timeout_s, rlimit, enc.ctx, incremental=True)
        self.space.add(domain)
        self.calls = 0
        self.member: Callable[[Flow], bool] | None = None
        self._seed_flow: Flow | None = None
        self._class_endpoints: dict[int, Endpoint] = {}

    # --- boxes --------------------------------------------------------------------------------
    def _term(self, dim: Dim, c: Constraint) -> z3.BoolRef:
        t = self.t
        if c is None:
            return t.true
        if dim.is_bool:
            assert isinstance(c, frozenset)
            if len(c) == 2:
                return t.true
            assert isinstance(dim.term, z3.BoolRef)
            return dim.term if 1 in c else t.not_(dim.term)
        var = dim.term
        assert isinstance(var, z3.BitVecRef)
        if isinstance(c, tuple):
            return t.in_ranges(var, [c])
        runs: list[tuple[int, int]] = []  # consecutive values as ranges: class sets stay small
        for v in sorted(c):
            if runs and runs[-1][1] == v - 1:
                runs[-1] = (runs[-1][0], v)
            else:
                runs.append((v, v))
        return t.or_([t.in_ranges(var, [r]) for r in runs])

    def box_term(self, box: Box) -> z3.BoolRef:
        return self.t.and_(
            [*box.fixed, *(self._term(d, c) for d, c in zip(box.dims, box.constraints, strict=True))]
        )

    def _inside(self, box: Box) -> tuple[bool | None, z3.ModelRef | None]:
        """True: proved inside the set; False: a flow of the box is outside (the model)."""
        self.contain.push()
        self.contain.add(self.box_term(box))
        out = check(self.contain)
        self.contain.pop()
        self.calls += 1
        if out.answer is Answer.UNSAT:
            return True, None
        if out.answer is Answer.SAT:
            return False, out.model
        return None, None

    def _widen_set(self, box: Box, i: int) -> None:
        dim = box.dims[i]
        assert dim.values is not None
        current = box.constraints[i]
        assert isinstance(current, frozenset)
        candidates = set(dim.values) | set(current)
        if dim.field == "cls":
            candidates = self._plausible_classes(dim, candidates, current)
        while True:
            trial: Constraint = None if candidates >= set(dim.values) else frozenset(candidates)
            box.constraints[i] = trial
            inside, model = self._inside(box)
            if inside:
                return
            box.constraints[i] = current
            if inside is None or model is None:
                return
            bad = _value(model, dim.term, dim.is_bool)
            if bad not in candidates or bad in current:
                return  # cannot happen while the box invariant holds; stop safely
            candidates.discard(bad)
            if candidates <= current:
                return

    def _plausible_classes(self, dim: Dim, candidates: set[int], current: frozenset[int]) -> set[int]:
        """Classes whose pod, put in place of the seed flow's endpoint, gives a flow of the set
        (asked of the oracle through ``member``): a cheap necessary condition that spares Z3 one
        refuted widening per class. Only narrows the candidates; Z3 still proves the box."""
        if self.member is None or self._seed_flow is None or len(candidates) <= 8:
            return candidates
        cluster = self.enc.cluster
        kept = set(current)
        for v in candidates - current:
            endpoint = self._class_endpoints.get(v)
            if endpoint is None:
                endpoint = pod_endpoint(cluster, self.enc.inventory.classes[v].members[0])
                self._class_endpoints[v] = endpoint
            field = "source" if dim.side == "src" else "destination"
            flow = self._seed_flow.model_copy(update={field: endpoint})
            if flow.source != flow.destination and self.member(flow):
                kept.add(v)
        return kept

    def _widen_interval(self, box: Box, i: int) -> None:
        dim = box.dims[i]
        assert dim.bounds is not None
        seed = box.constraints[i]
        assert isinstance(seed, tuple)
        box.constraints[i] = None
        if self._inside(box)[0]:
            return
        lo, hi = seed
        dlo, dhi = dim.bounds

        def fits(a: int, b: int) -> tuple[bool, int | None]:
            box.constraints[i] = (a, b)
            inside, model = self._inside(box)
            box.constraints[i] = (lo, hi)
            bad = None if model is None else _value(model, dim.term, dim.is_bool)
            return bool(inside), bad

        # Largest hi, then smallest lo; a counterexample value tightens the search bound.
        top = dhi
        while hi < top:
            mid = (hi + top + 1) // 2
            ok, bad = fits(lo, mid)
            if ok:
                hi = mid
            else:
                top = mid - 1 if bad is None or not hi < bad <= mid else bad - 1
        bottom = dlo
        while bottom < lo:
            mid = (bottom + lo) // 2
            ok, bad = fits(mid, hi)
            if ok:
                lo = mid
            else:
                bottom = mid + 1 if bad is None or not mid <= bad < lo else bad + 1
        box.constraints[i] = (lo, hi)

    def _prune(self, box: Box, i: int) -> None:
        """Drop the values of a set dimension that add no endpoint to the box (the domain
        rules them out given the other dimensions), so that descriptions never list them."""
        current = box.constraints[i]
        if not isinstance(current, frozenset) or len(current) < 2:
            return
        kept = set(current)
        for v in sorted(current):
            box.constraints[i] = frozenset({v})
            self.space.push()
            self.space.add(self.box_term(box))
            out = check(self.space)
            self.space.pop()
            self.calls += 1
            if out.answer is Answer.UNSAT:
                kept.discard(v)
        box.constraints[i] = frozenset(kept) if kept else current

    def _within(self, inner: Box, outer: Box) -> bool:
        """Whether every flow of ``inner`` (in the domain) lies in ``outer`` (unknown: no)."""
        self.space.push()
        self.space.add(self.box_term(inner), self.t.not_(self.box_term(outer)))
        out = check(self.space, want_model=False)
        self.space.pop()
        self.calls += 1
        return out.answer is Answer.UNSAT

    def generalise(self, box: Box) -> Box:
        for i, dim in enumerate(box.dims):
            if dim.bounds is not None:
                self._widen_interval(box, i)
            else:
                self._widen_set(box, i)
                if dim.field.startswith(("ns:", "pod:")):
                    # Pruned at once: a vacuous value kept here would make every later
                    # widening fail on flows that were never in the box's intent.
                    self._prune(box, i)
        return box

    # --- dimensions of a model ------------------------------------------------------------------
    def _side(
        self, ep: SymEndpoint, model: z3.ModelRef, side: str, family: int
    ) -> tuple[list[z3.BoolRef], list[Dim], EndpointKind]:
        enc, t = self.enc, self.t
        # The address widens within the box's family only (the family is fixed).
        region = Dim(side, "region", ep.region, bounds=family_regions(enc, family))
        if not _value(model, ep.is_pod, True):
            return [t.not_(ep.is_pod)], [region], EndpointKind.EXTERNAL
        hypothetical = enc.universe is Universe.ANY and bool(_value(model, ep.hypothetical, True))
        fixed = [ep.is_pod, ep.hypothetical if hypothetical else t.not_(ep.hypothetical)]
        if not hypothetical:
            if enc.universe is Universe.INVENTORY:
                classes = tuple(range(len(enc.inventory.classes)))
            else:
                classes = tuple(enc.singled_classes)
            # The address first: with it free, a class can only join the box if all its
            # pods' flows belong to the set (a class outside a narrowed region would join vacuously).
            dims = [region, Dim(side, "cls", ep.cls, values=classes)]
            if enc.cluster.unknown_label_namespaces:
                # A namespace the input only references may carry any labels: a box holds
                # flows for the label sets it names (declared namespaces have theirs fixed).
                dims += [
                    Dim(side, f"ns:{k}", ep.ns[k], values=tuple(range(kv.other + 1)))
                    for k, kv in enc.vocab.ns_keys.items()
                    if k != NAMESPACE_NAME_LABEL
                ]
            return fixed, dims, EndpointKind.POD
        vocab = enc.vocab
        # new_ns before the name: widening the name under a fixed new_ns would add names that
        # the domain rules out (existing names under new_ns, and vice versa), i.e. nothing.
        dims = [
            Dim(side, "new_ns", ep.new_ns, values=(0, 1), is_bool=True),
            Dim(
                side,
                f"ns:{NAMESPACE_NAME_LABEL}",
                ep.ns_name,
                values=tuple(range(1, vocab.ns_keys[NAMESPACE_NAME_LABEL].other + 1)),
            ),
        ]
        dims += [
            Dim(side, f"ns:{k}", ep.ns[k], values=tuple(range(kv.other + 1)))
            for k, kv in vocab.ns_keys.items()
            if k != NAMESPACE_NAME_LABEL
        ]
        dims += [
            Dim(side, f"pod:{k}", ep.pod[k], values=tuple(range(kv.other + 1)))
            for k, kv in vocab.pod_keys.items()
        ]
        if side == "dst":
            dims += [
                Dim(side, f"np:{n}/{p}", t.eq_vars(var, enc.port), values=(0, 1), is_bool=True)
                for (n, p), var in ep.ports.items()
            ]
        dims.append(region)
        return fixed, dims, EndpointKind.NEW_POD

    def seed_box(self, model: z3.ModelRef) -> Box:
        enc = self.enc
        family = 4 if _value(model, enc.src.region, False) < enc.inventory.regions.first_v6 else 6
        src_fixed, src_dims, src_kind = self._side(enc.src, model, "src", family)
        dst_fixed, dst_dims, dst_kind = self._side(enc.dst, model, "dst", family)
        dims = [
            *src_dims,
            *dst_dims,
            Dim("flow", "proto", enc.proto, values=tuple(range(len(PROTOCOLS)))),
            Dim("flow", "port", enc.port, bounds=(1, 65535)),
        ]
        constraints: list[Constraint] = []
        for d in dims:
            v = _value(model, d.term, d.is_bool)
            constraints.append((v, v) if d.bounds is not None else frozenset({v}))
        return Box(
            [family_term(enc, family), *src_fixed, *dst_fixed],
            dims,
            constraints,
            {"src": src_kind, "dst": dst_kind},
            family,
        )

    # --- the loop -------------------------------------------------------------------------------
    def enumerate(
        self,
        *,
        max_regions: int,
        replay: Callable[[Flow], str | None],
        member: Callable[[Flow], bool] | None = None,
    ) -> RegionList:
        """Every flow of the set, as at most ``max_regions`` boxes (see the module docstring).

        ``replay`` checks each example flow (None = fine, else the error); ``member`` (the
        set's concrete definition, through the oracle) speeds up widening class sets.
        """
        self.member = member
        t, enc = self.t, self.enc
        finder = make_solver(self.timeout_s, self.rlimit, enc.ctx, incremental=True)
        finder.add(self.domain, self.formula)
        regions: list[FlowRegion] = []
        boxes: list[Box] = []
        while True:
            out = check(finder, enc.prefer_ipv4())
            self.calls += 1
            if out.answer is Answer.UNSAT:
                out = check(finder)
                self.calls += 1
            if out.answer is Answer.UNSAT:
                return RegionList(
                    status=RegionStatus.COMPLETE, regions=tuple(regions), solver_calls=self.calls
                )
            if out.answer is Answer.UNKNOWN:
                return RegionList(
                    status=RegionStatus.UNKNOWN,
                    regions=tuple(regions),
                    reason=f"solver: {out.reason}; the regions listed are proved, more may exist",
                    solver_calls=self.calls,
                )
            if len(regions) >= max_regions:
                return RegionList(
                    status=RegionStatus.TRUNCATED,
                    regions=tuple(regions),
                    reason=f"more regions not listed (the cap is {max_regions}; raise --max-regions)",
                    solver_calls=self.calls,
                )
            assert out.model is not None
            flow = decode_flow(enc, out.model)
            error = replay(flow)
            if error is not None:
                return RegionList(
                    status=RegionStatus.ERROR, regions=tuple(regions), reason=error, solver_calls=self.calls
                )
            self._seed_flow = flow
            box = self.generalise(self.seed_box(out.model))
            # The seed lies outside every earlier box, so the new box is inside none of them;
            # but it may swallow an earlier one, which is then no region of its own.
            kept = [i for i, b in enumerate(boxes) if not self._within(b, box)]
            boxes = [boxes[i] for i in kept] + [box]
            regions = [regions[i] for i in kept] + [describe(enc, box, flow)]
            finder.add(t.not_(self.box_term(box)))


__all__ = ["Box", "Constraint", "Dim", "Regions", "address_ranges", "describe"]
