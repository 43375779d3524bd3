"""``netverify snapshot``: what netverify reads — from the live cluster (``--kube``) or from
PATHs — written as one ``v1`` ``List``, so a CI run can be repeated offline on the same input."""

from __future__ import annotations

import sys
from collections import Counter
from typing import Annotated

import typer  # noqa: TID251 - the CLI is the typer layer

from verifier.cli.common import InputChoices, app, guarded, live_source, open_output
from verifier.cli.exit_codes import EXIT_OK
from verifier.cli.options import (
    ExcludeOpt,
    IgnoreKindOpt,
    NoColorOpt,
    Paths,
    QuietOpt,
    VerboseOpt,
)


@app.command()
@guarded
def snapshot(
    paths: Paths,
    output: Annotated[
        str | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write the List to FILE: JSON if FILE ends in .json, else YAML (default: YAML on stdout).",
            show_default=False,
        ),
    ] = None,
    quiet: QuietOpt = False,
    no_color: NoColorOpt = False,
    ignore_kind: IgnoreKindOpt = None,
    exclude: ExcludeOpt = None,
    verbose: VerboseOpt = False,
) -> int:
    """Write what is read — the live cluster (--kube) or PATHs — as one v1 List: every command
    given that file later sees the same cluster (and gives the same answers) offline."""
    from verifier.load.kube import load_read, read_cluster, read_manifests, snapshot_list, snapshot_text
    from verifier.model.words import plural
    from verifier.report.console import print_line, print_warnings, working

    choices = InputChoices.of(False, ignore_kind, exclude, verbose, quiet, no_color)
    source = live_source()
    if source is not None:
        with working("reading the cluster", quiet=quiet, no_color=no_color):
            read = read_cluster(source, choices.ignore_kinds)
        origin = f"context {read.context} ({read.server})"
    else:
        read = read_manifests(paths, stdin=sys.stdin if "-" in paths else None, exclude=choices.exclude)
        origin = ", ".join(paths)
    # What was read must load: a snapshot that cannot be analysed reproduces nothing.
    loaded = load_read(read, ignore_kinds=choices.ignore_kinds, verbose=choices.verbose)
    text = snapshot_text(snapshot_list(read), as_json=(output or "").lower().endswith(".json"))
    with open_output(output) as out:
        out.write(text)
    print_warnings((str(n) for n in loaded.notices), no_color=no_color, quiet=quiet)
    if not quiet:
        kinds = Counter(str(obj.data.get("kind")) for obj in read.objects)
        counted = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
        cluster = loaded.cluster
        loads = [
            plural(len(cluster.pods), "endpoint"),
            plural(len(cluster.policies), "NetworkPolicy", "NetworkPolicies"),
        ]
        if cluster.tier_policies:
            loads.append(plural(len(cluster.tier_policies), "tier policy", "tier policies"))
        print_line(
            f"snapshot: {plural(len(read.objects), 'object')} ({counted or 'none'}) from {origin} "
            f"to {output if output not in (None, '-') else 'stdout'}; they load as {', '.join(loads)}",
            no_color=no_color,
        )
    return EXIT_OK
