"""``netverify init``: write a starter spec for the input."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer  # noqa: TID251 - the CLI is the typer layer

from verifier.cli.common import (
    InputChoices,
    analysis_options,
    app,
    emit,
    guarded,
    load_input,
)
from verifier.cli.exit_codes import EXIT_OK
from verifier.cli.options import (
    AssumeNamespacesOpt,
    ExcludeOpt,
    IgnoreKindOpt,
    IpblockPodsOpt,
    NoColorOpt,
    Paths,
    PodCidrOpt,
    QuietOpt,
    RlimitOpt,
    TimeoutOpt,
    UniverseOpt,
    VerboseOpt,
)
from verifier.errors import UsageError


@app.command()
@guarded
def init(
    paths: Paths,
    output: Annotated[
        str | None,
        typer.Option("--output", "-o", metavar="FILE", help="Write the spec to FILE (default: stdout)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
    universe: UniverseOpt = None,
    pod_cidr: PodCidrOpt = None,
    ipblock_pods: IpblockPodsOpt = True,
    assume_unlabelled_namespaces: AssumeNamespacesOpt = False,
    timeout: TimeoutOpt = 60.0,
    rlimit: RlimitOpt = 0,
    quiet: QuietOpt = False,
    no_color: NoColorOpt = False,
    ignore_kind: IgnoreKindOpt = None,
    exclude: ExcludeOpt = None,
    verbose: VerboseOpt = False,
) -> int:
    """Write a starter spec: per namespace with NetworkPolicies, one deny and one reachable
    property, each commented; those that do not hold today are written commented out with
    their counterexample."""
    from verifier.query.init import starter_spec
    from verifier.report.console import working
    from verifier.report.registry import RenderOptions

    if output not in (None, "-") and Path(output).exists() and not force:
        raise UsageError(f"--output {output!r} exists: pass --force to overwrite it")
    options = analysis_options(universe, pod_cidr, ipblock_pods, timeout, rlimit)
    loaded = load_input(
        paths, InputChoices.of(assume_unlabelled_namespaces, ignore_kind, exclude, verbose, quiet, no_color)
    )
    with working("deciding the proposed properties", quiet=quiet, no_color=no_color):
        spec = starter_spec(loaded.cluster, options, inputs=paths)
    emit("init", "yaml", spec, output, RenderOptions(command="init", no_color=no_color, quiet=quiet))
    return EXIT_OK
