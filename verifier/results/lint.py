"""``lint``: findings (a stable ID, the object, a one-line why), their fingerprints, and
the report of a run."""

from __future__ import annotations

import hashlib
import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from verifier.errors import Location
from verifier.model import Universe


class Severity(StrEnum):
    """How bad a lint finding is."""

    ERROR = "error"  # traffic is certainly not what the author meant (e.g. DNS blocked)
    WARNING = "warning"  # likely a mistake (dead rule, trap)
    INFO = "info"  # worth knowing (unprotected pods, redundant rule)


# ``file.yaml:12:5`` inside a message: the line and column are dropped from the fingerprint.
_LOCATED = re.compile(r"([\w./-]+\.(?:ya?ml|json)):\d+(?::\d+)?")


def finding_fingerprint(id_: str, obj: str, message: str) -> str:
    """A stable fingerprint of a lint finding: its ID, object and message, with line and
    column numbers removed and whitespace collapsed (16 hex digits of a SHA-256)."""
    text = " ".join(_LOCATED.sub(r"\1", message).split())
    return hashlib.sha256(f"{id_}\x1f{obj}\x1f{text}".encode()).hexdigest()[:16]


class Finding(BaseModel):
    """One lint finding: a stable ``id`` (NV001…), the object and a one-line why.

    ``in_baseline`` is True when ``lint`` was given a baseline (a previous run's findings)
    holding the same finding (same ID, object and `fingerprint`): it existed before."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    severity: Severity
    object: str
    message: str
    location: Location = Location("<unknown>")
    in_baseline: bool = False

    @property
    def fingerprint(self) -> str:
        """`finding_fingerprint` of this finding: independent of where it was loaded from."""
        return finding_fingerprint(self.id, self.object, self.message)

    @property
    def is_new(self) -> bool:
        return not self.in_baseline


class LintReport(BaseModel):
    """Every finding, in a stable order, plus the checks that could not run and why."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    universe: Universe
    findings: tuple[Finding, ...]
    skipped: tuple[str, ...] = ()
    seconds: float = 0.0
    warnings: tuple[str, ...] = ()
    #: The DNS service NV011/NV012 checked against, and where it came from ("" before it was set).
    dns: str = ""
    #: True when a baseline was given: `Finding.in_baseline` is meaningful.
    baselined: bool = False
    #: Findings of the baseline that this run no longer reports.
    resolved: int = 0

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    @property
    def new_findings(self) -> tuple[Finding, ...]:
        """The findings not in the baseline (all of them without one): what CI fails on."""
        return tuple(f for f in self.findings if not f.in_baseline)

    def count_new(self, severity: Severity) -> int:
        return sum(1 for f in self.new_findings if f.severity is severity)
