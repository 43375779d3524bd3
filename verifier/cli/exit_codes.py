"""Exit codes of every command, from its result alone (design.md §5).

0 every property holds / the command succeeded; 1 a property is violated or refuted, a lint
finding at the ``--fail-on`` level, a ``diff --fail-on`` hit; 2 usage or input error, and any
``error`` verdict or status in a result; 3 inconclusive (unknown) — only with ``--strict``,
else it is reported and the rest decides. When several apply, the most actionable wins:
1 before 2 before 3.

Usage and input errors never reach this function: `verifier.cli.common.guarded` turns them
into 2. The results are imported inside the function so that ``netverify --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from verifier.results import RegionList, Verdict

EXIT_OK = 0
EXIT_VIOLATED = 1
EXIT_USAGE = 2
EXIT_UNKNOWN = 3

# Lint severities from the worst; ``--fail-on LEVEL`` fails on LEVEL and everything worse.
_LINT_LEVELS = ("error", "warning", "info")


def worst(codes: Iterable[int]) -> int:
    """The code that wins: 1 (violated) before 2 (error) before 3 (unknown) before 0."""
    found = set(codes)
    for code in (EXIT_VIOLATED, EXIT_USAGE, EXIT_UNKNOWN):
        if code in found:
            return code
    return EXIT_OK


def verdict_code(verdict: Verdict, *, strict: bool) -> int:
    """One verdict: violated 1, error 2, unknown 3 with ``strict`` (else 0), holds 0."""
    from verifier.results import Verdict

    if verdict is Verdict.VIOLATED:
        return EXIT_VIOLATED
    if verdict is Verdict.ERROR:
        return EXIT_USAGE
    if verdict is Verdict.UNKNOWN and strict:
        return EXIT_UNKNOWN
    return EXIT_OK


def _status_code(lists: Iterable[RegionList], *, strict: bool) -> int:
    """Region lists: an error status 2, an unknown one 3 with ``strict``, else 0."""
    from verifier.results import RegionStatus

    statuses = {rl.status for rl in lists}
    if RegionStatus.ERROR in statuses:
        return EXIT_USAGE
    if strict and RegionStatus.UNKNOWN in statuses:
        return EXIT_UNKNOWN
    return EXIT_OK


def exit_code(
    result: object, *, strict: bool = False, fail_on: str | None = None, check: str | None = None
) -> int:
    """The exit code of a command whose result is ``result``.

    - `CheckReport` (``check``, ``assert``): the worst verdict of its properties.
    - `DiffResult` (``diff``): ``check`` (equivalent / no-new-access) refuted 1, error 2,
      unknown 3 with ``strict``; ``fail_on`` (added / removed / any): regions in those lists 1,
      else their error 2 or (``strict``) unknown 3; an error in either list is 2 regardless.
    - `GateResult` (``gate``): its verdict.
    - `LintReport` (``lint``): 1 if a new finding is at ``fail_on`` (error / warning / info;
      default error) or worse, 0 with ``never``.
    - `ExposureResult` (``exposure``): an error status 2, unknown 3 with ``strict``.
    - `Explanation` (``explain``): a flow the manifests leave undecided (a same-priority tier
      conflict, a ``domainNames`` peer) is unknown: 3 with ``strict``; else 0.
    - `FixReport` (``fix``): 1 if a violated property has no proved fix inside its scope; a
      property that could not be decided: error 2, unknown 3 with ``strict``; else 0.
    - anything else (``matrix``): 0.
    """
    from verifier.results import (
        CheckReport,
        DiffResult,
        Explanation,
        ExposureResult,
        FixReport,
        GateResult,
        LintReport,
        Severity,
    )

    if isinstance(result, CheckReport):
        return worst(verdict_code(r.verdict, strict=strict) for r in result.results)
    if isinstance(result, DiffResult):
        codes = [EXIT_OK]
        if check is not None:
            codes.append(verdict_code(result.check_verdict(check), strict=strict))
        if fail_on is not None:
            lists = {
                "added": (result.added,),
                "removed": (result.removed,),
                "any": (result.added, result.removed),
            }[fail_on]
            codes.append(
                EXIT_VIOLATED if any(rl.regions for rl in lists) else _status_code(lists, strict=strict)
            )
        codes.append(_status_code((result.added, result.removed), strict=False))
        return worst(codes)
    if isinstance(result, GateResult):
        return verdict_code(result.verdict, strict=strict)
    if isinstance(result, LintReport):
        level = fail_on or "error"
        if level == "never":
            return EXIT_OK
        failing = _LINT_LEVELS[: _LINT_LEVELS.index(level) + 1]
        return EXIT_VIOLATED if any(result.count_new(Severity(s)) for s in failing) else EXIT_OK
    if isinstance(result, ExposureResult):
        return _status_code((result.regions,), strict=strict)
    if isinstance(result, Explanation):
        return EXIT_UNKNOWN if strict and result.undecided else EXIT_OK
    if isinstance(result, FixReport):
        return worst(
            (EXIT_OK if r.best is not None else EXIT_VIOLATED)
            if r.needs_fix
            else verdict_code(r.verdict, strict=strict)
            for r in result.results
        )
    return EXIT_OK
