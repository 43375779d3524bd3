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
