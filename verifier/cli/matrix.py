"""``netverify matrix``: which inventory pod reaches which."""

from __future__ import annotations

from typing import Annotated

import typer

from verifier.cli.common import (
    EXIT_OK,
    FormatOpt,
    IpblockPodsOpt,
    OutputFormat,
    OutputOpt,
    Paths,
    PodCidrOpt,
    ProtocolChoice,
    analysis_options,
    app,
    console_for,
    guarded,
    load_input,
    open_output,
    stderr_console,
)
from verifier.errors import UsageError


@app.command()
@guarded
def matrix(
    paths: Paths,
    port: Annotated[
        int | None,
        typer.Option(
            "--port", min=1, max=65535, help="Destination port (required for now).", show_default=False
        ),
    ] = None,
    protocol: Annotated[
        ProtocolChoice, typer.Option("--protocol", case_sensitive=False, help="Transport protocol.")
    ] = ProtocolChoice.TCP,
    pod_cidr: PodCidrOpt = None,
    ipblock_pods: IpblockPodsOpt = True,
    fmt: FormatOpt = OutputFormat.TEXT,
    output: OutputOpt = None,
) -> int:
    """Which inventory pod reaches which, on one port and protocol."""
    from verifier import query
    from verifier.model import Protocol
    from verifier.report import render_matrix, write_matrix_json

    if port is None:
        raise UsageError("matrix needs --port (the all-ports connectivity matrix is not implemented yet)")
    options = analysis_options(None, pod_cidr, ipblock_pods)
    loaded = load_input(paths)
    result = query.matrix(loaded.cluster, port, Protocol(protocol.value), options)
    notices = tuple(str(n) for n in loaded.notices)
    result = result.model_copy(update={"warnings": notices + result.warnings})
    with open_output(output) as out:
        if fmt is OutputFormat.JSON:
            write_matrix_json(result, out)
        else:
            render_matrix(result, console_for(out), warnings_console=stderr_console())
    return EXIT_OK
