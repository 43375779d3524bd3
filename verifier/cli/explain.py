"""``netverify explain``: the verdict on one flow and every reason behind it."""

from __future__ import annotations

from typing import Annotated

import typer  # noqa: TID251 - the CLI is the typer layer

from verifier.cli.common import (
    InputChoices,
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
    QuietOpt,
    VerboseOpt,
)

StrictExplainOpt = Annotated[
    bool,
    typer.Option(
        "--strict",
        help="Exit 3 when the manifests leave the flow undecided (a same-priority tier conflict, "
        "a domainNames peer).",
    ),
]

EndpointHelp = (
    "ns/pod (a workload: ns/name[Kind], or ns/name when only one workload has that name), "
    "an IP address, or a hypothetical pod ns:NAMESPACE[,ip:ADDRESS][,labels:k=v,...]"
)


@app.command()
@guarded
def explain(
    paths: Paths,
    source: Annotated[str, typer.Option("--from", metavar="ENDPOINT", help=f"Source: {EndpointHelp}.")],
    destination: Annotated[
        str, typer.Option("--to", metavar="ENDPOINT", help=f"Destination: {EndpointHelp}.")
    ],
    port: Annotated[
        str,
        typer.Option("--port", "-p", metavar="PORT[/PROTO]", help="e.g. 6379/TCP, 53/UDP, or a named port."),
    ],
    ipblock_pods: IpblockPodsOpt = True,
    assume_unlabelled_namespaces: AssumeNamespacesOpt = False,
    strict: StrictExplainOpt = False,
    fmt: FormatOpt = OutputFormat.TEXT,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    no_color: NoColorOpt = False,
    ignore_kind: IgnoreKindOpt = None,
    exclude: ExcludeOpt = None,
    verbose: VerboseOpt = False,
) -> int:
    """Explain why one flow is allowed or denied: policies per side, the rule that allowed it,
    or every blocker with its reason; with cluster-wide tiers, the chain Admin tier ->
    NetworkPolicies -> Baseline tier -> default."""
    from verifier.query.explain import explain as run_explain
    from verifier.query.explain import make_flow, resolve_endpoint
    from verifier.report.console import PROGRESS_MIN_PODS, print_warnings, working
    from verifier.report.registry import RenderOptions

    loaded = load_input(
        paths, InputChoices.of(assume_unlabelled_namespaces, ignore_kind, exclude, verbose, quiet, no_color)
    )
    print_warnings((str(n) for n in loaded.notices), no_color=no_color, quiet=quiet)
    ends = []
    for flag, text in (("--from", source), ("--to", destination)):
        chosen, note = resolve_endpoint(loaded.cluster, text)
        if note is not None:
            print_warnings([f"note: {flag} {note}"], no_color=no_color, quiet=quiet)
        ends.append(chosen)
    flow = make_flow(loaded.cluster, ends[0], ends[1], port)
    large = len(loaded.cluster.pods) >= PROGRESS_MIN_PODS
    with working("explaining", large=large, quiet=quiet, no_color=no_color):
        result = run_explain(loaded.cluster, flow, ipblock_pods=ipblock_pods)
    emit(
        "explain", fmt.value, result, output, RenderOptions(command="explain", no_color=no_color, quiet=quiet)
    )
    return exit_code(result, strict=strict)
