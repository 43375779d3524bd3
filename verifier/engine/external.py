"""Pods and external addresses on one port: which addresses each pod class admits and reaches.

The pod-to-pod matrix (module `matrix`) never looks at addresses outside the inventory. A
flow between a pod and an external address has one side only: an external source is not
isolated, so ``external -> pod`` is decided by the pod's ingress alone, and ``pod ->
external`` by the pod's egress alone. On that side only rules without peers (every peer) or
with an ipBlock holding the address can match — selector peers match pods only — and a
named port never resolves on an external destination.

The caller passes one representative address per *atomic* region of the address line (no
ipBlock boundary inside it), so the answer for the representative is the answer for the
whole region.
"""

from __future__ import annotations

from collections.abc import Sequence

from verifier.engine.bits import full, iter_bits
from verifier.engine.matrix import Prepared, ports_match_everywhere, rule_ports_match
from verifier.model import Direction, NetworkPolicy, Protocol, Rule


def _rule_addresses(rule: Rule, addresses: Sequence[int]) -> int:
    """The addresses (as a bitset over ``addresses``) some peer of ``rule`` matches."""
    if rule.peers is None:
        return full(len(addresses))
    acc = 0
    for peer in rule.peers:
        if peer.ip_block is None:
            continue
        ranges = peer.ip_block.ranges()
        for i, key in enumerate(addresses):
            if key in ranges:
                acc |= 1 << i
    return acc


def external_admission(
    prep: Prepared, port: int, protocol: Protocol, addresses: Sequence[int]
) -> tuple[list[int], list[int]]:
    """Per pod class of ``prep``: (the addresses that may send to it on ``port``/``protocol``,
    the addresses it may send to there), each a bitset over ``addresses`` (address keys)."""
    everything = full(len(addresses))
    rule_bits: dict[tuple[Direction, int, int], int] = {}
    policy_bits: dict[tuple[Direction, int, frozenset[str]], int] = {}

    def policy_grant(
        policies: list[NetworkPolicy], p: int, direction: Direction, names: frozenset[str]
    ) -> int:
        """What one policy's rules of ``direction`` admit on this port (named ports: the
        destination's ``names`` resolving to it; none for an external destination)."""
        key = (direction, p, names)
        found = policy_bits.get(key)
        if found is not None:
            return found
        acc = 0
        for r, rule in enumerate(policies[p].rules(direction)):
            if direction is Direction.INGRESS:
                ok = rule_ports_match(rule, port, protocol, names)
            else:
                ok = ports_match_everywhere(rule, port, protocol)
            if ok:
                bits = rule_bits.get((direction, p, r))
                if bits is None:
                    bits = rule_bits[(direction, p, r)] = _rule_addresses(rule, addresses)
                acc |= bits
        policy_bits[key] = acc
        return acc

    def grant(
        policies: list[NetworkPolicy], pattern: int, direction: Direction, names: frozenset[str]
    ) -> int:
        if pattern == 0:
            return everything  # not isolated in this direction
        acc = 0
        for p in iter_bits(pattern):
            acc |= policy_grant(policies, p, direction, names)
            if acc == everything:
                break
        return acc

    ingress: list[int] = []
    egress: list[int] = []
    in_cache: dict[tuple[int, frozenset[str]], int] = {}
    eg_cache: dict[int, int] = {}
    for k, cls in enumerate(prep.part.classes):
        names = frozenset(n for n, proto, number in cls.named_ports if proto is protocol and number == port)
        in_key = (prep.in_pattern[k], names)
        if in_key not in in_cache:
            in_cache[in_key] = grant(prep.in_policies, in_key[0], Direction.INGRESS, names)
        ingress.append(in_cache[in_key])
        eg_key = prep.eg_pattern[k]
        if eg_key not in eg_cache:
            eg_cache[eg_key] = grant(prep.eg_policies, eg_key, Direction.EGRESS, frozenset())
        egress.append(eg_cache[eg_key])
    return ingress, egress


__all__ = ["external_admission"]
