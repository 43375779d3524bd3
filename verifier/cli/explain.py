"""``netverify explain``: the verdict on one flow and every reason behind it."""

from __future__ import annotations

from typing import Annotated

import typer

from verifier.cli.common import (
    EXIT_OK,
    AssumeNamespacesOpt,
    FormatOpt,
    IpblockPodsOpt,
    OutputFormat,
    OutputOpt,
    Paths,
    app,
    console_for,
    guarded,
    load_input,
    open_output,
    stderr_console,
)

EndpointHelp = "ns/pod, an IP address, or a hypothetical pod ns:NAMESPACE[,ip:ADDRESS][,labels:k=v,...]"


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
) -> int:
    """Explain why one flow is allowed or denied: policies per side, the rule that allowed it,
    or every blocker with its reason."""
    from verifier.query.explain import explain as run_explain
    from verifier.query.explain import make_flow
    from verifier.report import render_explain, write_explain_json
    from verifier.report.text import render_warnings

    loaded = load_input(paths, assume_unlabelled_namespaces)
    flow = make_flow(loaded.cluster, source, destination, port)
    result = run_explain(loaded.cluster, flow, ipblock_pods=ipblock_pods)
    render_warnings((str(n) for n in loaded.notices), stderr_console())
    with open_output(output) as out:
        if fmt is OutputFormat.JSON:
            write_explain_json(result, out)
        else:
            render_explain(result, console_for(out))
    return EXIT_OK
