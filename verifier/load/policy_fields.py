"""Validators for the fields that NetworkPolicies and property specs share: label selectors
and their requirements, ports and protocols (a container port's protocol too), ipBlocks,
and a peer's head (which of ``podSelector`` / ``namespaceSelector`` / ``ipBlock`` it
holds). Same contract as
`verifier.load.checks`: one `Problem` per defect, None on bad input.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from verifier.load.checks import (
    PROTOCOLS,
    Ctx,
    iana_svc_name_error,
    is_int,
    join,
    known_fields,
    label_value_error,
    labels,
    mapping,
    qualified_name_error,
    sequence,
    show,
)
from verifier.load.reader import LocatedDict
from verifier.model import (
    IPBlock,
    IPNetwork,
    LabelSelector,
    Operator,
    PolicyPort,
    Protocol,
    Requirement,
)

# --- selectors --------------------------------------------------------------------------

_SELECTOR_FIELDS = ("matchLabels", "matchExpressions")
_REQUIREMENT_FIELDS = ("key", "operator", "values")
_OPERATORS = {op.value: op for op in Operator}


def selector(ctx: Ctx, value: Any, path: str, node: object) -> LabelSelector | None:
    """A `metav1.LabelSelector`, validated as the API server does (None if invalid)."""
    sel = mapping(ctx, value, path, node)
    if sel is None:
        return None
    here = sel if isinstance(sel, LocatedDict) else node
    before = ctx.problem_count
    known_fields(ctx, sel, _SELECTOR_FIELDS, path)
    match_labels = labels(ctx, sel.get("matchLabels"), join(path, "matchLabels"), here) or {}
    reqs: list[Requirement] = []
    exprs = sequence(ctx, sel.get("matchExpressions"), join(path, "matchExpressions"), here) or []
    for i, raw in enumerate(exprs):
        req = requirement(ctx, raw, join(join(path, "matchExpressions"), i), here)
        if req is not None:
            reqs.append(req)
    if ctx.problem_count != before:
        return None
    return LabelSelector.model_construct(
        match_labels=tuple(sorted(match_labels.items())), match_expressions=tuple(reqs)
    )


def requirement(ctx: Ctx, value: Any, path: str, node: object) -> Requirement | None:
    raw = mapping(ctx, value, path, node)
    if raw is None:
        if value is None:
            ctx.problem(node, path, "must be a mapping with key and operator, got null")
        return None
    here = raw if isinstance(raw, LocatedDict) else node
    before = ctx.problem_count
    known_fields(ctx, raw, _REQUIREMENT_FIELDS, path)
    key = raw.get("key")
    if key is None:
        ctx.problem(here, join(path, "key"), "required field is missing")
    elif not isinstance(key, str):
        ctx.problem(here, join(path, "key"), f"must be a string, got {show(key)}")
    elif err := qualified_name_error(key):
        ctx.problem(here, join(path, "key"), f"invalid label key {show(key)}: {err}")
    op_text = raw.get("operator")
    op = _OPERATORS.get(op_text) if isinstance(op_text, str) else None
    if op_text is None:
        ctx.problem(here, join(path, "operator"), "required field is missing")
    elif op is None:
        ctx.problem(
            here,
            join(path, "operator"),
            f"unknown operator {show(op_text)} (expected In, NotIn, Exists or DoesNotExist)",
        )
    values_raw = sequence(ctx, raw.get("values"), join(path, "values"), here)
    values: list[str] = []
    for i, v in enumerate(values_raw or []):
        if not isinstance(v, str):
            hint = " (quote it)" if isinstance(v, bool | int | float) else ""
            ctx.problem(here, join(join(path, "values"), i), f"must be a string{hint}, got {show(v)}")
        elif err := label_value_error(v):
            ctx.problem(here, join(join(path, "values"), i), f"invalid label value {show(v)}: {err}")
        else:
            values.append(v)
    if op in (Operator.IN, Operator.NOT_IN) and not values_raw:
        ctx.problem(here, join(path, "values"), f"must be non-empty when operator is {op.value}")
    if op in (Operator.EXISTS, Operator.DOES_NOT_EXIST) and values_raw:
        ctx.problem(
            here,
            join(path, "values"),
            f"must be empty when operator is {op.value}, got {show(values_raw)}",
        )
    if ctx.problem_count != before or op is None or not isinstance(key, str):
        return None
    return Requirement.model_construct(key=key, operator=op, values=tuple(values))


# --- ports ------------------------------------------------------------------------------

_PORT_FIELDS = ("protocol", "port", "endPort")


def protocol(ctx: Ctx, value: Any, path: str, node: object) -> Protocol | None:
    if value is None:
        return Protocol.TCP
    if isinstance(value, str) and value in PROTOCOLS:
        return Protocol(value)
    ctx.problem(node, path, f"unsupported protocol {show(value)} (expected TCP, UDP or SCTP)")
    return None


def policy_port(ctx: Ctx, value: Any, path: str, node: object) -> PolicyPort | None:
    """A `NetworkPolicyPort`: protocol default TCP; number or IANA name; endPort range."""
    raw = mapping(ctx, value, path, node)
    if raw is None:
        if value is None:
            ctx.problem(node, path, "must be a mapping (port, protocol, endPort), got null")
        return None
    here = raw if isinstance(raw, LocatedDict) else node
    before = ctx.problem_count
    known_fields(ctx, raw, _PORT_FIELDS, path)
    proto = protocol(ctx, raw.get("protocol"), join(path, "protocol"), here)
    port = raw.get("port")
    end_port = raw.get("endPort")
    if port is None:
        pass
    elif is_int(port):
        if not 1 <= port <= 65535:
            ctx.problem(here, join(path, "port"), f"port {port} out of range 1-65535")
    elif isinstance(port, str):
        if err := iana_svc_name_error(port):
            ctx.problem(here, join(path, "port"), f"invalid named port {show(port)}: {err}")
    else:
        ctx.problem(here, join(path, "port"), f"must be a port number or a port name, got {show(port)}")
    if end_port is not None:
        if not is_int(end_port):
            ctx.problem(here, join(path, "endPort"), f"must be a number, got {show(end_port)}")
        elif port is None:
            ctx.problem(here, join(path, "endPort"), f"endPort {end_port} requires a numeric port")
        elif isinstance(port, str):
            ctx.problem(
                here,
                join(path, "endPort"),
                f"endPort {end_port} cannot be used with the named port {show(port)}",
            )
        elif end_port > 65535:
            ctx.problem(here, join(path, "endPort"), f"endPort {end_port} out of range 1-65535")
        elif is_int(port) and end_port < port:
            ctx.problem(here, join(path, "endPort"), f"endPort {end_port} must be >= port {port}")
    if ctx.problem_count != before or proto is None:
        return None
    return PolicyPort.model_construct(protocol=proto, port=port, end_port=end_port)


def policy_ports(ctx: Ctx, value: Any, path: str, node: object) -> tuple[PolicyPort, ...] | None:
    """A ``ports`` list; missing or ``[]`` = all ports (None). Check problems for validity."""
    items = sequence(ctx, value, path, node)
    if not items:
        return None
    out = []
    for i, raw in enumerate(items):
        port = policy_port(ctx, raw, join(path, i), node)
        if port is not None:
            out.append(port)
    return tuple(out)


# --- ipBlock ----------------------------------------------------------------------------

_IPBLOCK_FIELDS = ("cidr", "except")


def cidr(ctx: Ctx, value: Any, path: str, node: object) -> IPNetwork | None:
    """A CIDR as the legacy ipBlock field accepts it; host bits are masked with a Notice."""
    if not isinstance(value, str):
        ctx.problem(node, path, f"must be a CIDR string like 10.0.0.0/8, got {show(value)}")
        return None
    text = value.strip()
    if "/" not in text:
        ctx.problem(node, path, f"invalid CIDR {show(value)}: missing /prefix length (e.g. {text}/32)")
        return None
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError as err:
        ctx.problem(node, path, f"invalid CIDR {show(value)}: {err}")
        return None
    if net.network_address != ipaddress.ip_interface(text).ip:
        ctx.notice(node, f"{path}: CIDR {show(value)} has host bits set; treated as {net}")
    return net


@dataclass(frozen=True)
class PeerHead:
    """A peer mapping that passed the checks both peer kinds share (see `peer_head`)."""

    raw: dict[Any, Any]
    here: object  # where problems inside it are reported
    present: list[str]  # the known fields it sets, in the order given
    ip_block: IPBlock | None  # set when the peer is an ipBlock (it then has nothing else)


def peer_head(
    ctx: Ctx, value: Any, path: str, node: object, fields: tuple[str, ...], *, null_hint: str, empty_hint: str
) -> PeerHead | None:
    """The checks every peer gets — policy peers and spec peers alike: a mapping, not null,
    known fields only, not empty, and an ``ipBlock`` alone. None: a problem was reported (or
    the peer is unusable); an ipBlock peer comes back parsed."""
    raw = mapping(ctx, value, path, node)
    if raw is None:
        if value is None:
            ctx.problem(node, path, f"a peer must not be null{null_hint}")
        return None
    here = raw if isinstance(raw, LocatedDict) else node
    known = known_fields(ctx, raw, fields, path)
    present = [k for k in fields if raw.get(k) is not None]
    if not present:
        if known:  # else the unknown field (a typo) is the problem to report
            ctx.problem(here, path, f"empty peer {show(raw)}: {empty_hint}")
        return None
    if "ipBlock" not in present:
        return PeerHead(raw, here, present, None)
    if len(present) > 1:
        others = " or ".join(k for k in present if k != "ipBlock")
        ctx.problem(here, path, f"ipBlock cannot be combined with {others} in one peer")
        return None
    block = ip_block(ctx, raw["ipBlock"], join(path, "ipBlock"), here)
    return None if block is None else PeerHead(raw, here, present, block)


def ip_block(ctx: Ctx, value: Any, path: str, node: object) -> IPBlock | None:
    raw = mapping(ctx, value, path, node)
    if raw is None:
        return None
    here = raw if isinstance(raw, LocatedDict) else node
    before = ctx.problem_count
    known_fields(ctx, raw, _IPBLOCK_FIELDS, path)
    if "cidr" not in raw or raw["cidr"] is None:
        ctx.problem(here, join(path, "cidr"), "required field is missing")
        whole = None
    else:
        whole = cidr(ctx, raw["cidr"], join(path, "cidr"), here)
    excepts: list[IPNetwork] = []
    for i, text in enumerate(sequence(ctx, raw.get("except"), join(path, "except"), here) or []):
        sub_path = join(join(path, "except"), i)
        sub = cidr(ctx, text, sub_path, here)
        if sub is None or whole is None:
            continue
        if sub.version != whole.version:
            ctx.problem(here, sub_path, f"except {show(text)} is not the same IP family as cidr {whole}")
        elif not (sub.prefixlen > whole.prefixlen and sub.subnet_of(whole)):  # type: ignore[arg-type]
            ctx.problem(here, sub_path, f"except {show(text)} must be strictly inside cidr {whole}")
        else:
            excepts.append(sub)
    if ctx.problem_count != before or whole is None:
        return None
    return IPBlock.model_validate({"cidr": whole, "except": tuple(excepts)})
