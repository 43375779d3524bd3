"""The input shapes behind every false "holds" of issue 9, as fixed examples.

Each case is one a user hit: replicas of one workload, input pods outside ``--pod-cidr`` in
the any universe, pods whose IP is unknown next to /32 ipBlocks, scopes naming what the input
lacks, flows between two external addresses. The differential suites draw these shapes too
(tests/strategies.py); these examples pin the verdicts and messages the issue asks for.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from tests.strategies import (
    ip_peer,
    make_cluster,
    make_pod,
    make_policy,
    ns_peer,
    pod_peer,
    port,
    rule,
    sel,
)
from verifier.engine import compute_matrix
from verifier.engine.connectivity import compute_connectivity
from verifier.model import AnalysisOptions, Cluster, Protocol, Universe, parse_network
from verifier.oracle import decide
from verifier.query.check import check
from verifier.results import EndpointKind, PropertyResult, Verdict
from verifier.spec import Expect, Property, SpecPeer

INVENTORY = AnalysisOptions(universe=Universe.INVENTORY)
ANY = AnalysisOptions(universe=Universe.ANY)


def _prop(expect: Expect, src: SpecPeer | None, dst: SpecPeer | None, number: int | None = None) -> Property:
    return Property(
        name="p",
        expect=expect,
        sources=None if src is None else (src,),
        destinations=None if dst is None else (dst,),
        ports=None if number is None else (port(number),),
    )


def _one(cluster: Cluster, prop: Property, options: AnalysisOptions = INVENTORY) -> PropertyResult:
    result = check(cluster, [prop], options).results[0]
    if result.flow is not None:  # every counterexample replays through the oracle
        assert decide(cluster, result.flow).allowed == (prop.expect is not Expect.ALLOW)
    return result


# --- replicas of one workload are two pods ------------------------------------------------------


def _kafka(replicated: bool) -> Cluster:
    kafka = make_pod(
        "data", "kafka[StatefulSet]", {"app": "kafka"}, kind="StatefulSet", replicated=replicated
    )
    return make_cluster([kafka])


def test_replicas_of_one_statefulset_reach_each_other() -> None:
    prop = _prop(
        Expect.DENY, SpecPeer(pod_selector=sel(app="kafka")), SpecPeer(pod_selector=sel(app="kafka")), 9092
    )
    result = _one(_kafka(replicated=True), prop)
    assert result.verdict is Verdict.VIOLATED
    assert result.flow is not None
    assert (result.flow.source.replica, result.flow.destination.replica) == (1, 2)
    assert "replica 1" in str(result.flow) and "replica 2" in str(result.flow)
    # the IP is not known: reports say so instead of presenting a made-up address
    assert result.flow.source.ip_range is not None and "IP unknown" in str(result.flow)
    assert result.flow.source.ip != result.flow.destination.ip


def test_a_template_of_one_pod_has_no_second_pod_to_talk_to() -> None:
    prop = _prop(
        Expect.DENY, SpecPeer(pod_selector=sel(app="kafka")), SpecPeer(pod_selector=sel(app="kafka")), 9092
    )
    result = _one(_kafka(replicated=False), prop)
    assert result.verdict is Verdict.ERROR and "empty scope" in result.reason


def test_replicas_isolated_by_a_policy_cannot_talk() -> None:
    cache = make_pod("shop", "cache[Deployment]", {"app": "cache"}, kind="Deployment", replicated=True)
    web = make_pod("shop", "web", {"app": "web"}, ["10.0.0.1"])
    only_web = make_policy(
        "shop", "cache", sel(app="cache"), ingress=[rule([pod_peer(sel(app="web"))], [port(6379)])]
    )
    cluster = make_cluster([cache, web], [only_web])
    cache_peer = SpecPeer(pod_selector=sel(app="cache"))
    allow = _one(cluster, _prop(Expect.ALLOW, cache_peer, cache_peer, 6379))
    assert allow.verdict is Verdict.VIOLATED  # the replicas cannot talk: "allow" is false
    for options in (INVENTORY, ANY):
        deny = _one(cluster, _prop(Expect.DENY, cache_peer, cache_peer, 6379), options)
        assert deny.verdict is Verdict.HOLDS if options is INVENTORY else deny.verdict is not Verdict.ERROR
    # the matrix: the template's diagonal is replica-to-replica traffic, denied here
    m = compute_matrix(cluster, 6379, Protocol.TCP, AnalysisOptions())
    i = m.endpoints.index("shop/cache[Deployment]")
    assert not m.allowed(i, i)
    conn = compute_connectivity(cluster, AnalysisOptions())
    j = conn.endpoints.index("shop/cache[Deployment]")
    assert not conn.pair(j, j).allows(6379, Protocol.TCP)
    assert not conn.pair(j, j)  # ingress is isolated on every port: nothing between replicas
    web_i = conn.endpoints.index("shop/web")
    assert conn.pair(web_i, web_i).allows(6379, Protocol.TCP)  # a pod to itself: self traffic


# --- the any universe contains the inventory ---------------------------------------------------


def test_an_input_pod_outside_pod_cidr_is_still_an_endpoint_in_any() -> None:
    db = make_pod("default", "db", {"role": "db"}, ["10.244.0.5"])
    stray = make_pod("ops", "debug", {"app": "debug"}, ["192.168.7.7"])
    open_db = make_policy("default", "db", sel(role="db"), ingress=[rule([ip_peer("192.168.0.0/16")])])
    cluster = make_cluster([db, stray], [open_db])
    prop = _prop(Expect.DENY, SpecPeer(namespace="ops"), SpecPeer(pod_selector=sel(role="db")), 5432)
    cidr = (parse_network("10.244.0.0/16"),)
    inventory = _one(cluster, prop, AnalysisOptions(universe=Universe.INVENTORY, pod_cidrs=cidr))
    anywhere = _one(cluster, prop, AnalysisOptions(universe=Universe.ANY, pod_cidrs=cidr))
    assert inventory.verdict is Verdict.VIOLATED
    assert anywhere.verdict is Verdict.VIOLATED
    assert anywhere.flow is not None and anywhere.flow.source.name == "debug"


# --- distinct pods have distinct addresses -----------------------------------------------------


def _one_address_apart() -> Cluster:
    a = make_pod("x", "a[Deployment]", {"app": "a"}, kind="Deployment")
    b = make_pod("x", "b[Deployment]", {"app": "b"}, kind="Deployment")
    out = make_policy("x", "a-out", sel(app="a"), egress=[rule([ip_peer("10.0.0.5/32")])])
    into = make_policy("x", "b-in", sel(app="b"), ingress=[rule([ip_peer("10.0.0.5/32")])])
    return make_cluster([a, b], [out, into])


def test_two_pods_never_share_an_address() -> None:
    cluster = _one_address_apart()
    a, b = SpecPeer(pod_selector=sel(app="a")), SpecPeer(pod_selector=sel(app="b"))
    assert _one(cluster, _prop(Expect.DENY, a, b)).verdict is Verdict.HOLDS
    assert _one(cluster, _prop(Expect.REACHABLE, a, b)).verdict is Verdict.VIOLATED
    assert _one(cluster, _prop(Expect.DENY, a, b), ANY).verdict is Verdict.VIOLATED  # new pods elsewhere


def test_a_new_pod_never_takes_an_input_pods_address() -> None:
    db = make_pod("x", "db", {"app": "db"}, ["10.0.0.2"])
    known = make_pod("x", "known", {"app": "other"}, ["10.0.0.3"])
    only = make_policy("x", "db", sel(app="db"), ingress=[rule([ip_peer("10.0.0.3/32")])])
    cluster = make_cluster([db, known], [only])
    prop = _prop(Expect.DENY, SpecPeer(pod_selector=sel(app="new")), SpecPeer(pod="x/db"))
    assert _one(cluster, prop, ANY).verdict is Verdict.HOLDS  # 10.0.0.3 is taken by x/known


# --- vacuous truth is an error -----------------------------------------------------------------


def test_a_scope_naming_a_missing_pod_or_namespace_is_an_error() -> None:
    cluster = make_cluster([make_pod("shop", "web", {"app": "web"}, ["10.0.0.1"])])
    for expect in (Expect.DENY, Expect.ALLOW, Expect.REACHABLE):
        ghost = _one(cluster, _prop(expect, SpecPeer(pod="shop/ghost"), None))
        assert ghost.verdict is Verdict.ERROR and "pod shop/ghost is not in the input" in ghost.reason
        typo = _one(cluster, _prop(expect, None, SpecPeer(namespace="shpo")))
        assert typo.verdict is Verdict.ERROR and "namespace shpo is not in the input" in typo.reason


def test_a_selector_no_endpoint_matches_is_reported_not_proved() -> None:
    cluster = make_cluster([make_pod("shop", "web", {"app": "web"}, ["10.0.0.1"])])
    prop = _prop(Expect.DENY, SpecPeer(pod_selector=sel(app="nothing")), None)
    result = _one(cluster, prop)
    assert result.verdict is Verdict.ERROR
    assert result.reason.startswith("empty scope: no endpoint of the inventory universe matches from")


# --- a flow touches the cluster ----------------------------------------------------------------


def test_external_to_external_is_no_flow() -> None:
    db = make_pod("x", "db", {"app": "db"}, ["10.0.0.9"])
    deny_all = make_policy("x", "deny", sel(), ingress=[])
    cluster = make_cluster([db], [deny_all])
    internet = SpecPeer(ip_block=ip_peer("0.0.0.0/0", "10.0.0.0/8").ip_block)
    reachable = _one(cluster, _prop(Expect.REACHABLE, internet, None, 80))
    assert reachable.verdict is Verdict.VIOLATED
    deny = _one(cluster, _prop(Expect.DENY, internet, internet, 80))
    assert deny.verdict is Verdict.ERROR and "empty scope" in deny.reason


def test_two_new_namespaces_with_different_labels_have_different_names() -> None:
    db = make_pod("x", "db", {"app": "db"}, ["10.0.0.9"])
    cluster = make_cluster([db], [], {"x": {}})
    prop = Property(
        name="p",
        expect=Expect.REACHABLE,
        sources=(SpecPeer(namespace_selector=sel(team="a")),),
        destinations=(SpecPeer(namespace_selector=sel(team="b")),),
    )
    result = _one(cluster, prop, ANY)
    assert result.verdict is Verdict.HOLDS and result.flow is not None
    src, dst = result.flow.source, result.flow.destination
    assert src.kind is dst.kind is EndpointKind.NEW_POD
    assert src.new_namespace and dst.new_namespace
    assert src.namespace != dst.namespace


# --- an unknown label is unknown ---------------------------------------------------------------


def _ops_and_db(assume: bool) -> Cluster:
    db = make_pod("prod", "db", {"app": "db"}, ["10.0.0.9"])
    tool = make_pod("ops", "tool", {"app": "tool"}, ["10.0.0.7"])
    trusted = make_policy("prod", "db", sel(app="db"), ingress=[rule([ns_peer(sel(trusted="yes"))])])
    return make_cluster([db, tool], [trusted], {"prod": {}}, undeclared=["ops"], assume_unlabelled=assume)


def test_a_namespace_the_input_does_not_declare_may_carry_any_label() -> None:
    prop = _prop(Expect.DENY, SpecPeer(namespace="ops"), SpecPeer(pod="prod/db"))
    result = _one(_ops_and_db(assume=False), prop)
    assert result.verdict is Verdict.VIOLATED and result.flow is not None
    assert result.flow.source.assumed_namespace_labels
    assert result.flow.source.namespace_labels.get("trusted") == "yes"
    assert any("namespace ops is not in the input" in line for line in result.explanation)
    # opting into "undeclared namespaces carry only their name" restores the proof
    assert _one(_ops_and_db(assume=True), prop).verdict is Verdict.HOLDS
    # the matrix never claims the cell: it depends on the labels
    m = compute_matrix(_ops_and_db(assume=False), 80, Protocol.TCP, AnalysisOptions())
    cell = (m.endpoints.index("ops/tool"), m.endpoints.index("prod/db"))
    assert not m.allowed(*cell) and cell in m.conditional
    m = compute_matrix(_ops_and_db(assume=True), 80, Protocol.TCP, AnalysisOptions())
    assert not m.allowed(*cell) and cell not in m.conditional


def test_diff_regions_name_the_labels_an_undeclared_namespace_must_carry() -> None:
    from verifier.query.diff import diff

    old = _ops_and_db(assume=False)
    opened = make_policy("prod", "db", sel(app="db"), ingress=[rule([ns_peer(sel(trusted="maybe"))])])
    new = old.model_copy(update={"policies": (opened,)})
    result = diff(old, new, AnalysisOptions(universe=Universe.INVENTORY))
    (added,) = result.added.regions
    assert "ops/tool" in added.source.description and "trusted=maybe" in added.source.description
    assert added.example.source.namespace_labels.get("trusted") == "maybe"
    (removed,) = result.removed.regions
    assert "trusted=yes" in removed.source.description


# --- the issue's commands, end to end ----------------------------------------------------------

KAFKA = """
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: kafka, namespace: data}
spec:
  replicas: 3
  selector: {matchLabels: {app: kafka}}
  template:
    metadata: {labels: {app: kafka}}
    spec:
      containers: [{name: k, image: kafka, ports: [{containerPort: 9092, name: broker}]}]
"""

CACHE = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache, namespace: shop}
spec:
  replicas: 4
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec:
      containers: [{name: c, image: redis, ports: [{containerPort: 6379, name: redis}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: cache, namespace: shop}
spec:
  podSelector: {matchLabels: {app: cache}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: web}}}]
      ports: [{port: redis}]
"""


def test_the_issues_replica_commands(runner: CliRunner, tmp_path: Path) -> None:
    from verifier.cli import app

    (tmp_path / "kafka.yaml").write_text(KAFKA)
    (tmp_path / "cache.yaml").write_text(CACHE)
    kafka = ["--from-pod", "app=kafka", "--to-pod", "app=kafka", "--port", "9092/TCP"]
    result = runner.invoke(app, ["assert", str(tmp_path / "kafka.yaml"), "--deny", *kafka])
    assert result.exit_code == 1, result.output
    assert "replica 1" in result.output and "replica 2" in result.output
    cache = ["--from-pod", "app=cache", "--to-pod", "app=cache", "--port", "6379/TCP"]
    result = runner.invoke(app, ["assert", str(tmp_path / "cache.yaml"), "--allow", *cache])
    assert result.exit_code == 1, result.output
    result = runner.invoke(app, ["matrix", str(tmp_path / "cache.yaml"), "--port", "6379", "-f", "json"])
    doc = json.loads(result.stdout)
    i = doc["endpoints"].index("shop/cache[Deployment]")
    assert doc["allowed"][i][i] is False  # the replicas' traffic, denied by the policy
