"""The only producer of Z3 terms: policies and properties over the symbolic flow.

The flow, its endpoints and the domains (which endpoints exist in each universe) are
`verifier.encode.domain.FlowDomain`; `Encoding` adds selectors, peers, ports, rules, each
side's verdict and the properties' scopes. Policies and properties are encoded once per
endpoint and cached, so many properties share the work.

With cluster-wide tier policies (`verifier.encode.tiers`) a flow's verdict may be left to the
implementation (a same-priority conflict, a ``domainNames`` peer): `Encoding.verdicts` gives
two terms, `Verdicts.may` (allowed under some choice) and `Verdicts.must` (allowed under
every choice). Without tier policies both are the NetworkPolicy term `Encoding.allowed`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import z3

from verifier.encode.domain import PROTOCOLS, FlowDomain, SymEndpoint
from verifier.encode.inventory import Inventory
from verifier.encode.tiers import TierTerms, ambiguous
from verifier.encode.vocab import ABSENT, Vocabulary
from verifier.model import (
    AnalysisOptions,
    Cluster,
    Direction,
    LabelSelector,
    NetworkPolicy,
    Node,
    Operator,
    Peer,
    PolicyPort,
    Rule,
    TierPolicy,
    Universe,
)
from verifier.spec import Property, SpecPeer


@dataclass(frozen=True)
class Verdicts:
    """A flow's verdict as two terms: ``may`` (some implementation choice allows it) and
    ``must`` (every choice does). The same term when the policies leave no choice."""

    may: z3.BoolRef
    must: z3.BoolRef

    @property
    def decided(self) -> bool:
        """The policies leave no choice to the implementation: ``may`` is ``must``."""
        return self.may is self.must


class Encoding(FlowDomain):
    """Terms for one cluster and universe; build once, ask many properties.

    ``options`` are the run's `AnalysisOptions`; the encoding reads ``ipblock_pods`` from
    them (whether an ipBlock also matches pod addresses).

    Every method returns Z3 terms over the endpoints ``self.src`` / ``self.dst`` and the
    flow's ``self.port`` / ``self.proto``.
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
        super().__init__(cluster, vocab, inventory, universe, options, singled_pods=singled_pods)
        self._selector_cache: dict[tuple[str, str, LabelSelector], z3.BoolRef] = {}
        self._peer_cache: dict[tuple[str, str, Peer], z3.BoolRef] = {}
        self._port_cache: dict[PolicyPort, z3.BoolRef] = {}
        self._selected_cache: dict[tuple[str, str, LabelSelector], z3.BoolRef] = {}
        self.tiers = TierTerms(self)

    # ------------------------------------------------------------------------- selectors
    def _match(self, side: str, labels: dict[str, z3.BitVecRef], sel: LabelSelector, kind: str) -> z3.BoolRef:
        key = (side, kind, sel)
        cached = self._selector_cache.get(key)
        if cached is not None:
            return cached
        t = self.t
        keys = self.vocab.ns_keys if kind == "ns" else self.vocab.pod_keys
        parts: list[z3.BoolRef] = []
        for req in sel.requirements():
            var, kv = labels[req.key], keys[req.key]
            if req.operator is Operator.IN:
                parts.append(t.or_([t.eq(var, kv.code(v)) for v in req.values]))
            elif req.operator is Operator.NOT_IN:
                parts.append(t.and_([t.not_(t.eq(var, kv.code(v))) for v in req.values]))
            elif req.operator is Operator.EXISTS:
                parts.append(t.not_(t.eq(var, ABSENT)))
            else:
                parts.append(t.eq(var, ABSENT))
        term = t.and_(parts)
        self._selector_cache[key] = term
        return term

    def pod_matches(self, ep: SymEndpoint, sel: LabelSelector) -> z3.BoolRef:
        return self._match(ep.tag, ep.pod, sel, "pod")

    def ns_matches(self, ep: SymEndpoint, sel: LabelSelector) -> z3.BoolRef:
        return self._match(ep.tag, ep.ns, sel, "ns")

    def in_namespace(self, ep: SymEndpoint, namespace: str) -> z3.BoolRef:
        return self.t.eq(ep.ns_name, self._name_code(namespace))

    # --------------------------------------------------------------------------- policies
    def selects(self, policy: NetworkPolicy, ep: SymEndpoint) -> z3.BoolRef:
        """``policy`` selects the endpoint (a pod of the policy's namespace)."""
        key = (ep.tag, policy.namespace, policy.pod_selector)
        cached = self._selected_cache.get(key)
        if cached is None:
            cached = self.t.and_(
                [
                    ep.is_pod,
                    self.in_namespace(ep, policy.namespace),
                    self.pod_matches(ep, policy.pod_selector),
                ]
            )
            self._selected_cache[key] = cached
        return cached

    def peer_matches(self, peer: Peer, namespace: str, ep: SymEndpoint) -> z3.BoolRef:
        """A NetworkPolicyPeer of a policy in ``namespace`` matches the endpoint."""
        key = (ep.tag, namespace, peer)
        cached = self._peer_cache.get(key)
        if cached is not None:
            return cached
        t = self.t
        if peer.ip_block is not None:
            inside = self.at(ep, peer.ip_block.ranges())
            term = inside if self.options.ipblock_pods else t.and_([t.not_(ep.is_pod), inside])
        else:
            ns_term = (
                self.in_namespace(ep, namespace)
                if peer.namespace_selector is None
                else self.ns_matches(ep, peer.namespace_selector)
            )
            pod_term = t.true if peer.pod_selector is None else self.pod_matches(ep, peer.pod_selector)
            term = t.and_([ep.is_pod, ns_term, pod_term])
        self._peer_cache[key] = term
        return term

    def port_matches(self, port: PolicyPort) -> z3.BoolRef:
        """A NetworkPolicyPort matches the flow; named ports resolve on the destination."""
        cached = self._port_cache.get(port)
        if cached is not None:
            return cached
        t = self.t
        proto = t.eq(self.proto, PROTOCOLS.index(port.protocol))
        if isinstance(port.port, str):
            value = self.dst.ports[(port.port, port.protocol)]
            term = t.and_([proto, self.dst.is_pod, t.not_(t.eq(value, 0)), t.eq_vars(value, self.port)])
        else:
            lo, hi = port.numeric_range() or (1, 65535)
            term = t.and_([proto, t.in_ranges(self.port, [(lo, hi)]) if (lo, hi) != (1, 65535) else t.true])
        self._port_cache[port] = term
        return term

    def rule_matches(self, rule: Rule, namespace: str) -> z3.BoolRef:
        t = self.t
        peer_side = self.dst if rule.direction is Direction.EGRESS else self.src
        peers = (
            t.true
            if rule.peers is None
            else t.or_([self.peer_matches(p, namespace, peer_side) for p in rule.peers])
        )
        ports = t.true if rule.ports is None else t.or_([self.port_matches(p) for p in rule.ports])
        return t.and_([peers, ports])

    def side_allows(self, direction: Direction, policies: Sequence[NetworkPolicy]) -> z3.BoolRef:
        """Egress at the source (or ingress at the destination) lets the flow through.

        ``policies`` may be narrowed to those that can select the endpoint: dropping a policy
        that selects no endpoint in the domain changes nothing.
        """
        t = self.t
        ep = self.src if direction is Direction.EGRESS else self.dst
        if not any(p.affects(direction) for p in policies):
            return t.true
        isolated, allowed = self.side_parts(direction, policies)
        return t.or_([t.not_(ep.is_pod), t.not_(isolated), allowed])

    def side_parts(
        self, direction: Direction, policies: Sequence[NetworkPolicy]
    ) -> tuple[z3.BoolRef, z3.BoolRef]:
        """(isolated, allowed) of the NetworkPolicy tier on one side: some policy selects the
        endpoint for ``direction``, and some rule of such a policy matches."""
        t = self.t
        ep = self.src if direction is Direction.EGRESS else self.dst
        relevant = [p for p in policies if p.affects(direction)]
        if not relevant:
            return t.false, t.false
        isolated = t.or_([self.selects(p, ep) for p in relevant])
        allowed = t.or_(
            [
                t.and_(
                    [
                        self.selects(p, ep),
                        t.or_([self.rule_matches(r, p.namespace) for r in p.rules(direction)]),
                    ]
                )
                for p in relevant
            ]
        )
        return isolated, allowed

    def allowed(
        self, egress_policies: Sequence[NetworkPolicy], ingress_policies: Sequence[NetworkPolicy]
    ) -> z3.BoolRef:
        """The flow happens: egress at the source AND ingress at the destination allow it."""
        return self.t.and_(
            [
                self.side_allows(Direction.EGRESS, egress_policies),
                self.side_allows(Direction.INGRESS, ingress_policies),
            ]
        )

    def verdicts(
        self,
        egress_policies: Sequence[NetworkPolicy],
        ingress_policies: Sequence[NetworkPolicy],
        tier_policies: Sequence[TierPolicy] = (),
        nodes: Sequence[Node] = (),
    ) -> Verdicts:
        """The flow's verdict through the tier chain of each judged side, AND-ed over both
        sides (egress when the source is a pod, ingress when the destination is): may-allow and
        must-allow (`verifier.encode.tiers`). ``nodes`` are the Node objects ``nodes`` peers
        look at. Without tier policies both are `allowed` (the very same term)."""
        if not tier_policies:
            term = self.allowed(egress_policies, ingress_policies)
            return Verdicts(term, term)
        t = self.t
        may, must = [], []
        for direction, policies in (
            (Direction.EGRESS, egress_policies),
            (Direction.INGRESS, ingress_policies),
        ):
            isolated, allowed = self.side_parts(direction, policies)
            side_may, side_must = self.tiers.side(direction, isolated, allowed, tier_policies, nodes)
            may.append(side_may)
            must.append(side_must)
        must_term = t.and_(must)
        if not ambiguous(tier_policies):
            return Verdicts(must_term, must_term)
        return Verdicts(t.and_(may), must_term)

    # ------------------------------------------------------------------------ properties
    def spec_peer(self, peer: SpecPeer, ep: SymEndpoint) -> z3.BoolRef:
        t = self.t
        if peer.ip_block is not None:
            return t.and_([t.not_(ep.is_pod), self.at(ep, peer.ip_block.ranges())])
        parts: list[z3.BoolRef] = [ep.is_pod]
        if peer.namespace is not None:
            parts.append(self.in_namespace(ep, peer.namespace))
        if peer.namespace_selector is not None:
            parts.append(self.ns_matches(ep, peer.namespace_selector))
        if peer.pod_selector is not None:
            parts.append(self.pod_matches(ep, peer.pod_selector))
        if peer.pod is not None:
            index = self.inventory.by_pod.get(peer.pod)
            parts.append(t.false if index is None else t.and_([t.not_(ep.hypothetical), t.eq(ep.cls, index)]))
        return t.and_(parts)

    def scope(self, prop: Property) -> z3.BoolRef:
        """The flows a property talks about."""
        t = self.t
        parts = []
        if prop.sources is not None:
            parts.append(t.or_([self.spec_peer(p, self.src) for p in prop.sources]))
        if prop.destinations is not None:
            parts.append(t.or_([self.spec_peer(p, self.dst) for p in prop.destinations]))
        if prop.ports is not None:
            parts.append(t.or_([self.port_matches(p) for p in prop.ports]))
        return t.and_(parts)


__all__ = ["PROTOCOLS", "Encoding", "SymEndpoint", "Verdicts"]
