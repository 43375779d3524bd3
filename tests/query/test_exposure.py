"""``exposure``: regions of allowed flows into a destination set, checked against the oracle."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests import paths
from tests.brute import inventory_flows
from tests.strategies import clusters, make_cluster, make_pod, make_policy, sel
from verifier.cli import app
from verifier.load import load_cluster
from verifier.model import AnalysisOptions, Cluster, Universe
from verifier.oracle import decide
from verifier.query.exposure import destination_peer, exposure
from verifier.results import EndpointKind, RegionStatus

SEED = str(paths.SEED)


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
    # Mostly an app some pod has (so that "nothing" is about real pods), now and then any.
    present = sorted({p.labels["app"] for p in cluster.pods if "app" in p.labels})
    target = data.draw(
        st.sampled_from(present)
        if present and data.draw(st.booleans(), "present")
        else st.sampled_from(("a", "b", "c"))
    )
    if data.draw(st.booleans(), "shut"):
        # Every namespace denies ingress to the target (other policies may still open it):
        # proved-empty answers with target pods in the inventory come up.
        shut = tuple(
            make_policy(ns, "shut", sel(app=target), ingress=[], policy_types=["Ingress"])
            for ns in cluster.namespaces
        )
        cluster = cluster.model_copy(update={"policies": cluster.policies + shut})
    peer = destination_peer(None, sel(app=target))
    options = AnalysisOptions(universe=universe, timeout_s=20)
    result = exposure(cluster, peer, options, max_regions=6)
    assert result.regions.status is not RegionStatus.ERROR
    for r in result.regions.regions:
        assert decide(cluster, r.example).allowed
        assert r.example.destination.labels.get("app") == target
    if result.regions.proved_empty:
        # Proved empty: no flow of the inventory (which both universes contain) into a target
        # pod is allowed, whatever its kind of source, address, port or protocol.
        _assert_nothing_reaches(cluster, target, options)


def _assert_nothing_reaches(cluster: Cluster, target: str, options: AnalysisOptions) -> None:
    for f in inventory_flows(cluster, options):
        if f.destination.is_pod and f.destination.labels.get("app") == target:
            d = decide(cluster, f)
            assert not d.allowed or d.self_traffic, f


IN_N = sel({"kubernetes.io/metadata.name": "n"})


def test_nothing_means_nothing_on_a_hand_built_cluster() -> None:
    shut = make_pod("n", "shut", {"app": "a"}, ["10.0.0.1"])
    open_ = make_pod("n", "open", {"app": "b"}, ["10.0.0.2"])
    client = make_pod("n", "client", {"app": "c"}, ["10.0.0.3"])
    deny_in = make_policy("n", "deny", sel(app="a"), ingress=[], policy_types=["Ingress"])
    cluster = make_cluster([shut, open_, client], [deny_in], {"n": {}})
    for universe in Universe:
        options = AnalysisOptions(universe=universe, timeout_s=20)
        # app=a in n is under `ingress: []`: nothing reaches it, and that is proved. (Not
        # app=a anywhere: in `any` a new app=a pod of another namespace is not isolated.)
        result = exposure(cluster, destination_peer(IN_N, sel(app="a")), options, max_regions=6)
        assert result.regions.proved_empty, (universe, result.regions)
        _assert_nothing_reaches(cluster, "a", options)
        # app=b has no policy: everything reaches it, nothing is proved empty.
        result = exposure(cluster, destination_peer(IN_N, sel(app="b")), options, max_regions=6)
        assert not result.regions.proved_empty and result.regions.regions, universe
        for r in result.regions.regions:
            assert r.example.destination.labels.get("app") == "b" and decide(cluster, r.example).allowed


def test_cli_exposure_json() -> None:
    out = CliRunner().invoke(app, ["exposure", SEED, "--to-pod", "role=db", "-f", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["schema"] == "netverify.exposure/v1" and data["status"] == "complete"
    assert data["regions"]
