"""The symbolic flow and its domains: which endpoints and flows exist (`FlowDomain`).

A symbolic flow has two symbolic endpoints (source ``S``, destination ``D``), a 16-bit
port and a protocol code. An endpoint is either a pod (``is_pod``) — namespace label codes,
pod label codes, named-port numbers, an address — or an external address. Label codes and
the address line are explained in `verifier.encode.vocab` and `verifier.model.ip`.

The *domain* says which endpoints exist:

- ``inventory``: a pod endpoint is one of the inventory classes (`verifier.encode.inventory`);
- ``any``: a pod endpoint is any hypothetical pod in an existing namespace (its real labels)
  or in a new namespace (free labels, a name no namespace has), with free labels and named
  ports and a free address in the pod space — or an inventory pod as itself, at its real
  address whatever ``--pod-cidr`` says, where no hypothetical pod can stand for it (an
  address outside the pod space, a region without two free addresses) or a property names it;

and in both, an external endpoint has an address outside the pod space that no pod has.
Every flow has a pod endpoint, and no two endpoints share an address: an external address,
a pod whose IP is unknown and a hypothetical pod each take a free address (`Inventory`).
The endpoint constraints are built once per endpoint and cached.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import z3

from verifier.encode.inventory import EncodedClass, Inventory
from verifier.encode.terms import Terms
from verifier.encode.vocab import ABSENT, PROTOCOL_ORDER, KeyValues, Vocabulary
from verifier.model import (
    NAMESPACE_NAME_LABEL,
    AnalysisOptions,
    Cluster,
    IntervalSet,
    Protocol,
    Universe,
)

PROTOCOLS: tuple[Protocol, ...] = PROTOCOL_ORDER


@dataclass
class SymEndpoint:
    """Z3 constants describing one endpoint of the symbolic flow."""

    tag: str
    is_pod: z3.BoolRef
    hypothetical: z3.BoolRef
    new_ns: z3.BoolRef
    cls: z3.BitVecRef
    ns: dict[str, z3.BitVecRef]
    pod: dict[str, z3.BitVecRef]
    ports: dict[tuple[str, Protocol], z3.BitVecRef]
    region: z3.BitVecRef  # index of the address's atomic region (see verifier.encode.inventory)
    labels_combo: z3.BitVecRef  # inventory: which distinct pod-label tuple the pod has
    ports_combo: z3.BitVecRef  # inventory: which distinct named-port tuple the pod has

    @property
    def ns_name(self) -> z3.BitVecRef:
        return self.ns[NAMESPACE_NAME_LABEL]


class FlowDomain:
    """The symbolic flow of one cluster and universe, and the terms saying which flows exist.

    ``options`` are the run's `AnalysisOptions`. Every method returns Z3 terms over the
    endpoints ``self.src`` / ``self.dst`` and the flow's ``self.port`` / ``self.proto``;
    `verifier.encode.encoding.Encoding` adds the policies and properties.
    """

    def __init__(
        self,
        cluster: Cluster,
        vocab: Vocabulary,
        inventory: Inventory,
        universe: Universe,
        options: AnalysisOptions,
        *,
        singled_pods: Sequence[str] = (),
    ) -> None:
        self.cluster = cluster
        self.vocab = vocab
        self.inventory = inventory
        self.universe = universe
        self.options = options
        # A private context per encoding: Z3 hash-conses terms per context, so sharing the global
        # one would let an earlier query change the models (counterexamples) of a later one.
        self.ctx = z3.Context()
        self.t = Terms(self.ctx)
        self.cls_width = max(1, (len(inventory.classes) + 1).bit_length())
        self.region_width = max(1, len(inventory.regions).bit_length())
        # Many classes share a pod-label tuple (they differ by namespace, address or ports):
        # a class fixes the tuple's index and one implication per tuple fixes the labels, which
        # keeps the class disjunction small.
        self.label_combos: dict[tuple[int, ...], int] = {}
        self.port_combos: dict[tuple[int, ...], int] = {}
        for c in inventory.classes:
            self.label_combos.setdefault(c.pod_codes, len(self.label_combos))
            self.port_combos.setdefault(c.port_values, len(self.port_combos))
        self.src = self._endpoint("src")
        self.dst = self._endpoint("dst")
        self.port = z3.BitVec("port", 16, self.ctx)
        self.proto = z3.BitVec("proto", 2, self.ctx)
        # Endpoint constraints that do not depend on the question (lint asks ~1,000 of them).
        self._endpoint_terms: dict[tuple[str, str], z3.BoolRef] = {}
        # The `any` universe contains the inventory. Classes it keeps as themselves: those a
        # property names, and those no hypothetical pod can stand for (see `_covered`).
        named = {inventory.by_pod[k] for k in singled_pods if k in inventory.by_pod}
        self.singled_classes = sorted(named | {c.index for c in inventory.classes if not self._covered(c)})

    def _covered(self, cls: EncodedClass) -> bool:
        """A hypothetical pod can stand for every pod of ``cls`` in every flow: same namespace,
        labels and named ports, and an address that decides alike — a free one of the same
        region, inside the pod space, with a second free one for the other end of a flow."""
        if cls.regions is None:
            return True
        inv = self.inventory
        space = inv.regions.index_ranges(inv.pod_space)
        return all(
            any(a <= r <= b for a, b in space) and any(a <= r <= b for a, b in inv.free_two)
            for r in cls.regions
        )

    # ----------------------------------------------------------------- endpoints and domain
    def _endpoint(self, tag: str) -> SymEndpoint:
        def bv(name: str, kv: KeyValues) -> z3.BitVecRef:
            return z3.BitVec(f"{tag}.{name}", kv.width(), self.ctx)

        return SymEndpoint(
            tag=tag,
            is_pod=z3.Bool(f"{tag}.is_pod", self.ctx),
            hypothetical=z3.Bool(f"{tag}.hypothetical", self.ctx),
            new_ns=z3.Bool(f"{tag}.new_ns", self.ctx),
            cls=z3.BitVec(f"{tag}.cls", self.cls_width, self.ctx),
            ns={k: bv(f"ns[{k}]", kv) for k, kv in self.vocab.ns_keys.items()},
            pod={k: bv(f"pod[{k}]", kv) for k, kv in self.vocab.pod_keys.items()},
            ports={
                (n, p): z3.BitVec(f"{tag}.port[{n}/{p}]", 16, self.ctx) for n, p in self.vocab.named_ports
            },
            region=z3.BitVec(f"{tag}.region", self.region_width, self.ctx),
            labels_combo=z3.BitVec(
                f"{tag}.labels_combo", max(1, len(self.label_combos).bit_length()), self.ctx
            ),
            ports_combo=z3.BitVec(f"{tag}.ports_combo", max(1, len(self.port_combos).bit_length()), self.ctx),
        )

    def _class_term(self, ep: SymEndpoint, cls: EncodedClass) -> z3.BoolRef:
        """The endpoint is a pod of ``cls``. Labels follow from the namespace name and the
        label/port tuple indices (see `_namespace_labels`, `_combos`), so a class fixes only those."""
        t = self.t
        parts = [
            t.eq(ep.cls, cls.index),
            t.eq(ep.ns_name, self._name_code(cls.namespace)),
            t.eq(ep.labels_combo, self.label_combos[cls.pod_codes]),
            t.eq(ep.ports_combo, self.port_combos[cls.port_values]),
        ]
        if cls.regions is None:
            parts.append(self.free_pod_address(ep))
        else:
            parts.append(t.in_ranges(ep.region, [(r, r) for r in cls.regions]))
        return t.and_(parts)

    def _combos(self, ep: SymEndpoint, classes: Sequence[EncodedClass]) -> z3.BoolRef:
        """Each label (and named-port) tuple index fixes the label codes (and port numbers)."""
        t = self.t
        out = []
        labels = {c.pod_codes for c in classes}
        for codes in labels:
            fixed = [t.eq(ep.pod[k], v) for k, v in zip(self.vocab.pod_keys, codes, strict=True)]
            out.append(t.implies(t.eq(ep.labels_combo, self.label_combos[codes]), t.and_(fixed)))
        ports = {c.port_values for c in classes}
        for values in ports:
            fixed = [t.eq(ep.ports[np], v) for np, v in zip(self.vocab.named_ports, values, strict=True)]
            out.append(t.implies(t.eq(ep.ports_combo, self.port_combos[values]), t.and_(fixed)))
        return t.and_(out)

    def _name_code(self, namespace: str) -> int:
        return self.vocab.ns_keys[NAMESPACE_NAME_LABEL].code(namespace)

    def _memo(self, what: str, ep: SymEndpoint, build: Callable[[], z3.BoolRef]) -> z3.BoolRef:
        key = (what, ep.tag)
        found = self._endpoint_terms.get(key)
        if found is None:
            found = self._endpoint_terms[key] = build()
        return found

    def _namespace_labels(self, ep: SymEndpoint) -> z3.BoolRef:
        """An existing namespace's name fixes all its labels (one implication per namespace);
        a namespace the input only references keeps its other labels free (unknown)."""
        return self._memo("namespace_labels", ep, lambda: self._build_namespace_labels(ep))

    def _build_namespace_labels(self, ep: SymEndpoint) -> z3.BoolRef:
        t = self.t
        out = []
        other_keys = [k for k in self.vocab.ns_keys if k != NAMESPACE_NAME_LABEL]
        if not other_keys:
            return t.true
        for ns in self.cluster.namespaces.values():
            if self.cluster.labels_unknown(ns.name):
                fixed = [t.le_const(ep.ns[k], self.vocab.ns_keys[k].other) for k in other_keys]
                out.append(t.implies(t.eq(ep.ns_name, self._name_code(ns.name)), t.and_(fixed)))
                continue
            codes = self.vocab.ns_codes(ns.labels)
            fixed = [
                t.eq(ep.ns[k], c)
                for k, c in zip(self.vocab.ns_keys, codes, strict=True)
                if k != NAMESPACE_NAME_LABEL
            ]
            out.append(t.implies(t.eq(ep.ns_name, self._name_code(ns.name)), t.and_(fixed)))
        return t.and_(out)

    def at(self, ep: SymEndpoint, addresses: IntervalSet) -> z3.BoolRef:
        """The endpoint's address lies in ``addresses`` (a union of whole regions)."""
        return self.t.in_ranges(ep.region, self.inventory.regions.index_ranges(addresses))

    def free_pod_address(self, ep: SymEndpoint) -> z3.BoolRef:
        """A pod whose address the input does not give: in the pod space, and not an address
        that an input pod has."""
        return self._memo(
            "free_pod_address",
            ep,
            lambda: self.t.and_(
                [self.at(ep, self.inventory.pod_space), self.t.in_ranges(ep.region, self.inventory.free_one)]
            ),
        )

    def takes_free_address(self, ep: SymEndpoint) -> z3.BoolRef:
        """The endpoint's address is a free one (external, hypothetical, or IP unknown)."""

        def build() -> z3.BoolRef:
            t = self.t
            unknown = self.inventory.unknown_ip_classes
            return t.or_(
                [
                    t.not_(ep.is_pod),
                    ep.hypothetical,
                    t.in_ranges(ep.cls, [(c, c) for c in unknown]) if unknown else t.false,
                ]
            )

        return self._memo("takes_free_address", ep, build)

    def domain(self, ep: SymEndpoint, classes: Sequence[EncodedClass] | None = None) -> z3.BoolRef:
        """Which endpoints exist. ``classes`` narrows the inventory pods (None = all)."""
        if classes is None:
            return self._memo("domain", ep, lambda: self._build_domain(ep, None))
        return self._build_domain(ep, classes)

    def _build_domain(self, ep: SymEndpoint, classes: Sequence[EncodedClass] | None) -> z3.BoolRef:
        t = self.t
        external = t.and_(
            [
                t.not_(ep.hypothetical),
                self.at(ep, self.inventory.external_space),
                *[t.eq(v, 0) for v in ep.ports.values()],
            ]
        )
        if self.universe is Universe.INVENTORY:
            chosen = self.inventory.classes if classes is None else classes
            pods = t.or_([self._class_term(ep, c) for c in chosen])
            pod = t.and_(
                [t.not_(ep.hypothetical), pods, self._namespace_labels(ep), self._combos(ep, chosen)]
            )
        else:
            pod = self._any_pod(ep)
        return t.ite(ep.is_pod, pod, external)

    def _any_namespace(self, ep: SymEndpoint) -> z3.BoolRef:
        """The endpoint's namespace is an existing one (with its labels) or a new one (free
        labels, a name no namespace has)."""
        return self._memo("any_namespace", ep, lambda: self._build_any_namespace(ep))

    def _build_any_namespace(self, ep: SymEndpoint) -> z3.BoolRef:
        t, vocab = self.t, self.vocab
        name_kv = vocab.ns_keys[NAMESPACE_NAME_LABEL]
        existing = t.or_([t.eq(ep.ns_name, self._name_code(n)) for n in self.cluster.namespaces])
        new_ns = t.and_(
            [t.not_(t.eq(ep.ns_name, self._name_code(n))) for n in self.cluster.namespaces]
            + [t.not_(t.eq(ep.ns_name, ABSENT)), t.le_const(ep.ns_name, name_kv.other)]
            + [t.le_const(ep.ns[k], kv.other) for k, kv in vocab.ns_keys.items() if k != NAMESPACE_NAME_LABEL]
        )
        return t.and_(
            [t.ite(ep.new_ns, new_ns, existing), t.implies(t.not_(ep.new_ns), self._namespace_labels(ep))]
        )

    def _any_pod(self, ep: SymEndpoint) -> z3.BoolRef:
        t, vocab = self.t, self.vocab
        hypothetical = t.and_(
            [
                self._any_namespace(ep),
                *[t.le_const(ep.pod[k], kv.other) for k, kv in vocab.pod_keys.items()],
                self.free_pod_address(ep),
                t.eq(ep.cls, 0),
            ]
        )
        singled = [self.inventory.classes[i] for i in self.singled_classes]
        named = t.and_(
            [
                t.not_(ep.new_ns),
                self._namespace_labels(ep),
                t.or_([self._class_term(ep, c) for c in singled]),
                self._combos(ep, singled),
            ]
        )
        return t.ite(ep.hypothetical, hypothetical, named)

    def relaxed_domain(self, ep: SymEndpoint) -> z3.BoolRef:
        """A superset of every universe's endpoints that is cheap to encode: any pod in an
        existing namespace (its real labels) or a new one, with any labels, named ports and
        address, or an external address. An unsat answer over it holds in both universes (lint
        uses it for the end of a flow whose exact domain does not matter to the question)."""
        return self._memo("relaxed_domain", ep, lambda: self._build_relaxed_domain(ep))

    def _build_relaxed_domain(self, ep: SymEndpoint) -> z3.BoolRef:
        t, vocab = self.t, self.vocab
        pod = t.and_(
            [self._any_namespace(ep), *[t.le_const(ep.pod[k], kv.other) for k, kv in vocab.pod_keys.items()]]
        )
        external = t.and_(
            [self.at(ep, self.inventory.external_space), *[t.eq(v, 0) for v in ep.ports.values()]]
        )
        return t.ite(ep.is_pod, pod, external)

    def flow_domain(self) -> z3.BoolRef:
        """Port, protocol, one address family per packet, a pod on at least one end, two
        distinct addresses, and no pod talking to itself."""
        t, src, dst = self.t, self.src, self.dst
        first_v6 = self.inventory.regions.first_v6
        parts = [
            t.not_(t.eq(self.port, 0)),
            t.le_const(self.proto, len(PROTOCOLS) - 1),
            t.eq_vars(t.le_const(src.region, first_v6 - 1), t.le_const(dst.region, first_v6 - 1)),
            # external -> external never enters the cluster
            t.or_([src.is_pod, dst.is_pod]),
            # two free addresses in one region need a region with two of them
            t.implies(
                t.and_(
                    [
                        self.takes_free_address(src),
                        self.takes_free_address(dst),
                        t.eq_vars(src.region, dst.region),
                    ]
                ),
                t.in_ranges(src.region, self.inventory.free_two),
            ),
        ]
        # One namespace has one label set: two ends in namespaces of one name carry the same
        # labels — this matters where labels are free (a namespace the input only references,
        # a new namespace of a mentioned name). New namespaces named ``other`` are told apart
        # by the decoder, which names them.
        label_keys = [k for k in self.vocab.ns_keys if k != NAMESPACE_NAME_LABEL]
        if label_keys:
            name_kv = self.vocab.ns_keys[NAMESPACE_NAME_LABEL]
            one_ns = t.and_(
                [
                    src.is_pod,
                    dst.is_pod,
                    t.eq_vars(src.ns_name, dst.ns_name),
                    t.not_(t.and_([src.new_ns, dst.new_ns, t.eq(src.ns_name, name_kv.other)])),
                ]
            )
            same_labels = t.and_([t.eq_vars(src.ns[k], dst.ns[k]) for k in label_keys])
            parts.append(t.implies(one_ns, same_labels))
        # The same inventory pod on both ends is self traffic, which no property covers;
        # a class with several members (or a replicated template) offers two distinct pods.
        first_single = self.inventory.first_single
        if first_single < len(self.inventory.classes):
            same = t.and_(
                [
                    src.is_pod,
                    dst.is_pod,
                    t.not_(src.hypothetical),
                    t.not_(dst.hypothetical),
                    t.eq_vars(src.cls, dst.cls),
                ]
            )
            parts.append(t.not_(t.and_([same, t.ge_const(dst.cls, first_single)])))
        return t.and_(parts)

    def prefer_ipv4(self) -> z3.BoolRef:
        """An assumption for nicer counterexamples: both addresses IPv4."""
        return self.t.le_const(self.src.region, self.inventory.regions.first_v6 - 1)


__all__ = ["PROTOCOLS", "FlowDomain", "SymEndpoint"]
