"""``netverify matrix``: which inventory pod reaches which — on one port, or on every port."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from verifier.cli.common import (
    EXIT_OK,
    PROGRESS_MIN_PODS,
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
    analysis_options,
    app,
    console_for,
    guarded,
    load_input,
    open_output,
    stderr_console,
    working,
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
    import dataclasses

    from verifier.model import Protocol, parse_selector
    from verifier.query.matrix import (
        connectivity,
        restrict_connectivity,
        restrict_matrix,
        selected_endpoints,
    )
    from verifier.query.matrix import matrix as port_matrix
    from verifier.report.matrix import GRID_LIMIT, render_matrix, write_matrix_json
    from verifier.report.matrix_views import (
        render_connectivity,
        write_connectivity_csv,
        write_connectivity_dot,
        write_connectivity_html,
        write_connectivity_json,
        write_connectivity_markdown,
    )

    if port is None and protocol is not None:
        raise UsageError("--protocol needs --port (without --port every protocol is reported)")
    selector = parse_selector(pod) if pod is not None else None
    options = analysis_options(None, pod_cidr, ipblock_pods)
    loaded = load_input(
        paths,
        assume_unlabelled_namespaces,
        ignore_kinds=ignore_kind,
        exclude=exclude,
        verbose=verbose,
        quiet=quiet,
        no_color=no_color,
    )
    cluster = loaded.cluster
    keep = selected_endpoints(cluster, namespaces or (), selector)
    notices = tuple(str(n) for n in loaded.notices)
    proto = Protocol((protocol or ProtocolChoice.TCP).value)

    large = len(cluster.pods) >= PROGRESS_MIN_PODS
    with open_output(output) as out:
        if port is not None and (
            fmt is MatrixFormat.JSON or (fmt is MatrixFormat.TEXT and len(keep) <= GRID_LIMIT)
        ):
            with working("computing the matrix", large=large, quiet=quiet, no_color=no_color):
                result = restrict_matrix(port_matrix(cluster, port, proto, options), keep)
            result = result.model_copy(update={"warnings": notices + result.warnings})
            if fmt is MatrixFormat.JSON:
                write_matrix_json(result, out)
            else:
                render_matrix(
                    result,
                    console_for(out, no_color=no_color),
                    warnings_console=stderr_console(no_color=no_color, quiet=quiet),
                )
            return EXIT_OK
        with working("computing the connectivity", large=large, quiet=quiet, no_color=no_color):
            conn = connectivity(
                cluster,
                options,
                port=port,
                protocol=proto if port is not None else None,
                external=not no_external,
            )
        conn = dataclasses.replace(restrict_connectivity(conn, keep), warnings=notices + conn.warnings)
        if fmt is MatrixFormat.TEXT:
            render_connectivity(
                conn,
                console_for(out, no_color=no_color),
                warnings_console=stderr_console(no_color=no_color, quiet=quiet),
            )
        elif fmt is MatrixFormat.JSON:
            write_connectivity_json(conn, out)
        elif fmt is MatrixFormat.CSV:
            write_connectivity_csv(conn, out)
        elif fmt is MatrixFormat.MARKDOWN:
            write_connectivity_markdown(conn, out)
        elif fmt is MatrixFormat.DOT:
            write_connectivity_dot(conn, out)
        else:
            write_connectivity_html(conn, out)
    return EXIT_OK
