"""Report formats: they render `verifier.results` values and never see a solver.

``text`` (rich) is for people; ``json_out`` holds the stable machine contracts
``netverify.check/v1`` and ``netverify.matrix/v1`` (docs/cli.md).
"""

from verifier.report.json_out import check_json, write_check_json
from verifier.report.matrix import matrix_row_json, render_matrix, write_matrix_json
from verifier.report.text import render_check, summary_line, warning_line

__all__ = [
    "check_json",
    "matrix_row_json",
    "render_check",
    "render_matrix",
    "summary_line",
    "warning_line",
    "write_check_json",
    "write_matrix_json",
]

# Issue 4: explain, diff, gate, lint, exposure.
from verifier.report.diff import (
    diff_json,
    gate_json,
    render_diff,
    render_gate,
    write_diff_json,
    write_gate_json,
)
from verifier.report.explain import explain_json, render_explain, write_explain_json
from verifier.report.exposure import exposure_json, render_exposure, write_exposure_json
from verifier.report.lint import lint_json, render_lint, write_lint_json

__all__ += [
    "diff_json",
    "explain_json",
    "exposure_json",
    "gate_json",
    "lint_json",
    "render_diff",
    "render_explain",
    "render_exposure",
    "render_gate",
    "render_lint",
    "write_diff_json",
    "write_explain_json",
    "write_exposure_json",
    "write_gate_json",
    "write_lint_json",
]
