"""``lint`` findings about selectors, peers and inventory coverage (NV001-NV005, NV009,
NV010, NV016, NV017).

"Can this podSelector / peer ever match" (NV002, NV004) is a Z3 question in the `any`
universe, asked only when no pod of the input already answers it; the rest is read off the
inventory (`verifier.query.lint_witness.PodIndex`) and the selectors' shapes.
"""

from __future__ import annotations

from verifier.model import NAMESPACE_NAME_LABEL, Direction, NetworkPolicy, Peer, Pod, Rule
from verifier.model.words import plural
from verifier.query.lint_context import LintRun, rule_name
from verifier.results import Severity
from verifier.solve import Answer


def check_selection(run: LintRun) -> None:
    inventory = run.cluster.has_inventory
    for policy in run.cluster.policies:
        selects_a_pod = inventory and bool(run.index.selected(policy))
        # A pod of the input it selects answers "can it ever select a pod" (yes) without
        # asking Z3; only selectors that select nothing here need the proof.
        answer = Answer.SAT if selects_a_pod else run.solver.can_select(policy)
        if answer is Answer.UNSAT:
            run.add(
                "NV002",
                Severity.ERROR,
                policy.key,
                f"podSelector {policy.pod_selector} can never select a pod (its requirements contradict)",
                policy.location,
            )
            continue
        if answer is Answer.UNKNOWN:
            run.unknown(f"{policy.key} podSelector")
        if inventory and not selects_a_pod:
            run.add(
                "NV001",
                Severity.WARNING,
                policy.key,
                f"podSelector {policy.pod_selector} selects no pod of namespace {policy.namespace} in the input",
                policy.location,
            )


def check_peers(run: LintRun) -> None:
    inventory = run.cluster.has_inventory
    for policy in run.cluster.policies:
        for rule in policy.ingress + policy.egress:
            if rule.peers is None:
                continue
            dead = 0
            for i, peer in enumerate(rule.peers):
                obj = f"{rule_name(policy, rule)} peer[{i}]"
                matches_a_pod = (
                    peer.ip_block is None
                    and inventory
                    and next(run.index.peer_pods(policy, peer), None) is not None
                )
                # As for podSelectors: a pod of the input it matches answers "can it ever
                # match" without Z3.
                answer = Answer.SAT if matches_a_pod else run.solver.peer_can_match(peer, policy.namespace)
                if answer is Answer.UNSAT:
                    dead += 1
                    run.add(
                        "NV004",
                        Severity.ERROR,
                        obj,
                        f"{peer} can never match any endpoint",
                        rule.location,
                    )
                    continue
                if answer is Answer.UNKNOWN:
                    run.unknown(obj)
                if peer.ip_block is None and inventory and not matches_a_pod:
                    dead += 1
                    run.add(
                        "NV003",
                        Severity.WARNING,
                        obj,
                        f"{peer} matches no pod in the input",
                        rule.location,
                    )
                    _pod_selector_meant_as_namespace(run, policy, rule, peer, obj)
            if dead == len(rule.peers) and inventory:
                run.add(
                    "NV005",
                    Severity.WARNING,
                    rule_name(policy, rule),
                    "every peer of the rule matches nothing in the input: the rule allows nothing",
                    rule.location,
                )


def _pod_selector_meant_as_namespace(
    run: LintRun, policy: NetworkPolicy, rule: Rule, peer: Peer, obj: str
) -> None:
    sel = peer.pod_selector
    if sel is None or peer.namespace_selector is not None:
        return
    matching = [
        ns.name for ns in run.cluster.namespaces.values() if not sel.is_empty and sel.matches(ns.labels)
    ]
    if matching:
        run.add(
            "NV016",
            Severity.WARNING,
            obj,
            f"podSelector {sel} matches no pod but matches {plural(len(matching), 'namespace')} "
            f"{', '.join(sorted(matching))}: "
            "did you mean namespaceSelector?",
            rule.location,
        )


def check_selector_shapes(run: LintRun) -> None:
    for policy in run.cluster.policies:
        for rule in policy.ingress + policy.egress:
            for i, peer in enumerate(rule.peers or ()):
                keys = {r.key for r in peer.pod_selector.requirements()} if peer.pod_selector else set()
                if NAMESPACE_NAME_LABEL in keys:
                    run.add(
                        "NV016",
                        Severity.WARNING,
                        f"{rule_name(policy, rule)} peer[{i}]",
                        f"podSelector uses the namespace label {NAMESPACE_NAME_LABEL}: pods rarely carry it; "
                        "did you mean namespaceSelector?",
                        rule.location,
                    )
            lone_ns = [
                p for p in rule.peers or () if p.namespace_selector is not None and p.pod_selector is None
            ]
            lone_pod = [
                p for p in rule.peers or () if p.pod_selector is not None and p.namespace_selector is None
            ]
            if lone_ns and lone_pod:
                run.add(
                    "NV017",
                    Severity.INFO,
                    rule_name(policy, rule),
                    f"peers '- {lone_ns[0]}' and '- {lone_pod[0]}' are OR-ed; if both were meant to hold "
                    "at once, write them as one peer (no dash before podSelector)",
                    rule.location,
                )


def check_coverage(run: LintRun) -> None:
    if not run.cluster.has_inventory:
        return
    for direction in (Direction.INGRESS, Direction.EGRESS):
        by_ns: dict[str, list[Pod]] = {}
        for pod in run.cluster.pods:
            isolated = any(
                p.selects(pod.namespace, pod.labels, direction)
                for p in run.index.policies.get(pod.namespace, ())
            )
            if not isolated:
                by_ns.setdefault(pod.namespace, []).append(pod)
        for ns, pods in sorted(by_ns.items()):
            names = [p.name for p in pods]
            shown = ", ".join(names[:8]) + (f" (+{len(names) - 8} more)" if len(names) > 8 else "")
            # where to point: the namespace's manifest, else the first such pod's
            declared = run.cluster.namespaces.get(ns)
            where = declared.location if declared is not None and declared.declared else pods[0].location
            ns_labels = run.cluster.namespace_labels(ns)
            tiered = sorted(
                {
                    tp.key
                    for tp in run.cluster.tier_policies
                    if tp.rules(direction)
                    for pod in pods
                    if tp.subject.selects(ns_labels, pod.labels)
                }
            )
            if tiered:
                # the tiers still judge these pods: "all allowed" would be false
                shown_tiers = ", ".join(tiered[:3]) + (
                    f" (+{len(tiered) - 3} more)" if len(tiered) > 3 else ""
                )
                what = f"only the tier policies decide ({shown_tiers}), else allowed"
            else:
                what = f"all {direction.value.lower()} allowed"
            run.add(
                "NV009",
                Severity.INFO,
                f"namespace {ns}",
                f"{plural(len(names), 'pod')} selected by no {direction.value} policy ({what}): {shown}",
                where,
            )


def check_named_ports(run: LintRun) -> None:
    if not run.cluster.has_inventory:
        return
    for policy in run.cluster.policies:
        for rule in policy.ingress + policy.egress:
            named = [p for p in rule.ports or () if isinstance(p.port, str)]
            if not named:
                continue
            if rule.direction is Direction.INGRESS:
                targets, where = run.index.selected(policy), "pod the policy selects"
            elif rule.peers is None:
                targets, where = list(run.cluster.pods), "pod"
            else:
                targets = [
                    p
                    for peer in rule.peers
                    if peer.ip_block is None
                    for p in run.index.peer_pods(policy, peer)
                ]
                where = "pod the rule's peers match"
            for entry in named:
                if not any(
                    cp.name == entry.port and cp.protocol is entry.protocol for t in targets for cp in t.ports
                ):
                    run.add(
                        "NV010",
                        Severity.WARNING,
                        rule_name(policy, rule),
                        f"named port {entry.port}/{entry.protocol}: no {where} defines it, so it matches nothing",
                        rule.location,
                    )


__all__ = ["check_coverage", "check_named_ports", "check_peers", "check_selection", "check_selector_shapes"]
