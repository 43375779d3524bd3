"""The benchmark harness's pure parts (benchmarks/run.py): pairing, ratios, the generated spec.
No benchmark is run here."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.paths import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

from run import PAIRS, _ratio, deny_spec, ordered_commands

from verifier.model import Protocol
from verifier.spec import load_specs


def test_commands_run_pair_by_pair_nca_first() -> None:
    cmds = ordered_commands({"nca", "netverify"}, set())
    order = [(c.tool, c.query) for c in cmds]
    for _, _, nv_query in PAIRS:
        # right after the first NCA query it is compared with (a shared run is made once)
        first_nca = next(n for _, n, v in PAIRS if v == nv_query)
        assert order.index(("netverify", nv_query)) == order.index(("nca", first_nca)) + 1
    assert len(order) == len(set(order))  # the shared netverify run is not repeated
    assert ("nca", "connectivity-json") not in order  # not a default query
    assert {c.tool for c in ordered_commands({"netverify"}, set())} == {"netverify"}
    assert [q for _, q in ((c.tool, c.query) for c in ordered_commands({"netverify"}, {"diff"}))] == ["diff"]


def test_ratio_is_nca_over_netverify_and_a_lower_bound_on_timeout() -> None:
    ok = {"status": "ok", "seconds": 2.0}
    assert _ratio({"status": "ok", "seconds": 50.0}, ok, 180) == "25×"
    assert _ratio({"status": "ok", "seconds": 3.0}, ok, 180) == "1.5×"
    assert _ratio({"status": "timeout", "seconds": 180.2}, ok, 180) == "> 90×"
    assert _ratio({"status": "ok", "seconds": 3.0}, {"status": "error", "seconds": 0.1}, 180) == "–"


def test_generated_deny_spec_is_a_valid_spec(tmp_path: Path) -> None:
    spec = tmp_path / "deny.yaml"
    spec.write_text(deny_spec("metadata:\n  labels:\n    env: dev\n    env: prod\n"), encoding="utf-8")
    (prop,) = load_specs([str(spec)])
    assert prop.expect.value == "deny"
    assert prop.universe is None  # taken from --universe, so one file serves both runs
    assert [(p.port, p.protocol) for p in prop.ports] == [(5432, Protocol.TCP)]
