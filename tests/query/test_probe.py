"""``probe``'s plan (`verifier.query.probe`): which flows become probes, where each starts and
ends on the cluster, which pods and namespaces the script creates, and the predicted outcome —
the oracle's for counterexamples and command-line flows, the matrix engine's per cell."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests import paths
from verifier.errors import UsageError
from verifier.load import load_cluster
from verifier.model import AnalysisOptions, Cluster, Protocol, Universe, parse_selector
from verifier.oracle import decide, pod_endpoint
from verifier.query.check import check
from verifier.query.probe import (
    ProbeSettings,
    found_in_json,
    parse_matrix_ports,
    plan_check,
    plan_command_line,
    plan_found,
    plan_matrix,
)
from verifier.report.json_out import write_check_json
from verifier.results import CheckReport, Expectation, Flow, ProbeEndKind, ProbePlan
from verifier.results.probe import PROBE_LABEL
from verifier.spec import load_specs

SEED = str(paths.SEED)


@pytest.fixture(scope="module")
def seed() -> Cluster:
    return load_cluster([SEED]).cluster


@pytest.fixture(scope="module")
def seed_report(seed: Cluster) -> CheckReport:
    return check(seed, load_specs([str(paths.SEED_SPEC)]), AnalysisOptions())


def test_the_seed_counterexamples_become_two_probes(seed: Cluster, seed_report: CheckReport) -> None:
    plan = plan_check(seed, seed_report)
    assert [p.property for p in plan.probes] == ["db-only-from-myproject", "db-only-from-myproject-any"]
    inventory, hypothetical = plan.probes
    # the inventory counterexample runs between the two pods, looked up by name
    assert (inventory.source.kind, inventory.source.namespace, inventory.source.name) == (
        ProbeEndKind.POD,
        "default",
        "frontend",
    )
    assert (inventory.destination.kind, inventory.destination.name) == (ProbeEndKind.POD, "db")
    assert (inventory.port, inventory.protocol) == (6379, Protocol.TCP)
    # the any-universe one between two pods the script creates, with the counterexample's labels
    assert hypothetical.source.kind is hypothetical.destination.kind is ProbeEndKind.CREATED
    pods = {p.name: p for p in plan.pods}
    src = pods[hypothetical.source.name or ""]
    dst = pods[hypothetical.destination.name or ""]
    assert src.labels == {"role": "frontend", PROBE_LABEL: plan.id} and src.serve is None
    assert dst.labels == {"role": "db", PROBE_LABEL: plan.id} and dst.serve == (6379, Protocol.TCP)
    assert src.namespace == dst.namespace == "default"
    assert src.args == ("pause",) and dst.args[0] == "netexec"
    assert not plan.namespaces  # default is declared in the input: the script creates none
    for probe in plan.probes:
        assert probe.expected is Expectation.ALLOWED
        assert probe.because == ("default/test-network-policy ingress[0]",)
        assert probe.timeout_means_blocked and not probe.skip


def test_the_plan_is_stable(seed: Cluster, seed_report: CheckReport) -> None:
    assert plan_check(seed, seed_report) == plan_check(seed, seed_report)


def test_property_names_pick_and_witnesses_are_probed(seed: Cluster, seed_report: CheckReport) -> None:
    plan = plan_check(seed, seed_report, ["db-only-from-myproject"])
    assert [p.property for p in plan.probes] == ["db-only-from-myproject"]
    assert not plan.pods
    # a reachable property that holds has a witness: probed when named (new pod -> external)
    plan = plan_check(seed, seed_report, ["db-reaches-10-0-0-0-24-on-5978", "db-only-on-6379"])
    (witness,) = plan.probes
    assert witness.destination.kind is ProbeEndKind.EXTERNAL and witness.destination.address == "10.0.0.1"
    assert witness.expected is Expectation.ALLOWED and not witness.timeout_means_blocked
    assert any("db-only-on-6379: holds" in w for w in plan.warnings)
    with pytest.raises(UsageError, match="no such property"):
        plan_check(seed, seed_report, ["nope"])


def _json(report: CheckReport) -> object:
    out = io.StringIO()
    write_check_json(report, out)
    return json.loads(out.getvalue())


def test_a_check_result_file_gives_the_same_probes(seed: Cluster, seed_report: CheckReport) -> None:
    from_json = plan_found(seed, found_in_json(seed, _json(seed_report)))
    assert from_json.probes == plan_check(seed, seed_report).probes
    assert from_json.pods == plan_check(seed, seed_report).pods


def test_a_result_file_must_be_a_check_result_of_this_input(seed: Cluster, seed_report: CheckReport) -> None:
    with pytest.raises(UsageError, match=r"netverify\.check/v1"):
        found_in_json(seed, {"schema": "netverify.diff/v1"})
    with pytest.raises(UsageError, match="cannot read"):
        found_in_json(seed, {"schema": "netverify.check/v1", "results": [{"name": "x"}]})
    other = load_cluster(
        [str(paths.SEED / "namespaces.yaml"), str(paths.SEED / "networkpolicy.yaml")]
    ).cluster
    with pytest.raises(UsageError, match="default/frontend, which is not in the input"):
        found_in_json(other, _json(seed_report))


def test_a_command_line_flow_is_judged_by_the_oracle(seed: Cluster) -> None:
    allowed = plan_command_line(seed, "default/monitoring", "default/db", "6379/TCP")
    (probe,) = allowed.probes
    assert probe.expected is Expectation.ALLOWED
    # monitoring gets in through the ipBlock: its address decides, and the script says so
    assert probe.source.address_matters and probe.source.address == "172.17.2.40"
    assert not probe.destination.address_matters
    assert any("depends on the address of default/monitoring" in n for n in probe.notes)
    denied = plan_command_line(seed, "other/batch", "default/db", "redis/TCP").probes[0]
    assert denied.expected is Expectation.DENIED and denied.port == 6379
    assert denied.because == ("default/test-network-policy (ingress)",)
    external_source = plan_command_line(seed, "8.8.8.8", "default/db", "6379/TCP").probes[0]
    assert external_source.source.kind is ProbeEndKind.EXTERNAL and "external address" in external_source.skip
    udp = plan_command_line(seed, "default/frontend", "other/sink", "53/UDP").probes[0]
    assert udp.expected is Expectation.ALLOWED and not udp.timeout_means_blocked
    with pytest.raises(UsageError):
        plan_command_line(seed, "default/nope", "default/db", "6379/TCP")


def test_a_hypothetical_pod_in_a_new_namespace(seed: Cluster) -> None:
    plan = plan_command_line(
        seed, "ns:fresh,labels:app=x", "default/db", "6379/TCP", ProbeSettings(parallel=3)
    )
    (probe,) = plan.probes
    (namespace,) = plan.namespaces
    assert namespace.name == "fresh" and namespace.new
    assert namespace.labels == {PROBE_LABEL: plan.id}
    (pod,) = plan.pods
    assert pod.namespace == "fresh" and pod.labels == {"app": "x", PROBE_LABEL: plan.id}
    assert probe.source.kind is ProbeEndKind.CREATED and probe.source.name == pod.name
    assert probe.expected is Expectation.DENIED  # no project=myproject label, no allowed address
    assert plan.parallel == 3


def _flow_of(cluster: Cluster, plan: ProbePlan, key: str) -> Flow:
    """The flow a matrix probe stands for, rebuilt from its ends."""
    probe = next(p for p in plan.probes if p.key == key)
    pods = {p.key: p for p in cluster.pods}
    ends = []
    for end, replica in ((probe.source, 1), (probe.destination, 2)):
        pod = pods[f"{end.namespace}/{end.name}"]
        ends.append(pod_endpoint(cluster, pod, replica=replica if pod.replicated else None))
    return Flow(source=ends[0], destination=ends[1], port=probe.port, protocol=probe.protocol)


def test_the_matrix_probes_every_pair_as_the_engine_and_the_oracle_predict(seed: Cluster) -> None:
    ports = parse_matrix_ports(["6379/TCP", "5978", "6379/TCP"])
    assert ports == [(6379, Protocol.TCP), (5978, Protocol.TCP)]
    plan = plan_matrix(seed, AnalysisOptions(), ports, settings=ProbeSettings(parallel=8))
    assert plan.matrix and plan.parallel == 8 and not plan.pods
    assert len(plan.probes) == 2 * 6 * 5  # every ordered pair of distinct pods, on both ports
    for probe in plan.probes:
        want = decide(seed, _flow_of(seed, plan, probe.key)).allowed
        assert (probe.expected is Expectation.ALLOWED) == want, probe.title
    allowed = {p.title for p in plan.probes if p.expected is Expectation.ALLOWED}
    assert "default/frontend (172.17.1.20) -> default/db (172.17.1.10) 6379/TCP" in allowed
    assert "other/batch (172.17.1.50) -> default/db (172.17.1.10) 6379/TCP" not in allowed


def test_the_matrix_selects_pods(seed: Cluster) -> None:
    plan = plan_matrix(seed, AnalysisOptions(), [(6379, Protocol.TCP)], namespaces=["default"])
    assert len(plan.probes) == 3 * 2
    plan = plan_matrix(seed, AnalysisOptions(), [(6379, Protocol.TCP)], selector=parse_selector("role"))
    assert {p.title.split(" ")[0] for p in plan.probes} == {"default/db", "default/frontend"}
    with pytest.raises(UsageError, match="no pod"):
        plan_matrix(seed, AnalysisOptions(), [(80, Protocol.TCP)], selector=parse_selector("app=none"))
    with pytest.raises(UsageError, match="--port"):
        plan_matrix(seed, AnalysisOptions(), [])
    with pytest.raises(UsageError, match="numeric ports"):
        parse_matrix_ports(["redis"])
    with pytest.raises(UsageError, match="numeric ports"):
        parse_matrix_ports(["80-90/TCP"])


WORKLOADS = """
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop, labels: {app: client}}
spec: {containers: [{name: c, image: busybox}]}
status: {podIP: 10.0.0.5}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
"""


def test_workloads_are_found_by_their_labels_and_replicas_are_two_pods(tmp_path: Path) -> None:
    (tmp_path / "shop.yaml").write_text(WORKLOADS)
    cluster = load_cluster([str(tmp_path)]).cluster
    plan = plan_matrix(cluster, AnalysisOptions(), [(80, Protocol.TCP)])
    by_title = {p.title: p for p in plan.probes}
    replicas = next(p for t, p in by_title.items() if t.startswith("shop/web[Deployment] replica 1"))
    assert replicas.source.kind is replicas.destination.kind is ProbeEndKind.WORKLOAD
    assert replicas.source.selector == {"app": "web"} == replicas.destination.selector
    assert (replicas.source.index, replicas.destination.index) == (0, 1)
    assert replicas.expected is Expectation.ALLOWED
    client = next(p for t, p in by_title.items() if t.startswith("shop/client"))
    assert client.expected is Expectation.DENIED and client.destination.kind is ProbeEndKind.WORKLOAD


def test_a_new_namespace_of_a_counterexample_is_created_with_its_labels(tmp_path: Path) -> None:
    (tmp_path / "db.yaml").write_text(NEW_NAMESPACE_INPUT)
    cluster = load_cluster([str(tmp_path)]).cluster
    props = load_specs([str(_write(tmp_path / "spec.yaml", NEW_NAMESPACE_SPEC))])
    report = check(cluster, props, AnalysisOptions(universe=Universe.ANY))
    plan = plan_check(cluster, report)
    (probe,) = plan.probes
    (namespace,) = plan.namespaces
    assert namespace.new and namespace.labels["team"] == "a"
    assert probe.source.kind is ProbeEndKind.CREATED and probe.expected is Expectation.ALLOWED


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


NEW_NAMESPACE_INPUT = """
apiVersion: v1
kind: Namespace
metadata: {name: data}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: data, labels: {app: db}}
spec: {containers: [{name: db, image: postgres, ports: [{name: pg, containerPort: 5432}]}]}
status: {podIP: 10.0.0.9}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: data}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: a}}}]
    ports: [{port: pg}]
"""
NEW_NAMESPACE_SPEC = """
properties:
  - name: nobody-else-reaches-db
    expect: deny
    universe: any
    from: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [data]}]}}]
    to: [{pod: data/db}]
"""
