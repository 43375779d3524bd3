"""``netverify init``: propose a starter spec for the input it is given.

For every namespace that has NetworkPolicies: one ``deny`` property (the first candidate that
holds today — closed to the other namespaces, else closed to external addresses, else, for an
egress-only namespace, no egress to external addresses) and one ``reachable`` property (the
first ingress rule's first selector peer reaches the pods its policy selects, on the rule's
first port). Every candidate is decided with the same analysis as ``check``, so a proposed
property that is active in the written spec holds on this input; a candidate that does not
hold is kept, commented out, with its counterexample — the user decides what was meant.
"""

from __future__ import annotations

from collections.abc import Sequence

from verifier.model import (
    NAMESPACE_NAME_LABEL,
    AnalysisOptions,
    Cluster,
    Direction,
    IPBlock,
    LabelSelector,
    NetworkPolicy,
    Operator,
    Requirement,
    parse_network,
)
from verifier.query.check import check, default_universe
from verifier.results import PropertyResult, StarterProperty, StarterSpec, Verdict
from verifier.spec import Expect, Property, SpecPeer

_EVERYWHERE = (parse_network("0.0.0.0/0"), parse_network("::/0"))


def _outside(namespace: str) -> SpecPeer:
    """Every pod of every other namespace (existing or new)."""
    req = Requirement(key=NAMESPACE_NAME_LABEL, operator=Operator.NOT_IN, values=(namespace,))
    return SpecPeer(namespace_selector=LabelSelector(match_expressions=(req,)))


def _internet() -> tuple[SpecPeer, ...]:
    return tuple(SpecPeer(ip_block=IPBlock(cidr=net)) for net in _EVERYWHERE)


def _target(policy: NetworkPolicy) -> SpecPeer:
    selector = None if policy.pod_selector.is_empty else policy.pod_selector
    return SpecPeer(namespace=policy.namespace, pod_selector=selector)


def _what(policy: NetworkPolicy) -> str:
    pods = "its pods" if policy.pod_selector.is_empty else f"its pods {policy.pod_selector}"
    return f"{pods} (selected by {policy.key})"


def _candidates(namespace: str, policies: Sequence[NetworkPolicy]) -> tuple[list[Property], Property | None]:
    """The deny candidates in order of preference, and the reachable candidate."""
    ingress = [p for p in policies if p.affects(Direction.INGRESS)]
    egress = [p for p in policies if p.affects(Direction.EGRESS)]
    denies: list[Property] = []
    if ingress:
        first = ingress[0]
        target = _target(first)
        denies.append(
            Property(
                name=f"{namespace}-closed-to-other-namespaces",
                description=f"No pod of another namespace reaches {_what(first)} in {namespace}",
                expect=Expect.DENY,
                sources=(_outside(namespace),),
                destinations=(target,),
            )
        )
        denies.append(
            Property(
                name=f"{namespace}-closed-to-external-addresses",
                description=f"No external address reaches {_what(first)} in {namespace}",
                expect=Expect.DENY,
                sources=_internet(),
                destinations=(target,),
            )
        )
    if egress:
        first = egress[0]
        denies.append(
            Property(
                name=f"{namespace}-no-egress-to-external-addresses",
                description=f"{_what(first).capitalize()} in {namespace} reach no external address",
                expect=Expect.DENY,
                sources=(_target(first),),
                destinations=_internet(),
            )
        )
    reachable = None
    for policy in ingress:
        for rule in policy.ingress:
            peer = next((p for p in rule.peers or () if p.ip_block is None), None)
            if peer is None:
                continue
            source = SpecPeer(
                namespace=namespace if peer.namespace_selector is None else None,
                namespace_selector=peer.namespace_selector,
                pod_selector=peer.pod_selector,
            )
            ports = None if rule.ports is None else rule.ports[:1]
            on = "" if ports is None else f" on {ports[0]}"
            reachable = Property(
                name=f"{namespace}-{policy.name}-admits-its-peers",
                description=f"Some pod that {policy.key} ingress[{rule.index}] admits ({source}) reaches "
                f"{_what(policy)}{on}",
                expect=Expect.REACHABLE,
                sources=(source,),
                destinations=(_target(policy),),
                ports=ports,
            )
            break
        if reachable is not None:
            break
    return denies, reachable


def _note(result: PropertyResult) -> str:
    if result.verdict is Verdict.VIOLATED and result.flow is not None:
        return f"violated today: {result.flow}"
    if result.verdict is Verdict.VIOLATED:
        return "violated today: " + "; ".join(result.explanation)
    return f"{result.verdict.value} today: {result.reason}"


def starter_spec(cluster: Cluster, options: AnalysisOptions, inputs: Sequence[str] = ()) -> StarterSpec:
    """The starter spec for ``cluster`` (module docstring)."""
    universe = default_universe(cluster, options)
    by_ns: dict[str, list[NetworkPolicy]] = {}
    for policy in sorted(cluster.policies, key=lambda p: (p.namespace, p.name)):
        by_ns.setdefault(policy.namespace, []).append(policy)
    plans = {ns: _candidates(ns, pols) for ns, pols in sorted(by_ns.items())}
    everything = [p for denies, reach in plans.values() for p in (*denies, *([reach] if reach else []))]
    report = check(cluster, everything, options) if everything else None
    verdicts = {r.name: r for r in report.results} if report is not None else {}
    chosen: list[StarterProperty] = []
    for ns, (denies, reach) in plans.items():
        holding = [p for p in denies if verdicts[p.name].verdict is Verdict.HOLDS]
        pick = holding[0] if holding else (denies[0] if denies else None)
        for prop in [p for p in (pick, reach) if p is not None]:
            result = verdicts[prop.name]
            why = "proposed for namespace " + ns
            note = "" if result.verdict is Verdict.HOLDS else _note(result)
            chosen.append(StarterProperty(claim=prop, why=why, verdict=result.verdict, note=note))
    with_pods = {p.namespace for p in cluster.pods}
    return StarterSpec(
        inputs=tuple(inputs),
        universe=universe.value,
        properties=tuple(chosen),
        namespaces_without_policies=tuple(sorted(with_pods - set(by_ns))),
    )


__all__ = ["starter_spec"]
