"""``lint`` as text (one line per finding) and ``netverify.lint/v1`` JSON.

The JSON's per-finding ``fingerprint`` (`verifier.results.finding_fingerprint`) and ``new``
(not in the baseline), and the top-level ``baseline`` (null without one) and ``dns`` are
additions to v1: a reader of the older fields is unaffected."""

from __future__ import annotations

from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from verifier.model.words import plural
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
                (" (in baseline)" if f.in_baseline else "", "dim"),
            ),
            soft_wrap=True,
        )
    for s in report.skipped:
        console.print(Text(f"skipped: {s}", style="dim"), soft_wrap=True)
    counts = ", ".join(f"{report.count(s)} {s.value}" for s in Severity)
    baseline = (
        f"; {len(report.new_findings)} new, {len(report.findings) - len(report.new_findings)} in the baseline, "
        f"{report.resolved} resolved"
        if report.baselined
        else ""
    )
    console.print(
        Text(
            f"{plural(len(report.findings), 'finding')}: {counts}{baseline} ({report.universe.value} universe, "
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
                "fingerprint": f.fingerprint,
                "new": f.is_new,
            }
            for f in report.findings
        ],
        "summary": {s.value: report.count(s) for s in Severity},
        "baseline": (
            {
                "new": len(report.new_findings),
                "existing": len(report.findings) - len(report.new_findings),
                "resolved": report.resolved,
                "new_summary": {s.value: report.count_new(s) for s in Severity},
            }
            if report.baselined
            else None
        ),
        "dns": report.dns or None,
        "skipped": list(report.skipped),
        "seconds": round(report.seconds, 6),
        "warnings": list(report.warnings),
    }


def write_lint_json(report: LintReport, out: TextIO) -> None:
    dump_json(lint_json(report), out)
