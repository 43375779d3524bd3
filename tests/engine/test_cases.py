"""E2e-style matrix cases: the project's own (tests/cases) and the shared upstream sample.

Each case (format: ../shared/conformance/README.md) is written out as manifests — Namespaces,
Pods with ``status.podIP`` and named container ports, the NetworkPolicies verbatim — loaded
with the real loader, and every probed port/protocol is computed by the matrix engine and
decided cell by cell by the oracle; both must equal the expected matrix. The diagonal is
graded unless the case says ``ignore_diagonal`` (upstream does not grade self traffic).
An optional ``ipblock_pods: false`` runs the case with ipBlocks matching external addresses only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.casefiles import write_case_manifests
from tests.paths import SHARED_CASES, TESTS
from verifier.engine import compute_matrix
from verifier.load import load_cluster
from verifier.model import AnalysisOptions, Cluster, Protocol
from verifier.oracle import decide, pod_endpoint
from verifier.results import Flow

OWN = TESTS / "cases"
SHARED = SHARED_CASES


def _case_files() -> list[Any]:
    params = [pytest.param(p, id=f"own/{p.stem}") for p in sorted(OWN.glob("*.yaml"))]
    if SHARED.is_dir():
        params += [pytest.param(p, id=f"shared/{p.stem}") for p in sorted(SHARED.glob("*.yaml"))]
    return params


def _expected(expect: dict[str, Any]) -> tuple[list[str], list[list[bool]]]:
    order: list[str] = []
    cells: list[list[bool]] = []
    for line in expect["matrix"]:
        name, values = line.split(":", 1)
        order.append(name.strip())
        cells.append([v == "1" for v in values.split()])
    return order, cells


def _oracle(cluster: Cluster, src: str, dst: str, port: int, protocol: Protocol, ipblock_pods: bool) -> bool:
    pods = {p.key: p for p in cluster.pods}
    flow = Flow(
        source=pod_endpoint(cluster, pods[src]),
        destination=pod_endpoint(cluster, pods[dst]),
        port=port,
        protocol=protocol,
    )
    return decide(cluster, flow, ipblock_pods=ipblock_pods).allowed


@pytest.mark.parametrize("path", _case_files())
def test_case(path: Path, tmp_path: Path) -> None:
    case = yaml.safe_load(path.read_text())
    cluster = load_cluster(write_case_manifests(case, tmp_path)).cluster
    ipblock_pods = case.get("ipblock_pods", True)
    options = AnalysisOptions(ipblock_pods=ipblock_pods)
    grade_diagonal = not case.get("ignore_diagonal", False)
    for expect in case["expect"]:
        port, protocol = int(expect["port"]), Protocol(expect["protocol"])
        order, want = _expected(expect)
        m = compute_matrix(cluster, port, protocol, options)
        assert sorted(m.endpoints) == sorted(order)
        assert m.conditional == ()
        wrong = []
        for i, src in enumerate(order):
            for j, dst in enumerate(order):
                if i == j and not grade_diagonal:
                    continue
                got = m.allowed(m.endpoints.index(src), m.endpoints.index(dst))
                oracle = _oracle(cluster, src, dst, port, protocol, ipblock_pods)
                if got != want[i][j] or oracle != want[i][j]:
                    wrong.append(f"{src} -> {dst}: expected {want[i][j]}, engine {got}, oracle {oracle}")
        assert not wrong, f"{case['name']} {protocol}/{port}:\n" + "\n".join(wrong)


def test_own_cases_exist_and_cover_the_gaps_of_the_shared_sample() -> None:
    features = set()
    for path in OWN.glob("*.yaml"):
        features.update(yaml.safe_load(path.read_text())["features"])
    wanted = {
        "endPort",
        "IPv6",
        "Exists",
        "DoesNotExist",
        "egress-empty-list",
        "protocol-mismatch",
        "UDP",
        "SCTP",
    }
    assert wanted <= features, wanted - features
    assert any(yaml.safe_load(p.read_text()).get("ipblock_pods") is False for p in OWN.glob("*.yaml"))
