"""``lint`` findings about the manifests' shape (NV013-NV015): allow-all rules next to a
default deny, and empty lists whose meaning is the opposite of how they read.

NV014/NV015 read how the loader saw each list written (``[]`` vs missing: the model's
``*_written`` fields), so they work alike on files and stdin; the semantic fields, where both
mean the same, are not consulted for them.
"""

from __future__ import annotations

from collections.abc import Sequence

from verifier.model import Direction, NetworkPolicy, Rule
from verifier.query.lint_context import LintRun, rule_name
from verifier.results import Severity


def check_traps(run: LintRun) -> None:
    _allow_all_next_to_deny(run)
    for policy in run.cluster.policies:
        _empty_lists(run, policy)


def _empty_lists(run: LintRun, policy: NetworkPolicy) -> None:
    """NV014 (``from: []`` / ``to: []``) and NV015 (``egress: []`` without policyTypes), read
    from how the loader saw each list written (`verifier.model.resources.Written`); a model built by
    hand ("unknown") has neither."""
    for direction, key in ((Direction.INGRESS, "from"), (Direction.EGRESS, "to")):
        for rule in policy.rules(direction):
            if rule.peers_written == "empty":
                run.add(
                    "NV014",
                    Severity.WARNING,
                    rule_name(policy, rule),
                    f"'{key}: []' means all {'sources' if key == 'from' else 'destinations'} (as if '{key}' "
                    "were omitted), not none",
                    rule.location,
                )
    if policy.egress_written == "empty" and policy.policy_types_written in ("missing", "empty"):
        run.add(
            "NV015",
            Severity.WARNING,
            policy.key,
            "'egress: []' without policyTypes does NOT isolate egress (the API defaults policyTypes to "
            "Ingress only); add 'policyTypes: [Ingress, Egress]' to deny all egress",
            policy.manifest_location,
        )


def _allow_all_next_to_deny(run: LintRun) -> None:
    """NV013, one finding per namespace and direction naming every allow-all rule that
    undoes a default deny there. Allow-all *egress* next to a deny-all *ingress* policy is
    the documented "deny all ingress, allow all egress" idiom (Online Boutique: a deny-all
    policy for both directions, then ``egress: [{}]`` in every service's policy): info,
    not a warning."""
    for ns in sorted(run.index.policies):
        local = run.index.policies[ns]
        # a deny-all ingress: every pod of the namespace, no ingress rule
        deny_ingress = [
            q for q in local if q.affects(Direction.INGRESS) and not q.ingress and q.pod_selector.is_empty
        ]
        for direction in (Direction.INGRESS, Direction.EGRESS):
            allow_all = [
                (p, r)
                for p in local
                if p.affects(direction)
                for r in p.rules(direction)
                if r.peers is None and r.ports is None
            ]
            # a policy with an allow-all rule has rules: it is never one of the denies
            deny = [q.key for q in local if q.affects(direction) and not q.rules(direction)]
            if not allow_all or not deny:
                continue
            _report_allow_all(
                run,
                ns,
                direction,
                allow_all,
                deny,
                idiom=direction is Direction.EGRESS and bool(deny_ingress),
            )


def _report_allow_all(
    run: LintRun,
    ns: str,
    direction: Direction,
    allow_all: Sequence[tuple[NetworkPolicy, Rule]],
    deny: Sequence[str],
    *,
    idiom: bool,
) -> None:
    word = direction.value.lower()
    rules = [rule_name(p, r) for p, r in allow_all]
    pods: list[str] = []
    for policy in dict.fromkeys(p for p, _ in allow_all):
        pods += [pod.name for pod in run.index.selected(policy) if pod.name not in pods]
    shown_pods = ", ".join(pods[:8]) + (f" (+{len(pods) - 8} more)" if len(pods) > 8 else "")
    pods_text = f" (pods: {shown_pods})" if pods else ""
    denies = ", ".join(deny)
    if len(allow_all) == 1:
        obj, location = rules[0], allow_all[0][1].location
        what = f"'- {{}}' allows all {word} to the pods it selects"
    else:
        policy_of_deny = next(q for q in run.index.policies[ns] if q.key == deny[0])
        obj, location = deny[0], policy_of_deny.location
        what = f"{len(rules)} allow-all rules ('- {{}}') allow all {word} to the pods they select: {', '.join(rules)}"
    if idiom:
        run.add(
            "NV013",
            Severity.INFO,
            obj,
            f"{what}{pods_text}, next to the default deny of {denies}: the documented 'deny all ingress, "
            "allow all egress' idiom (their egress is not restricted)",
            location,
        )
    else:
        run.add(
            "NV013",
            Severity.WARNING,
            obj,
            f"{what}{pods_text}, undoing the default deny of {denies} for them",
            location,
        )


__all__ = ["check_traps"]
