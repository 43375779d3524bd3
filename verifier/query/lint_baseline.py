"""``lint`` baselines: the findings of a previous JSON report, and marking the findings of
this run that it already holds (matched by ID, object and `Finding.fingerprint`), so that CI
fails on `LintReport.new_findings` only.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from verifier.errors import InputError, Location, Problem
from verifier.results import Finding, Severity


def _location(value: object) -> Location:
    if not isinstance(value, dict):
        return Location("<baseline>")
    file, line, column = value.get("file"), value.get("line"), value.get("column")
    return Location(
        file if isinstance(file, str) else "<baseline>",
        line if isinstance(line, int) else 0,
        column if isinstance(column, int) else 0,
    )


def read_lint_baseline(path: str | Path) -> tuple[Finding, ...]:
    """The findings of a previous ``lint`` JSON report (``netverify lint … --format json``),
    to pass as ``lint(…, baseline=…)``. Raises `InputError` naming what is wrong."""
    where = Location(str(path))

    def bad(field: str, message: str) -> InputError:
        return InputError([Problem(where, "lint baseline", field, message)])

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise bad("", f"cannot read it: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise bad("", f"not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise bad("findings", "not a lint JSON report (netverify lint --format json): no findings list")
    schema = data.get("schema")
    if schema is not None and not (isinstance(schema, str) and schema.startswith("netverify.lint/")):
        raise bad("schema", f"{schema!r} is not a lint report (netverify.lint/v1)")
    found = []
    for i, raw in enumerate(data["findings"]):
        if not isinstance(raw, dict):
            raise bad(f"findings[{i}]", "not an object")
        for key in ("id", "object", "message"):
            if not isinstance(raw.get(key), str):
                raise bad(f"findings[{i}].{key}", "missing or not a string")
        severity = raw.get("severity")
        known = isinstance(severity, str) and severity in {s.value for s in Severity}
        found.append(
            Finding(
                id=raw["id"],
                severity=Severity(severity) if known and isinstance(severity, str) else Severity.INFO,
                object=raw["object"],
                message=raw["message"],
                location=_location(raw),
            )
        )
    return tuple(found)


def _key(f: Finding) -> tuple[str, str, str]:
    return (f.id, f.object, f.fingerprint)


def apply_baseline(findings: Sequence[Finding], baseline: Sequence[Finding]) -> tuple[list[Finding], int]:
    """``findings`` with those present in ``baseline`` (same ID, object and fingerprint; each
    baseline entry accounts for one finding) marked `Finding.in_baseline`, and how many
    baseline findings are gone."""
    left = Counter(_key(f) for f in baseline)
    out = []
    for f in findings:
        if left[_key(f)] > 0:
            left[_key(f)] -= 1
            f = f.model_copy(update={"in_baseline": True})
        out.append(f)
    return out, sum(left.values())


__all__ = ["apply_baseline", "read_lint_baseline"]
