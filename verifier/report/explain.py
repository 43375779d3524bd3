"""``explain`` as text (the chain per direction, then every blocker) and
``netverify.explain/v1`` JSON."""

from __future__ import annotations

from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from verifier.report.json_out import dump_json, flow_json
from verifier.results import Explanation, SideExplanation


def _side_lines(side: SideExplanation) -> list[tuple[str, str]]:
    where = "egress at the source" if side.direction.value == "Egress" else "ingress at the destination"
    verdict = "allows" if side.allowed else "DENIES"
    head = f"{where} ({side.endpoint}): {verdict}"
    if not side.isolated:
        head += f" — not isolated: no policy selects the pod for {side.direction.value}"
    lines = [(head, "bold green" if side.allowed else "bold red")]
    for pol in side.policies:
        if not pol.isolates:
            lines.append((f"  {pol.policy.policy}: does not isolate — {pol.reason}", "dim"))
            continue
        lines.append((f"  {pol.policy.policy}: isolates — {pol.reason}", ""))
        if not pol.rules:
            lines.append((f"    no {side.direction.value.lower()} rules: denies everything", "red"))
        for rule in pol.rules:
            mark = "matches" if rule.matched else "no match"
            lines.append(
                (f"    {rule.rule} ({rule.rule.location}): {mark}", "green" if rule.matched else "red")
            )
            if not rule.peers:
                lines.append(("      peers: all", "dim"))
            for p in rule.peers:
                lines.append((f"      peer {p.peer}: {'ok' if p.matched else 'no'} — {p.reason}", "dim"))
            if not rule.ports:
                lines.append(("      ports: all", "dim"))
            for q in rule.ports:
                lines.append((f"      port {q.port}: {'ok' if q.matched else 'no'} — {q.reason}", "dim"))
    return lines


def render_explain(result: Explanation, console: Console) -> None:
    verdict = "ALLOWED" if result.allowed else "DENIED"
    console.print(
        Text.assemble((f"{verdict}: ", "bold green" if result.allowed else "bold red"), str(result.flow)),
        soft_wrap=True,
    )
    for note in result.notes:
        console.print(Text(f"note: {note}", style="dim"), soft_wrap=True)
    for side in (result.egress, result.ingress):
        if side is not None:
            for text, style in _side_lines(side):
                console.print(Text(text, style=style), soft_wrap=True)
    if result.blockers:
        console.print(Text("blockers:", style="bold"))
        for b in result.blockers:
            console.print(Text(f"  {b}"), soft_wrap=True)


def explain_json(result: Explanation) -> dict[str, Any]:
    data = result.model_dump(mode="json", exclude={"flow"})
    return {"schema": "netverify.explain/v1", "flow": flow_json(result.flow), **data}


def write_explain_json(result: Explanation, out: TextIO) -> None:
    dump_json(explain_json(result), out)
