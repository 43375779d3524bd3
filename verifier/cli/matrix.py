"""``netverify matrix``: which inventory pod reaches which — on one port, or on every port."""

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
    load_input,
)
from verifier.cli.options import (
    AssumeNamespacesOpt,
    ExcludeOpt,
    IgnoreKindOpt,
    IpblockPodsOpt,
    NoColorOpt,
    OutputOpt,
    Paths,
    PodCidrOpt,
    ProtocolChoice,
    QuietOpt,
    VerboseOpt,
)
from verifier.errors import UsageError


class MatrixFormat(StrEnum):
    """Output formats of ``matrix`` (docs/matrix.md)."""

    TEXT = "text"
    JSON = "json"
    CSV = "csv"
    MARKDOWN = "markdown"
    DOT = "dot"
    HTML = "html"


@app.command()
@guarded
def matrix(
    paths: Paths,
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            min=1,
            max=65535,
            help="Destination port. Without it: the full connectivity, every protocol and port.",
            show_default=False,
        ),
    ] = None,
    protocol: Annotated[
        ProtocolChoice | None,
        typer.Option(
            "--protocol",
            case_sensitive=False,
            help="Transport protocol of --port (default TCP).",
            show_default=False,
        ),
    ] = None,
    namespaces: Annotated[
        list[str] | None,
        typer.Option(
            "--namespace",
            "-n",
            metavar="NS",
            help="Only pods of this namespace (repeatable): the sub-matrix between the selected pods.",
            show_default=False,
        ),
    ] = None,
    pod: Annotated[
        str | None,
        typer.Option(
            "--pod",
            metavar="SELECTOR",
            help="Only pods whose labels match this kubectl-style selector (e.g. 'app=web,tier!=db').",
            show_default=False,
        ),
    ] = None,
    pod_cidr: PodCidrOpt = None,
    ipblock_pods: IpblockPodsOpt = True,
    assume_unlabelled_namespaces: AssumeNamespacesOpt = False,
    fmt: Annotated[
        MatrixFormat, typer.Option("--format", "-f", help="Output format (docs/matrix.md).")
    ] = MatrixFormat.TEXT,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    no_color: NoColorOpt = False,
    ignore_kind: IgnoreKindOpt = None,
    exclude: ExcludeOpt = None,
    verbose: VerboseOpt = False,
    no_external: Annotated[
        bool,
        typer.Option(
            "--no-external",
            help="Leave external address ranges out of the connectivity map (docs/matrix.md).",
        ),
    ] = False,
) -> int:
    """Which inventory pod reaches which: on one port, or the full connectivity (port ranges per pair)."""
    from verifier.model import Protocol, parse_selector
    from verifier.query.matrix import selected_endpoints, view
    from verifier.report.console import PROGRESS_MIN_PODS, working
    from verifier.report.registry import RenderOptions, port_matrix_wanted

    if port is None and protocol is not None:
        raise UsageError("--protocol needs --port (without --port every protocol is reported)")
    selector = parse_selector(pod) if pod is not None else None
    options = analysis_options(None, pod_cidr, ipblock_pods)
    loaded = load_input(
        paths, InputChoices.of(assume_unlabelled_namespaces, ignore_kind, exclude, verbose, quiet, no_color)
    )
    cluster = loaded.cluster
    keep = selected_endpoints(cluster, namespaces or (), selector)
    per_port = port is not None and port_matrix_wanted(fmt.value, len(keep))
    large = len(cluster.pods) >= PROGRESS_MIN_PODS
    label = "computing the matrix" if per_port else "computing the connectivity"
    with working(label, large=large, quiet=quiet, no_color=no_color):
        result = view(
            cluster,
            options,
            port=port,
            protocol=Protocol((protocol or ProtocolChoice.TCP).value),
            keep=keep,
            external=not no_external,
            per_port=per_port,
            warnings=[str(n) for n in loaded.notices],
        )
    emit("matrix", fmt.value, result, output, RenderOptions(command="matrix", no_color=no_color, quiet=quiet))
    return exit_code(result)
