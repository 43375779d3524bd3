"""``netverify probe``: a bash script that confirms counterexamples (or any flow, or a port
matrix) on a live cluster with kubectl and agnhost (docs/questions.md)."""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer  # noqa: TID251 - the CLI is the typer layer

from verifier.cli.common import (
    EXIT_OK,
    InputChoices,
    analysis_options,
    app,
    emit,
    guarded,
    live_source,
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
    QuietOpt,
    RlimitOpt,
    TimeoutOpt,
    UniverseOpt,
    VerboseOpt,
)
from verifier.errors import InputError, UsageError

if TYPE_CHECKING:
    pass


class ProbeFormat(StrEnum):
    """Output formats of ``probe``."""

    SCRIPT = "script"
    YAML = "yaml"


EndpointHelp = (
    "ns/pod (a workload: ns/name[Kind]), an IP address, or a hypothetical pod "
    "ns:NAMESPACE[,ip:ADDRESS][,labels:k=v,...]"
)


def _command_line(
    paths: Sequence[str],
    spec: Sequence[str],
    names: Sequence[str],
    result: str | None,
    source: str | None,
    destination: str | None,
    ports: Sequence[str],
    matrix: bool,
    namespaces: Sequence[str],
    pod: str | None,
) -> str:
    """The command line as the script's header names it (the options that choose the probes)."""
    words = ["netverify", "probe", *paths]
    for flag, values in (("--spec", spec), ("--property", names)):
        for value in values:
            words += [flag, value]
    for flag, single in (("--result", result), ("--from", source), ("--to", destination)):
        if single is not None:
            words += [flag, single]
    if matrix:
        words.append("--matrix")
    for ns in namespaces:
        words += ["--namespace", ns]
    if pod is not None:
        words += ["--pod", pod]
    for port in ports:
        words += ["--port", port]
    return shlex.join(words)


@app.command()
@guarded
def probe(
    paths: Paths,
    spec: Annotated[
        list[str] | None,
        typer.Option(
            "--spec",
            "-s",
            metavar="FILE",
            help="Probe the counterexample of each violated property of these spec files (repeatable).",
            show_default=False,
        ),
    ] = None,
    names: Annotated[
        list[str] | None,
        typer.Option(
            "--property",
            metavar="NAME",
            help="Only these properties (repeatable); a named property that holds gives its witness, if any.",
            show_default=False,
        ),
    ] = None,
    result: Annotated[
        str | None,
        typer.Option(
            "--result",
            metavar="FILE",
            help="Probe the counterexamples of a `check --format json` result instead of running check.",
            show_default=False,
        ),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option(
            "--from", metavar="ENDPOINT", help=f"Probe one flow from: {EndpointHelp}.", show_default=False
        ),
    ] = None,
    destination: Annotated[
        str | None,
        typer.Option(
            "--to", metavar="ENDPOINT", help="... to this endpoint (same forms).", show_default=False
        ),
    ] = None,
    ports: Annotated[
        list[str] | None,
        typer.Option(
            "--port",
            "-p",
            metavar="PORT[/PROTO]",
            help="The port of --from/--to (a number or a named port of the destination), or the "
            "ports of --matrix (numbers, repeatable).",
            show_default=False,
        ),
    ] = None,
    matrix: Annotated[
        bool,
        typer.Option(
            "--matrix", help="Probe every ordered pair of the selected inventory pods on each --port."
        ),
    ] = False,
    namespaces: Annotated[
        list[str] | None,
        typer.Option(
            "--namespace",
            "-n",
            metavar="NS",
            help="--matrix: only pods of this namespace (repeatable).",
            show_default=False,
        ),
    ] = None,
    pod: Annotated[
        str | None,
        typer.Option(
            "--pod",
            metavar="SELECTOR",
            help="--matrix: only pods whose labels match this kubectl-style selector.",
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        ProbeFormat,
        typer.Option(
            "--format",
            "-f",
            help="script: the bash script; yaml: the manifests it creates, the script as a '#| ' comment after them.",
        ),
    ] = ProbeFormat.SCRIPT,
    output: OutputOpt = None,
    image: Annotated[
        str | None,
        typer.Option(
            "--image",
            metavar="IMAGE",
            help="The agnhost image of the pods and debug containers the script starts "
            "[default: registry.k8s.io/e2e-test-images/agnhost:2.47].",
            show_default=False,
        ),
    ] = None,
    connect_timeout: Annotated[
        int,
        typer.Option(
            "--connect-timeout", metavar="SECONDS", min=1, help="How long one connection attempt may take."
        ),
    ] = 5,
    parallel: Annotated[
        int | None,
        typer.Option(
            "--parallel",
            metavar="N",
            min=1,
            help="Probes the script runs at once [default: 8 with --matrix, else 1].",
            show_default=False,
        ),
    ] = None,
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
    """Write a bash script that confirms counterexamples (or one flow, or a port matrix) on a
    live cluster with kubectl and agnhost, and exits non-zero when the cluster disagrees."""
    from verifier.report.console import print_line, print_warnings
    from verifier.report.registry import RenderOptions
    from verifier.results.probe import AGNHOST_IMAGE

    flow_mode = source is not None or destination is not None
    modes = [
        m
        for m, on in (
            ("--spec", bool(spec)),
            ("--result", result is not None),
            ("--from/--to", flow_mode),
            ("--matrix", matrix),
        )
        if on
    ]
    if len(modes) != 1:
        raise UsageError(
            "give exactly one of --spec FILE, --result FILE, --from/--to/--port, --matrix"
            + (f" (got {', '.join(modes)})" if modes else "")
        )
    if flow_mode and (source is None or destination is None or not ports or len(ports) != 1):
        raise UsageError("--from/--to need both ends and one --port (e.g. --port 6379/TCP)")
    if (namespaces or pod is not None) and not matrix:
        raise UsageError("--namespace and --pod select the pods of --matrix")
    if names and not (spec or result is not None):
        raise UsageError("--property picks properties of --spec or --result")
    if ports and (spec or result is not None):
        raise UsageError("--port goes with --from/--to or --matrix (a counterexample has its own port)")

    from verifier.query.probe import ProbeSettings

    options = analysis_options(universe, pod_cidr, ipblock_pods, timeout, rlimit)
    live = live_source()
    settings = ProbeSettings(
        image=image or AGNHOST_IMAGE,
        connect_timeout=connect_timeout,
        parallel=parallel or (8 if matrix else 1),
        ipblock_pods=ipblock_pods,
        context=None if live is None else live.context,
    )
    inputs = InputChoices.of(assume_unlabelled_namespaces, ignore_kind, exclude, verbose, quiet, no_color)
    if spec:
        from verifier.cli.check import run_check
        from verifier.query.probe import plan_check
        from verifier.spec import load_specs

        problems = []
        try:
            loaded = load_input(paths, inputs)
        except InputError as exc:
            problems.extend(exc.problems)
        try:
            properties = load_specs(list(spec))
        except InputError as exc:
            problems.extend(exc.problems)
        if problems:
            raise InputError(problems)
        print_warnings((str(n) for n in loaded.notices), no_color=no_color, quiet=quiet)
        report = run_check(loaded, properties, options, quiet=quiet, no_color=no_color)
        title = f"the counterexamples of {', '.join(spec)}"
        plan = plan_check(loaded.cluster, report, names or (), settings, title=title)
    else:
        loaded = load_input(paths, inputs)
        print_warnings((str(n) for n in loaded.notices), no_color=no_color, quiet=quiet)
        cluster = loaded.cluster
        if result is not None:
            from verifier.query.probe import found_in_json, plan_found

            plan = plan_found(
                cluster,
                found_in_json(cluster, _read_json(result)),
                names or (),
                settings,
                title=f"the counterexamples of {result}",
            )
        elif matrix:
            from verifier.model import parse_selector
            from verifier.query.probe import parse_matrix_ports, plan_matrix

            selector = parse_selector(pod) if pod is not None else None
            plan = plan_matrix(
                cluster,
                options,
                parse_matrix_ports(ports or ()),
                namespaces=namespaces or (),
                selector=selector,
                settings=settings,
            )
        else:
            from verifier.query.probe import plan_command_line

            plan = plan_command_line(cluster, source or "", destination or "", (ports or [""])[0], settings)
    command = _command_line(
        paths,
        spec or (),
        names or (),
        result,
        source,
        destination,
        ports or (),
        matrix,
        namespaces or (),
        pod,
    )
    plan = plan.model_copy(update={"command": command})
    print_warnings(plan.warnings, no_color=no_color, quiet=quiet)
    emit("probe", fmt.value, plan, output, RenderOptions(command="probe", no_color=no_color, quiet=quiet))
    if output not in (None, "-") and not quiet:
        print_line(
            f"{len(plan.probes)} probe(s), {len(plan.pods)} pod(s) to create: {output}", no_color=no_color
        )
    return EXIT_OK


def _read_json(path: str) -> object:
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except OSError as exc:
        raise UsageError(f"--result {path!r}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(f"--result {path!r}: not JSON ({exc})") from None
