"""Region lists (``diff``, ``exposure``, the gate's step c) and the gate, as text and JSON.

Text: one block per region — sources, destinations, protocol/ports, one example flow — and
a status line that says whether the list is complete (proved), truncated or inconclusive.
JSON: ``netverify.diff/v1`` and ``netverify.gate/v1`` (fields are only ever added).
"""

from __future__ import annotations

from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from verifier.report.json_out import dump_json, flow_json
from verifier.report.text import VERDICT_STYLE, render_warnings
from verifier.results import (
    DiffResult,
    EndpointSet,
    FlowRegion,
    GateResult,
    RegionList,
    RegionStatus,
    Verdict,
)

DIFF_SCHEMA = "netverify.diff/v1"
GATE_SCHEMA = "netverify.gate/v1"

_STATUS_TEXT = {
    RegionStatus.COMPLETE: "complete (proved: no other flow)",
    RegionStatus.TRUNCATED: "truncated: more regions exist and are not listed",
    RegionStatus.UNKNOWN: "inconclusive: the solver gave up, more regions may exist",
    RegionStatus.ERROR: "error",
}


def render_regions(regions: RegionList, console: Console, *, title: str, indent: str = "") -> None:
    count = len(regions.regions)
    head = f"{indent}{title}: " + ("none (proved)" if regions.proved_empty else f"{count} region(s)")
    console.print(Text(head, style="bold"), soft_wrap=True)
    for i, region in enumerate(regions.regions, 1):
        protocols = ",".join(p.value for p in region.protocols)
        console.print(Text(f"{indent}  [{i}] from {region.source.description}"), soft_wrap=True)
        console.print(Text(f"{indent}      to   {region.destination.description}"), soft_wrap=True)
        console.print(Text(f"{indent}      on   {protocols} {region.port_text}"), soft_wrap=True)
        console.print(Text(f"{indent}      e.g. {region.example}", style="dim"), soft_wrap=True)
    if not regions.proved_empty:
        status = _STATUS_TEXT[regions.status]
        if regions.status is RegionStatus.COMPLETE and regions.method == "engine":
            status = "complete (enumerated exhaustively over the inventory: no other flow)"
        line = f"{indent}  status: {status}"
        if regions.reason:
            line += f" — {regions.reason}"
        style = "yellow" if regions.status is not RegionStatus.COMPLETE else "dim"
        console.print(Text(line, style=style), soft_wrap=True)


def render_diff(
    result: DiffResult, console: Console, *, check: str | None = None, warnings_console: Console | None = None
) -> None:
    render_warnings(result.warnings, warnings_console or console)
    console.print(Text(f"semantic diff ({result.universe.value} universe)", style="bold"))
    render_regions(result.added, console, title="added (allowed now, denied before)")
    render_regions(result.removed, console, title="removed (denied now, allowed before)")
    if check is not None:
        verdict = result.check_verdict(check)
        console.print(Text(f"{check}: {verdict.value}", style=VERDICT_STYLE[verdict]))
    console.print(Text(f"in {result.seconds:.2f} s", style="dim"))


def endpoint_set_json(s: EndpointSet) -> dict[str, Any]:
    return s.model_dump(mode="json")


def region_json(region: FlowRegion) -> dict[str, Any]:
    return {
        "source": endpoint_set_json(region.source),
        "destination": endpoint_set_json(region.destination),
        "protocols": [p.value for p in region.protocols],
        "ports": {"from": region.ports[0], "to": region.ports[1]},
        "example": flow_json(region.example),
    }


def regions_json(regions: RegionList) -> dict[str, Any]:
    return {
        "status": regions.status.value,
        "reason": regions.reason,
        "regions": [region_json(r) for r in regions.regions],
        "solver_calls": regions.solver_calls,
        "method": regions.method,
    }


def diff_json(result: DiffResult) -> dict[str, Any]:
    return {
        "schema": DIFF_SCHEMA,
        "universe": result.universe.value,
        "added": regions_json(result.added),
        "removed": regions_json(result.removed),
        "checks": {c: result.check_verdict(c).value for c in ("equivalent", "no-new-access")},
        "seconds": round(result.seconds, 6),
        "warnings": list(result.warnings),
    }


def write_diff_json(result: DiffResult, out: TextIO) -> None:
    dump_json(diff_json(result), out)


def render_gate(result: GateResult, console: Console, *, warnings_console: Console | None = None) -> None:
    render_warnings(result.warnings, warnings_console or console)
    console.print(
        Text(
            f"safe-change gate for intent {result.intent!r} ({result.universe.value} universe)", style="bold"
        )
    )
    for step in result.steps:
        mark = {Verdict.HOLDS: "PASS", Verdict.VIOLATED: "FAIL"}.get(step.verdict, step.verdict.value.upper())
        console.print(
            Text.assemble(
                (f"{mark:7}", VERDICT_STYLE[step.verdict]), (step.title, "bold"), f" — {step.detail}"
            ),
            soft_wrap=True,
        )
        if step.flow is not None:
            label = "counterexample" if step.verdict is Verdict.VIOLATED else "example"
            console.print(Text(f"        {label}: {step.flow}", style="dim"), soft_wrap=True)
        if step.regions is not None and step.regions.regions:
            render_regions(step.regions, console, title="changed outside the intent", indent="        ")
    verdict = result.verdict
    word = {Verdict.HOLDS: "SAFE", Verdict.VIOLATED: "NOT SAFE"}.get(verdict, verdict.value.upper())
    console.print(Text(f"change is {word} (in {result.seconds:.2f} s)", style=VERDICT_STYLE[verdict]))


def gate_json(result: GateResult) -> dict[str, Any]:
    return {
        "schema": GATE_SCHEMA,
        "intent": result.intent,
        "universe": result.universe.value,
        "verdict": result.verdict.value,
        "steps": [
            {
                "name": s.name,
                "title": s.title,
                "verdict": s.verdict.value,
                "detail": s.detail,
                "flow": None if s.flow is None else flow_json(s.flow),
                "regions": None if s.regions is None else regions_json(s.regions),
            }
            for s in result.steps
        ],
        "seconds": round(result.seconds, 6),
        "warnings": list(result.warnings),
    }


def write_gate_json(result: GateResult, out: TextIO) -> None:
    dump_json(gate_json(result), out)
