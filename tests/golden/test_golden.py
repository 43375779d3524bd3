"""Golden examples by outcome (tests/golden/<outcome>/<case>/, see its README).

Contract: every property of a case under ``holds/`` holds, under ``violated/`` is violated
with a counterexample the oracle replays, under ``unknown/`` is inconclusive (never a proof),
under ``error/`` is an error with a reason. The outcome is the folder's name, so adding a case
is adding a folder; each case's spec descriptions say why.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from verifier.load import load_cluster
from verifier.model import AnalysisOptions, Universe, parse_network
from verifier.oracle import decide
from verifier.query.check import check
from verifier.results import Verdict
from verifier.spec import Expect, load_specs

GOLDEN = Path(__file__).resolve().parent  # the runner lives with its cases
CASES = sorted(p for p in GOLDEN.glob("*/*") if p.is_dir())


def _options(case: Path) -> tuple[AnalysisOptions, bool]:
    path = case / "options.yaml"
    raw = yaml.safe_load(path.read_text()) if path.exists() else {}
    options = AnalysisOptions(
        universe=Universe(raw["universe"]) if "universe" in raw else None,
        pod_cidrs=tuple(parse_network(c) for c in raw.get("pod_cidrs", ())),
        ipblock_pods=raw.get("ipblock_pods", True),
        rlimit=raw.get("rlimit", 0),
    )
    return options, bool(raw.get("assume_unlabelled_namespaces", False))


def test_every_outcome_has_cases() -> None:
    assert {c.parent.name for c in CASES} == {"holds", "violated", "unknown", "error"}


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.parent.name}/{c.name}")
def test_golden_case(case: Path) -> None:
    manifests = sorted(str(p) for p in case.glob("*.yaml") if p.name not in ("spec.yaml", "options.yaml"))
    options, assume = _options(case)
    cluster = load_cluster(manifests, assume_unlabelled_namespaces=assume).cluster
    properties = load_specs([str(case / "spec.yaml")])
    want = Verdict(case.parent.name)
    for result in check(cluster, properties, options).results:
        assert result.verdict is want, f"{result.name}: {result.verdict} ({result.reason})"
        if want is Verdict.VIOLATED:
            assert result.flow is not None
            expected = next(p for p in properties if p.name == result.name).expect is not Expect.ALLOW
            assert decide(cluster, result.flow, ipblock_pods=options.ipblock_pods).allowed == expected
        if want in (Verdict.UNKNOWN, Verdict.ERROR):
            assert result.reason, result.name
