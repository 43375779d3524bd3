"""The generic SARIF 2.1.0 log: reporting rules (`FindingRule`), results (`SarifResult`),
notifications, and `sarif_log`, which ``check``, ``lint`` and ``diff`` share."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TextIO

from verifier import __version__
from verifier.errors import Location
from verifier.report.json_out import dump_json
from verifier.report.sarif.locations import (
    COMMAND_LINE_URI,
    SRCROOT,
    default_location,
    has_file,
    location_json,
)
from verifier.results import AnyRuleRef, TierRuleRef

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT_KEY = "netverifyFinding/v1"


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
class SarifResult:
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


def fingerprint(identity: tuple[str, ...]) -> str:
    """A stable hash of a finding's identity (NUL-separated, so parts cannot run together)."""
    return hashlib.sha256("\0".join(identity).encode()).hexdigest()[:32]


def rule_id(rule: AnyRuleRef) -> str:
    """The stable identity of a rule: ``namespace/name ingress[0]``, for a tier rule
    ``AdminNetworkPolicy/name egress[0]`` (no line numbers, no rule name or action)."""
    if isinstance(rule, TierRuleRef):
        return f"{rule.policy} {rule.direction.value.lower()}[{rule.index}]"
    return str(rule)


def rule_text(rule: AnyRuleRef) -> str:
    """A rule in a message: its id, and for a tier rule its tier and action as written
    (``AdminNetworkPolicy/deny-dev egress[0] (Admin tier, Deny)``)."""
    if isinstance(rule, TierRuleRef):
        return f"{rule_id(rule)} ({rule.tier} tier, {rule.action})"
    return rule_id(rule)


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


def _result_json(finding: SarifResult, rule_index: dict[str, int], fallback: Location) -> dict[str, Any]:
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
        primary = location_json(finding.location)
    if primary is None:
        # Code scanning rejects a result without a location: the run's default artifact.
        primary = location_json(fallback, FALLBACK_NOTE) or location_json(
            Location(COMMAND_LINE_URI, 1), FALLBACK_NOTE
        )
    out["locations"] = [primary]
    related = [
        loc
        for n, r in enumerate(finding.related)
        if (loc := location_json(r.location, r.message, ident=n + 1)) is not None
    ]
    if related:
        out["relatedLocations"] = related
    out["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint(finding.identity)}
    if finding.properties:
        out["properties"] = finding.properties
    return out


def _notification_json(note: Notification) -> dict[str, Any]:
    out: dict[str, Any] = {"level": note.level.value, "message": {"text": note.message}}
    if note.location is not None and (loc := location_json(note.location)) is not None:
        out["locations"] = [loc]
    return out


def sarif_log(
    rules: list[FindingRule],
    findings: list[SarifResult],
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
