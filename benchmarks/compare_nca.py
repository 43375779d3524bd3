"""Differential check: NCA's per-pair connectivity vs netverify's, pod pair by pod pair, port by port.

    .venv/bin/python benchmarks/compare_nca.py --scenario S            # generated with --no-traps
    .venv/bin/python benchmarks/compare_nca.py --scenario S --traps    # keep the egress: [] traps

Runs ``nca --connectivity -r DIR -o txt_no_fw_rules`` and ``netverify matrix DIR
--no-ipblock-pods --format json`` (NCA never matches pod IPs with ipBlocks) on the same
generated cluster and compares every ordered pair of distinct pods on TCP, UDP and SCTP, port
range by port range. NCA's ``All connections`` (every IP protocol) counts as 1-65535 on each
of the three; self traffic is skipped (NCA never prints it).

Every disagreement is classified by *emulation*: the manifests are rewritten so that
netverify applies one of NCA's known divergent readings (docs/nca-differences.md), netverify
runs again, and a disagreeing cell gets the class of the first emulation under which
netverify's answer equals NCA's:

- ``egress-empty-trap``: ``egress: []`` without ``policyTypes`` read as egress isolation;
- ``exists-namespace-bug``: ``Exists``/``DoesNotExist`` in a peer's ``podSelector`` evaluated
  only over the policy's own namespace although the peer has a ``namespaceSelector``;
- ``both``: only the two emulations together reproduce NCA's answer;
- ``unexplained``: none does (a new difference, or a bug on one side).

Each disagreement is also replayed through the plain oracle (``verifier.oracle.decide``,
``ipblock_pods=False``) on one port of the differing range: ``oracle_agrees`` says whether the
Kubernetes-semantics oracle sides with netverify there.

Writes ``benchmarks/results/nca-compare-<scenario>.{json,md}``.
"""

from __future__ import annotations

import argparse
import copy
import json
import subprocess
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from nca_output import (  # noqa: E402
    PROTOCOLS,
    Connection,
    Ranges,
    format_ranges,
    normalise,
    parse_connectivity_pairs,
    subtract,
)

NAME_LABEL = "kubernetes.io/metadata.name"
EMULATIONS: tuple[str, ...] = ("egress-empty-trap", "exists-namespace-bug", "both")


@dataclass
class Disagreement:
    """One (source pod, destination pod, protocol) cell where the tools differ."""

    source: str
    destination: str
    protocol: str
    only_nca: str  # ports NCA allows and netverify does not ("" = none)
    only_netverify: str  # ports netverify allows and NCA does not
    kind: str = "unexplained"
    oracle_port: int = 0
    oracle_allowed: bool | None = None
    oracle_agrees: bool | None = None  # the oracle's answer equals netverify's at oracle_port


def _parse_ranges(text: str) -> Ranges:
    ranges: Ranges = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        lo, _, hi = part.partition("-")
        ranges.append((int(lo), int(hi or lo)))
    return normalise(ranges)


def netverify_cells(data: dict[str, Any]) -> dict[tuple[str, str], Connection]:
    """``netverify.connectivity/v1`` JSON -> (src, dst) -> protocol -> ranges (pods only).

    ``conditional`` cells (a verdict that depends on an unknown pod IP) are not counted as
    allowed; the comparison reports them as disagreements if NCA allows them."""
    if data.get("schema") != "netverify.connectivity/v1":
        raise ValueError(f"not a netverify.connectivity/v1 document: {data.get('schema')!r}")
    cells: dict[tuple[str, str], Connection] = {}
    for src, row in data.get("connections", {}).items():
        for dst, conn in row.items():
            parsed = {p: _parse_ranges(r) for p, r in conn.items() if p in PROTOCOLS}
            parsed = {p: r for p, r in parsed.items() if r}
            if parsed:
                cells[(src, dst)] = parsed
    return cells


def compare(nca: dict[tuple[str, str], Connection], netverify: dict[str, Any]) -> list[Disagreement]:
    """Every cell where NCA's pairs and netverify's connectivity JSON differ.

    The pods compared are netverify's ``endpoints``; NCA pairs that involve an IP range or a
    pod netverify does not know are ignored (the latter cannot occur for the same input)."""
    pods = list(netverify.get("endpoints", []))
    known = set(pods)
    nv = netverify_cells(netverify)
    result: list[Disagreement] = []
    keys = {k for k in nca if k[0] in known and k[1] in known} | set(nv)
    for src, dst in sorted(keys):
        if src == dst:
            continue
        a, b = nca.get((src, dst), {}), nv.get((src, dst), {})
        for protocol in PROTOCOLS:
            ra, rb = normalise(a.get(protocol, [])), normalise(b.get(protocol, []))
            if ra == rb:
                continue
            result.append(
                Disagreement(
                    src,
                    dst,
                    protocol,
                    only_nca=format_ranges(subtract(ra, rb)),
                    only_netverify=format_ranges(subtract(rb, ra)),
                )
            )
    return result


def classify(
    disagreements: list[Disagreement],
    nca: dict[tuple[str, str], Connection],
    emulated: dict[str, dict[str, Any]],
) -> None:
    """Set each disagreement's ``kind``: the first emulation (in ``EMULATIONS`` order) whose
    netverify connectivity equals NCA's on that cell, else ``unexplained``."""
    cells = {name: netverify_cells(data) for name, data in emulated.items()}
    for d in disagreements:
        want = normalise(nca.get((d.source, d.destination), {}).get(d.protocol, []))
        for name in EMULATIONS:
            if name not in cells:
                continue
            got = normalise(cells[name].get((d.source, d.destination), {}).get(d.protocol, []))
            if got == want:
                d.kind = name
                break


# ---------------------------------------------------------------------------------------------
# Emulating NCA's readings on the manifests


def _exists_peer(peer: dict[str, Any]) -> bool:
    selector = peer.get("podSelector") or {}
    return "namespaceSelector" in peer and any(
        e.get("operator") in ("Exists", "DoesNotExist") for e in selector.get("matchExpressions") or []
    )


def emulate(docs: list[dict[str, Any]], *, trap: bool, exists: bool) -> list[dict[str, Any]]:
    """A copy of ``docs`` rewritten so that Kubernetes semantics give NCA 2.1.0's answers.

    ``trap``: a policy without ``policyTypes`` whose spec has an ``egress`` key (even ``[]``)
    gets ``policyTypes: [Ingress, Egress]`` (NCA: ``'egress' in spec``).
    ``exists``: a peer with a ``namespaceSelector`` and ``Exists``/``DoesNotExist`` in its
    ``podSelector`` is confined to the policy's own namespace (NCA evaluates those operators
    with ``get_peers_with_key(policy namespace, key)``), by adding ``metadata.name In [ns]``
    to its namespaceSelector."""
    out = copy.deepcopy(docs)
    for doc in out:
        if not isinstance(doc, dict) or doc.get("kind") != "NetworkPolicy":
            continue
        spec = doc.setdefault("spec", {})
        namespace = (doc.get("metadata") or {}).get("namespace", "default")
        if trap and "policyTypes" not in spec and "egress" in spec:
            spec["policyTypes"] = ["Ingress", "Egress"]
        if exists:
            for direction, side in (("ingress", "from"), ("egress", "to")):
                for rule in spec.get(direction) or []:
                    for peer in (rule or {}).get(side) or []:
                        if _exists_peer(peer):
                            ns_sel = peer["namespaceSelector"] or {}
                            exprs = list(ns_sel.get("matchExpressions") or [])
                            exprs.append({"key": NAME_LABEL, "operator": "In", "values": [namespace]})
                            peer["namespaceSelector"] = {**ns_sel, "matchExpressions": exprs}
    return out


def write_emulation(base: Path, target: Path, *, trap: bool, exists: bool) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(base.glob("*.yaml")):
        docs = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
        (target / path.name).write_text(
            yaml.safe_dump_all(emulate(docs, trap=trap, exists=exists), sort_keys=False), encoding="utf-8"
        )


# ---------------------------------------------------------------------------------------------
# Oracle replay


def replay(disagreements: list[Disagreement], base: Path, limit: int) -> int:
    """Replay up to ``limit`` disagreements through ``verifier.oracle.decide``
    (``ipblock_pods=False``) at the first port of the differing range; returns how many."""
    from verifier.load import load_cluster
    from verifier.model import Protocol
    from verifier.oracle import decide, pod_endpoint
    from verifier.results import Flow

    cluster = load_cluster([str(base)]).cluster
    pods = {f"{p.namespace}/{p.name}": p for p in cluster.pods}
    done = 0
    for d in disagreements[:limit]:
        ranges = d.only_netverify or d.only_nca
        port = _parse_ranges(ranges)[0][0]
        flow = Flow(
            source=pod_endpoint(cluster, pods[d.source]),
            destination=pod_endpoint(cluster, pods[d.destination]),
            port=port,
            protocol=Protocol(d.protocol),
        )
        allowed = decide(cluster, flow, ipblock_pods=False).allowed
        netverify_allows = bool(d.only_netverify) and any(
            lo <= port <= hi for lo, hi in _parse_ranges(d.only_netverify)
        )
        d.oracle_port, d.oracle_allowed, d.oracle_agrees = port, allowed, allowed == netverify_allows
        done += 1
    return done


# ---------------------------------------------------------------------------------------------
# Running the tools


def _run(argv: list[str], stdout: Path | None = None, timeout: float = 600) -> None:
    with open(stdout, "wb") if stdout else open("/dev/null", "wb") as out:
        proc = subprocess.run(
            argv, stdout=out, stderr=subprocess.PIPE, timeout=timeout, check=False, cwd=ROOT
        )
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")


def _netverify_json(netverify: Path, directory: Path, out: Path) -> dict[str, Any]:
    _run([str(netverify), "matrix", str(directory), "--no-ipblock-pods", "--format", "json"], stdout=out)
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data


def markdown(report: dict[str, Any]) -> str:
    lines = [
        f"## NCA vs netverify on {report['scenario']} (seed {report['seed']}, traps "
        f"{'in' if report['traps'] else 'left out'})",
        "",
        f"{report['pods']} pods, {report['ordered_pod_pairs']:,} ordered pod pairs x TCP/UDP/SCTP compared "
        f"({report['cells']:,} cells); {report['disagreements']:,} cells disagree; oracle replayed "
        f"{report['replayed']:,} of them, siding with netverify in {report['oracle_agrees']:,}.",
        "",
        "| class | cells | NCA allows more | netverify allows more |",
        "|---|---:|---:|---:|",
    ]
    for kind, row in sorted(report["classes"].items()):
        lines.append(f"| {kind} | {row['cells']:,} | {row['nca_more']:,} | {row['netverify_more']:,} |")
    lines += ["", "First disagreements of each class:", ""]
    shown: Counter[str] = Counter()
    for d in report["details"]:
        if shown[d["kind"]] >= 3:
            continue
        shown[d["kind"]] += 1
        lines.append(
            f"- `{d['kind']}`: {d['source']} -> {d['destination']} {d['protocol']}: "
            f"only NCA `{d['only_nca'] or '-'}`, only netverify `{d['only_netverify'] or '-'}` "
            f"(oracle at {d['oracle_port']}: {'allowed' if d['oracle_allowed'] else 'denied'})"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Compare NCA's and netverify's connectivity pair by pair.")
    parser.add_argument("--scenario", default="S")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument(
        "--traps", action="store_true", help="keep the egress: [] traps (default: --no-traps)"
    )
    parser.add_argument("--nca", type=Path, default=HERE / ".venv-nca" / "bin" / "nca")
    parser.add_argument("--netverify", type=Path, default=ROOT / ".venv" / "bin" / "netverify")
    parser.add_argument("--replay", type=int, default=50_000, help="oracle replays at most (default 50000)")
    parser.add_argument(
        "--max-details", type=int, default=500, help="disagreements listed in the JSON (default 500)"
    )
    parser.add_argument("--results", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    work = HERE / "data" / f"compare-{args.scenario}{'-traps' if args.traps else ''}"
    base, out = work / "base", work / "out"
    out.mkdir(parents=True, exist_ok=True)
    gen = [sys.executable, str(HERE / "generate.py"), "--scenario", args.scenario]
    gen += ["--seed", str(args.seed), "--out", str(base), *([] if args.traps else ["--no-traps"])]
    _run(gen)
    nca_out = out / "nca-pairs.txt"
    nca_out.unlink(missing_ok=True)
    _run([str(args.nca), "--connectivity", "-r", str(base), "-o", "txt_no_fw_rules", "-f", str(nca_out)])
    nca = parse_connectivity_pairs(nca_out.read_text(encoding="utf-8"))
    nv = _netverify_json(args.netverify, base, out / "netverify.json")
    disagreements = compare(nca, nv)
    emulated: dict[str, dict[str, Any]] = {}
    if disagreements:
        for name, trap, exists in (
            ("egress-empty-trap", True, False),
            ("exists-namespace-bug", False, True),
            ("both", True, True),
        ):
            target = work / f"emulate-{name}"
            write_emulation(base, target, trap=trap, exists=exists)
            emulated[name] = _netverify_json(args.netverify, target, out / f"netverify-{name}.json")
        classify(disagreements, nca, emulated)
    replayed = replay(disagreements, base, args.replay)
    pods = len(nv.get("endpoints", []))
    classes: dict[str, dict[str, int]] = {}
    for d in disagreements:
        row = classes.setdefault(d.kind, {"cells": 0, "nca_more": 0, "netverify_more": 0})
        row["cells"] += 1
        row["nca_more"] += bool(d.only_nca)
        row["netverify_more"] += bool(d.only_netverify)
    report = {
        "schema": "netverify.nca-compare/v1",
        "scenario": args.scenario,
        "seed": args.seed,
        "traps": args.traps,
        "pods": pods,
        "ordered_pod_pairs": pods * (pods - 1),
        "cells": pods * (pods - 1) * len(PROTOCOLS),
        "disagreements": len(disagreements),
        "replayed": replayed,
        "oracle_agrees": sum(1 for d in disagreements if d.oracle_agrees),
        "classes": classes,
        "details_total": len(disagreements),
        "details": [asdict(d) for d in disagreements[: args.max_details]],
    }
    args.results.mkdir(parents=True, exist_ok=True)
    stem = args.results / f"nca-compare-{args.scenario}{'-traps' if args.traps else ''}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    text = markdown(report)
    stem.with_suffix(".md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
