"""``netverify exposure``: who can reach a destination set."""

from __future__ import annotations

from typing import Annotated

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


@app.command()
@guarded
def exposure(
    paths: Paths,
    to_ns: Annotated[
        str | None, typer.Option("--to-ns", metavar="SEL", help="Destination namespace label selector.")
    ] = None,
    to_pod: Annotated[
        str | None, typer.Option("--to-pod", metavar="SEL", help="Destination pod label selector.")
    ] = None,
    max_regions: Annotated[
        int, typer.Option("--max-regions", min=1, metavar="N", help="List at most N regions.")
    ] = 20,
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
    """Who can reach the destination pods: external ranges, inventory pods, and (--universe any)
    which kinds of pods that could be deployed, as compact regions."""
    from verifier.model import parse_selector
    from verifier.query.exposure import destination_peer
    from verifier.query.exposure import exposure as run_exposure
    from verifier.report.console import working
    from verifier.report.registry import RenderOptions

    options = analysis_options(universe, pod_cidr, ipblock_pods, timeout, rlimit)
    peer = destination_peer(
        None if to_ns is None else parse_selector(to_ns), None if to_pod is None else parse_selector(to_pod)
    )
    loaded = load_input(
        paths, InputChoices.of(assume_unlabelled_namespaces, ignore_kind, exclude, verbose, quiet, no_color)
    )
    with working("computing the exposure", quiet=quiet, no_color=no_color):
        result = run_exposure(
            loaded.cluster, peer, options, max_regions=max_regions, warnings=[str(n) for n in loaded.notices]
        )
    emit(
        "exposure",
        fmt.value,
        result,
        output,
        RenderOptions(command="exposure", no_color=no_color, quiet=quiet),
    )
    return exit_code(result, strict=strict)
