"""What every ``netverify`` command shares: the app, loading and output (the shared options
are `verifier.cli.options`'s, re-exported here).

A command parses its options, loads its input (`load_input`), asks one query, writes the
result with the writer the registry has for its format (`emit`, `verifier.report.registry`)
and returns `verifier.cli.exit_codes.exit_code`. Consoles, spinners and progress bars are
`verifier.report.console`'s: this package imports no rich.

Everything that pulls in pydantic, rich or z3 is imported inside the command functions, so
that ``netverify --help`` starts in a fraction of a second.
"""

from __future__ import annotations

import inspect
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TextIO

import typer  # noqa: TID251 - the CLI is the typer layer

from verifier import __version__
from verifier.cli.exit_codes import EXIT_OK, EXIT_UNKNOWN, EXIT_USAGE, EXIT_VIOLATED, exit_code
from verifier.cli.options import (
    DEFAULT_REQUEST_TIMEOUT,
    AssumeNamespacesOpt,
    CheckFormat,
    CheckFormatOpt,
    DiffFormat,
    DiffFormatOpt,
    ExcludeOpt,
    FormatOpt,
    IgnoreKindOpt,
    IpblockPodsOpt,
    KubeconfigOpt,
    KubeContextOpt,
    KubeNamespaceOpt,
    KubeOpt,
    LintFormat,
    LintFormatOpt,
    NoColorOpt,
    OutputFormat,
    OutputOpt,
    Paths,
    PodCidrOpt,
    ProtocolChoice,
    QuietOpt,
    ReportOpt,
    RequestTimeoutOpt,
    RlimitOpt,
    StrictOpt,
    TimeoutOpt,
    UniverseChoice,
    UniverseOpt,
    VerboseOpt,
)
from verifier.errors import InputError, UsageError

if TYPE_CHECKING:
    from verifier.load import LoadResult
    from verifier.load.kube import KubeSource
    from verifier.model import AnalysisOptions
    from verifier.report.registry import RenderOptions

P = ParamSpec("P")

__all__ = [
    "EXIT_OK",
    "EXIT_UNKNOWN",
    "EXIT_USAGE",
    "EXIT_VIOLATED",
    "AssumeNamespacesOpt",
    "CheckFormat",
    "CheckFormatOpt",
    "DiffFormat",
    "DiffFormatOpt",
    "ExcludeOpt",
    "FormatOpt",
    "IgnoreKindOpt",
    "IpblockPodsOpt",
    "KubeContextOpt",
    "KubeNamespaceOpt",
    "KubeOpt",
    "KubeconfigOpt",
    "LintFormat",
    "LintFormatOpt",
    "NoColorOpt",
    "OutputFormat",
    "OutputOpt",
    "Paths",
    "PodCidrOpt",
    "ProtocolChoice",
    "QuietOpt",
    "ReportOpt",
    "RequestTimeoutOpt",
    "RlimitOpt",
    "StrictOpt",
    "TimeoutOpt",
    "UniverseChoice",
    "UniverseOpt",
    "VerboseOpt",
    "analysis_options",
    "app",
    "emit",
    "exit_code",
    "guarded",
    "input_files",
    "live_source",
    "load_input",
    "open_output",
    "parse_reports",
]


app = typer.Typer(
    name="netverify",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def guarded(command: Callable[P, int]) -> Callable[P, None]:
    """Run a command; turn bad input into exit code 2 with one line per problem, no traceback.

    A command that reads PATHs also gets the live-cluster options (`with_live_options`)."""

    @wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            source = _live_from(kwargs) if _LIVE_MARK in kwargs else None
            token = _LIVE.set(source)
            try:
                code = command(*args, **kwargs)
            finally:
                _LIVE.reset(token)
        except InputError as exc:
            for problem in exc.problems:
                typer.echo(str(problem), err=True)
            raise typer.Exit(EXIT_USAGE) from None
        except UsageError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(EXIT_USAGE) from None
        raise typer.Exit(code)

    return with_live_options(command, run)


# --- a live cluster as input (docs/cli.md, Live cluster) ---------------------------------------------

#: The live cluster the running command reads where it would read its PATHs (None: files).
_LIVE: ContextVar[KubeSource | None] = ContextVar("netverify_live_source", default=None)
#: The options every command with PATHs gets: (parameter, type, default).
_LIVE_OPTIONS: tuple[tuple[str, Any, Any], ...] = (
    ("kube", KubeOpt, False),
    ("kube_context", KubeContextOpt, None),
    ("kubeconfig", KubeconfigOpt, None),
    ("kube_namespaces", KubeNamespaceOpt, None),
    ("kube_request_timeout", RequestTimeoutOpt, DEFAULT_REQUEST_TIMEOUT),
)
_LIVE_MARK = "kube"


def with_live_options(command: Callable[..., Any], run: Callable[P, None]) -> Callable[P, None]:
    """Give ``run`` (the guarded ``command``) the live-cluster options, when ``command`` reads
    PATHs: ``--kube``, ``--context``, ``--kubeconfig``, ``--namespace``/``-n`` (a command with
    its own ``--namespace``, ``matrix``, keeps it, and it restricts the read as well) and
    ``--request-timeout``; PATH becomes optional. Typer reads the options from the signature,
    so every command gets them without spelling them; `guarded` takes them out again before
    calling the command (`_live_from`)."""
    signature = inspect.signature(command, eval_str=True)
    if "paths" not in signature.parameters:
        return run
    params = []
    for param in signature.parameters.values():
        changed = param.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        if param.name == "paths":
            changed = changed.replace(default=None)
        params.append(changed)
    for name, annotation, default in _LIVE_OPTIONS:
        if name == "kube_namespaces" and "namespaces" in signature.parameters:
            continue
        params.append(
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        )
    run.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    run.__annotations__ = {p.name: p.annotation for p in params} | {"return": None}
    return run


def _live_from(kwargs: dict[str, Any]) -> KubeSource | None:
    """Take the live-cluster options out of a command's arguments: the `KubeSource` to read
    instead of PATHs, or None for files. PATH and --kube together, neither, or --namespace
    without --kube (outside ``matrix``) are usage errors."""
    from verifier.load.kube import KubeSource, split_namespaces

    kube = bool(kwargs.pop("kube", False))
    context = kwargs.pop("kube_context", None)
    kubeconfig = kwargs.pop("kubeconfig", None)
    request_timeout = float(kwargs.pop("kube_request_timeout", DEFAULT_REQUEST_TIMEOUT))
    own = "namespaces" in kwargs  # matrix: its --namespace also picks the pods shown
    values = kwargs.get("namespaces") if own else kwargs.pop("kube_namespaces", None)
    namespaces = split_namespaces(values or ())
    if own and values is not None:
        kwargs["namespaces"] = list(namespaces)
    paths = list(kwargs.get("paths") or [])
    kwargs["paths"] = paths
    live = kube or context is not None or kubeconfig is not None
    if not live:
        if namespaces and not own:
            raise UsageError("--namespace restricts what --kube reads: give it with --kube (or --context)")
        if not paths:
            raise UsageError(
                "missing PATH: give manifest files or directories (- for stdin), or --kube to read the live cluster"
            )
        return None
    if paths:
        raise UsageError(
            f"give PATH or --kube, not both (PATH {paths[0]!r}; the live cluster is read with --kube, "
            "--context or --kubeconfig)"
        )
    return KubeSource(kubeconfig, context, namespaces, request_timeout)


def live_source() -> KubeSource | None:
    """The live cluster the running command reads instead of PATHs, if it was asked for."""
    return _LIVE.get()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"netverify {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Prove properties of Kubernetes NetworkPolicies, with concrete counterexample flows.

    Exit codes: 0 all properties hold; 1 a property is violated; 2 usage or input error;
    3 a property is inconclusive (only with --strict).
    """


# --- helpers ---------------------------------------------------------------------------------


def analysis_options(
    universe: UniverseChoice | None,
    pod_cidrs: Sequence[str] | None,
    ipblock_pods: bool,
    timeout: float = 60.0,
    rlimit: int = 0,
) -> AnalysisOptions:
    from verifier.model import AnalysisOptions, Universe, parse_network

    networks = []
    for text in pod_cidrs or ():
        try:
            networks.append(parse_network(text))
        except ValueError:
            raise UsageError(f"--pod-cidr {text!r}: not a CIDR (e.g. 10.244.0.0/16)") from None
    return AnalysisOptions(
        universe=None if universe is None else Universe(universe.value),
        pod_cidrs=tuple(networks),
        ipblock_pods=ipblock_pods,
        timeout_s=timeout,
        rlimit=rlimit,
    )


@dataclass(frozen=True)
class InputChoices:
    """How the command line asked for the input to be read (``--assume-unlabelled-namespaces``,
    ``--ignore-kind``, ``--exclude``, ``--verbose``) and talked to (``--quiet``, ``--no-color``):
    built once per command and passed as one value, not as six loose arguments."""

    assume_unlabelled_namespaces: bool = False
    ignore_kinds: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    verbose: bool = False
    quiet: bool = False
    no_color: bool = False

    @staticmethod
    def of(
        assume_unlabelled_namespaces: bool,
        ignore_kinds: Sequence[str] | None,
        exclude: Sequence[str] | None,
        verbose: bool,
        quiet: bool,
        no_color: bool,
    ) -> InputChoices:
        return InputChoices(
            assume_unlabelled_namespaces,
            tuple(ignore_kinds or ()),
            tuple(exclude or ()),
            verbose,
            quiet,
            no_color,
        )


def load_input(paths: Sequence[str], choices: InputChoices = InputChoices()) -> LoadResult:
    """Load PATHs (stdin for ``-``) with a spinner on a terminal for large inputs; with no
    PATHs and ``--kube``, the live cluster (`verifier.load.kube`)."""
    from verifier.load import load_cluster
    from verifier.report.console import working

    source = _LIVE.get()
    ignore_kinds = choices.ignore_kinds
    if source is not None:
        from verifier.load.kube import load_kube, split_ignore_kinds

        if not paths:
            with working("reading the cluster", quiet=choices.quiet, no_color=choices.no_color):
                return load_kube(
                    source,
                    assume_unlabelled_namespaces=choices.assume_unlabelled_namespaces,
                    ignore_kinds=ignore_kinds,
                    verbose=choices.verbose,
                )
        # The other side of a diff, a baseline: files; kinds named for the live read stay there.
        ignore_kinds = split_ignore_kinds(ignore_kinds)[1]
    with working("loading manifests", paths=paths, quiet=choices.quiet, no_color=choices.no_color):
        return load_cluster(
            list(paths),
            stdin=sys.stdin if "-" in paths else None,
            assume_unlabelled_namespaces=choices.assume_unlabelled_namespaces,
            ignore_kinds=ignore_kinds,
            exclude=choices.exclude,
            verbose=choices.verbose,
        )


@contextmanager
def open_output(path: str | None) -> Iterator[TextIO]:
    """The report's destination: stdout, or FILE (an unwritable FILE is a usage error)."""
    if path is None or path == "-":
        yield sys.stdout
        return
    try:
        handle = open(path, "w", encoding="utf-8")  # noqa: SIM115 - closed below, after rendering
    except OSError as exc:
        raise UsageError(f"--output {path!r}: {exc.strerror}") from None
    with handle:
        yield handle


def parse_reports(specs: Sequence[str] | None) -> list[tuple[CheckFormat, str]]:
    """``--report FORMAT=FILE`` values → (format, path) pairs; bad values are usage errors."""
    out = []
    for spec in specs or ():
        name, sep, path = spec.partition("=")
        try:
            fmt = CheckFormat(name.strip().lower())
        except ValueError:
            fmt = None
        if not sep or not path or fmt is None:
            choices = ", ".join(f.value for f in CheckFormat)
            raise UsageError(f"--report {spec!r}: expected FORMAT=FILE with FORMAT one of {choices}")
        out.append((fmt, path))
    return out


def input_files(paths: Sequence[str]) -> tuple[str, ...]:
    """The input files of PATHs for the reports that point into them (SARIF): a directory
    expands to its manifests in the loader's order; a file, ``-`` and anything else stay."""
    from verifier.load.reader import expand_paths

    files: list[str] = []
    for path in paths:
        files.extend(expand_paths([path], []) if os.path.isdir(path) else [path])
    return tuple(files)


def emit(command: str, fmt: str, result: object, output: str | None, options: RenderOptions) -> None:
    """Write ``result`` of ``command`` in ``fmt`` to stdout or ``--output`` FILE, with the
    writer the registry has for them."""
    from verifier.report.registry import writer_for

    writer = writer_for(command, fmt)
    with open_output(output) as out:
        writer(result, out, options)
