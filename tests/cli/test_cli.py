"""The public CLI through typer's CliRunner: every command, every exit code, stdin, output files."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import verifier
import verifier.query.check as query_check
from tests import paths
from tests.paths import ROOT
from verifier.model import Universe
from verifier.results import CheckReport, PropertyResult, Verdict
from verifier.spec import Expect

SEED = str(paths.SEED)
SEED_SPEC = str(paths.SEED_SPEC)
DB = ["--to-ns", "kubernetes.io/metadata.name=default", "--to-pod", "role=db"]


def run(runner: CliRunner, *argv: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    from verifier.cli import app

    return runner.invoke(app, list(argv), input=stdin)


# --- help, version, start-up -------------------------------------------------------------------


def test_help_lists_every_command(runner: CliRunner) -> None:
    result = run(runner, "--help")
    assert result.exit_code == 0
    for command in ("check", "assert", "matrix"):
        assert command in result.stdout


def test_no_arguments_shows_help_as_usage_error(runner: CliRunner) -> None:
    result = run(runner)
    assert result.exit_code == 2
    assert "check" in result.output


def test_version(runner: CliRunner) -> None:
    result = run(runner, "--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"netverify {verifier.__version__}"


def test_help_does_not_import_the_pipeline() -> None:
    """`netverify --help` must stay fast: no pydantic models, no solver, no rich report."""
    code = (
        "import sys\n"
        "from verifier.cli import app\n"
        "try:\n    app(['--help'], prog_name='netverify')\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('z3', 'verifier.results', 'verifier.query', 'verifier.load', 'pydantic')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - started
    assert "HEAVY []" in out.stdout
    assert elapsed < 5  # generous: the real target (< 0.3 s) is measured, not asserted, on CI machines


# --- check -----------------------------------------------------------------------------------


def test_check_seed_is_violated_exit_1_with_summary(runner: CliRunner) -> None:
    result = run(runner, "check", SEED, "--spec", SEED_SPEC)
    assert result.exit_code == 1, result.output
    lines = result.stdout.strip().splitlines()
    assert lines[-1].startswith("10 hold, 2 violated, 0 unknown, 0 error in ")
    assert "db-only-from-myproject: violated" in result.stdout
    assert "Traceback" not in result.output


def test_check_all_hold_exit_0(runner: CliRunner, holds_spec: str) -> None:
    result = run(runner, "check", SEED, "--spec", holds_spec)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1].startswith("2 hold, 0 violated, 0 unknown, 0 error")


def test_check_json_to_stdout_and_to_file(runner: CliRunner, tmp_path: Path) -> None:
    result = run(runner, "check", SEED, "--spec", SEED_SPEC, "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["schema"] == "netverify.check/v1"
    assert doc["summary"] == {"holds": 10, "violated": 2, "unknown": 0, "error": 0}
    violated = [r for r in doc["results"] if r["verdict"] == "violated"]
    assert {r["name"] for r in violated} == {"db-only-from-myproject", "db-only-from-myproject-any"}
    for r in violated:
        flow = r["counterexample"]
        assert flow["destination"]["labels"].get("role") == "db" and flow["port"] == 6379
        assert flow["source"]["namespace_labels"].get("project") != "myproject"
        assert any(rule["file"].endswith("networkpolicy.yaml") and rule["line"] > 0 for rule in r["rules"])

    out = tmp_path / "report.json"
    result = run(runner, "check", SEED, "--spec", SEED_SPEC, "-f", "json", "--output", str(out))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert json.loads(out.read_text())["summary"] == doc["summary"]


def test_check_universe_option_applies_where_the_spec_is_silent(runner: CliRunner, tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    # True of the inventory (other/batch sits in the except range), false for a new pod in `other`.
    spec.write_text(
        "properties:\n"
        "  - name: other-out\n"
        "    expect: deny\n"
        "    from: [{namespace: other}]\n"
        "    to: [{namespace: default, podSelector: {matchLabels: {role: db}}}]\n"
        "    ports: [{port: 6379}]\n"
    )
    assert run(runner, "check", SEED, "--spec", str(spec)).exit_code == 0
    assert run(runner, "check", SEED, "--spec", str(spec), "--universe", "inventory").exit_code == 0
    result = run(runner, "check", SEED, "--spec", str(spec), "--universe", "any", "-f", "json")
    assert result.exit_code == 1
    (res,) = json.loads(result.stdout)["results"]
    assert res["universe"] == "any"
    assert res["counterexample"]["source"]["namespace"] == "other"


def test_check_ipblock_pods_switch(runner: CliRunner, tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    # default/monitoring reaches the db only through the ipBlock (its IP 172.17.2.40).
    spec.write_text(
        "properties:\n"
        "  - name: monitoring-in\n"
        "    expect: reachable\n"
        "    universe: inventory\n"
        "    from: [{pod: default/monitoring}]\n"
        "    to: [{namespace: default, podSelector: {matchLabels: {role: db}}}]\n"
        "    ports: [{port: 6379}]\n"
    )
    assert run(runner, "check", SEED, "--spec", str(spec)).exit_code == 0
    assert run(runner, "check", SEED, "--spec", str(spec), "--no-ipblock-pods").exit_code == 1


def test_check_warnings_go_to_stderr_in_text_and_into_json(
    runner: CliRunner, tmp_path: Path, holds_spec: str
) -> None:
    # A pod in a namespace that is never declared: accepted, with a warning.
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: stray, namespace: ghost, labels: {app: stray}}\n"
        "spec: {containers: [{name: c, image: x}]}\nstatus: {podIP: 192.168.9.9}\n"
    )
    result = run(runner, "check", SEED, str(extra), "--spec", holds_spec)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert warnings and any("ghost" in line for line in warnings)
    assert "warning:" not in result.stdout
    result = run(runner, "check", SEED, str(extra), "--spec", holds_spec, "-f", "json")
    doc = json.loads(result.stdout)
    assert any("ghost" in w for w in doc["warnings"])


# --- exit code 2: usage and input errors -----------------------------------------------------


def _one_line_errors(result) -> list[str]:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return [line for line in result.stderr.splitlines() if line.strip()]


def test_malformed_yaml_is_an_input_error(runner: CliRunner, tmp_path: Path, holds_spec: str) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: default\n")
    lines = _one_line_errors(run(runner, "check", str(bad), "--spec", holds_spec))
    assert any(line.startswith(str(bad)) for line in lines)


def test_every_input_problem_is_reported_not_just_the_first(runner: CliRunner, tmp_path: Path) -> None:
    bad_manifest = tmp_path / "bad.yaml"
    bad_manifest.write_text("a: [\n")
    bad_spec = tmp_path / "spec.yaml"
    bad_spec.write_text("properties:\n  - name: p\n    expect: forbid\n")
    lines = _one_line_errors(run(runner, "check", str(bad_manifest), "--spec", str(bad_spec)))
    assert any(str(bad_manifest) in line for line in lines)
    assert any(str(bad_spec) in line and "forbid" in line for line in lines)


def test_missing_file_is_an_input_error(runner: CliRunner, tmp_path: Path, holds_spec: str) -> None:
    missing = tmp_path / "nope.yaml"
    lines = _one_line_errors(run(runner, "check", str(missing), "--spec", holds_spec))
    assert any("nope.yaml" in line for line in lines)
    lines = _one_line_errors(run(runner, "check", SEED, "--spec", str(tmp_path / "nospec.yaml")))
    assert any("nospec.yaml" in line for line in lines)


def test_bad_selector_is_a_usage_error(runner: CliRunner) -> None:
    lines = _one_line_errors(run(runner, "assert", SEED, "--deny", "--from-ns", "project in (", *DB))
    assert len(lines) == 1 and "project in (" in lines[0]


@pytest.mark.parametrize("port", ["99999/TCP", "6379/ICMP", "a--b", "10-5/TCP"])
def test_bad_port_is_a_usage_error(runner: CliRunner, port: str) -> None:
    lines = _one_line_errors(run(runner, "assert", SEED, "--deny", *DB, "--port", port))
    assert len(lines) == 1


def test_bad_pod_cidr_is_a_usage_error(runner: CliRunner) -> None:
    lines = _one_line_errors(run(runner, "assert", SEED, "--deny", *DB, "--pod-cidr", "10.0.0.0/99"))
    assert lines == ["error: --pod-cidr '10.0.0.0/99': not a CIDR (e.g. 10.244.0.0/16)"]


@pytest.mark.parametrize("flags", [[], ["--deny", "--allow"], ["--allow", "--reachable", "--deny"]])
def test_assert_needs_exactly_one_kind(runner: CliRunner, flags: list[str]) -> None:
    lines = _one_line_errors(run(runner, "assert", SEED, *flags, *DB))
    assert lines == ["error: give exactly one of --deny, --allow, --reachable"]


def test_bad_option_values_are_usage_errors(runner: CliRunner, holds_spec: str) -> None:
    assert run(runner, "check", SEED, "--spec", holds_spec, "--universe", "everything").exit_code == 2
    assert run(runner, "check", SEED).exit_code == 2  # --spec missing
    assert run(runner, "matrix", SEED, "--port", "0").exit_code == 2
    assert run(runner, "matrix", SEED, "--port", "80", "--protocol", "ICMP").exit_code == 2


def test_matrix_protocol_without_port_is_a_clear_usage_error(runner: CliRunner) -> None:
    lines = _one_line_errors(run(runner, "matrix", SEED, "--protocol", "UDP"))
    assert len(lines) == 1 and "--port" in lines[0]


def test_unwritable_output_is_a_usage_error(runner: CliRunner, tmp_path: Path, holds_spec: str) -> None:
    target = tmp_path / "no" / "such" / "dir" / "r.json"
    lines = _one_line_errors(run(runner, "check", SEED, "--spec", holds_spec, "--output", str(target)))
    assert len(lines) == 1 and "--output" in lines[0]


# --- assert ----------------------------------------------------------------------------------


def test_assert_deny_violated_in_any_universe(runner: CliRunner) -> None:
    argv = ["assert", SEED, "--deny", "--from-ns", "project notin (myproject)", *DB, "--port", "6379/TCP"]
    result = run(runner, *argv, "--universe", "any", "-f", "json", "--name", "outsiders")
    assert result.exit_code == 1, result.output
    (res,) = json.loads(result.stdout)["results"]
    assert res["name"] == "outsiders" and res["universe"] == "any" and res["expect"] == "deny"
    flow = res["counterexample"]
    assert flow["port"] == 6379 and flow["protocol"] == "TCP"
    assert flow["source"]["namespace_labels"].get("project") != "myproject"
    assert flow["destination"]["labels"] == {"role": "db"}


def test_assert_allow_and_reachable_hold(runner: CliRunner) -> None:
    argv = ["assert", SEED, "--allow", "--from-pod", "role=frontend", *DB, "--port", "6379"]
    assert run(runner, *argv).exit_code == 0
    result = run(runner, "assert", SEED, "--reachable", "--from-pod", "role=db", "--to-cidr", "10.0.0.0/24",
                 "--port", "5978/TCP")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "witness for" in result.stdout and "5978/TCP" in result.stdout


def test_assert_reachable_violated_when_nothing_is_allowed(runner: CliRunner) -> None:
    result = run(runner, "assert", SEED, "--reachable", "--from-cidr", "172.17.1.0/24", *DB)
    assert result.exit_code == 1, result.output


def test_stdin_dash(runner: CliRunner) -> None:
    manifests = "---\n".join(
        (ROOT / "examples" / "seed" / name).read_text()
        for name in ("namespaces.yaml", "pods.yaml", "networkpolicy.yaml")
    )
    argv = ["assert", "-", "--deny", "--from-pod", "role=frontend", *DB, "--port", "6379/TCP"]
    result = run(runner, *argv, stdin=manifests)
    assert result.exit_code == 1, result.output  # frontend does reach the db
    result = run(runner, "matrix", "-", "--port", "6379", "-f", "json", stdin=manifests)
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["endpoints"]) == 6


# --- exit code 3: unknown with --strict --------------------------------------------------------


def _fake_check(verdicts: list[Verdict]):  # type: ignore[no-untyped-def]
    def fake(cluster, properties, options, *, warnings=(), progress=None):  # type: ignore[no-untyped-def]
        return CheckReport(
            results=tuple(
                PropertyResult(
                    name=f"p{i}",
                    expect=Expect.DENY,
                    universe=Universe.ANY,
                    verdict=v,
                    reason="solver gave up" if v is Verdict.UNKNOWN else "",
                )
                for i, v in enumerate(verdicts)
            ),
            warnings=tuple(warnings),
        )

    return fake


@pytest.mark.parametrize(
    ("verdicts", "strict", "code"),
    [
        ([Verdict.HOLDS, Verdict.UNKNOWN], False, 0),
        ([Verdict.HOLDS, Verdict.UNKNOWN], True, 3),
        ([Verdict.UNKNOWN, Verdict.VIOLATED], True, 1),
        ([Verdict.UNKNOWN, Verdict.ERROR], True, 2),
        ([Verdict.ERROR, Verdict.VIOLATED], False, 1),
        ([Verdict.HOLDS], True, 0),
    ],
)
def test_exit_code_from_verdicts(
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    holds_spec: str,
    verdicts: list[Verdict],
    strict: bool,
    code: int,
) -> None:
    monkeypatch.setattr(query_check, "check", _fake_check(verdicts))
    argv = ["check", SEED, "--spec", holds_spec] + (["--strict"] if strict else [])
    result = run(runner, *argv)
    assert result.exit_code == code, result.output


def test_strict_unknown_from_a_real_solver_budget(runner: CliRunner, holds_spec: str) -> None:
    """A deterministic work limit (--rlimit) too small to prove anything gives `unknown`."""
    result = run(runner, "check", SEED, "--spec", holds_spec, "--rlimit", "1", "-f", "json")
    doc = json.loads(result.stdout)
    assert doc["summary"]["unknown"] >= 1, doc["summary"]
    assert result.exit_code == 0
    assert run(runner, "check", SEED, "--spec", holds_spec, "--rlimit", "1", "--strict").exit_code == 3


# --- matrix ----------------------------------------------------------------------------------


def test_matrix_text_and_json_agree(runner: CliRunner) -> None:
    result = run(runner, "matrix", SEED, "--port", "6379", "--protocol", "tcp", "-f", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["schema"] == "netverify.matrix/v1" and doc["port"] == 6379 and doc["protocol"] == "TCP"
    names = doc["endpoints"]
    allowed = {
        (names[i], names[j]) for i in range(len(names)) for j in range(len(names)) if doc["allowed"][i][j]
    }
    # The seed policy: the db admits frontend, myproject/api and monitoring (ipBlock); not batch, not sink.
    into_db = {src for src, dst in allowed if dst == "default/db" and src != dst}
    assert into_db == {"default/frontend", "myproject/api", "default/monitoring"}

    text = run(runner, "matrix", SEED, "--port", "6379")
    assert text.exit_code == 0
    assert f"{len(allowed)} of {len(names) ** 2} flows allowed" in text.stdout
    assert "default/db" in text.stdout and "✓" in text.stdout


# --- the docs are tested ---------------------------------------------------------------------


def _doc(name: str) -> str:
    return (ROOT / name).read_text()


def test_cli_doc_mentions_every_command_and_option() -> None:
    import typer.main

    from verifier.cli import app

    group = typer.main.get_command(app)
    doc = _doc("docs/cli.md")
    assert {"check", "assert", "matrix"} <= set(group.commands)  # type: ignore[attr-defined]
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        assert f"netverify {name}" in doc, name
        for param in command.params:
            for opt in [*param.opts, *param.secondary_opts]:
                if opt.startswith("--") and opt != "--help":
                    assert opt in doc, f"{name} {opt} is not documented in docs/cli.md"


def _doc_commands(text: str) -> list[list[str]]:
    """`netverify …` command lines of the fenced sh blocks that run on the seed example."""
    import shlex

    commands = []
    for block in text.split("```sh")[1:]:
        body = block.split("```", 1)[0].replace("\\\n", " ")
        for line in body.splitlines():
            line = line.split("  #", 1)[0].strip()
            if line.startswith("netverify ") and "examples/seed" in line and "|" not in line:
                commands.append(shlex.split(line)[1:])
    return commands


@pytest.mark.parametrize("doc", ["README.md", "docs/cli.md"])
def test_documented_seed_commands_run(runner: CliRunner, doc: str, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    commands = _doc_commands(_doc(doc))
    assert commands, f"{doc} shows no runnable example"
    monkeypatch.chdir(ROOT)
    for argv in commands:
        argv = [str(tmp_path / "out.json") if a == "report.json" else a for a in argv]
        result = run(runner, *argv)
        assert result.exit_code in (0, 1), f"{doc}: netverify {' '.join(argv)}\n{result.output}"


def test_spec_format_examples_load() -> None:
    """Every YAML example of docs/spec-format.md is a valid spec (snippets are list items)."""
    import tempfile

    from verifier.spec import load_specs

    blocks = [b.split("```", 1)[0] for b in _doc("docs/spec-format.md").split("```yaml")[1:]]
    assert len(blocks) >= 6
    with tempfile.TemporaryDirectory() as tmp:
        for n, block in enumerate(blocks):
            text = block if block.lstrip().startswith("properties:") else "properties:\n" + block
            path = Path(tmp) / f"example{n}.yaml"
            path.write_text(text)
            assert load_specs([str(path)]), block
