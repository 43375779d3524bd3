"""``netverify diff`` (semantic diff, equivalence, containment) and ``netverify gate``
(the safe-change gate)."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer  # noqa: TID251 - the CLI is the typer layer

from verifier.cli.common import (
    InputChoices,
    analysis_options,
    app,
    emit,
    exit_code,
    guarded,
    input_files,
    load_input,
)
from verifier.cli.options import (
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
)
from verifier.errors import InputError

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
    from verifier.report.console import working
    from verifier.report.registry import NEEDS_ADDED_RULES, RenderOptions

    options = analysis_options(universe, pod_cidr, ipblock_pods, timeout, rlimit)
    old, new, warnings = _load_pair(
        paths,
        against,
        InputChoices.of(assume_unlabelled_namespaces, ignore_kind, exclude, verbose, quiet, no_color),
    )
    with working("comparing", quiet=quiet, no_color=no_color):
        result = run_diff(
            old,
            new,
            options,
            max_regions=max_regions,
            warnings=warnings,
            method=method.value,
            added_rules=("diff", fmt.value) in NEEDS_ADDED_RULES,
        )
    check_name = None if check is None else check.value
    render = RenderOptions(
        command="diff",
        no_color=no_color,
        quiet=quiet,
        strict=strict,
        inputs=input_files([*against, *paths]),
        check=check_name,
    )
    emit("diff", fmt.value, result, output, render)
    return exit_code(
        result, strict=strict, fail_on=None if fail_on is None else fail_on.value, check=check_name
    )


def _load_pair(
    old_paths: list[str], new_paths: list[str], inputs: InputChoices
) -> tuple[Cluster, Cluster, list[str]]:
    problems = []
    old = new = None
    try:
        old = load_input(old_paths, inputs)
    except InputError as exc:
        problems.extend(exc.problems)
    try:
        new = load_input(new_paths, inputs)
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
    from verifier.query.gate import choose_intent
    from verifier.query.gate import gate as run_gate
    from verifier.report.console import working
    from verifier.report.registry import RenderOptions
    from verifier.spec import load_specs

    options = analysis_options(universe, pod_cidr, ipblock_pods, timeout, rlimit)
    old, new, warnings = _load_pair(
        paths,
        against,
        InputChoices.of(assume_unlabelled_namespaces, ignore_kind, exclude, verbose, quiet, no_color),
    )
    intent_property = choose_intent(load_specs([intent]), name, intent)
    with working("proving the change safe", quiet=quiet, no_color=no_color):
        result = run_gate(old, new, intent_property, options, max_regions=max_regions, warnings=warnings)
    emit("gate", fmt.value, result, output, RenderOptions(command="gate", no_color=no_color, quiet=quiet))
    return exit_code(result, strict=strict)
