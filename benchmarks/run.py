"""Benchmark harness: generate a scenario, time each tool's commands, write JSON + markdown.

    python benchmarks/run.py --scenario S --tools nca
    python benchmarks/run.py --scenario 100-50 --scenario S --tools nca,netverify --timeout 60

For every scenario it (1) generates the base cluster into ``benchmarks/data/<scenario>/base``
and a mutated copy (``--mutate`` of the policies changed) into ``.../mutated`` with
``benchmarks/generate.py``, timed as a process; (2) runs each command of each tool as a whole
process: wall time, peak RSS of that process (``os.wait4`` rusage, so each command is measured
alone), exit code, with a timeout (reported as ``> T s``); (3) writes
``benchmarks/results/<scenario>.json`` and ``benchmarks/results/<scenario>.md``. Raw outputs go
to ``benchmarks/data/<scenario>/out/`` (gitignored) so they can be compared afterwards
(``benchmarks/nca_output.py`` parses NCA's per-pair connectivity map).

A command whose exit code is not among its expected ones is reported as ``error`` with the
tail of its stderr; a tool whose executable is missing is reported as ``missing``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import SCENARIOS  # noqa: E402
from nca_output import (  # noqa: E402
    parse_connectivity_pairs,
    parse_semantic_diff_pairs,
    to_connectivity_json,
)

DEFAULT_NCA = HERE / ".venv-nca" / "bin" / "nca"
DEFAULT_NETVERIFY = ROOT / ".venv" / "bin" / "netverify"


@dataclass(frozen=True)
class Paths:
    """Where one scenario's inputs and outputs live."""

    base: Path
    mutated: Path
    out: Path
    spec: Path


@dataclass(frozen=True)
class Command:
    """One timed command. ``argv`` may contain ``{base}``, ``{mutated}``, ``{out}`` (the output
    file) placeholders; ``stdout_to_out`` sends stdout to the output file (tools without a
    file option); ``expected`` are the exit codes that mean success."""

    tool: str
    query: str
    argv: tuple[str, ...]
    expected: tuple[int, ...] = (0,)
    suffix: str = "txt"
    stdout_to_out: bool = False
    note: str = ""
    default: bool = True  # run without --queries


@dataclass
class RunResult:
    """The measurement of one command."""

    tool: str
    query: str
    command: list[str]
    status: str  # ok | error | timeout | missing
    seconds: float | None = None
    peak_rss_mb: float | None = None
    exit_code: int | None = None
    output: str | None = None
    stderr_tail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------
# The commands. NCA 2.1.0's command lines are verified (see benchmarks/nca.md).

# NCA reads every *.yaml/*.json under a directory given with -r (namespaces, pods and
# policies alike); -rb gives the base ("old") configuration of two-config queries.
NCA_COMMANDS: tuple[Command, ...] = (
    Command(
        "nca",
        "connectivity-fw-rules",
        ("{nca}", "--connectivity", "-r", "{base}", "-o", "txt", "-f", "{out}"),
        note="minimised firewall rules",
    ),
    Command(
        "nca",
        "connectivity-pairs",
        ("{nca}", "--connectivity", "-r", "{base}", "-o", "txt_no_fw_rules", "-f", "{out}"),
        note="per pair, not minimised; parsed into pod pairs by nca_output.py",
    ),
    Command(
        "nca",
        "connectivity-json",
        ("{nca}", "--connectivity", "-r", "{base}", "-o", "json", "-f", "{out}"),
        suffix="json",
        default=False,
    ),
    Command(
        "nca",
        "semantic-diff",
        ("{nca}", "--semantic_diff", "-r", "{mutated}", "-rb", "{base}", "-o", "txt", "-f", "{out}"),
        expected=(0, 1),  # 1 = not equivalent, the expected answer after mutation
    ),
    Command(
        "nca",
        "semantic-diff-pairs",
        (
            "{nca}",
            "--semantic_diff",
            "-r",
            "{mutated}",
            "-rb",
            "{base}",
            "-o",
            "txt_no_fw_rules",
            "-f",
            "{out}",
        ),
        expected=(0, 1),
        note="per pair; parsed by nca_output.parse_semantic_diff_pairs",
        default=False,
    ),
    Command(
        "nca",
        "equiv",
        ("{nca}", "--equiv", "-r", "{mutated}", "-rb", "{base}", "-f", "{out}"),
        expected=(0, 1),
    ),
    Command("nca", "sanity", ("{nca}", "--sanity", "-r", "{base}", "-f", "{out}"), expected=(0, 1)),
)

# NCA never matches pod IPs with ipBlocks (it does not read status.podIP), so the runs
# compared with NCA use --no-ipblock-pods. Exit codes: 0 ok, 1 violated/diff found, 2 input
# error. Every netverify command is the installed console script (.venv/bin/netverify), i.e.
# a whole process including interpreter start-up and YAML loading.
_LOAD_SNIPPET = (
    "import sys; from verifier.load import load_cluster; "
    "r = load_cluster(sys.argv[1:]); print(len(r.cluster.pods), len(r.cluster.policies))"
)
NETVERIFY_COMMANDS: tuple[Command, ...] = (
    Command(
        "netverify",
        "startup",
        ("{netverify}", "--help"),
        note="`netverify --help`: interpreter + CLI start-up (target < 0.3 s)",
    ),
    Command(
        "netverify",
        "load",
        ("{python}", "-c", _LOAD_SNIPPET, "{base}"),
        note="load + validate the YAML only (python + verifier.load): the floor of every command",
    ),
    Command(
        "netverify",
        "connectivity",
        ("{netverify}", "matrix", "{base}", "--no-ipblock-pods", "--format", "json"),
        suffix="json",
        stdout_to_out=True,
        note="full connectivity (all ports), compared with NCA connectivity-fw-rules and -pairs",
    ),
    Command(
        "netverify",
        "diff",
        ("{netverify}", "diff", "{base}", "--against", "{mutated}", "--no-ipblock-pods", "--format", "json"),
        expected=(0, 1),
        suffix="json",
        stdout_to_out=True,
        note="semantic diff (added + removed regions), compared with NCA semantic-diff",
    ),
    Command(
        "netverify",
        "equiv",
        (
            "{netverify}",
            "diff",
            "{base}",
            "--against",
            "{mutated}",
            "--check",
            "equivalent",
            "--max-regions",
            "1",
            "--no-ipblock-pods",
            "--format",
            "json",
        ),
        expected=(0, 1),
        suffix="json",
        stdout_to_out=True,
        note="equivalence (exit 1 = not equivalent), compared with NCA equiv",
    ),
    Command(
        "netverify",
        "lint",
        ("{netverify}", "lint", "{base}", "--no-ipblock-pods", "--format", "json"),
        expected=(0, 1),
        suffix="json",
        stdout_to_out=True,
        note="compared with NCA sanity",
    ),
    Command(
        "netverify",
        "matrix-port",
        ("{netverify}", "matrix", "{base}", "--port", "8080", "--protocol", "TCP", "--format", "json"),
        suffix="json",
        stdout_to_out=True,
        note="the full pod-to-pod matrix for one port (8080/TCP)",
    ),
    Command(
        "netverify",
        "matrix-compact",
        ("{netverify}", "matrix", "{base}", "--port", "8080", "--protocol", "TCP", "--format", "text"),
        stdout_to_out=True,
        note="the same matrix, compact: pods grouped by identical rows/columns, rules between groups",
    ),
    Command(
        "netverify",
        "check-inventory",
        ("{netverify}", "check", "{base}", "--spec", "{spec}", "--universe", "inventory", "--format", "json"),
        expected=(0, 1),
        suffix="json",
        stdout_to_out=True,
        note="one generated deny property over the inventory pods",
    ),
    Command(
        "netverify",
        "check-any",
        ("{netverify}", "check", "{base}", "--spec", "{spec}", "--universe", "any", "--format", "json"),
        expected=(0, 1),
        suffix="json",
        stdout_to_out=True,
        note="the same deny property over every pod that could exist",
    ),
)

# Side-by-side rows of the summary: (label, NCA query, netverify query).
PAIRS: tuple[tuple[str, str, str], ...] = (
    ("connectivity (minimized)", "connectivity-fw-rules", "connectivity"),
    ("connectivity (per pair)", "connectivity-pairs", "connectivity"),
    ("semantic diff (10% mutated)", "semantic-diff", "diff"),
    ("equivalence", "equiv", "equiv"),
    ("sanity / lint", "sanity", "lint"),
)
NETVERIFY_ONLY = ("startup", "load", "matrix-port", "matrix-compact", "check-inventory", "check-any")


def ordered_commands(tools: set[str], queries: set[str]) -> list[Command]:
    """The commands to run, pair by pair (NCA's query, then netverify's counterpart), then
    netverify's own queries. ``queries`` (empty = the defaults) selects by query name."""
    nca = {c.query: c for c in NCA_COMMANDS}
    nv = {c.query: c for c in NETVERIFY_COMMANDS}

    def wanted(cmd: Command) -> bool:
        return cmd.query in queries if queries else cmd.default

    ordered: list[Command] = []
    for _, nca_query, nv_query in PAIRS:
        if "nca" in tools:
            ordered.append(nca[nca_query])
        if "netverify" in tools:
            ordered.append(nv[nv_query])
    if "nca" in tools:
        ordered += NCA_COMMANDS
    if "netverify" in tools:
        ordered += NETVERIFY_COMMANDS
    result: list[Command] = []
    for cmd in ordered:
        if cmd not in result and wanted(cmd):
            result.append(cmd)
    return result


def deny_spec(namespaces_yaml: str) -> str:
    """One deny property for the generated cluster: nothing in a dev namespace reaches a
    prod namespace's data tier on postgres (TCP 5432). Whether it holds depends on the
    draw; either verdict (proof or counterexample) is a result. The universe comes from
    ``--universe`` so the same file serves both runs."""
    envs = {line.split(":", 1)[1].strip() for line in namespaces_yaml.splitlines() if "env:" in line}
    src_env = "dev" if "dev" in envs else "staging"
    return (
        "properties:\n"
        "  - name: no-dev-to-prod-postgres\n"
        f"    description: No pod in an env={src_env} namespace reaches a data-tier pod of an env=prod "
        "namespace on TCP 5432\n"
        "    expect: deny\n"
        "    from:\n"
        f"      - namespaceSelector: {{matchLabels: {{env: {src_env}}}}}\n"
        "    to:\n"
        "      - namespaceSelector: {matchLabels: {env: prod}}\n"
        "        podSelector: {matchLabels: {tier: data}}\n"
        "    ports: [{port: 5432, protocol: TCP}]\n"
    )


def summarize_output(query: str, data: Any) -> dict[str, Any]:
    """Headline numbers of a netverify JSON report: the in-process seconds, Z3's summed
    deterministic work (``solver_rlimit``), verdicts, counts."""
    extra: dict[str, Any] = {}
    rlimits: list[int] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "solver_rlimit" and isinstance(value, int):
                    rlimits.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(data)
    if rlimits:
        extra["rlimit"] = sum(rlimits)
    if not isinstance(data, dict):
        return extra
    if isinstance(data.get("seconds"), (int, float)):
        extra["in_process_s"] = round(float(data["seconds"]), 3)
    if query.startswith("check"):
        extra["verdicts"] = ",".join(str(r.get("verdict")) for r in data.get("results", []))
    if query in ("diff", "equiv"):
        for side in ("added", "removed"):
            part = data.get(side) or {}
            extra[f"{side}_regions"] = len(part.get("regions", []))
            if part.get("status") and part.get("status") != "complete":
                extra[f"{side}_status"] = part["status"]
    if query == "lint":
        extra["findings"] = len(data.get("findings", []))
    if query == "connectivity":
        extra["pod_pairs"] = sum(len(v) for v in data.get("connections", {}).values())
    return extra


# ===========================================================================================


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def run_timed(
    argv: list[str], *, timeout: float, stdout_path: Path | None, stderr_path: Path, cwd: Path
) -> tuple[str, float, float | None, int | None]:
    """Run ``argv`` as one process group; return (status, seconds, peak RSS MiB, exit code).

    ``os.wait4`` returns the rusage of exactly this child (``RUSAGE_CHILDREN`` would give the
    maximum over every child so far). On timeout the whole group is killed.
    """
    with (
        open(stdout_path or os.devnull, "wb") as out,
        open(stderr_path, "wb") as err,
    ):
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=cwd, start_new_session=True)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid != 0:
                elapsed = time.perf_counter() - start
                proc.returncode = os.waitstatus_to_exitcode(status)
                rss_mib = usage.ru_maxrss / 1024  # Linux: KiB
                return "done", elapsed, rss_mib, proc.returncode
            if time.perf_counter() > deadline:
                _kill_group(proc.pid)
                _, _, usage = os.wait4(proc.pid, 0)
                proc.returncode = -9
                return "timeout", time.perf_counter() - start, usage.ru_maxrss / 1024, None
            time.sleep(0.02)


def _display(path: Path) -> str:
    """A path relative to the repository when it lies inside it."""
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


def _summarize_in_child(query: str, out_file: Path) -> dict[str, Any]:
    """``summarize_output`` of a netverify JSON output, computed in a child process.

    The harness must stay small: children are forked (vfork) from it, and Linux counts the
    parent's memory high-water mark into a forked child's ``ru_maxrss``; parsing a large
    output here (L's connectivity JSON is > 1 GiB in memory) would inflate the peak RSS of
    every later command."""
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--summarize", query, str(out_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        extra: dict[str, Any] = json.loads(proc.stdout)
    except ValueError:
        return {"summary_error": proc.stderr.strip().splitlines()[-1:]}
    return extra


def run_command(cmd: Command, paths: Paths, executables: dict[str, Path], timeout: float) -> RunResult:
    exe = executables[cmd.tool]
    out_file = paths.out / f"{cmd.tool}-{cmd.query}.{cmd.suffix}"
    subs = {
        "base": str(paths.base),
        "mutated": str(paths.mutated),
        "out": str(out_file),
        "spec": str(paths.spec),
        "python": str(executables["python"]),
        cmd.tool: str(exe),
    }
    argv = [a.format(**subs) for a in cmd.argv]
    if not exe.exists():
        return RunResult(cmd.tool, cmd.query, argv, "missing", stderr_tail=f"{exe} not found")
    out_file.unlink(missing_ok=True)
    stderr_path = paths.out / f"{cmd.tool}-{cmd.query}.stderr"
    stdout_path = out_file if cmd.stdout_to_out else paths.out / f"{cmd.tool}-{cmd.query}.stdout"
    state, seconds, rss, code = run_timed(
        argv, timeout=timeout, stdout_path=stdout_path, stderr_path=stderr_path, cwd=ROOT
    )
    result = RunResult(
        cmd.tool,
        cmd.query,
        argv,
        "timeout" if state == "timeout" else ("ok" if code in cmd.expected else "error"),
        seconds=round(seconds, 3),
        peak_rss_mb=round(rss, 1) if rss is not None else None,
        exit_code=code,
        output=_display(out_file) if out_file.exists() else None,
    )
    if result.status == "error":
        result.stderr_tail = _tail(stderr_path)
    if result.status == "ok" and cmd.tool == "nca" and cmd.query == "connectivity-pairs":
        pairs = parse_connectivity_pairs(out_file.read_text(encoding="utf-8"))
        pods = to_connectivity_json(pairs)
        result.extra = {
            "pairs": len(pairs),
            "pod_pairs": sum(len(v) for v in pods["connections"].values()),
        }
        (paths.out / "nca-connectivity-pairs.connectivity.json").write_text(
            json.dumps(pods, indent=1, sort_keys=True), encoding="utf-8"
        )
    if result.status == "ok" and cmd.tool == "netverify" and cmd.stdout_to_out:
        result.extra = _summarize_in_child(cmd.query, out_file)
    if result.status == "ok" and cmd.tool == "nca" and cmd.query == "semantic-diff-pairs":
        sections = parse_semantic_diff_pairs(out_file.read_text(encoding="utf-8"))
        result.extra = {"changed_pairs": sum(len(p) for p in sections.values())}
    return result


def generate_scenario(
    name: str, paths: Paths, seed: int, mutate: float, timeout: float, *, no_traps: bool = False
) -> dict[str, Any]:
    """Generate base and mutated clusters as processes (so their time includes start-up)."""
    timings: dict[str, Any] = {}
    for label, target, extra in (
        ("base", paths.base, []),
        ("mutated", paths.mutated, ["--mutate", str(mutate), "--mutate-seed", str(seed + 1)]),
    ):
        if target.exists():
            shutil.rmtree(target)
        argv = [sys.executable, str(HERE / "generate.py"), "--scenario", name, "--seed", str(seed)]
        argv += ["--out", str(target), *extra, *(["--no-traps"] if no_traps else [])]
        state, seconds, rss, code = run_timed(
            argv, timeout=timeout, stdout_path=None, stderr_path=paths.out / f"generate-{label}.log", cwd=ROOT
        )
        if state != "done" or code != 0:
            raise RuntimeError(
                f"generating {name}/{label} failed: {_tail(paths.out / f'generate-{label}.log')}"
            )
        timings[label] = {"seconds": round(seconds, 3), "peak_rss_mb": round(rss or 0.0, 1)}
    return timings


def _fmt_seconds(r: RunResult, timeout: float) -> str:
    if r.status in ("timeout", "skipped"):
        return f"> {timeout:g} s"
    if r.seconds is None:
        return "–"
    return f"{r.seconds:.2f} s"


def _cell(run: dict[str, Any] | None, timeout: float) -> str:
    """One timing cell of a summary table from a run's JSON record."""
    if run is None:
        return "–"
    status = str(run["status"])
    if status in ("timeout", "skipped"):
        return f"> {timeout:g} s"
    if status != "ok" or run.get("seconds") is None:
        return status
    return f"{run['seconds']:.2f} s"


def _ratio(nca: dict[str, Any] | None, nv: dict[str, Any] | None, timeout: float) -> str:
    """NCA time / netverify time; a lower bound ("> N×") when NCA timed out."""
    if nca is None or nv is None or nv["status"] != "ok" or not nv.get("seconds"):
        return "–"
    if nca["status"] in ("timeout", "skipped"):
        return f"> {timeout / nv['seconds']:.0f}×"
    if nca["status"] != "ok" or nca.get("seconds") is None:
        return "–"
    ratio = nca["seconds"] / nv["seconds"]
    return f"{ratio:.1f}×" if ratio < 10 else f"{ratio:.0f}×"


def _find(runs: list[dict[str, Any]], tool: str, query: str) -> dict[str, Any] | None:
    return next((r for r in runs if r["tool"] == tool and r["query"] == query), None)


def markdown_table(report: dict[str, Any], results: list[RunResult], timeout: float) -> str:
    size = report["size"]
    runs = [r.__dict__ for r in results]
    lines = [
        f"## Scenario {report['scenario']}: {size['pods']} pods, {size['policies']} policies, "
        f"{size['namespaces']} namespaces (seed {report['seed']})",
        "",
        f"Generated in {report['generate']['base']['seconds']:.2f} s (base) and "
        f"{report['generate']['mutated']['seconds']:.2f} s (mutated, {report['mutate']:g} of the policies). "
        f"{report['machine']['cpus']} CPUs, Python {report['machine']['python']}, {report['date']}; "
        f"traps {'in' if report['traps'] else 'left out'}; timeout {timeout:g} s per command. "
        f"Versions: {', '.join(f'{k} {v}' for k, v in report['versions'].items())}.",
        "",
        "### Side by side (whole processes, same input files, run pair by pair)",
        "",
        "| query | NCA | NCA peak RSS | netverify | netverify peak RSS | NCA / netverify |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, nca_query, nv_query in PAIRS:
        nca, nv = _find(runs, "nca", nca_query), _find(runs, "netverify", nv_query)
        if nca is None and nv is None:
            continue
        lines.append(
            f"| {label} | {_cell(nca, timeout)} | {_rss(nca)} | {_cell(nv, timeout)} | {_rss(nv)} | "
            f"{_ratio(nca, nv, timeout)} |"
        )
    lines += [
        "",
        "### Every command",
        "",
        "| tool | query | wall time | peak RSS | exit | status |",
        "|---|---|---:|---:|---:|---|",
    ]
    for r in results:
        code = "–" if r.exit_code is None else str(r.exit_code)
        status = r.status
        if r.extra:
            status += " (" + ", ".join(f"{k} {v}" for k, v in r.extra.items()) + ")"
        lines.append(
            f"| {r.tool} | {r.query} | {_fmt_seconds(r, timeout)} | {_rss(r.__dict__)} | {code} | {status} |"
        )
    return "\n".join(lines) + "\n"


def _rss(run: dict[str, Any] | None) -> str:
    if run is None or run.get("peak_rss_mb") is None:
        return "–"
    return f"{run['peak_rss_mb']:.0f} MiB"


def combined_table(reports: list[dict[str, Any]]) -> str:
    """The summary over every scenario in ``results/``: one row per scenario, NCA | netverify
    | ratio per compared query, then netverify's own queries."""
    lines = [
        "# Benchmark results",
        "",
        "Written by `benchmarks/run.py` (`make bench`) from the `<scenario>.json` files next to this",
        "one; each scenario's `<scenario>.md` has every command, exit code and peak RSS. Whole",
        "processes, same input files for both tools, NCA's query then netverify's counterpart.",
        "Cells: NCA time / netverify time / ratio NCA÷netverify. `> N s` = killed at the timeout",
        "(or skipped because it already timed out on a smaller scenario of the same run).",
        "",
        "| pods / policies | " + " | ".join(label for label, _, _ in PAIRS) + " |",
        "|---|" + "---|" * len(PAIRS),
    ]
    for report in reports:
        runs, timeout, size = report["runs"], report["timeout_seconds"], report["size"]
        cells = []
        for _, nca_query, nv_query in PAIRS:
            nca, nv = _find(runs, "nca", nca_query), _find(runs, "netverify", nv_query)
            if nca is None:
                cells.append(f"— / {_cell(nv, timeout)}")
            else:
                cells.append(f"{_cell(nca, timeout)} / {_cell(nv, timeout)} / {_ratio(nca, nv, timeout)}")
        lines.append(
            f"| {size['pods']:,} / {size['policies']:,} ({report['scenario']}, {report['date']}) | "
            + " | ".join(cells)
            + " |"
        )
    lines += [
        "",
        "netverify alone (whole process; peak RSS of the largest; `load` = reading + validating the",
        "YAML only, the floor of every command; `check` = one generated deny property):",
        "",
        "| pods / policies | startup (`--help`) | load | matrix 8080/TCP (json) | matrix 8080/TCP (compact) | check (inventory) | check (any) | diff | peak RSS (max) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for report in reports:
        runs, timeout, size = report["runs"], report["timeout_seconds"], report["size"]
        nv_runs = [r for r in runs if r["tool"] == "netverify"]
        if not nv_runs:
            continue
        cells = [
            _cell(_find(runs, "netverify", q), timeout)
            for q in (
                "startup",
                "load",
                "matrix-port",
                "matrix-compact",
                "check-inventory",
                "check-any",
                "diff",
            )
        ]
        peak = max((r.get("peak_rss_mb") or 0.0) for r in nv_runs)
        lines.append(
            f"| {size['pods']:,} / {size['policies']:,} ({report['scenario']}) | "
            + " | ".join(cells)
            + f" | {peak:.0f} MiB |"
        )
    machine = reports[0]["machine"] if reports else {}
    lines += ["", f"Machine: {machine.get('cpus')} CPUs, {machine.get('platform')}."]
    return "\n".join(lines) + "\n"


def write_combined(results_dir: Path) -> Path:
    """Rewrite ``results/README.md`` from every scenario JSON there, smallest first."""
    reports = []
    for path in sorted(results_dir.glob("*.json")):
        report = json.loads(path.read_text(encoding="utf-8"))
        if report.get("schema") == "netverify.bench/v1" and report.get("scenario") in SCENARIOS:
            reports.append(report)
    reports.sort(key=lambda r: (r["size"]["pods"], r["size"]["policies"]))
    target = results_dir / "README.md"
    target.write_text(combined_table(reports), encoding="utf-8")
    return target


def _tool_version(exe: Path) -> str:
    if not exe.exists():
        return "missing"
    try:
        proc = subprocess.run(
            [str(exe), "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (
        (proc.stdout or proc.stderr).strip().splitlines()[-1] if (proc.stdout or proc.stderr) else "unknown"
    )


def run_scenario(
    name: str, args: argparse.Namespace, executables: dict[str, Path], timed_out: dict[str, str]
) -> Path:
    """Generate (unless --no-generate), run every command, write results/<name>.{json,md}.

    ``timed_out`` maps an NCA query to the smaller scenario of this run where it hit the
    timeout; with --skip-timed-out such a query is not started again on a larger scenario
    and is reported as ``> timeout`` (status ``skipped``)."""
    data = args.data / name
    paths = Paths(
        base=data / "base", mutated=data / "mutated", out=data / "out", spec=data / "spec" / "deny.yaml"
    )
    paths.out.mkdir(parents=True, exist_ok=True)
    if args.no_generate and paths.base.exists() and paths.mutated.exists():
        timings = {
            "base": {"seconds": 0.0, "peak_rss_mb": 0.0},
            "mutated": {"seconds": 0.0, "peak_rss_mb": 0.0},
        }
    else:
        timings = generate_scenario(name, paths, args.seed, args.mutate, args.timeout, no_traps=args.no_traps)
    paths.spec.parent.mkdir(parents=True, exist_ok=True)
    paths.spec.write_text(
        deny_spec((paths.base / "namespaces.yaml").read_text(encoding="utf-8")), encoding="utf-8"
    )
    scenario = SCENARIOS[name]
    tools = set(args.tools)
    nca_note = ""
    if "nca" in tools and scenario.pods > args.nca_max_pods:
        tools.discard("nca")
        nca_note = f"NCA not run: {scenario.pods} pods > --nca-max-pods {args.nca_max_pods}"
    results = []
    for cmd in ordered_commands(tools, args.queries):
        if cmd.tool == "nca" and args.skip_timed_out and cmd.query in timed_out:
            result = RunResult(
                cmd.tool, cmd.query, [], "skipped", stderr_tail=f"timed out on {timed_out[cmd.query]}"
            )
        else:
            result = run_command(cmd, paths, executables, args.timeout)
            if result.status == "timeout" and cmd.tool == "nca":
                timed_out.setdefault(cmd.query, name)
        results.append(result)
        print(
            f"{name:>9} {cmd.tool:>9} {cmd.query:<22} {_fmt_seconds(result, args.timeout):>10} "
            f"{result.status} {json.dumps(result.extra) if result.extra else ''}",
            file=sys.stderr,
            flush=True,
        )
    report: dict[str, Any] = {
        "schema": "netverify.bench/v1",
        "scenario": name,
        "size": {"pods": scenario.pods, "policies": scenario.policies, "namespaces": scenario.namespaces},
        "seed": args.seed,
        "mutate": args.mutate,
        "traps": not args.no_traps,
        "timeout_seconds": args.timeout,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "versions": {tool: _tool_version(executables[tool]) for tool in sorted(tools)},
        "note": nca_note,
        "generate": timings,
        "runs": [r.__dict__ for r in results],
    }
    args.results.mkdir(parents=True, exist_ok=True)
    results_dir: Path = args.results
    json_path = results_dir / f"{name}.json"
    json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    table = markdown_table(report, results, args.timeout)
    if nca_note:
        table += f"\n{nca_note}.\n"
    (results_dir / f"{name}.md").write_text(table, encoding="utf-8")
    return json_path


def main(argv: list[str] | None = None) -> int:
    if argv is None and len(sys.argv) == 4 and sys.argv[1] == "--summarize":
        try:
            data = json.loads(Path(sys.argv[3]).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        print(json.dumps(summarize_output(sys.argv[2], data)))
        return 0
    parser = argparse.ArgumentParser(description="Time netverify and NCA side by side on generated clusters.")
    parser.add_argument(
        "--scenario", action="append", choices=sorted(SCENARIOS), help="repeatable; default S"
    )
    parser.add_argument("--tools", default="nca,netverify", help="comma-separated: nca, netverify")
    parser.add_argument("--queries", default="", help="comma-separated query names to run (default: all)")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per command (default 180)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mutate", type=float, default=0.1)
    parser.add_argument("--nca", type=Path, default=DEFAULT_NCA)
    parser.add_argument("--netverify", type=Path, default=DEFAULT_NETVERIFY)
    parser.add_argument(
        "--nca-max-pods",
        type=int,
        default=1000,
        help="run NCA only on scenarios with at most this many pods (default 1000)",
    )
    parser.add_argument(
        "--skip-timed-out",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="do not rerun an NCA query on a larger scenario once it timed out (default on)",
    )
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--no-traps", action="store_true", help="generate without the NCA-divergent traps")
    parser.add_argument("--no-generate", action="store_true", help="reuse benchmarks/data/<scenario>")
    args = parser.parse_args(argv)
    args.tools = {t.strip() for t in args.tools.split(",") if t.strip()}
    unknown = args.tools - {"nca", "netverify"}
    if unknown:
        parser.error(f"unknown tool(s): {', '.join(sorted(unknown))}")
    args.queries = {q.strip() for q in args.queries.split(",") if q.strip()}
    netverify = args.netverify.absolute()
    executables = {
        "nca": args.nca.absolute(),
        "netverify": netverify,
        "python": netverify.parent / "python",
    }
    for tool in sorted(args.tools):
        if not executables[tool].exists():
            hint = (
                "python3 -m venv benchmarks/.venv-nca && "
                "benchmarks/.venv-nca/bin/pip install network-config-analyzer==2.1.0"
                if tool == "nca"
                else "make unit (creates .venv)"
            )
            print(f"run.py: {executables[tool]} not found; install it with\n  {hint}", file=sys.stderr)
            return 2
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    timed_out: dict[str, str] = {}
    names = sorted(args.scenario or ["S"], key=lambda n: (SCENARIOS[n].pods, SCENARIOS[n].policies))
    for name in names:
        path = run_scenario(name, args, executables, timed_out)
        print(f"wrote {path} and {path.with_suffix('.md')}", file=sys.stderr)
    print(f"wrote {write_combined(args.results)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
