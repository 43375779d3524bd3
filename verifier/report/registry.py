"""Report formats as plug-ins: one writer per (command, format) behind one small protocol.

A writer takes a result (a `verifier.results` value), an output stream and `RenderOptions`,
and writes the whole report; warnings and notes of a text report go to stderr
(`verifier.report.console`). The CLI looks the writer up with `writer_for` — it never
branches on the format itself — and tests can render any result they build by hand.

Commands and their formats (docs/formats.md, docs/matrix.md):

==========  ==============================================
check       text json junit sarif markdown (``assert`` too)
matrix      text json csv markdown dot html
explain     text json
diff        text json markdown sarif
gate        text json
lint        text json sarif markdown
exposure    text json
init        yaml
fix         text json
probe       script yaml
==========  ==============================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TextIO

from verifier.report.console import console_for, stderr_console
from verifier.results import (
    CheckReport,
    Connectivity,
    DiffResult,
    Explanation,
    ExposureResult,
    FixReport,
    GateResult,
    LintReport,
    MatrixResult,
    ProbePlan,
    StarterSpec,
)


@dataclass(frozen=True)
class RenderOptions:
    """What a writer may need besides the result.

    ``command`` names the command in titles (``check`` or ``assert``); ``quiet`` shrinks a
    text report to its summary line and silences its warnings; ``strict`` counts unknown as
    a failure (JUnit); ``inputs`` are the input *files* of the run (directories expanded in
    the loader's order), most relevant first — SARIF locates findings without a file of their
    own there; ``check`` is ``diff --check`` (equivalent / no-new-access), if given.
    """

    command: str = "check"
    no_color: bool = False
    quiet: bool = False
    strict: bool = False
    inputs: tuple[str, ...] = ()
    check: str | None = None


class Writer(Protocol):
    """Render ``result`` to ``out``."""

    def __call__(self, result: Any, out: TextIO, options: RenderOptions, /) -> None: ...


# --- check / assert -----------------------------------------------------------------------------


def _check_text(report: CheckReport, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.text import render_check, summary_line

    if options.quiet:
        out.write(summary_line(report) + "\n")
        return
    render_check(
        report,
        console_for(out, no_color=options.no_color),
        warnings_console=stderr_console(no_color=options.no_color),
    )


def _check_json(report: CheckReport, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.json_out import write_check_json

    write_check_json(report, out)


def _check_junit(report: CheckReport, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.junit import write_check_junit

    write_check_junit(report, out, strict=options.strict)


def _check_sarif(report: CheckReport, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.sarif import write_check_sarif

    write_check_sarif(report, out, inputs=options.inputs)


def _check_markdown(report: CheckReport, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.markdown import write_check_markdown

    write_check_markdown(report, out, command=options.command)


# --- matrix: one port (MatrixResult) or the full connectivity (Connectivity) -----------------------


def _matrix_text(result: MatrixResult | Connectivity, out: TextIO, options: RenderOptions) -> None:
    warnings = stderr_console(no_color=options.no_color, quiet=options.quiet)
    console = console_for(out, no_color=options.no_color)
    if isinstance(result, MatrixResult):
        from verifier.report.matrix import render_matrix

        render_matrix(result, console, warnings_console=warnings)
    else:
        from verifier.report.matrix_views import render_connectivity

        render_connectivity(result, console, warnings_console=warnings)


def _matrix_json(result: MatrixResult | Connectivity, out: TextIO, options: RenderOptions) -> None:
    if isinstance(result, MatrixResult):
        from verifier.report.matrix import write_matrix_json

        write_matrix_json(result, out)
    else:
        from verifier.report.matrix_views import write_connectivity_json

        write_connectivity_json(result, out)


def _connectivity(name: str) -> Writer:
    """The writer ``write_connectivity_<name>`` of `verifier.report.matrix_views`."""

    def write(result: Connectivity, out: TextIO, options: RenderOptions) -> None:
        from verifier.report import matrix_views

        function: Callable[[Connectivity, TextIO], None] = getattr(matrix_views, f"write_connectivity_{name}")
        function(result, out)

    return write


def port_matrix_wanted(fmt: str, endpoints: int) -> bool:
    """Whether ``matrix --port`` in ``fmt`` over ``endpoints`` pods is rendered from the one-port
    matrix (`MatrixResult`: the JSON ``netverify.matrix/v1``, the text grid while it fits the
    screen) rather than from the connectivity relation restricted to that port."""
    from verifier.report.matrix import GRID_LIMIT

    return fmt == "json" or (fmt == "text" and endpoints <= GRID_LIMIT)


# --- explain, diff, gate, lint, exposure ------------------------------------------------------------


def _explain_text(result: Explanation, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.explain import render_explain

    render_explain(result, console_for(out, no_color=options.no_color))


def _explain_json(result: Explanation, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.explain import write_explain_json

    write_explain_json(result, out)


def _diff_text(result: DiffResult, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.diff import render_diff

    render_diff(
        result,
        console_for(out, no_color=options.no_color),
        check=options.check,
        warnings_console=stderr_console(no_color=options.no_color, quiet=options.quiet),
    )


def _diff_json(result: DiffResult, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.diff import write_diff_json

    write_diff_json(result, out)


def _diff_markdown(result: DiffResult, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.markdown import write_diff_markdown

    rules = None if result.added_rules is None else list(result.added_rules)
    write_diff_markdown(result, out, rules, check=options.check)


def _diff_sarif(result: DiffResult, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.sarif import write_diff_sarif

    write_diff_sarif(result, list(result.added_rules or ()), out, inputs=options.inputs)


def _gate_text(result: GateResult, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.diff import render_gate

    render_gate(
        result,
        console_for(out, no_color=options.no_color),
        warnings_console=stderr_console(no_color=options.no_color, quiet=options.quiet),
    )


def _gate_json(result: GateResult, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.diff import write_gate_json

    write_gate_json(result, out)


def _lint_text(report: LintReport, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.lint import render_lint

    render_lint(
        report,
        console_for(out, no_color=options.no_color),
        warnings_console=stderr_console(no_color=options.no_color, quiet=options.quiet),
    )


def _lint_json(report: LintReport, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.lint import write_lint_json

    write_lint_json(report, out)


def _lint_sarif(report: LintReport, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.sarif import write_lint_sarif

    write_lint_sarif(report, out, inputs=options.inputs)


def _lint_markdown(report: LintReport, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.markdown import write_lint_markdown

    write_lint_markdown(report, out)


def _exposure_text(result: ExposureResult, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.exposure import render_exposure

    render_exposure(
        result,
        console_for(out, no_color=options.no_color),
        warnings_console=stderr_console(no_color=options.no_color, quiet=options.quiet),
    )


def _exposure_json(result: ExposureResult, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.exposure import write_exposure_json

    write_exposure_json(result, out)


def _init_yaml(result: StarterSpec, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.starter import write_starter

    write_starter(result, out)


def _fix_text(report: FixReport, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.fix import render_fix, summary

    if options.quiet:
        out.write(summary(report) + "\n")
        return
    render_fix(
        report,
        console_for(out, no_color=options.no_color),
        warnings_console=stderr_console(no_color=options.no_color, quiet=options.quiet),
    )


def _fix_json(report: FixReport, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.fix import write_fix_json

    write_fix_json(report, out)


def _probe_script(plan: ProbePlan, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.probe import write_probe_script

    write_probe_script(plan, out)


def _probe_yaml(plan: ProbePlan, out: TextIO, options: RenderOptions) -> None:
    from verifier.report.probe import write_probe_yaml

    write_probe_yaml(plan, out)


_CHECK: dict[str, Writer] = {
    "text": _check_text,
    "json": _check_json,
    "junit": _check_junit,
    "sarif": _check_sarif,
    "markdown": _check_markdown,
}

WRITERS: dict[tuple[str, str], Writer] = {
    **{("check", fmt): w for fmt, w in _CHECK.items()},
    **{("assert", fmt): w for fmt, w in _CHECK.items()},
    ("matrix", "text"): _matrix_text,
    ("matrix", "json"): _matrix_json,
    **{("matrix", name): _connectivity(name) for name in ("csv", "markdown", "dot", "html")},
    ("explain", "text"): _explain_text,
    ("explain", "json"): _explain_json,
    ("diff", "text"): _diff_text,
    ("diff", "json"): _diff_json,
    ("diff", "markdown"): _diff_markdown,
    ("diff", "sarif"): _diff_sarif,
    ("gate", "text"): _gate_text,
    ("gate", "json"): _gate_json,
    ("lint", "text"): _lint_text,
    ("lint", "json"): _lint_json,
    ("lint", "sarif"): _lint_sarif,
    ("lint", "markdown"): _lint_markdown,
    ("exposure", "text"): _exposure_text,
    ("exposure", "json"): _exposure_json,
    ("init", "yaml"): _init_yaml,
    ("fix", "text"): _fix_text,
    ("fix", "json"): _fix_json,
    ("probe", "script"): _probe_script,
    ("probe", "yaml"): _probe_yaml,
}

# Formats whose writer needs more than the result of the bare query: the new rules that allow
# each added region of a diff (``added_rules``, `verifier.query.diff.diff`).
NEEDS_ADDED_RULES = frozenset({("diff", "markdown"), ("diff", "sarif")})


def formats(command: str) -> tuple[str, ...]:
    """The formats of ``command``, in the order the CLI lists them."""
    return tuple(fmt for cmd, fmt in WRITERS if cmd == command)


def writer_for(command: str, fmt: str) -> Writer:
    """The writer of ``command`` in ``fmt``; KeyError names the formats there are."""
    try:
        return WRITERS[command, fmt]
    except KeyError:
        raise KeyError(f"{command} has no {fmt!r} format (formats: {', '.join(formats(command))})") from None


def write(command: str, fmt: str, result: Any, out: TextIO, options: RenderOptions) -> None:
    """Render ``result`` of ``command`` in ``fmt`` to ``out``."""
    writer_for(command, fmt)(result, out, options)
