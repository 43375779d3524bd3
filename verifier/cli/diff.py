"""``netverify diff`` (semantic diff, equivalence, containment) and ``netverify gate``
(the safe-change gate)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from verifier.cli.common import (
    EXIT_OK,
    EXIT_UNKNOWN,
    EXIT_USAGE,
    EXIT_VIOLATED,
    AssumeNamespacesOpt,
    DiffFormat,
    DiffFormatOpt,
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
    analysis_options,
    app,
    console_for,
    guarded,
    load_input,
    open_output,
    stderr_console,
    working,
)
from verifier.errors import InputError, UsageError

if TYPE_CHECKING:
    from verifier.model import Cluster


class FailOn(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    ANY = "any"


class MethodChoice(StrEnum):
    AUTO = "auto"
    Z3 = "z3"


class CheckChoice(StrEnum):
    EQUIVALENT = "equivalent"
    NO_NEW_ACCESS = "no-new-access"


Against = Annotated[
    list[str],
    typer.Option("--against", metavar="NEW_PATH", help="The new version's manifests (repeatable)."),
]
MaxRegions = Annotated[
    int,
    typer.Option(
        "--max-regions", min=1, metavar="N", help="List at most N regions per set (more are reported)."
    ),
]


def _verdict_code(verdict: object, strict: bool) -> int:
    from verifier.results import Verdict

    if verdict is Verdict.VIOLATED:
        return EXIT_VIOLATED
    if verdict is Verdict.ERROR:
        return EXIT_USAGE
    if verdict is Verdict.UNKNOWN and strict:
        return EXIT_UNKNOWN
    return EXIT_OK


@app.command()
@guarded
def diff(
    paths: Paths,
    against: Against,
    fail_on: Annotated[
        FailOn | None,
        typer.Option("--fail-on", help="Exit 1 if flows were added / removed / either.", show_default=False),
    ] = None,
    check: Annotated[
        CheckChoice | None,
        typer.Option(
            "--check",
            help="equivalent: nothing added or removed; no-new-access: nothing added. Exit 0 proved, 1 refuted.",
            show_default=False,
        ),
    ] = None,
    max_regions: MaxRegions = 20,
    method: Annotated[
        MethodChoice,
        typer.Option(
            "--method",
            help="auto: over an inventory, enumerate the difference with the set-algebra engine "
            "(Z3 proves an empty side); z3: grow every region with solver queries.",
        ),
    ] = MethodChoice.AUTO,
    universe: UniverseOpt = None,
    pod_cidr: PodCidrOpt = None,
    ipblock_pods: IpblockPodsOpt = True,
    assume_unlabelled_namespaces: AssumeNamespacesOpt = False,
    timeout: TimeoutOpt = 60.0,
    rlimit: RlimitOpt = 0,
    strict: StrictOpt = False,
    fmt: DiffFormatOpt = DiffFormat.TEXT,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    no_color: NoColorOpt = False,
    ignore_kind: IgnoreKindOpt = None,
    exclude: ExcludeOpt = None,
    verbose: VerboseOpt = False,
) -> int:
    """Semantic diff: flows the new policies (--against) allow that the old (PATH) did not, and
    vice versa, as compact regions with an example flow each."""
    from verifier.query.diff import diff as run_diff
    from verifier.report import render_diff, write_diff_json
    from verifier.results import RegionStatus, Verdict

    options = analysis_options(universe, pod_cidr, ipblock_pods, timeout, rlimit)
    old, new, warnings = _load_pair(
        paths, against, assume_unlabelled_namespaces, ignore_kind, exclude, verbose, quiet, no_color
    )
    with working("comparing", quiet=quiet, no_color=no_color):
        result = run_diff(old, new, options, max_regions=max_regions, warnings=warnings, method=method.value)
    with open_output(output) as out:
        if fmt is DiffFormat.JSON:
            write_diff_json(result, out)
        elif fmt in (DiffFormat.MARKDOWN, DiffFormat.SARIF):
            from verifier.query.baseline import added_rules
            from verifier.report.markdown import write_diff_markdown
            from verifier.report.sarif import write_diff_sarif

            rules = added_rules(old, new, result.added.regions, ipblock_pods=options.ipblock_pods)
            if fmt is DiffFormat.SARIF:
                write_diff_sarif(result, rules, out, inputs=[*against, *paths])
            else:
                write_diff_markdown(result, out, rules, check=None if check is None else check.value)
        else:
            render_diff(
                result,
                console_for(out, no_color=no_color),
                check=None if check is None else check.value,
                warnings_console=stderr_console(no_color=no_color, quiet=quiet),
            )
    codes = [EXIT_OK]
    if check is not None:
        codes.append(_verdict_code(result.check_verdict(check.value), strict))
    if fail_on is not None:
        lists = {
            FailOn.ADDED: (result.added,),
            FailOn.REMOVED: (result.removed,),
            FailOn.ANY: (result.added, result.removed),
        }[fail_on]
        if any(rl.regions for rl in lists):
            codes.append(EXIT_VIOLATED)
        elif any(rl.status is RegionStatus.ERROR for rl in lists):
            codes.append(EXIT_USAGE)
        elif strict and any(rl.status is RegionStatus.UNKNOWN for rl in lists):
            codes.append(EXIT_UNKNOWN)
    if any(rl.status is RegionStatus.ERROR for rl in (result.added, result.removed)):
        codes.append(_verdict_code(Verdict.ERROR, strict))
    return _worst(codes)


def _worst(codes: list[int]) -> int:
    for code in (EXIT_VIOLATED, EXIT_USAGE, EXIT_UNKNOWN):
        if code in codes:
            return code
    return EXIT_OK


def _load_pair(
    old_paths: list[str],
    new_paths: list[str],
    assume_unlabelled_namespaces: bool,
    ignore_kinds: list[str] | None = None,
    exclude: list[str] | None = None,
    verbose: bool = False,
    quiet: bool = False,
    no_color: bool = False,
) -> tuple[Cluster, Cluster, list[str]]:
    problems = []
    old = new = None
    try:
        old = load_input(
            old_paths,
            assume_unlabelled_namespaces,
            ignore_kinds=ignore_kinds,
            exclude=exclude,
            verbose=verbose,
            quiet=quiet,
            no_color=no_color,
        )
    except InputError as exc:
        problems.extend(exc.problems)
    try:
        new = load_input(
            new_paths,
            assume_unlabelled_namespaces,
            ignore_kinds=ignore_kinds,
            exclude=exclude,
            verbose=verbose,
            quiet=quiet,
            no_color=no_color,
        )
    except InputError as exc:
        problems.extend(exc.problems)
    if problems:
        raise InputError(problems)
    assert old is not None and new is not None
    warnings = [str(n) for n in old.notices] + [str(n) for n in new.notices]
    return old.cluster, new.cluster, warnings


@app.command()
@guarded
def gate(
    paths: Paths,
    against: Against,
    intent: Annotated[
        str,
        typer.Option(
            "--intent", metavar="FILE", help="Spec file with the property the change is meant to make true."
        ),
    ],
    name: Annotated[
        str | None,
        typer.Option("--name", metavar="NAME", help="Which property of --intent (needed if it has several)."),
    ] = None,
    max_regions: MaxRegions = 20,
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
    """Safe-change gate: prove (a) the intent was false before, (b) it is true after, (c) nothing
    outside its scope changed. Exit 0 safe, 1 not safe."""
    from verifier.query.gate import gate as run_gate
    from verifier.report import render_gate, write_gate_json
    from verifier.spec import load_specs

    options = analysis_options(universe, pod_cidr, ipblock_pods, timeout, rlimit)
    old, new, warnings = _load_pair(
        paths, against, assume_unlabelled_namespaces, ignore_kind, exclude, verbose, quiet, no_color
    )
    properties = load_specs([intent])
    if name is not None:
        chosen = [p for p in properties if p.name == name]
        if not chosen:
            raise UsageError(
                f"--name {name!r}: no such property in {intent} ({', '.join(p.name for p in properties)})"
            )
    elif len(properties) != 1:
        raise UsageError(f"--intent {intent!r} has {len(properties)} properties; pick one with --name")
    else:
        chosen = list(properties)
    with working("proving the change safe", quiet=quiet, no_color=no_color):
        result = run_gate(old, new, chosen[0], options, max_regions=max_regions, warnings=warnings)
    with open_output(output) as out:
        if fmt is OutputFormat.JSON:
            write_gate_json(result, out)
        else:
            render_gate(
                result,
                console_for(out, no_color=no_color),
                warnings_console=stderr_console(no_color=no_color, quiet=quiet),
            )
    return _verdict_code(result.verdict, strict)
