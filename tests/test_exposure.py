"""``exposure``: regions of allowed flows into a destination set, checked against the oracle."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.strategies import clusters, flows, sel
from verifier.cli import app
from verifier.load import load_cluster
from verifier.model import AnalysisOptions, Universe
from verifier.oracle import decide
from verifier.query.exposure import destination_peer, exposure
from verifier.results import EndpointKind, RegionStatus

ROOT = Path(__file__).resolve().parents[1]
SEED = str(ROOT / "examples" / "seed")


def test_seed_db_exposure_in_the_inventory() -> None:
    cluster = load_cluster([SEED]).cluster
    result = exposure(
        cluster, destination_peer(None, sel(role="db")), AnalysisOptions(universe=Universe.INVENTORY)
    )
    assert result.regions.status is RegionStatus.COMPLETE
    pods = {p for r in result.regions.regions for g in r.source.groups for p in g.pods}
    # frontend: podSelector peer; api: namespaceSelector peer; monitoring: its IP is in the ipBlock.
    assert {"default/frontend", "myproject/api", "default/monitoring"} <= pods
    assert not pods & {"other/batch", "other/sink"}  # in the except range / outside the block
    kinds = {r.source.kind for r in result.regions.regions}
    assert kinds == {EndpointKind.POD, EndpointKind.EXTERNAL}
    for r in result.regions.regions:
        assert r.ports == (6379, 6379) and decide(cluster, r.example).allowed
        assert r.example.destination.labels.get("role") == "db"


def test_seed_db_exposure_any_universe_lists_future_pods() -> None:
    cluster = load_cluster([SEED]).cluster
    result = exposure(cluster, destination_peer(None, sel(role="db")), AnalysisOptions(universe=Universe.ANY))
    assert EndpointKind.NEW_POD in {r.source.kind for r in result.regions.regions}
    for r in result.regions.regions:
        assert decide(cluster, r.example).allowed


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_examples_are_allowed_and_nothing_means_nothing(data: st.DataObject) -> None:
    cluster = data.draw(clusters(max_pods=4, max_policies=3))
    universe = data.draw(st.sampled_from(tuple(Universe)))
    target = data.draw(st.sampled_from(("a", "b", "c")))
    peer = destination_peer(None, sel(app=target))
    result = exposure(cluster, peer, AnalysisOptions(universe=universe, timeout_s=20), max_regions=6)
    assert result.regions.status is not RegionStatus.ERROR
    for r in result.regions.regions:
        assert decide(cluster, r.example).allowed
        assert r.example.destination.labels.get("app") == target
    if result.regions.proved_empty:
        for _ in range(15):
            f = data.draw(flows(cluster))
            if (
                f.destination.is_pod
                and f.destination.labels.get("app") == target
                and f.source != f.destination
            ):
                assert not decide(cluster, f).allowed or decide(cluster, f).self_traffic


def test_cli_exposure_json() -> None:
    out = CliRunner().invoke(app, ["exposure", SEED, "--to-pod", "role=db", "-f", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["schema"] == "netverify.exposure/v1" and data["status"] == "complete"
    assert data["regions"]
