"""``netverify lint``: findings with stable IDs (NV001…), severities and one-line reasons."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

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
)
from verifier.cli.options import (
    AssumeNamespacesOpt,
    ExcludeOpt,
    IgnoreKindOpt,
    IpblockPodsOpt,
    LintFormat,
    LintFormatOpt,
    NoColorOpt,
    OutputOpt,
    Paths,
    PodCidrOpt,
    QuietOpt,
    RlimitOpt,
    TimeoutOpt,
    UniverseOpt,
    VerboseOpt,
)


class FailLevel(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    NEVER = "never"


@app.command()
@guarded
def lint(
    paths: Paths,
    fail_on: Annotated[
        FailLevel, typer.Option("--fail-on", help="Exit 1 if a finding of this severity or worse exists.")
    ] = FailLevel.ERROR,
    universe: UniverseOpt = None,
    pod_cidr: PodCidrOpt = None,
    ipblock_pods: IpblockPodsOpt = True,
    assume_unlabelled_namespaces: AssumeNamespacesOpt = False,
    timeout: TimeoutOpt = 60.0,
    rlimit: RlimitOpt = 0,
    fmt: LintFormatOpt = LintFormat.TEXT,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    no_color: NoColorOpt = False,
    ignore_kind: IgnoreKindOpt = None,
    exclude: ExcludeOpt = None,
    verbose: VerboseOpt = False,
    dns: Annotated[
        str | None,
        typer.Option(
            "--dns",
            metavar="NAMESPACE/SELECTOR:PORTS",
            help="Where the cluster DNS is, e.g. openshift-dns/dns.operator.openshift.io/daemonset-dns=default:"
            "5353/UDP,5353/TCP (default: found from kube-dns/CoreDNS or openshift-dns pods, else "
            "kube-system UDP and TCP 53).",
            show_default=False,
        ),
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            metavar="FILE",
            help="A previous `lint --format json` report: its findings are marked as existing and "
            "only new ones fail the run.",
            show_default=False,
        ),
    ] = None,
) -> int:
    """Find policies and rules that select or match nothing, redundant rules, vacuous policies,
    unprotected pods, dead named ports, blocked DNS and the empty-vs-missing traps."""
    from verifier.api import lint as run_lint
    from verifier.query.lint import read_lint_baseline
    from verifier.report.console import working
    from verifier.report.registry import RenderOptions

    options = analysis_options(universe, pod_cidr, ipblock_pods, timeout, rlimit)
    loaded = load_input(
        paths, InputChoices.of(assume_unlabelled_namespaces, ignore_kind, exclude, verbose, quiet, no_color)
    )
    prior = read_lint_baseline(baseline) if baseline else None
    with working("linting", quiet=quiet, no_color=no_color):
        report = run_lint(
            loaded.cluster,
            options=options,
            warnings=[str(n) for n in loaded.notices],
            dns=dns,
            baseline=prior,
        )
    render = RenderOptions(command="lint", no_color=no_color, quiet=quiet, inputs=input_files(paths))
    emit("lint", fmt.value, report, output, render)
    return exit_code(report, fail_on=fail_on.value)
