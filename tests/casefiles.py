"""Conformance-case files (format: ../shared/conformance/README.md) written out as manifests.

Shared by the engine-level and the CLI-level conformance tests so both grade the same input.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def write_case_manifests(case: dict[str, Any], out: Path) -> list[str]:
    docs: list[dict[str, Any]] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns, "labels": dict(labels or {})}}
        for ns, labels in case["namespaces"].items()
    ]
    for pod in case["pods"]:
        ports = [
            {"name": p["name"], "containerPort": p["port"], "protocol": p["protocol"]}
            for p in pod.get("ports") or []
        ]
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": pod["name"],
                    "namespace": pod["namespace"],
                    "labels": dict(pod["labels"]),
                },
                "spec": {"containers": [{"name": "c", "image": "agnhost", "ports": ports}]},
                "status": {"phase": "Running", "podIP": str(pod["ip"]), "podIPs": [{"ip": str(pod["ip"])}]},
            }
        )
    (out / "cluster.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    (out / "policies.yaml").write_text(yaml.safe_dump_all(case["policies"] or [], sort_keys=False))
    return [str(out / "cluster.yaml"), str(out / "policies.yaml")]
