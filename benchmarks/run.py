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
    ),
    Command(
        "nca",
        "equiv",
        ("{nca}", "--equiv", "-r", "{mutated}", "-rb", "{base}", "-f", "{out}"),
        expected=(0, 1),
    ),
    Command("nca", "sanity", ("{nca}", "--sanity", "-r", "{base}", "-f", "{out}"), expected=(0, 1)),
)

# ===== NETVERIFY COMMANDS (fill in / adjust as the CLI lands; issue 3) ======================
# NCA never matches pod IPs with ipBlocks (it does not read status.podIP), so the comparable
# netverify runs use --no-ipblock-pods. Exit codes: 0 ok, 1 violated/diff found, 2 input error.
NETVERIFY_COMMANDS: tuple[Command, ...] = (
    Command(
        "netverify",
        "matrix-port",
        ("{netverify}", "matrix", "{base}", "--port", "8080", "--protocol", "TCP", "--format", "json"),
        suffix="json",
        stdout_to_out=True,
        note="one port: compare with NCA's pairs restricted to 8080/TCP (nca_output.allows)",
    ),
    Command(
        "netverify",
        "connectivity",
        ("{netverify}", "matrix", "{base}", "--no-ipblock-pods", "--format", "json"),
        suffix="json",
        stdout_to_out=True,
        note="full connectivity, comparable with NCA connectivity-pairs",
    ),
    Command(
        "netverify",
        "diff",
        ("{netverify}", "diff", "{base}", "--against", "{mutated}", "--no-ipblock-pods", "--format", "json"),
        expected=(0, 1),
        suffix="json",
        stdout_to_out=True,
        note="comparable with NCA semantic-diff",
    ),
    Command(
        "netverify",
        "lint",
        ("{netverify}", "lint", "{base}", "--format", "json"),
        expected=(0, 1),
        suffix="json",
        stdout_to_out=True,
        note="comparable with NCA sanity",
    ),
    # TODO(issue 3): `netverify check {base} --spec <generated spec>` once specs are generated.
)
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


def run_command(cmd: Command, paths: Paths, executables: dict[str, Path], timeout: float) -> RunResult:
    exe = executables[cmd.tool]
    out_file = paths.out / f"{cmd.tool}-{cmd.query}.{cmd.suffix}"
    subs = {"base": str(paths.base), "mutated": str(paths.mutated), "out": str(out_file), cmd.tool: str(exe)}
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
    if r.status == "timeout":
        return f"> {timeout:g} s"
    if r.seconds is None:
        return "–"
    return f"{r.seconds:.2f} s"


def markdown_table(report: dict[str, Any], results: list[RunResult], timeout: float) -> str:
    size = report["size"]
    lines = [
        f"## Scenario {report['scenario']}: {size['pods']} pods, {size['policies']} policies, "
        f"{size['namespaces']} namespaces (seed {report['seed']})",
        "",
        f"Generated in {report['generate']['base']['seconds']:.2f} s (base) and "
        f"{report['generate']['mutated']['seconds']:.2f} s (mutated, {report['mutate']:g} of the policies). "
        f"{report['machine']['cpus']} CPUs, Python {report['machine']['python']}, {report['date']}.",
        "",
        "| tool | query | wall time | peak RSS | exit | status |",
        "|---|---|---:|---:|---:|---|",
    ]
    for r in results:
        rss = f"{r.peak_rss_mb:.0f} MiB" if r.peak_rss_mb is not None else "–"
        code = "–" if r.exit_code is None else str(r.exit_code)
        status = r.status
        if r.extra:
            status += " (" + ", ".join(f"{k} {v}" for k, v in r.extra.items()) + ")"
        lines.append(f"| {r.tool} | {r.query} | {_fmt_seconds(r, timeout)} | {rss} | {code} | {status} |")
    return "\n".join(lines) + "\n"


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


def run_scenario(name: str, args: argparse.Namespace, executables: dict[str, Path]) -> Path:
    data = args.data / name
    paths = Paths(base=data / "base", mutated=data / "mutated", out=data / "out")
    paths.out.mkdir(parents=True, exist_ok=True)
    if args.no_generate and paths.base.exists() and paths.mutated.exists():
        timings = {
            "base": {"seconds": 0.0, "peak_rss_mb": 0.0},
            "mutated": {"seconds": 0.0, "peak_rss_mb": 0.0},
        }
    else:
        timings = generate_scenario(name, paths, args.seed, args.mutate, args.timeout, no_traps=args.no_traps)
    commands: list[Command] = []
    if "nca" in args.tools:
        commands += NCA_COMMANDS
    if "netverify" in args.tools:
        commands += NETVERIFY_COMMANDS
    if args.queries:
        commands = [c for c in commands if c.query in args.queries]
    results = []
    for cmd in commands:
        result = run_command(cmd, paths, executables, args.timeout)
        results.append(result)
        print(
            f"{name:>9} {cmd.tool:>9} {cmd.query:<22} {_fmt_seconds(result, args.timeout):>10} "
            f"{result.status}",
            file=sys.stderr,
        )
    scenario = SCENARIOS[name]
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
        "versions": {tool: _tool_version(exe) for tool, exe in executables.items() if tool in args.tools},
        "generate": timings,
        "runs": [r.__dict__ for r in results],
    }
    args.results.mkdir(parents=True, exist_ok=True)
    results_dir: Path = args.results
    json_path = results_dir / f"{name}.json"
    json_path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (args.results / f"{name}.md").write_text(markdown_table(report, results, args.timeout), encoding="utf-8")
    return json_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time NCA (and netverify) on generated clusters.")
    parser.add_argument(
        "--scenario", action="append", choices=sorted(SCENARIOS), help="repeatable; default S"
    )
    parser.add_argument("--tools", default="nca", help="comma-separated: nca, netverify")
    parser.add_argument("--queries", default="", help="comma-separated query names to run (default: all)")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per command (default 180)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mutate", type=float, default=0.1)
    parser.add_argument("--nca", type=Path, default=DEFAULT_NCA)
    parser.add_argument("--netverify", type=Path, default=DEFAULT_NETVERIFY)
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
    executables = {"nca": args.nca.absolute(), "netverify": args.netverify.absolute()}
    if "nca" in args.tools and not executables["nca"].exists():
        print(
            f"run.py: {executables['nca']} not found; install NCA with\n"
            "  python3 -m venv benchmarks/.venv-nca && "
            "benchmarks/.venv-nca/bin/pip install network-config-analyzer==2.1.0",
            file=sys.stderr,
        )
        return 2
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for name in args.scenario or ["S"]:
        path = run_scenario(name, args, executables)
        print(f"wrote {path} and {path.with_suffix('.md')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
