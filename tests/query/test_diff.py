"""Semantic diff: every region's example flow is replayed through the oracle on both versions,
proved-empty differences are checked against the oracle on random flows, and the seed's
second version changes exactly what its comments say."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests import paths
from tests.differential.test_region_flows import check_diff_complete
from tests.strategies import clusters, flows
from verifier.cli import app
from verifier.load import load_cluster
from verifier.model import AnalysisOptions, Cluster, Universe
from verifier.oracle import decide
from verifier.query.diff import diff, merge_versions
from verifier.results import EndpointKind, RegionStatus, Verdict

SEED = str(paths.SEED)
SEED_V2 = str(paths.SEED_V2)


@st.composite
def versions(draw: st.DrawFn) -> tuple[Cluster, Cluster]:
    """One inventory, two policy sets (the second drawn independently, or a mutation)."""
    old = draw(clusters(max_pods=4, max_policies=3))
    other = draw(clusters(max_pods=0, max_policies=3))
    keep = draw(st.lists(st.booleans(), min_size=len(old.policies), max_size=len(old.policies)))
    extra = tuple(p for p in other.policies if p.namespace in old.namespaces)
    new_policies = tuple(p for p, k in zip(old.policies, keep, strict=True) if k) + extra
    return old, old.model_copy(update={"policies": new_policies})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_regions_replay_and_empty_means_empty(data: st.DataObject) -> None:
    old, new = data.draw(versions())
    universe = data.draw(st.sampled_from(tuple(Universe)))
    options = AnalysisOptions(universe=universe, timeout_s=20)
    result = diff(old, new, options, max_regions=6)
    for regions, gained in ((result.added, True), (result.removed, False)):
        assert regions.status is not RegionStatus.ERROR, regions.reason
        assert regions.status is not RegionStatus.UNKNOWN, regions.reason
        for region in regions.regions:
            f = region.example
            assert decide(new, f).allowed is gained
            assert decide(old, f).allowed is not gained
            assert f.protocol in region.protocols
            assert region.ports[0] <= f.port <= region.ports[1]
    # A complete list (proved empty included) leaves no changed flow out: over the inventory a
    # flow is in a listed region iff the oracle says it changed that way; in `any`, every
    # changed inventory flow is in some region (its regions may also hold hypothetical pods).
    check_diff_complete(old, new, result.added, result.removed, options)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters(max_pods=4, max_policies=3), st.sampled_from(tuple(Universe)), st.randoms())
def test_same_policies_in_any_order_are_equivalent(cluster: Cluster, universe: Universe, rnd) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(cluster.policies)
    rnd.shuffle(shuffled)
    result = diff(
        cluster, cluster.model_copy(update={"policies": tuple(shuffled)}), AnalysisOptions(universe=universe)
    )
    assert result.check_verdict("equivalent") is Verdict.HOLDS
    assert result.check_verdict("no-new-access") is Verdict.HOLDS


def _seed_versions() -> tuple[Cluster, Cluster]:
    return load_cluster([SEED]).cluster, load_cluster([SEED_V2]).cluster


def test_seed_v2_in_the_inventory() -> None:
    old, new = _seed_versions()
    result = diff(old, new, AnalysisOptions(universe=Universe.INVENTORY))
    # myproject/api is the only project=myproject pod and it is app=api: nobody loses access.
    assert result.removed.proved_empty
    assert result.added.status is RegionStatus.COMPLETE and result.added.regions
    for region in result.added.regions:
        assert region.ports == (6380, 6380)
        assert region.destination.description == "default/db"
    sources = {p for r in result.added.regions for g in r.source.groups for p in g.pods}
    # frontend (podSelector), api (namespace AND pod), monitoring (IP inside the ipBlock).
    assert {"default/frontend", "myproject/api", "default/monitoring"} <= sources
    assert "other/batch" not in sources and "other/sink" not in sources
    assert result.check_verdict("no-new-access") is Verdict.VIOLATED


def test_seed_v2_in_the_any_universe() -> None:
    old, new = _seed_versions()
    result = diff(old, new, AnalysisOptions(universe=Universe.ANY))
    assert result.removed.status is RegionStatus.COMPLETE and result.removed.regions
    for region in result.removed.regions:
        src = region.example.source
        # Lost 6379: pods of project=myproject namespaces without app=api, outside the ipBlock.
        assert src.namespace_labels.get("project") == "myproject"
        assert src.labels.get("app") != "api"
        assert region.example.port == 6379
    dns = [r for r in result.added.regions if r.example.port == 53]
    assert dns and all(r.example.destination.namespace == "kube-system" for r in dns)
    assert {r.source.kind for r in result.added.regions} >= {EndpointKind.EXTERNAL, EndpointKind.NEW_POD}


def test_merge_versions_uses_the_union_of_inventories() -> None:
    old, new = _seed_versions()
    bare = new.model_copy(update={"pods": ()})
    o, n, notes = merge_versions(old, bare)
    assert o.pods == n.pods == old.pods and not notes
    assert n.policies == new.policies


def test_cap_is_reported_not_silent() -> None:
    old, new = _seed_versions()
    result = diff(old, new, AnalysisOptions(universe=Universe.ANY), max_regions=1)
    assert result.added.status is RegionStatus.TRUNCATED and len(result.added.regions) == 1
    assert "more regions not listed" in result.added.reason


def test_cli_diff_exit_codes_and_json(runner: CliRunner) -> None:
    out = runner.invoke(app, ["diff", SEED, "--against", SEED_V2, "--fail-on", "added", "-f", "json"])
    assert out.exit_code == 1, out.output
    data = json.loads(out.stdout)
    assert data["schema"] == "netverify.diff/v1"
    assert data["checks"]["no-new-access"] == "violated"
    assert data["added"]["regions"][0]["example"]["port"] == 6380
    # The seed's pods have one IPv4 each: the engine enumerates; an empty side is Z3's.
    assert data["added"]["method"] == "engine" and data["removed"]["method"] == "z3"
    solver = runner.invoke(app, ["diff", SEED, "--against", SEED_V2, "--method", "z3", "-f", "json"])
    solved = json.loads(solver.stdout)
    assert solved["added"]["method"] == "z3" and solved["added"]["status"] == "complete"
    assert solved["checks"] == data["checks"]
    same = runner.invoke(app, ["diff", SEED, "--against", SEED, "--check", "equivalent", "--universe", "any"])
    assert same.exit_code == 0 and "equivalent: holds" in same.stdout
    removed_only = runner.invoke(app, ["diff", SEED, "--against", SEED_V2, "--fail-on", "removed"])
    assert removed_only.exit_code == 0  # nothing removed in the inventory


def test_questions_doc_mentions_every_command_and_option(root: Path) -> None:
    import typer.main

    group = typer.main.get_command(app)
    doc = (root / "docs" / "questions.md").read_text()
    for name in ("explain", "diff", "gate", "lint", "exposure"):
        command = group.commands[name]  # type: ignore[attr-defined]
        assert f"netverify {name}" in doc, name
        for param in command.params:
            for opt in [*param.opts, *param.secondary_opts]:
                if opt.startswith("--") and opt not in ("--help",):
                    assert opt in doc, f"{name} {opt} is not documented in docs/questions.md"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), cluster=clusters(max_pods=5, max_policies=5))
def test_namespace_judge_equals_the_oracle(data: st.DataObject, cluster: Cluster) -> None:
    """The fast membership test used while regions grow decides exactly as the oracle does."""
    from verifier.solve.diff import NamespaceJudge

    flow = data.draw(flows(cluster))
    for ipblock_pods in (True, False):
        judge = NamespaceJudge(cluster, ipblock_pods=ipblock_pods)
        assert judge.allowed(flow) == decide(cluster, flow, ipblock_pods=ipblock_pods).allowed
