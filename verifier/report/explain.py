"""``explain`` as text (the chain per direction, then every blocker) and
``netverify.explain/v1`` JSON.

Without cluster-wide tier policies a side is its NetworkPolicies. With them (the side's
``verdicts`` are set) a side is the chain, each step saying what it did or why it was not
reached: the Admin tier (its policies by priority: whether the subject selects the pod, every
rule in order with its peer and port checks, the rule that fired and its action; policies
after the tier decided are "not reached"), the NetworkPolicy tier ("skipped" when the Admin
tier decided), the Baseline tier, then the default allow. A flow the manifests leave to the
implementation is ``UNKNOWN``, with the reason.

The JSON is the `Explanation` as pydantic dumps it; without tiers the tier fields are left
out, so the document is the one netverify wrote before tiers existed.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from verifier.model.tiers import Outcome, level_outcomes, tier_outcomes
from verifier.report.json_out import dump_json, flow_json
from verifier.results import Explanation, SideExplanation, TierPolicyCheck, TierRuleCheck, TierRuleRef

Line = tuple[str, str]  # (text, rich style)

# --- NetworkPolicies (the whole side without tiers, the middle tier with them) -----------------


def _np_lines(side: SideExplanation, indent: str) -> list[Line]:
    """Every NetworkPolicy of the pod's namespace, its rules, peers and ports."""
    lines: list[Line] = []
    for pol in side.policies:
        if not pol.isolates:
            lines.append((f"{indent}{pol.policy.policy}: does not isolate — {pol.reason}", "dim"))
            continue
        lines.append((f"{indent}{pol.policy.policy}: isolates — {pol.reason}", ""))
        if not pol.rules:
            lines.append((f"{indent}  no {side.direction.value.lower()} rules: denies everything", "red"))
        for rule in pol.rules:
            mark = "matches" if rule.matched else "no match"
            lines.append(
                (f"{indent}  {rule.rule} ({rule.rule.location}): {mark}", "green" if rule.matched else "red")
            )
            if not rule.peers:
                lines.append((f"{indent}    peers: all", "dim"))
            for p in rule.peers:
                lines.append(
                    (f"{indent}    peer {p.peer}: {'ok' if p.matched else 'no'} — {p.reason}", "dim")
                )
            if not rule.ports:
                lines.append((f"{indent}    ports: all", "dim"))
            for q in rule.ports:
                lines.append(
                    (f"{indent}    port {q.port}: {'ok' if q.matched else 'no'} — {q.reason}", "dim")
                )
    return lines


def _where(side: SideExplanation) -> str:
    return "egress at the source" if side.direction.value == "Egress" else "ingress at the destination"


def _plain_side_lines(side: SideExplanation) -> list[Line]:
    verdict = "allows" if side.allowed else "DENIES"
    head = f"{_where(side)} ({side.endpoint}): {verdict}"
    if not side.isolated:
        head += f" — not isolated: no policy selects the pod for {side.direction.value}"
    return [(head, "bold green" if side.allowed else "bold red"), *_np_lines(side, "  ")]


# --- the tiers ---------------------------------------------------------------------------------

_DECIDED = {
    "admin": "decided in the Admin tier",
    "networkpolicy": "decided in the NetworkPolicy tier",
    "baseline": "decided in the Baseline tier",
    "default": "no tier decided: allowed by default",
    "undecided": "undecided",
}


def tier_result(checks: Sequence[TierPolicyCheck]) -> frozenset[Outcome]:
    """What a tier can do with the flow, from its reached policies' outcomes (the model's
    fold: policies of one priority, then the priorities in order)."""
    reached = [c for c in checks if c.reached]
    levels = [
        level_outcomes(frozenset(Outcome(o) for o in c.outcomes) for c in group)
        for _, group in groupby(reached, key=lambda c: c.priority)
    ]
    return tier_outcomes(levels)


def _pass_effect(tier: str) -> str:
    then = "the NetworkPolicy tier" if tier == "Admin" else "the default"
    return f"skips the rest of the {tier} tier: on to {then}"


def _outcomes_text(outcomes: frozenset[Outcome], tier: str) -> str:
    names = {
        Outcome.ALLOW: "Allow (final)",
        Outcome.DENY: "Deny (final)",
        Outcome.PASS: f"Pass ({_pass_effect(tier)})",
        Outcome.NO_MATCH: "no rule matches: goes on",
    }
    ordered = [names[o] for o in Outcome if o in outcomes]
    if len(ordered) == 1:
        return ordered[0]
    return "undecided — " + " or ".join(ordered)


def _policy_outcome(check: TierPolicyCheck) -> str:
    named = [("no match" if o == Outcome.NO_MATCH.value else o) for o in check.outcomes]
    return " or ".join(named) if named else "no match"


def rule_label(ref: TierRuleRef) -> str:
    """``egress rule block-dev (Deny; egress[0], file:line:col)``; a rule without a name is
    ``egress[0] (Deny; file:line:col)``."""
    position = f"{ref.direction.value.lower()}[{ref.index}]"
    if ref.name and ref.name != position:
        return f"{ref.direction.value.lower()} rule {ref.name} ({ref.action}; {position}, {ref.location})"
    return f"{position} ({ref.action}; {ref.location})"


def _rule_lines(rule: TierRuleCheck, tier: str, indent: str) -> list[Line]:
    action = rule.rule.action
    effect = f" ({_pass_effect(tier)})" if action == "Pass" else ""
    if rule.fired and rule.matched is True:
        mark, style = f"matches — fires: {action}{effect}", "red" if action == "Deny" else "green"
    elif rule.fired:
        mark, style = f"may match (the manifests cannot say) — may fire: {action}{effect}", "yellow"
    elif rule.matched is False:
        mark, style = "no match", ""
    else:
        mark, style = "matches, but an earlier rule fired: not applied", "dim"
    lines: list[Line] = [(f"{indent}{rule_label(rule.rule)}: {mark}", style)]
    for p in rule.peers:
        lines.append((f"{indent}  peer {p.peer}: {'ok' if p.matched else 'no'} — {p.reason}", "dim"))
    if not rule.ports:
        lines.append((f"{indent}  ports: all", "dim"))
    for q in rule.ports:
        lines.append((f"{indent}  port {q.port}: {'ok' if q.matched else 'no'} — {q.reason}", "dim"))
    return lines


def _tier_policy_lines(check: TierPolicyCheck, tier: str, indent: str) -> list[Line]:
    name = check.policy if check.priority is None else f"{check.policy} (priority {check.priority})"
    if not check.reached:
        return [(f"{indent}{name}: not reached — the {tier} tier decided before it", "dim")]
    if not check.selects:
        return [(f"{indent}{name}: does not apply — {check.reason}", "dim")]
    lines: list[Line] = [(f"{indent}{name}: {_policy_outcome(check)} — {check.reason}", "")]
    for rule in check.rules:
        lines.extend(_rule_lines(rule, tier, indent + "  "))
    if check.rules and not any(r.fired for r in check.rules):
        lines.append((f"{indent}  no rule matches: goes on", "dim"))
    return lines


def _tier_lines(checks: Sequence[TierPolicyCheck], tier: str, condition: str) -> list[Line]:
    outcomes = tier_result(checks)
    if not checks:
        return [(f"  {tier} tier{condition}: no policies — goes on", "dim")]
    style = (
        "bold red" if outcomes == {Outcome.DENY} else "bold green" if outcomes == {Outcome.ALLOW} else "bold"
    )
    lines: list[Line] = [(f"  {tier} tier{condition}: {_outcomes_text(outcomes, tier)}", style)]
    for check in checks:
        lines.extend(_tier_policy_lines(check, tier, "    "))
    return lines


def _condition(all_reach: bool, before: str = "the Admin tier goes on") -> str:
    return "" if all_reach else f" (reached only if {before})"


def _tiered_side_lines(side: SideExplanation) -> list[Line]:
    """The chain of one side: Admin tier, NetworkPolicy tier, Baseline tier, default."""
    if len(side.verdicts) > 1:
        verdict, style = "UNKNOWN (may allow or deny)", "bold yellow"
        decided = f"undecided: {side.undecided}" if side.undecided else _DECIDED["undecided"]
    else:
        verdict = "allows" if side.allowed else "DENIES"
        style = "bold green" if side.allowed else "bold red"
        decided = _DECIDED[side.decided_in]
    lines: list[Line] = [(f"{_where(side)} ({side.endpoint}): {verdict} — {decided}", style)]

    admin = tier_result(side.admin)
    lines.extend(_tier_lines(side.admin, "Admin", ""))

    np_reach = [o.goes_on for o in admin]
    skipped = (
        "skipped: the Admin tier decided"
        if len(admin) == 1
        else "skipped: every outcome of the Admin tier is final"
    )
    if not any(np_reach):
        lines.append((f"  NetworkPolicy tier: {skipped}", "dim"))
    else:
        condition = _condition(all(np_reach))
        np_allows = not side.isolated or any(r.matched for c in side.policies if c.isolates for r in c.rules)
        if side.isolated:
            head = f"  NetworkPolicy tier{condition}: {'allows' if np_allows else 'DENIES'} (final)"
            lines.append((head, "bold green" if np_allows else "bold red"))
        else:
            head = (
                f"  NetworkPolicy tier{condition}: no NetworkPolicy isolates the pod for "
                f"{side.direction.value} — goes on"
            )
            lines.append((head, "bold"))
        lines.extend(_np_lines(side, "    "))

    if not any(np_reach):
        lines.append((f"  Baseline tier: {skipped}", "dim"))
        return lines
    if side.isolated:
        lines.append(("  Baseline tier: skipped: the NetworkPolicy tier decided", "dim"))
        return lines
    lines.extend(_tier_lines(side.baseline, "Baseline", _condition(all(np_reach))))
    default_reach = [o.goes_on for o in tier_result(side.baseline)]
    if any(default_reach):
        condition = _condition(all(np_reach) and all(default_reach), "every tier before it goes on")
        lines.append((f"  default{condition}: allowed", "bold green"))
    return lines


def _tiered(result: Explanation) -> bool:
    """The cluster had tier policies: the trace filled in the chain's verdicts."""
    return any(side is not None and side.verdicts for side in (result.egress, result.ingress))


def _decided_where(result: Explanation) -> str:
    """Where the verdict was decided: the sides that deny it, else every side judged."""
    sides = [s for s in (result.egress, result.ingress) if s is not None]
    deciding = [s for s in sides if not s.allowed and len(s.verdicts) == 1] or sides
    phrases = [(s.direction.value.lower(), _DECIDED[s.decided_in]) for s in deciding]
    if len({p for _, p in phrases}) == 1:
        return phrases[0][1]
    return "; ".join(f"{direction}: {phrase}" for direction, phrase in phrases)


def render_explain(result: Explanation, console: Console) -> None:
    tiered = _tiered(result)
    if tiered and result.undecided:
        console.print(Text.assemble(("UNKNOWN: ", "bold yellow"), result.undecided), soft_wrap=True)
        console.print(
            Text(f"  the flow {result.flow} may be allowed or denied: the implementation decides"),
            soft_wrap=True,
        )
    else:
        verdict = "ALLOWED" if result.allowed else "DENIED"
        where = f" — {_decided_where(result)}" if tiered else ""
        console.print(
            Text.assemble(
                (f"{verdict}: ", "bold green" if result.allowed else "bold red"), f"{result.flow}{where}"
            ),
            soft_wrap=True,
        )
    for note in result.notes:
        console.print(Text(f"note: {note}", style="dim"), soft_wrap=True)
    for side in (result.egress, result.ingress):
        if side is not None:
            lines = _tiered_side_lines(side) if side.verdicts else _plain_side_lines(side)
            for text, style in lines:
                console.print(Text(text, style=style), soft_wrap=True)
    if result.blockers:
        console.print(Text("blockers:", style="bold"))
        for b in result.blockers:
            console.print(Text(f"  {b}"), soft_wrap=True)


# The tier fields of an explanation, left out of the JSON when the cluster has no tiers.
_SIDE_TIER_FIELDS = {"admin": True, "baseline": True, "verdicts": True, "decided_in": True, "undecided": True}


def explain_json(result: Explanation) -> dict[str, Any]:
    """``netverify.explain/v1``. With tiers each side also carries ``admin`` and ``baseline``
    (the tier policies checked, in evaluation order, with their rules), ``verdicts``,
    ``decided_in`` and ``undecided``, and the document ``undecided`` (why the manifests do not
    decide the flow, "" when they do)."""
    exclude: dict[str, Any] = {"flow": True}
    if not _tiered(result):
        exclude.update(undecided=True, egress=_SIDE_TIER_FIELDS, ingress=_SIDE_TIER_FIELDS)
    data = result.model_dump(mode="json", exclude=exclude)
    return {"schema": "netverify.explain/v1", "flow": flow_json(result.flow), **data}


def write_explain_json(result: Explanation, out: TextIO) -> None:
    dump_json(explain_json(result), out)
