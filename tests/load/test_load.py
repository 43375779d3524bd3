"""The loader on valid input: formats, lists, workloads, owners, namespaces, defaulting, notices."""

from __future__ import annotations

import io
import ipaddress
import json
import re
import textwrap
from pathlib import Path

import pytest

from tests import paths
from verifier.load import LoadResult, load_cluster
from verifier.model import (
    EVERYTHING,
    NAMESPACE_NAME_LABEL,
    Direction,
    LabelSelector,
    Operator,
    Pod,
    PolicyPort,
    Protocol,
)

DATA = paths.DATA / "load"


def load(tmp_path: Path, text: str, name: str = "in.yaml") -> LoadResult:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return load_cluster([str(path)])


def pods_by_key(result: LoadResult) -> dict[str, Pod]:
    return {p.key: p for p in result.cluster.pods}


def notices(result: LoadResult) -> list[str]:
    return [str(n) for n in result.notices]


def line_of(text: str, needle: str) -> int:
    """1-based line of the first line containing `needle` (after dedent)."""
    for number, line in enumerate(textwrap.dedent(text).splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: test-network-policy
  namespace: default
spec:
  podSelector:
    matchLabels:
      role: db
  policyTypes:
  - Ingress
  - Egress
  ingress:
  - from:
    - ipBlock:
        cidr: 172.17.0.0/16
        except:
        - 172.17.1.0/24
    - namespaceSelector:
        matchLabels:
          project: myproject
    - podSelector:
        matchLabels:
          role: frontend
    ports:
    - protocol: TCP
      port: 6379
  egress:
  - to:
    - ipBlock:
        cidr: 10.0.0.0/24
    ports:
    - protocol: TCP
      port: 5978
"""


def test_the_documentation_policy_is_parsed_with_locations(tmp_path: Path) -> None:
    result = load(tmp_path, POLICY)
    (policy,) = result.cluster.policies
    assert policy.key == "default/test-network-policy"
    assert policy.pod_selector.matches({"role": "db"}) and not policy.pod_selector.matches({"role": "x"})
    assert policy.policy_types == {Direction.INGRESS, Direction.EGRESS}
    (rule,) = policy.ingress
    assert rule.direction is Direction.INGRESS and rule.index == 0
    assert rule.peers is not None and len(rule.peers) == 3
    block = rule.peers[0].ip_block
    assert block is not None and block.cidr == ipaddress.ip_network("172.17.0.0/16")
    assert block.except_ == (ipaddress.ip_network("172.17.1.0/24"),)
    assert rule.peers[1].namespace_selector is not None and rule.peers[1].pod_selector is None
    assert rule.peers[2].pod_selector is not None and rule.peers[2].namespace_selector is None
    assert rule.ports == (PolicyPort(protocol=Protocol.TCP, port=6379),)
    (egress,) = policy.egress
    assert egress.ports == (PolicyPort(protocol=Protocol.TCP, port=5978),)
    # Locations: the policy at its metadata, each rule at its own mapping.
    file = str(tmp_path / "in.yaml")
    assert policy.location.file == file
    assert policy.location.line == line_of(POLICY, "name: test-network-policy")
    assert rule.location.line == line_of(POLICY, "  - from:")
    assert rule.location.column == 5
    assert egress.location.line == line_of(POLICY, "  - to:")
    # The undeclared namespace exists with its name label, and we were told once.
    assert result.cluster.namespaces["default"].labels == {NAMESPACE_NAME_LABEL: "default"}
    assert not result.cluster.namespaces["default"].declared
    assert [n for n in notices(result) if "Namespace default" in n] == [
        f"{file}:4:3: warning: Namespace default: not declared in the input: its labels besides "
        f"{NAMESPACE_NAME_LABEL}=default are unknown, so results hold for every label set it could carry "
        "(--assume-unlabelled-namespaces assumes it has none)"
    ]
    assert result.cluster.labels_unknown("default")
    assumed = load_cluster([str(tmp_path / "in.yaml")], assume_unlabelled_namespaces=True)
    assert not assumed.cluster.labels_unknown("default")
    assert [n for n in notices(assumed) if "Namespace default" in n] == [
        f"{file}:4:3: warning: Namespace default: not declared in the input: assumed to carry only the "
        f"label {NAMESPACE_NAME_LABEL}=default (--assume-unlabelled-namespaces)"
    ]


@pytest.mark.parametrize(
    ("spec", "types"),
    [
        ("podSelector: {}", {Direction.INGRESS}),
        ("podSelector: {}\n  egress: []", {Direction.INGRESS}),
        ("podSelector: {}\n  egress: [{}]", {Direction.INGRESS, Direction.EGRESS}),
        ("podSelector: {}\n  egress: [{}]\n  policyTypes: [Egress]", {Direction.EGRESS}),
        ("podSelector: {}\n  policyTypes: [Egress]", {Direction.EGRESS}),
        ("podSelector: {}\n  ingress: [{}]\n  policyTypes: [Ingress]", {Direction.INGRESS}),
    ],
)
def test_effective_policy_types(tmp_path: Path, spec: str, types: set[Direction]) -> None:
    text = f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: p}}\nspec:\n  {spec}\n"
    (policy,) = load(tmp_path, text).cluster.policies
    assert policy.policy_types == types


def test_rule_defaulting(tmp_path: Path) -> None:
    text = """\
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: p, namespace: ns}
    spec:
      podSelector: {}
      ingress:
      - {}
      - from: []
        ports: []
      - ports: [{port: 53, protocol: UDP}, {port: 80, endPort: 90}, {protocol: SCTP}, {port: dns}]
      - from:
        - podSelector: {}
        - namespaceSelector: {}
          podSelector:
            matchExpressions: [{key: tier, operator: NotIn, values: [a, b]}, {key: x, operator: Exists}]
      egress:
      - to: [{namespaceSelector: {matchLabels: {team: a}}}]
    """
    (policy,) = load(tmp_path, text).cluster.policies
    r0, r1, r2, r3 = policy.ingress
    assert (r0.peers, r0.ports) == (None, None)
    assert (r1.peers, r1.ports) == (None, None)
    assert r2.peers is None
    assert r2.ports == (
        PolicyPort(protocol=Protocol.UDP, port=53),
        PolicyPort(protocol=Protocol.TCP, port=80, end_port=90),
        PolicyPort(protocol=Protocol.SCTP),
        PolicyPort(protocol=Protocol.TCP, port="dns"),
    )
    assert r3.ports is None and r3.peers is not None
    assert r3.peers[0].pod_selector == EVERYTHING and r3.peers[0].namespace_selector is None
    both = r3.peers[1]
    assert both.namespace_selector == EVERYTHING
    assert both.pod_selector is not None
    ops = [(r.key, r.operator, r.values) for r in both.pod_selector.match_expressions]
    assert ops == [("tier", Operator.NOT_IN, ("a", "b")), ("x", Operator.EXISTS, ())]
    assert [r.index for r in policy.ingress] == [0, 1, 2, 3]
    assert policy.policy_types == {Direction.INGRESS, Direction.EGRESS}
    assert policy.egress[0].peers is not None
    assert policy.egress[0].peers[0].namespace_selector == LabelSelector(match_labels=(("team", "a"),))


_WRITTEN = ("peers_written", "ports_written")
_POLICY_WRITTEN = ("ingress_written", "egress_written", "policy_types_written", "manifest_location")


def test_how_each_list_was_written_is_kept_beside_its_meaning(tmp_path: Path) -> None:
    text = """\
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: p, namespace: ns}
    spec:
      podSelector: {}
      ingress:
      - {}
      - from: []
        ports: []
      - from: null
        ports: null
      - from: [{podSelector: {}}]
        ports: [{port: 80}]
      -
      egress: []
    ---
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: q, namespace: ns}
    spec:
      podSelector: {}
      ingress: null
      egress: [{to: []}]
      policyTypes: []
    ---
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: r, namespace: ns}
    spec:
      podSelector: {}
      policyTypes: [Ingress]
    """
    p, q, r = load(tmp_path, text).cluster.policies
    written = [(rule.peers_written, rule.ports_written) for rule in p.ingress]
    assert written == [
        ("missing", "missing"),
        ("empty", "empty"),
        ("missing", "missing"),
        ("list", "list"),
        ("missing", "missing"),  # a null rule
    ]
    assert (p.ingress_written, p.egress_written, p.policy_types_written) == ("list", "empty", "missing")
    assert (q.ingress_written, q.egress_written, q.policy_types_written) == ("missing", "list", "empty")
    assert (q.egress[0].peers_written, q.egress[0].ports_written) == ("empty", "missing")
    assert (r.ingress_written, r.egress_written, r.policy_types_written) == ("missing", "missing", "list")
    # the object's own start (for NV015), next to its metadata (every other finding)
    assert [str(x.manifest_location) for x in (p, q, r)] == [
        f"{tmp_path / 'in.yaml'}:{n}:1" for n in (1, 17, 26)
    ]
    assert str(p.location) == f"{tmp_path / 'in.yaml'}:3:11"
    # the meaning does not depend on how it was written: missing, null and [] all allow all
    allow_all = [p.ingress[i] for i in (0, 1, 2, 4)] + [q.egress[0]]
    assert {(rule.peers, rule.ports) for rule in allow_all} == {(None, None)}
    assert p.policy_types == r.policy_types == {Direction.INGRESS}  # egress: [] is not Egress
    assert q.policy_types == {Direction.INGRESS, Direction.EGRESS}  # policyTypes: [] as missing
    assert p.egress == () and q.ingress == ()


def test_models_built_by_hand_say_unknown() -> None:
    from tests.strategies import make_policy, rule

    policy = make_policy("x", "p", ingress=[rule()], egress=[])
    assert (policy.ingress[0].peers_written, policy.ingress[0].ports_written) == ("unknown", "unknown")
    assert {getattr(policy, f) for f in _POLICY_WRITTEN[:3]} == {"unknown"}
    assert policy.manifest_location.file == "<unknown>"


def test_missing_pod_selector_is_everything_with_a_notice(tmp_path: Path) -> None:
    text = (
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  ingress: [{}]\n"
    )
    result = load(tmp_path, text)
    (policy,) = result.cluster.policies
    assert policy.pod_selector == EVERYTHING
    assert any("spec.podSelector is missing" in n and "NetworkPolicy default/p" in n for n in notices(result))


def test_cidr_with_host_bits_is_masked_with_a_notice(tmp_path: Path) -> None:
    text = """\
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: p}
    spec:
      podSelector: {}
      egress:
      - to: [{ipBlock: {cidr: 10.0.0.1/4}}, {ipBlock: {cidr: "fd00::1/64"}}]
    """
    result = load(tmp_path, text)
    peers = result.cluster.policies[0].egress[0].peers
    assert peers is not None
    assert [p.ip_block.cidr for p in peers if p.ip_block] == [
        ipaddress.ip_network("0.0.0.0/4"),
        ipaddress.ip_network("fd00::/64"),
    ]
    masked = [n for n in notices(result) if "host bits" in n]
    assert len(masked) == 2 and '"10.0.0.1/4"' in masked[0] and "0.0.0.0/4" in masked[0]


def test_pods_namespace_ports_and_ips(tmp_path: Path) -> None:
    text = """\
    apiVersion: v1
    kind: Pod
    metadata:
      name: p
      labels: {app: web, "example.com/tier": front}
    spec:
      initContainers:
      - name: init
        ports: [{containerPort: 9000, name: init-port, protocol: UDP}]
      containers:
      - name: a
        ports:
        - {containerPort: 80, name: http}
        - {containerPort: 53, name: dns, protocol: UDP}
        - {containerPort: 53, name: dns-tcp, protocol: TCP}
      - name: b
        ports: [{containerPort: 8443}]
    status:
      phase: Running
      podIP: 10.0.0.7
      podIPs: [{ip: 10.0.0.7}, {ip: "fd00::7"}]
    """
    result = load(tmp_path, text)
    pod = pods_by_key(result)["default/p"]
    assert pod.kind == "Pod" and not pod.is_template
    assert pod.labels == {"app": "web", "example.com/tier": "front"}
    assert pod.ips == (ipaddress.ip_address("10.0.0.7"), ipaddress.ip_address("fd00::7"))
    ports = {(p.port, p.protocol, p.name) for p in pod.ports}
    assert ports == {
        (80, Protocol.TCP, "http"),
        (53, Protocol.UDP, "dns"),
        (53, Protocol.TCP, "dns-tcp"),
        (8443, Protocol.TCP, None),
        (9000, Protocol.UDP, "init-port"),
    }
    assert pod.location.line == 4  # the metadata mapping starts at its first key, `name: p`


def test_pod_without_ip_and_same_port_name_twice_with_same_number(tmp_path: Path) -> None:
    text = """\
    apiVersion: v1
    kind: Pod
    metadata: {name: p, namespace: x}
    spec:
      containers:
      - {name: a, ports: [{containerPort: 53, name: dns, protocol: UDP}]}
      - {name: b, ports: [{containerPort: 53, name: dns, protocol: TCP}]}
    status: {phase: Pending}
    """
    pod = pods_by_key(load(tmp_path, text))["x/p"]
    assert pod.ips == ()
    assert {(p.port, p.protocol) for p in pod.ports} == {(53, Protocol.UDP), (53, Protocol.TCP)}


@pytest.mark.parametrize(
    ("kind", "template_path"),
    [
        ("Deployment", "spec.template"),
        ("StatefulSet", "spec.template"),
        ("DaemonSet", "spec.template"),
        ("ReplicaSet", "spec.template"),
        ("ReplicationController", "spec.template"),
        ("Job", "spec.template"),
        ("CronJob", "spec.jobTemplate.spec.template"),
    ],
)
def test_workload_templates_become_endpoints(tmp_path: Path, kind: str, template_path: str) -> None:
    template = {
        "metadata": {"labels": {"app": "w"}},
        "spec": {"containers": [{"name": "c", "ports": [{"containerPort": 8080, "name": "http"}]}]},
    }
    doc: dict[str, object] = {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": "w", "namespace": "n"},
    }
    node: dict[str, object] = doc
    *parents, last = template_path.split(".")
    for step in parents:
        node = node.setdefault(step, {})  # type: ignore[assignment]
    node[last] = template
    result = load(tmp_path, json.dumps(doc), name="w.json")
    pod = pods_by_key(result)[f"n/w[{kind}]"]
    assert pod.kind == kind and pod.is_template
    assert pod.name == f"w[{kind}]"
    assert pod.labels == {"app": "w"}
    assert pod.ips == ()
    assert [(p.port, p.name) for p in pod.ports] == [(8080, "http")]


def test_host_network_and_finished_pods_are_excluded_with_notices(tmp_path: Path) -> None:
    text = """\
    apiVersion: v1
    kind: Pod
    metadata: {name: host, namespace: n}
    spec: {hostNetwork: true}
    status: {podIP: 192.168.0.1}
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: done, namespace: n}
    status: {phase: Succeeded}
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: failed, namespace: n}
    status: {phase: Failed}
    ---
    apiVersion: apps/v1
    kind: DaemonSet
    metadata: {name: agent, namespace: n}
    spec: {template: {spec: {hostNetwork: true}}}
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: live, namespace: n}
    status: {phase: Running}
    """
    result = load(tmp_path, text)
    assert list(pods_by_key(result)) == ["n/live"]
    texts = notices(result)
    assert any("Pod n/host" in n and "hostNetwork" in n for n in texts)
    assert any("Pod n/done" in n and "Succeeded" in n for n in texts)
    assert any("Pod n/failed" in n and "Failed" in n for n in texts)
    assert any("DaemonSet n/agent" in n and "hostNetwork" in n for n in texts)


def test_kubectl_dump_keeps_real_pods_and_drops_represented_templates() -> None:
    result = load_cluster([str(DATA / "kubectl-dump.yaml")])
    pods = pods_by_key(result)
    assert sorted(pods) == ["shop/web-7c9f8d-aaaaa", "shop/web-7c9f8d-bbbbb"]
    assert pods["shop/web-7c9f8d-aaaaa"].ips == (ipaddress.ip_address("10.1.0.10"),)
    texts = notices(result)
    # Both ReplicaSets (even the old one, which has no pods) are represented by the Deployment,
    # and the Deployment by its real pods.
    assert any("ReplicaSet shop/web-7c9f8d" in n and "managed by Deployment web" in n for n in texts)
    assert any("ReplicaSet shop/web-5b6a7c" in n and "managed by Deployment web" in n for n in texts)
    assert any("Deployment shop/web" in n and "2 of its pods are in the input" in n for n in texts)
    assert any("skipped" in n and "1 Service" in n for n in texts)
    shop = result.cluster.namespaces["shop"]
    assert shop.declared and shop.labels == {NAMESPACE_NAME_LABEL: "shop", "team": "web"}
    assert [p.key for p in result.cluster.policies] == ["shop/web-ingress"]
    assert not any("Namespace shop" in n for n in texts)


def test_pod_linked_to_deployment_by_template_hash_when_replicaset_is_absent(tmp_path: Path) -> None:
    text = """\
    apiVersion: apps/v1
    kind: Deployment
    metadata: {name: api, namespace: n}
    spec: {template: {metadata: {labels: {app: api}}}}
    ---
    apiVersion: v1
    kind: Pod
    metadata:
      name: api-abc12-xyz
      namespace: n
      labels: {app: api, pod-template-hash: abc12}
      ownerReferences: [{kind: ReplicaSet, name: api-abc12, controller: true}]
    """
    assert list(pods_by_key(load(tmp_path, text))) == ["n/api-abc12-xyz"]


def test_cronjob_chain_and_templates_without_live_pods(tmp_path: Path) -> None:
    text = """\
    apiVersion: batch/v1
    kind: CronJob
    metadata: {name: backup, namespace: n}
    spec: {jobTemplate: {spec: {template: {metadata: {labels: {app: backup}}}}}}
    ---
    apiVersion: batch/v1
    kind: Job
    metadata:
      name: backup-28000
      namespace: n
      ownerReferences: [{kind: CronJob, name: backup, controller: true}]
    spec: {template: {metadata: {labels: {app: backup}}}}
    ---
    apiVersion: v1
    kind: Pod
    metadata:
      name: backup-28000-q
      namespace: n
      labels: {app: backup}
      ownerReferences: [{kind: Job, name: backup-28000, controller: true}]
    status: {phase: Succeeded}
    ---
    apiVersion: apps/v1
    kind: StatefulSet
    metadata: {name: db, namespace: n}
    spec: {template: {metadata: {labels: {app: db}}}}
    ---
    apiVersion: v1
    kind: Pod
    metadata:
      name: db-0
      namespace: n
      labels: {app: db}
      ownerReferences: [{kind: StatefulSet, name: db, controller: true}]
    status: {phase: Running, podIP: 10.0.0.9}
    ---
    apiVersion: v1
    kind: Pod
    metadata:
      name: orphan
      namespace: n
      ownerReferences: [{kind: ReplicaSet, name: gone, controller: true}]
    """
    result = load(tmp_path, text)
    # The finished Job pod does not stand for the CronJob: future runs are still possible.
    # The Job is managed by the CronJob; the StatefulSet is represented by db-0.
    assert sorted(pods_by_key(result)) == ["n/backup[CronJob]", "n/db-0", "n/orphan"]


def test_kubectl_list_typed_list_and_nested_list(tmp_path: Path) -> None:
    text = """\
    apiVersion: v1
    kind: PodList
    items:
    - metadata: {name: a, namespace: x, labels: {pod: a}}
      status: {podIP: 10.0.0.1}
    - metadata: {name: b, namespace: x}
    ---
    apiVersion: v1
    kind: List
    items:
    - apiVersion: networking.k8s.io/v1
      kind: NetworkPolicyList
      items:
      - metadata: {name: deny, namespace: x}
        spec: {podSelector: {}}
    - apiVersion: v1
      kind: NamespaceList
      items:
      - metadata: {name: x, labels: {env: prod}}
    """
    result = load(tmp_path, text)
    assert sorted(pods_by_key(result)) == ["x/a", "x/b"]
    assert pods_by_key(result)["x/a"].location.line == 4
    assert [p.key for p in result.cluster.policies] == ["x/deny"]
    assert result.cluster.namespaces["x"].labels == {"env": "prod", NAMESPACE_NAME_LABEL: "x"}


def test_stdin(tmp_path: Path) -> None:
    stdin = io.StringIO("apiVersion: v1\nkind: Pod\nmetadata: {name: s, namespace: x}\n")
    result = load_cluster(["-"], stdin=stdin)
    (pod,) = result.cluster.pods
    assert pod.key == "x/s" and str(pod.location) == "<stdin>:3:11"


def test_stdin_json(tmp_path: Path) -> None:
    stdin = io.StringIO('{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j"}}')
    (pod,) = load_cluster(["-"], stdin=stdin).cluster.pods
    assert pod.key == "default/j"


def test_directory_recursion_is_sorted_and_skips_other_and_hidden_files() -> None:
    tree = DATA / "tree"
    result = load_cluster([str(tree)])
    assert [p.name for p in result.cluster.pods] == ["b", "c", "a"]  # a-ns, b-pods, sub/c, sub/deeper/a
    assert result.cluster.namespaces["x"].declared
    assert result.cluster.namespaces["x"].labels["team"] == "blue"
    assert result.notices == ()
    # A file reached twice (directly and through its directory) is read once.
    again = load_cluster([str(tree), str(tree / "b-pods.yaml")])
    assert len(again.cluster.pods) == 3


def test_json_stream_is_located_per_object(tmp_path: Path) -> None:
    a = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "x"}}
    b = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "b", "namespace": "x"}}
    path = tmp_path / "s.json"
    first = json.dumps(a, indent=2)
    path.write_text(f"{first}\n\n{json.dumps(b)}")
    second_line = first.count("\n") + 3
    pods = load_cluster([str(path)]).cluster.pods
    # Each pod is located at its metadata object: line and column of its opening brace.
    column_b = json.dumps(b).index('"metadata": {') + len('"metadata": {')
    assert [str(p.location) for p in pods] == [f"{path}:4:15", f"{path}:{second_line}:{column_b}"]


def test_namespace_name_label_is_forced(tmp_path: Path) -> None:
    text = """\
    apiVersion: v1
    kind: Namespace
    metadata:
      name: real
      labels: {kubernetes.io/metadata.name: fake, team: a}
    """
    result = load(tmp_path, text)
    assert result.cluster.namespaces["real"].labels == {NAMESPACE_NAME_LABEL: "real", "team": "a"}
    assert any("kubernetes.io/metadata.name=fake replaced by real" in n for n in notices(result))


def test_undeclared_namespace_gets_one_notice(tmp_path: Path) -> None:
    docs = "\n---\n".join(
        f"apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: team}}" for i in range(5)
    )
    result = load(tmp_path, docs)
    assert len([n for n in notices(result) if "Namespace team" in n]) == 1
    assert result.cluster.namespaces["team"].declared is False


def test_ignored_kinds_are_summarised_per_kind_and_file(tmp_path: Path) -> None:
    docs = "\n---\n".join(
        f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}, namespace: n}}" for i in range(3)
    )
    result = load(tmp_path, docs + "\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: s}\n")
    texts = notices(result)
    assert texts == [
        "note: skipped 4 objects that do not change traffic: 3 ConfigMap, 1 Secret (--verbose lists them)"
    ]
    assert result.cluster.pods == () and result.cluster.policies == ()


def test_empty_documents_anchors_and_merge_keys(tmp_path: Path) -> None:
    text = """\
    ---
    ---
    apiVersion: v1
    kind: List
    items:
    - apiVersion: v1
      kind: Pod
      metadata:
        name: a
        namespace: x
        labels: &labels {app: web, tier: front}
    - apiVersion: v1
      kind: Pod
      metadata:
        name: b
        namespace: x
        labels:
          <<: *labels
          tier: back
    """
    pods = pods_by_key(load(tmp_path, text))
    assert pods["x/a"].labels == {"app": "web", "tier": "front"}
    assert pods["x/b"].labels == {"app": "web", "tier": "back"}


def test_model_objects_are_the_documented_types(tmp_path: Path) -> None:
    # model_construct must still give values equal to validated ones.
    result = load(tmp_path, POLICY)
    policy = result.cluster.policies[0]
    assert type(policy).model_validate(policy.model_dump(by_alias=True)) == policy


# --- replicas: a template that stands for two pods or more -------------------------------


def workload(
    kind: str, name: str = "w", *, count: object = None, field: str = "replicas"
) -> dict[str, object]:
    template = {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "c"}]}}
    holder: dict[str, object] = {"template": template}
    if count is not None:
        holder[field] = count
    spec: dict[str, object] = {"jobTemplate": {"spec": holder}} if kind == "CronJob" else holder
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name, "namespace": "n"}, "spec": spec}


def load_docs(tmp_path: Path, *docs: object) -> LoadResult:
    return load(tmp_path, "\n".join(json.dumps(d) for d in docs), name="in.json")


@pytest.mark.parametrize(
    ("kind", "field", "count", "replicated"),
    [
        ("Deployment", "replicas", None, False),
        ("Deployment", "replicas", 1, False),
        ("Deployment", "replicas", 2, True),
        ("StatefulSet", "replicas", 3, True),
        ("ReplicaSet", "replicas", 2, True),
        ("ReplicationController", "replicas", 1, False),
        ("ReplicationController", "replicas", 5, True),
        ("DaemonSet", "replicas", None, True),
        ("Job", "parallelism", None, False),
        ("Job", "parallelism", 1, False),
        ("Job", "parallelism", 4, True),
        ("Job", "replicas", 4, False),  # a Job has no replicas: only parallelism counts
        ("CronJob", "parallelism", 2, True),
        ("CronJob", "parallelism", 1, False),
    ],
)
def test_replicated_templates(
    tmp_path: Path, kind: str, field: str, count: int | None, replicated: bool
) -> None:
    result = load_docs(tmp_path, workload(kind, count=count, field=field))
    pod = pods_by_key(result)[f"n/w[{kind}]"]
    assert pod.replicated is replicated


@pytest.mark.parametrize(
    ("kind", "field", "path"),
    [
        ("Deployment", "replicas", "spec.replicas: 0"),
        ("StatefulSet", "replicas", "spec.replicas: 0"),
        ("Job", "parallelism", "spec.parallelism: 0"),
        ("CronJob", "parallelism", "spec.jobTemplate.spec.parallelism: 0"),
    ],
)
def test_scaled_to_zero_is_no_endpoint_with_a_notice(
    tmp_path: Path, kind: str, field: str, path: str
) -> None:
    result = load_docs(tmp_path, workload(kind, count=0, field=field))
    assert pods_by_key(result) == {}
    (notice,) = [n for n in notices(result) if "scaled to zero" in n]
    # Located at the object's metadata: JSON input has real lines and columns.
    assert re.match(
        re.escape(f"{tmp_path / 'in.json'}:1:")
        + r"\d+"
        + re.escape(f": warning: {kind} n/w: scaled to zero: no pods ({path})"),
        notice,
    )


def test_scaled_to_zero_still_owns_its_pods_and_children(tmp_path: Path) -> None:
    """A Deployment scaled to zero still stands for its ReplicaSets (no endpoint at all), and
    a ReplicaSet at zero managed by a Deployment in the input gets the 'managed by' notice only."""
    rs = workload("ReplicaSet", "w-5d", count=0)
    rs["metadata"] = {
        "name": "w-5d",
        "namespace": "n",
        "ownerReferences": [{"kind": "Deployment", "name": "w"}],
    }
    result = load_docs(tmp_path, workload("Deployment", count=0), rs)
    assert pods_by_key(result) == {}
    texts = notices(result)
    assert any("ReplicaSet n/w-5d" in n and "managed by Deployment w" in n for n in texts)
    assert not any("ReplicaSet n/w-5d" in n and "scaled to zero" in n for n in texts)
    assert any("Deployment n/w" in n and "scaled to zero" in n for n in texts)


def hpa(
    target_kind: str, target: str, most: object, *, namespace: str = "n", api: str = "autoscaling/v2"
) -> object:
    return {
        "apiVersion": api,
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "h", "namespace": namespace},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": target_kind, "name": target},
            "maxReplicas": most,
        },
    }


@pytest.mark.parametrize(
    ("scaler", "replicated"),
    [
        (hpa("Deployment", "w", 5), True),
        (hpa("Deployment", "w", 5, api="autoscaling/v1"), True),
        (hpa("Deployment", "w", 1), False),  # maxReplicas 1: never two pods
        (hpa("Deployment", "other", 5), False),  # names another workload
        (hpa("StatefulSet", "w", 5), False),  # another kind of the same name
        (hpa("Deployment", "w", 5, namespace="elsewhere"), False),  # another namespace
    ],
)
def test_autoscaled_workload_is_replicated(tmp_path: Path, scaler: object, replicated: bool) -> None:
    result = load_docs(tmp_path, workload("Deployment", count=1), scaler)
    assert pods_by_key(result)["n/w[Deployment]"].replicated is replicated
    # The HPA itself is still traffic-neutral: summarised like the other ignored kinds.
    assert any("1 HorizontalPodAutoscaler" in n and "not change traffic" in n for n in notices(result))


def test_autoscaler_does_not_scale_from_zero(tmp_path: Path) -> None:
    result = load_docs(tmp_path, workload("Deployment", count=0), hpa("Deployment", "w", 5))
    assert pods_by_key(result) == {}
    assert any("scaled to zero" in n for n in notices(result))


def test_autoscaler_is_read_even_before_its_target(tmp_path: Path) -> None:
    result = load_docs(tmp_path, hpa("Deployment", "w", 3), workload("Deployment"))
    assert pods_by_key(result)["n/w[Deployment]"].replicated


def test_replicated_template_dropped_when_its_pods_are_in_the_input() -> None:
    """The dump's Deployment has replicas: 2, but its two real pods stand for it."""
    result = load_cluster([str(DATA / "kubectl-dump.yaml")])
    pods = pods_by_key(result)
    assert "shop/web[Deployment]" not in pods
    assert not any(p.replicated for p in pods.values())
