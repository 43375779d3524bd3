"""SARIF 2.1.0 output, for GitHub code scanning and every other SARIF viewer.

The log is generic (`verifier.report.sarif.log`): it takes `FindingRule`s (one per property
kind or lint ID) and `SarifResult`s (rule ID, level, message, a primary `Location`, related
locations), so ``check``, ``lint`` and ``diff`` share it; `verifier.report.sarif.locations`
turns loading locations into SARIF ones. One module per command builds its results —
`verifier.report.sarif.check`, `.lint`, `.diff`. `check_findings` turns a `CheckReport` into
results:

- one result per property that does not hold, located at the property in its spec file,
  with ``relatedLocations`` at the policies and rules involved (file, line, column from
  loading). Properties that hold produce no result: code scanning turns every result into an
  alert, and a property that starts to hold again closes its alert;
- ``violated`` → ``kind: fail``, ``level: error``; ``unknown`` → ``kind: open`` (SARIF's
  "could not determine pass or fail") — never a pass; ``error`` → ``kind: open`` plus an
  error notification in the invocation, whose ``executionSuccessful`` is then false;
- ``partialFingerprints["netverifyFinding/v1"]`` hashes the property name, its kind and the
  involved rule IDs (``namespace/name ingress[0]``; a rule of a cluster-wide tier policy is
  ``AdminNetworkPolicy/name egress[0]``, located at the rule in its manifest), never line
  numbers: moving a property in its file keeps its alert.

Every result has a location, as GitHub code scanning requires: a repository-relative URI
(``%SRCROOT%`` = the working directory; a file outside it gets a ``../`` path, never an
absolute one) with a region whose ``startLine`` is at least 1. A finding that has no file of
its own — a property given on the command line whose counterexample involves no rule, a lint
finding about a namespace (``<inventory>``), a diff region no policy isolates any more, the
baseline pseudo-property without a rule — is located at line 1 of the run's *default
artifact*: the first input manifest (``diff``: of the new version), else the first spec file.
Input read from stdin is the artifact ``stdin``.
"""

from verifier.report.sarif.check import (
    BASELINE_RULE,
    PROPERTY_RULES,
    check_findings,
    check_sarif,
    property_rule,
    violation_message,
    write_check_sarif,
)
from verifier.report.sarif.diff import (
    DIFF_ADDED_RULE,
    diff_findings,
    diff_sarif,
    region_identity,
    region_message,
    write_diff_sarif,
)
from verifier.report.sarif.lint import (
    LINT_DESCRIPTIONS,
    lint_findings,
    lint_sarif,
    write_lint_sarif,
)
from verifier.report.sarif.locations import (
    COMMAND_LINE_URI,
    SRCROOT,
    STDIN_URI,
    artifact_uri,
    default_location,
    has_file,
    location_json,
    location_text,
    physical_location,
)
from verifier.report.sarif.log import (
    FALLBACK_NOTE,
    FINGERPRINT_KEY,
    SARIF_SCHEMA_URI,
    SARIF_VERSION,
    FindingRule,
    Kind,
    Level,
    Notification,
    Related,
    SarifResult,
    fingerprint,
    rule_id,
    rule_text,
    sarif_log,
    write_sarif,
)

__all__ = [
    "BASELINE_RULE",
    "COMMAND_LINE_URI",
    "DIFF_ADDED_RULE",
    "FALLBACK_NOTE",
    "FINGERPRINT_KEY",
    "LINT_DESCRIPTIONS",
    "PROPERTY_RULES",
    "SARIF_SCHEMA_URI",
    "SARIF_VERSION",
    "SRCROOT",
    "STDIN_URI",
    "FindingRule",
    "Kind",
    "Level",
    "Notification",
    "Related",
    "SarifResult",
    "artifact_uri",
    "check_findings",
    "check_sarif",
    "default_location",
    "diff_findings",
    "diff_sarif",
    "fingerprint",
    "has_file",
    "lint_findings",
    "lint_sarif",
    "location_json",
    "location_text",
    "physical_location",
    "property_rule",
    "region_identity",
    "region_message",
    "rule_id",
    "rule_text",
    "sarif_log",
    "violation_message",
    "write_check_sarif",
    "write_diff_sarif",
    "write_lint_sarif",
    "write_sarif",
]
