"""The pair-by-pair connectivity forms: the JSON document (``netverify.connectivity/v1``) and
csv, one entry per pod pair (and, with external ranges, per range and pod).

Both stream: they expand classes to pods row by row while writing. Self traffic is always
allowed and not listed; a replicated template's pair with itself is its replicas' traffic,
and listed (`verifier.report.matrix_views`).
"""

from __future__ import annotations

import bisect
import json
from collections.abc import Sequence
from typing import TextIO

from verifier.model import Protocol
from verifier.results.bits import iter_bits
from verifier.results.connectivity import Connectivity, ExternalConnectivity, PortMap, ranges_text

CONNECTIVITY_SCHEMA = "netverify.connectivity/v1"

# Distinct rows whose parts are kept while streaming (sources of one row are often adjacent).
_ROW_CACHE = 32


def _portmap_json(ports: PortMap) -> str:
    return json.dumps({proto.value: ranges_text(r) for proto, r in ports})


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
