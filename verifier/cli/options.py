"""The command-line options the commands share: format choices and the typer option types
(``Paths``, ``UniverseOpt``, ``OutputOpt``, …), declared once so every command spells and
documents an option alike.

Nothing here imports pydantic, rich or z3 (``netverify --help`` stays fast): choices that
mirror model enums (`UniverseChoice`) are converted inside the commands.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer  # noqa: TID251 - the CLI is the typer layer


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class CheckFormat(StrEnum):
    """Report formats of ``check`` and ``assert`` (docs/formats.md)."""

    TEXT = "text"
    JSON = "json"
    JUNIT = "junit"
    SARIF = "sarif"
    MARKDOWN = "markdown"


class LintFormat(StrEnum):
    """Report formats of ``lint`` (docs/formats.md)."""

    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    MARKDOWN = "markdown"


class DiffFormat(StrEnum):
    """Report formats of ``diff`` (docs/formats.md)."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"


class UniverseChoice(StrEnum):
    """Mirrors `verifier.model.Universe` without importing pydantic at start-up."""

    INVENTORY = "inventory"
    ANY = "any"


class ProtocolChoice(StrEnum):
    TCP = "TCP"
    UDP = "UDP"
    SCTP = "SCTP"


# --- options shared by the commands that evaluate policies -----------------------------------
Paths = Annotated[
    list[str],
    typer.Argument(
        metavar="PATH",
        help="Manifest files or directories (recursive: *.yaml, *.yml, *.json); - reads stdin. "
        "None with --kube (the live cluster).",
        show_default=False,
    ),
]
UniverseOpt = Annotated[
    UniverseChoice | None,
    typer.Option(
        "--universe",
        help="inventory: the pods of the input; any: every pod that could exist. "
        "Default: inventory if the input has pods or workloads, else any. "
        "A property's own universe field wins.",
        show_default=False,
    ),
]
PodCidrOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--pod-cidr",
        metavar="CIDR",
        help="Where pods without a known IP (workloads, hypothetical pods) get addresses. Repeatable.",
        show_default=False,
    ),
]
IpblockPodsOpt = Annotated[
    bool,
    typer.Option(
        "--ipblock-pods/--no-ipblock-pods",
        help="Whether policy ipBlocks also match pod IPs (upstream e2e: yes; Cilium-like CNIs: no).",
    ),
]
TimeoutOpt = Annotated[
    float,
    typer.Option("--timeout", metavar="SECONDS", min=0.001, help="Solver time limit per property."),
]
RlimitOpt = Annotated[
    int,
    typer.Option(
        "--rlimit",
        metavar="N",
        min=0,
        help="Deterministic solver work limit per property (0 = none); unlike --timeout it "
        "gives the same result on every machine.",
    ),
]
AssumeNamespacesOpt = Annotated[
    bool,
    typer.Option(
        "--assume-unlabelled-namespaces",
        help="Assume a namespace that the input references but does not declare carries only "
        "its kubernetes.io/metadata.name label (default: its other labels are unknown, and "
        "results hold for every label set it could carry).",
    ),
]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Exit 3 when a property is inconclusive.")]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]
CheckFormatOpt = Annotated[
    CheckFormat, typer.Option("--format", "-f", help="Report format (docs/formats.md).")
]
LintFormatOpt = Annotated[LintFormat, typer.Option("--format", "-f", help="Report format (docs/formats.md).")]
DiffFormatOpt = Annotated[DiffFormat, typer.Option("--format", "-f", help="Report format (docs/formats.md).")]
ReportOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--report",
        metavar="FORMAT=FILE",
        help="Also write the report in FORMAT to FILE, from the same run (e.g. sarif=out.sarif, "
        "junit=junit.xml, markdown=summary.md). Repeatable.",
        show_default=False,
    ),
]
QuietOpt = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="Print only the summary line (text format) and no warnings or progress; "
        "the exit code tells the verdict.",
    ),
]
NoColorOpt = Annotated[
    bool,
    typer.Option(
        "--no-color",
        help="No colours in terminal output (also when the NO_COLOR environment variable is set).",
    ),
]
IgnoreKindOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--ignore-kind",
        metavar="KIND",
        help="Leave out objects of KIND (or KIND.GROUP, e.g. NetworkPolicy.projectcalico.org) that may "
        "filter traffic but are not modelled (Cilium, Calico, Istio, …); the results record it. Repeatable.",
        show_default=False,
    ),
]
ExcludeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--exclude",
        metavar="GLOB",
        help="Skip files and directories whose path (relative to the directory given) or name "
        "matches GLOB, e.g. 'charts/*' or '*.values.yaml'. Repeatable.",
        show_default=False,
    ),
]
VerboseOpt = Annotated[
    bool,
    typer.Option(
        "--verbose",
        "-v",
        help="List every skipped file (files that are not Kubernetes objects, objects that do not change traffic).",
    ),
]
OutputOpt = Annotated[
    str | None,
    typer.Option("--output", "-o", metavar="FILE", help="Write the report to FILE instead of stdout."),
]

# --- a live cluster as input (every command that reads PATHs; docs/cli.md, Live cluster) ------------
#: Default seconds to connect to the API server and to wait for each answer.
DEFAULT_REQUEST_TIMEOUT = 30.0

KubeOpt = Annotated[
    bool,
    typer.Option(
        "--kube",
        help="Read the live cluster of the current kubeconfig context instead of PATHs "
        "(needs netverify[cluster]; RBAC: list on each kind read).",
    ),
]
KubeContextOpt = Annotated[
    str | None,
    typer.Option(
        "--context",
        metavar="NAME",
        help="The kubeconfig context to read (implies --kube).",
        show_default=False,
    ),
]
KubeconfigOpt = Annotated[
    str | None,
    typer.Option(
        "--kubeconfig",
        metavar="PATH",
        help="The kubeconfig file (implies --kube; default: $KUBECONFIG, else ~/.kube/config).",
        show_default=False,
    ),
]
KubeNamespaceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--namespace",
        "-n",
        metavar="NS",
        help="With --kube: read the pods, workloads and NetworkPolicies of these namespaces only "
        "(repeatable, or a,b); answers that reach other namespaces need the whole cluster.",
        show_default=False,
    ),
]
RequestTimeoutOpt = Annotated[
    float,
    typer.Option(
        "--request-timeout",
        metavar="SECONDS",
        min=0.001,
        help="With --kube: how long to wait for the API server to accept a connection, and for each answer.",
    ),
]
