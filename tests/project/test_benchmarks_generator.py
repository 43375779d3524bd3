"""The benchmark generator (benchmarks/generate.py) and NCA output parser (benchmarks/nca_output.py).

The generated manifests must be deterministic, of the requested size, valid Kubernetes
shapes (what the API server's validation would accept for the fields we use), cover the
NetworkPolicy features the benchmarks are meant to exercise, and load in netverify.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.paths import ROOT

BENCH = ROOT / "benchmarks"


def _load(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


gen = _load("generate")
nca = _load("nca_output")

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
PORT_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _write(tmp_path: Path, name: str, *args: str) -> Path:
    out = tmp_path / name
    assert gen.main([*args, "--out", str(out)]) == 0
    return out


def _docs(directory: Path) -> dict[str, list[dict[str, Any]]]:
    return {
        path.name: list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader))
        for path in sorted(directory.glob("*.yaml"))
    }


def _all_docs(directory: Path) -> list[dict[str, Any]]:
    return [doc for docs in _docs(directory).values() for doc in docs]


@pytest.fixture(scope="module")
def scenario_s(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("s"), "S", "--scenario", "S", "--seed", "7", "--workloads")


# ---------------------------------------------------------------------------------------------
# Determinism


def test_same_seed_gives_identical_bytes(tmp_path: Path) -> None:
    args = ("--pods", "80", "--policies", "40", "--namespaces", "7", "--seed", "3", "--workloads")
    a = _write(tmp_path, "a", *args)
    b = _write(tmp_path, "b", *args)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert {"namespaces.yaml", "pods.yaml", "policies.yaml", "workloads.yaml"} <= set(names)
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_mutation_is_deterministic_too(tmp_path: Path) -> None:
    args = ("--scenario", "100-50", "--seed", "3", "--mutate", "0.2", "--mutate-seed", "9")
    a = _write(tmp_path, "a", *args)
    b = _write(tmp_path, "b", *args)
    for name in ("policies.yaml", "mutations.txt"):
        assert (a / name).read_bytes() == (b / name).read_bytes()


def test_different_seed_gives_a_different_cluster(tmp_path: Path) -> None:
    a = _write(tmp_path, "a", "--scenario", "tiny", "--seed", "1")
    b = _write(tmp_path, "b", "--scenario", "tiny", "--seed", "2")
    assert (a / "pods.yaml").read_bytes() != (b / "pods.yaml").read_bytes()


# ---------------------------------------------------------------------------------------------
# Sizes and shapes


@pytest.mark.parametrize("scenario", ["tiny", "100-50", "S"])
def test_scenario_sizes(tmp_path: Path, scenario: str) -> None:
    size = gen.SCENARIOS[scenario]
    counts = Counter(doc["kind"] for doc in _all_docs(_write(tmp_path, scenario, "--scenario", scenario)))
    assert counts == {"Pod": size.pods, "NetworkPolicy": size.policies, "Namespace": size.namespaces}


def test_explicit_sizes_override_the_scenario(tmp_path: Path) -> None:
    out = _write(tmp_path, "x", "--scenario", "S", "--pods", "33", "--policies", "21")
    counts = Counter(doc["kind"] for doc in _all_docs(out))
    assert counts == {"Pod": 33, "NetworkPolicy": 21, "Namespace": gen.SCENARIOS["S"].namespaces}


def test_named_scenarios_have_the_specified_sizes() -> None:
    expected = {
        "S": (200, 100, 20),
        "M": (500, 200, 40),
        "L": (10_000, 2_000, 200),
        "XL": (100_000, 10_000, 1_000),
    }
    for name, (pods, policies, namespaces) in expected.items():
        assert gen.SCENARIOS[name] == gen.Scenario(pods=pods, policies=policies, namespaces=namespaces)
    assert (gen.SCENARIOS["100-50"].pods, gen.SCENARIOS["100-50"].policies) == (100, 50)
    assert (gen.SCENARIOS["1000-300"].pods, gen.SCENARIOS["1000-300"].policies) == (1000, 300)


def test_emitter_round_trips_through_a_yaml_parser() -> None:
    cluster = gen.generate(60, 40, 6, 11, workloads=True)
    for docs in (cluster.namespaces, cluster.pods, cluster.policies, cluster.workloads):
        assert list(yaml.safe_load_all(gen.dump_documents(docs))) == docs
    tricky = [{"kind": "X", "v": ["yes", "no", "on", "10.0.0.0/8", "", "a: b", "-x", "007", "true", 5]}]
    assert list(yaml.safe_load_all(gen.dump_documents(tricky))) == tricky


def test_every_document_is_a_valid_manifest_shape(scenario_s: Path) -> None:
    docs = _all_docs(scenario_s)
    namespaces = {d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"}
    api_versions = {
        "Namespace": "v1",
        "Pod": "v1",
        "NetworkPolicy": "networking.k8s.io/v1",
        "Deployment": "apps/v1",
    }
    seen: set[tuple[str, str, str]] = set()
    for doc in docs:
        assert doc["apiVersion"] == api_versions[doc["kind"]]
        meta = doc["metadata"]
        assert DNS1123_SUBDOMAIN.match(meta["name"]) and len(meta["name"]) <= 253, meta["name"]
        if doc["kind"] == "Namespace":
            assert DNS1123_LABEL.match(meta["name"]) and len(meta["name"]) <= 63
            assert meta["labels"]["kubernetes.io/metadata.name"] == meta["name"]
        else:
            assert meta["namespace"] in namespaces
        key = (doc["kind"], meta.get("namespace", ""), meta["name"])
        assert key not in seen, key
        seen.add(key)
        for value in (meta.get("labels") or {}).values():
            assert isinstance(value, str) and LABEL_VALUE.match(value) and len(value) <= 63, value


def test_pods_have_unique_ips_inside_the_pod_cidr_and_valid_ports(scenario_s: Path) -> None:
    pods = _docs(scenario_s)["pods.yaml"]
    cidr = ipaddress.ip_network(gen.DEFAULT_POD_CIDR)
    ips = [pod["status"]["podIP"] for pod in pods]
    assert len(set(ips)) == len(ips)
    for pod in pods:
        ip = ipaddress.ip_address(pod["status"]["podIP"])
        assert ip in cidr and ip not in (cidr.network_address, cidr.broadcast_address)
        assert pod["status"]["podIPs"] == [{"ip": pod["status"]["podIP"]}]
        assert {"app", "tier", "role", "version"} <= set(pod["metadata"]["labels"])
        names = []
        for container in pod["spec"]["containers"]:
            for port in container["ports"]:
                assert PORT_NAME.match(port["name"]) and len(port["name"]) <= 15
                assert 1 <= port["containerPort"] <= 65535
                assert port["protocol"] in ("TCP", "UDP", "SCTP")
                names.append(port["name"])
        assert len(names) == len(set(names))


def test_pod_cidr_option_is_honoured_and_too_small_a_cidr_is_refused(tmp_path: Path) -> None:
    out = _write(tmp_path, "x", "--scenario", "tiny", "--pod-cidr", "192.168.7.0/26")
    for pod in _docs(out)["pods.yaml"]:
        assert ipaddress.ip_address(pod["status"]["podIP"]) in ipaddress.ip_network("192.168.7.0/26")
    assert gen.main(["--scenario", "S", "--pod-cidr", "192.168.7.0/26", "--out", str(tmp_path / "y")]) == 2


def _peers(rule: dict[str, Any]) -> list[dict[str, Any]]:
    return list(rule.get("from") or rule.get("to") or [])


def _check_policy(policy: dict[str, Any]) -> None:
    """The API server's validation of the fields we generate."""
    spec = policy["spec"]
    assert "podSelector" in spec
    for direction in ("ingress", "egress"):
        for rule in spec.get(direction) or []:
            assert set(rule) <= {"from", "to", "ports"}
            for peer in _peers(rule):
                if "ipBlock" in peer:
                    assert set(peer) == {"ipBlock"}
                    cidr = ipaddress.ip_network(peer["ipBlock"]["cidr"])
                    for excepted in peer["ipBlock"].get("except", []):
                        inner = ipaddress.ip_network(excepted)
                        assert inner.network_address in cidr and inner.broadcast_address in cidr
                        assert inner.prefixlen > cidr.prefixlen
                else:
                    assert set(peer) <= {"podSelector", "namespaceSelector"} and peer
            for port in rule.get("ports") or []:
                assert port.get("protocol", "TCP") in ("TCP", "UDP", "SCTP")
                if "endPort" in port:
                    assert isinstance(port["port"], int) and port["endPort"] >= port["port"]
                if isinstance(port.get("port"), str):
                    assert PORT_NAME.match(port["port"]) and len(port["port"]) <= 15


def test_policies_are_valid_and_cover_the_features(scenario_s: Path) -> None:
    policies = _docs(scenario_s)["policies.yaml"]
    pod_cidr = ipaddress.ip_network(gen.DEFAULT_POD_CIDR)
    features: Counter[str] = Counter()
    for policy in policies:
        _check_policy(policy)
        spec = policy["spec"]
        if spec["podSelector"] == {} and not spec.get("ingress") and not spec.get("egress"):
            features["default-deny-egress" if "Egress" in spec["policyTypes"] else "default-deny"] += 1
        if "egress" in spec and spec["egress"] == [] and "policyTypes" not in spec:
            features["trap egress: [] without policyTypes"] += 1
        if spec.get("ingress") == [{}]:
            features["trap ingress: [{}]"] += 1
        selectors = [spec["podSelector"]]
        for direction in ("ingress", "egress"):
            for rule in spec.get(direction) or []:
                for peer in _peers(rule):
                    if "podSelector" in peer and "namespaceSelector" in peer:
                        features["pod AND namespace selector"] += 1
                    elif "namespaceSelector" in peer:
                        features["namespaceSelector"] += 1
                    elif "podSelector" in peer:
                        features["podSelector"] += 1
                    if (peer.get("namespaceSelector") or {}).get("matchLabels", {}).get(
                        "kubernetes.io/metadata.name"
                    ) == "kube-system":
                        features["to kube-system"] += 1
                    selectors += [peer[k] for k in ("podSelector", "namespaceSelector") if k in peer]
                    if "ipBlock" in peer:
                        cidr = ipaddress.ip_network(peer["ipBlock"]["cidr"])
                        overlaps = cidr.version == 4 and cidr.overlaps(pod_cidr)
                        if peer["ipBlock"].get("except"):
                            features["except overlapping pod CIDR" if overlaps else "except external"] += 1
                for port in rule.get("ports") or []:
                    features[port.get("protocol", "TCP")] += 1
                    if "endPort" in port:
                        features["endPort"] += 1
                    if isinstance(port.get("port"), str):
                        features["named port"] += 1
                    if port.get("port") == 53 and direction == "egress":
                        features["DNS egress"] += 1
        for selector in selectors:
            for expr in selector.get("matchExpressions", []):
                features[expr["operator"]] += 1
    required = [
        "default-deny",
        "default-deny-egress",
        "trap egress: [] without policyTypes",
        "trap ingress: [{}]",
        "pod AND namespace selector",
        "namespaceSelector",
        "podSelector",
        "to kube-system",
        "except overlapping pod CIDR",
        "except external",
        "TCP",
        "UDP",
        "SCTP",
        "endPort",
        "named port",
        "DNS egress",
        "In",
        "NotIn",
        "Exists",
        "DoesNotExist",
    ]
    missing = [f for f in required if features[f] == 0]
    assert not missing, f"scenario S lacks {missing}: {dict(features)}"


def test_workloads_are_deployments_with_pod_templates(scenario_s: Path) -> None:
    deployments = _docs(scenario_s)["workloads.yaml"]
    assert deployments
    for dep in deployments:
        assert dep["kind"] == "Deployment"
        template_labels = dep["spec"]["template"]["metadata"]["labels"]
        selector = dep["spec"]["selector"]["matchLabels"]
        assert selector.items() <= template_labels.items()  # the API server requires it


def test_without_workloads_flag_no_workloads_file(tmp_path: Path) -> None:
    out = _write(tmp_path, "x", "--scenario", "tiny")
    assert not (out / "workloads.yaml").exists()


# ---------------------------------------------------------------------------------------------
# Mutation


def test_mutation_changes_the_requested_share_of_policies_only(tmp_path: Path) -> None:
    base = _write(tmp_path, "base", "--scenario", "S", "--seed", "5")
    mutated = _write(
        tmp_path, "mut", "--scenario", "S", "--seed", "5", "--mutate", "0.1", "--mutate-seed", "6"
    )
    for name in ("namespaces.yaml", "pods.yaml"):
        assert (base / name).read_bytes() == (mutated / name).read_bytes()
    old = _docs(base)["policies.yaml"]
    new = _docs(mutated)["policies.yaml"]
    assert [p["metadata"] for p in old] == [p["metadata"] for p in new]
    changed = {
        f"{a['metadata']['namespace']}/{a['metadata']['name']}"
        for a, b in zip(old, new, strict=True)
        if a != b
    }
    expected = round(0.1 * gen.SCENARIOS["S"].policies)
    assert len(changed) == expected
    log = (mutated / "mutations.txt").read_text(encoding="utf-8").splitlines()
    assert {line.split("\t")[0] for line in log} == changed
    for policy in new:
        _check_policy(policy)


def test_mutations_of_every_kind_happen_and_stay_valid() -> None:
    cluster = gen.generate(300, 200, 20, 4)
    mutated, log = gen.mutate_policies(cluster.policies, 1.0, 8)
    kinds: Counter[str] = Counter()
    for line in log:
        detail = line.split("\t")[1]
        if ".matchLabels." in detail:
            kinds["selector"] += 1
        elif "port" in detail.lower():
            kinds["port"] += 1
        elif "ipBlock" in detail:
            kinds["cidr"] += 1
        elif "added" in detail or "removed" in detail:
            kinds["rules"] += 1
    assert set(kinds) == {"selector", "port", "cidr", "rules"}, kinds
    assert all(a != b for a, b in zip(cluster.policies, mutated, strict=True))
    for policy in mutated:
        _check_policy(policy)


def test_bad_arguments_are_refused(tmp_path: Path) -> None:
    assert gen.main(["--out", str(tmp_path / "x")]) == 2
    assert gen.main(["--scenario", "tiny", "--mutate", "1.5", "--out", str(tmp_path / "y")]) == 2


# ---------------------------------------------------------------------------------------------
# netverify loads what the generator writes


def test_netverify_loader_accepts_a_generated_cluster(tmp_path: Path) -> None:
    from verifier.load import load_cluster

    out = _write(tmp_path, "x", "--pods", "40", "--policies", "30", "--namespaces", "6", "--workloads")
    cluster = load_cluster([str(out)]).cluster
    docs = _all_docs(out)
    counts = Counter(doc["kind"] for doc in docs)
    assert len(cluster.policies) == counts["NetworkPolicy"]
    assert len([p for p in cluster.pods if p.kind == "Pod"]) == counts["Pod"]
    assert len([p for p in cluster.pods if p.kind != "Pod"]) == counts["Deployment"]
    assert {n for n, ns in cluster.namespaces.items() if ns.declared} == {
        d["metadata"]["name"] for d in docs if d["kind"] == "Namespace"
    }


# ---------------------------------------------------------------------------------------------
# NCA output parser


def test_parse_connection_forms() -> None:
    full = [(1, 65535)]
    assert nca.parse_connection("All connections") == {"TCP": full, "UDP": full, "SCTP": full}
    assert nca.parse_connection("No connections") == {}
    assert nca.parse_connection("{protocols:TCP,dst_ports:8080,9000-9002,9003}") == {
        "TCP": [(8080, 8080), (9000, 9003)]
    }
    assert nca.parse_connection("{protocols:TCP, UDP,dst_ports:53},{protocols:SCTP}") == {
        "TCP": [(53, 53)],
        "UDP": [(53, 53)],
        "SCTP": full,
    }
    assert nca.parse_connection("All but {protocols:TCP,dst_ports:80-90}") == {
        "TCP": [(1, 79), (91, 65535)],
        "UDP": full,
        "SCTP": full,
    }
    assert nca.parse_connection("{protocols:all but UDP, ICMP,dst_ports:1-10}") == {
        "TCP": [(1, 10)],
        "SCTP": [(1, 10)],
    }
    with pytest.raises(ValueError):
        nca.parse_connection("{protocols:TCP,methods:GET}")


def test_parse_connectivity_pairs_and_convert() -> None:
    text = "\n".join(
        [
            "global: cluster has 3 unique endpoints, 2 namespaces",
            "0.0.0.0-9.255.255.255 => a/web-1[Pod] : {protocols:TCP,dst_ports:443}",
            "a/web-1[Pod] => b/db-1[Pod] : {protocols:TCP,dst_ports:5432}",
            "a/web-1[Pod] => b/db-1[Pod] : {protocols:UDP,dst_ports:53}",
            "b/db-1[Pod] => a/web-1[Pod] : All but {protocols:TCP,dst_ports:1-1000}",
            "b/db-1[Pod] => a/batch-1[Deployment] : {protocols:SCTP,dst_ports:3868}",
        ]
    )
    pairs = nca.parse_connectivity_pairs(text)
    assert pairs[("a/web-1", "b/db-1")] == {"TCP": [(5432, 5432)], "UDP": [(53, 53)]}
    assert ("0.0.0.0-9.255.255.255", "a/web-1") in pairs
    result = nca.to_connectivity_json(pairs)
    assert result["schema"] == "netverify.connectivity/v1"
    assert result["endpoints"] == ["a/batch-1[Deployment]", "a/web-1", "b/db-1"]
    assert result["connections"]["a/web-1"] == {"b/db-1": {"TCP": "5432", "UDP": "53"}}
    assert result["connections"]["b/db-1"]["a/web-1"] == {
        "TCP": "1001-65535",
        "UDP": "1-65535",
        "SCTP": "1-65535",
    }
    assert nca.allows(pairs[("a/web-1", "b/db-1")], 5432, "TCP")
    assert not nca.allows(pairs[("a/web-1", "b/db-1")], 5433, "TCP")


def test_parse_semantic_diff_sections() -> None:
    text = "\n".join(
        [
            "global: cluster has 3 unique endpoints, 2 namespaces",
            "Added connections between persistent peers (based on topology from config: new**) :",
            "a/web-1[Pod] => b/db-1[Pod] : {protocols:TCP,dst_ports:8080}",
            "Removed connections between persistent peers (based on topology from config: old**) :",
            "a/web-1[Pod] => b/db-2[Pod] : {protocols:TCP,dst_ports:8080,9000}",
            "b/db-1[Pod] => 172.20.1.0-172.20.1.255 : {protocols:TCP,dst_ports:443}",
        ]
    )
    sections = nca.parse_semantic_diff_pairs(text)
    assert sections == {
        "Added connections between persistent peers": {("a/web-1", "b/db-1"): {"TCP": [(8080, 8080)]}},
        "Removed connections between persistent peers": {
            ("a/web-1", "b/db-2"): {"TCP": [(8080, 8080), (9000, 9000)]},
            ("b/db-1", "172.20.1.0-172.20.1.255"): {"TCP": [(443, 443)]},
        },
    }
