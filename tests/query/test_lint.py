"""``lint``: each finding on a hand-built case whose answer follows from the semantics, and a
hypothesis check that a rule reported redundant really changes no verdict (oracle)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.brute import inventory_flows
from tests.strategies import (
    clusters,
    expr,
    flow,
    ip_peer,
    ipblock_clusters,
    make_cluster,
    make_pod,
    make_policy,
    ns_peer,
    pod_peer,
    port,
    rule,
    sel,
)
from verifier.cli import app
from verifier.load import load_cluster
from verifier.model import AnalysisOptions, Cluster, Direction, Universe
from verifier.oracle import decide, pod_endpoint
from verifier.query.lint import lint
from verifier.results import LintReport


def ids(cluster: Cluster, universe: Universe | None = None, **kw: object) -> dict[str, list[str]]:
    report = lint(cluster, AnalysisOptions(universe=universe), **kw)  # type: ignore[arg-type]
    out: dict[str, list[str]] = {}
    for f in report.findings:
        out.setdefault(f.id, []).append(f.object)
    return out


A = make_pod("x", "a", {"app": "a"}, ["10.0.0.1"])
B = make_pod("x", "b", {"app": "b"}, ["10.0.0.2"], [("http", 80)])


def test_selects_nothing_and_can_never_select() -> None:
    nobody = make_policy("x", "nobody", sel(app="zzz"), ingress=[])
    never = make_policy(
        "x", "never", sel(None, expr("app", "In", "a"), expr("app", "NotIn", "a")), ingress=[]
    )
    found = ids(make_cluster([A, B], [nobody, never]))
    assert found["NV001"] == ["x/nobody"]
    assert found["NV002"] == ["x/never"]


def test_dead_peers_and_rules_and_podselector_meant_as_namespace() -> None:
    pol = make_policy(
        "x",
        "p",
        sel(app="b"),
        ingress=[
            rule([pod_peer(sel(app="ghost"))]),
            rule([pod_peer(sel(None, expr("k", "Exists"), expr("k", "DoesNotExist")))]),
            rule([pod_peer(sel(team="blue"))]),
        ],
    )
    cluster = make_cluster([A, B], [pol], namespaces={"y": {"team": "blue"}})
    found = ids(cluster)
    assert "x/p ingress[0] peer[0]" in found["NV003"]
    assert found["NV004"] == ["x/p ingress[1] peer[0]"]
    assert set(found["NV005"]) >= {"x/p ingress[0]", "x/p ingress[2]"}
    assert found["NV016"] == ["x/p ingress[2] peer[0]"]


def test_redundant_rule_vacuous_and_redundant_policy() -> None:
    wide = rule([pod_peer(sel(app="a"))])
    narrow = rule([pod_peer(sel(app="a"))], [port(80)])
    pol = make_policy("x", "p", sel(app="b"), ingress=[wide, narrow])
    allow_all = make_policy("x", "open", sel(app="a"), ingress=[rule()])
    copy = make_policy("x", "copy", sel(app="b"), ingress=[wide])
    found = ids(make_cluster([A, B], [pol, allow_all, copy]))
    assert "x/p ingress[1]" in found["NV006"]  # shadowed by ingress[0]
    assert "x/open" in found["NV007"]
    assert set(found["NV008"]) >= {"x/copy"}


def test_a_rule_that_only_new_namespaces_need_is_not_redundant() -> None:
    """Over the existing namespaces (x, y: no env label) ``env notin (prod)`` adds nothing to
    ``name in (x, y)``; a namespace created tomorrow without env=prod needs it. Redundancy is
    claimed for both universes, so it must not be reported."""
    by_env = rule([ns_peer(sel(None, expr("env", "NotIn", "prod")))])
    by_name = rule([ns_peer(sel(None, expr("kubernetes.io/metadata.name", "In", "x", "y")))])
    pol = make_policy("x", "p", sel(app="b"), ingress=[by_env, by_name])
    found = ids(make_cluster([A, B], [pol], namespaces={"x": {}, "y": {}}))
    assert "x/p ingress[0]" not in found.get("NV006", [])
    assert "x/p ingress[1]" in found.get("NV006", [])  # the converse really is shadowed


def test_named_port_nobody_defines_and_uncovered_pods() -> None:
    pol = make_policy(
        "x", "p", sel(app="b"), ingress=[rule(None, [port("grpc")]), rule(None, [port("http")])]
    )
    found = ids(make_cluster([A, B], [pol]))
    assert found["NV010"] == ["x/p ingress[0]"]
    assert found["NV009"] == ["namespace x", "namespace x"]  # a (ingress) and a, b (egress)


def test_dns_blocked_and_allowed() -> None:
    blocked = make_policy("x", "eg", sel(app="a"), egress=[rule([ip_peer("10.0.0.0/24")], [port(443)])])
    assert ids(make_cluster([A, B], [blocked]))["NV011"] == ["x/a"]
    udp_only = make_policy("x", "eg", sel(app="a"), egress=[rule(None, [port(53, "UDP")])])
    found = ids(make_cluster([A, B], [udp_only]))
    assert "NV011" not in found and found["NV012"] == ["x/a"]
    # UDP works, TCP does not: a warning (large answers fail), not the error of blocked DNS
    (tcp,) = [
        f for f in lint(make_cluster([A, B], [udp_only]), AnalysisOptions()).findings if f.id == "NV012"
    ]
    assert tcp.severity.value == "warning" and "TCP 53 to kube-system pods" in tcp.message
    both = make_policy(
        "x",
        "eg",
        sel(app="a"),
        egress=[
            rule(
                [ns_peer(sel({"kubernetes.io/metadata.name": "kube-system"}))],
                [port(53, "UDP"), port(53, "TCP")],
            )
        ],
    )
    found = ids(make_cluster([A, B], [both]))
    assert "NV011" not in found and "NV012" not in found
    # Without pods: no egress rule in the namespace can allow UDP 53.
    assert ids(make_cluster([], [blocked]))["NV011"] == ["x/eg"]


def test_allow_all_next_to_default_deny_and_split_peers() -> None:
    deny = make_policy("x", "deny", sel(), ingress=[])
    allow_all = make_policy("x", "all", sel(app="b"), ingress=[rule()])
    split = make_policy(
        "x", "split", sel(app="b"), ingress=[rule([ns_peer(sel(team="blue")), pod_peer(sel(app="a"))])]
    )
    found = ids(make_cluster([A, B], [deny, allow_all, split]))
    assert found["NV013"] == ["x/all ingress[0]"]
    assert found["NV017"] == ["x/split ingress[0]"]


_TRAPS = (
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\n"
    "spec:\n  podSelector: {}\n  ingress:\n  - from: []\n    ports: [{port: 80}]\n  egress: []\n"
)


def _traps(report: LintReport) -> list[tuple[str, str, str, int, int]]:
    return [
        (f.id, f.object, f.message, f.location.line, f.location.column)
        for f in report.findings
        if f.id in ("NV014", "NV015")
    ]


def test_raw_traps_from_the_manifest(tmp_path: Path) -> None:
    path = tmp_path / "np.yaml"
    path.write_text(_TRAPS)
    cluster = load_cluster([str(path)]).cluster
    report = lint(cluster, AnalysisOptions())
    assert _traps(report) == [
        (
            "NV014",
            "x/p ingress[0]",
            "'from: []' means all sources (as if 'from' were omitted), not none",
            7,
            5,
        ),
        (
            "NV015",
            "x/p",
            "'egress: []' without policyTypes does NOT isolate egress (the API defaults policyTypes to "
            "Ingress only); add 'policyTypes: [Ingress, Egress]' to deny all egress",
            1,
            1,
        ),
    ]
    assert {f.location.file for f in report.findings if f.id in ("NV014", "NV015")} == {str(path)}
    assert not report.skipped


def test_raw_traps_on_stdin(tmp_path: Path) -> None:
    """NV014/NV015 come from the model, so stdin gets the same findings, at the same lines."""
    path = tmp_path / "np.yaml"
    path.write_text(_TRAPS)
    from_file = _traps(lint(load_cluster([str(path)]).cluster, AnalysisOptions()))
    report = lint(load_cluster(["-"], stdin=io.StringIO(_TRAPS)).cluster, AnalysisOptions())
    assert _traps(report) == from_file
    assert {f.location.file for f in report.findings if f.id in ("NV014", "NV015")} == {"<stdin>"}
    assert not report.skipped


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        # written like that, these mean what they read as: no trap
        ("ingress: [{ports: [{port: 80}]}]\n  egress: []\n  policyTypes: [Ingress]", []),
        ("ingress: [{from: null}]\n  egress: null", []),
        ("egress: []\n  policyTypes: [Ingress, Egress]", []),
        ("egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: []}]", []),
        # the traps
        (
            "egress: [{to: []}, {}, {ports: [{port: 53}], to: []}]",
            ["NV014 x/p egress[0]", "NV014 x/p egress[2]"],
        ),
        ("egress: []\n  policyTypes: []", ["NV015 x/p"]),
        ("egress: []\n  policyTypes: null", ["NV015 x/p"]),
    ],
)
def test_traps_only_for_an_empty_list(spec: str, expected: list[str]) -> None:
    text = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: x}\n"
        f"spec:\n  podSelector: {{}}\n  {spec}\n"
    )
    report = lint(load_cluster(["-"], stdin=io.StringIO(text)).cluster, AnalysisOptions())
    assert sorted(f"{f[0]} {f[1]}" for f in _traps(report)) == expected


def test_no_traps_on_models_built_by_hand() -> None:
    """A hand-built model does not know how its lists were written ("unknown"): no NV014/NV015,
    though ``rule()`` and ``egress=[]`` mean what ``from: []`` and ``egress: []`` do."""
    policy = make_policy("x", "p", sel(), ingress=[rule(None, [port(80)])], egress=[])
    assert not _traps(lint(make_cluster([A, B], [policy]), AnalysisOptions()))


def _without_rule(cluster: Cluster, finding_object: str) -> Cluster:
    """The cluster without the rule a finding names (``ns/policy ingress[i]``)."""
    key, where = finding_object.split(" ")
    direction = Direction.INGRESS if where.startswith("ingress") else Direction.EGRESS
    index = int(where[where.index("[") + 1 : -1])
    field = direction.value.lower()
    policies = []
    removed = 0
    for p in cluster.policies:
        if p.key == key:
            kept = tuple(r for r in p.rules(direction) if r.index != index)
            removed += len(p.rules(direction)) - len(kept)
            p = p.model_copy(update={field: kept})
        policies.append(p)
    assert removed == 1, finding_object
    return cluster.model_copy(update={"policies": tuple(policies)})


def _assert_same_decisions(cluster: Cluster, finding_object: str) -> None:
    """Every kind of inventory flow (tests/brute.py) is decided alike with and without the
    rule. Only flows whose judged end (the destination for an ingress rule, the source for an
    egress one) the rule's policy selects are asked: a policy's rules decide nothing else."""
    without = _without_rule(cluster, finding_object)
    key, where = finding_object.split(" ")
    (policy,) = [p for p in cluster.policies if p.key == key]
    ingress = where.startswith("ingress")
    for f in inventory_flows(cluster, AnalysisOptions()):
        end = f.destination if ingress else f.source
        if end.is_pod and end.namespace == policy.namespace and policy.pod_selector.matches(end.labels):
            assert decide(cluster, f).allowed == decide(without, f).allowed, (finding_object, f)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_removing_a_redundant_rule_changes_no_verdict(data: st.DataObject) -> None:
    cluster = data.draw(clusters(max_pods=4, max_policies=3))
    universe = data.draw(st.sampled_from(tuple(Universe)))
    report = lint(cluster, AnalysisOptions(universe=universe))
    for finding in (f for f in report.findings if f.id == "NV006"):
        _assert_same_decisions(cluster, finding.object)


def test_removing_a_known_redundant_rule_changes_no_verdict() -> None:
    # The cluster of test_redundant_rule_vacuous_and_redundant_policy: x/p ingress[1] is
    # shadowed by ingress[0] (same peers, a subset of the ports).
    wide = rule([pod_peer(sel(app="a"))])
    narrow = rule([pod_peer(sel(app="a"))], [port(80)])
    pol = make_policy("x", "p", sel(app="b"), ingress=[wide, narrow])
    allow_all = make_policy("x", "open", sel(app="a"), ingress=[rule()])
    copy = make_policy("x", "copy", sel(app="b"), ingress=[wide])
    cluster = make_cluster([A, B], [pol, allow_all, copy])
    for universe in Universe:
        objects = [
            f.object for f in lint(cluster, AnalysisOptions(universe=universe)).findings if f.id == "NV006"
        ]
        assert "x/p ingress[1]" in objects, universe
        for obj in objects:
            _assert_same_decisions(cluster, obj)
    # And the check can fail: removing the rule that does the work (ingress[0] of both x/p and
    # x/copy) changes the decision of a -> b on port 81.
    bare = _without_rule(_without_rule(cluster, "x/p ingress[0]"), "x/copy ingress[0]")
    a_to_b = flow(pod_endpoint(cluster, A), pod_endpoint(cluster, B), 81)
    assert decide(cluster, a_to_b).allowed and not decide(bare, a_to_b).allowed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(clusters(max_pods=6, max_policies=4), ipblock_clusters()), st.booleans())
def test_witnesses_change_no_finding(cluster: Cluster, ipblock_pods: bool) -> None:
    """Concrete witnesses only replace Z3 questions whose answer is sat: with and without
    them, lint reports exactly the same findings."""
    options = AnalysisOptions(universe=Universe.INVENTORY, ipblock_pods=ipblock_pods)
    fast = lint(cluster, options)
    slow = lint(cluster, options, witnesses=False)
    assert [(f.id, f.object) for f in fast.findings] == [(f.id, f.object) for f in slow.findings]
    assert fast.skipped == slow.skipped


def test_cli_lint_json_and_fail_on(runner: CliRunner, seed_dir: str) -> None:
    out = runner.invoke(app, ["lint", seed_dir, "-f", "json"])
    assert out.exit_code == 1  # NV011: the db's egress blocks DNS
    data = json.loads(out.stdout)
    assert data["schema"] == "netverify.lint/v1"
    assert any(f["id"] == "NV011" and f["severity"] == "error" for f in data["findings"])
    assert runner.invoke(app, ["lint", seed_dir, "--fail-on", "never"]).exit_code == 0


def test_redundancy_is_judged_for_every_pod_the_policy_could_select() -> None:
    # Issue 9 §7: no pod of the input defines the named port `metrics`, so over the input the
    # rule can never match; but a pod deployed tomorrow may define it, so deleting the rule is
    # not safe advice: NV006 must not fire — in either universe (docs/questions.md).

    pods = [make_pod("n", "srv", {"app": "srv"}, ["10.0.0.1"], [("http", 80)])]
    policy = make_policy(
        "n", "p", sel(app="srv"), ingress=[rule(None, [port("http")]), rule(None, [port("metrics")])]
    )
    cluster = make_cluster(pods, [policy], {"n": {}})
    for universe in Universe:
        for witnesses in (True, False):
            report = lint(cluster, AnalysisOptions(universe=universe), witnesses=witnesses)
            found = {(f.id, f.object) for f in report.findings if f.id in ("NV006", "NV007", "NV008")}
            assert not found, (universe, witnesses, found)
    # A rule that really is shadowed (same port, a subset of the peers) is still reported in both.
    shadowed = make_policy(
        "n",
        "q",
        sel(app="srv"),
        ingress=[rule(None, [port("metrics")]), rule([pod_peer(sel(app="x"))], [port("metrics")])],
    )
    cluster = make_cluster(pods, [shadowed], {"n": {}})
    for universe in Universe:
        report = lint(cluster, AnalysisOptions(universe=universe))
        assert ("NV006", "n/q ingress[1]") in {(f.id, f.object) for f in report.findings}, universe
