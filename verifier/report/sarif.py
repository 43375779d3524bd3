"""SARIF 2.1.0 output, for GitHub code scanning and every other SARIF viewer.

The writer is generic: it takes `FindingRule`s (one per property kind or lint ID) and
`Finding`s (rule ID, level, message, a primary `Location`, related locations), so ``check``,
``lint`` and ``diff`` share it. `check_findings` turns a `CheckReport` into findings:

- one result per property that does not hold, located at the property in its spec file,
  with ``relatedLocations`` at the policies and rules involved (file, line, column from
  loading). Properties that hold produce no result: code scanning turns every result into an
  alert, and a property that starts to hold again closes its alert;
- ``violated`` → ``kind: fail``, ``level: error``; ``unknown`` → ``kind: open`` (SARIF's
  "could not determine pass or fail") — never a pass; ``error`` → ``kind: open`` plus an
  error notification in the invocation, whose ``executionSuccessful`` is then false;
- ``partialFingerprints["netverifyFinding/v1"]`` hashes the property name, its kind and the
  involved rule IDs (``namespace/name ingress[0]``), never line numbers: moving a property in
  its file keeps its alert.

Every result has a location, as GitHub code scanning requires: a repository-relative URI
(``%SRCROOT%`` = the working directory; a file outside it gets a ``../`` path, never an
absolute one) with a region whose ``startLine`` is at least 1. A finding that has no file of
its own — a property given on the command line whose counterexample involves no rule, a lint
finding about a namespace (``<inventory>``), a diff region no policy isolates any more, the
baseline pseudo-property without a rule — is located at line 1 of the run's *default
artifact*: the first input manifest (``diff``: of the new version), else the first spec file.
Input read from stdin is the artifact ``stdin``.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from verifier import __version__
from verifier.errors import Location
from verifier.report.diff import region_json
from verifier.report.json_out import dump_json, flow_json, rule_json
from verifier.results import (
    BASELINE_NAME,
    CheckReport,
    DiffResult,
    FlowRegion,
    LintReport,
    PropertyResult,
    RegionStatus,
    RuleRef,
    Severity,
    Verdict,
)
from verifier.spec import Expect

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT_KEY = "netverifyFinding/v1"
SRCROOT = "%SRCROOT%"


class Level(StrEnum):
    """SARIF ``level``: how bad a finding is (``none`` for results that are not failures)."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"
    NONE = "none"


class Kind(StrEnum):
    """SARIF ``kind``: ``fail`` is a real finding; ``open`` = the tool could not decide."""

    FAIL = "fail"
    OPEN = "open"
    PASS = "pass"
    INFORMATIONAL = "informational"


@dataclass(frozen=True, slots=True)
class FindingRule:
    """A reporting rule (``tool.driver.rules[]``): a property kind or a lint ID."""

    id: str
    name: str  # PascalCase-ish identifier, e.g. ``DenyProperty``
    short: str  # one sentence
    full: str = ""
    level: Level = Level.ERROR  # default level of its failures
    help_uri: str = ""


@dataclass(frozen=True, slots=True)
class Related:
    """A related location (a policy or rule involved) with what it did."""

    location: Location
    message: str


@dataclass(frozen=True, slots=True)
class Finding:
    """One result, independent of the command that produced it.

    ``identity`` is what makes the finding the same finding across runs (hashed into the
    partial fingerprint); it must not contain line numbers. ``properties`` is an open property
    bag copied to the SARIF result (e.g. the counterexample flow as netverify JSON).
    """

    rule_id: str
    level: Level
    message: str
    location: Location | None
    identity: tuple[str, ...]
    kind: Kind = Kind.FAIL
    related: tuple[Related, ...] = ()
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Notification:
    """A tool execution notification: an input warning or a property that could not be evaluated."""

    level: Level
    message: str
    location: Location | None = None


PROPERTY_RULES: dict[Expect, FindingRule] = {
    Expect.DENY: FindingRule(
        id="property/deny",
        name="DenyProperty",
        short="A deny property is violated: a flow in its scope is allowed.",
        full="A spec property with expect: deny claims that no flow from its sources to its "
        "destinations on its ports is allowed. The result's counterexample is an allowed flow; "
        "the related locations are the policy rules that allow it.",
    ),
    Expect.ALLOW: FindingRule(
        id="property/allow",
        name="AllowProperty",
        short="An allow property is violated: a flow in its scope is denied.",
        full="A spec property with expect: allow claims that every flow from its sources to its "
        "destinations on its ports is allowed. The result's counterexample is a denied flow; "
        "the related locations are the isolating policies none of whose rules match it.",
    ),
    Expect.REACHABLE: FindingRule(
        id="property/reachable",
        name="ReachableProperty",
        short="A reachable property is violated: no flow in its scope is allowed.",
        full="A spec property with expect: reachable claims that at least one flow from its "
        "sources to its destinations on its ports is allowed; no such flow exists.",
    ),
}


BASELINE_RULE = FindingRule(
    id="baseline/new-access",
    name="NewAccessOutsideSpecs",
    short="The policies allow flows the baseline denied, outside the scope of every allow/reachable property.",
    full="check --baseline compares the policies with a previous version: a flow that is allowed now, "
    "was denied before, and that no allow/reachable property of the specs asks for is new access "
    "nobody stated. The result's counterexample is one such flow; the related locations are the "
    "new policies' rules that allow it.",
)

DIFF_ADDED_RULE = FindingRule(
    id="diff/added",
    name="AddedFlows",
    short="The new policies allow a region of flows the old policies denied.",
    full="netverify diff: a region (sources x destinations x protocols x ports) of flows that the new "
    "policies allow and the old ones denied, with one example flow replayed through the oracle. The "
    "result is located at the new policies' rules that allow the example flow.",
    level=Level.WARNING,
)


def property_rule(result: PropertyResult) -> FindingRule:
    """The reporting rule of a property result (the baseline pseudo-property has its own)."""
    if result.name == BASELINE_NAME:
        return BASELINE_RULE
    return PROPERTY_RULES[result.expect]


# --- locations ---------------------------------------------------------------------------------


STDIN_URI = "stdin"  # the artifact of input read from stdin (no file has it)
# The placeholder artifact of a run that names no file at all (no inputs given to the writer,
# no result or rule located in a file): what the user typed on the command line.
COMMAND_LINE_URI = "command-line"
_STDIN_FILES = ("<stdin>", "-")


def artifact_uri(path: str) -> tuple[str, str] | None:
    """(URI, uriBaseId) for a file path; None for pseudo-files (``<command line>``,
    ``<inventory>``, ``<unknown>``, ``<baseline …>``), which have no file.

    Every URI is relative to ``%SRCROOT%`` (the working directory), with forward slashes and
    percent-encoded: code scanning rejects absolute URIs. An absolute path below the working
    directory is made relative to it; one outside it gets a ``../`` path (or, where there is
    no relative path at all — another drive — its file name). ``<stdin>`` is ``stdin``.
    """
    if path in _STDIN_FILES:
        return STDIN_URI, SRCROOT
    if not path or path.startswith("<"):
        return None
    p = Path(path)
    if p.is_absolute():
        try:
            p = Path(os.path.relpath(p, Path.cwd()))
        except ValueError:
            p = Path(p.name)
    rel = posixpath.normpath(p.as_posix().replace(os.sep, "/"))
    if rel in (".", "") or rel.startswith("/"):
        return None
    return quote(rel, safe="/-._~"), SRCROOT


def physical_location(location: Location) -> dict[str, Any] | None:
    """A SARIF ``physicalLocation``; None when the location has no file.

    The region always has ``startLine`` >= 1 (code scanning needs one): an unknown line (0:
    JSON input is located per document only) is line 1, without a column.
    """
    uri = artifact_uri(location.file)
    if uri is None:
        return None
    region: dict[str, Any] = {"startLine": max(location.line, 1)}
    if location.line > 0 and location.column > 0:
        region["startColumn"] = location.column
    return {"artifactLocation": {"uri": uri[0], "uriBaseId": uri[1]}, "region": region}


def _location(
    location: Location, message: str | None = None, ident: int | None = None
) -> dict[str, Any] | None:
    physical = physical_location(location)
    if physical is None:
        return None
    out: dict[str, Any] = {"physicalLocation": physical}
    if ident is not None:
        out["id"] = ident
    if message:
        out["message"] = {"text": message}
    return out


def location_text(location: Location | None) -> str:
    """``file:line:col`` for people (JUnit, Markdown); "" when there is no location at all
    (None, an empty file, ``<unknown>``) — never ``None``. Other pseudo-files (``<stdin>:3:1``,
    ``<inventory>``, ``<command line>``) say where the object came from and are kept."""
    if location is None or location.file in ("", "<unknown>", "None"):
        return ""
    return str(location)


def has_file(location: Location) -> bool:
    """The location is in a file (or stdin), not a pseudo-file such as ``<command line>``."""
    return artifact_uri(location.file) is not None


def default_location(inputs: Sequence[str]) -> Location | None:
    """Line 1 of the first input file that can be an artifact (``-`` stands for ``stdin``);
    None when there is none. The caller passes files: the CLI expands a directory into its
    manifests in the loader's order, so a directory stands for its first manifest."""
    for file in inputs:
        if has_file(Location(file)):
            return Location(file, 1, 1)
    return None


def fingerprint(identity: tuple[str, ...]) -> str:
    """A stable hash of a finding's identity (NUL-separated, so parts cannot run together)."""
    return hashlib.sha256("\0".join(identity).encode()).hexdigest()[:32]


# --- the log ------------------------------------------------------------------------------------


def _rule_json(rule: FindingRule) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.short},
        "defaultConfiguration": {"level": rule.level.value},
    }
    if rule.full:
        out["fullDescription"] = {"text": rule.full}
    if rule.help_uri:
        out["helpUri"] = rule.help_uri
    return out


FALLBACK_NOTE = "no file of its own: located at line 1 of an input of the run"


def _result_json(finding: Finding, rule_index: dict[str, int], fallback: Location) -> dict[str, Any]:
    # SARIF §3.27.9: a result whose kind is not "fail" has level "none".
    level = finding.level if finding.kind is Kind.FAIL else Level.NONE
    out: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "kind": finding.kind.value,
        "level": level.value,
        "message": {"text": finding.message or f"{finding.rule_id}: finding"},
    }
    if finding.rule_id in rule_index:
        out["ruleIndex"] = rule_index[finding.rule_id]
    primary = None
    if finding.location is not None and has_file(finding.location):
        primary = _location(finding.location)
    if primary is None:
        # Code scanning rejects a result without a location: the run's default artifact.
        primary = _location(fallback, FALLBACK_NOTE) or _location(
            Location(COMMAND_LINE_URI, 1), FALLBACK_NOTE
        )
    out["locations"] = [primary]
    related = [
        loc
        for n, r in enumerate(finding.related)
        if (loc := _location(r.location, r.message, ident=n + 1)) is not None
    ]
    if related:
        out["relatedLocations"] = related
    out["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint(finding.identity)}
    if finding.properties:
        out["properties"] = finding.properties
    return out


def _notification_json(note: Notification) -> dict[str, Any]:
    out: dict[str, Any] = {"level": note.level.value, "message": {"text": note.message}}
    if note.location is not None and (loc := _location(note.location)) is not None:
        out["locations"] = [loc]
    return out


def sarif_log(
    rules: list[FindingRule],
    findings: list[Finding],
    *,
    notifications: list[Notification] | None = None,
    properties: dict[str, Any] | None = None,
    inputs: Sequence[str] = (),
) -> dict[str, Any]:
    """A complete SARIF 2.1.0 log with one run of netverify.

    ``executionSuccessful`` is false iff some notification is an error. ``inputs`` are the
    run's input paths, most relevant first (manifests, then spec files). A finding without a
    file of its own is located at line 1 of the first of them (`default_location`), else of
    the first file any finding or related location names, else of ``command-line``.
    """
    notes = notifications or []
    fallback = default_location(inputs) or next(
        (
            Location(loc.file, 1, 1)
            for f in findings
            for loc in (f.location, *(r.location for r in f.related))
            if loc is not None and has_file(loc)
        ),
        Location(COMMAND_LINE_URI, 1),
    )
    rule_index = {rule.id: n for n, rule in enumerate(rules)}
    invocation: dict[str, Any] = {
        "executionSuccessful": not any(n.level is Level.ERROR for n in notes),
    }
    if notes:
        invocation["toolExecutionNotifications"] = [_notification_json(n) for n in notes]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "netverify",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_rule_json(r) for r in rules],
            }
        },
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The directory netverify ran in."}}},
        "results": [_result_json(f, rule_index, fallback) for f in findings],
    }
    if properties:
        run["properties"] = properties
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def write_sarif(log: dict[str, Any], out: TextIO) -> None:
    dump_json(log, out)


# --- check reports ------------------------------------------------------------------------------


def rule_id(rule: RuleRef) -> str:
    """The stable identity of a rule: ``namespace/name ingress[0]`` (no line numbers)."""
    return str(rule)


def violation_message(result: PropertyResult) -> str:
    """One sentence: which property, what went wrong, and the counterexample flow."""
    head = f"{result.expect.value} property '{result.name}' ({result.universe.value} universe)"
    if result.verdict is Verdict.UNKNOWN:
        return f"{head} is inconclusive: {result.reason or 'the solver gave up'}. This is not a proof."
    if result.verdict is Verdict.ERROR:
        return f"{head} could not be evaluated: {result.reason or 'unknown error'}"
    if result.flow is None:
        return f"{head} is violated: no flow in its scope is allowed."
    rules = ", ".join(rule_id(r) for r in result.rules)
    if result.expect is Expect.ALLOW:
        why = f" (isolated by {rules}; no rule matches)" if rules else ""
        return f"{head} is violated: the flow {result.flow} is denied{why}."
    why = f" by {rules}" if rules else ""
    return f"{head} is violated: the flow {result.flow} is allowed{why}."


def _related(result: PropertyResult) -> tuple[Related, ...]:
    out = []
    for rule in result.rules:
        if rule.index is None:
            what = f"{rule}: isolates the {'destination' if rule.direction.value == 'Ingress' else 'source'}"
        elif result.expect is Expect.ALLOW:
            what = f"{rule}"
        else:
            what = f"{rule}: allows the counterexample flow"
        out.append(Related(rule.location, what))
    return tuple(out)


def check_findings(report: CheckReport) -> list[Finding]:
    """One finding per property that does not hold, in report order."""
    findings = []
    for r in report.results:
        if r.verdict is Verdict.HOLDS:
            continue
        props: dict[str, Any] = {
            "property": r.name,
            "verdict": r.verdict.value,
            "expect": r.expect.value,
            "universe": r.universe.value,
        }
        if r.flow is not None and r.verdict is Verdict.VIOLATED:
            props["counterexample"] = flow_json(r.flow)
        if r.rules:
            props["rules"] = [rule_json(rule) for rule in r.rules]
        if r.explanation:
            props["explanation"] = list(r.explanation)
        location: Location | None = r.location
        if not has_file(r.location):
            # A command-line property: point at the first rule involved, if any (else the
            # log's default artifact, see `sarif_log`).
            location = next((rule.location for rule in r.rules if has_file(rule.location)), None)
        findings.append(
            Finding(
                rule_id=property_rule(r).id,
                level=Level.ERROR,
                kind=Kind.FAIL if r.verdict is Verdict.VIOLATED else Kind.OPEN,
                message=violation_message(r),
                location=location,
                identity=(r.name, r.expect.value, *sorted(rule_id(rule) for rule in r.rules)),
                related=_related(r),
                properties=props,
            )
        )
    return findings


def check_sarif(report: CheckReport, *, inputs: Sequence[str] = ()) -> dict[str, Any]:
    """The SARIF log of a ``check``/``assert`` run; ``inputs`` as in `sarif_log`.

    Input warnings become warning notifications; properties whose verdict is ``error`` also
    become error notifications (so ``executionSuccessful`` is false). ``run.properties`` holds
    the verdict counts of *all* properties, including those that hold.
    """
    notes = [Notification(Level.WARNING, w) for w in report.warnings]
    notes.extend(
        Notification(Level.ERROR, violation_message(r), r.location)
        for r in report.results
        if r.verdict is Verdict.ERROR
    )
    summary = {v.value: report.count(v) for v in Verdict}
    rules = list(PROPERTY_RULES.values())
    if any(r.name == BASELINE_NAME for r in report.results):
        rules.append(BASELINE_RULE)
    # Without the caller's inputs: the manifests the rules involved come from, then the specs.
    files = [rule.location.file for r in report.results for rule in r.rules]
    files += [r.location.file for r in report.results]
    return sarif_log(
        rules,
        check_findings(report),
        notifications=notes,
        properties={"summary": summary, "properties": len(report.results)},
        inputs=[*inputs, *files],
    )


def write_check_sarif(report: CheckReport, out: TextIO, *, inputs: Sequence[str] = ()) -> None:
    write_sarif(check_sarif(report, inputs=inputs), out)


# --- lint reports -------------------------------------------------------------------------------

_LINT_LEVEL = {"error": Level.ERROR, "warning": Level.WARNING, "info": Level.NOTE}

# One sentence per lint ID (docs/questions.md has the full list); the SARIF rule descriptions.
LINT_DESCRIPTIONS = {
    "NV001": "The policy's podSelector selects no pod of the inventory.",
    "NV002": "The policy's podSelector can never select any pod (its requirements contradict).",
    "NV003": "A peer matches no pod of the inventory.",
    "NV004": "A peer can never match any endpoint (unsatisfiable).",
    "NV005": "Every peer of the rule matches nothing in the inventory: the rule is dead.",
    "NV006": "The rule is redundant: removing it changes no flow (shadowed by other rules).",
    "NV007": "The policy is vacuous: on its own it denies nothing.",
    "NV008": "The policy is redundant: removing it changes no flow.",
    "NV009": "Inventory pods are selected by no policy for a direction (not isolated).",
    "NV010": "A named port that no possible destination pod of the rule defines.",
    "NV011": "Egress isolation blocks DNS (UDP 53 to kube-system pods or any address).",
    "NV012": "Egress isolation allows DNS over UDP but not over TCP 53.",
    "NV013": "An allow-all rule (- {}) next to a default-deny policy.",
    "NV014": "from: [] / to: [] - an empty peer list means all peers.",
    "NV015": "egress: [] without policyTypes: egress is NOT isolated.",
    "NV016": "A podSelector that looks meant as a namespaceSelector.",
    "NV017": "A lone namespaceSelector peer next to a lone podSelector peer are OR-ed, not AND-ed.",
}


def lint_findings(report: LintReport) -> tuple[list[FindingRule], list[Finding]]:
    """Rules (one per lint ID present, ``NV001`` …) and one finding per lint finding.

    Each finding is located where its policy or rule was loaded (file, line, column). Its
    identity — hashed into the partial fingerprint — is the lint ID and the object, which
    names the policy and the rule (``ns/name ingress[0] peer[1]``); neither line numbers nor
    the message (which lists pods and counts that change as the inventory does) take part.
    Where one object has several findings of one ID (NV009 for Ingress and Egress), the
    direction word of the message, else the occurrence number, tells them apart.
    """
    rules: dict[str, FindingRule] = {}
    findings = []
    seen: dict[tuple[str, str], int] = {}
    for f in report.findings:
        key = (f.id, f.object)
        seen[key] = seen.get(key, 0) + 1
        identity: tuple[str, ...] = (f.id, f.object)
        direction = next((d for d in ("Ingress", "Egress") if d in f.message.split()), "")
        if direction:
            identity += (direction,)
        elif seen[key] > 1:
            identity += (str(seen[key]),)
        level = _LINT_LEVEL.get(f.severity.value, Level.WARNING)
        rules.setdefault(
            f.id,
            FindingRule(
                id=f.id,
                name=f"Lint{f.id}",
                short=LINT_DESCRIPTIONS.get(f.id, f"netverify lint {f.id}."),
                full=f"netverify lint {f.id} (docs/questions.md lists every lint ID).",
                level=level,
            ),
        )
        findings.append(
            Finding(
                rule_id=f.id,
                level=level,
                message=f"{f.object}: {f.message}" if f.object else f.message,
                location=f.location,
                identity=identity,
                properties={"object": f.object, "severity": f.severity.value},
            )
        )
    return sorted(rules.values(), key=lambda r: r.id), findings


def lint_sarif(report: LintReport, *, inputs: Sequence[str] = ()) -> dict[str, Any]:
    """The SARIF log of a ``lint`` run; checks that could not run are warning notifications."""
    rules, findings = lint_findings(report)
    notes = [Notification(Level.WARNING, w) for w in (*report.warnings, *report.skipped)]
    counts = {s.value: report.count(s) for s in Severity}
    return sarif_log(rules, findings, notifications=notes, properties={"summary": counts}, inputs=inputs)


def write_lint_sarif(report: LintReport, out: TextIO, *, inputs: Sequence[str] = ()) -> None:
    write_sarif(lint_sarif(report, inputs=inputs), out)


# --- diff results -------------------------------------------------------------------------------


def region_identity(region: FlowRegion) -> tuple[str, ...]:
    """What makes a region the same region across runs: its endpoint sets, protocols and ports."""
    return (
        region.source.description,
        region.destination.description,
        ",".join(p.value for p in region.protocols),
        region.port_text,
    )


def region_message(region: FlowRegion, rules: tuple[RuleRef, ...]) -> str:
    protocols = ",".join(p.value for p in region.protocols)
    by = f" by {', '.join(rule_id(r) for r in rules)}" if rules else " (no policy isolates it any more)"
    return (
        f"newly allowed: from {region.source.description} to {region.destination.description} on "
        f"{protocols} {region.port_text}; e.g. {region.example} is allowed{by}."
    )


def diff_findings(result: DiffResult, rules: list[tuple[RuleRef, ...]]) -> list[Finding]:
    """One finding per added region; ``rules[i]`` = the new rules allowing region i's example.

    The result is located at the first of those rules; all of them are related locations.
    """
    findings = []
    for region, allowing in zip(result.added.regions, rules, strict=True):
        located = [r for r in allowing if has_file(r.location)]
        findings.append(
            Finding(
                rule_id=DIFF_ADDED_RULE.id,
                level=DIFF_ADDED_RULE.level,
                message=region_message(region, allowing),
                location=located[0].location if located else None,
                identity=("diff/added", *region_identity(region)),
                related=tuple(Related(r.location, f"{r}: allows the example flow") for r in allowing),
                properties={"region": region_json(region), "rules": [rule_json(r) for r in allowing]},
            )
        )
    return findings


def diff_sarif(
    result: DiffResult, rules: list[tuple[RuleRef, ...]], *, inputs: Sequence[str] = ()
) -> dict[str, Any]:
    """The SARIF log of a ``diff`` run: added regions are results, the rest run properties.

    An incomplete added list (truncated, unknown) is a warning notification; an error (an
    example the oracle disagrees with) an error notification.
    """
    notes = [Notification(Level.WARNING, w) for w in result.warnings]
    for label, rl in (("added", result.added), ("removed", result.removed)):
        if rl.status is RegionStatus.ERROR:
            notes.append(Notification(Level.ERROR, f"{label}: {rl.reason or 'error'}"))
        elif rl.status is not RegionStatus.COMPLETE:
            notes.append(
                Notification(
                    Level.WARNING, f"{label} regions are {rl.status.value}: {rl.reason or 'more may exist'}"
                )
            )
    props = {
        "universe": result.universe.value,
        "added": {"status": result.added.status.value, "regions": len(result.added.regions)},
        "removed": {
            "status": result.removed.status.value,
            "regions": [region_json(r) for r in result.removed.regions],
        },
        "checks": {c: result.check_verdict(c).value for c in ("equivalent", "no-new-access")},
    }
    return sarif_log(
        [DIFF_ADDED_RULE], diff_findings(result, rules), notifications=notes, properties=props, inputs=inputs
    )


def write_diff_sarif(
    result: DiffResult, rules: list[tuple[RuleRef, ...]], out: TextIO, *, inputs: Sequence[str] = ()
) -> None:
    write_sarif(diff_sarif(result, rules, inputs=inputs), out)
