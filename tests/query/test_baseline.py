"""``check --baseline``: new access outside the specs' allow/reachable scopes.

Every reported example flow is replayed through the oracle: allowed by the new policies,
denied by the old ones, and outside the scope of every allow/reachable property (the scope
is decided concretely by tests/brute.py, not by the encoder). A ``holds`` verdict is checked
against the oracle on random flows.
"""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests import paths
from tests.brute import in_scope
from tests.strategies import clusters, flows, sel
from verifier.cli import app
from verifier.load import load_cluster
from verifier.model import AnalysisOptions, Cluster, PolicyPort, Protocol, Universe
from verifier.oracle import decide
from verifier.query.baseline import BASELINE_NAME, baseline_check
from verifier.query.diff import diff, merge_versions
from verifier.results import RegionStatus, Verdict
from verifier.spec import Expect, Property, SpecPeer, load_specs

SEED = str(paths.SEED)
SEED_V2 = str(paths.SEED_V2)
SEED_SPEC = str(paths.SEED_SPEC)
DB = SpecPeer(namespace="default", pod_selector=sel(role="db"))


def _seed() -> tuple[Cluster, Cluster]:
    return load_cluster([SEED]).cluster, load_cluster([SEED_V2]).cluster


def _assert_new_access_outside(
    old: Cluster, new: Cluster, props: list[Property], options: AnalysisOptions
) -> tuple[int, Verdict]:
    """Run the baseline check and replay every region's example; return (regions, verdict)."""
    result, regions = baseline_check(old, new, props, options, max_regions=8)
    old_c, new_c, _ = merge_versions(old, new)
    allowing = [p for p in props if p.expect in (Expect.ALLOW, Expect.REACHABLE)]
    assert regions.status is not RegionStatus.ERROR, regions.reason
    for region in regions.regions:
        f = region.example
        assert decide(new_c, f, ipblock_pods=options.ipblock_pods).allowed, f
        assert not decide(old_c, f, ipblock_pods=options.ipblock_pods).allowed, f
        for p in allowing:
            assert not in_scope(p, f, new_c, options), (p.name, str(f))
    if regions.regions:
        assert result.verdict is Verdict.VIOLATED and result.flow == regions.regions[0].example
        assert result.rules == decide(new_c, result.flow, ipblock_pods=options.ipblock_pods).rules_involved()
    return len(regions.regions), result.verdict


def test_seed_v2_new_access_on_6380_is_outside_the_seed_specs() -> None:
    old, new = _seed()
    props = load_specs([SEED_SPEC])
    for universe in Universe:
        count, verdict = _assert_new_access_outside(old, new, props, AnalysisOptions(universe=universe))
        # v2 opens TCP 6380 on the db; no seed allow/reachable property mentions 6380.
        assert verdict is Verdict.VIOLATED and count >= 1


def test_an_allow_property_covering_the_change_exempts_it() -> None:
    old, new = _seed()
    # Everything v2 adds: TCP 6380 to the db (same peers as 6379) and UDP 53 from the db.
    everything_to_db = Property(name="db-open", expect=Expect.ALLOW, destinations=(DB,))
    db_dns = Property(
        name="db-dns",
        expect=Expect.REACHABLE,
        sources=(DB,),
        ports=(PolicyPort(protocol=Protocol.UDP, port=53),),
    )
    for universe in Universe:
        result, regions = baseline_check(
            old, new, [everything_to_db, db_dns], AnalysisOptions(universe=universe)
        )
        assert result.verdict is Verdict.HOLDS and regions.proved_empty, (universe, result.explanation)
    # Deny properties never exempt anything: the 6380 access is still reported.
    as_deny = everything_to_db.model_copy(update={"expect": Expect.DENY})
    count, verdict = _assert_new_access_outside(old, new, [as_deny, db_dns], AnalysisOptions())
    assert verdict is Verdict.VIOLATED and count >= 1


def test_without_allow_properties_it_is_the_diffs_added_set() -> None:
    old, new = _seed()
    options = AnalysisOptions(universe=Universe.ANY)
    result, regions = baseline_check(old, new, [], options)
    added = diff(old, new, options).added
    assert result.verdict is Verdict.VIOLATED
    assert [str(r.example) for r in regions.regions] == [str(r.example) for r in added.regions]
    # Independently of diff: every example is allowed by v2 and denied by v1, and is one of the
    # two things examples/seed-v2/networkpolicy.yaml adds — TCP 6380 into the db (default,
    # role=db) and UDP 53 from the db to pods of kube-system (in `any`: a new namespace).
    assert regions.status is RegionStatus.COMPLETE
    kinds = set()
    for region in regions.regions:
        f = region.example
        assert decide(new, f).allowed and not decide(old, f).allowed, f
        src, dst = f.source, f.destination
        if (region.protocols, region.ports) == ((Protocol.TCP,), (6380, 6380)):
            assert (f.protocol, f.port) == (Protocol.TCP, 6380)
            assert dst.namespace == "default" and dst.labels.get("role") == "db", f
            kinds.add("redis-6380")
        else:
            assert (region.protocols, region.ports) == ((Protocol.UDP,), (53, 53)), region
            assert (f.protocol, f.port) == (Protocol.UDP, 53)
            assert src.namespace == "default" and src.labels.get("role") == "db", f
            assert dst.namespace == "kube-system", f
            kinds.add("dns")
    assert kinds == {"redis-6380", "dns"}


def test_unchanged_policies_hold() -> None:
    old, _ = _seed()
    result, regions = baseline_check(old, old, load_specs([SEED_SPEC]), AnalysisOptions())
    assert result.verdict is Verdict.HOLDS and regions.proved_empty
    assert result.name == BASELINE_NAME and result.flow is None


@st.composite
def _scope_props(draw: st.DrawFn, cluster: Cluster) -> list[Property]:
    namespaces = sorted(cluster.namespaces)
    out = []
    for i in range(draw(st.integers(0, 2))):
        ns = draw(st.sampled_from(namespaces))
        lo = draw(st.sampled_from([1, 53, 80, 443]))
        ports = draw(
            st.sampled_from([None, (PolicyPort(protocol=Protocol.TCP, port=lo, end_port=lo + 100),)])
        )
        side = draw(st.sampled_from(["sources", "destinations"]))
        out.append(
            Property(
                name=f"p{i}",
                expect=draw(st.sampled_from([Expect.ALLOW, Expect.REACHABLE, Expect.DENY])),
                ports=ports,
                **{side: (SpecPeer(namespace=ns),)},
            )
        )
    return out


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_versions_against_the_oracle(data: st.DataObject) -> None:
    old = data.draw(clusters(max_pods=4, max_policies=3))
    other = data.draw(clusters(max_pods=0, max_policies=3))
    new = old.model_copy(
        update={
            "policies": old.policies[1:] + tuple(p for p in other.policies if p.namespace in old.namespaces)
        }
    )
    props = data.draw(_scope_props(old))
    options = AnalysisOptions(universe=data.draw(st.sampled_from(tuple(Universe))), timeout_s=20)
    _, verdict = _assert_new_access_outside(old, new, props, options)
    if verdict is Verdict.HOLDS:
        allowing = [p for p in props if p.expect is not Expect.DENY]
        for _ in range(15):
            f = data.draw(flows(old))
            if decide(new, f).allowed and not decide(old, f).allowed:
                assert any(in_scope(p, f, old, options) for p in allowing), str(f)


# --- the CLI ---------------------------------------------------------------------------------------


def test_cli_baseline_adds_the_pseudo_property_to_every_format(runner: CliRunner, tmp_path: Path) -> None:
    base = ["check", SEED_V2, "--spec", SEED_SPEC, "--baseline", SEED]
    res = runner.invoke(app, [*base, "-f", "json"])
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    (entry,) = [r for r in doc["results"] if r["name"] == BASELINE_NAME]
    assert entry["verdict"] == "violated" and entry["counterexample"]["port"] == 6380
    assert doc["summary"]["violated"] == sum(r["verdict"] == "violated" for r in doc["results"])
    outs = {fmt: tmp_path / f"r.{fmt}" for fmt in ("junit", "sarif", "markdown")}
    res = runner.invoke(app, [*base, "-q", *(a for f, p in outs.items() for a in ("--report", f"{f}={p}"))])
    assert res.exit_code == 1
    assert BASELINE_NAME in outs["junit"].read_text()
    sarif = json.loads(outs["sarif"].read_text())
    assert any(r["ruleId"] == "baseline/new-access" for r in sarif["runs"][0]["results"])
    assert BASELINE_NAME in outs["markdown"].read_text()


def test_cli_baseline_holds_when_nothing_changed_and_bad_baseline_is_exit_2(
    runner: CliRunner, tmp_path: Path
) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "properties:\n  - name: fe\n    expect: allow\n"
        "    from: [{namespace: default, podSelector: {matchLabels: {role: frontend}}}]\n"
        "    to: [{namespace: default, podSelector: {matchLabels: {role: db}}}]\n"
        "    ports: [{port: 6379}]\n"
    )
    res = runner.invoke(app, ["check", SEED, "--spec", str(spec), "--baseline", SEED, "-f", "json"])
    assert res.exit_code == 0, res.output
    verdicts = {r["name"]: r["verdict"] for r in json.loads(res.stdout)["results"]}
    assert verdicts == {"fe": "holds", BASELINE_NAME: "holds"}
    res = runner.invoke(app, ["check", SEED, "--spec", str(spec), "--baseline", str(tmp_path / "nope")])
    assert res.exit_code == 2
