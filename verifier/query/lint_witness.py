"""Concrete witnesses that spare lint's redundancy questions a Z3 call.

Lint's questions (`verifier.solve.lint`) report a finding only on unsat — "no flow makes
this rule / policy matter". Most rules and policies *do* matter, and one concrete flow that
shows it settles the question (sat) at the cost of a few oracle calls instead of a solver
query. A witness is only accepted when

- the oracle confirms it on the namespace's policies (the only ones that can decide the
  governed side), exactly as the question is posed (with / without the rule or policy, or
  the policy alone), and
- it lies inside the question's domain: the governed end is an inventory pod the policy
  selects, with a known IP, in the inventory universe; the other end an inventory pod or an
  external address of the same family (both inside `Encoding.relaxed_domain`); a real port.

No witness found means nothing: the question goes to Z3 as before. So a witness can only turn
"ask Z3" into "sat"; every finding is still an unsat proof.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from verifier.model import (
    Cluster,
    Direction,
    IntervalSet,
    NetworkPolicy,
    Peer,
    Pod,
    Protocol,
    Rule,
    ip_key,
    key_to_ip,
)
from verifier.model.ip import V6_OFFSET
from verifier.oracle import decide, external_endpoint, pod_endpoint
from verifier.results import Endpoint, Flow


class PodIndex:
    """The inventory by namespace, so that "which pods does this selector match" looks at one
    namespace's pods (or each namespace's labels once), not at every pod for every policy:
    at 10,000 pods and 2,000 policies the plain loops were tens of millions of matches."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.pods: dict[str, list[Pod]] = {}
        for pod in cluster.pods:
            self.pods.setdefault(pod.namespace, []).append(pod)
        self.policies: dict[str, list[NetworkPolicy]] = {}
        for policy in cluster.policies:
            self.policies.setdefault(policy.namespace, []).append(policy)
        self._views: dict[str, Cluster] = {}

    def selected(self, policy: NetworkPolicy) -> list[Pod]:
        """The inventory pods ``policy`` selects."""
        return [p for p in self.pods.get(policy.namespace, ()) if policy.selects(p.namespace, p.labels)]

    def peer_pods(self, policy: NetworkPolicy, peer: Peer) -> Iterator[Pod]:
        """The inventory pods a selector peer of ``policy`` matches (lazily: "does it match
        any" stops at the first)."""
        if peer.namespace_selector is None:
            namespaces = [policy.namespace]
        else:
            sel = peer.namespace_selector
            # a namespace the input only references may carry the labels: it may match
            namespaces = [ns for ns in self.pods if self.cluster.namespace_may_match(ns, sel)]
        for ns in namespaces:
            for pod in self.pods.get(ns, ()):
                if peer.pod_selector is None or peer.pod_selector.matches(pod.labels):
                    yield pod

    def namespace_view(self, namespace: str) -> Cluster:
        """The cluster with only ``namespace``'s policies: all that can isolate its pods, so
        the oracle's verdict on their side of a flow is the same, without scanning the rest."""
        view = self._views.get(namespace)
        if view is None:
            view = self.cluster.model_copy(update={"policies": tuple(self.policies.get(namespace, ()))})
            self._views[namespace] = view
        return view


class Witnesses:
    """Finds flows that make a policy or rule matter (see the module docstring)."""

    def __init__(self, index: PodIndex, external_space: IntervalSet, *, ipblock_pods: bool) -> None:
        self.cluster = index.cluster
        self.index = index
        self._selected: dict[str, list[Pod]] = {}
        self.ipblock_pods = ipblock_pods
        self.external = {4: external_space.intersection(IntervalSet.of([(0, V6_OFFSET - 1)]))}
        self.external[6] = external_space.difference(self.external[4])
        self._endpoints: dict[str, Endpoint] = {}

    # --- candidate flows ----------------------------------------------------------------------
    def _pod(self, pod: Pod) -> Endpoint:
        ep = self._endpoints.get(pod.key)
        if ep is None:
            ep = self._endpoints[pod.key] = pod_endpoint(self.cluster, pod)
        return ep

    def _governed(self, policy: NetworkPolicy) -> list[Endpoint]:
        """Up to two inventory pods with an IP that the policy selects."""
        found = self._selected.get(policy.key)
        if found is None:
            found = self._selected[policy.key] = [p for p in self.index.selected(policy) if p.ips][:2]
        return [self._pod(p) for p in found]

    def _external_outside(self, family: int, rules: Sequence[Rule]) -> Endpoint | None:
        """An external address of ``family`` that no ipBlock of ``rules`` holds."""
        space = self.external[family]
        for rule in rules:
            for peer in rule.peers or ():
                if peer.ip_block is not None:
                    space = space.difference(peer.ip_block.ranges())
        first = space.first()
        return None if first is None else external_endpoint(key_to_ip(first))

    def _external_inside(self, family: int, rule: Rule) -> Iterator[Endpoint]:
        for peer in rule.peers or ():
            if peer.ip_block is not None:
                first = self.external[family].intersection(peer.ip_block.ranges()).first()
                if first is not None:
                    yield external_endpoint(key_to_ip(first))

    @staticmethod
    def _family(ep: Endpoint) -> int:
        assert ep.ip is not None
        return 4 if ip_key(ep.ip) < V6_OFFSET else 6

    @staticmethod
    def _uncovered_port(rules: Sequence[Rule]) -> int | None:
        """A TCP port that no numeric port entry of ``rules`` holds (None: every port is)."""
        covered = IntervalSet.of(
            rng
            for rule in rules
            for entry in rule.ports or ()
            if entry.protocol is Protocol.TCP and (rng := entry.numeric_range()) is not None
        )
        free = IntervalSet.of([(1, 65535)]).difference(covered).first()
        return free

    def _flow(
        self, governed: Endpoint, other: Endpoint, direction: Direction, port: int, proto: Protocol
    ) -> Flow:
        if direction is Direction.INGRESS:
            return Flow(source=other, destination=governed, port=port, protocol=proto)
        return Flow(source=governed, destination=other, port=port, protocol=proto)

    def _allowed(self, policies: Sequence[NetworkPolicy], flow: Flow, direction: Direction) -> bool:
        view = self.cluster.model_copy(update={"policies": tuple(policies)})
        decision = decide(view, flow, ipblock_pods=self.ipblock_pods)
        side = decision.ingress if direction is Direction.INGRESS else decision.egress
        return decision.allowed if side is None else side.allowed

    def _denied_candidates(self, policy: NetworkPolicy, direction: Direction) -> Iterator[Flow]:
        """Flows the policy's rules of ``direction`` are unlikely to allow: an address outside
        their ipBlocks, or a port outside their port ranges."""
        rules = policy.rules(direction)
        for governed in self._governed(policy):
            other = self._external_outside(self._family(governed), rules)
            if other is None:
                continue
            yield self._flow(governed, other, direction, 1, Protocol.TCP)
            free = self._uncovered_port(rules)
            if free is not None and free != 1:
                yield self._flow(governed, other, direction, free, Protocol.TCP)

    # --- the questions ------------------------------------------------------------------------
    def policy_denies(self, policy: NetworkPolicy) -> bool:
        """A flow the policy on its own denies (so it is not vacuous)."""
        for direction in (Direction.INGRESS, Direction.EGRESS):
            if not policy.affects(direction):
                continue
            for flow in self._denied_candidates(policy, direction):
                if not self._allowed([policy], flow, direction):
                    return True
        return False

    def policy_matters(self, local: Sequence[NetworkPolicy], policy: NetworkPolicy) -> bool:
        """A flow whose verdict on the policy's side changes without the policy."""
        without = [p for p in local if p is not policy]
        for direction in (Direction.INGRESS, Direction.EGRESS):
            if not policy.affects(direction):
                continue
            candidates = list(self._denied_candidates(policy, direction))
            for rule in policy.rules(direction):
                candidates.extend(self._rule_candidates(policy, rule))
            for flow in candidates:
                if self._allowed(local, flow, direction) != self._allowed(without, flow, direction):
                    return True
        return False

    def _rule_candidates(self, policy: NetworkPolicy, rule: Rule) -> Iterator[Flow]:
        """Flows the rule allows, if any easy ones exist: a peer it matches (a pod of the input
        or an address of its ipBlock) on its first numeric port (port 1 when it has none)."""
        ports = [entry for entry in rule.ports or () if entry.numeric_range() is not None]
        if rule.ports is not None and not ports:
            return  # named ports only: left to Z3
        first = ports[0].numeric_range() if ports else None
        port, proto = (first[0], ports[0].protocol) if first is not None else (1, Protocol.TCP)
        for governed in self._governed(policy):
            family = self._family(governed)
            others: list[Endpoint] = []
            if rule.peers is None:
                outside = self._external_outside(family, ())
                others += [outside] if outside is not None else []
            else:
                others += list(self._external_inside(family, rule))
                for peer in rule.peers:
                    if peer.ip_block is None:
                        pod = self._peer_pod(policy, peer, governed)
                        if pod is not None:
                            others.append(pod)
            for other in others:
                if other.ip is not None and self._family(other) == family:
                    yield self._flow(governed, other, rule.direction, port, proto)

    def _peer_pod(self, policy: NetworkPolicy, peer: Peer, governed: Endpoint) -> Endpoint | None:
        """A pod of the input with an IP that a selector peer matches, other than ``governed``."""
        for pod in self.index.peer_pods(policy, peer):
            if pod.ips and (pod.namespace, pod.name) != (governed.namespace, governed.name):
                return self._pod(pod)
        return None

    def rule_matters(self, local: Sequence[NetworkPolicy], policy: NetworkPolicy, rule: Rule) -> bool:
        """A flow the side allows with the rule and denies without it."""
        field = "ingress" if rule.direction is Direction.INGRESS else "egress"
        kept = tuple(r for r in policy.rules(rule.direction) if r is not rule)
        without = [policy.model_copy(update={field: kept}) if p is policy else p for p in local]
        for flow in self._rule_candidates(policy, rule):
            if self._allowed(local, flow, rule.direction) and not self._allowed(
                without, flow, rule.direction
            ):
                return True
        return False


__all__ = ["PodIndex", "Witnesses"]
