"""The NCA differential check's comparison logic (benchmarks/compare_nca.py), on hand-made
NCA output and connectivity JSON; the emulations of NCA's readings checked with the oracle."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from tests.paths import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

from compare_nca import classify, compare, emulate
from nca_output import parse_connectivity_pairs

from verifier.load import load_cluster
from verifier.model import Protocol
from verifier.oracle import decide, pod_endpoint
from verifier.results import Flow

A, B, C = "ns1/a", "ns1/b", "ns2/c"


def _nv(connections: dict[str, dict[str, dict[str, str]]]) -> dict[str, Any]:
    return {
        "schema": "netverify.connectivity/v1",
        "endpoints": [A, B, C],
        "self_traffic": "allowed",
        "connections": connections,
        "conditional": {},
    }


NCA_TEXT = """\
0.0.0.0-9.255.255.255 => ns1/a[Pod] : All connections
ns1/a[Pod] => ns1/b[Pod] : All connections
ns1/b[Pod] => ns2/c[Pod] : {protocols:TCP,dst_ports:80,443-450}
ns2/c[Pod] => ns1/a[Pod] : {protocols:TCP, UDP,dst_ports:53}
"""


def test_identical_answers_give_no_disagreement() -> None:
    # "All connections" = every port of every protocol, hence 1-65535 on TCP, UDP and SCTP.
    full = {"TCP": "1-65535", "UDP": "1-65535", "SCTP": "1-65535"}
    nv = _nv(
        {
            A: {B: full, A: full},  # self traffic: NCA never prints it, so it is not compared
            B: {C: {"TCP": "80,443-450"}},
            C: {A: {"TCP": "53", "UDP": "53"}},
        }
    )
    assert compare(parse_connectivity_pairs(NCA_TEXT), nv) == []


def test_every_differing_cell_is_reported_with_its_ports() -> None:
    nv = _nv(
        {
            A: {B: {"TCP": "1-65535", "UDP": "1-65535"}},  # SCTP missing
            B: {C: {"TCP": "80,443-449,8080"}},  # 450 missing, 8080 extra
            # C -> A missing entirely
            A + "x": {},
        }
    )
    found = {
        (d.source, d.destination, d.protocol): (d.only_nca, d.only_netverify)
        for d in compare(parse_connectivity_pairs(NCA_TEXT), nv)
    }
    assert found == {
        (A, B, "SCTP"): ("1-65535", ""),
        (B, C, "TCP"): ("450", "8080"),
        (C, A, "TCP"): ("53", ""),
        (C, A, "UDP"): ("53", ""),
    }


def test_classify_takes_the_first_emulation_that_reproduces_nca() -> None:
    nca = parse_connectivity_pairs(NCA_TEXT)
    nv = _nv({A: {B: {"TCP": "1-65535"}}, B: {C: {"TCP": "80,443-450"}}, C: {A: {"TCP": "53", "UDP": "53"}}})
    diffs = compare(nca, nv)
    assert {(d.source, d.protocol) for d in diffs} == {(A, "UDP"), (A, "SCTP")}
    full = {"TCP": "1-65535", "UDP": "1-65535", "SCTP": "1-65535"}
    emulated = {
        "egress-empty-trap": _nv({A: {B: {"TCP": "1-65535", "UDP": "1-65535"}}}),  # UDP only
        "exists-namespace-bug": _nv({A: {B: full}}),  # both cells
        "both": _nv({A: {B: full}}),
    }
    classify(diffs, nca, emulated)
    kinds = {d.protocol: d.kind for d in diffs}
    assert kinds == {"UDP": "egress-empty-trap", "SCTP": "exists-namespace-bug"}
    diffs = compare(nca, nv)
    classify(diffs, nca, {"both": _nv({})})
    assert {d.kind for d in diffs} == {"unexplained"}


MANIFESTS = """\
apiVersion: v1
kind: Namespace
metadata: {name: app, labels: {kubernetes.io/metadata.name: app}}
---
apiVersion: v1
kind: Namespace
metadata: {name: staging, labels: {kubernetes.io/metadata.name: staging, env: staging}}
---
apiVersion: v1
kind: Pod
metadata: {name: server, namespace: app, labels: {app: server}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: staging, labels: {role: db}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.0.0.2}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-staging-with-role, namespace: app}
spec:
  podSelector: {matchLabels: {app: server}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {env: staging}}
          podSelector: {matchExpressions: [{key: role, operator: Exists}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: trap, namespace: staging}
spec:
  podSelector: {}
  egress: []
"""


def _allowed(tmp_path: Path, docs: list[Any], name: str) -> bool:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump_all(docs), encoding="utf-8")
    cluster = load_cluster([str(path)]).cluster
    pods = {p.name: p for p in cluster.pods}
    flow = Flow(
        source=pod_endpoint(cluster, pods["client"]),
        destination=pod_endpoint(cluster, pods["server"]),
        port=80,
        protocol=Protocol.TCP,
    )
    return decide(cluster, flow, ipblock_pods=False).allowed


def test_emulations_turn_the_api_answer_into_ncas(tmp_path: Path) -> None:
    docs = list(yaml.safe_load_all(MANIFESTS))
    # Kubernetes: `egress: []` without policyTypes defaults to Ingress only, and the peer
    # admits every role-labelled pod of an env=staging namespace: client -> server allowed.
    assert _allowed(tmp_path, docs, "api")
    # NCA's readings each deny it: the trap isolates client's egress; the Exists bug looks
    # for role-labelled pods in the policy's namespace (app) only.
    assert not _allowed(tmp_path, emulate(docs, trap=True, exists=False), "trap")
    assert not _allowed(tmp_path, emulate(docs, trap=False, exists=True), "exists")
    # The emulation leaves its input alone and only touches what it targets.
    assert "policyTypes" not in docs[5]["spec"]
    same = emulate(docs, trap=False, exists=False)
    assert same == docs
