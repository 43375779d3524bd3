"""The shared upstream e2e conformance sample through the public CLI: `netverify matrix --format json`.

Each case of ../shared/conformance/cases becomes Namespace/Pod manifests (with status.podIP and
named container ports) plus its NetworkPolicies; every probed port/protocol must reproduce the
upstream expectation exactly on the 72 off-diagonal cells (upstream does not grade loopback).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tests.casefiles import write_case_manifests
from tests.paths import SHARED_CASES
from verifier.cli import app

CASES = SHARED_CASES
ORDER = [f"{ns}/{pod}" for ns in "xyz" for pod in "abc"]


def _cases() -> list[Any]:
    if not CASES.is_dir():
        return [pytest.param(None, None, marks=pytest.mark.skip(reason=f"{CASES} not present"))]
    params = []
    for path in sorted(CASES.glob("*.yaml")):
        case = yaml.safe_load(path.read_text())
        for probe in case["expect"]:
            params.append(pytest.param(case, probe, id=f"{case['name']}-{probe['port']}-{probe['protocol']}"))
    return params


@pytest.mark.parametrize(("case", "probe"), _cases())
def test_conformance_matrix_is_exact_off_diagonal(
    case: dict[str, Any], probe: dict[str, Any], tmp_path: Path
) -> None:
    paths = write_case_manifests(case, tmp_path)
    argv = [
        "matrix",
        *paths,
        "--port",
        str(probe["port"]),
        "--protocol",
        probe["protocol"],
        "--format",
        "json",
    ]
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["schema"] == "netverify.matrix/v1"
    assert out["port"] == probe["port"] and out["protocol"] == probe["protocol"]
    assert sorted(out["endpoints"]) == sorted(ORDER)
    index = {name: i for i, name in enumerate(out["endpoints"])}
    want = {
        line.split(":", 1)[0]: [v == "1" for v in line.split(":", 1)[1].split()] for line in probe["matrix"]
    }
    wrong = [
        (src, dst, out["allowed"][index[src]][index[dst]])
        for i, src in enumerate(ORDER)
        for j, dst in enumerate(ORDER)
        if i != j and out["allowed"][index[src]][index[dst]] != want[src][j]
    ]
    assert not wrong, f"{len(wrong)} wrong cells (source, destination, got): {wrong[:5]}"
    assert out["conditional"] == []  # every pod has an IP: nothing may be left undecided
