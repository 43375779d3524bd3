"""The cluster-wide tiers over the symbolic flow: the chain of `verifier.model.tiers`, term
by term.

Per direction (egress at the source pod, ingress at the destination pod) the chain is
Admin tier → NetworkPolicy tier → Baseline tier → allow. A tier rule's match is three-valued
(`verifier.model.tiers.Match`): it *surely* matches (some peer matches and some port entry,
or no ports) or it *possibly* matches (a ``domainNames`` peer and an external other end,
which the manifests cannot decide). So every step is two Boolean terms per outcome — "this
outcome is among the possible ones" — folded exactly as the model folds its `Outcome` sets:

- a policy (first match): outcome X is possible iff the subject selects the pod and some
  rule with action X possibly matches while no earlier rule surely matched; no match is
  possible iff the subject does not select the pod or no rule surely matches;
- a priority level (`level_outcomes`): X possible iff possible for one of its policies; no
  match iff no match is possible for each;
- a tier (`tier_outcomes`): X possible iff possible at a level that every earlier level may
  let through (no match possible there);
- the chain (`chain_verdicts`): allowed is possible iff the Admin tier may Allow, or may go
  on (Pass, no match) to an allowing NetworkPolicy verdict — or, when no NetworkPolicy
  isolates the pod, to a Baseline outcome other than Deny; denied is possible likewise.

``may`` = allowed is a possible verdict, ``must`` = denied is not. Without ambiguity (no
``domainNames`` peer, no priority shared by two policies of one tier) every set has one
element and the two terms are the same term.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import z3

from verifier.encode.domain import PROTOCOLS
from verifier.model import (
    Direction,
    IntervalSet,
    Node,
    Outcome,
    Protocol,
    Tier,
    TierPeer,
    TierPolicy,
    TierPort,
    TierRule,
    ip_key,
)
from verifier.model.tiers import priority_levels

if TYPE_CHECKING:
    from verifier.encode.encoding import Encoding

_ACTIONS = (Outcome.ALLOW, Outcome.DENY, Outcome.PASS)


@dataclass(frozen=True)
class Outcomes:
    """One term per outcome: the outcome is among those the policy, level or tier can reach."""

    allow: z3.BoolRef
    deny: z3.BoolRef
    pass_: z3.BoolRef
    no_match: z3.BoolRef

    def of(self, outcome: Outcome) -> z3.BoolRef:
        return {
            Outcome.ALLOW: self.allow,
            Outcome.DENY: self.deny,
            Outcome.PASS: self.pass_,
            Outcome.NO_MATCH: self.no_match,
        }[outcome]


def ambiguous(policies: Sequence[TierPolicy]) -> bool:
    """Whether the chain can yield two verdicts for some flow: a ``domainNames`` peer, or two
    policies of one tier at one priority (both per direction, conservatively for both)."""
    for tier in Tier:
        if any(len(level) > 1 for level in priority_levels(policies, tier)):
            return True
    return any(
        peer.domain_names is not None for p in policies for r in p.ingress + p.egress for peer in r.peers
    )


class TierTerms:
    """Tier terms over one encoding's symbolic flow, cached per endpoint and rule."""

    def __init__(self, enc: Encoding) -> None:
        self.enc = enc
        self.t = enc.t
        self._peer_cache: dict[tuple[str, TierPeer, tuple[int, ...]], tuple[z3.BoolRef, z3.BoolRef]] = {}
        self._rule_cache: dict[tuple[TierRule, tuple[int, ...]], tuple[z3.BoolRef, z3.BoolRef]] = {}
        self._port_cache: dict[TierPort, z3.BoolRef] = {}
        self._subject_cache: dict[tuple[str, TierPolicy], z3.BoolRef] = {}

    # --- matching ---------------------------------------------------------------------------
    def subject(self, policy: TierPolicy, ep_tag: str) -> z3.BoolRef:
        """The policy's subject selects the endpoint (a pod)."""
        key = (ep_tag, policy)
        found = self._subject_cache.get(key)
        if found is not None:
            return found
        enc, t = self.enc, self.t
        ep = enc.src if ep_tag == "src" else enc.dst
        s = policy.subject
        parts = [ep.is_pod]
        if s.namespaces is not None:
            parts.append(enc.ns_matches(ep, s.namespaces))
        else:
            if s.pod_namespaces is not None:
                parts.append(enc.ns_matches(ep, s.pod_namespaces))
            if s.pods is not None:
                parts.append(enc.pod_matches(ep, s.pods))
        found = self._subject_cache[key] = t.and_(parts)
        return found

    @staticmethod
    def _node_keys(peer: TierPeer, nodes: Sequence[Node]) -> tuple[int, ...]:
        return tuple(sorted({ip_key(a) for a in peer.node_addresses(nodes)}))

    def peer(self, peer: TierPeer, ep_tag: str, nodes: Sequence[Node]) -> tuple[z3.BoolRef, z3.BoolRef]:
        """(surely, possibly): the peer matches the endpoint."""
        node_keys = self._node_keys(peer, nodes) if peer.nodes is not None else ()
        key = (ep_tag, peer, node_keys)
        found = self._peer_cache.get(key)
        if found is not None:
            return found
        enc, t = self.enc, self.t
        ep = enc.src if ep_tag == "src" else enc.dst
        if peer.namespaces is not None:
            term = t.and_([ep.is_pod, enc.ns_matches(ep, peer.namespaces)])
        elif peer.pods is not None:
            parts = [ep.is_pod, enc.pod_matches(ep, peer.pods)]
            if peer.pod_namespaces is not None:
                parts.append(enc.ns_matches(ep, peer.pod_namespaces))
            term = t.and_(parts)
        elif peer.nodes is not None:
            if node_keys:
                addresses = IntervalSet.of((k, k) for k in node_keys)
                term = t.and_([t.not_(ep.is_pod), enc.at(ep, addresses)])
            else:
                term = t.false
        elif peer.networks is not None:
            term = enc.at(ep, peer.network_ranges())
        else:
            # domainNames: never a pod; an external address may be one the names resolve to
            found = self._peer_cache[key] = (t.false, t.not_(ep.is_pod))
            return found
        found = self._peer_cache[key] = (term, term)
        return found

    def port(self, entry: TierPort) -> z3.BoolRef:
        """The port entry matches the flow; a named port resolves on the destination (with no
        protocol: under the flow's protocol, whichever it is)."""
        found = self._port_cache.get(entry)
        if found is not None:
            return found
        enc, t = self.enc, self.t
        if entry.name is not None:
            protocols: Sequence[Protocol] = (entry.protocol,) if entry.protocol is not None else PROTOCOLS
            options = []
            for protocol in protocols:
                value = enc.dst.ports[(entry.name, protocol)]
                options.append(
                    t.and_(
                        [
                            t.eq(enc.proto, PROTOCOLS.index(protocol)),
                            enc.dst.is_pod,
                            t.not_(t.eq(value, 0)),
                            t.eq_vars(value, enc.port),
                        ]
                    )
                )
            term = t.or_(options)
        elif entry.protocol is None:
            term = t.false
        else:
            lo, hi = entry.numeric_range() or (1, 65535)
            proto = t.eq(enc.proto, PROTOCOLS.index(entry.protocol))
            term = proto if (lo, hi) == (1, 65535) else t.and_([proto, t.in_ranges(enc.port, [(lo, hi)])])
        self._port_cache[entry] = term
        return term

    def rule(self, rule: TierRule, nodes: Sequence[Node]) -> tuple[z3.BoolRef, z3.BoolRef]:
        """(surely, possibly): the rule matches the flow (its peers look at the other end)."""
        node_keys = tuple(k for p in rule.peers if p.nodes is not None for k in self._node_keys(p, nodes))
        key = (rule, node_keys)
        found = self._rule_cache.get(key)
        if found is not None:
            return found
        t = self.t
        other = "dst" if rule.direction is Direction.EGRESS else "src"
        ports = t.true if rule.ports is None else t.or_([self.port(p) for p in rule.ports])
        matches = [self.peer(p, other, nodes) for p in rule.peers]
        surely = t.and_([ports, t.or_([m[0] for m in matches])])
        possibly = t.and_([ports, t.or_([m[1] for m in matches])])
        found = self._rule_cache[key] = (surely, possibly)
        return found

    # --- folding ----------------------------------------------------------------------------
    def policy(self, policy: TierPolicy, direction: Direction, nodes: Sequence[Node]) -> Outcomes:
        """`TierPolicy.outcomes`: first match, a possible match lets the walk go on."""
        t = self.t
        selected = self.subject(policy, "src" if direction is Direction.EGRESS else "dst")
        reached = t.true
        by_action: dict[Outcome, list[z3.BoolRef]] = {o: [] for o in _ACTIONS}
        for rule in policy.rules(direction):
            surely, possibly = self.rule(rule, nodes)
            by_action[Outcome(rule.action.value)].append(t.and_([reached, possibly]))
            reached = t.and_([reached, t.not_(surely)])
        terms = {o: t.and_([selected, t.or_(by_action[o])]) for o in _ACTIONS}
        return Outcomes(
            terms[Outcome.ALLOW], terms[Outcome.DENY], terms[Outcome.PASS], t.or_([t.not_(selected), reached])
        )

    def level(self, outcomes: Sequence[Outcomes]) -> Outcomes:
        """`level_outcomes`: any policy's decision can come first."""
        t = self.t
        if len(outcomes) == 1:
            return outcomes[0]
        return Outcomes(
            t.or_([o.allow for o in outcomes]),
            t.or_([o.deny for o in outcomes]),
            t.or_([o.pass_ for o in outcomes]),
            t.and_([o.no_match for o in outcomes]),
        )

    def tier(self, levels: Sequence[Outcomes]) -> Outcomes:
        """`tier_outcomes`: a level decides unless it may not match."""
        t = self.t
        reach = t.true
        found: dict[Outcome, list[z3.BoolRef]] = {o: [] for o in _ACTIONS}
        for level in levels:
            for o in _ACTIONS:
                found[o].append(t.and_([reach, level.of(o)]))
            reach = t.and_([reach, level.no_match])
        return Outcomes(
            t.or_(found[Outcome.ALLOW]), t.or_(found[Outcome.DENY]), t.or_(found[Outcome.PASS]), reach
        )

    def tier_of(
        self, policies: Sequence[TierPolicy], tier: Tier, direction: Direction, nodes: Sequence[Node]
    ) -> Outcomes:
        levels = [
            self.level([self.policy(p, direction, nodes) for p in level])
            for level in priority_levels(policies, tier)
        ]
        return self.tier(levels)

    def side(
        self,
        direction: Direction,
        isolated: z3.BoolRef,
        np_allowed: z3.BoolRef,
        policies: Sequence[TierPolicy],
        nodes: Sequence[Node],
    ) -> tuple[z3.BoolRef, z3.BoolRef]:
        """(may, must) for one direction's chain, given the NetworkPolicy tier's isolation and
        verdict (`chain_verdicts`); a side whose endpoint is external is not judged."""
        t = self.t
        ep = self.enc.src if direction is Direction.EGRESS else self.enc.dst
        relevant = [p for p in policies if p.rules(direction)]
        admin = self.tier_of(relevant, Tier.ADMIN, direction, nodes)
        baseline = self.tier_of(relevant, Tier.BASELINE, direction, nodes)
        goes_on = t.or_([admin.pass_, admin.no_match])
        base_may = t.or_([baseline.allow, baseline.pass_, baseline.no_match])
        base_must = t.not_(baseline.deny)
        if isolated is t.false:
            after_may, after_must = base_may, base_must
        else:
            after_may = t.ite(isolated, np_allowed, base_may)
            after_must = t.ite(isolated, np_allowed, base_must)
        may = t.or_([admin.allow, t.and_([goes_on, after_may])])
        must = t.and_([t.not_(admin.deny), t.or_([t.not_(goes_on), after_must])])
        not_judged = t.not_(ep.is_pod)
        return t.or_([not_judged, may]), t.or_([not_judged, must])


__all__ = ["Outcomes", "TierTerms", "ambiguous"]
