"""The cluster-wide policy tiers and Node objects → `verifier.model.tiers` types.

Read (the versions are `verifier.load.kinds.TIER_APIS`; the semantics are stated in
`verifier.model.tiers`):

- ``policy.networking.k8s.io/v1alpha1`` **AdminNetworkPolicy**: ``priority`` 0-1000, a
  ``subject``, ``ingress``/``egress`` rules (at most 100 each) with ``action``
  Allow|Deny|Pass, ``from``/``to`` peers (1-100) and optional ``ports`` (1-100 entries of
  ``portNumber``, ``namedPort`` or ``portRange``; protocol default TCP);
- v1alpha1 **BaselineAdminNetworkPolicy**: the same without ``priority`` and Pass, and no
  ``domainNames`` peer; the API allows one, named ``default`` (tier Baseline, priority None);
- ``v1alpha2`` **ClusterNetworkPolicy**: ``tier`` Admin|Baseline, ``priority`` 0-1000, rules
  (at most 25 each) with ``action`` Accept|Deny|Pass (Accept is `Action.ALLOW`), peers
  (1-25) and optional ``protocols`` (1-25 entries of ``tcp``/``udp``/``sctp`` with a
  ``destinationPort`` number or range, or ``destinationNamedPort``);
- core **Node**: name, labels and the ``InternalIP``/``ExternalIP`` entries of
  ``status.addresses`` (what ``nodes`` peers match); host names are not addresses and are left
  out, an IP entry that does not parse is left out with a Notice.

Peers hold exactly one field: ingress ``namespaces`` | ``pods``; egress also ``nodes``,
``networks`` (1-25 CIDRs) and, for AdminNetworkPolicy and ClusterNetworkPolicy,
``domainNames`` (1-25 names, only in Allow/Accept rules as the API says). A named port cannot
go with a ``nodes``/``networks``/``domainNames`` peer (the API's own validation rule).

Limits and required fields are the API's (kubebuilder markers of the v1alpha1/v1alpha2 Go
types). Everything the API server would reject and every unknown field is a Problem, in the
style of `verifier.load.policy`; input order is kept. Names, duplicates and the singleton
``default`` of BaselineAdminNetworkPolicy are checked here and in `verifier.load.cluster`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from verifier.load import checks, policy_fields
from verifier.load.checks import Ctx, join, show
from verifier.load.kinds import TIER_APIS
from verifier.load.reader import LocatedDict
from verifier.model import (
    EVERYTHING,
    Action,
    Direction,
    IPAddress,
    IPNetwork,
    LabelSelector,
    Node,
    Protocol,
    Tier,
    TierPeer,
    TierPolicy,
    TierPort,
    TierRule,
    TierSubject,
    parse_ip,
)
from verifier.model.tiers import (
    ADMIN_NETWORK_POLICY,
    BASELINE_ADMIN_NETWORK_POLICY,
    CLUSTER_NETWORK_POLICY,
    TierKind,
)

TOP_FIELDS = ("apiVersion", "kind", "metadata", "spec", "status")
BASELINE_NAME = "default"
PRIORITY_MAX = 1000
RULE_NAME_MAX = 100
#: ``networks`` and ``domainNames`` hold 1-25 entries in every version.
LIST_MAX = 25

_SUBJECT_FIELDS = ("namespaces", "pods")
_NAMESPACED_POD_FIELDS = ("namespaceSelector", "podSelector")
_INGRESS_PEERS = ("namespaces", "pods")
_PORT_FIELDS = ("portNumber", "namedPort", "portRange")
_PORT_NUMBER_FIELDS = ("protocol", "port")
_PORT_RANGE_FIELDS = ("protocol", "start", "end")
_PROTOCOL_FIELDS = ("tcp", "udp", "sctp", "destinationNamedPort")
_PROTOCOL_NAMES = {"tcp": Protocol.TCP, "udp": Protocol.UDP, "sctp": Protocol.SCTP}
_DESTINATION_PORT_FIELDS = ("number", "range")
_RANGE_FIELDS = ("start", "end")
#: Peers that have no named ports (the API rejects them beside a named port).
_PORTLESS_PEERS = ("nodes", "networks", "domainNames")
_NODE_ADDRESS_TYPES = ("InternalIP", "ExternalIP")
_DOMAIN_RE = re.compile(
    r"^(\*\.)?([a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.)+[a-zA-Z0-9]([-a-zA-Z0-9_]*[a-zA-Z0-9])?\.?$"
)


@dataclass(frozen=True, slots=True)
class _Dialect:
    """What one tier kind accepts: its fields, actions, limits and port syntax."""

    kind: TierKind
    spec_fields: tuple[str, ...]
    actions: dict[str, Action]
    max_rules: int
    max_peers: int
    egress_peers: tuple[str, ...]
    ports_key: str  # "ports" (v1alpha1) or "protocols" (v1alpha2)
    max_ports: int
    #: v1alpha1's NamespacedPod requires namespaceSelector; v1alpha2's does not.
    pod_namespaces_required: bool


_ALLOW, _DENY, _PASS = Action.ALLOW, Action.DENY, Action.PASS

_DIALECTS: dict[str, _Dialect] = {
    ADMIN_NETWORK_POLICY: _Dialect(
        kind="AdminNetworkPolicy",
        spec_fields=("priority", "subject", "ingress", "egress"),
        actions={"Allow": _ALLOW, "Deny": _DENY, "Pass": _PASS},
        max_rules=100,
        max_peers=100,
        egress_peers=("namespaces", "pods", "nodes", "networks", "domainNames"),
        ports_key="ports",
        max_ports=100,
        pod_namespaces_required=True,
    ),
    BASELINE_ADMIN_NETWORK_POLICY: _Dialect(
        kind="BaselineAdminNetworkPolicy",
        spec_fields=("subject", "ingress", "egress"),
        actions={"Allow": _ALLOW, "Deny": _DENY},
        max_rules=100,
        max_peers=100,
        egress_peers=("namespaces", "pods", "nodes", "networks"),
        ports_key="ports",
        max_ports=100,
        pod_namespaces_required=True,
    ),
    CLUSTER_NETWORK_POLICY: _Dialect(
        kind="ClusterNetworkPolicy",
        spec_fields=("tier", "priority", "subject", "ingress", "egress"),
        actions={"Accept": _ALLOW, "Deny": _DENY, "Pass": _PASS},
        max_rules=25,
        max_peers=25,
        egress_peers=("namespaces", "pods", "nodes", "networks", "domainNames"),
        ports_key="protocols",
        max_ports=25,
        pod_namespaces_required=False,
    ),
}
_TIERS = {t.value: t for t in Tier}


def _one_of(names: tuple[str, ...] | list[str]) -> str:
    """``a, b or c``."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _here(value: object, node: object) -> object:
    return value if isinstance(value, LocatedDict) else node


def _exactly_one(
    ctx: Ctx, value: Any, path: str, node: object, fields: tuple[str, ...]
) -> tuple[dict[Any, Any], object, str] | None:
    """A mapping with exactly one of `fields` set (null counts as unset, as the API server
    prunes it): the mapping, where to report inside it, and the field. None after a Problem."""
    raw = checks.mapping(ctx, value, path, node)
    if raw is None:
        if value is None:
            ctx.problem(node, path, f"must not be null (set one of {_one_of(fields)})")
        return None
    here = _here(raw, node)
    if not checks.known_fields(ctx, raw, fields, path):
        return None
    present = [k for k in fields if raw.get(k) is not None]
    if len(present) != 1:
        got = "none" if not present else " and ".join(present)
        ctx.problem(here, path, f"must set exactly one of {_one_of(fields)}, got {got}")
        return None
    return raw, here, present[0]


def _bounded_list(
    ctx: Ctx, value: Any, path: str, node: object, most: int, what: str, empty: str | None = None
) -> list[Any] | None:
    """A list of at most `most` items, and not empty when `empty` says why it must not be
    (None after a Problem, or when missing)."""
    items = checks.sequence(ctx, value, path, node)
    if items is None:
        return None
    if not items and empty is not None:
        ctx.problem(node, path, f"must not be empty: {empty}")
        return None
    if len(items) > most:
        ctx.problem(node, path, f"too many {what}: {len(items)} (the API allows at most {most})")
        return None
    return items


def _integer(ctx: Ctx, value: Any, path: str, node: object, low: int, high: int) -> int | None:
    """A required integer in ``low..high``."""
    if value is None:
        ctx.problem(node, path, "required field is missing")
        return None
    if not checks.is_int(value):
        ctx.problem(node, path, f"must be an integer, got {checks.type_name(value)} {show(value)}")
        return None
    if not low <= value <= high:
        ctx.problem(node, path, f"{value} out of range {low}-{high}")
        return None
    return value


# --- subject and peers ------------------------------------------------------------------


def _namespaced_pod(
    ctx: Ctx, value: Any, path: str, node: object, dialect: _Dialect
) -> tuple[LabelSelector, LabelSelector] | None:
    """A NamespacedPod: (namespaceSelector, podSelector); v1alpha1 requires both."""
    raw = checks.mapping(ctx, value, path, node)
    if raw is None:
        return None
    here = _here(raw, node)
    before = ctx.problem_count
    checks.known_fields(ctx, raw, _NAMESPACED_POD_FIELDS, path)
    selectors: list[LabelSelector] = []
    for key in _NAMESPACED_POD_FIELDS:
        if raw.get(key) is None:
            if key == "podSelector" or dialect.pod_namespaces_required:
                ctx.problem(here, join(path, key), "required field is missing (write {} to select all)")
            selectors.append(EVERYTHING)
            continue
        selectors.append(policy_fields.selector(ctx, raw[key], join(path, key), here) or EVERYTHING)
    if ctx.problem_count != before:
        return None
    return selectors[0], selectors[1]


def _subject(ctx: Ctx, value: Any, path: str, node: object, dialect: _Dialect) -> TierSubject | None:
    if value is None:
        ctx.problem(node, path, "required field is missing (namespaces or pods)")
        return None
    head = _exactly_one(ctx, value, path, node, _SUBJECT_FIELDS)
    if head is None:
        return None
    raw, here, field = head
    if field == "namespaces":
        selector = policy_fields.selector(ctx, raw[field], join(path, field), here)
        return None if selector is None else TierSubject.model_construct(namespaces=selector)
    pods = _namespaced_pod(ctx, raw[field], join(path, field), here, dialect)
    if pods is None:
        return None
    return TierSubject.model_construct(pod_namespaces=pods[0], pods=pods[1])


def _networks(ctx: Ctx, value: Any, path: str, node: object) -> tuple[IPNetwork, ...] | None:
    items = _bounded_list(ctx, value, path, node, LIST_MAX, "CIDRs", "at least one CIDR")
    if items is None:
        return None
    before = ctx.problem_count
    out: list[IPNetwork] = []
    for i, text in enumerate(items):
        item_path = join(path, i)
        if isinstance(text, str) and ":" in text and "." in text:
            ctx.problem(
                node,
                item_path,
                f"invalid CIDR {show(text)}: IPv4 embedded in IPv6 is not supported by the API",
            )
            continue
        net = policy_fields.cidr(ctx, text, item_path, node)
        if net is None:
            continue
        if net in out:
            ctx.problem(node, item_path, f"duplicate CIDR {show(text)} (the list is a set)")
            continue
        out.append(net)
    return tuple(out) if ctx.problem_count == before else None


def _domain_names(ctx: Ctx, value: Any, path: str, node: object) -> tuple[str, ...] | None:
    items = _bounded_list(ctx, value, path, node, LIST_MAX, "domain names", "at least one name")
    if items is None:
        return None
    before = ctx.problem_count
    out: list[str] = []
    for i, name in enumerate(items):
        item_path = join(path, i)
        if not isinstance(name, str) or not _DOMAIN_RE.match(name):
            ctx.problem(
                node,
                item_path,
                f"invalid domain name {show(name)}: expected a DNS name like example.com, "
                "optionally starting with '*.'",
            )
        elif name in out:
            ctx.problem(node, item_path, f"duplicate domain name {show(name)} (the list is a set)")
        else:
            out.append(name)
    return tuple(out) if ctx.problem_count == before else None


def _peer(
    ctx: Ctx, value: Any, path: str, node: object, fields: tuple[str, ...], dialect: _Dialect
) -> TierPeer | None:
    head = _exactly_one(ctx, value, path, node, fields)
    if head is None:
        return None
    raw, here, field = head
    field_path = join(path, field)
    if field in ("namespaces", "nodes"):
        selector = policy_fields.selector(ctx, raw[field], field_path, here)
        if selector is None:
            return None
        if field == "nodes":
            return TierPeer.model_construct(nodes=selector)
        return TierPeer.model_construct(namespaces=selector)
    if field == "pods":
        pods = _namespaced_pod(ctx, raw[field], field_path, here, dialect)
        if pods is None:
            return None
        return TierPeer.model_construct(pod_namespaces=pods[0], pods=pods[1])
    if field == "networks":
        networks = _networks(ctx, raw[field], field_path, here)
        return None if networks is None else TierPeer.model_construct(networks=networks)
    names = _domain_names(ctx, raw[field], field_path, here)
    return None if names is None else TierPeer.model_construct(domain_names=names)


# --- ports ------------------------------------------------------------------------------


def _named_port(ctx: Ctx, value: Any, path: str, node: object) -> TierPort | None:
    name = checks.string(ctx, value, path, node)
    if name is None:
        return None
    if err := checks.iana_svc_name_error(name):
        # The API takes any string, but a container port's name is always valid: no match.
        ctx.notice(node, f"{path}: named port {show(name)} can match no container port ({err})")
    return TierPort.model_construct(protocol=None, first=None, last=None, name=name)


def _port_range(
    ctx: Ctx, raw: dict[Any, Any], path: str, here: object, protocol: Protocol
) -> TierPort | None:
    """``start``/``end`` of a range (v1alpha1 portRange, v1alpha2 range): 1-65535, start < end."""
    start = _integer(ctx, raw.get("start"), join(path, "start"), here, 1, 65535)
    end = _integer(ctx, raw.get("end"), join(path, "end"), here, 1, 65535)
    if start is None or end is None:
        return None
    if start >= end:
        ctx.problem(here, path, f"start {start} must be less than end {end}")
        return None
    return TierPort.model_construct(protocol=protocol, first=start, last=end, name=None)


def _v1alpha1_port(ctx: Ctx, value: Any, path: str, node: object) -> TierPort | None:
    """An AdminNetworkPolicyPort: exactly one of portNumber, namedPort, portRange."""
    head = _exactly_one(ctx, value, path, node, _PORT_FIELDS)
    if head is None:
        return None
    raw, here, field = head
    field_path = join(path, field)
    if field == "namedPort":
        return _named_port(ctx, raw[field], field_path, here)
    inner = checks.mapping(ctx, raw[field], field_path, here)
    if inner is None:
        return None
    inner_here = _here(inner, here)
    before = ctx.problem_count
    fields = _PORT_NUMBER_FIELDS if field == "portNumber" else _PORT_RANGE_FIELDS
    checks.known_fields(ctx, inner, fields, field_path)
    protocol = policy_fields.protocol(ctx, inner.get("protocol"), join(field_path, "protocol"), inner_here)
    if field == "portNumber":
        number = _integer(ctx, inner.get("port"), join(field_path, "port"), inner_here, 1, 65535)
        if ctx.problem_count != before or protocol is None or number is None:
            return None
        return TierPort.model_construct(protocol=protocol, first=number, last=number, name=None)
    port = _port_range(ctx, inner, field_path, inner_here, protocol or Protocol.TCP)
    return port if ctx.problem_count == before and protocol is not None else None


def _v1alpha2_port(ctx: Ctx, value: Any, path: str, node: object) -> TierPort | None:
    """A ClusterNetworkPolicyProtocol: exactly one of tcp, udp, sctp, destinationNamedPort."""
    head = _exactly_one(ctx, value, path, node, _PROTOCOL_FIELDS)
    if head is None:
        return None
    raw, here, field = head
    field_path = join(path, field)
    if field == "destinationNamedPort":
        return _named_port(ctx, raw[field], field_path, here)
    protocol = _PROTOCOL_NAMES[field]
    inner = checks.mapping(ctx, raw[field], field_path, here)
    if inner is None:
        return None
    inner_here = _here(inner, here)
    if not checks.known_fields(ctx, inner, ("destinationPort",), field_path):
        return None
    if inner.get("destinationPort") is None:
        # The API's MinProperties=1: `tcp: {}` is rejected, not "every TCP port".
        ctx.problem(
            inner_here,
            join(field_path, "destinationPort"),
            f"required field is missing (the API rejects an empty {field}; for every {protocol} port "
            "write destinationPort: {range: {start: 1, end: 65535}})",
        )
        return None
    dest_path = join(field_path, "destinationPort")
    dest = _exactly_one(ctx, inner["destinationPort"], dest_path, inner_here, _DESTINATION_PORT_FIELDS)
    if dest is None:
        return None
    dest_raw, dest_here, dest_field = dest
    if dest_field == "number":
        number = _integer(ctx, dest_raw["number"], join(dest_path, "number"), dest_here, 1, 65535)
        if number is None:
            return None
        return TierPort.model_construct(protocol=protocol, first=number, last=number, name=None)
    range_path = join(dest_path, "range")
    span = checks.mapping(ctx, dest_raw["range"], range_path, dest_here)
    if span is None:
        return None
    before = ctx.problem_count
    checks.known_fields(ctx, span, _RANGE_FIELDS, range_path)
    port = _port_range(ctx, span, range_path, _here(span, dest_here), protocol)
    return port if ctx.problem_count == before else None


# --- rules and policies -----------------------------------------------------------------


def _action(ctx: Ctx, value: Any, path: str, node: object, dialect: _Dialect) -> Action | None:
    if value is None:
        ctx.problem(node, path, "required field is missing")
        return None
    action = dialect.actions.get(value) if isinstance(value, str) else None
    if action is not None:
        return action
    hint = ""
    if value == "Accept":
        hint = " (Accept is v1alpha2 ClusterNetworkPolicy's spelling; v1alpha1 writes Allow)"
    elif value == "Allow" and dialect.kind == CLUSTER_NETWORK_POLICY:
        hint = " (v1alpha2 writes Accept)"
    elif value == "Pass" and dialect.kind == BASELINE_ADMIN_NETWORK_POLICY:
        hint = " (a BaselineAdminNetworkPolicy is the last tier: there is nothing to pass to)"
    ctx.problem(node, path, f"unknown action {show(value)} (expected {_one_of(list(dialect.actions))}){hint}")
    return None


def _rule(
    ctx: Ctx, direction: Direction, index: int, value: Any, path: str, node: object, dialect: _Dialect
) -> TierRule | None:
    raw = checks.mapping(ctx, value, path, node)
    if raw is None:
        if value is None:
            ctx.problem(node, path, "a rule must not be null")
        return None
    here = _here(raw, node)
    before = ctx.problem_count
    peers_key = "from" if direction is Direction.INGRESS else "to"
    checks.known_fields(ctx, raw, ("name", "action", peers_key, dialect.ports_key), path)
    name = raw.get("name", "")
    if name is None:
        name = ""
    if not isinstance(name, str):
        ctx.problem(here, join(path, "name"), f"must be a string, got {checks.type_name(name)} {show(name)}")
    elif len(name) > RULE_NAME_MAX:
        ctx.problem(
            here, join(path, "name"), f"must be no more than {RULE_NAME_MAX} characters, got {len(name)}"
        )
    written = raw.get("action")
    action = _action(ctx, written, join(path, "action"), here, dialect)
    peers_path = join(path, peers_key)
    fields = _INGRESS_PEERS if direction is Direction.INGRESS else dialect.egress_peers
    peers: list[TierPeer] = []
    if raw.get(peers_key) is None:
        ctx.problem(here, peers_path, "required field is missing (at least one peer)")
    for i, item in enumerate(
        _bounded_list(
            ctx, raw.get(peers_key), peers_path, here, dialect.max_peers, "peers", "at least one peer"
        )
        or []
    ):
        peer = _peer(ctx, item, join(peers_path, i), here, fields, dialect)
        if peer is not None:
            peers.append(peer)
    ports_path = join(path, dialect.ports_key)
    parse_port: Callable[[Ctx, Any, str, object], TierPort | None] = (
        _v1alpha1_port if dialect.ports_key == "ports" else _v1alpha2_port
    )
    port_items = _bounded_list(
        ctx,
        raw.get(dialect.ports_key),
        ports_path,
        here,
        dialect.max_ports,
        f"{dialect.ports_key} entries",
        f"omit {dialect.ports_key} to match every port",
    )
    ports: list[TierPort] = []
    for i, item in enumerate(port_items or []):
        port = parse_port(ctx, item, join(ports_path, i), here)
        if port is not None:
            ports.append(port)
    portless = sorted({p.kind for p in peers if p.kind in _PORTLESS_PEERS})
    if portless and any(p.name is not None for p in ports):
        ctx.problem(
            here,
            ports_path,
            f"a named port cannot be used with {' or '.join(portless)} peers: they have no named ports",
        )
    if action is not None and action is not Action.ALLOW and any(p.domain_names is not None for p in peers):
        allow = next(k for k, a in dialect.actions.items() if a is Action.ALLOW)
        ctx.problem(here, peers_path, f"domainNames peers are only supported in {allow} rules, not {written}")
    if ctx.problem_count != before or action is None or not isinstance(name, str):
        return None
    return TierRule.model_construct(
        direction=direction,
        index=index,
        name=name,
        action=action,
        action_written=str(written),
        peers=tuple(peers),
        ports=tuple(ports) if port_items is not None else None,
        location=ctx.at(here),
    )


def _rules(
    ctx: Ctx, direction: Direction, value: Any, path: str, node: object, dialect: _Dialect
) -> tuple[TierRule, ...]:
    out: list[TierRule] = []
    items = _bounded_list(ctx, value, path, node, dialect.max_rules, f"{direction.value.lower()} rules")
    for i, item in enumerate(items or []):
        rule = _rule(ctx, direction, i, item, join(path, i), node, dialect)
        if rule is not None:
            out.append(rule)
    return tuple(out)


def parse_tier_policy(ctx: Ctx, doc: dict[Any, Any], kind: str, name: str) -> TierPolicy | None:
    """An AdminNetworkPolicy, BaselineAdminNetworkPolicy or ClusterNetworkPolicy at its
    `TIER_APIS` version; None when it had problems (all of them recorded in ``ctx``)."""
    dialect = _DIALECTS[kind]
    before = ctx.problem_count
    checks.known_fields(ctx, doc, TOP_FIELDS, "")
    meta = doc.get("metadata")
    location = ctx.at(meta) if isinstance(meta, LocatedDict) else ctx.at(doc)
    meta_here = _here(meta, doc)
    if err := checks.dns_subdomain_error(name):
        ctx.problem(meta_here, "metadata.name", f"invalid {kind} name {show(name)}: {err}")
    if kind == BASELINE_ADMIN_NETWORK_POLICY and name != BASELINE_NAME:
        ctx.problem(
            meta_here,
            "metadata.name",
            f"must be {show(BASELINE_NAME)}, got {show(name)}: the API allows one "
            f"BaselineAdminNetworkPolicy per cluster, named {BASELINE_NAME}",
        )
    spec = checks.mapping(ctx, doc.get("spec"), "spec", doc)
    if spec is None:
        if doc.get("spec") is None:
            ctx.problem(doc, "spec", "required field is missing")
        return None
    here = _here(spec, doc)
    checks.known_fields(ctx, spec, dialect.spec_fields, "spec")
    tier = Tier.BASELINE if kind == BASELINE_ADMIN_NETWORK_POLICY else Tier.ADMIN
    if kind == CLUSTER_NETWORK_POLICY:
        written_tier = spec.get("tier")
        if written_tier is None:
            ctx.problem(here, "spec.tier", "required field is missing (Admin or Baseline)")
        elif not isinstance(written_tier, str) or written_tier not in _TIERS:
            ctx.problem(here, "spec.tier", f"unknown tier {show(written_tier)} (expected Admin or Baseline)")
        else:
            tier = _TIERS[written_tier]
    priority = None
    if "priority" in dialect.spec_fields:
        priority = _integer(ctx, spec.get("priority"), "spec.priority", here, 0, PRIORITY_MAX)
    subject = _subject(ctx, spec.get("subject"), "spec.subject", here, dialect)
    ingress = _rules(ctx, Direction.INGRESS, spec.get("ingress"), "spec.ingress", here, dialect)
    egress = _rules(ctx, Direction.EGRESS, spec.get("egress"), "spec.egress", here, dialect)
    if ctx.problem_count != before or subject is None:
        return None
    return TierPolicy.model_construct(
        kind=dialect.kind,
        name=name,
        tier=tier,
        priority=priority,
        subject=subject,
        ingress=ingress,
        egress=egress,
        location=location,
        manifest_location=ctx.at(doc),
    )


# --- Node -------------------------------------------------------------------------------


def _node_addresses(ctx: Ctx, status: dict[Any, Any], node: object) -> tuple[IPAddress, ...]:
    out: list[IPAddress] = []
    for i, entry in enumerate(checks.sequence(ctx, status.get("addresses"), "status.addresses", node) or []):
        path = f"status.addresses[{i}]"
        item = checks.mapping(ctx, entry, path, node)
        if item is None:
            if entry is None:
                ctx.problem(node, path, "must be a mapping {type, address}, got null")
            continue
        here = _here(item, node)
        kind, text = item.get("type"), item.get("address")
        if not isinstance(kind, str) or not isinstance(text, str):
            ctx.problem(here, path, f"type and address must be strings, got {show(item)}")
            continue
        if kind not in _NODE_ADDRESS_TYPES:
            continue  # Hostname, InternalDNS, ExternalDNS: names, not addresses
        try:
            ip = parse_ip(text)
        except ValueError:
            ctx.notice(
                here, f"{path}: {kind} {show(text)} is not an IP address: left out of the node's addresses"
            )
            continue
        if ip not in out:
            out.append(ip)
    return tuple(out)


def parse_node(
    ctx: Ctx, doc: dict[Any, Any], meta: dict[Any, Any], name: str, cache: checks.LabelCache
) -> Node | None:
    """A Node: name, labels and IP addresses; None when it had problems."""
    before = ctx.problem_count
    if err := checks.dns_subdomain_error(name):
        ctx.problem(_here(meta, doc), "metadata.name", f"invalid Node name {show(name)}: {err}")
    labels = checks.labels(ctx, meta.get("labels"), "metadata.labels", _here(meta, doc), cache)
    status = checks.mapping(ctx, doc.get("status"), "status", doc) or {}
    addresses = _node_addresses(ctx, status, _here(status, doc))
    if ctx.problem_count != before or labels is None:
        return None
    return Node.model_construct(name=name, labels=labels, addresses=addresses, location=ctx.where)


__all__ = ["BASELINE_NAME", "TIER_APIS", "parse_node", "parse_tier_policy"]
