"""Parse NCA's per-pair connectivity output into pod pair -> protocol -> port ranges.

NCA (network-config-analyzer 2.1.0) prints the non-minimised connectivity map with
``nca --connectivity -r DIR -o txt_no_fw_rules``: one line per (source, destination) pair
that has some allowed traffic, sorted, in the form::

    SRC => DST : CONN

- ``SRC``/``DST`` is a pod ``namespace/name[Pod]`` (``[Deployment]`` etc. for pods NCA made
  from workload templates) or an address range ``a.b.c.d-e.f.g.h`` (IPv6 ranges likewise).
- ``CONN`` is ``All connections``; or cubes ``{protocols:TCP, UDP,dst_ports:53,8080-8090}``
  joined by ``,``; a cube without ``dst_ports`` means every port; or ``All but CUBES`` (the
  complement of the cubes). A ``protocols`` value may also read ``all but X, Y``.
- A pod's traffic to itself is never printed; pairs with no traffic are not printed.

NCA's protocol dimension has every IP protocol; this module keeps TCP, UDP and SCTP (the
only ones a NetworkPolicy can name), so ``All connections`` becomes 1-65535 on each of them,
the same shape as netverify's ``netverify.connectivity/v1`` JSON.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

PROTOCOLS = ("TCP", "UDP", "SCTP")
FULL_RANGE = (1, 65535)

Ranges = list[tuple[int, int]]
Connection = dict[str, Ranges]  # protocol -> sorted, disjoint, non-adjacent closed ranges

_LINE = re.compile(r"^(?P<src>\S+) => (?P<dst>\S+) : (?P<conn>.+)$")
_POD = re.compile(r"^(?P<ns>[^/\s]+)/(?P<name>[^\[\s]+)(?:\[(?P<kind>[A-Za-z-]+)\])?$")
_CUBE = re.compile(r"\{([^{}]*)\}")


def normalise(ranges: Iterable[tuple[int, int]]) -> Ranges:
    """Sort and merge overlapping or adjacent ranges."""
    merged: Ranges = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract(ranges: Ranges, removed: Ranges) -> Ranges:
    """``ranges`` minus ``removed`` (both normalised)."""
    result: Ranges = []
    for start, end in ranges:
        cursor = start
        for r_start, r_end in removed:
            if r_end < cursor or r_start > end:
                continue
            if r_start > cursor:
                result.append((cursor, r_start - 1))
            cursor = max(cursor, r_end + 1)
        if cursor <= end:
            result.append((cursor, end))
    return result


def format_ranges(ranges: Ranges) -> str:
    """``[(80, 80), (443, 450)]`` -> ``"80,443-450"`` (the netverify JSON form)."""
    return ",".join(str(s) if s == e else f"{s}-{e}" for s, e in ranges)


def _parse_ports(text: str) -> Ranges:
    ranges: Ranges = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            start, end = part.split("-", 1)
            ranges.append((int(start), int(end)))
        else:
            ranges.append((int(part), int(part)))
    return normalise(ranges)


def _parse_protocols(text: str) -> list[str]:
    text = text.strip()
    if text == "*":
        return list(PROTOCOLS)
    if text.lower().startswith("all but "):
        excluded = {p.strip().upper() for p in text[len("all but ") :].split(",")}
        return [p for p in PROTOCOLS if p not in excluded]
    named = {p.strip().upper() for p in text.split(",")}
    return [p for p in PROTOCOLS if p in named]


def _parse_cube(body: str) -> Connection:
    """One ``{protocols:...,dst_ports:...}`` cube; missing dimensions mean "all"."""
    fields: dict[str, str] = {}
    key: str | None = None
    for piece in body.split(","):
        if ":" in piece and re.match(r"^\s*[a-z_]+:", piece):
            key, value = piece.split(":", 1)
            key = key.strip()
            fields[key] = value
        elif key is not None:
            fields[key] += "," + piece
    unknown = set(fields) - {"protocols", "dst_ports"}
    if unknown:
        raise ValueError(f"unsupported NCA connection dimension(s) {sorted(unknown)} in {{{body}}}")
    protocols = _parse_protocols(fields["protocols"]) if "protocols" in fields else list(PROTOCOLS)
    ports = _parse_ports(fields["dst_ports"]) if "dst_ports" in fields else [FULL_RANGE]
    return {p: list(ports) for p in protocols}


def _union(connections: Iterable[Connection]) -> Connection:
    collected: dict[str, Ranges] = {}
    for conn in connections:
        for protocol, ranges in conn.items():
            collected.setdefault(protocol, []).extend(ranges)
    return {p: normalise(collected[p]) for p in PROTOCOLS if collected.get(p)}


def parse_connection(text: str) -> Connection:
    """Parse NCA's ``CONN`` text into protocol -> port ranges (TCP/UDP/SCTP only)."""
    text = text.strip()
    if text == "All connections":
        return {p: [FULL_RANGE] for p in PROTOCOLS}
    if text == "No connections":
        return {}
    complement = text.startswith("All but ")
    body = text[len("All but ") :] if complement else text
    cubes = [_parse_cube(m.group(1)) for m in _CUBE.finditer(body)]
    if not cubes:
        raise ValueError(f"unrecognised NCA connection text: {text!r}")
    parsed = _union(cubes)
    if not complement:
        return parsed
    result: Connection = {}
    for protocol in PROTOCOLS:
        remaining = subtract([FULL_RANGE], parsed.get(protocol, []))
        if remaining:
            result[protocol] = remaining
    return result


def endpoint_name(text: str) -> tuple[str, bool]:
    """NCA endpoint text -> (name, is_pod); pods lose a ``[Pod]`` suffix (``ns/name``)."""
    match = _POD.match(text)
    if match is None:
        return text, False
    kind = match.group("kind")
    name = f"{match.group('ns')}/{match.group('name')}"
    if kind and kind != "Pod":
        name = f"{name}[{kind}]"
    return name, True


def parse_connectivity_pairs(text: str) -> dict[tuple[str, str], Connection]:
    """Parse ``-o txt_no_fw_rules`` output: (src, dst) -> connection, IP ranges included.

    Lines that are not pair lines (the ``global: cluster has ...`` banner when NCA's stdout
    is parsed instead of its ``-f`` file, ``TCP Connections:`` headers) are skipped.
    """
    pairs: dict[tuple[str, str], Connection] = {}
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match is None:
            continue
        src, _ = endpoint_name(match.group("src"))
        dst, _ = endpoint_name(match.group("dst"))
        conn = parse_connection(match.group("conn"))
        if (src, dst) in pairs:
            conn = _union([pairs[(src, dst)], conn])
        if conn:
            pairs[(src, dst)] = conn
    return pairs


def to_connectivity_json(pairs: dict[tuple[str, str], Connection]) -> dict[str, Any]:
    """Pod-to-pod pairs in the ``netverify.connectivity/v1`` shape (IP-range rows dropped).

    ``endpoints`` lists only the pods that appear in some pair (NCA does not print isolated
    pods); self pairs are absent because NCA never prints them.
    """
    connections: dict[str, dict[str, dict[str, str]]] = {}
    endpoints: set[str] = set()
    for (src, dst), conn in sorted(pairs.items()):
        if not (_POD.match(src) and _POD.match(dst)):
            continue
        endpoints.update((src, dst))
        connections.setdefault(src, {})[dst] = {p: format_ranges(r) for p, r in conn.items()}
    return {
        "schema": "netverify.connectivity/v1",
        "endpoints": sorted(endpoints),
        "connections": connections,
    }


def allows(conn: Connection, port: int, protocol: str) -> bool:
    """Whether ``conn`` allows ``port``/``protocol`` (for comparing with a single-port matrix)."""
    return any(start <= port <= end for start, end in conn.get(protocol, []))


def parse_semantic_diff_pairs(text: str) -> dict[str, dict[tuple[str, str], Connection]]:
    """Parse ``--semantic_diff ... -o txt_no_fw_rules`` output: section -> pairs.

    NCA prints one section per kind of change, each headed by a line such as
    ``Added connections between persistent peers (based on topology from config: new**) :``;
    the section key is the header up to `` (based on`` (``Added connections between
    persistent peers``, ``Removed connections between persistent peers and ipBlocks``, ...).
    Each pair line gives the added (or removed) traffic of that pair.
    """
    sections: dict[str, dict[tuple[str, str], Connection]] = {}
    current: dict[tuple[str, str], Connection] | None = None
    for line in text.splitlines():
        line = line.strip()
        match = _LINE.match(line)
        if match is None:
            if line.endswith(":") and " connections" in line:
                title = line.split(" (based on", 1)[0].rstrip(" :")
                current = sections.setdefault(title, {})
            continue
        if current is None:
            continue
        src, _ = endpoint_name(match.group("src"))
        dst, _ = endpoint_name(match.group("dst"))
        conn = parse_connection(match.group("conn"))
        if (src, dst) in current:
            conn = _union([current[(src, dst)], conn])
        current[(src, dst)] = conn
    return sections
