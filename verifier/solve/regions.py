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
(the list is then complete) or until the cap (then the list says more regions exist).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import z3

from verifier.encode import PROTOCOLS, Encoding, SymEndpoint
from verifier.encode.vocab import ABSENT, KeyValues
from verifier.model import NAMESPACE_NAME_LABEL, IntervalSet, Universe, key_to_ip
from verifier.model.ip import V4_SPACE, V6_OFFSET, V6_SPACE
from verifier.oracle import pod_endpoint
from verifier.results import (
    AddressRange,
    Endpoint,
    EndpointKind,
    EndpointSet,
    Flow,
    FlowRegion,
    PodGroup,
    RegionList,
    RegionStatus,
)
from verifier.solve.decode import decode_flow
from verifier.solve.solver import Answer, check, make_solver

# None = free; a frozenset = allowed values; a pair = closed interval.
Constraint = frozenset[int] | tuple[int, int] | None


@dataclass(frozen=True)
class Dim:
    """One generalisable field of a box."""

    side: str  # "src", "dst" or "flow"
    field: str  # "cls", "region", "ns:<key>", "new_ns", "pod:<key>", "np:<name>/<proto>", "proto", "port"
    term: z3.ExprRef
    values: tuple[int, ...] | None = None  # a set dimension's candidate values
    bounds: tuple[int, int] | None = None  # an interval dimension's domain
    is_bool: bool = False


@dataclass
class Box:
    fixed: list[z3.BoolRef]  # the endpoint kinds (and the address family), never widened
    dims: list[Dim]
    constraints: list[Constraint]
    kinds: dict[str, EndpointKind]
    # The packet's address family (4 or 6), fixed for the whole box: a box is read as a cross
    # product of its sides, and a source and a destination of different families are no flow.
    family: int | None = None


def family_regions(enc: Encoding, family: int) -> tuple[int, int]:
    """The region indices of one address family (IPv4 regions come first)."""
    first_v6 = enc.inventory.regions.first_v6
    return (0, first_v6 - 1) if family == 4 else (first_v6, len(enc.inventory.regions) - 1)


def family_term(enc: Encoding, family: int) -> z3.BoolRef:
    """Both endpoints' addresses are of ``family``."""
    span = family_regions(enc, family)
    return enc.t.and_([enc.t.in_ranges(ep.region, [span]) for ep in (enc.src, enc.dst)])


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


# --- boxes as people read them --------------------------------------------------------------


def address_ranges(space: IntervalSet) -> tuple[AddressRange, ...]:
    """Intervals of the address line as ranges with their exact CIDRs (families split)."""
    out = []
    for lo, hi in space:
        pieces = [(lo, hi)]
        if lo < V6_OFFSET <= hi:
            pieces = [(lo, V6_OFFSET - 1), (V6_OFFSET, hi)]
        for a, b in pieces:
            first, last = key_to_ip(a), key_to_ip(b)
            cidrs = tuple(str(n) for n in ipaddress.summarize_address_range(first, last))
            out.append(AddressRange(first=str(first), last=str(last), cidrs=cidrs))
    return tuple(out)


def _codes_text(key: str, kv: KeyValues, codes: frozenset[int] | None) -> str | None:
    """A label-code set as a selector-like phrase (None = no constraint)."""
    if codes is None or codes >= set(range(kv.other + 1)):
        return None
    absent, other = ABSENT in codes, kv.other in codes
    named = [kv.values[c - 1] for c in sorted(codes) if 1 <= c <= len(kv.values)]
    missing = [v for v in kv.values if kv.codes[v] not in codes]
    if absent and other:
        return f"{key} notin ({','.join(missing)})"
    if other:
        return f"{key} exists" if not missing else f"{key} exists, notin ({','.join(missing)})"
    values = named[0] if len(named) == 1 else f"({','.join(named)})"
    eq = f"{key}={values}" if len(named) == 1 else f"{key} in {values}"
    if absent:
        return f"!{key}" if not named else f"!{key} or {eq}"
    return eq


def _space(enc: Encoding, c: Constraint, base: IntervalSet) -> tuple[AddressRange, ...] | None:
    if c is None:
        return None
    assert isinstance(c, tuple)
    regions = enc.inventory.regions
    lo, hi = regions.interval(c[0])[0], regions.interval(c[1])[1]
    chosen = IntervalSet.of([(lo, hi)]).intersection(base)
    return address_ranges(chosen)


def _pods_text(enc: Encoding, classes: Sequence[int]) -> tuple[tuple[PodGroup, ...], str]:
    inv = enc.inventory
    groups = []
    for i in sorted(classes, key=lambda j: (inv.classes[j].namespace, inv.classes[j].members[0].name)):
        cls = inv.classes[i]
        first = cls.members[0]
        labels = {k: first.labels[k] for k in enc.vocab.pod_keys if k in first.labels}
        groups.append(
            PodGroup(namespace=cls.namespace, labels=labels, pods=tuple(m.key for m in cls.members))
        )
    if len(classes) == len(inv.classes):
        return tuple(groups), f"any inventory pod ({sum(len(g.pods) for g in groups)})"
    chosen = set(classes)
    words = []
    by_namespace: dict[str, list[PodGroup]] = {}
    for g in groups:
        by_namespace.setdefault(g.namespace, []).append(g)
    listed: list[str] = []
    for ns in sorted(by_namespace):
        in_ns = inv.classes_in(ns)
        if len(in_ns) > 1 and chosen.issuperset(in_ns):
            count = sum(len(inv.classes[j].members) for j in in_ns)
            words.append(f"every pod in {ns} ({count})")
        else:
            listed.extend(p for g in by_namespace[ns] for p in g.pods)
    if listed:
        shown = ", ".join(listed[:6]) + (f" (+{len(listed) - 6} more)" if len(listed) > 6 else "")
        words.append(shown)
    return tuple(groups), "; ".join(words)


def _family_space(family: int) -> IntervalSet:
    return IntervalSet.of([V4_SPACE if family == 4 else V6_SPACE])


def _families(space: IntervalSet) -> set[int]:
    out = set()
    for lo, hi in space:
        if lo < V6_OFFSET:
            out.add(4)
        if hi >= V6_OFFSET:
            out.add(6)
    return out


def _side_space(enc: Encoding, box: Box, c: Constraint) -> IntervalSet | None:
    """The addresses a side's region constraint allows, within the box's family (None: any)."""
    if isinstance(c, tuple):
        regions = enc.inventory.regions
        return IntervalSet.of([(regions.interval(c[0])[0], regions.interval(c[1])[1])])
    return None if box.family is None else _family_space(box.family)


def _two_pods(enc: Encoding, j: int) -> bool:
    """A class that offers two distinct pods (two members, or a replicated template)."""
    members = enc.inventory.classes[j].members
    return len(members) > 1 or members[0].replicated


def _side_classes(enc: Encoding, box: Box, side: str) -> list[int]:
    """The inventory classes that add an endpoint to a pod side of the box: those in its class
    set with an address in its region constraint and of the box's family. Z3 proves the box
    as a formula, in which a class with no such address joins vacuously; a description must
    not list it (it would claim flows that do not exist)."""
    inv = enc.inventory
    cons = {d.field: c for d, c in zip(box.dims, box.constraints, strict=True) if d.side == side}
    c = cons["cls"]
    if isinstance(c, frozenset):
        classes = sorted(c)
    elif enc.universe is Universe.INVENTORY:
        classes = list(range(len(inv.classes)))
    else:
        classes = list(enc.singled_classes)
    # A class in a declared namespace whose (fixed) labels the box's namespace-label
    # constraints exclude joins vacuously too.
    narrowed = {
        k: c
        for k in enc.vocab.ns_keys
        if k != NAMESPACE_NAME_LABEL and isinstance(c := cons.get(f"ns:{k}"), frozenset)
    }
    if narrowed:
        classes = [
            j
            for j in classes
            if enc.cluster.labels_unknown(inv.classes[j].namespace)
            or all(
                enc.vocab.ns_keys[k].code(enc.cluster.namespace_labels(inv.classes[j].namespace).get(k))
                in codes
                for k, codes in narrowed.items()
            )
        ]
    space = _side_space(enc, box, cons["region"])
    if space is None:
        return classes
    kept = []
    for j in classes:
        regions = inv.classes[j].regions
        if regions is None:
            if inv.pod_space.intersection(space):
                kept.append(j)
        elif any(inv.regions.interval(r)[0] in space for r in regions):
            kept.append(j)
    return kept


def _needs_family(enc: Encoding, box: Box, side: str, classes: Sequence[int] | None) -> bool:
    """Whether the side, read without the box's family, also holds addresses of the other one."""
    if box.family is None:
        return False
    cons = {d.field: c for d, c in zip(box.dims, box.constraints, strict=True) if d.side == side}
    if isinstance(cons["region"], tuple):
        return False
    inv = enc.inventory
    kind = box.kinds[side]
    if kind is EndpointKind.EXTERNAL:
        families = _families(inv.external_space)
    elif kind is EndpointKind.NEW_POD:
        families = _families(inv.pod_space)
    else:
        families = set()
        for j in classes or ():
            regions = inv.classes[j].regions
            if regions is None:
                families |= _families(inv.pod_space)
            else:
                families |= {4 if r < inv.regions.first_v6 else 6 for r in regions}
    return families != {box.family}


def _endpoint_set(
    enc: Encoding, box: Box, side: str, classes: Sequence[int] | None = None, pin_family: bool = False
) -> EndpointSet:
    """One side of a box as people read it. ``classes``: the pod classes to list (a pod side);
    ``pin_family``: say the box's address family on this side (neither side implies it)."""
    kind = box.kinds[side]
    cons = {d.field: c for d, c in zip(box.dims, box.constraints, strict=True) if d.side == side}
    base = enc.inventory.external_space if kind is EndpointKind.EXTERNAL else enc.inventory.pod_space
    addresses = _space(enc, cons["region"], base)
    family_words = ""
    if addresses is None and pin_family and box.family is not None:
        addresses = address_ranges(base.intersection(_family_space(box.family)))
        family_words = f"IPv{box.family}"
    if kind is EndpointKind.EXTERNAL:
        if family_words:
            where = f"any external {family_words} address"
        elif addresses is None:
            where = "any external address"
        else:
            where = "external " + ", ".join(str(a) for a in addresses)
        return EndpointSet(kind=kind, description=where, addresses=addresses)
    if family_words:
        ip_text = f" with an {family_words} address"
    else:
        ip_text = "" if addresses is None else " with IP in " + ", ".join(str(a) for a in addresses)
    if kind is EndpointKind.POD:
        chosen = list(classes) if classes is not None else _side_classes(enc, box, side)
        groups, text = _pods_text(enc, chosen)
        unknown = sorted(
            {
                enc.inventory.classes[j].namespace
                for j in chosen
                if enc.cluster.labels_unknown(enc.inventory.classes[j].namespace)
            }
        )
        assumed: tuple[str, ...] = ()
        if unknown:
            found = []
            for k, kv in enc.vocab.ns_keys.items():
                narrowed = cons.get(f"ns:{k}")
                if k != NAMESPACE_NAME_LABEL and isinstance(narrowed, frozenset):
                    words = _codes_text(k, kv, narrowed)
                    if words is not None:
                        found.append(words)
            assumed = tuple(found)
            if assumed:
                text += f" [if {', '.join(unknown)} (not in the input) has namespace labels: {', '.join(assumed)}]"
        return EndpointSet(
            kind=kind,
            description=text + ip_text,
            groups=groups,
            addresses=addresses,
            namespace_labels=assumed,
        )
    vocab = enc.vocab
    name_kv = vocab.ns_keys[NAMESPACE_NAME_LABEL]
    names_c = cons[f"ns:{NAMESPACE_NAME_LABEL}"]
    namespaces: tuple[str, ...] = ()
    ns_words = "any namespace (existing or new)"
    if isinstance(names_c, frozenset):
        named = [name_kv.values[c - 1] for c in sorted(names_c) if 1 <= c <= len(name_kv.values)]
        new = name_kv.other in names_c
        namespaces = tuple(named) + (("<new namespace>",) if new else ())
        new_only = cons["new_ns"] == frozenset({1})
        existing_only = cons["new_ns"] == frozenset({0})
        # Drop names the new-namespace flag rules out: they add no endpoint to the box.
        existing = [] if new_only else [n for n in named if n in enc.cluster.namespaces]
        fresh = [] if existing_only else [n for n in named if n not in enc.cluster.namespaces]
        new = new and not existing_only
        namespaces = tuple(existing + fresh) + (("<new namespace>",) if new else ())
        parts = []
        if existing:
            parts.append(("namespace " if len(existing) == 1 else "namespaces ") + ", ".join(existing))
        if fresh or new:
            parts.append(
                "a new namespace"
                + (
                    f" ({', '.join(fresh)} or any other name)"
                    if fresh and new
                    else (f" ({', '.join(fresh)})" if fresh else "")
                )
            )
        ns_words = " or ".join(parts)
    new_c = cons["new_ns"]
    if isinstance(new_c, frozenset) and len(new_c) == 1 and not isinstance(names_c, frozenset):
        ns_words = "a new namespace" if 1 in new_c else "an existing namespace"

    def codes(field: str) -> frozenset[int] | None:
        c = cons.get(field)
        return c if isinstance(c, frozenset) else None

    ns_texts = [
        _codes_text(k, kv, codes(f"ns:{k}")) for k, kv in vocab.ns_keys.items() if k != NAMESPACE_NAME_LABEL
    ]
    ns_labels = tuple(x for x in ns_texts if x is not None)
    pod_texts = [_codes_text(k, kv, codes(f"pod:{k}")) for k, kv in vocab.pod_keys.items()]
    labels = tuple(x for x in pod_texts if x is not None)
    named_ports = []
    for n, p in vocab.named_ports:
        c = cons.get(f"np:{n}/{p}")
        if isinstance(c, frozenset) and len(c) == 1:
            named_ports.append(f"{'defines' if 1 in c else 'does not define'} {n}/{p} at the flow's port")
    text = "any pod in " + ns_words
    if ns_labels and namespaces and all(n in enc.cluster.namespaces for n in namespaces):
        ns_labels = ()  # existing namespaces: their labels are fixed, the names say it all
    if ns_labels:
        text += f" [namespace labels: {', '.join(ns_labels)}]"
    text += f" with labels {{{', '.join(labels)}}}" if labels else " (any labels)"
    if named_ports:
        text += "; " + "; ".join(named_ports)
    return EndpointSet(
        kind=kind,
        description=text + ip_text,
        namespaces=namespaces,
        namespace_labels=ns_labels,
        labels=labels,
        named_ports=tuple(named_ports),
        addresses=addresses,
    )


def describe(enc: Encoding, box: Box, example: Flow) -> FlowRegion:
    cons = {d.field: c for d, c in zip(box.dims, box.constraints, strict=True) if d.side == "flow"}
    proto = cons["proto"]
    protocols = (
        tuple(PROTOCOLS) if not isinstance(proto, frozenset) else tuple(PROTOCOLS[i] for i in sorted(proto))
    )
    port = cons["port"]
    ports = (1, 65535) if port is None else port
    assert isinstance(ports, tuple)
    classes: dict[str, list[int] | None] = {
        side: _side_classes(enc, box, side) if box.kinds[side] is EndpointKind.POD else None
        for side in ("src", "dst")
    }
    # One pod on one side: it is no destination (source) of its own on the other side.
    for side, other in (("src", "dst"), ("dst", "src")):
        mine, theirs = classes[side], classes[other]
        if mine is None or theirs is None or len(mine) != 1 or len(theirs) < 2:
            continue
        if not _two_pods(enc, mine[0]) and mine[0] in theirs:
            theirs.remove(mine[0])
    pin = _needs_family(enc, box, "src", classes["src"]) and _needs_family(enc, box, "dst", classes["dst"])
    return FlowRegion(
        source=_endpoint_set(enc, box, "src", classes["src"], pin),
        destination=_endpoint_set(enc, box, "dst", classes["dst"]),
        protocols=protocols,
        ports=ports,
        example=example,
    )


__all__ = ["Box", "Dim", "Regions", "address_ranges", "describe"]
