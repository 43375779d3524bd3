"""``exposure`` as text and ``netverify.exposure/v1`` JSON."""

from __future__ import annotations

from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from verifier.report.diff import regions_json, render_regions
from verifier.report.json_out import dump_json
from verifier.report.text import render_warnings
from verifier.results import EndpointKind, ExposureResult

EXPOSURE_SCHEMA = "netverify.exposure/v1"


def render_exposure(
    result: ExposureResult, console: Console, *, warnings_console: Console | None = None
) -> None:
    render_warnings(result.warnings, warnings_console or console)
    console.print(Text(f"exposure of {result.destination} ({result.universe.value} universe)", style="bold"))
    kinds = {
        EndpointKind.EXTERNAL: "external address ranges",
        EndpointKind.POD: "inventory pods",
        EndpointKind.NEW_POD: "pods that could exist",
    }
    seen = {r.source.kind for r in result.regions.regions}
    summary = ", ".join(kinds[k] for k in kinds if k in seen) or "nobody"
    console.print(Text(f"reachable from: {summary}"), soft_wrap=True)
    render_regions(result.regions, console, title="allowed flows into the destination")
    console.print(Text(f"in {result.seconds:.2f} s", style="dim"))


def exposure_json(result: ExposureResult) -> dict[str, Any]:
    return {
        "schema": EXPOSURE_SCHEMA,
        "universe": result.universe.value,
        "destination": result.destination,
        **regions_json(result.regions),
        "seconds": round(result.seconds, 6),
        "warnings": list(result.warnings),
    }


def write_exposure_json(result: ExposureResult, out: TextIO) -> None:
    dump_json(exposure_json(result), out)
