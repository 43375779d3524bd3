"""``netverify explain``: the verdict on one flow and every reason behind it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from verifier.cli.common import (
    EXIT_OK,
    PROGRESS_MIN_PODS,
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
    app,
    console_for,
    guarded,
    load_input,
    open_output,
    stderr_console,
    working,
)
from verifier.errors import UsageError

if TYPE_CHECKING:
    from verifier.model import Cluster

EndpointHelp = (
    "ns/pod (a workload: ns/name[Kind], or ns/name when only one workload has that name), "
    "an IP address, or a hypothetical pod ns:NAMESPACE[,ip:ADDRESS][,labels:k=v,...]"
)


def resolve_endpoint(cluster: Cluster, text: str) -> tuple[str, str | None]:
    """An ``ns/name`` endpoint completed to the inventory pod it names, and a note saying so.

    A workload's pod template is ``ns/name[Kind]``; ``ns/name`` alone names it when exactly one
    workload of that name is in the namespace and no pod is called exactly that. Several are a
    `UsageError` listing them. Anything else (an IP, ``ns:…``, an exact key, an unknown name)
    is returned as given: `verifier.query.explain.parse_endpoint` reads and checks it.
    """
    text = text.strip()
    if "/" not in text or text.startswith("ns:"):
        return text, None
    keys = {p.key for p in cluster.pods}
    if text in keys:
        return text, None
    candidates = sorted(k for k in keys if k.startswith(text + "[") and k.endswith("]"))
    if len(candidates) > 1:
        raise UsageError(f"endpoint {text!r} is ambiguous; name one of: {', '.join(candidates)}")
    if candidates:
        return candidates[0], f"{text} is {candidates[0]} (the only workload of that name)"
    return text, None


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
    fmt: FormatOpt = OutputFormat.TEXT,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    no_color: NoColorOpt = False,
    ignore_kind: IgnoreKindOpt = None,
    exclude: ExcludeOpt = None,
    verbose: VerboseOpt = False,
) -> int:
    """Explain why one flow is allowed or denied: policies per side, the rule that allowed it,
    or every blocker with its reason."""
    from verifier.query.explain import explain as run_explain
    from verifier.query.explain import make_flow
    from verifier.report import render_explain, write_explain_json
    from verifier.report.text import render_warnings

    loaded = load_input(
        paths,
        assume_unlabelled_namespaces,
        ignore_kinds=ignore_kind,
        exclude=exclude,
        verbose=verbose,
        quiet=quiet,
        no_color=no_color,
    )
    warnings = stderr_console(no_color=no_color, quiet=quiet)
    render_warnings((str(n) for n in loaded.notices), warnings)
    ends = []
    for flag, text in (("--from", source), ("--to", destination)):
        chosen, note = resolve_endpoint(loaded.cluster, text)
        if note is not None:
            render_warnings([f"note: {flag} {note}"], warnings)
        ends.append(chosen)
    flow = make_flow(loaded.cluster, ends[0], ends[1], port)
    large = len(loaded.cluster.pods) >= PROGRESS_MIN_PODS
    with working("explaining", large=large, quiet=quiet, no_color=no_color):
        result = run_explain(loaded.cluster, flow, ipblock_pods=ipblock_pods)
    with open_output(output) as out:
        if fmt is OutputFormat.JSON:
            write_explain_json(result, out)
        else:
            render_explain(result, console_for(out, no_color=no_color))
    return EXIT_OK
