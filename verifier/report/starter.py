"""The starter spec of ``netverify init`` as a commented YAML spec file (docs/spec-format.md).

Comments carry what a reader needs to adopt it: how it was made, why each property is there
and — for a property that does not hold today — the counterexample, with the property itself
commented out so that the file passes ``netverify check`` as written."""

from __future__ import annotations

import shlex
from typing import Any, TextIO

import yaml

from verifier.model import IPBlock, LabelSelector, PolicyPort
from verifier.results import StarterSpec
from verifier.spec import Property, SpecPeer


def _selector(sel: LabelSelector) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if sel.match_labels:
        out["matchLabels"] = dict(sel.match_labels)
    if sel.match_expressions:
        out["matchExpressions"] = [
            {"key": r.key, "operator": r.operator.value, **({"values": list(r.values)} if r.values else {})}
            for r in sel.match_expressions
        ]
    return out


def _block(block: IPBlock) -> dict[str, Any]:
    out: dict[str, Any] = {"cidr": str(block.cidr)}
    if block.except_:
        out["except"] = [str(e) for e in block.except_]
    return out


def _peer(peer: SpecPeer) -> dict[str, Any]:
    if peer.ip_block is not None:
        return {"ipBlock": _block(peer.ip_block)}
    out: dict[str, Any] = {}
    if peer.pod is not None:
        out["pod"] = peer.pod
    if peer.namespace is not None:
        out["namespace"] = peer.namespace
    if peer.namespace_selector is not None:
        out["namespaceSelector"] = _selector(peer.namespace_selector)
    if peer.pod_selector is not None:
        out["podSelector"] = _selector(peer.pod_selector)
    return out


def _port(port: PolicyPort) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if port.port is not None:
        out["port"] = port.port
    if port.end_port is not None:
        out["endPort"] = port.end_port
    out["protocol"] = port.protocol.value
    return out


def property_document(prop: Property) -> dict[str, Any]:
    """One property as the spec format writes it."""
    out: dict[str, Any] = {"name": prop.name}
    if prop.description:
        out["description"] = prop.description
    out["expect"] = prop.expect.value
    if prop.universe is not None:
        out["universe"] = prop.universe.value
    if prop.sources is not None:
        out["from"] = [_peer(p) for p in prop.sources]
    if prop.destinations is not None:
        out["to"] = [_peer(p) for p in prop.destinations]
    if prop.ports is not None:
        out["ports"] = [_port(p) for p in prop.ports]
    return out


def _indented(doc: dict[str, Any], comment: bool) -> list[str]:
    text = yaml.safe_dump([doc], sort_keys=False, default_flow_style=False, width=100)
    lines = ["  " + line for line in text.rstrip("\n").splitlines()]
    return [("  # " + line[2:]) if comment else line for line in lines]


def write_starter(spec: StarterSpec, out: TextIO) -> None:
    inputs = " ".join(shlex.quote(i) for i in spec.inputs) or "INPUT"
    lines = [
        f"# Starter spec written by `netverify init {inputs}` (universe: {spec.universe}).",
        "# One deny and one reachable property per namespace that has NetworkPolicies. Each active",
        "# property held on that input when this file was written; the commented-out ones did not",
        "# (their counterexample is shown): uncomment one once the policies say what you mean.",
        f"#   netverify check {inputs} --spec THIS_FILE",
    ]
    if spec.namespaces_without_policies:
        lines.append(
            "# Namespaces with pods but no NetworkPolicy (nothing proposed; every flow there is "
            "allowed unless a tier policy decides): " + ", ".join(spec.namespaces_without_policies)
        )
    if not spec.properties:
        lines.append("# The input has no NetworkPolicy: nothing to propose.")
        lines.append("properties: []")
        out.write("\n".join(lines) + "\n")
        return
    # with nothing active the list stays empty and every proposal is a comment below it
    lines.append("properties:" if any(i.active for i in spec.properties) else "properties: []")
    for item in spec.properties:
        lines.append("")
        lines.append(f"  # {item.why}: {item.claim.description}")
        if not item.active:
            lines.append(f"  # NOT ACTIVE, {item.note}")
        lines.extend(_indented(property_document(item.claim), comment=not item.active))
    out.write("\n".join(lines) + "\n")


__all__ = ["property_document", "write_starter"]
