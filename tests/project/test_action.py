"""The GitHub Action (action.yml) and the pre-commit hook (.pre-commit-hooks.yaml), exercised.

The test reads both files and runs exactly what they run: the ``run:`` scripts of the
composite steps that call netverify, under bash, with ``env:`` built from the step's own
``${{ }}`` expressions (a small evaluator below implements the subset the action uses) and
the steps' ``if:`` conditions evaluated the same way; the pre-commit ``entry`` plus the
``args`` a user would configure. Exit codes, ``$GITHUB_OUTPUT``, the job summary and the
SARIF file (validated against the OASIS schema) are checked on examples/seed.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests import paths
from tests.paths import DATA, ROOT
from tests.report.test_sarif import code_scanning_problems

BIN = Path(sys.executable).parent
SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())

pytestmark = pytest.mark.skipif(
    shutil.which("netverify", path=str(BIN)) is None or shutil.which("bash") is None,
    reason="needs the netverify console script next to the test interpreter, and bash",
)

HOLDS_SPEC = paths.HOLDS_SPEC.read_text()


# --- a tiny evaluator for the GitHub expressions the action uses ---------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>&&|\|\||==|!=|!|\(|\)|,)|(?P<name>[A-Za-z_][\w.\-]*))"
)


class Context:
    """Values of ``inputs.*``, ``steps.<id>.outputs.*`` and ``github.*`` for one action run."""

    def __init__(self, inputs: dict[str, str], workdir: Path) -> None:
        self.inputs = inputs
        self.outputs: dict[str, dict[str, str]] = {}
        self.workdir = workdir

    def lookup(self, name: str) -> str:
        parts = name.split(".")
        if parts[0] == "inputs":
            return self.inputs.get(parts[1], "")
        if parts[0] == "steps" and parts[2] == "outputs":
            return self.outputs.get(parts[1], {}).get(parts[3], "")
        if name == "github.action_path":
            return str(ROOT)
        raise AssertionError(f"expression not supported by the test evaluator: {name}")

    def call(self, name: str, args: list[Any]) -> Any:
        if name == "always":
            return True
        if name == "hashFiles":
            return "hash" if all((self.workdir / a).exists() for a in args) and args else ""
        raise AssertionError(f"function not supported by the test evaluator: {name}")

    def evaluate(self, expr: str) -> Any:
        tokens = [(m.lastgroup, m.group(m.lastgroup or "")) for m in _TOKEN.finditer(expr.strip())]
        assert "".join(t[1] for t in tokens).replace(" ", "") == expr.replace(" ", ""), expr
        pos = 0

        def peek() -> str:
            return tokens[pos][1] if pos < len(tokens) else ""

        def take() -> tuple[str | None, str]:
            nonlocal pos
            pos += 1
            return tokens[pos - 1]

        def primary() -> Any:
            kind, text = take()
            if text == "(":
                value = disjunction()
                assert take()[1] == ")"
                return value
            if text == "!":
                return not primary()
            if kind == "str":
                return text[1:-1].replace("''", "'")
            if peek() == "(":
                take()
                args = []
                while peek() != ")":
                    args.append(disjunction())
                    if peek() == ",":
                        take()
                take()
                return self.call(text, args)
            return self.lookup(text)

        def comparison() -> Any:
            left = primary()
            while peek() in ("==", "!="):
                op = take()[1]
                right = primary()
                left = (str(left) == str(right)) if op == "==" else (str(left) != str(right))
            return left

        def conjunction() -> Any:
            value = comparison()
            while peek() == "&&":
                take()
                right = comparison()
                value = value and right
            return value

        def disjunction() -> Any:
            value = conjunction()
            while peek() == "||":
                take()
                right = conjunction()
                value = value or right
            return value

        result = disjunction()
        assert pos == len(tokens), expr
        return result

    def substitute(self, text: str) -> str:
        return re.sub(r"\$\{\{(.*?)\}\}", lambda m: str(self.evaluate(m.group(1))), text)


def action() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "action.yml").read_text())
    assert isinstance(data, dict)
    return data


def run_action(
    inputs: dict[str, str], tmp_path: Path, cwd: Path = ROOT
) -> tuple[Context, list[tuple[str, int]]]:
    """Run every shell step of the composite action whose ``if`` holds (in ``cwd``, the
    workspace); skip ``uses:`` steps (their conditions are still evaluated and recorded with
    code -1)."""
    spec = action()
    defaults = {name: str(i.get("default", "")) for name, i in spec["inputs"].items()}
    for name, i in spec["inputs"].items():
        assert i.get("required") or "default" in i, f"input {name} needs a default"
    ctx = Context({**defaults, **inputs}, cwd)
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    out_file, summary = tmp_path / "github_output", tmp_path / "step_summary"
    out_file.touch()
    summary.touch()
    ran = []
    for step in spec["runs"]["steps"]:
        cond = step.get("if")
        if cond is not None and not ctx.evaluate(cond):
            continue
        if "uses" in step:
            ran.append((step["name"], -1))
            continue
        assert step["shell"] == "bash"
        assert "${{" not in step["run"], "expressions belong in env:, never in the script"
        env = {
            **os.environ,
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "GITHUB_OUTPUT": str(out_file),
            "GITHUB_STEP_SUMMARY": str(summary),
            "RUNNER_TEMP": str(temp),
        }
        env.pop("NO_COLOR", None)
        env.update({k: ctx.substitute(str(v)) for k, v in (step.get("env") or {}).items()})
        out_file.write_text("")
        # GitHub runs composite bash steps as `bash --noprofile --norc -eo pipefail {0}`.
        proc = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0 or "netverify" in step["run"], proc.stderr
        ran.append((step["name"], proc.returncode))
        if "id" in step:
            pairs = (line.split("=", 1) for line in out_file.read_text().splitlines() if "=" in line)
            ctx.outputs[step["id"]] = dict(pairs)
    return ctx, ran


def validate_sarif(path: Path) -> dict[str, Any]:
    """The SARIF file, validated against the OASIS schema and code scanning's own rules."""
    doc = json.loads(path.read_text())
    cls = jsonschema.validators.validator_for(SCHEMA)
    cls(SCHEMA, format_checker=cls.FORMAT_CHECKER).validate(doc)
    assert code_scanning_problems(doc) == []
    return dict(doc)


def test_action_on_the_seed_fails_on_the_violated_properties(tmp_path: Path) -> None:
    sarif, junit = tmp_path / "out.sarif", tmp_path / "junit.xml"
    inputs = {
        "paths": "examples/seed",
        "specs": "specs/seed.yaml",
        "sarif-file": str(sarif),
        "junit-file": str(junit),
        "install": "skip",
    }
    ctx, ran = run_action(inputs, tmp_path)
    steps = dict(ran)
    assert "Install netverify" not in steps and "Set up Python" not in steps  # install: skip
    assert ctx.outputs["check"]["exit-code"] == "1"
    assert steps["Check properties"] == 0  # the check step itself records, never fails
    assert steps["Upload SARIF to code scanning"] == -1  # would upload: the file exists
    assert steps["Fail on violated properties"] == 1
    doc = validate_sarif(sarif)
    assert {r["properties"]["property"] for r in doc["runs"][0]["results"]} == {
        "db-only-from-myproject",
        "db-only-from-myproject-any",
    }
    summary = (tmp_path / "step_summary").read_text()
    assert summary.startswith("## ❌ netverify check: 2 violated (of 12 properties)")
    assert "<testsuites" in junit.read_text()


def test_action_passes_when_every_property_holds(tmp_path: Path) -> None:
    spec = tmp_path / "holds.yaml"
    spec.write_text(HOLDS_SPEC)
    sarif = tmp_path / "ok.sarif"
    inputs = {
        "paths": "examples/seed/namespaces.yaml\nexamples/seed/pods.yaml examples/seed/networkpolicy.yaml",
        "specs": str(spec),
        "sarif-file": str(sarif),
        "install": "skip",
        "args": "--strict --timeout 30",
        "universe": "any",
    }
    ctx, ran = run_action(inputs, tmp_path)
    assert ctx.outputs["check"]["exit-code"] == "0"
    assert "Fail on violated properties" not in dict(ran)
    assert validate_sarif(sarif)["runs"][0]["results"] == []
    assert "all 2 properties hold" in (tmp_path / "step_summary").read_text()


def test_action_reports_bad_input_with_exit_code_2(tmp_path: Path) -> None:
    sarif = tmp_path / "none.sarif"
    inputs = {
        "paths": "does/not/exist",
        "specs": "specs/seed.yaml",
        "sarif-file": str(sarif),
        "install": "skip",
    }
    ctx, ran = run_action(inputs, tmp_path)
    assert ctx.outputs["check"]["exit-code"] == "2"
    steps = dict(ran)
    assert "Upload SARIF to code scanning" not in steps  # nothing to upload
    assert steps["Fail on violated properties"] == 2
    assert not sarif.exists()


def test_action_installs_from_its_own_checkout() -> None:
    (install,) = [s for s in action()["runs"]["steps"] if s.get("name") == "Install netverify"]
    assert install["env"]["NV_ACTION_PATH"] == "${{ github.action_path }}"
    assert 'pip install --quiet "$NV_ACTION_PATH"' in install["run"]
    assert (ROOT / "pyproject.toml").is_file()  # the action path is an installable project
    (upload,) = [s for s in action()["runs"]["steps"] if "upload-sarif" in s.get("uses", "")]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")


# --- the baseline: check --baseline and the diff summary ------------------------------------------

ALLOW_SPEC = """\
properties:
  - name: frontend-reaches-db
    expect: allow
    from: [{namespace: default, podSelector: {matchLabels: {role: frontend}}}]
    to: [{namespace: default, podSelector: {matchLabels: {role: db}}}]
    ports: [{port: 6379, protocol: TCP}]
"""


def _baseline_results(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in doc["runs"][0]["results"] if r["ruleId"] == "baseline/new-access"]


def test_action_baseline_path_fails_on_new_access_and_writes_the_diff(tmp_path: Path) -> None:
    # seed-v2 opens TCP 6380 on the db (and DNS egress); the only spec asks for 6379 from the
    # frontend, so the 6380 access is new and outside every allow scope.
    spec = tmp_path / "allow.yaml"
    spec.write_text(ALLOW_SPEC)
    sarif = tmp_path / "b.sarif"
    inputs = {
        "paths": "examples/seed-v2",
        "specs": str(spec),
        "baseline": "examples/seed",
        "sarif-file": str(sarif),
        "install": "skip",
    }
    ctx, ran = run_action(inputs, tmp_path)
    steps = dict(ran)
    assert ctx.outputs["baseline"]["paths"] == "examples/seed"
    assert ctx.outputs["check"]["exit-code"] == "1"
    assert steps["Semantic diff against the baseline"] == 0
    assert steps["Fail on violated properties"] == 1
    (result,) = _baseline_results(validate_sarif(sarif))
    assert result["properties"]["counterexample"]["port"] != 6379 or (
        result["properties"]["counterexample"]["source"]["labels"].get("role") != "frontend"
    )
    summary = (tmp_path / "step_summary").read_text()
    assert "baseline: no new access outside the specs" in summary
    assert "## ⚠️ netverify diff:" in summary and "added (allowed now, denied before)" in summary


def test_action_without_baseline_runs_no_diff_step(tmp_path: Path) -> None:
    spec = tmp_path / "allow.yaml"
    spec.write_text(ALLOW_SPEC)
    inputs = {
        "paths": "examples/seed",
        "specs": str(spec),
        "sarif-file": str(tmp_path / "x.sarif"),
        "install": "skip",
    }
    ctx, ran = run_action(inputs, tmp_path)
    assert "Resolve the baseline" not in dict(ran) and "Semantic diff against the baseline" not in dict(ran)
    assert ctx.outputs["check"]["exit-code"] == "0"
    assert "netverify diff" not in (tmp_path / "step_summary").read_text()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_action_baseline_git_ref_extracts_the_old_manifests(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "k8s").mkdir(parents=True)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]
    for f in ("namespaces.yaml", "pods.yaml", "networkpolicy.yaml"):
        shutil.copy(ROOT / "examples" / "seed" / f, repo / "k8s" / f)
    (repo / "allow.yaml").write_text(ALLOW_SPEC)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "v1"], cwd=repo, check=True)
    subprocess.run([*git, "tag", "v1"], cwd=repo, check=True)
    shutil.copy(ROOT / "examples" / "seed-v2" / "networkpolicy.yaml", repo / "k8s" / "networkpolicy.yaml")
    sarif = tmp_path / "g.sarif"
    inputs = {
        "paths": "k8s",
        "specs": "allow.yaml",
        "baseline": "v1",
        "sarif-file": str(sarif),
        "install": "skip",
    }
    ctx, _ = run_action(inputs, tmp_path, cwd=repo)
    old = Path(ctx.outputs["baseline"]["paths"])
    assert old.name == "k8s" and old.parent.name == "netverify-baseline"
    assert (old / "networkpolicy.yaml").read_text() == (ROOT / "examples/seed/networkpolicy.yaml").read_text()
    assert ctx.outputs["check"]["exit-code"] == "1"
    assert len(_baseline_results(validate_sarif(sarif))) == 1
    # Against itself (HEAD == the tag's content) nothing is new: the baseline holds.
    subprocess.run([*git, "commit", "-qam", "v2"], cwd=repo, check=True)
    inputs["baseline"] = "HEAD"
    (tmp_path / "runner-temp").rename(tmp_path / "runner-temp-1")
    ctx, _ = run_action(inputs, tmp_path, cwd=repo)
    assert ctx.outputs["check"]["exit-code"] == "0"
    assert "## ✅ netverify diff: no flow changed (proved)" in (tmp_path / "step_summary").read_text()


def _git_repo(tmp_path: Path) -> tuple[Path, list[str]]:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return repo, git


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_action_baseline_git_ref_path_added_by_the_pr_is_an_empty_baseline(tmp_path: Path) -> None:
    # The ref has k8s/ (namespaces and pods) but not policies/, which the pull request adds:
    # `git archive REF -- k8s policies` would fail ("pathspec did not match"); the missing path
    # must be an empty baseline instead, with the present one still extracted.
    repo, git = _git_repo(tmp_path)
    (repo / "k8s").mkdir()
    for f in ("namespaces.yaml", "pods.yaml"):
        shutil.copy(ROOT / "examples" / "seed" / f, repo / "k8s" / f)
    (repo / "allow.yaml").write_text(ALLOW_SPEC)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=repo, check=True)
    (repo / "policies").mkdir()
    shutil.copy(ROOT / "examples" / "seed" / "networkpolicy.yaml", repo / "policies" / "networkpolicy.yaml")
    sarif = tmp_path / "pr.sarif"
    inputs = {
        "paths": "k8s policies",
        "specs": "allow.yaml",
        "baseline": "HEAD",
        "sarif-file": str(sarif),
        "install": "skip",
    }
    ctx, ran = run_action(inputs, tmp_path, cwd=repo)
    steps = dict(ran)
    assert steps["Resolve the baseline"] == 0
    old = [Path(p) for p in ctx.outputs["baseline"]["paths"].split()]
    assert [p.name for p in old] == ["k8s", "policies"]
    assert sorted(f.name for f in old[0].iterdir()) == ["namespaces.yaml", "pods.yaml"]
    assert old[1].is_dir() and not any(old[1].iterdir())  # empty: no objects
    # No policy before: everything was allowed, so the new policy adds no access.
    assert ctx.outputs["check"]["exit-code"] == "0", steps
    assert steps["Semantic diff against the baseline"] == 0
    doc = validate_sarif(sarif)
    assert _baseline_results(doc) == []
    summary = (tmp_path / "step_summary").read_text()
    assert "## ✅ netverify check" in summary and "removed (denied now, allowed before)" in summary


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_action_baseline_git_ref_without_any_of_the_paths(tmp_path: Path) -> None:
    repo, git = _git_repo(tmp_path)
    (repo / "README").write_text("nothing here yet\n")
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "empty"], cwd=repo, check=True)
    (repo / "k8s").mkdir()
    for f in ("namespaces.yaml", "pods.yaml", "networkpolicy.yaml"):
        shutil.copy(ROOT / "examples" / "seed" / f, repo / "k8s" / f)
    (repo / "allow.yaml").write_text(ALLOW_SPEC)
    inputs = {
        "paths": "k8s/",
        "specs": "allow.yaml",
        "baseline": "HEAD",
        "sarif-file": str(tmp_path / "new.sarif"),
        "install": "skip",
    }
    ctx, ran = run_action(inputs, tmp_path, cwd=repo)
    assert dict(ran)["Resolve the baseline"] == 0
    (old,) = [Path(p) for p in ctx.outputs["baseline"]["paths"].split()]
    assert old.is_dir() and not any(old.iterdir())
    assert ctx.outputs["check"]["exit-code"] == "0"
    validate_sarif(tmp_path / "new.sarif")
    # A ref that does not exist is still an error, not an empty baseline.
    inputs["baseline"] = "no-such-ref"
    (tmp_path / "runner-temp").rename(tmp_path / "runner-temp-1")
    ctx, ran = run_action(inputs, tmp_path, cwd=repo)
    assert dict(ran)["Resolve the baseline"] != 0


# --- pre-commit -------------------------------------------------------------------------------------


def hooks() -> list[dict[str, Any]]:
    data = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert isinstance(data, list) and data
    return data


@pytest.mark.parametrize(("spec_text", "expected"), [(None, 1), (HOLDS_SPEC, 0)])
def test_pre_commit_hook_runs_check(tmp_path: Path, spec_text: str | None, expected: int) -> None:
    spec = "specs/seed.yaml"
    if spec_text is not None:
        (tmp_path / "spec.yaml").write_text(spec_text)
        spec = str(tmp_path / "spec.yaml")
    for hook in hooks():
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert hook["pass_filenames"] is False  # properties need the whole policy set
        files = re.compile(hook["files"])
        assert files.search("examples/seed/networkpolicy.yaml") and files.search("specs/seed.yaml")
        assert not files.search("README.md")
        args = ["examples/seed", "--spec", spec]  # what a user puts under `args:`
        argv = shlex.split(hook["entry"]) + args
        assert argv[0] == "netverify"
        env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
        proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == expected, proc.stdout + proc.stderr
        if expected == 1:
            assert "db-only-from-myproject" in proc.stdout  # the reviewer sees the counterexample
