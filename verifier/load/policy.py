"""``networking.k8s.io/v1`` NetworkPolicy documents → `verifier.model.NetworkPolicy`.

API-server defaulting is applied here, once: protocol TCP; effective policyTypes (explicit,
else Ingress plus Egress iff ``spec.egress`` is non-empty); ``from``/``to`` missing or ``[]``
→ all peers (None); ``ports`` missing or ``[]`` → all ports (None); a missing
``spec.podSelector`` → ``{}`` with a Notice; a null rule (``ingress: [null]``) → ``{}``,
allow all, with a Notice (the API server decodes it as the zero rule). How each of those
lists was written (missing, ``[]``, entries) is kept beside its meaning (`Written`: the
``*_written`` fields) so that lint can flag a misleading ``[]`` without the files. The name must be a
DNS subdomain (checked with the other names in `verifier.load.cluster`). Everything the API server would reject, and
every unknown field, is a Problem: a silently dropped field could change a verdict.
"""

from __future__ import annotations

from typing import Any

from verifier.load import checks, policy_fields
from verifier.load.checks import Ctx, join, show
from verifier.load.reader import LocatedDict
from verifier.model import EVERYTHING, Direction, NetworkPolicy, Peer, Rule
from verifier.model.resources import Written

TOP_FIELDS = ("apiVersion", "kind", "metadata", "spec", "status")
_SPEC_FIELDS = ("podSelector", "policyTypes", "ingress", "egress")
_INGRESS_FIELDS = ("from", "ports")
_EGRESS_FIELDS = ("to", "ports")
_PEER_FIELDS = ("podSelector", "namespaceSelector", "ipBlock")
_DIRECTIONS = {d.value: d for d in Direction}


def written(value: Any) -> Written:
    """How a (valid) list field was written: missing (absent or null), ``[]``, or entries."""
    if value is None:
        return "missing"
    return "empty" if value == [] else "list"


def parse_peer(ctx: Ctx, value: Any, path: str, node: object) -> Peer | None:
    """A `NetworkPolicyPeer`: selectors (AND-ed) or an ipBlock, never both, never empty."""
    before = ctx.problem_count
    head = policy_fields.peer_head(
        ctx,
        value,
        path,
        node,
        _PEER_FIELDS,
        null_hint=" (use podSelector, namespaceSelector or ipBlock)",
        empty_hint="must specify podSelector, namespaceSelector or ipBlock",
    )
    if head is None:
        return None
    if head.ip_block is not None:
        return Peer.model_construct(ip_block=head.ip_block)
    raw, here = head.raw, head.here
    pods = policy_fields.selector(ctx, raw.get("podSelector"), join(path, "podSelector"), here)
    namespaces = policy_fields.selector(
        ctx, raw.get("namespaceSelector"), join(path, "namespaceSelector"), here
    )
    if ctx.problem_count != before:
        return None
    return Peer.model_construct(pod_selector=pods, namespace_selector=namespaces, ip_block=None)


def _rule(ctx: Ctx, direction: Direction, index: int, value: Any, path: str, node: object) -> Rule | None:
    if value is None:
        # The API server decodes a null list element as the zero rule, {}: allow all.
        ctx.notice(
            node, f"{path}: null rule read as {{}} (allows every peer on every port), as the API server does"
        )
        return Rule.model_construct(
            direction=direction,
            index=index,
            peers=None,
            ports=None,
            location=ctx.at(node),
            peers_written="missing",
            ports_written="missing",
        )
    raw = checks.mapping(ctx, value, path, node)
    if raw is None:
        return None
    here = raw if isinstance(raw, LocatedDict) else node
    before = ctx.problem_count
    peers_key = "from" if direction is Direction.INGRESS else "to"
    checks.known_fields(ctx, raw, _INGRESS_FIELDS if direction is Direction.INGRESS else _EGRESS_FIELDS, path)
    peer_items = checks.sequence(ctx, raw.get(peers_key), join(path, peers_key), here)
    peers: list[Peer] = []
    for i, item in enumerate(peer_items or []):
        peer = parse_peer(ctx, item, join(join(path, peers_key), i), here)
        if peer is not None:
            peers.append(peer)
    ports = policy_fields.policy_ports(ctx, raw.get("ports"), join(path, "ports"), here)
    if ctx.problem_count != before:
        return None
    return Rule.model_construct(
        direction=direction,
        index=index,
        peers=tuple(peers) if peer_items else None,
        ports=ports,
        location=ctx.at(here),
        peers_written=written(raw.get(peers_key)),
        ports_written=written(raw.get("ports")),
    )


def _rules(ctx: Ctx, direction: Direction, value: Any, path: str, node: object) -> tuple[Rule, ...]:
    out: list[Rule] = []
    for i, item in enumerate(checks.sequence(ctx, value, path, node) or []):
        rule = _rule(ctx, direction, i, item, join(path, i), node)
        if rule is not None:
            out.append(rule)
    return tuple(out)


def parse_policy(ctx: Ctx, doc: dict[Any, Any], namespace: str, name: str) -> NetworkPolicy | None:
    """The policy, or None when it had problems (all of them recorded in ``ctx``)."""
    before = ctx.problem_count
    checks.known_fields(ctx, doc, TOP_FIELDS, "")
    meta = doc.get("metadata")
    location = ctx.at(meta) if isinstance(meta, LocatedDict) else ctx.at(doc)
    spec = checks.mapping(ctx, doc.get("spec"), "spec", doc)
    if spec is None:
        spec = {}
    here = spec if isinstance(spec, LocatedDict) else doc
    checks.known_fields(ctx, spec, _SPEC_FIELDS, "spec")
    if spec.get("podSelector") is None:
        ctx.notice(here, "spec.podSelector is missing: read as {} (selects every pod in the namespace)")
        pod_selector = EVERYTHING
    else:
        pod_selector = (
            policy_fields.selector(ctx, spec["podSelector"], "spec.podSelector", here) or EVERYTHING
        )
    ingress = _rules(ctx, Direction.INGRESS, spec.get("ingress"), "spec.ingress", here)
    egress = _rules(ctx, Direction.EGRESS, spec.get("egress"), "spec.egress", here)
    types_raw = checks.sequence(ctx, spec.get("policyTypes"), "spec.policyTypes", here)
    types: set[Direction] = set()
    if types_raw:
        if len(types_raw) > 2:
            ctx.problem(
                here, "spec.policyTypes", f"may not specify more than two policyTypes, got {show(types_raw)}"
            )
        for i, item in enumerate(types_raw):
            direction = _DIRECTIONS.get(item) if isinstance(item, str) else None
            if direction is None:
                ctx.problem(
                    here,
                    f"spec.policyTypes[{i}]",
                    f"unsupported policy type {show(item)} (expected Ingress or Egress)",
                )
            else:
                types.add(direction)
    else:
        types.add(Direction.INGRESS)
        if spec.get("egress"):
            types.add(Direction.EGRESS)
    if ctx.problem_count != before:
        return None
    return NetworkPolicy.model_construct(
        namespace=namespace,
        name=name,
        pod_selector=pod_selector,
        policy_types=frozenset(types),
        ingress=ingress,
        egress=egress,
        location=location,
        ingress_written=written(spec.get("ingress")),
        egress_written=written(spec.get("egress")),
        policy_types_written=written(spec.get("policyTypes")),
        manifest_location=ctx.at(doc),
    )
