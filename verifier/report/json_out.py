"""Machine-readable reports: the stable ``netverify.check/v1`` and ``netverify.matrix/v1`` JSON.

Both contracts are described in docs/cli.md; other tools parse them, so fields are only ever
added, never renamed. The matrix is streamed row by row straight from the bitsets of
`MatrixResult`: a 10,000-pod matrix never becomes a Python list of 100 million booleans.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from verifier.errors import Location, ignored_kinds
from verifier.results import AnyRuleRef, CheckReport, Endpoint, Flow, PropertyResult, TierRuleRef, Verdict

CHECK_SCHEMA = "netverify.check/v1"


def endpoint_json(endpoint: Endpoint) -> dict[str, Any]:
    """An endpoint as ``{"kind", "namespace", "name", "labels", "namespace_labels", "ip", "new_namespace"}``.

    ``name`` is None for a hypothetical pod of the ``any`` universe; ``namespace``/``name``
    are None and the label maps empty for an external address. ``ip`` is None when unknown.
    Additive fields: ``replica`` (1, 2 for two pods of one replicated template, else null);
    ``ip_unknown``/``ip_range`` (the input gives no IP: ``ip`` is one representative of the
    free addresses in ``ip_range``, all of which decide the flow alike);
    ``assumed_namespace_labels`` (the namespace is not in the input; its labels are assumed).
    """
    return {
        "kind": endpoint.kind.value,
        "namespace": endpoint.namespace,
        "name": endpoint.name,
        "labels": dict(sorted(endpoint.labels.items())),
        "namespace_labels": dict(sorted(endpoint.namespace_labels.items())),
        "ip": None if endpoint.ip is None else str(endpoint.ip),
        "new_namespace": endpoint.new_namespace,
        "replica": endpoint.replica,
        "ip_unknown": endpoint.ip_range is not None,
        "ip_range": endpoint.ip_range,
        "assumed_namespace_labels": endpoint.assumed_namespace_labels,
    }


def flow_json(flow: Flow) -> dict[str, Any]:
    return {
        "source": endpoint_json(flow.source),
        "destination": endpoint_json(flow.destination),
        "port": flow.port,
        "protocol": flow.protocol.value,
    }


def _location_json(location: Location) -> dict[str, Any]:
    return {"file": location.file, "line": location.line, "column": location.column}


def tier_rule_json(rule: TierRuleRef) -> dict[str, Any]:
    """A rule of a cluster-wide tier policy: ``tier`` (Admin / Baseline), ``policy``
    (``Kind/name``), ``kind``, ``name`` (the policy's), ``priority`` (null for a
    BaselineAdminNetworkPolicy), ``direction``, ``rule`` (its name, else ``egress[2]``),
    ``index``, ``action`` as written (Allow, Deny, Pass; Accept for ClusterNetworkPolicy) and
    ``location``; ``file``/``line``/``column`` repeat the location, as for NetworkPolicy rules."""
    kind, _, name = rule.policy.partition("/")
    return {
        "tier": rule.tier,
        "policy": rule.policy,
        "kind": kind,
        "name": name,
        "priority": rule.priority,
        "direction": rule.direction.value,
        "rule": rule.name,
        "index": rule.index,
        "action": rule.action,
        "location": _location_json(rule.location),
        **_location_json(rule.location),
    }


def rule_json(rule: AnyRuleRef) -> dict[str, Any]:
    """A rule reference; ``index`` None means the policy as a whole (it isolated, nothing matched).

    A tier rule (`TierRuleRef`) is `tier_rule_json`."""
    if isinstance(rule, TierRuleRef):
        return tier_rule_json(rule)
    return {
        "policy": rule.policy,
        "direction": rule.direction.value,
        "index": rule.index,
        **_location_json(rule.location),
    }


def result_json(result: PropertyResult) -> dict[str, Any]:
    """One property result.

    ``counterexample`` is the flow that breaks the property (only for ``violated``);
    ``witness`` is the allowed flow that proves a ``reachable`` property (only for ``holds``).
    ``solver_rlimit`` is Z3's deterministic work count: comparable across machines, unlike seconds.
    """
    flow = None if result.flow is None else flow_json(result.flow)
    return {
        "name": result.name,
        "description": result.description,
        "expect": result.expect.value,
        "universe": result.universe.value,
        "verdict": result.verdict.value,
        "counterexample": flow if result.verdict is Verdict.VIOLATED else None,
        "witness": flow if result.verdict is Verdict.HOLDS else None,
        "rules": [rule_json(r) for r in result.rules],
        "explanation": list(result.explanation),
        "reason": result.reason,
        "seconds": round(result.seconds, 6),
        "solver_rlimit": result.solver_rlimit,
        "location": _location_json(result.location),
    }


# Above this size a JSON document is written compact: the indenting encoder is pure Python
# (about 10x slower than the C one) and nobody reads megabytes of JSON by eye.
_INDENT_LIMIT = 1 << 20


def dump_json(document: Any, out: TextIO) -> None:
    """One JSON document and a newline: indented for people, compact when it is large."""
    text = json.dumps(document, separators=(",", ":"))
    if len(text) <= _INDENT_LIMIT:
        text = json.dumps(document, indent=2)
    out.write(text)
    out.write("\n")


def check_json(report: CheckReport) -> dict[str, Any]:
    """The ``netverify.check/v1`` document for a whole run.

    ``ignored_kinds`` (additive) lists the kinds the run left out with ``--ignore-kind`` that
    were in the input: objects that may filter traffic, so results hold as if they were absent.
    """
    return {
        "schema": CHECK_SCHEMA,
        "results": [result_json(r) for r in report.results],
        "summary": {v.value: report.count(v) for v in Verdict},
        "seconds": round(report.seconds, 6),
        "warnings": list(report.warnings),
        "ignored_kinds": ignored_kinds(report.warnings),
    }


def write_check_json(report: CheckReport, out: TextIO) -> None:
    dump_json(check_json(report), out)
