"""Field validators shared by the resource loader and the spec parser.

Each validator mirrors what the Kubernetes API server accepts for that field and, on bad
input, records one `Problem` per defect (field path + offending value) and returns None, so
that a caller can keep going and report everything at once. A caller that needs to know
whether a subtree was valid compares ``len(ctx.problems)`` before and after.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from verifier.errors import Location, Notice, Problem
from verifier.load.reader import LocatedDict
from verifier.model import (
    ContainerPort,
    IPBlock,
    IPNetwork,
    LabelSelector,
    Operator,
    PolicyPort,
    Protocol,
    Requirement,
)

PROTOCOLS = frozenset(p.value for p in Protocol)

_DNS1123_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_RE = re.compile(rf"^{_DNS1123_LABEL}(?:\.{_DNS1123_LABEL})*$")
_DNS1123_LABEL_RE = re.compile(rf"^{_DNS1123_LABEL}$")
_QUALIFIED_NAME_RE = re.compile(r"^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)$")
_LABEL_VALUE_RE = re.compile(r"^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
_IANA_SVC_NAME_RE = re.compile(r"^[a-z0-9](?:-?[a-z0-9])*$")


@dataclass(slots=True)
class Diagnostics:
    """Everything found wrong (problems) or assumed (notices) during one load."""

    problems: list[Problem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


@dataclass(slots=True)
class Ctx:
    """Where validation is happening: the file, the object's display name and its location
    (used for values that carry no position of their own, e.g. JSON)."""

    diag: Diagnostics
    file: str
    obj: str
    where: Location

    def at(self, node: object) -> Location:
        if isinstance(node, LocatedDict) and node.line:
            return Location(self.file, node.line, node.column)
        return self.where

    def problem(self, node: object, path: str, message: str) -> None:
        self.diag.problems.append(Problem(self.at(node), self.obj, path, message))

    def notice(self, node: object, message: str) -> None:
        self.diag.notices.append(Notice(self.at(node), self.obj, message))

    @property
    def problem_count(self) -> int:
        return len(self.diag.problems)


def show(value: Any) -> str:
    """A short, one-line rendering of an offending value."""
    if isinstance(value, str):
        text = json.dumps(value)
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        try:
            if isinstance(value, int | float):
                text = str(value)
            else:
                text = json.dumps(value, default=str, separators=(", ", ": "))
        except (TypeError, ValueError, RecursionError):  # odd keys, huge numbers, deep nesting
            text = f"<{type_name(value)}>"
    return text if len(text) <= 80 else text[:77] + "..."


def type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "null"
    return "a string"


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


# --- names and labels -------------------------------------------------------------------


def qualified_name_error(key: str) -> str | None:
    """Why `key` is not a valid label key (k8s qualified name), or None."""
    prefix, slash, name = key.rpartition("/")
    if slash:
        if not prefix:
            return "prefix part must be non-empty"
        if len(prefix) > 253 or not _DNS1123_SUBDOMAIN_RE.match(prefix):
            return "prefix part must be a lowercase DNS subdomain (e.g. 'example.com')"
    if not name:
        return "name part must be non-empty"
    if len(name) > 63:
        return "name part must be no more than 63 characters"
    if not _QUALIFIED_NAME_RE.match(name):
        return (
            "name part must consist of alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character"
        )
    return None


def label_value_error(value: str) -> str | None:
    """Why `value` is not a valid label value, or None."""
    if len(value) > 63:
        return "must be no more than 63 characters"
    if not _LABEL_VALUE_RE.match(value):
        return (
            "must be empty or consist of alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character"
        )
    return None


def iana_svc_name_error(name: str) -> str | None:
    """Why `name` is not a valid named port (IANA_SVC_NAME), or None."""
    if len(name) > 15:
        return "must be no more than 15 characters"
    if not _IANA_SVC_NAME_RE.match(name):
        return (
            "must contain only lowercase letters, digits and '-', "
            "must not begin or end with '-' nor contain '--'"
        )
    if not any(c.isalpha() for c in name):
        return "must contain at least one letter"
    return None


def dns_subdomain_error(name: str) -> str | None:
    if len(name) > 253 or not _DNS1123_SUBDOMAIN_RE.match(name):
        return "must be a lowercase RFC 1123 subdomain (letters, digits, '-' and '.')"
    return None


def dns_label_error(name: str) -> str | None:
    if len(name) > 63 or not _DNS1123_LABEL_RE.match(name):
        return "must be a lowercase RFC 1123 label (at most 63 letters, digits and '-')"
    return None


class LabelCache:
    """Label keys and values already found valid, and container ports already built: real
    inventories repeat them endlessly. One per load (no module-level state)."""

    __slots__ = ("keys", "ports", "values")

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.values: set[str] = set()
        self.ports: dict[tuple[int, Protocol, str | None], ContainerPort] = {}


def labels(
    ctx: Ctx, value: Any, path: str, node: object, cache: LabelCache | None = None
) -> dict[str, str] | None:
    """A ``labels``/``matchLabels`` mapping: valid keys, string values."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        ctx.problem(
            node, path, f"must be a mapping of label keys to values, got {type_name(value)} {show(value)}"
        )
        return None
    here = value if isinstance(value, LocatedDict) else node
    keys = cache.keys if cache is not None else set()
    values = cache.values if cache is not None else set()
    ok = True
    for key, val in value.items():
        if key not in keys:
            err = qualified_name_error(key) if isinstance(key, str) else "must be a string"
            if err:
                ctx.problem(here, path, f"invalid label key {show(key)}: {err}")
                ok = False
                continue
            keys.add(key)
        if not isinstance(val, str) or val not in values:
            if not isinstance(val, str):
                hint = " (quote it)" if isinstance(val, bool | int | float) else ""
                ctx.problem(here, join(path, key), f"label value must be a string{hint}, got {show(val)}")
                ok = False
                continue
            err = label_value_error(val)
            if err:
                ctx.problem(here, join(path, key), f"invalid label value {show(val)}: {err}")
                ok = False
                continue
            values.add(val)
    return dict(value) if ok else None


# --- structure --------------------------------------------------------------------------


def known_fields(ctx: Ctx, value: dict[Any, Any], allowed: Iterable[str], path: str) -> bool:
    """Report every key of `value` not in `allowed` (with a did-you-mean); True if none."""
    allowed_list = list(allowed)
    ok = True
    for key in value:
        if key not in allowed_list:
            lower = {a.lower(): a for a in allowed_list}
            guess = lower.get(str(key).lower()) or next(
                iter(difflib.get_close_matches(str(key), allowed_list, n=1)), None
            )
            hint = (
                f" (did you mean {guess!r}?)" if guess else f" (expected one of: {', '.join(allowed_list)})"
            )
            ctx.problem(value, join(path, str(key)), f"unknown field {show(key)}{hint}")
            ok = False
    return ok


def mapping(ctx: Ctx, value: Any, path: str, node: object) -> dict[Any, Any] | None:
    """`value` if it is a mapping; else a Problem and None (null is "missing": None, no Problem)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        ctx.problem(node, path, f"must be a mapping, got {type_name(value)} {show(value)}")
        return None
    return value


def sequence(ctx: Ctx, value: Any, path: str, node: object) -> list[Any] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        ctx.problem(node, path, f"must be a list, got {type_name(value)} {show(value)}")
        return None
    return value


def string(ctx: Ctx, value: Any, path: str, node: object) -> str | None:
    if not isinstance(value, str):
        ctx.problem(node, path, f"must be a string, got {type_name(value)} {show(value)}")
        return None
    return value


def is_int(value: Any) -> TypeGuard[int]:
    """An integer that is not a bool (YAML ``true`` must not pass as port 1)."""
    return isinstance(value, int) and not isinstance(value, bool)


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
