"""Connectivity reports: JSON (``netverify.connectivity/v1``), csv, and the readable forms —
compact text, markdown, Graphviz dot and a self-contained HTML graph.

The readable forms all show one *grouped* view (`grouped`), exact and deterministic: pods
with identical rows and identical columns form a group (G1, G2, … in endpoint order), and
each rule line ``sources → destinations: ports`` says that every source pod reaches every
*other* destination pod on exactly those ports. Lines with the same destinations and ports
are merged, so a rule names all the source groups it holds for. Self traffic is always
allowed and never listed: a rule whose only pair is one pod with itself is dropped. A workload
template that stands for two or more pods (`Pod.replicated`) is no such pod: its diagonal is
replica-to-replica traffic, governed by policy, and stays (`Connectivity.replicated`); the
JSON and csv forms list it as a pair of the template with itself.

External address ranges (`Connectivity.external`, when computed) are endpoints too: as
sources they reach pods (the pod's ingress decides), as destinations pods reach them (the
pod's egress decides); there is no flow between two ranges. The JSON adds them in
``external_endpoints`` and ``external_connections`` (old readers ignore both), the csv as
extra lines with the range as source or destination, and the grouped views as groups of
their own (ranges with identical rows or columns), after the pod groups.

Writers stream: the JSON and csv forms expand classes to pods row by row while writing.
"""

from __future__ import annotations

import bisect
import html
import json
from collections.abc import Hashable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console
from rich.text import Text

from verifier.model import Protocol
from verifier.report.text import render_warnings
from verifier.results.bits import from_indices, iter_bits, transpose
from verifier.results.connectivity import (
    NOTHING,
    Connection,
    Connectivity,
    ExternalConnectivity,
    PortMap,
    ranges_text,
)

CONNECTIVITY_SCHEMA = "netverify.connectivity/v1"

# Distinct rows whose parts are kept while streaming (sources of one row are often adjacent).
_ROW_CACHE = 32


def _portmap_json(ports: PortMap) -> str:
    return json.dumps({proto.value: ranges_text(r) for proto, r in ports})


# --------------------------------------------------------------------------------------------
# JSON and csv: one entry per pod pair


def _write_pairs_object(conn: Connectivity, out: TextIO, texts: list[str]) -> None:
    """One ``"src": {"dst": ports, ...}`` line per source pod with some traffic.

    A row's text is assembled from per-(column, value) chunks — the fragments of every pod of
    one destination column, joined once — so the Python work per source pod grows with the
    number of destination columns, not with the number of pods; only the pod's own column
    is re-joined without the pod itself (self traffic is not listed). Destinations appear
    column by column, then in endpoint order: deterministic, not alphabetical.
    """
    names = [json.dumps(e) for e in conn.endpoints]
    keys = [f"{name}: " for name in names]
    chunks: dict[tuple[int, int], str] = {}
    rows: dict[int, tuple[list[tuple[int, int]], list[str]]] = {}
    first = True
    for s in range(len(conn.endpoints)):
        row = conn.row_of[conn.class_of[s]]
        entry = rows.get(row)
        if entry is None:
            if len(rows) >= _ROW_CACHE:
                rows.pop(next(iter(rows)))
            cols = sorted((c, v) for bits, v in conn.rows[row] if texts[v] for c in iter_bits(bits))
            parts = []
            for c, v in cols:
                chunk = chunks.get((c, v))
                if chunk is None:
                    chunk = chunks[(c, v)] = ", ".join([keys[d] + texts[v] for d in conn.column_pods[c]])
                parts.append(chunk)
            entry = rows[row] = (cols, parts)
        cols, parts = entry
        own = conn.column_of[conn.class_of[s]]
        k = bisect.bisect_left(cols, (own, 0))
        if k < len(cols) and cols[k][0] == own:
            v = cols[k][1]
            rest = ", ".join(
                [keys[d] + texts[v] for d in conn.column_pods[own] if d != s or s in conn.replicated]
            )
            body = ", ".join([p for p in (*parts[:k], rest, *parts[k + 1 :]) if p])
        else:
            body = ", ".join(parts)
        if not body:
            continue
        out.write("\n  " if first else ",\n  ")
        first = False
        out.write(f"{names[s]}: {{{body}}}")
    out.write("\n }" if not first else "}")


def write_connectivity_json(conn: Connectivity, out: TextIO) -> None:
    """Stream the ``netverify.connectivity/v1`` document: one source pod per line.

    ``connections[src][dst]`` maps each protocol to the port ranges allowed for every possible
    address (``"80,443-450"``); only pairs of distinct pods with some allowed traffic appear.
    ``conditional`` has the same shape for ranges that some but not all addresses of pods
    whose IP is unknown allow. Self traffic is always allowed (``"self_traffic": "allowed"``)
    and not listed; a replicated template's pair with itself is its replicas' traffic, listed.
    With the external side computed, ``external_endpoints`` and ``external_connections``
    follow (`_write_external_json`); without it, neither key is written.
    """
    out.write(f'{{"schema": {json.dumps(CONNECTIVITY_SCHEMA)},\n')
    out.write(f' "endpoints": {json.dumps(list(conn.endpoints))},\n')
    if conn.port is not None and conn.protocol is not None:
        out.write(f' "port": {conn.port}, "protocol": {json.dumps(conn.protocol.value)},\n')
    out.write(' "self_traffic": "allowed",\n "connections": {')
    _write_pairs_object(conn, out, ["" if not v.allowed else _portmap_json(v.allowed) for v in conn.values])
    out.write(',\n "conditional": {')
    _write_pairs_object(
        conn, out, ["" if not v.conditional else _portmap_json(v.conditional) for v in conn.values]
    )
    if conn.external is not None:
        _write_external_json(conn, conn.external, out)
    out.write(f',\n "warnings": {json.dumps(list(conn.warnings))}}}\n')


def _pods_by_row(conn: Connectivity, row_of: Sequence[int], n_rows: int) -> list[list[int]]:
    """Per row of an external relation, the pods (in endpoint order) whose class has it."""
    pods: list[list[int]] = [[] for _ in range(n_rows)]
    for i, k in enumerate(conn.class_of):
        pods[row_of[k]].append(i)
    return pods


def external_inbound(conn: Connectivity, ext: ExternalConnectivity) -> list[list[tuple[int, int]]]:
    """Per external range: (destination pod, value index into ``ext.values``) for every pod
    the range may send something to, in endpoint order."""
    pods = _pods_by_row(conn, ext.ingress_of, len(ext.ingress_rows))
    out: list[list[tuple[int, int]]] = [[] for _ in ext.ranges]
    for q, row in enumerate(ext.ingress_rows):
        if not pods[q]:
            continue
        for bits, v in row:
            for r in iter_bits(bits):
                out[r].extend((p, v) for p in pods[q])
    for found in out:
        found.sort()
    return out


def _outbound_rows(ext: ExternalConnectivity) -> list[list[tuple[int, int]]]:
    """Per egress row: (range, value index), in address order."""
    return [sorted((r, v) for bits, v in row for r in iter_bits(bits)) for row in ext.egress_rows]


def _write_external_json(conn: Connectivity, ext: ExternalConnectivity, out: TextIO) -> None:
    """``external_endpoints`` (the ranges, in address order) and ``external_connections``:
    ``ingress[range][pod]`` (the range may send to the pod) and ``egress[pod][range]`` (the
    pod may send to the range), protocol -> port ranges, only with some traffic."""
    names = [json.dumps(n) for n in ext.names()]
    pods = [json.dumps(e) for e in conn.endpoints]
    texts = [_portmap_json(v.allowed) for v in ext.values]
    out.write(f',\n "external_endpoints": [{", ".join(names)}],')
    out.write('\n "external_connections": {"ingress": {')
    first = True
    for r, found in enumerate(external_inbound(conn, ext)):
        if found:
            body = ", ".join([f"{pods[d]}: {texts[v]}" for d, v in found])
            out.write(f"{'' if first else ','}\n  {names[r]}: {{{body}}}")
            first = False
    out.write("}" if first else "\n }")
    out.write(', "egress": {')
    bodies = [", ".join([f"{names[r]}: {texts[v]}" for r, v in row]) for row in _outbound_rows(ext)]
    first = True
    for s, k in enumerate(conn.class_of):
        body = bodies[ext.egress_of[k]]
        if body:
            out.write(f"{'' if first else ','}\n  {pods[s]}: {{{body}}}")
            first = False
    out.write("}}" if first else "\n }}")


def _csv_field(text: str) -> str:
    return f'"{text}"' if any(c in text for c in ',"\n') else text


def write_connectivity_csv(conn: Connectivity, out: TextIO) -> None:
    """``source,destination,protocol,ports,conditional``: one line per pod pair and protocol
    with some allowed or conditional traffic (ports as ``80,443-450``; self traffic omitted),
    then one per external range, pod and protocol (range → pod, then pod → range)."""
    out.write("source,destination,protocol,ports,conditional\n")
    names = [_csv_field(e) for e in conn.endpoints]
    suffixes: list[str] = []
    for value in conn.values:
        allowed = dict(value.allowed)
        maybe = dict(value.conditional)
        suffixes.append(
            "".join(
                f",{p.value},{_csv_field(ranges_text(allowed.get(p, ())))},{_csv_field(ranges_text(maybe.get(p, ())))}\n"
                for p in Protocol
                if p in allowed or p in maybe
            )
        )
    for s, d, v in conn.pairs():
        prefix = f"{names[s]},{names[d]}"
        out.write("".join(prefix + line + "\n" for line in suffixes[v].splitlines()))
    ext = conn.external
    if ext is None:
        return
    ranges = [_csv_field(n) for n in ext.names()]
    lines = [
        "".join(f",{p.value},{_csv_field(ranges_text(r))},\n" for p, r in value.allowed)
        for value in ext.values
    ]
    for r, found in enumerate(external_inbound(conn, ext)):
        for d, v in found:
            prefix = f"{ranges[r]},{names[d]}"
            out.write("".join(prefix + line + "\n" for line in lines[v].splitlines()))
    rows = _outbound_rows(ext)
    for s, k in enumerate(conn.class_of):
        for r, v in rows[ext.egress_of[k]]:
            prefix = f"{names[s]},{ranges[r]}"
            out.write("".join(prefix + line + "\n" for line in lines[v].splitlines()))


# --------------------------------------------------------------------------------------------
# the grouped view


@dataclass(frozen=True)
class GroupedRule:
    """Every pod of the ``sources`` groups reaches every *other* pod of the ``destinations``
    groups on exactly ``value``."""

    sources: tuple[int, ...]
    destinations: tuple[int, ...]
    value: Connection
    external: bool = False  # between ranges and pods (one side is range groups only)


@dataclass(frozen=True)
class Grouped:
    """Source groups (pods with identical rows), destination groups (pods with identical
    columns) — endpoint indices in endpoint order — and the rules between them.

    Endpoints ``0 .. n_pods - 1`` are the pods; with external ranges, endpoint ``n_pods + r``
    is range ``r`` (``endpoints`` holds its name). A group holds pods only or ranges only,
    and range groups come after the pod groups.
    """

    endpoints: tuple[str, ...]
    sources: tuple[tuple[int, ...], ...]
    destinations: tuple[tuple[int, ...], ...]
    rules: tuple[GroupedRule, ...]
    namespace_sizes: dict[str, int]
    replicated: frozenset[int] = field(default=frozenset())  # pods that stand for 2+ pods
    n_pods: int = -1  # -1: every endpoint is a pod

    @property
    def pods(self) -> int:
        """How many endpoints are pods."""
        return len(self.endpoints) if self.n_pods < 0 else self.n_pods

    @property
    def n_ranges(self) -> int:
        return len(self.endpoints) - self.pods

    def self_only(self, sources: tuple[int, ...], destinations: tuple[int, ...]) -> bool:
        """Whether the only pair of these source and destination groups is one pod with
        itself (self traffic, not a rule) — never for a replicated template."""
        src = {p for g in sources for p in self.sources[g]}
        dst = {p for g in destinations for p in self.destinations[g]}
        return len(src) == 1 and src == dst and not src <= self.replicated

    def describe(self, pods: tuple[int, ...]) -> list[str]:
        """Pods as ``ns/*`` for a whole namespace of the view (two pods or more), else
        ``ns/name``; external ranges by their names."""
        by_ns: dict[str, list[str]] = {}
        ranges: list[str] = []
        for i in pods:
            if i >= self.pods:
                ranges.append(self.endpoints[i])
                continue
            ns, _, name = self.endpoints[i].partition("/")
            by_ns.setdefault(ns, []).append(name)
        out: list[str] = []
        for ns, names in by_ns.items():
            if len(names) == self.namespace_sizes[ns] and len(names) > 1:
                out.append(f"{ns}/*")
            else:
                out.extend(f"{ns}/{p}" for p in names)
        return out + ranges

    @property
    def pod_rules(self) -> tuple[GroupedRule, ...]:
        return tuple(r for r in self.rules if not r.external)

    @property
    def external_rules(self) -> tuple[GroupedRule, ...]:
        return tuple(r for r in self.rules if r.external)

    def is_external(self, members: tuple[int, ...]) -> bool:
        """Whether a group is made of external ranges."""
        return bool(members) and members[0] >= self.pods

    def label(self, members: tuple[int, ...]) -> str:
        """A group's members on one line: pods joined by ``, ``; ranges (whose names may
        themselves be a few comma-separated CIDRs) by ``; ``."""
        return ("; " if self.is_external(members) else ", ").join(self.describe(members))


def _numbered(keys: Sequence[Hashable]) -> tuple[list[int], list[list[int]]]:
    """Number the distinct keys of endpoints (in order): (group per endpoint, endpoints per group)."""
    index: dict[Hashable, int] = {}
    pods: list[list[int]] = []
    group_of: list[int] = []
    for i, key in enumerate(keys):
        g = index.get(key)
        if g is None:
            g = index[key] = len(pods)
            pods.append([])
        pods[g].append(i)
        group_of.append(g)
    return group_of, pods


def _range_keys(
    rows: Sequence[tuple[tuple[int, int], ...]], n_ranges: int
) -> list[tuple[tuple[int, int], ...]]:
    """Per range: the (row, value) pairs of the rows holding it — equal keys, equal behaviour."""
    keys: list[list[tuple[int, int]]] = [[] for _ in range(n_ranges)]
    for q, row in enumerate(rows):
        for bits, v in row:
            for r in iter_bits(bits):
                keys[r].append((q, v))
    return [tuple(k) for k in keys]


def grouped(conn: Connectivity) -> Grouped:
    """Group sources by row and destinations by column, merge rules (module docstring).

    Exact and deterministic; the work grows with the number of distinct rows times the
    number of destination groups, never with pods squared. With external ranges, a pod's row
    includes what it sends to ranges and its column what ranges send to it.
    """
    ext = conn.external
    n = len(conn.endpoints)
    n_ranges = len(ext.ranges) if ext is not None else 0
    flat = [bits for row in conn.rows for bits, _ in row]
    signature = transpose(flat, conn.n_columns) if flat else [0] * conn.n_columns
    in_key = _range_keys(ext.ingress_rows, n_ranges) if ext is not None else []
    out_key = _range_keys(ext.egress_rows, n_ranges) if ext is not None else []
    src_keys: list[Hashable] = [
        (conn.row_of[k], ext.egress_of[k] if ext is not None else 0) for k in conn.class_of
    ]
    dst_keys: list[Hashable] = [
        (signature[conn.column_of[k]], ext.ingress_of[k] if ext is not None else 0) for k in conn.class_of
    ]
    src_keys.extend(("external", key) for key in in_key)
    dst_keys.extend(("external", key) for key in out_key)
    _, src_members = _numbered(src_keys)
    _, dst_members = _numbered(dst_keys)
    # Destination pod groups by their first pod's column (a group's columns are held by the
    # same row entries, so an entry holds all of them or none) and by their ingress row;
    # destination range groups by their first range.
    col_groups: dict[int, list[int]] = {}
    in_row_groups: dict[int, list[int]] = {}
    range_groups: dict[int, int] = {}
    for g, members in enumerate(dst_members):
        first = members[0]
        if first < n:
            k = conn.class_of[first]
            col_groups.setdefault(conn.column_of[k], []).append(g)
            if ext is not None:
                in_row_groups.setdefault(ext.ingress_of[k], []).append(g)
        else:
            range_groups[first - n] = g
    col_mask = from_indices(col_groups, conn.n_columns)
    range_mask = from_indices(range_groups, n_ranges)
    in_row_mask: dict[int, int] = {q: from_indices(gs, len(dst_members)) for q, gs in in_row_groups.items()}
    # Rules are merged on (kind, destination bitset, value) and their destinations listed once
    # per merged rule: kind 0 = pods -> pods (bitset over columns), 1 = pods -> ranges
    # (over ranges), 2 = ranges -> pods (over destination groups). Rules between pods and
    # rules with a range side are kept apart.
    merged: dict[tuple[int, int, int], list[int]] = {}
    for g, members in enumerate(src_members):
        first = members[0]
        if first < n:
            k = conn.class_of[first]
            for bits, v in conn.rows[conn.row_of[k]]:
                if bits & col_mask:
                    merged.setdefault((0, bits & col_mask, v), []).append(g)
            if ext is not None:
                for bits, v in ext.egress_rows[ext.egress_of[k]]:
                    if bits & range_mask:
                        merged.setdefault((1, bits & range_mask, v), []).append(g)
        elif ext is not None:
            by_value: dict[int, int] = {}
            for q, v in in_key[first - n]:
                by_value[v] = by_value.get(v, 0) | in_row_mask.get(q, 0)
            for v, mask in by_value.items():
                if mask:
                    merged.setdefault((2, mask, v), []).append(g)

    def destinations(kind: int, bits: int) -> tuple[int, ...]:
        if kind == 0:
            return tuple(sorted(d for c in iter_bits(bits) for d in col_groups[c]))
        if kind == 1:
            return tuple(sorted(range_groups[r] for r in iter_bits(bits)))
        return tuple(iter_bits(bits))

    rules = [
        GroupedRule(
            sources=tuple(sorted(srcs)),
            destinations=destinations(kind, bits),
            value=conn.values[v] if kind == 0 else ext.values[v] if ext is not None else NOTHING,
            external=kind > 0,
        )
        for (kind, bits, v), srcs in merged.items()
    ]
    rules.sort(key=lambda r: (r.external, r.sources, r.destinations))
    sizes: dict[str, int] = {}
    for e in conn.endpoints:
        ns = e.partition("/")[0]
        sizes[ns] = sizes.get(ns, 0) + 1
    view = Grouped(
        endpoints=conn.endpoints + (ext.names() if ext is not None else ()),
        sources=tuple(tuple(p) for p in src_members),
        destinations=tuple(tuple(p) for p in dst_members),
        rules=(),
        namespace_sizes=sizes,
        replicated=conn.replicated,
        n_pods=n,
    )
    kept = tuple(r for r in rules if not view.self_only(r.sources, r.destinations))
    return Grouped(
        endpoints=view.endpoints,
        sources=view.sources,
        destinations=view.destinations,
        rules=kept,
        namespace_sizes=sizes,
        replicated=view.replicated,
        n_pods=n,
    )


def _names(prefix: str, groups: tuple[int, ...], universe: range, what: str = "") -> str:
    """``D1, D3``; ``all destinations`` (``all sources``, ``all ranges``) for every group of
    ``universe`` (the pod groups, or the range groups); ``all destinations but D2`` when that
    is shorter."""
    total = len(universe)
    if len(groups) == total and total > 1:
        return f"all{what}"
    if total > 3 and len(groups) > total / 2 + 1:
        missing = sorted(set(universe) - set(groups))
        return f"all{what} but " + ", ".join(f"{prefix}{g + 1}" for g in missing)
    return ", ".join(f"{prefix}{g + 1}" for g in groups)


def _side(view: Grouped, prefix: str, groups: tuple[int, ...], every: tuple[tuple[int, ...], ...]) -> str:
    """One side of a rule, named within its kind of groups (pods, or external ranges)."""
    ranges = view.is_external(every[groups[0]]) if groups else False
    n_pod_groups = bisect.bisect_left(every, True, key=view.is_external)  # pod groups come first
    universe = range(n_pod_groups, len(every)) if ranges else range(n_pod_groups)
    return _names(
        prefix, groups, universe, " ranges" if ranges else (" sources" if prefix == "S" else " destinations")
    )


def _rule_parts(view: Grouped, rule: GroupedRule) -> tuple[str, str, str]:
    return (
        _side(view, "S", rule.sources, view.sources),
        _side(view, "D", rule.destinations, view.destinations),
        "all ports" if (text := rule.value.text()) == "all" else text,
    )


def _title(conn: Connectivity) -> str:
    if conn.port is not None and conn.protocol is not None:
        return f"Connectivity on {conn.port}/{conn.protocol.value}"
    return "Connectivity on all ports"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _summary(conn: Connectivity, view: Grouped) -> str:
    ranges = external = ""
    if conn.external is not None:
        ranges = f"{_plural(view.n_ranges, 'external address range')}, "
        external = (
            f", {len(view.external_rules)} external {'rule' if len(view.external_rules) == 1 else 'rules'}"
        )
    return (
        f"{_title(conn)}: {_plural(view.pods, 'endpoint')}, {ranges}"
        f"{_plural(len(view.sources), 'source group')}, {_plural(len(view.destinations), 'destination group')}, "
        f"{_plural(len(view.pod_rules), 'rule')}{external}. Self traffic is always allowed and not listed."
    )


_EXTERNAL_HEADING = (
    "external rules (ranges → pods: the pod's ingress decides; pods → ranges: its egress; a range "
    "stands for its addresses that no pod has, outside --pod-cidr when given):"
)


def _text_lines(conn: Connectivity, view: Grouped) -> Iterator[str]:
    yield "source groups (pods with identical rows: they reach the same pods on the same ports):"
    for g, pods in enumerate(view.sources):
        yield f"  S{g + 1}  {view.label(pods)}"
    yield "destination groups (pods with identical columns: the same pods reach them on the same ports):"
    for g, pods in enumerate(view.destinations):
        yield f"  D{g + 1}  {view.label(pods)}"
    yield "rules (every pod of the sources → every other pod of the destinations: exactly these ports):"
    if not view.pod_rules:
        yield "  (none: no traffic between distinct pods is allowed)"
    for rule in view.pod_rules:
        srcs, dsts, text = _rule_parts(view, rule)
        yield f"  {srcs} → {dsts}: {text}"
    if conn.external is not None:
        yield _EXTERNAL_HEADING
        if not view.external_rules:
            yield "  (none: no traffic between pods and external addresses is allowed)"
        for rule in view.external_rules:
            srcs, dsts, text = _rule_parts(view, rule)
            yield f"  {srcs} → {dsts}: {text}"


def render_connectivity(
    conn: Connectivity, console: Console, *, warnings_console: Console | None = None
) -> None:
    """The compact text form: the two groupings, then one line per rule. The body goes out
    as one block (rich is slow per line, and a 100,000-pod view has tens of thousands)."""
    render_warnings(conn.warnings, warnings_console or console)
    view = grouped(conn)
    console.print(Text(_summary(conn, view), style="bold"), soft_wrap=True)
    if not view.pods:
        console.print(Text("no endpoints: the input holds no pods or workloads"))
        return
    console.print(Text("\n".join(_text_lines(conn, view))), soft_wrap=True)


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def write_connectivity_markdown(conn: Connectivity, out: TextIO) -> None:
    """The grouped view as GitHub-flavoured markdown tables: source groups, destination
    groups, rules, and (with external ranges) external rules."""
    view = grouped(conn)
    out.write(f"## {_title(conn)}\n\n{_summary(conn, view)}\n\n")
    out.write("| source group | pods |\n|---|---|\n")
    for g, pods in enumerate(view.sources):
        out.write(f"| S{g + 1} | {_md(view.label(pods))} |\n")
    out.write("\n| destination group | pods |\n|---|---|\n")
    for g, pods in enumerate(view.destinations):
        out.write(f"| D{g + 1} | {_md(view.label(pods))} |\n")
    out.write("\n| sources | destinations | allowed |\n|---|---|---|\n")
    for rule in view.pod_rules:
        srcs, dsts, text = _rule_parts(view, rule)
        out.write(f"| {srcs} | {dsts} | {_md(text)} |\n")
    if conn.external is not None:
        out.write(f"\n{_md(_EXTERNAL_HEADING)}\n\n| sources | destinations | allowed |\n|---|---|---|\n")
        for rule in view.external_rules:
            srcs, dsts, text = _rule_parts(view, rule)
            out.write(f"| {srcs} | {dsts} | {_md(text)} |\n")


def _edges(view: Grouped) -> Iterator[tuple[int, int, str]]:
    """(source group, destination group, ports), skipping pairs whose only pods are one and
    the same pod (that would be self traffic, not a rule)."""
    for rule in view.rules:
        text = rule.value.text()
        for s in rule.sources:
            for d in rule.destinations:
                if view.self_only((s,), (d,)):
                    continue
                yield s, d, text


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def write_connectivity_dot(conn: Connectivity, out: TextIO) -> None:
    """A Graphviz digraph, left to right: source groups (boxes) → destination groups
    (ellipses), one edge per allowed pair labelled with the ports; a group's pods are its label.
    Groups of external address ranges are drawn dashed."""
    view = grouped(conn)
    out.write("digraph connectivity {\n  rankdir=LR;\n  node [fontname=Helvetica];\n")
    out.write(f"  label={_dot_string(_summary(conn, view))};\n")
    for prefix, shape, groups in (("S", "box", view.sources), ("D", "ellipse", view.destinations)):
        for g, pods in enumerate(groups):
            label = "\n".join([f"{prefix}{g + 1}", *view.describe(pods)])
            style = ", style=dashed" if view.is_external(pods) else ""
            out.write(f"  {prefix}{g + 1} [shape={shape}{style}, label={_dot_string(label)}];\n")
    for s, d, text in _edges(view):
        out.write(f"  S{s + 1} -> D{d + 1} [label={_dot_string(text)}];\n")
    out.write("}\n")


_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>__TITLE__</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
svg { border: 1px solid #ddd; background: #fcfcfc; }
.node rect { stroke: #3367d6; }
.node.source rect { fill: #e8f0fe; }
.node.destination rect { fill: #e6f4ea; stroke: #188038; }
.node.external rect { fill: #fef7e0; stroke: #b06000; stroke-dasharray: 4 2; }
.node text { font-size: 12px; }
.edge path { fill: none; stroke: #888; stroke-width: 1.3; }
.edge text { font-size: 10px; fill: #555; }
.edge:hover path { stroke: #d33; stroke-width: 2.5; }
table { border-collapse: collapse; margin-top: 1em; }
td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: left; vertical-align: top; }
</style>
</head>
<body>
<h1>__TITLE__</h1>
<p>__SUMMARY__</p>
<p>Left: source groups (pods with identical rows). Right: destination groups (pods with identical
columns). An arrow: every pod of the source group reaches every other pod of the destination
group on the ports shown (hover for details). Dashed groups are external address ranges: no
pod has their addresses, and only the pod side of a flow with them is checked.</p>
<svg id="graph" xmlns="http://www.w3.org/2000/svg"></svg>
<h2>Source groups</h2>
<table id="sources"><tr><th>group</th><th>pods</th></tr></table>
<h2>Destination groups</h2>
<table id="destinations"><tr><th>group</th><th>pods</th></tr></table>
<h2>Rules</h2>
<table id="rules"><tr><th>sources</th><th>destinations</th><th>allowed</th></tr></table>
<script id="data" type="application/json">__DATA__</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var svg = document.getElementById("graph");
  var rows = Math.max(data.sources.length, data.destinations.length, 1);
  var width = 900, step = 46, height = rows * step + 40, boxW = 240;
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  var defs = document.createElementNS(NS, "defs");
  defs.innerHTML = '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" ' +
    'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#888"/></marker>';
  svg.appendChild(defs);
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    parent.appendChild(e);
    return e;
  }
  function ys(list) {
    var top = (height - list.length * step) / 2 + step / 2;
    return list.map(function (_, i) { return top + i * step; });
  }
  var sy = ys(data.sources), dy = ys(data.destinations);
  var sx = 20 + boxW, dx = width - 20 - boxW;
  var edges = el("g", {id: "edges"}, svg);
  data.edges.forEach(function (e) {
    var g = el("g", {"class": "edge", "data-source": "S" + (e[0] + 1), "data-target": "D" + (e[1] + 1)}, edges);
    var y1 = sy[e[0]], y2 = dy[e[1]], mid = (sx + dx) / 2;
    el("path", {d: "M " + sx + " " + y1 + " C " + mid + " " + y1 + " " + mid + " " + y2 + " " + (dx - 2) + " " + y2,
      "marker-end": "url(#arrow)"}, g);
    if (data.edges.length <= 40) {
      // On the curve at 3/4 of the way, where arrows into different groups have spread apart.
      var u = 0.75, w0 = Math.pow(1 - u, 3), w1 = 3 * Math.pow(1 - u, 2) * u, w2 = 3 * (1 - u) * u * u, w3 = u * u * u;
      var lx = w0 * sx + (w1 + w2) * mid + w3 * dx, ly = (w0 + w1) * y1 + (w2 + w3) * y2;
      var t = el("text", {x: lx, y: ly - 4, "text-anchor": "middle"}, g);
      t.textContent = e[2];
    }
    var tip = el("title", {}, g);
    tip.textContent = "S" + (e[0] + 1) + " \\u2192 D" + (e[1] + 1) + ": " + e[2];
  });
  function nodes(list, prefix, x, yy, kind) {
    var layer = el("g", {id: kind + "-nodes"}, svg);
    list.forEach(function (grp, i) {
      var name = prefix + (i + 1);
      var g = el("g", {"class": "node " + kind + (grp.external ? " external" : ""), "data-group": name}, layer);
      var label = name + ": " + (grp.pods.length === 1 ? grp.pods[0] : grp.size + (grp.external ? " ranges" : " pods"));
      if (label.length > 36) { label = label.slice(0, 35) + "\\u2026"; }
      el("rect", {x: x, y: yy[i] - 15, width: boxW, height: 30, rx: 6}, g);
      var t = el("text", {x: x + 8, y: yy[i] + 4}, g);
      t.textContent = label;
      var tip = el("title", {}, g);
      tip.textContent = grp.pods.join(grp.external ? "; " : ", ");
    });
  }
  nodes(data.sources, "S", 20, sy, "source");
  nodes(data.destinations, "D", dx, dy, "destination");
  function row(table, cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (c) { var td = document.createElement("td"); td.textContent = c; tr.appendChild(td); });
    document.getElementById(table).appendChild(tr);
  }
  function members(g) { return g.pods.join(g.external ? "; " : ", "); }
  data.sources.forEach(function (g, i) { row("sources", ["S" + (i + 1), members(g)]); });
  data.destinations.forEach(function (g, i) { row("destinations", ["D" + (i + 1), members(g)]); });
  data.rules.forEach(function (r) { row("rules", r); });
  document.body.setAttribute("data-rendered", "true");
})();
</script>
</body>
</html>
"""


def write_connectivity_html(conn: Connectivity, out: TextIO) -> None:
    """A self-contained page (inline SVG drawn by inline JavaScript, no network access):
    source groups on the left, destination groups on the right, one arrow per allowed pair
    (ports as label or tooltip), then the groups and rules as tables."""
    view = grouped(conn)
    data = {
        "sources": [
            {"size": len(p), "pods": view.describe(p), "external": view.is_external(p)} for p in view.sources
        ],
        "destinations": [
            {"size": len(p), "pods": view.describe(p), "external": view.is_external(p)}
            for p in view.destinations
        ],
        "edges": [[s, d, text] for s, d, text in _edges(view)],
        "rules": [list(_rule_parts(view, r)) for r in view.rules],
    }
    payload = json.dumps(data).replace("</", "<\\/")
    page = (
        _HTML.replace("__TITLE__", html.escape(_title(conn)))
        .replace("__SUMMARY__", html.escape(_summary(conn, view)))
        .replace("__DATA__", payload)
    )
    out.write(page)


__all__ = [
    "CONNECTIVITY_SCHEMA",
    "Grouped",
    "GroupedRule",
    "grouped",
    "render_connectivity",
    "write_connectivity_csv",
    "write_connectivity_dot",
    "write_connectivity_html",
    "write_connectivity_json",
    "write_connectivity_markdown",
]
