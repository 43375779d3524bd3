"""``netverify lint``: findings with stable IDs (NV001…), severities and one-line reasons."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from verifier.cli.common import (
    EXIT_OK,
    EXIT_VIOLATED,
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
    analysis_options,
    app,
    console_for,
    guarded,
    load_input,
    open_output,
    stderr_console,
    working,
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
    from verifier.query.lint import lint as run_lint
    from verifier.query.lint import read_lint_baseline
    from verifier.report import render_lint, write_lint_json
    from verifier.results import Severity

    options = analysis_options(universe, pod_cidr, ipblock_pods, timeout, rlimit)
    loaded = load_input(
        paths,
        assume_unlabelled_namespaces,
        ignore_kinds=ignore_kind,
        exclude=exclude,
        verbose=verbose,
        quiet=quiet,
        no_color=no_color,
    )
    prior = read_lint_baseline(baseline) if baseline else None
    with working("linting", quiet=quiet, no_color=no_color):
        report = run_lint(
            loaded.cluster,
            options,
            paths=paths,
            warnings=[str(n) for n in loaded.notices],
            dns=dns,
            baseline=prior,
        )
    with open_output(output) as out:
        if fmt is LintFormat.JSON:
            write_lint_json(report, out)
        elif fmt is LintFormat.SARIF:
            from verifier.report.sarif import write_lint_sarif

            write_lint_sarif(report, out, inputs=paths)
        elif fmt is LintFormat.MARKDOWN:
            from verifier.report.markdown import write_lint_markdown

            write_lint_markdown(report, out)
        else:
            render_lint(
                report,
                console_for(out, no_color=no_color),
                warnings_console=stderr_console(no_color=no_color, quiet=quiet),
            )
    if fail_on is FailLevel.NEVER:
        return EXIT_OK
    levels = [Severity.ERROR, Severity.WARNING, Severity.INFO]
    worst = levels[: levels.index(Severity(fail_on.value)) + 1]
    return EXIT_VIOLATED if any(report.count_new(s) for s in worst) else EXIT_OK
