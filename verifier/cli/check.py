"""``netverify check`` and ``netverify assert``: decide properties, report verdicts."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer  # noqa: TID251 - the CLI is the typer layer

from verifier.cli.common import (
    InputChoices,
    analysis_options,
    app,
    emit,
    exit_code,
    guarded,
    input_files,
    load_input,
    parse_reports,
)
from verifier.cli.options import (
    AssumeNamespacesOpt,
    CheckFormat,
    CheckFormatOpt,
    ExcludeOpt,
    IgnoreKindOpt,
    IpblockPodsOpt,
    NoColorOpt,
    OutputOpt,
    Paths,
    PodCidrOpt,
    QuietOpt,
    ReportOpt,
    RlimitOpt,
    StrictOpt,
    TimeoutOpt,
    UniverseOpt,
    VerboseOpt,
)
from verifier.errors import InputError, UsageError

if TYPE_CHECKING:
    from verifier.load import LoadResult
    from verifier.model import AnalysisOptions
    from verifier.results import CheckReport
    from verifier.spec import Property


def emit_check(
    report: CheckReport,
    fmt: CheckFormat,
    output: str | None,
    *,
    reports: Sequence[tuple[CheckFormat, str]] = (),
    strict: bool = False,
    quiet: bool = False,
    no_color: bool = False,
    command: str = "check",
    inputs: Sequence[str] = (),
) -> None:
    """The main report (stdout or ``--output``), every ``--report`` file, and — for a
    machine-readable main format — the summary line on stderr (not with ``--quiet``)."""
    from verifier.report.console import print_line
    from verifier.report.registry import RenderOptions
    from verifier.report.text import summary_line

    options = RenderOptions(
        command=command, no_color=no_color, quiet=quiet, strict=strict, inputs=input_files(inputs)
    )
    emit(command, fmt.value, report, output, options)
    for extra_fmt, path in reports:
        emit(command, extra_fmt.value, report, path, dataclasses.replace(options, quiet=False))
    if fmt is not CheckFormat.TEXT and not quiet:
        print_line(summary_line(report), no_color=no_color)


def run_check(
    loaded: LoadResult,
    properties: Sequence[Property],
    options: AnalysisOptions,
    *,
    quiet: bool,
    no_color: bool,
) -> CheckReport:
    """`verifier.api.check` with a progress bar for large runs (terminal only, not with ``--quiet``)."""
    from verifier.api import check
    from verifier.report.console import progress_bar

    warnings = [str(n) for n in loaded.notices]
    pods = len(loaded.cluster.pods)
    with progress_bar(len(properties), pods=pods, enabled=not quiet, no_color=no_color) as advance:
        report = check(loaded.cluster, properties, options=options, warnings=warnings, progress=advance)
    return report


@app.command()
@guarded
def check(
    paths: Paths,
    spec: Annotated[
        list[str],
        typer.Option("--spec", "-s", metavar="FILE", help="Spec file(s) of properties. Repeatable."),
    ],
    universe: UniverseOpt = None,
    pod_cidr: PodCidrOpt = None,
    ipblock_pods: IpblockPodsOpt = True,
    assume_unlabelled_namespaces: AssumeNamespacesOpt = False,
    timeout: TimeoutOpt = 60.0,
    rlimit: RlimitOpt = 0,
    strict: StrictOpt = False,
    fmt: CheckFormatOpt = CheckFormat.TEXT,
    output: OutputOpt = None,
    report_files: ReportOpt = None,
    quiet: QuietOpt = False,
    no_color: NoColorOpt = False,
    ignore_kind: IgnoreKindOpt = None,
    exclude: ExcludeOpt = None,
    verbose: VerboseOpt = False,
    baseline: Annotated[
        list[str] | None,
        typer.Option(
            "--baseline",
            metavar="OLD_PATH",
            help="The previous version's manifests (repeatable): also fail (exit 1) on flows allowed now, "
            "denied by OLD_PATH, and outside the scope of every allow/reachable property.",
            show_default=False,
        ),
    ] = None,
) -> int:
    """Check the properties of spec files against the policies in PATH."""
    from verifier.spec import load_specs

    options = analysis_options(universe, pod_cidr, ipblock_pods, timeout, rlimit)
    reports = parse_reports(report_files)
    inputs = InputChoices.of(assume_unlabelled_namespaces, ignore_kind, exclude, verbose, quiet, no_color)
    problems = []
    old = None
    try:
        loaded = load_input(paths, inputs)
    except InputError as exc:
        problems.extend(exc.problems)
    if baseline:
        try:
            old = load_input(baseline, inputs)
        except InputError as exc:
            problems.extend(exc.problems)
    try:
        properties = load_specs(list(spec))
    except InputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    report = run_check(loaded, properties, options, quiet=quiet, no_color=no_color)
    if old is not None:
        from verifier.query.baseline import with_baseline

        report = with_baseline(
            report,
            old.cluster,
            loaded.cluster,
            properties,
            options,
            old_warnings=[str(n) for n in old.notices],
            old_paths=baseline or (),
        )
    emit_check(
        report, fmt, output, reports=reports, strict=strict, quiet=quiet, no_color=no_color, inputs=paths
    )
    return exit_code(report, strict=strict)


@app.command("assert")
@guarded
def assert_(
    paths: Paths,
    deny: Annotated[bool, typer.Option("--deny", help="No flow in scope is allowed.")] = False,
    allow: Annotated[bool, typer.Option("--allow", help="Every flow in scope is allowed.")] = False,
    reachable: Annotated[bool, typer.Option("--reachable", help="Some flow in scope is allowed.")] = False,
    from_ns: Annotated[
        str | None, typer.Option("--from-ns", metavar="SEL", help="Source namespace label selector.")
    ] = None,
    from_pod: Annotated[
        str | None, typer.Option("--from-pod", metavar="SEL", help="Source pod label selector.")
    ] = None,
    from_cidr: Annotated[
        list[str] | None,
        typer.Option("--from-cidr", metavar="CIDR", help="Source external addresses. Repeatable."),
    ] = None,
    to_ns: Annotated[
        str | None, typer.Option("--to-ns", metavar="SEL", help="Destination namespace label selector.")
    ] = None,
    to_pod: Annotated[
        str | None, typer.Option("--to-pod", metavar="SEL", help="Destination pod label selector.")
    ] = None,
    to_cidr: Annotated[
        list[str] | None,
        typer.Option("--to-cidr", metavar="CIDR", help="Destination external addresses. Repeatable."),
    ] = None,
    port: Annotated[
        list[str] | None,
        typer.Option(
            "--port",
            "-p",
            metavar="PORT[/PROTO]",
            help="e.g. 6379/TCP, 8000-8080, 53/UDP, http, any/UDP. Repeatable.",
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", metavar="NAME", help="Name of the property in reports.")
    ] = None,
    universe: UniverseOpt = None,
    pod_cidr: PodCidrOpt = None,
    ipblock_pods: IpblockPodsOpt = True,
    assume_unlabelled_namespaces: AssumeNamespacesOpt = False,
    timeout: TimeoutOpt = 60.0,
    rlimit: RlimitOpt = 0,
    strict: StrictOpt = False,
    fmt: CheckFormatOpt = CheckFormat.TEXT,
    output: OutputOpt = None,
    report_files: ReportOpt = None,
    quiet: QuietOpt = False,
    no_color: NoColorOpt = False,
    ignore_kind: IgnoreKindOpt = None,
    exclude: ExcludeOpt = None,
    verbose: VerboseOpt = False,
) -> int:
    """Check one property given on the command line (SEL: kubectl syntax, a=b,c!=d,e in (x,y),!f)."""
    from verifier.spec import Expect, property_from_cli

    chosen = [
        e for e, flag in ((Expect.DENY, deny), (Expect.ALLOW, allow), (Expect.REACHABLE, reachable)) if flag
    ]
    if len(chosen) != 1:
        raise UsageError("give exactly one of --deny, --allow, --reachable")
    options = analysis_options(universe, pod_cidr, ipblock_pods, timeout, rlimit)
    reports = parse_reports(report_files)
    prop = property_from_cli(
        chosen[0],
        from_ns=from_ns,
        from_pod=from_pod,
        from_cidr=tuple(from_cidr or ()),
        to_ns=to_ns,
        to_pod=to_pod,
        to_cidr=tuple(to_cidr or ()),
        ports=tuple(port or ()),
        universe=options.universe,
        name=name,
    )
    loaded = load_input(
        paths, InputChoices.of(assume_unlabelled_namespaces, ignore_kind, exclude, verbose, quiet, no_color)
    )
    report = run_check(loaded, [prop], options, quiet=quiet, no_color=no_color)
    emit_check(
        report,
        fmt,
        output,
        reports=reports,
        strict=strict,
        quiet=quiet,
        no_color=no_color,
        command="assert",
        inputs=paths,
    )
    return exit_code(report, strict=strict)
