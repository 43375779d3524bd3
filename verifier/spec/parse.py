"""Spec files and command-line one-liners → `Property` objects.

A spec file holds ``properties:``, a list of mappings (format: design notes §5). Peers and
ports are validated exactly like NetworkPolicy peers and ports (the same validators), and
every defect of every file is reported at once as an `InputError`. Decisions:

- ``name`` is required and unique across all given files; ``expect`` is required.
- ``from``/``to``/``ports`` missing = everything. An empty list is refused: in a claim,
  ``from: []`` reads as "from nothing" as easily as "from anything".
- A peer must say something: ``{}`` is refused (write ``podSelector: {}`` for any pod).
- A file (or document) without properties is a problem: an empty spec would pass vacuously.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from verifier.errors import InputError, Location, Problem, UsageError
from verifier.load import checks, policy_fields
from verifier.load.checks import Ctx, Diagnostics, join, show
from verifier.load.reader import LocatedDict, read_documents
from verifier.model import (
    IPBlock,
    LabelSelector,
    PolicyPort,
    Protocol,
    Universe,
    parse_network,
    parse_selector,
)
from verifier.spec.model import Expect, Property, SpecPeer

_TOP_FIELDS = ("properties",)
_PROPERTY_FIELDS = ("name", "description", "expect", "universe", "from", "to", "ports")
_PEER_FIELDS = ("namespace", "pod", "namespaceSelector", "podSelector", "ipBlock")
_EXPECTS = {e.value: e for e in Expect}
_UNIVERSES = {u.value: u for u in Universe}


def _peer(ctx: Ctx, value: Any, path: str, node: object) -> SpecPeer | None:
    before = ctx.problem_count
    head = policy_fields.peer_head(
        ctx,
        value,
        path,
        node,
        _PEER_FIELDS,
        null_hint="",
        empty_hint="give namespace, pod, namespaceSelector, podSelector or ipBlock (podSelector: {} means any pod)",
    )
    if head is None:
        return None
    if head.ip_block is not None:
        return SpecPeer(ip_block=head.ip_block)
    raw, here = head.raw, head.here
    namespace = raw.get("namespace")
    if namespace is not None:
        text = checks.string(ctx, namespace, join(path, "namespace"), here)
        if text is not None and (err := checks.dns_label_error(text)):
            ctx.problem(here, join(path, "namespace"), f"invalid namespace name {show(text)}: {err}")
    pod = raw.get("pod")
    if pod is not None:
        text = checks.string(ctx, pod, join(path, "pod"), here)
        if text is not None:
            ns, slash, name = text.partition("/")
            if not slash or not ns or not name or "/" in name:
                ctx.problem(here, join(path, "pod"), f"must be namespace/name, got {show(text)}")
            elif err := checks.dns_label_error(ns):
                ctx.problem(
                    here, join(path, "pod"), f"invalid namespace name {show(ns)} in {show(text)}: {err}"
                )
    ns_sel = policy_fields.selector(ctx, raw.get("namespaceSelector"), join(path, "namespaceSelector"), here)
    pod_sel = policy_fields.selector(ctx, raw.get("podSelector"), join(path, "podSelector"), here)
    if ctx.problem_count != before:
        return None
    return SpecPeer(namespace=namespace, pod=pod, namespace_selector=ns_sel, pod_selector=pod_sel)


def _peers(ctx: Ctx, raw: dict[Any, Any], key: str, here: object) -> tuple[SpecPeer, ...] | None:
    if raw.get(key) is None:
        return None
    items = checks.sequence(ctx, raw[key], key, here)
    if items is None:
        return None
    if not items:
        ctx.problem(here, key, f"empty list: omit {key!r} to mean everything")
        return None
    peers = [_peer(ctx, item, join(key, i), here) for i, item in enumerate(items)]
    return tuple(p for p in peers if p is not None)


def _choice(ctx: Ctx, raw: dict[Any, Any], key: str, choices: dict[str, Any], here: object) -> Any:
    value = raw.get(key)
    if value is None:
        return None
    found = choices.get(value) if isinstance(value, str) else None
    if found is None:
        ctx.problem(here, key, f"invalid value {show(value)} (expected {' or '.join(choices)})")
    return found


def parse_property(ctx: Ctx, value: Any, index: int, names: dict[str, Location]) -> Property | None:
    """One property mapping (``properties[index]`` of a spec) validated exactly as spec files
    are; problems go to ``ctx``'s diagnostics (the Python API builds properties through it)."""
    path = f"properties[{index}]"
    raw = checks.mapping(ctx, value, path, ctx.where)
    if raw is None:
        if value is None:
            ctx.problem(ctx.where, path, "must be a mapping (name, expect, from, to, ports), got null")
        return None
    here = raw if isinstance(raw, LocatedDict) else ctx.where
    ctx.where = ctx.at(here)
    name = raw.get("name")
    ctx.obj = f"property {name}" if isinstance(name, str) and name else f"property {path}"
    before = ctx.problem_count
    checks.known_fields(ctx, raw, _PROPERTY_FIELDS, "")
    if name is None or name == "":
        ctx.problem(here, "name", "required field is missing")
    elif not isinstance(name, str):
        ctx.problem(here, "name", f"must be a string, got {show(name)}")
    elif name in names:
        ctx.problem(here, "name", f"duplicate property name {show(name)}: also defined at {names[name]}")
    else:
        names[name] = ctx.where
    description = raw.get("description")
    if description is not None and not isinstance(description, str):
        ctx.problem(here, "description", f"must be a string, got {show(description)}")
    expect = _choice(ctx, raw, "expect", _EXPECTS, here)
    if raw.get("expect") is None:
        ctx.problem(here, "expect", "required field is missing (deny, allow or reachable)")
    universe = _choice(ctx, raw, "universe", _UNIVERSES, here)
    sources = _peers(ctx, raw, "from", here)
    destinations = _peers(ctx, raw, "to", here)
    ports: tuple[PolicyPort, ...] | None = None
    if raw.get("ports") is not None:
        if raw["ports"] == []:
            ctx.problem(here, "ports", "empty list: omit 'ports' to mean every port and protocol")
        else:
            ports = policy_fields.policy_ports(ctx, raw["ports"], "ports", here)
    if ctx.problem_count != before or expect is None or not isinstance(name, str):
        return None
    return Property(
        name=name,
        expect=expect,
        description=" ".join((description or "").split()),
        universe=universe,
        sources=sources,
        destinations=destinations,
        ports=ports,
        location=ctx.where,
    )


def load_specs(paths: Sequence[str]) -> tuple[Property, ...]:
    """Every property of every spec file (files, directories, ``-``), in order.

    Raises `InputError` listing every problem of every file.
    """
    diag = Diagnostics()
    names: dict[str, Location] = {}
    out: list[Property] = []
    counts: dict[str, int] = {}
    first_doc: dict[str, Location] = {}
    for doc in read_documents(paths, None, diag.problems):
        first_doc.setdefault(doc.file, doc.location)
        counts.setdefault(doc.file, 0)
        if doc.data is None:
            continue
        ctx = Ctx(diag, doc.file, "", doc.location)
        top = checks.mapping(ctx, doc.data, "", doc.location)
        if top is None:
            continue
        checks.known_fields(ctx, top, _TOP_FIELDS, "")
        items = checks.sequence(ctx, top.get("properties"), "properties", top)
        for i, item in enumerate(items or []):
            counts[doc.file] += 1
            prop = parse_property(Ctx(diag, doc.file, "", ctx.at(top)), item, i, names)
            if prop is not None:
                out.append(prop)
    for file, count in counts.items():
        if count == 0:
            ctx = Ctx(diag, file, "", first_doc[file])
            ctx.problem(None, "properties", "no properties in this file (an empty spec would pass vacuously)")
    if not diag.problems and not out:
        where = Location(paths[0] if paths else "<no spec file>")
        raise InputError([Problem(where, "", "", "no properties found (an empty spec would pass vacuously)")])
    if diag.problems:
        raise InputError(diag.problems)
    return tuple(out)


# --- command line -----------------------------------------------------------------------

_RANGE = re.compile(r"^(\d+)-(\d+)$")


def parse_port(text: str) -> PolicyPort:
    """``6379/TCP``, ``6379`` (TCP), ``80-90/UDP``, ``http/TCP`` (named), ``any/UDP``
    (every port of a protocol). Protocol names are case-insensitive. Raises `UsageError`."""
    raw = text.strip()
    port_text, slash, proto_text = raw.partition("/")
    proto_text = proto_text.strip().upper() if slash else "TCP"
    if proto_text not in checks.PROTOCOLS:
        raise UsageError(f"port {text!r}: unknown protocol {proto_text!r} (expected TCP, UDP or SCTP)")
    proto = Protocol(proto_text)
    port_text = port_text.strip()
    if not port_text:
        raise UsageError(f"port {text!r}: missing port (e.g. 6379/TCP, 80-90/UDP, http/TCP, any/UDP)")
    if port_text.lower() in ("any", "*"):
        return PolicyPort(protocol=proto)
    if port_text.isdigit():
        number = int(port_text)
        if not 1 <= number <= 65535:
            raise UsageError(f"port {text!r}: {number} out of range 1-65535")
        return PolicyPort(protocol=proto, port=number)
    if m := _RANGE.match(port_text):
        lo, hi = int(m.group(1)), int(m.group(2))
        if not (1 <= lo <= 65535 and 1 <= hi <= 65535):
            raise UsageError(f"port {text!r}: range {lo}-{hi} out of 1-65535")
        if hi < lo:
            raise UsageError(f"port {text!r}: range end {hi} is below its start {lo}")
        return PolicyPort(protocol=proto, port=lo, end_port=hi)
    if err := checks.iana_svc_name_error(port_text):
        raise UsageError(f"port {text!r}: invalid port name {port_text!r}: {err}")
    return PolicyPort(protocol=proto, port=port_text)


def _cli_selector(option: str, text: str) -> LabelSelector:
    try:
        return parse_selector(text)
    except UsageError as err:
        raise UsageError(f"{option}: {err}") from None


def _cli_block(option: str, text: str) -> IPBlock:
    try:
        return IPBlock(cidr=parse_network(text, strict=True))
    except ValueError as err:
        try:
            masked = parse_network(text)
        except ValueError:
            raise UsageError(f"{option} {text!r}: invalid CIDR: {err}") from None
        raise UsageError(f"{option} {text!r}: host bits set (did you mean {masked}?)") from None


def _cli_peers(
    side: str, ns: str | None, pod: str | None, cidrs: Sequence[str]
) -> tuple[tuple[SpecPeer, ...] | None, str]:
    peers: list[SpecPeer] = []
    words: list[str] = []
    if ns is not None or pod is not None:
        ns_sel = _cli_selector(f"--{side}-ns", ns) if ns is not None else None
        pod_sel = _cli_selector(f"--{side}-pod", pod) if pod is not None else None
        peers.append(SpecPeer(namespace_selector=ns_sel, pod_selector=pod_sel))
        parts = []
        if ns_sel is not None:
            parts.append(f"ns[{ns_sel}]")
        if pod_sel is not None:
            parts.append(f"pod[{pod_sel}]")
        words.append("/".join(parts))
    for text in cidrs:
        block = _cli_block(f"--{side}-cidr", text)
        peers.append(SpecPeer(ip_block=block))
        words.append(str(block.cidr))
    if not peers:
        return None, "any"
    return tuple(peers), "+".join(words)


def property_from_cli(
    expect: Expect,
    *,
    from_ns: str | None,
    from_pod: str | None,
    from_cidr: Sequence[str],
    to_ns: str | None,
    to_pod: str | None,
    to_cidr: Sequence[str],
    ports: Sequence[str],
    universe: Universe | None,
    name: str | None = None,
) -> Property:
    """One property from ``assert`` options. ``--X-ns``/``--X-pod`` (kubectl selector syntax)
    together form one pod peer (namespace AND pod selector; a lone pod selector means any
    namespace); each ``--X-cidr`` adds one external peer; a side with none of them means
    everything. Raises `UsageError` on a malformed value."""
    sources, src_words = _cli_peers("from", from_ns, from_pod, from_cidr)
    destinations, dst_words = _cli_peers("to", to_ns, to_pod, to_cidr)
    parsed_ports = tuple(parse_port(p) for p in ports) or None
    if name is None:
        name = f"{expect.value}-from-{src_words}-to-{dst_words}"
        if parsed_ports:
            name += "-on-" + "+".join(str(p) for p in parsed_ports)
    return Property(
        name=name,
        expect=expect,
        universe=universe,
        sources=sources,
        destinations=destinations,
        ports=parsed_ports,
    )
