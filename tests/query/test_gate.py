"""The safe-change gate on the seed's two versions: each step proved or refuted with
counterexamples that the oracle confirms."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tests import paths
from tests.strategies import make_cluster, make_pod, make_policy, pod_peer, port, rule, sel
from verifier.cli import app
from verifier.load import load_cluster
from verifier.model import AnalysisOptions, PolicyPort, Protocol, Universe
from verifier.oracle import decide
from verifier.query.gate import gate
from verifier.results import Verdict
from verifier.spec import Expect, Property, SpecPeer

SEED = str(paths.SEED)
SEED_V2 = str(paths.SEED_V2)
DB = SpecPeer(namespace="default", pod_selector=sel(role="db"))
P6380 = (PolicyPort(protocol=Protocol.TCP, port=6380),)


def _versions():  # type: ignore[no-untyped-def]
    return load_cluster([SEED]).cluster, load_cluster([SEED_V2]).cluster


def test_narrow_intent_fails_step_c_with_regions_outside_the_scope() -> None:
    old, new = _versions()
    intent = Property(
        name="frontend-6380",
        expect=Expect.ALLOW,
        sources=(SpecPeer(namespace="default", pod_selector=sel(role="frontend")),),
        destinations=(DB,),
        ports=P6380,
    )
    result = gate(old, new, intent, AnalysisOptions(universe=Universe.INVENTORY))
    a, b, c = result.steps
    assert a.verdict is Verdict.HOLDS and a.flow is not None and not decide(old, a.flow).allowed
    assert b.verdict is Verdict.HOLDS
    assert c.verdict is Verdict.VIOLATED and c.regions is not None and c.regions.regions
    for region in c.regions.regions:
        f = region.example
        assert decide(new, f).allowed and not decide(old, f).allowed
        assert f.source.name != "frontend"  # outside the intent's scope
    assert result.verdict is Verdict.VIOLATED


def test_intent_covering_the_change_is_safe() -> None:
    old, new = _versions()
    intent = Property(name="db-6380", expect=Expect.REACHABLE, destinations=(DB,), ports=P6380)
    result = gate(old, new, intent, AnalysisOptions(universe=Universe.INVENTORY))
    assert [s.verdict for s in result.steps] == [Verdict.HOLDS] * 3
    assert result.verdict is Verdict.HOLDS


def test_intent_already_true_fails_step_a_and_unmet_intent_fails_b() -> None:
    a = make_pod("x", "a", {"app": "a"}, ["10.0.0.1"])
    b = make_pod("x", "b", {"app": "b"}, ["10.0.0.2"])
    open_80 = make_policy("x", "p", sel(app="b"), ingress=[rule([pod_peer(sel(app="a"))], [port(80)])])
    cluster = make_cluster([a, b], [open_80])
    intent = Property(
        name="a-to-b-443",
        expect=Expect.ALLOW,
        sources=(SpecPeer(pod_selector=sel(app="a")),),
        destinations=(SpecPeer(pod_selector=sel(app="b")),),
        ports=(PolicyPort(port=80),),
    )
    same = gate(cluster, cluster, intent, AnalysisOptions())
    assert same.steps[0].verdict is Verdict.VIOLATED  # already true before
    assert same.steps[2].verdict is Verdict.HOLDS
    closed = cluster.model_copy(update={"policies": (make_policy("x", "p", sel(app="b"), ingress=[]),)})
    worse = gate(cluster, closed, intent.model_copy(update={"name": "x"}), AnalysisOptions())
    assert worse.steps[1].verdict is Verdict.VIOLATED
    assert worse.steps[1].flow is not None and not decide(closed, worse.steps[1].flow).allowed


def test_cli_gate(runner: CliRunner, tmp_path: Path) -> None:
    spec = tmp_path / "intent.yaml"
    spec.write_text(
        "properties:\n  - name: db-6380\n    expect: reachable\n"
        "    to: [{namespace: default, podSelector: {matchLabels: {role: db}}}]\n"
        "    ports: [{port: 6380}]\n"
    )
    ok = runner.invoke(
        app, ["gate", SEED, "--against", SEED_V2, "--intent", str(spec), "--universe", "inventory"]
    )
    assert ok.exit_code == 0, ok.output
    assert "change is SAFE" in ok.stdout
    out = runner.invoke(
        app, ["gate", SEED, "--against", SEED_V2, "--intent", str(spec), "-f", "json", "--universe", "any"]
    )
    assert out.exit_code == 1  # in `any`, the DNS egress and the narrowed peer changed too
    assert '"netverify.gate/v1"' in out.stdout


def test_gate_sees_a_guardrail_added_in_the_admin_tier() -> None:
    # merge_versions once dropped tier policies: step (b) then judged the new version without
    # its guardrail and called it violated.
    from tests.strategies import make_tier_policy, t_namespaces, t_rule
    from verifier.query.diff import merge_versions

    pods = [
        make_pod("dev", "t", {"app": "t"}, ["10.0.0.1"]),
        make_pod("pay", "db", {"app": "db"}, ["10.0.0.2"]),
    ]
    spaces = {"dev": {"env": "dev"}, "pay": {"env": "prod"}}
    old = make_cluster(pods, [], spaces)
    guard = make_tier_policy(
        "guard", 1, namespaces=sel(env="prod"), ingress=[t_rule("Deny", [t_namespaces(sel(env="dev"))])]
    )
    new = make_cluster(pods, [], spaces, tier_policies=[guard])
    merged_old, merged_new, _ = merge_versions(old, new)
    assert merged_old.tier_policies == () and merged_new.tier_policies == (guard,)
    intent = Property(
        name="dev-out-of-prod",
        expect=Expect.DENY,
        sources=(SpecPeer(namespace="dev"),),
        destinations=(SpecPeer(namespace="pay"),),
    )
    result = gate(old, new, intent, AnalysisOptions(universe=Universe.INVENTORY))
    assert [s.verdict for s in result.steps] == [Verdict.HOLDS] * 3, result.steps
    # over every future pod the guardrail also closes flows from other env=dev namespaces,
    # which the intent does not name: (c) shows one, and (a), (b) still hold
    anywhere = gate(old, new, intent, AnalysisOptions(universe=Universe.ANY))
    assert [s.verdict for s in anywhere.steps] == [Verdict.HOLDS, Verdict.HOLDS, Verdict.VIOLATED]
