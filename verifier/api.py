"""netverify from Python: the documented, typed and stable surface (docs/api.md).

Load manifests, build properties, ask the questions the CLI asks — and get back the frozen
result types every report renders (`verifier.results`). Nothing here prints or exits.

Loading (every loader returns a `Cluster`; `load_with_notices` also returns the warnings)::

    load(source)            paths (files, directories), YAML/JSON text, or parsed objects
    load_text(text)         YAML or JSON text (located as ``<stdin>``)
    load_objects(objects)   parsed manifests (dicts, e.g. from yaml.safe_load_all)
    load_specs(paths)       the properties of spec files

Properties, built like spec entries: `deny`, `allow`, `reachable` (`src`, `dst`: one peer or
a list of peers, OR-ed; `port`: one port or a list; None means everything). A peer is a spec
peer mapping (``{"namespace": "default", "podSelector": {...}}``; selectors may also be
kubectl strings), or a string:

    ``"role=db"``            pods with these labels in any namespace (kubectl selector syntax)
    ``"ns:default"``         every pod of namespace ``default``
    ``"ns:default/role=db"`` pods of namespace ``default`` with these labels
    ``"pod:other/sink"``     that inventory pod (a workload: ``pod:shop/web[Deployment]``)
    ``"10.0.0.0/24"``        external addresses in the block (a bare IP is its /32 or /128)

A port is ``6379`` (TCP), ``"6379/TCP"``, ``"53/UDP"``, ``"8000-8080"``, ``"http"`` (a named
port), ``"any/UDP"``, or a spec port mapping (``{"port": 1, "endPort": 1024}``).

Questions: `check` (many properties), `prove` (one), `matrix` (one port), `connectivity`
(every port), `explain` (one flow), `diff` (two versions), `lint`, `exposure`. They take the
analysis settings as ``universe=`` and ``options=`` (`options` builds them).

Errors: bad input raises `InputError` — every problem at once, each located
``file:line:col: object: field: message`` (`InputError.problems`); a malformed value in a
string (a selector, a port, a CIDR, an endpoint, a universe) raises `UsageError`, as on the
command line. Properties built here are located at the line of Python that built them.
"""

from __future__ import annotations

import dataclasses
import io
import ipaddress
import json
import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, Literal, TypeVar

from verifier.errors import InputError, Location, Notice, Problem, UsageError
from verifier.load import LoadResult, load_cluster
from verifier.load.checks import Ctx, Diagnostics
from verifier.load.paths import STDIN_NAME
from verifier.model import (
    AnalysisOptions,
    Cluster,
    IPBlock,
    LabelSelector,
    Operator,
    PolicyPort,
    Protocol,
    Universe,
    parse_network,
    parse_selector,
)
from verifier.query import check as _check
from verifier.query import diff as _diff
from verifier.query import explain as _explain
from verifier.query import exposure as _exposure
from verifier.query import lint as _lint
from verifier.query import matrix as _matrix
from verifier.results import (
    CheckReport,
    Connectivity,
    DiffResult,
    Explanation,
    ExposureResult,
    Finding,
    LintReport,
    MatrixResult,
    PropertyResult,
    Verdict,
)
from verifier.spec import Expect, Property, SpecPeer, parse_port
from verifier.spec import load_specs as _load_specs
from verifier.spec.parse import parse_property as _validate_property

__all__ = [
    "AnalysisOptions",
    "CheckReport",
    "Cluster",
    "Connectivity",
    "DiffResult",
    "Expect",
    "Explanation",
    "ExposureResult",
    "InputError",
    "LintReport",
    "LoadResult",
    "MatrixResult",
    "PeerLike",
    "PortLike",
    "Problem",
    "Property",
    "PropertyResult",
    "Source",
    "UsageError",
    "Verdict",
    "allow",
    "check",
    "connectivity",
    "deny",
    "diff",
    "explain",
    "exposure",
    "lint",
    "load",
    "load_objects",
    "load_specs",
    "load_text",
    "load_with_notices",
    "matrix",
    "options",
    "prove",
    "reachable",
]

#: A manifest source: a path, several paths, YAML/JSON text, or parsed objects.
Source = str | os.PathLike[str] | Mapping[str, Any] | Sequence[str | os.PathLike[str] | Mapping[str, Any]]
#: One peer of a property: a string (see the module docstring), a spec peer mapping or a `SpecPeer`.
PeerLike = str | Mapping[str, Any] | SpecPeer
#: One port of a property: a number (TCP), a string like ``"53/UDP"``, a spec port mapping or a `PolicyPort`.
PortLike = int | str | Mapping[str, Any] | PolicyPort
UniverseLike = Universe | Literal["inventory", "any"]
PathsLike = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]

_THIS_PACKAGE_HELPERS = ("verifier.api", "verifier.testing")
#: How problems with parsed objects (`load_objects`) are located: ``<objects>[INDEX]``.
OBJECTS = "<objects>"
_Located = TypeVar("_Located", Problem, Notice)


# --- loading ---------------------------------------------------------------------------------


def _paths(value: PathsLike) -> list[str]:
    if isinstance(value, str | os.PathLike):
        return [os.fspath(value)]
    return [os.fspath(v) for v in value]


def load_with_notices(
    source: Source,
    *,
    assume_unlabelled_namespaces: bool = False,
    ignore_kinds: Sequence[str] = (),
    exclude: Sequence[str] = (),
    verbose: bool = False,
) -> LoadResult:
    """Like `load`, and also the warnings about what was assumed or skipped
    (`LoadResult.notices`; pass ``[str(n) for n in notices]`` as ``warnings=`` to a question
    to carry them into its result, as the CLI does)."""
    settings: dict[str, Any] = {
        "assume_unlabelled_namespaces": assume_unlabelled_namespaces,
        "ignore_kinds": tuple(ignore_kinds),
        "exclude": tuple(exclude),
        "verbose": verbose,
    }
    if isinstance(source, str) and ("\n" in source or "\r" in source):
        return load_cluster(["-"], stdin=io.StringIO(source), **settings)
    if isinstance(source, Mapping):
        return _load_objects([source], settings)
    if isinstance(source, str | os.PathLike):
        return load_cluster([os.fspath(source)], **settings)
    items = list(source)
    if items and all(isinstance(item, Mapping) for item in items):
        return _load_objects([item for item in items if isinstance(item, Mapping)], settings)
    if all(isinstance(item, str | os.PathLike) for item in items):
        return load_cluster([os.fspath(item) for item in items if not isinstance(item, Mapping)], **settings)
    raise TypeError("load: give paths, or parsed objects (mappings), not a mix of both")


def _load_objects(objects: Sequence[Mapping[str, Any]], settings: dict[str, Any]) -> LoadResult:
    """Parsed objects through the loader: one JSON List with one item per line, so that a
    problem's line says which object it is about (reported as ``<objects>[INDEX]``)."""
    try:
        lines = [json.dumps(dict(obj), default=str) for obj in objects]
    except (TypeError, ValueError) as err:
        raise InputError([Problem(Location(OBJECTS), "", "", f"cannot read the objects: {err}")]) from None
    text = '{"apiVersion": "v1", "kind": "List", "items": [\n' + ",\n".join(lines) + "\n]}\n"
    try:
        loaded = load_cluster(["-"], stdin=io.StringIO(text), **settings)
    except InputError as exc:
        raise InputError([_object_located(p) for p in exc.problems]) from None
    return dataclasses.replace(loaded, notices=tuple(_object_located(n) for n in loaded.notices))


def _object_located(item: _Located) -> _Located:
    """A problem or notice of `_load_objects`' text, located at the object it is about."""
    where = item.location
    if where.file != STDIN_NAME:
        return item
    index = where.line - 2
    file = f"{OBJECTS}[{index}]" if index >= 0 and where.line else OBJECTS
    return dataclasses.replace(item, location=Location(file))


def load(
    source: Source,
    *,
    assume_unlabelled_namespaces: bool = False,
    ignore_kinds: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> Cluster:
    """The cluster of ``source``: a path (file or directory, walked recursively for
    ``*.yaml``/``*.yml``/``*.json``), a list of paths, YAML/JSON text (a string with a line
    break; `load_text` for any text), or parsed objects (a mapping or a list of mappings,
    `load_objects`). The options are the CLI's ``--assume-unlabelled-namespaces``,
    ``--ignore-kind`` and ``--exclude``.

    Raises `InputError` with every problem of every file, `UsageError` for an
    ``ignore_kinds`` value that names a modelled kind.
    """
    return load_with_notices(
        source,
        assume_unlabelled_namespaces=assume_unlabelled_namespaces,
        ignore_kinds=ignore_kinds,
        exclude=exclude,
    ).cluster


def load_text(
    text: str,
    *,
    assume_unlabelled_namespaces: bool = False,
    ignore_kinds: Sequence[str] = (),
) -> Cluster:
    """The cluster of YAML (several documents, kubectl Lists) or JSON text; problems and
    rules are located as ``<stdin>:LINE:COL``, as for ``netverify … -``."""
    return load_cluster(
        ["-"],
        stdin=io.StringIO(text),
        assume_unlabelled_namespaces=assume_unlabelled_namespaces,
        ignore_kinds=tuple(ignore_kinds),
    ).cluster


def load_objects(
    objects: Iterable[Mapping[str, Any]],
    *,
    assume_unlabelled_namespaces: bool = False,
    ignore_kinds: Sequence[str] = (),
) -> Cluster:
    """The cluster of parsed manifests (dicts as `yaml.safe_load_all` or the Kubernetes
    client's ``to_dict()`` of a ``sanitize_for_serialization`` give them; kubectl Lists are
    flattened). They have no lines: problems name the object and the field."""
    settings: dict[str, Any] = {
        "assume_unlabelled_namespaces": assume_unlabelled_namespaces,
        "ignore_kinds": tuple(ignore_kinds),
        "exclude": (),
        "verbose": False,
    }
    return _load_objects(list(objects), settings).cluster


def load_specs(paths: PathsLike) -> tuple[Property, ...]:
    """Every property of the spec files (files or directories), in order. Raises
    `InputError` with every problem of every file (``specs/x.yaml:5:48: property NAME:
    from[0]...: message``)."""
    return _load_specs(_paths(paths))


# --- properties ------------------------------------------------------------------------------


def _caller_location() -> Location:
    """Where the user's code called into this module (the first frame outside the helpers)."""
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith(_THIS_PACKAGE_HELPERS):
        frame = frame.f_back
    if frame is None:
        return Location("<python>")
    file = frame.f_code.co_filename
    if not file.startswith("<"):
        try:
            relative = os.path.relpath(file)
        except ValueError:
            relative = file
        if not relative.startswith(".."):
            file = relative
    return Location(file, frame.f_lineno)


def _selector_raw(selector: LabelSelector) -> dict[str, Any]:
    """A selector as a spec file writes it; ``key=value`` (``In`` with one value) as
    ``matchLabels``, so that ``"role=db"`` and ``matchLabels: {role: db}`` are one selector."""
    labels = dict(selector.match_labels)
    expressions = []
    for req in selector.match_expressions:
        if req.operator is Operator.IN and len(req.values) == 1 and req.key not in labels:
            labels[req.key] = req.values[0]
            continue
        expressions.append(
            {
                "key": req.key,
                "operator": req.operator.value,
                **({"values": list(req.values)} if req.values else {}),
            }
        )
    raw: dict[str, Any] = {}
    if labels:
        raw["matchLabels"] = labels
    if expressions:
        raw["matchExpressions"] = expressions
    return raw


def _block_raw(block: IPBlock) -> dict[str, Any]:
    raw: dict[str, Any] = {"cidr": str(block.cidr)}
    if block.except_:
        raw["except"] = [str(e) for e in block.except_]
    return raw


def _cidr(text: str) -> str | None:
    """``text`` as a CIDR when it is one (a bare address gets its full prefix), else None."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        return f"{address}/{address.max_prefixlen}"
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None
    return text


def _peer_from_text(text: str) -> dict[str, Any]:
    text = text.strip()
    if text.startswith("ns:"):
        namespace, slash, selector = text[3:].partition("/")
        raw: dict[str, Any] = {"namespace": namespace.strip()}
        if slash:
            raw["podSelector"] = _selector_raw(parse_selector(selector))
        return raw
    if text.startswith("pod:"):
        return {"pod": text[4:].strip()}
    cidr = _cidr(text)
    if cidr is not None:
        return {"ipBlock": {"cidr": cidr}}
    return {"podSelector": _selector_raw(parse_selector(text))}


def _peer_raw(peer: PeerLike) -> Any:
    if isinstance(peer, str):
        return _peer_from_text(peer)
    if isinstance(peer, SpecPeer):
        raw: dict[str, Any] = {}
        if peer.ip_block is not None:
            return {"ipBlock": _block_raw(peer.ip_block)}
        if peer.namespace is not None:
            raw["namespace"] = peer.namespace
        if peer.pod is not None:
            raw["pod"] = peer.pod
        if peer.namespace_selector is not None:
            raw["namespaceSelector"] = _selector_raw(peer.namespace_selector)
        if peer.pod_selector is not None:
            raw["podSelector"] = _selector_raw(peer.pod_selector)
        return raw
    if isinstance(peer, Mapping):
        out = dict(peer)
        for key in ("namespaceSelector", "podSelector"):
            if isinstance(out.get(key), str):
                out[key] = _selector_raw(parse_selector(out[key]))
        if isinstance(out.get("ipBlock"), str):
            out["ipBlock"] = {"cidr": out["ipBlock"]}
        return out
    return peer  # the validator names what is wrong with it


def _port_raw(port: PortLike) -> Any:
    if isinstance(port, bool):
        return port  # refused by the validator, not read as 1/0
    if isinstance(port, int):
        return {"port": port, "protocol": "TCP"}
    if isinstance(port, str):
        port = parse_port(port)
    if isinstance(port, PolicyPort):
        raw: dict[str, Any] = {"protocol": port.protocol.value}
        if port.port is not None:
            raw["port"] = port.port
        if port.end_port is not None:
            raw["endPort"] = port.end_port
        return raw
    if isinstance(port, Mapping):
        return dict(port)
    return port


def _many(value: Any, single: tuple[type, ...]) -> list[Any] | None:
    if value is None:
        return None
    if isinstance(value, single) or not isinstance(value, Iterable):
        return [value]
    return list(value)


def _side_text(peers: tuple[SpecPeer, ...] | None) -> str:
    return "any" if peers is None else " | ".join(str(p) for p in peers)


def _build(
    expect: Expect,
    src: PeerLike | Sequence[PeerLike] | None,
    dst: PeerLike | Sequence[PeerLike] | None,
    port: PortLike | Sequence[PortLike] | None,
    name: str | None,
    universe: UniverseLike | None,
    description: str,
) -> Property:
    where = _caller_location()
    raw: dict[str, Any] = {"name": name or f"{expect.value}(...)", "expect": expect.value}
    if description:
        raw["description"] = description
    if universe is not None:
        raw["universe"] = _universe(universe).value
    for key, value in (("from", src), ("to", dst)):
        peers = _many(value, (str, Mapping, SpecPeer))
        if peers is not None:
            raw[key] = [_peer_raw(p) for p in peers]
    ports = _many(port, (int, str, Mapping, PolicyPort))
    if ports is not None:
        raw["ports"] = [_port_raw(p) for p in ports]
    diag = Diagnostics()
    prop = _validate_property(Ctx(diag, where.file, "", where), raw, 0, {})
    if diag.problems or prop is None:
        raise InputError(diag.problems or [Problem(where, "", "", "not a valid property")])
    if name is None:
        text = f"{expect.value} {_side_text(prop.sources)} -> {_side_text(prop.destinations)}"
        if prop.ports is not None:
            text += " on " + ", ".join(str(p) for p in prop.ports)
        prop = prop.model_copy(update={"name": text})
    return prop


def deny(
    src: PeerLike | Sequence[PeerLike] | None = None,
    dst: PeerLike | Sequence[PeerLike] | None = None,
    port: PortLike | Sequence[PortLike] | None = None,
    *,
    name: str | None = None,
    universe: UniverseLike | None = None,
    description: str = "",
) -> Property:
    """``expect: deny``: no flow from ``src`` to ``dst`` on ``port`` is allowed. Each of
    them is one entry or a list (OR-ed); None means everything. ``name`` defaults to a
    description of the scope. Raises `InputError` (a bad mapping: every problem, located at
    the calling line) or `UsageError` (a bad string)."""
    return _build(Expect.DENY, src, dst, port, name, universe, description)


def allow(
    src: PeerLike | Sequence[PeerLike] | None = None,
    dst: PeerLike | Sequence[PeerLike] | None = None,
    port: PortLike | Sequence[PortLike] | None = None,
    *,
    name: str | None = None,
    universe: UniverseLike | None = None,
    description: str = "",
) -> Property:
    """``expect: allow``: every flow from ``src`` to ``dst`` on ``port`` is allowed (see `deny`)."""
    return _build(Expect.ALLOW, src, dst, port, name, universe, description)


def reachable(
    src: PeerLike | Sequence[PeerLike] | None = None,
    dst: PeerLike | Sequence[PeerLike] | None = None,
    port: PortLike | Sequence[PortLike] | None = None,
    *,
    name: str | None = None,
    universe: UniverseLike | None = None,
    description: str = "",
) -> Property:
    """``expect: reachable``: some flow from ``src`` to ``dst`` on ``port`` is allowed; the
    result's ``flow`` is the witness (see `deny`)."""
    return _build(Expect.REACHABLE, src, dst, port, name, universe, description)


# --- settings --------------------------------------------------------------------------------


def _universe(value: UniverseLike) -> Universe:
    try:
        return Universe(value)
    except ValueError:
        raise UsageError(f"universe {value!r}: expected inventory or any") from None


def options(
    *,
    universe: UniverseLike | None = None,
    pod_cidrs: Sequence[str] = (),
    ipblock_pods: bool = True,
    timeout: float = 60.0,
    rlimit: int = 0,
) -> AnalysisOptions:
    """The analysis settings of the CLI's ``--universe``, ``--pod-cidr``,
    ``--ipblock-pods/--no-ipblock-pods``, ``--timeout`` (seconds per solver query) and
    ``--rlimit`` (a deterministic solver budget; 0 = none). ``universe`` None: inventory when
    the input has pods or workloads, else any; a property's own universe wins."""
    networks = []
    for text in pod_cidrs:
        try:
            networks.append(parse_network(text))
        except ValueError:
            raise UsageError(f"pod_cidrs {text!r}: not a CIDR (e.g. 10.244.0.0/16)") from None
    return AnalysisOptions(
        universe=None if universe is None else _universe(universe),
        pod_cidrs=tuple(networks),
        ipblock_pods=ipblock_pods,
        timeout_s=timeout,
        rlimit=rlimit,
    )


def _settings(universe: UniverseLike | None, given: AnalysisOptions | None) -> AnalysisOptions:
    settings = given if given is not None else AnalysisOptions()
    if universe is not None:
        settings = settings.model_copy(update={"universe": _universe(universe)})
    return settings


# --- questions -------------------------------------------------------------------------------


def check(
    cluster: Cluster,
    properties: Property | Iterable[Property],
    *,
    universe: UniverseLike | None = None,
    options: AnalysisOptions | None = None,
    warnings: Sequence[str] = (),
    progress: Callable[[PropertyResult], None] | None = None,
) -> CheckReport:
    """Decide every property (one analysis serves them all): a `CheckReport` with one
    `PropertyResult` per property, in order. ``universe`` (or ``options.universe``) is the
    default of properties without their own; ``warnings`` are carried into the report;
    ``progress`` is called after each property."""
    props = [properties] if isinstance(properties, Property) else list(properties)
    return _check.check(
        cluster, props, _settings(universe, options), warnings=tuple(warnings), progress=progress
    )


def prove(
    cluster: Cluster,
    prop: Property,
    *,
    universe: UniverseLike | None = None,
    options: AnalysisOptions | None = None,
) -> PropertyResult:
    """The verdict on one property: ``holds``, ``violated`` (``flow`` is the counterexample,
    ``rules`` the rules involved), ``unknown`` (``reason``) or ``error`` (``reason``)."""
    return check(cluster, [prop], universe=universe, options=options).results[0]


def _one_port(port: int | str, protocol: str | Protocol | None) -> tuple[int, Protocol]:
    if isinstance(port, str):
        entry = parse_port(port)
        if not isinstance(entry.port, int) or entry.end_port is not None:
            raise UsageError(f"port {port!r}: give one port number (e.g. 6379/TCP)")
        if protocol is not None and Protocol(protocol) is not entry.protocol and "/" in port:
            raise UsageError(f"port {port!r} names its protocol: leave protocol= out")
        if protocol is not None and "/" not in port:
            return entry.port, _protocol(protocol)
        return entry.port, entry.protocol
    if not 1 <= port <= 65535:
        raise UsageError(f"port {port}: out of range 1-65535")
    return port, _protocol(protocol or Protocol.TCP)


def _protocol(value: str | Protocol) -> Protocol:
    try:
        return Protocol(value.upper() if isinstance(value, str) else value)
    except ValueError:
        raise UsageError(f"protocol {value!r}: expected TCP, UDP or SCTP") from None


def _keep(cluster: Cluster, namespaces: Sequence[str] | str, pods: str | None) -> list[int]:
    wanted = [namespaces] if isinstance(namespaces, str) else list(namespaces)
    return _matrix.selected_endpoints(cluster, wanted, None if pods is None else parse_selector(pods))


def matrix(
    cluster: Cluster,
    port: int | str,
    *,
    protocol: str | Protocol | None = None,
    namespaces: Sequence[str] | str = (),
    pods: str | None = None,
    options: AnalysisOptions | None = None,
) -> MatrixResult:
    """Which inventory pod reaches which on one port (``6379``, ``"53/UDP"``; ``protocol``
    for a number, default TCP): `MatrixResult` (``endpoints``, ``allowed(i, j)``,
    ``conditional`` cells). ``namespaces`` and ``pods`` (a kubectl selector) select the
    sub-matrix, as ``matrix --namespace/--pod``; every policy still decides every cell."""
    number, proto = _one_port(port, protocol)
    settings = _settings(None, options)
    result = _matrix.matrix(cluster, number, proto, settings)
    return _matrix.restrict_matrix(result, _keep(cluster, namespaces, pods))


def connectivity(
    cluster: Cluster,
    *,
    port: int | str | None = None,
    protocol: str | Protocol | None = None,
    namespaces: Sequence[str] | str = (),
    pods: str | None = None,
    external: bool = True,
    options: AnalysisOptions | None = None,
) -> Connectivity:
    """Per pod pair, the allowed protocol/port ranges (``matrix`` without ``--port``), or on
    ``port`` only; with ``external``, also per pod and external address range."""
    settings = _settings(None, options)
    if port is None:
        if protocol is not None:
            raise UsageError("protocol needs port (without a port every protocol is reported)")
        result = _matrix.connectivity(cluster, settings, external=external)
    else:
        number, proto = _one_port(port, protocol)
        result = _matrix.connectivity(cluster, settings, port=number, protocol=proto, external=external)
    return _matrix.restrict_connectivity(result, _keep(cluster, namespaces, pods))


def explain(
    cluster: Cluster,
    src: str,
    dst: str,
    port: int | str,
    *,
    ipblock_pods: bool = True,
) -> Explanation:
    """The verdict on one flow and every reason behind it (``netverify explain``). An
    endpoint is ``ns/pod`` (a workload: ``ns/name[Kind]``, or ``ns/name`` when only one
    workload has that name), an IP address, or a hypothetical pod
    ``ns:NAMESPACE[,ip:ADDRESS][,labels:k=v,...]``; ``port`` is ``6379``, ``"6379/TCP"`` or
    a named port the destination defines. Raises `UsageError` for an endpoint or port that
    does not exist."""
    notes: list[str] = []
    ends: list[str] = []
    for text in (src, dst):
        chosen, note = _explain.resolve_endpoint(cluster, text)
        if note is not None:
            notes.append(note)
        ends.append(chosen)
    flow = _explain.make_flow(cluster, ends[0], ends[1], f"{port}/TCP" if isinstance(port, int) else port)
    result = _explain.explain(cluster, flow, ipblock_pods=ipblock_pods)
    if notes:
        result = result.model_copy(update={"notes": (*notes, *result.notes)})
    return result


def diff(
    old: Cluster,
    new: Cluster,
    *,
    universe: UniverseLike | None = None,
    options: AnalysisOptions | None = None,
    max_regions: int = 20,
    method: Literal["auto", "z3"] = "auto",
    added_rules: bool = False,
    warnings: Sequence[str] = (),
) -> DiffResult:
    """What changes from ``old`` to ``new`` (two versions of one cluster: the inventory is
    their union, the policies are compared): ``added`` and ``removed`` region lists, each
    region with an example flow. ``added_rules``: also the new rules behind each added
    region's example."""
    if method not in _diff.METHODS:
        raise UsageError(f"method {method!r}: expected one of {', '.join(_diff.METHODS)}")
    return _diff.diff(
        old,
        new,
        _settings(universe, options),
        max_regions=max_regions,
        warnings=tuple(warnings),
        method=method,
        added_rules=added_rules,
    )


def lint(
    cluster: Cluster,
    *,
    universe: UniverseLike | None = None,
    options: AnalysisOptions | None = None,
    dns: str | None = None,
    baseline: str | os.PathLike[str] | Sequence[Finding] | None = None,
    warnings: Sequence[str] = (),
) -> LintReport:
    """Every lint finding (NV001-NV024, docs/questions.md), errors first. ``dns``
    (``NAMESPACE/SELECTOR:PORTS``) names the cluster DNS; ``baseline`` is a previous
    ``lint --format json`` report (a path) or its findings: they are marked
    ``in_baseline`` and `LintReport.new_findings` holds the rest."""
    prior = _lint.read_lint_baseline(Path(baseline)) if isinstance(baseline, str | os.PathLike) else baseline
    return _lint.lint(
        cluster, _settings(universe, options), warnings=tuple(warnings), dns=dns, baseline=prior
    )


def exposure(
    cluster: Cluster,
    *,
    to_ns: str | None = None,
    to_pod: str | None = None,
    universe: UniverseLike | None = None,
    options: AnalysisOptions | None = None,
    max_regions: int = 20,
    warnings: Sequence[str] = (),
) -> ExposureResult:
    """Who can reach the pods whose namespace matches ``to_ns`` and whose labels match
    ``to_pod`` (kubectl selectors; None: any): external ranges, inventory pods and, in the
    ``any`` universe, the kinds of pods that could be deployed, as regions of allowed flows."""
    peer = _exposure.destination_peer(
        None if to_ns is None else parse_selector(to_ns), None if to_pod is None else parse_selector(to_pod)
    )
    return _exposure.exposure(
        cluster, peer, _settings(universe, options), max_regions=max_regions, warnings=tuple(warnings)
    )
