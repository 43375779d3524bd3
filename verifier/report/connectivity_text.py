"""The grouped connectivity view as text (rich, for the terminal) and as GitHub-flavoured
markdown tables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TextIO

from rich.console import Console
from rich.text import Text

from verifier.report.connectivity_grouped import Grouped, grouped, rule_parts, summary, title
from verifier.report.text import render_warnings
from verifier.results.connectivity import Connectivity

_EXTERNAL_HEADING = (
    "external rules (ranges → pods: the pod's ingress decides; pods → ranges: its egress; a range "
    "stands for its addresses that no pod has, outside --pod-cidr when given):"
)


def _text_lines(conn: Connectivity, view: Grouped) -> Iterator[str]:
    yield "source groups (pods with identical rows: they reach the same pods on the same ports):"
    for g, pods in enumerate(view.sources):
        yield f"  S{g + 1}  {view.label(pods)}"
    yield "destination groups (pods with identical columns: the same pods reach them on the same ports):"
    for g, pods in enumerate(view.destinations):
        yield f"  D{g + 1}  {view.label(pods)}"
    yield "rules (every pod of the sources → every other pod of the destinations: exactly these ports):"
    if not view.pod_rules:
        yield "  (none: no traffic between distinct pods is allowed)"
    for rule in view.pod_rules:
        srcs, dsts, text = rule_parts(view, rule)
        yield f"  {srcs} → {dsts}: {text}"
    if conn.external is not None:
        yield _EXTERNAL_HEADING
        if not view.external_rules:
            yield "  (none: no traffic between pods and external addresses is allowed)"
        for rule in view.external_rules:
            srcs, dsts, text = rule_parts(view, rule)
            yield f"  {srcs} → {dsts}: {text}"


def render_connectivity(
    conn: Connectivity, console: Console, *, warnings_console: Console | None = None
) -> None:
    """The compact text form: the two groupings, then one line per rule. The body goes out
    as one block (rich is slow per line, and a 100,000-pod view has tens of thousands)."""
    render_warnings(conn.warnings, warnings_console or console)
    view = grouped(conn)
    console.print(Text(summary(conn, view), style="bold"), soft_wrap=True)
    if not view.pods:
        console.print(Text("no endpoints: the input holds no pods or workloads"))
        return
    console.print(Text("\n".join(_text_lines(conn, view))), soft_wrap=True)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def write_connectivity_markdown(conn: Connectivity, out: TextIO) -> None:
    """The grouped view as GitHub-flavoured markdown tables: source groups, destination
    groups, rules, and (with external ranges) external rules."""
    view = grouped(conn)
    out.write(f"## {title(conn)}\n\n{summary(conn, view)}\n\n")
    out.write("| source group | pods |\n|---|---|\n")
    for g, pods in enumerate(view.sources):
        out.write(f"| S{g + 1} | {_md(view.label(pods))} |\n")
    out.write("\n| destination group | pods |\n|---|---|\n")
    for g, pods in enumerate(view.destinations):
        out.write(f"| D{g + 1} | {_md(view.label(pods))} |\n")
    out.write("\n| sources | destinations | allowed |\n|---|---|---|\n")
    for rule in view.pod_rules:
        srcs, dsts, text = rule_parts(view, rule)
        out.write(f"| {srcs} | {dsts} | {_md(text)} |\n")
    if conn.external is not None:
        out.write(f"\n{_md(_EXTERNAL_HEADING)}\n\n| sources | destinations | allowed |\n|---|---|---|\n")
        for rule in view.external_rules:
            srcs, dsts, text = rule_parts(view, rule)
            out.write(f"| {srcs} | {dsts} | {_md(text)} |\n")
