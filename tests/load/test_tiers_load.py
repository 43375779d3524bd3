"""The loader on the cluster-wide tiers and Nodes: AdminNetworkPolicy and
BaselineAdminNetworkPolicy (v1alpha1), ClusterNetworkPolicy (v1alpha2) and core Nodes load into
`Cluster.tier_policies` / `Cluster.nodes`; bad input is one located line per problem."""

from __future__ import annotations

import ipaddress
import json
import re
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests import paths
from verifier.cli import app
from verifier.errors import InputError
from verifier.load import LoadResult, load_cluster
from verifier.model import (
    EVERYTHING,
    Action,
    Direction,
    LabelSelector,
    Node,
    Protocol,
    Tier,
    TierPolicy,
    TierPort,
)

DATA = paths.DATA / "tiers"
TIERS = DATA / "tiers.yaml"
DUMP = DATA / "kubectl-dump.yaml"

ANP = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: a}\n"
BANP = "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata: {name: default}\n"
CNP = "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: c}\n"
NODE = "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\n"


def sel(**labels: str) -> LabelSelector:
    return LabelSelector(match_labels=tuple(sorted(labels.items())))


def load(tmp_path: Path, text: str, name: str = "in.yaml") -> LoadResult:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return load_cluster([str(path)])


def problems(tmp_path: Path, text: str) -> tuple[Path, list[str]]:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_cluster([str(path)])
    lines = [str(p) for p in caught.value.problems]
    for line in lines:
        assert "\n" not in line and line.startswith(str(path)), line
    return path, lines


def doc(head: str, spec: str) -> str:
    return head + "spec:\n" + textwrap.indent(textwrap.dedent(spec), "  ")


def by_key(policies: tuple[TierPolicy, ...]) -> dict[str, TierPolicy]:
    return {p.key: p for p in policies}


# --- valid input ----------------------------------------------------------------------------


def test_the_three_kinds_load_in_input_order() -> None:
    cluster = load_cluster([str(TIERS)]).cluster
    assert [p.key for p in cluster.tier_policies] == [
        "AdminNetworkPolicy/cluster-control",
        "BaselineAdminNetworkPolicy/default",
        "ClusterNetworkPolicy/baseline-dns",
        "ClusterNetworkPolicy/admin-sctp",
    ]
    assert [(p.tier, p.priority) for p in cluster.tier_policies] == [
        (Tier.ADMIN, 10),
        (Tier.BASELINE, None),
        (Tier.BASELINE, 5),
        (Tier.ADMIN, 0),
    ]
    assert cluster.has_tiers
    assert cluster.namespaces == {}  # cluster-scoped: no namespace is referenced
    for policy in cluster.tier_policies:
        assert policy.location.file == str(TIERS) and policy.location.line > policy.manifest_location.line


def test_admin_network_policy_round_trip() -> None:
    anp = by_key(load_cluster([str(TIERS)]).cluster.tier_policies)["AdminNetworkPolicy/cluster-control"]
    assert anp.kind == "AdminNetworkPolicy" and anp.name == "cluster-control"
    assert anp.subject.namespaces == sel(tenant="blue")
    assert (anp.location.line, anp.manifest_location.line) == (5, 2)
    allow, passing = anp.ingress
    assert (allow.name, allow.action, allow.action_written, allow.index) == (
        "allow-monitoring",
        Action.ALLOW,
        "Allow",
        0,
    )
    assert allow.direction is Direction.INGRESS and allow.location.line == 12
    assert allow.peers[0].namespaces == sel(**{"kubernetes.io/metadata.name": "monitoring"})
    assert allow.ports == (
        TierPort(protocol=Protocol.TCP, first=9090, last=9090),
        TierPort(protocol=None, name="metrics"),
    )
    assert passing.action is Action.PASS and passing.ports is None
    (pods,) = passing.peers
    assert pods.kind == "pods" and pods.pod_namespaces == sel(tenant="blue")
    assert pods.pods is not None and [r.values for r in pods.pods.match_expressions] == [("web", "api")]
    deny, nodes, names = anp.egress
    assert deny.direction is Direction.EGRESS and deny.action is Action.DENY
    assert deny.peers[0].networks == (
        ipaddress.ip_network("169.254.169.254/32"),
        ipaddress.ip_network("fd00::/8"),
    )
    assert deny.ports == (TierPort(protocol=Protocol.UDP, first=1000, last=2000),)
    assert nodes.name == "" and nodes.label == "egress[1]"
    assert nodes.peers[0].nodes == sel(**{"node-role.kubernetes.io/control-plane": ""})
    assert names.peers[0].domain_names == ("*.example.com", "kubernetes.io")


def test_baseline_admin_network_policy_round_trip() -> None:
    banp = by_key(load_cluster([str(TIERS)]).cluster.tier_policies)["BaselineAdminNetworkPolicy/default"]
    assert banp.tier is Tier.BASELINE and banp.priority is None
    assert banp.subject.pod_namespaces == EVERYTHING and banp.subject.pods == sel(app="web")
    assert [(r.name, r.action, r.action_written) for r in banp.ingress + banp.egress] == [
        ("deny-all", Action.DENY, "Deny"),
        ("allow-internal", Action.ALLOW, "Allow"),
    ]
    assert banp.ingress[0].peers[0].namespaces == EVERYTHING


def test_cluster_network_policy_round_trip() -> None:
    policies = by_key(load_cluster([str(TIERS)]).cluster.tier_policies)
    dns = policies["ClusterNetworkPolicy/baseline-dns"]
    assert dns.tier is Tier.BASELINE and dns.priority == 5
    # v1alpha2's NamespacedPod may omit namespaceSelector: every namespace
    assert dns.subject.pods == EVERYTHING and dns.subject.pod_namespaces == EVERYTHING
    (accept,) = dns.egress
    assert (accept.action, accept.action_written) == (Action.ALLOW, "Accept")
    assert accept.peers[0].pods == sel(**{"k8s-app": "kube-dns"})
    assert accept.ports == (
        TierPort(protocol=Protocol.UDP, first=53, last=53),
        TierPort(protocol=Protocol.TCP, first=53, last=54),
        TierPort(protocol=None, name="dns"),
    )
    (deny,) = dns.ingress
    assert deny.label == "ingress[0]" and deny.action_written == "Deny"
    sctp = policies["ClusterNetworkPolicy/admin-sctp"]
    assert sctp.tier is Tier.ADMIN and sctp.priority == 0
    assert sctp.egress[0].action is Action.PASS
    assert sctp.egress[0].ports == (TierPort(protocol=Protocol.SCTP, first=3868, last=3868),)


def test_nodes_round_trip() -> None:
    result = load_cluster([str(TIERS)])
    assert result.cluster.nodes == (
        Node(
            name="node-a",
            labels={"kubernetes.io/hostname": "node-a", "node-role.kubernetes.io/control-plane": ""},
            addresses=(ipaddress.ip_address("10.1.0.1"), ipaddress.ip_address("2001:db8::1")),
            location=result.cluster.nodes[0].location,
        ),
    )
    assert result.cluster.nodes[0].location.line == 107
    # Nodes are read now, not skipped as traffic-neutral
    assert not any("Node" in str(n) for n in result.notices)


def test_kubectl_list_dump() -> None:
    result = load_cluster([str(DUMP)])
    cluster = result.cluster
    assert [n.name for n in cluster.nodes] == ["worker-1", "worker-2", "control-plane"]
    assert [[str(a) for a in n.addresses] for n in cluster.nodes] == [
        ["172.18.0.3"],
        ["172.18.0.4", "fc00:f853:ccd:e793::4"],
        ["172.18.0.2", "203.0.113.7"],
    ]
    assert cluster.nodes[0].labels["topology.kubernetes.io/zone"] == "zone-a"
    assert [p.key for p in cluster.tier_policies] == [
        "AdminNetworkPolicy/zone-a-egress",
        "BaselineAdminNetworkPolicy/default",
        "ClusterNetworkPolicy/admin-dns",
    ]
    (rule,) = cluster.tier_policies[0].egress
    assert rule.peers[0].node_addresses(cluster.nodes) == (ipaddress.ip_address("172.18.0.3"),)
    assert result.notices == ()


def test_kubectl_json_dump(tmp_path: Path) -> None:
    dump = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {"name": "n1", "labels": {"zone": "a"}},
                "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.1"}]},
            },
            {
                "apiVersion": "policy.networking.k8s.io/v1alpha1",
                "kind": "AdminNetworkPolicy",
                "metadata": {"name": "a"},
                "spec": {"priority": 3, "subject": {"namespaces": {}}},
            },
        ],
    }
    result = load(tmp_path, json.dumps(dump), name="dump.json")
    assert [n.name for n in result.cluster.nodes] == ["n1"]
    (anp,) = result.cluster.tier_policies
    assert anp.priority == 3 and anp.ingress == () and anp.egress == ()
    assert anp.location.file == str(tmp_path / "dump.json")


def test_node_address_that_is_not_an_ip_is_left_out_with_a_notice(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        NODE + "status:\n  addresses:\n  - {type: InternalIP, address: not-an-ip}\n"
        "  - {type: ExternalIP, address: 198.51.100.1}\n",
    )
    assert result.cluster.nodes[0].addresses == (ipaddress.ip_address("198.51.100.1"),)
    (notice,) = result.notices
    assert 'Node n1: status.addresses[0]: InternalIP "not-an-ip" is not an IP address' in str(notice)


def test_node_without_status_has_no_addresses(tmp_path: Path) -> None:
    (node,) = load(tmp_path, NODE).cluster.nodes
    assert node.addresses == () and node.labels == {}


def test_networks_host_bits_are_masked_with_a_notice(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        doc(
            ANP,
            "priority: 1\nsubject: {namespaces: {}}\negress: [{action: Deny, to: [{networks: [10.1.2.3/8]}]}]",
        ),
    )
    assert result.cluster.tier_policies[0].egress[0].peers[0].networks == (
        ipaddress.ip_network("10.0.0.0/8"),
    )
    assert any('CIDR "10.1.2.3/8" has host bits set; treated as 10.0.0.0/8' in str(n) for n in result.notices)


def test_a_named_port_that_no_container_can_have_gets_a_notice(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        doc(
            ANP,
            "priority: 1\nsubject: {namespaces: {}}\n"
            "ingress: [{action: Allow, from: [{namespaces: {}}], ports: [{namedPort: HTTP_Port}]}]",
        ),
    )
    assert result.cluster.tier_policies[0].ingress[0].ports == (TierPort(protocol=None, name="HTTP_Port"),)
    (notice,) = result.notices
    assert 'named port "HTTP_Port" can match no container port' in str(notice)


def test_protocol_defaults_to_tcp_and_null_fields_count_as_unset(tmp_path: Path) -> None:
    result = load(
        tmp_path,
        doc(
            ANP,
            "priority: 1\nsubject: {namespaces: {}, pods: null}\n"
            "egress: [{action: Allow, to: [{namespaces: {}, networks: null}],"
            " ports: [{portRange: {start: 1, end: 2}}]}]",
        ),
    )
    assert result.cluster.tier_policies[0].egress[0].ports == (
        TierPort(protocol=Protocol.TCP, first=1, last=2),
    )


def test_ignore_kind_does_not_leave_out_tier_kinds_that_are_read(tmp_path: Path) -> None:
    path = tmp_path / "in.yaml"
    path.write_text(doc(ANP, "priority: 1\nsubject: {namespaces: {}}"))
    result = load_cluster([str(path)], ignore_kinds=["AdminNetworkPolicy"])
    assert [p.name for p in result.cluster.tier_policies] == ["a"]
    (notice,) = result.notices
    assert "--ignore-kind AdminNetworkPolicy does not leave out" in str(notice)
    assert result.ignored_kinds == ()


def test_ignore_kind_leaves_out_a_version_that_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "in.yaml"
    path.write_text(CNP.replace("v1alpha2", "v1beta1") + "spec: {}\n")
    result = load_cluster([str(path)], ignore_kinds=["ClusterNetworkPolicy"])
    assert result.cluster.tier_policies == () and result.ignored_kinds == ("ClusterNetworkPolicy",)


# --- invalid input: one located line each ------------------------------------------------

_ANP_OK = "priority: 1\nsubject: {namespaces: {}}\n"
_CNP_OK = "tier: Admin\npriority: 1\nsubject: {namespaces: {}}\n"


def _rules(head: str, ok: str, key: str, count: int, rule: str) -> str:
    return doc(head, ok + f"{key}:\n" + "".join(f"- {rule}\n" for _ in range(count)))


def _peers(head: str, ok: str, count: int) -> str:
    peers = ", ".join("{namespaces: {}}" for _ in range(count))
    return doc(head, ok + f"ingress: [{{action: Deny, from: [{peers}]}}]")


INVALID = [
    # (id, document, the problem after "file:line:col: ")
    ("spec missing", ANP, "AdminNetworkPolicy a: spec: required field is missing"),
    (
        "spec wrong type",
        ANP + "spec: [priority]\n",
        'AdminNetworkPolicy a: spec: must be a mapping, got a list ["priority"]',
    ),
    (
        "unknown spec field",
        doc(ANP, _ANP_OK + "tier: Admin"),
        'AdminNetworkPolicy a: spec.tier: unknown field "tier" (expected one of: priority, subject, ingress, egress)',
    ),
    (
        "priority wrong type",
        doc(ANP, "priority: high\nsubject: {namespaces: {}}"),
        'AdminNetworkPolicy a: spec.priority: must be an integer, got a string "high"',
    ),
    (
        "priority missing",
        doc(ANP, "subject: {namespaces: {}}"),
        "AdminNetworkPolicy a: spec.priority: required field is missing",
    ),
    (
        "priority out of range",
        doc(ANP, "priority: 1001\nsubject: {namespaces: {}}"),
        "AdminNetworkPolicy a: spec.priority: 1001 out of range 0-1000",
    ),
    (
        "cnp priority negative",
        doc(CNP, "tier: Admin\npriority: -1\nsubject: {namespaces: {}}"),
        "ClusterNetworkPolicy c: spec.priority: -1 out of range 0-1000",
    ),
    (
        "banp has no priority",
        doc(BANP, "priority: 1\nsubject: {namespaces: {}}"),
        'BaselineAdminNetworkPolicy default: spec.priority: unknown field "priority" '
        "(expected one of: subject, ingress, egress)",
    ),
    (
        "subject missing",
        doc(ANP, "priority: 1"),
        "AdminNetworkPolicy a: spec.subject: required field is missing (namespaces or pods)",
    ),
    (
        "subject with no field",
        doc(ANP, "priority: 1\nsubject: {}"),
        "AdminNetworkPolicy a: spec.subject: must set exactly one of namespaces or pods, got none",
    ),
    (
        "subject with two fields",
        doc(ANP, "priority: 1\nsubject: {namespaces: {}, pods: {namespaceSelector: {}, podSelector: {}}}"),
        "AdminNetworkPolicy a: spec.subject: must set exactly one of namespaces or pods, got namespaces and pods",
    ),
    (
        "subject pods without podSelector",
        doc(ANP, "priority: 1\nsubject: {pods: {namespaceSelector: {}}}"),
        "AdminNetworkPolicy a: spec.subject.pods.podSelector: required field is missing (write {} to select all)",
    ),
    (
        "v1alpha1 pods without namespaceSelector",
        doc(BANP, "subject: {pods: {podSelector: {}}}"),
        "BaselineAdminNetworkPolicy default: spec.subject.pods.namespaceSelector: required field is missing "
        "(write {} to select all)",
    ),
    (
        "bad selector in subject",
        doc(ANP, "priority: 1\nsubject: {namespaces: {matchLabels: {a: [b]}}}"),
        'AdminNetworkPolicy a: spec.subject.namespaces.matchLabels.a: label value must be a string, got ["b"]',
    ),
    (
        "action unknown",
        doc(ANP, _ANP_OK + "ingress: [{action: Drop, from: [{namespaces: {}}]}]"),
        'AdminNetworkPolicy a: spec.ingress[0].action: unknown action "Drop" (expected Allow, Deny or Pass)',
    ),
    (
        "action missing",
        doc(ANP, _ANP_OK + "ingress: [{from: [{namespaces: {}}]}]"),
        "AdminNetworkPolicy a: spec.ingress[0].action: required field is missing",
    ),
    (
        "v1alpha1 written Accept",
        doc(ANP, _ANP_OK + "ingress: [{action: Accept, from: [{namespaces: {}}]}]"),
        'AdminNetworkPolicy a: spec.ingress[0].action: unknown action "Accept" (expected Allow, Deny or Pass) '
        "(Accept is v1alpha2 ClusterNetworkPolicy's spelling; v1alpha1 writes Allow)",
    ),
    (
        "v1alpha2 written Allow",
        doc(CNP, _CNP_OK + "egress: [{action: Allow, to: [{namespaces: {}}]}]"),
        'ClusterNetworkPolicy c: spec.egress[0].action: unknown action "Allow" (expected Accept, Deny or Pass) '
        "(v1alpha2 writes Accept)",
    ),
    (
        "banp Pass",
        doc(BANP, "subject: {namespaces: {}}\negress: [{action: Pass, to: [{namespaces: {}}]}]"),
        'BaselineAdminNetworkPolicy default: spec.egress[0].action: unknown action "Pass" (expected Allow or Deny) '
        "(a BaselineAdminNetworkPolicy is the last tier: there is nothing to pass to)",
    ),
    (
        "rule null",
        doc(ANP, _ANP_OK + "ingress: [null]"),
        "AdminNetworkPolicy a: spec.ingress[0]: a rule must not be null",
    ),
    (
        "rule name wrong type",
        doc(ANP, _ANP_OK + "ingress: [{name: 7, action: Deny, from: [{namespaces: {}}]}]"),
        "AdminNetworkPolicy a: spec.ingress[0].name: must be a string, got a number 7",
    ),
    (
        "rule name too long",
        doc(ANP, _ANP_OK + f"ingress: [{{name: {'r' * 101}, action: Deny, from: [{{namespaces: {{}}}}]}}]"),
        "AdminNetworkPolicy a: spec.ingress[0].name: must be no more than 100 characters, got 101",
    ),
    (
        "unknown rule field",
        doc(ANP, _ANP_OK + "ingress: [{action: Deny, from: [{namespaces: {}}], protocols: []}]"),
        'AdminNetworkPolicy a: spec.ingress[0].protocols: unknown field "protocols" '
        "(expected one of: name, action, from, ports)",
    ),
    (
        "peers missing",
        doc(ANP, _ANP_OK + "egress: [{action: Deny}]"),
        "AdminNetworkPolicy a: spec.egress[0].to: required field is missing (at least one peer)",
    ),
    (
        "peers empty",
        doc(ANP, _ANP_OK + "egress: [{action: Deny, to: []}]"),
        "AdminNetworkPolicy a: spec.egress[0].to: must not be empty: at least one peer",
    ),
    (
        "peer with no field",
        doc(ANP, _ANP_OK + "egress: [{action: Deny, to: [{}]}]"),
        "AdminNetworkPolicy a: spec.egress[0].to[0]: must set exactly one of namespaces, pods, nodes, networks "
        "or domainNames, got none",
    ),
    (
        "peer with two fields",
        doc(ANP, _ANP_OK + "egress: [{action: Deny, to: [{namespaces: {}, networks: [10.0.0.0/8]}]}]"),
        "AdminNetworkPolicy a: spec.egress[0].to[0]: must set exactly one of namespaces, pods, nodes, networks "
        "or domainNames, got namespaces and networks",
    ),
    (
        "peer null",
        doc(ANP, _ANP_OK + "ingress: [{action: Deny, from: [null]}]"),
        "AdminNetworkPolicy a: spec.ingress[0].from[0]: must not be null (set one of namespaces or pods)",
    ),
    (
        "ingress peer networks",
        doc(ANP, _ANP_OK + "ingress: [{action: Deny, from: [{networks: [10.0.0.0/8]}]}]"),
        'AdminNetworkPolicy a: spec.ingress[0].from[0].networks: unknown field "networks" '
        "(expected one of: namespaces, pods)",
    ),
    (
        "banp has no domainNames",
        doc(BANP, "subject: {namespaces: {}}\negress: [{action: Allow, to: [{domainNames: [example.com]}]}]"),
        'BaselineAdminNetworkPolicy default: spec.egress[0].to[0].domainNames: unknown field "domainNames" '
        "(expected one of: namespaces, pods, nodes, networks)",
    ),
    (
        "invalid CIDR",
        doc(ANP, _ANP_OK + "egress: [{action: Deny, to: [{networks: [10.0.0.0/33]}]}]"),
        'AdminNetworkPolicy a: spec.egress[0].to[0].networks[0]: invalid CIDR "10.0.0.0/33": '
        "'10.0.0.0/33' does not appear to be an IPv4 or IPv6 network",
    ),
    (
        "CIDR without prefix",
        doc(ANP, _ANP_OK + "egress: [{action: Deny, to: [{networks: [10.0.0.1]}]}]"),
        'AdminNetworkPolicy a: spec.egress[0].to[0].networks[0]: invalid CIDR "10.0.0.1": '
        "missing /prefix length (e.g. 10.0.0.1/32)",
    ),
    (
        "IPv4 embedded in IPv6",
        doc(ANP, _ANP_OK + 'egress: [{action: Deny, to: [{networks: ["::ffff:10.0.0.0/104"]}]}]'),
        'AdminNetworkPolicy a: spec.egress[0].to[0].networks[0]: invalid CIDR "::ffff:10.0.0.0/104": '
        "IPv4 embedded in IPv6 is not supported by the API",
    ),
    (
        "duplicate CIDR",
        doc(ANP, _ANP_OK + "egress: [{action: Deny, to: [{networks: [10.0.0.0/8, 10.0.0.0/8]}]}]"),
        'AdminNetworkPolicy a: spec.egress[0].to[0].networks[1]: duplicate CIDR "10.0.0.0/8" (the list is a set)',
    ),
    (
        "networks empty",
        doc(ANP, _ANP_OK + "egress: [{action: Deny, to: [{networks: []}]}]"),
        "AdminNetworkPolicy a: spec.egress[0].to[0].networks: must not be empty: at least one CIDR",
    ),
    (
        "too many networks",
        doc(
            ANP,
            _ANP_OK
            + "egress: [{action: Deny, to: [{networks: ["
            + ", ".join(f"10.{i}.0.0/16" for i in range(26))
            + "]}]}]",
        ),
        "AdminNetworkPolicy a: spec.egress[0].to[0].networks: too many CIDRs: 26 (the API allows at most 25)",
    ),
    (
        "invalid domain name",
        doc(ANP, _ANP_OK + 'egress: [{action: Allow, to: [{domainNames: ["foo.*.com"]}]}]'),
        'AdminNetworkPolicy a: spec.egress[0].to[0].domainNames[0]: invalid domain name "foo.*.com": '
        "expected a DNS name like example.com, optionally starting with '*.'",
    ),
    (
        "domainNames in a Deny rule",
        doc(CNP, _CNP_OK + "egress: [{action: Deny, to: [{domainNames: [example.com]}]}]"),
        "ClusterNetworkPolicy c: spec.egress[0].to: domainNames peers are only supported in Accept rules, not Deny",
    ),
    (
        "port out of range",
        doc(
            ANP,
            _ANP_OK
            + "ingress: [{action: Deny, from: [{namespaces: {}}], ports: [{portNumber: {port: 70000}}]}]",
        ),
        "AdminNetworkPolicy a: spec.ingress[0].ports[0].portNumber.port: 70000 out of range 1-65535",
    ),
    (
        "port number missing",
        doc(
            ANP,
            _ANP_OK
            + "ingress: [{action: Deny, from: [{namespaces: {}}], ports: [{portNumber: {protocol: UDP}}]}]",
        ),
        "AdminNetworkPolicy a: spec.ingress[0].ports[0].portNumber.port: required field is missing",
    ),
    (
        "port wrong type",
        doc(
            ANP,
            _ANP_OK
            + "ingress: [{action: Deny, from: [{namespaces: {}}], ports: [{portNumber: {port: '80'}}]}]",
        ),
        'AdminNetworkPolicy a: spec.ingress[0].ports[0].portNumber.port: must be an integer, got a string "80"',
    ),
    (
        "protocol unsupported",
        doc(
            ANP,
            _ANP_OK + "ingress: [{action: Deny, from: [{namespaces: {}}], "
            "ports: [{portNumber: {protocol: ICMP, port: 1}}]}]",
        ),
        'AdminNetworkPolicy a: spec.ingress[0].ports[0].portNumber.protocol: unsupported protocol "ICMP" '
        "(expected TCP, UDP or SCTP)",
    ),
    (
        "portRange start >= end",
        doc(
            ANP,
            _ANP_OK
            + "ingress: [{action: Deny, from: [{namespaces: {}}], ports: [{portRange: {start: 90, end: 80}}]}]",
        ),
        "AdminNetworkPolicy a: spec.ingress[0].ports[0].portRange: start 90 must be less than end 80",
    ),
    (
        "port entry with two fields",
        doc(
            ANP,
            _ANP_OK + "ingress: [{action: Deny, from: [{namespaces: {}}], "
            "ports: [{namedPort: http, portNumber: {port: 80}}]}]",
        ),
        "AdminNetworkPolicy a: spec.ingress[0].ports[0]: must set exactly one of portNumber, namedPort or portRange, "
        "got portNumber and namedPort",
    ),
    (
        "ports empty",
        doc(ANP, _ANP_OK + "ingress: [{action: Deny, from: [{namespaces: {}}], ports: []}]"),
        "AdminNetworkPolicy a: spec.ingress[0].ports: must not be empty: omit ports to match every port",
    ),
    (
        "named port with a networks peer",
        doc(
            ANP,
            _ANP_OK + "egress: [{action: Deny, to: [{networks: [10.0.0.0/8]}], ports: [{namedPort: http}]}]",
        ),
        "AdminNetworkPolicy a: spec.egress[0].ports: a named port cannot be used with networks peers: "
        "they have no named ports",
    ),
    (
        "named port wrong type",
        doc(ANP, _ANP_OK + "ingress: [{action: Deny, from: [{namespaces: {}}], ports: [{namedPort: 80}]}]"),
        "AdminNetworkPolicy a: spec.ingress[0].ports[0].namedPort: must be a string, got a number 80",
    ),
    (
        "cnp tier missing",
        doc(CNP, "priority: 1\nsubject: {namespaces: {}}"),
        "ClusterNetworkPolicy c: spec.tier: required field is missing (Admin or Baseline)",
    ),
    (
        "cnp tier unknown",
        doc(CNP, "tier: admin\npriority: 1\nsubject: {namespaces: {}}"),
        'ClusterNetworkPolicy c: spec.tier: unknown tier "admin" (expected Admin or Baseline)',
    ),
    (
        "cnp empty tcp",
        doc(CNP, _CNP_OK + "ingress: [{action: Deny, from: [{namespaces: {}}], protocols: [{tcp: {}}]}]"),
        "ClusterNetworkPolicy c: spec.ingress[0].protocols[0].tcp.destinationPort: required field is missing "
        "(the API rejects an empty tcp; for every TCP port write destinationPort: {range: {start: 1, end: 65535}})",
    ),
    (
        "cnp port out of range",
        doc(
            CNP,
            _CNP_OK + "ingress: [{action: Deny, from: [{namespaces: {}}], "
            "protocols: [{udp: {destinationPort: {number: 0}}}]}]",
        ),
        "ClusterNetworkPolicy c: spec.ingress[0].protocols[0].udp.destinationPort.number: 0 out of range 1-65535",
    ),
    (
        "cnp range start >= end",
        doc(
            CNP,
            _CNP_OK + "ingress: [{action: Deny, from: [{namespaces: {}}], "
            "protocols: [{tcp: {destinationPort: {range: {start: 80, end: 80}}}}]}]",
        ),
        "ClusterNetworkPolicy c: spec.ingress[0].protocols[0].tcp.destinationPort.range: "
        "start 80 must be less than end 80",
    ),
    (
        "cnp number and range",
        doc(
            CNP,
            _CNP_OK + "ingress: [{action: Deny, from: [{namespaces: {}}], "
            "protocols: [{tcp: {destinationPort: {number: 80, range: {start: 1, end: 2}}}}]}]",
        ),
        "ClusterNetworkPolicy c: spec.ingress[0].protocols[0].tcp.destinationPort: must set exactly one of "
        "number or range, got number and range",
    ),
    (
        "cnp protocols entry with two fields",
        doc(
            CNP,
            _CNP_OK + "ingress: [{action: Deny, from: [{namespaces: {}}], "
            "protocols: [{tcp: {destinationPort: {number: 1}}, udp: {destinationPort: {number: 1}}}]}]",
        ),
        "ClusterNetworkPolicy c: spec.ingress[0].protocols[0]: must set exactly one of tcp, udp, sctp or "
        "destinationNamedPort, got tcp and udp",
    ),
    (
        "cnp v1alpha1 ports",
        doc(
            CNP,
            _CNP_OK + "ingress: [{action: Deny, from: [{namespaces: {}}], ports: [{portNumber: {port: 1}}]}]",
        ),
        'ClusterNetworkPolicy c: spec.ingress[0].ports: unknown field "ports" '
        "(expected one of: name, action, from, protocols)",
    ),
    (
        "cnp named port with a nodes peer",
        doc(
            CNP,
            _CNP_OK + "egress: [{action: Deny, to: [{nodes: {}}], protocols: [{destinationNamedPort: web}]}]",
        ),
        "ClusterNetworkPolicy c: spec.egress[0].protocols: a named port cannot be used with nodes peers: "
        "they have no named ports",
    ),
    (
        "anp too many rules",
        _rules(ANP, _ANP_OK, "ingress", 101, "{action: Deny, from: [{namespaces: {}}]}"),
        "AdminNetworkPolicy a: spec.ingress: too many ingress rules: 101 (the API allows at most 100)",
    ),
    (
        "cnp too many rules",
        _rules(CNP, _CNP_OK, "egress", 26, "{action: Deny, to: [{namespaces: {}}]}"),
        "ClusterNetworkPolicy c: spec.egress: too many egress rules: 26 (the API allows at most 25)",
    ),
    (
        "anp too many peers",
        _peers(ANP, _ANP_OK, 101),
        "AdminNetworkPolicy a: spec.ingress[0].from: too many peers: 101 (the API allows at most 100)",
    ),
    (
        "cnp too many peers",
        _peers(CNP, _CNP_OK, 26),
        "ClusterNetworkPolicy c: spec.ingress[0].from: too many peers: 26 (the API allows at most 25)",
    ),
    (
        "banp not named default",
        BANP.replace("name: default", "name: strict") + "spec: {subject: {namespaces: {}}}\n",
        'BaselineAdminNetworkPolicy strict: metadata.name: must be "default", got "strict": the API allows one '
        "BaselineAdminNetworkPolicy per cluster, named default",
    ),
    (
        "invalid name",
        ANP.replace("name: a", "name: Bad_Name") + "spec: {priority: 1, subject: {namespaces: {}}}\n",
        'AdminNetworkPolicy Bad_Name: metadata.name: invalid AdminNetworkPolicy name "Bad_Name": '
        "must be a lowercase RFC 1123 subdomain (letters, digits, '-' and '.')",
    ),
    (
        "name missing",
        ANP.replace("{name: a}", "{}") + "spec: {priority: 1, subject: {namespaces: {}}}\n",
        "AdminNetworkPolicy <unnamed>: metadata.name: required field is missing",
    ),
    (
        "unknown top-level field",
        doc(ANP, _ANP_OK) + "extra: 1\n",
        'AdminNetworkPolicy a: extra: unknown field "extra" (expected one of: apiVersion, kind, metadata, spec, status)',
    ),
    (
        "v1beta1 AdminNetworkPolicy",
        ANP.replace("v1alpha1", "v1beta1"),
        "AdminNetworkPolicy a: apiVersion: AdminNetworkPolicy (policy.networking.k8s.io/v1beta1) is not supported: "
        "results would be wrong; the versions read are AdminNetworkPolicy and BaselineAdminNetworkPolicy "
        "policy.networking.k8s.io/v1alpha1, ClusterNetworkPolicy policy.networking.k8s.io/v1alpha2 "
        "(pass --ignore-kind AdminNetworkPolicy to analyse the rest without it)",
    ),
    (
        "v1alpha1 ClusterNetworkPolicy",
        CNP.replace("v1alpha2", "v1alpha1"),
        "ClusterNetworkPolicy c: apiVersion: ClusterNetworkPolicy (policy.networking.k8s.io/v1alpha1) is not "
        "supported: results would be wrong; the versions read are AdminNetworkPolicy and "
        "BaselineAdminNetworkPolicy policy.networking.k8s.io/v1alpha1, ClusterNetworkPolicy "
        "policy.networking.k8s.io/v1alpha2 (pass --ignore-kind ClusterNetworkPolicy to analyse the rest without it)",
    ),
    (
        "node invalid label",
        NODE.replace("{name: n1}", "{name: n1, labels: {zone: [a]}}"),
        'Node n1: metadata.labels.zone: label value must be a string, got ["a"]',
    ),
    (
        "node invalid name",
        NODE.replace("name: n1", "name: N_1"),
        'Node N_1: metadata.name: invalid Node name "N_1": must be a lowercase RFC 1123 subdomain '
        "(letters, digits, '-' and '.')",
    ),
    (
        "node addresses wrong type",
        NODE + "status: {addresses: 10.0.0.1}\n",
        'Node n1: status.addresses: must be a list, got a string "10.0.0.1"',
    ),
    (
        "node address without type",
        NODE + "status: {addresses: [{address: 10.0.0.1}]}\n",
        'Node n1: status.addresses[0]: type and address must be strings, got {"address": "10.0.0.1"}',
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"), [(t, e) for _, t, e in INVALID], ids=[i for i, _, _ in INVALID]
)
def test_invalid_tier_documents(tmp_path: Path, text: str, expected: str) -> None:
    path, lines = problems(tmp_path, text)
    assert len(lines) == 1, lines
    assert re.fullmatch(re.escape(str(path)) + r":\d+:\d+: " + re.escape(expected), lines[0]), lines[0]


def test_duplicate_names_are_located_at_both(tmp_path: Path) -> None:
    spec = "spec: {priority: 1, subject: {namespaces: {}}}\n"
    text = (
        ANP
        + spec
        + "---\n"
        + ANP
        + spec
        + "---\n"
        + CNP.replace("name: c", "name: a")
        + ("spec: {tier: Admin, priority: 1, subject: {namespaces: {}}}\n")
    )
    path, lines = problems(tmp_path, text)
    assert lines == [
        f'{path}:8:11: AdminNetworkPolicy a: metadata.name: duplicate AdminNetworkPolicy "a": '
        f"also defined at {path}:3:11"
    ]


def test_duplicate_nodes(tmp_path: Path) -> None:
    path, lines = problems(tmp_path, NODE + "---\n" + NODE)
    assert lines == [f'{path}:7:11: Node n1: metadata.name: duplicate Node "n1": also defined at {path}:3:11']


def test_every_problem_of_a_policy_is_reported(tmp_path: Path) -> None:
    _, lines = problems(
        tmp_path,
        doc(ANP, "priority: 2000\nsubject: {}\ningress: [{action: Drop, from: []}]"),
    )
    assert [line.split(": ", 2)[2] for line in lines] == [
        "spec.priority: 2000 out of range 0-1000",
        "spec.subject: must set exactly one of namespaces or pods, got none",
        'spec.ingress[0].action: unknown action "Drop" (expected Allow, Deny or Pass)',
        "spec.ingress[0].from: must not be empty: at least one peer",
    ]


def test_invalid_tier_policy_exits_2_through_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "anp.yaml"
    path.write_text(doc(ANP, "priority: 1001\nsubject: {namespaces: {}}"))
    result = CliRunner().invoke(app, ["matrix", str(path)])
    assert result.exit_code == 2
    assert f"{path}:5:3: AdminNetworkPolicy a: spec.priority: 1001 out of range 0-1000" in result.stderr
