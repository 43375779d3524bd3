"""``lint`` as text (one line per finding) and ``netverify.lint/v1`` JSON."""

from __future__ import annotations

from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from verifier.report.json_out import dump_json
from verifier.report.text import render_warnings
from verifier.results import LintReport, Severity

LINT_SCHEMA = "netverify.lint/v1"
_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render_lint(report: LintReport, console: Console, *, warnings_console: Console | None = None) -> None:
    render_warnings(report.warnings, warnings_console or console)
    for f in report.findings:
        console.print(
            Text.assemble(
                (f"{f.location}: ", "dim"),
                (f"{f.id} {f.severity.value}", _STYLE[f.severity]),
                f" {f.object}: {f.message}",
            ),
            soft_wrap=True,
        )
    for s in report.skipped:
        console.print(Text(f"skipped: {s}", style="dim"), soft_wrap=True)
    counts = ", ".join(f"{report.count(s)} {s.value}" for s in Severity)
    console.print(
        Text(
            f"{len(report.findings)} finding(s): {counts} ({report.universe.value} universe, "
            f"{report.seconds:.2f} s)",
            style="bold",
        )
    )


def lint_json(report: LintReport) -> dict[str, Any]:
    return {
        "schema": LINT_SCHEMA,
        "universe": report.universe.value,
        "findings": [
            {
                "id": f.id,
                "severity": f.severity.value,
                "object": f.object,
                "message": f.message,
                "file": f.location.file,
                "line": f.location.line,
                "column": f.location.column,
            }
            for f in report.findings
        ],
        "summary": {s.value: report.count(s) for s in Severity},
        "skipped": list(report.skipped),
        "seconds": round(report.seconds, 6),
        "warnings": list(report.warnings),
    }


def write_lint_json(report: LintReport, out: TextIO) -> None:
    dump_json(lint_json(report), out)
