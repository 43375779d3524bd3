"""`verifier.cli.exit_codes.exit_code`: one function, every command, from hand-built results.

0 ok; 1 violated / refuted / a finding at --fail-on / a diff --fail-on hit; 2 any error verdict
or status; 3 unknown, only with --strict. 1 beats 2 beats 3.
"""

from __future__ import annotations

import ipaddress

import pytest

from verifier.cli.exit_codes import EXIT_OK, EXIT_UNKNOWN, EXIT_USAGE, EXIT_VIOLATED, exit_code, worst
from verifier.model import Protocol, Universe
from verifier.results import (
    CheckReport,
    DiffResult,
    Endpoint,
    EndpointKind,
    EndpointSet,
    Explanation,
    ExposureResult,
    Finding,
    Flow,
    FlowRegion,
    GateResult,
    GateStep,
    LintReport,
    MatrixResult,
    PropertyResult,
    RegionList,
    RegionStatus,
    Severity,
    Verdict,
)
from verifier.spec import Expect

H, V, U, E = Verdict.HOLDS, Verdict.VIOLATED, Verdict.UNKNOWN, Verdict.ERROR
COMPLETE, UNKNOWN, ERROR = RegionStatus.COMPLETE, RegionStatus.UNKNOWN, RegionStatus.ERROR

FLOW = Flow(
    source=Endpoint(kind=EndpointKind.EXTERNAL, ip=ipaddress.ip_address("198.51.100.1")),
    destination=Endpoint(kind=EndpointKind.POD, name="db", namespace="default", labels={"role": "db"}),
    port=6379,
    protocol=Protocol.TCP,
)
REGION = FlowRegion(
    source=EndpointSet(kind=EndpointKind.EXTERNAL, description="198.51.100.0/24"),
    destination=EndpointSet(kind=EndpointKind.POD, description="default/db"),
    protocols=(Protocol.TCP,),
    ports=(6379, 6379),
    example=FLOW,
)


def _check(*verdicts: Verdict) -> CheckReport:
    return CheckReport(
        results=tuple(
            PropertyResult(name=f"p{i}", expect=Expect.DENY, verdict=v, universe=Universe.INVENTORY)
            for i, v in enumerate(verdicts)
        )
    )


def _list(status: RegionStatus = COMPLETE, regions: int = 0) -> RegionList:
    return RegionList(status=status, regions=(REGION,) * regions)


def _diff(added: RegionList, removed: RegionList | None = None) -> DiffResult:
    return DiffResult(universe=Universe.INVENTORY, added=added, removed=removed or _list())


def _gate(*verdicts: Verdict) -> GateResult:
    steps = tuple(GateStep(name=f"s{i}", title=f"step {i}", verdict=v) for i, v in enumerate(verdicts))
    return GateResult(intent="x", universe=Universe.INVENTORY, steps=steps)


def _lint(*findings: tuple[Severity, bool]) -> LintReport:
    return LintReport(
        universe=Universe.INVENTORY,
        findings=tuple(
            Finding(id="NV001", severity=s, object=f"o{i}", message="m", in_baseline=old)
            for i, (s, old) in enumerate(findings)
        ),
    )


def test_worst_prefers_violated_then_error_then_unknown() -> None:
    assert worst([]) == EXIT_OK
    assert worst([EXIT_OK, EXIT_UNKNOWN, EXIT_USAGE, EXIT_VIOLATED]) == EXIT_VIOLATED
    assert worst([EXIT_UNKNOWN, EXIT_USAGE]) == EXIT_USAGE
    assert worst([EXIT_OK, EXIT_UNKNOWN]) == EXIT_UNKNOWN


@pytest.mark.parametrize(
    ("verdicts", "strict", "code"),
    [
        ((), False, 0),
        ((H,), False, 0),
        ((H, H), True, 0),
        ((H, V), False, 1),
        ((H, E), False, 2),
        ((H, U), False, 0),
        ((H, U), True, 3),
        ((U, V), True, 1),
        ((U, E), True, 2),
        ((E, V), False, 1),
        ((E, V, U), True, 1),
    ],
)
def test_check_and_assert(verdicts: tuple[Verdict, ...], strict: bool, code: int) -> None:
    assert exit_code(_check(*verdicts), strict=strict) == code


@pytest.mark.parametrize(
    ("added", "removed", "fail_on", "check", "strict", "code"),
    [
        # a plain diff reports; only an error is a failure
        (_list(regions=2), _list(regions=1), None, None, False, 0),
        (_list(UNKNOWN), _list(), None, None, True, 0),
        (_list(ERROR), _list(), None, None, False, 2),
        (_list(), _list(ERROR), None, None, False, 2),
        # --fail-on
        (_list(regions=1), _list(), "added", None, False, 1),
        (_list(), _list(regions=1), "added", None, False, 0),
        (_list(), _list(regions=1), "removed", None, False, 1),
        (_list(), _list(regions=1), "any", None, False, 1),
        (_list(ERROR), _list(), "added", None, False, 2),
        (_list(UNKNOWN), _list(), "added", None, False, 0),
        (_list(UNKNOWN), _list(), "added", None, True, 3),
        (_list(UNKNOWN, regions=1), _list(), "added", None, True, 1),
        (_list(), _list(ERROR), "added", None, False, 2),  # an error anywhere is 2
        # --check
        (_list(), _list(), None, "equivalent", False, 0),
        (_list(), _list(regions=1), None, "equivalent", False, 1),
        (_list(), _list(regions=1), None, "no-new-access", False, 0),
        (_list(UNKNOWN), _list(), None, "no-new-access", False, 0),
        (_list(UNKNOWN), _list(), None, "no-new-access", True, 3),
        (_list(ERROR), _list(), None, "no-new-access", False, 2),
        (_list(regions=1), _list(ERROR), "added", "equivalent", True, 1),
    ],
)
def test_diff(
    added: RegionList, removed: RegionList, fail_on: str | None, check: str | None, strict: bool, code: int
) -> None:
    assert exit_code(_diff(added, removed), strict=strict, fail_on=fail_on, check=check) == code


@pytest.mark.parametrize(
    ("verdicts", "strict", "code"),
    [
        ((H, H, H), False, 0),
        ((V, H, H), False, 1),
        ((H, E, H), False, 2),
        ((H, H, U), False, 0),
        ((H, H, U), True, 3),
        ((U, E, V), True, 1),
    ],
)
def test_gate(verdicts: tuple[Verdict, ...], strict: bool, code: int) -> None:
    assert exit_code(_gate(*verdicts), strict=strict) == code


@pytest.mark.parametrize(
    ("findings", "fail_on", "code"),
    [
        ((), None, 0),
        (((Severity.ERROR, False),), None, 1),  # --fail-on error is the default
        (((Severity.ERROR, True),), None, 0),  # in the baseline: not new
        (((Severity.WARNING, False),), "error", 0),
        (((Severity.WARNING, False),), "warning", 1),
        (((Severity.INFO, False),), "warning", 0),
        (((Severity.INFO, False),), "info", 1),
        (((Severity.ERROR, False),), "never", 0),
    ],
)
def test_lint(findings: tuple[tuple[Severity, bool], ...], fail_on: str | None, code: int) -> None:
    assert exit_code(_lint(*findings), fail_on=fail_on) == code


@pytest.mark.parametrize(
    ("regions", "strict", "code"),
    [
        (_list(regions=3), False, 0),  # exposure reports, it does not judge
        (_list(UNKNOWN), False, 0),
        (_list(UNKNOWN), True, 3),
        (_list(ERROR), False, 2),  # as diff: an error status is 2
        (_list(ERROR), True, 2),
    ],
)
def test_exposure(regions: RegionList, strict: bool, code: int) -> None:
    result = ExposureResult(universe=Universe.ANY, destination="role=db", regions=regions)
    assert exit_code(result, strict=strict) == code


def test_exposure_and_diff_agree_on_an_error_status() -> None:
    error = _list(ERROR)
    exposure = ExposureResult(universe=Universe.ANY, destination="role=db", regions=error)
    assert exit_code(exposure) == exit_code(_diff(error)) == EXIT_USAGE


@pytest.mark.parametrize("strict", [False, True])
def test_explain_and_matrix_succeed(strict: bool) -> None:
    matrix = MatrixResult(endpoints=("a/x",), port=80, protocol=Protocol.TCP, rows=(1,))
    assert exit_code(matrix, strict=strict) == EXIT_OK


@pytest.mark.parametrize(
    ("undecided", "strict", "code"),
    [
        ("", False, EXIT_OK),
        ("", True, EXIT_OK),
        ("same-priority conflict", False, EXIT_OK),
        ("same-priority conflict", True, EXIT_UNKNOWN),
    ],
)
def test_explain_of_an_undecided_flow_is_unknown(undecided: str, strict: bool, code: int) -> None:
    """explain: a flow the manifests leave to the implementation is unknown (3 with --strict);
    a decided flow succeeds, allowed or denied."""
    for allowed in (False, True):
        result = Explanation(flow=FLOW, allowed=allowed and not undecided, undecided=undecided)
        assert exit_code(result, strict=strict) == code
