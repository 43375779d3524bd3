"""``netverify fix``: the smallest policy edits that make violated properties hold, each
proved (the property re-checked, nothing outside its scope changed); ``--apply`` writes the
first proved fix into its file."""

from __future__ import annotations

import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer  # noqa: TID251 - the CLI is the typer layer

from verifier.cli.common import (
    InputChoices,
    analysis_options,
    app,
    emit,
    exit_code,
    guarded,
    load_input,
)
from verifier.cli.options import (
    AssumeNamespacesOpt,
    ExcludeOpt,
    FormatOpt,
    IgnoreKindOpt,
    IpblockPodsOpt,
    NoColorOpt,
    OutputFormat,
    OutputOpt,
    Paths,
    PodCidrOpt,
    QuietOpt,
    RlimitOpt,
    StrictOpt,
    TimeoutOpt,
    UniverseOpt,
    VerboseOpt,
)
from verifier.errors import InputError, UsageError

if TYPE_CHECKING:
    from verifier.results import FixReport


class TierChoice(StrEnum):
    ADMIN = "admin"


@app.command()
@guarded
def fix(
    paths: Paths,
    spec: Annotated[
        list[str],
        typer.Option("--spec", "-s", metavar="FILE", help="Spec file(s) of properties. Repeatable."),
    ],
    property_names: Annotated[
        list[str] | None,
        typer.Option(
            "--property",
            metavar="NAME",
            help="Fix only this property of the spec files (repeatable; default: every violated one).",
            show_default=False,
        ),
    ] = None,
    tier: Annotated[
        TierChoice | None,
        typer.Option(
            "--tier",
            help="admin: also propose a new AdminNetworkPolicy that denies exactly a deny property's "
            "scope (Deny only, at a free priority ahead of the other Admin-tier policies).",
            show_default=False,
        ),
    ] = None,
    apply: Annotated[
        bool,
        typer.Option(
            "--apply",
            help="Write the first proved fix (of the first violated property that has one) into its "
            "file(s), editing only the lines it changes.",
        ),
    ] = False,
    max_edits: Annotated[
        int,
        typer.Option("--max-edits", min=1, max=6, metavar="N", help="At most N edits per fix."),
    ] = 3,
    max_candidates: Annotated[
        int,
        typer.Option(
            "--max-candidates",
            min=1,
            metavar="N",
            help="Prove or refute at most N candidate fixes per property.",
        ),
    ] = 40,
    max_fixes: Annotated[
        int,
        typer.Option("--max-fixes", min=1, metavar="N", help="Show N fixes per property in full (text)."),
    ] = 3,
    max_regions: Annotated[
        int,
        typer.Option(
            "--max-regions",
            min=1,
            metavar="N",
            help="List at most N regions of flows a fix changes outside the scope.",
        ),
    ] = 5,
    universe: UniverseOpt = None,
    pod_cidr: PodCidrOpt = None,
    ipblock_pods: IpblockPodsOpt = True,
    assume_unlabelled_namespaces: AssumeNamespacesOpt = False,
    timeout: TimeoutOpt = 60.0,
    rlimit: RlimitOpt = 0,
    strict: StrictOpt = False,
    fmt: FormatOpt = OutputFormat.TEXT,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    no_color: NoColorOpt = False,
    ignore_kind: IgnoreKindOpt = None,
    exclude: ExcludeOpt = None,
    verbose: VerboseOpt = False,
) -> int:
    """Propose the smallest policy edits that make each violated property hold, each proved: the
    property re-checked on the patched policies, and nothing outside its scope changed. Shown as a
    unified diff of the YAML and a JSON patch. Exit 0 every violated property has a proved fix, 1 not."""
    from verifier.query.fix import fix as run_fix
    from verifier.report.console import working
    from verifier.report.registry import RenderOptions
    from verifier.spec import load_specs

    options = analysis_options(universe, pod_cidr, ipblock_pods, timeout, rlimit)
    inputs = InputChoices.of(assume_unlabelled_namespaces, ignore_kind, exclude, verbose, quiet, no_color)
    problems = []
    try:
        loaded = load_input(paths, inputs)
    except InputError as exc:
        problems.extend(exc.problems)
    try:
        properties = load_specs(list(spec))
    except InputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    if property_names:
        known = {p.name for p in properties}
        missing = [n for n in property_names if n not in known]
        if missing:
            raise UsageError(
                f"--property {missing[0]!r}: no such property in {', '.join(spec)} ({', '.join(sorted(known))})"
            )
    with working("searching for proved fixes", quiet=quiet, no_color=no_color):
        report = run_fix(
            loaded.cluster,
            properties,
            options,
            tier=None if tier is None else tier.value,
            max_edits=max_edits,
            max_candidates=max_candidates,
            max_regions=max_regions,
            warnings=[str(n) for n in loaded.notices],
            only=property_names or None,
        )
    report = report.model_copy(update={"max_fixes": max_fixes, "new_file": _new_file(paths)})
    emit("fix", fmt.value, report, output, RenderOptions(command="fix", no_color=no_color, quiet=quiet))
    if apply:
        _apply(report, no_color=no_color)
    return exit_code(report, strict=strict)


def _new_file(paths: list[str]) -> str:
    """Where a new object goes when no policy file of the input can hold it: next to the input."""
    from verifier.results.fix import NEW_FILE

    first = next((p for p in paths if p != "-"), None)
    if first is None:
        return NEW_FILE
    folder = first if os.path.isdir(first) else os.path.dirname(first)
    return os.path.join(folder, NEW_FILE) if folder else NEW_FILE


def _apply(report: FixReport, *, no_color: bool) -> None:
    """Write the first proved fix; say what was written (stderr), and what is left to do."""
    from verifier.report.console import print_line
    from verifier.report.fix import file_changes

    chosen = next((r for r in report.results if r.best is not None), None)
    if chosen is None or chosen.best is None:
        print_line("--apply: no proved fix to write", no_color=no_color)
        return
    changes = file_changes(chosen.best, new_file=report.new_file)
    blocked = [c.note for c in changes if c.note]
    if blocked:
        raise UsageError(f"--apply: {blocked[0]}")
    for change in changes:
        try:
            Path(change.path).write_text(change.new, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--apply: cannot write {change.path}: {exc.strerror}") from None
    written = ", ".join(c.path for c in changes)
    print_line(f"applied fix 1 of {chosen.name} to {written}", no_color=no_color)
    rest = [r.name for r in report.results if r.needs_fix and r is not chosen]
    if rest:
        print_line(f"run netverify fix again for: {', '.join(rest)}", no_color=no_color)
