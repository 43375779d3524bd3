"""Quiet, readable output everywhere (issue 10, part 2): piped output never cuts a name or a
label, every command takes --quiet / --no-color / --verbose, explain accepts a workload's
name without its [Kind] when it is unambiguous, and counts are singular or plural as they should be."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.paths import DATA
from verifier.cli import app

FOLDERS = DATA / "folders"
APP = FOLDERS / "app"
LONG = "recommendation-service-worker1"  # 30 characters
LONG_LABEL = "team=observability-and-recommendations"


def run(*args: str | Path, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    # CliRunner's stdout is not a terminal: this is the piped layout. A narrow COLUMNS must not matter.
    result = CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "40", **(env or {})})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app folder, with the recommendation service also open on port 9090."""
    new = tmp_path_factory.mktemp("changed") / "app"
    shutil.copytree(APP, new)
    policies = new / "policies.yaml"
    policies.write_text(
        policies.read_text().replace("ports: [{port: 8080}]", "ports: [{port: 8080}, {port: 9090}]")
    )
    return new


def commands(changed: Path) -> dict[str, list[str | Path]]:
    spec = APP / "spec.yaml"
    return {
        "check": ["check", APP, "--spec", spec],
        "assert": ["assert", APP, "--deny", "--to-pod", "app=recommendation"],
        "matrix": ["matrix", APP],
        "matrix-port": ["matrix", APP, "--port", "8080"],
        "explain": ["explain", APP, "--from", "frontend/webapp", "--to", f"backend/{LONG}", "--port", "8080"],
        "diff": ["diff", APP, "--against", changed],
        "gate": [
            "gate",
            APP,
            "--against",
            changed,
            "--intent",
            spec,
            "--name",
            "webapp-reaches-recommendation",
        ],
        "lint": ["lint", APP],
        "exposure": ["exposure", APP, "--to-pod", "app=db"],
    }


@pytest.mark.parametrize(
    "name", ["check", "assert", "matrix", "matrix-port", "explain", "diff", "gate", "lint", "exposure"]
)
def test_piped_output_shows_long_names_whole(changed: Path, name: str) -> None:
    _, out, _ = run(*commands(changed)[name])
    assert out.strip()
    assert "…" not in out
    assert f"{LONG}[Deployment]" in out or (name in ("check", "gate") and LONG in out), out
    assert "recommendation-service-w" not in out.replace(LONG, "")  # never a cut copy of it


def test_panels_show_label_values_whole() -> None:
    code, out, _ = run("assert", APP, "--deny", "--to-pod", "app=recommendation")
    assert code == 1
    assert LONG_LABEL in out
    # Panels fit their content when piped: no line is padded out to a huge width.
    assert max(len(line) for line in out.splitlines()) < 300


def test_matrix_grid_header_does_not_wrap_when_piped() -> None:
    _, out, _ = run("matrix", APP, "--port", "8080")
    header = next(line for line in out.splitlines() if "source \\ destination" in line)
    assert header.split() == ["source", "\\", "destination", "1", "2", "3"]
    assert any(line.strip().startswith(f"2 backend/{LONG}[Deployment]") for line in out.splitlines())


@pytest.mark.parametrize(
    "name", ["check", "assert", "matrix", "matrix-port", "explain", "diff", "gate", "lint", "exposure"]
)
def test_every_command_takes_quiet_no_color_and_the_input_options(changed: Path, name: str) -> None:
    args = commands(changed)[name]
    code, _, err = run(*args)
    assert "note: skipped" in err
    quiet_code, _, quiet_err = run(*args, "--quiet", "--no-color", "--exclude", "*.json")
    assert quiet_code == code
    assert quiet_err == ""
    _, _, verbose_err = run(*args, "--verbose", env={"NO_COLOR": "1"})
    assert f"{APP / 'Chart.yaml'}: note: skipped: not a Kubernetes object" in verbose_err


def test_explain_accepts_an_unambiguous_workload_name_and_says_so() -> None:
    code, out, err = run(
        "explain", APP, "--from", "frontend/webapp", "--to", f"backend/{LONG}", "--port", "8080"
    )
    assert code == 0
    assert out.startswith(f"ALLOWED: frontend/webapp[Deployment] -> backend/{LONG}[Deployment] 8080/TCP")
    assert (
        "note: --from frontend/webapp is frontend/webapp[Deployment] (the only workload of that name)" in err
    )
    code, out, _ = run(
        "explain",
        APP,
        "--from",
        "frontend/webapp[Deployment]",
        "--to",
        "backend/db",
        "--port",
        "5432",
        "-f",
        "json",
    )
    assert code == 0
    assert json.loads(out)["flow"]["destination"]["name"] == "db[StatefulSet]"


def test_explain_names_the_candidates_of_an_ambiguous_name(tmp_path: Path) -> None:
    workloads = []
    for kind in ("Deployment", "StatefulSet"):
        workloads.append(
            f"apiVersion: apps/v1\nkind: {kind}\nmetadata: {{name: cache, namespace: n}}\n"
            "spec: {template: {metadata: {labels: {app: cache}}, spec: {containers: [{name: c, image: redis}]}}}\n"
        )
    (tmp_path / "w.yaml").write_text("---\n".join(workloads))
    code, out, err = run("explain", tmp_path, "--from", "n/cache", "--to", "10.0.0.1", "--port", "80")
    assert code == 2 and out == ""
    assert err.strip().splitlines()[-1] == (
        "error: endpoint 'n/cache' is ambiguous; name one of: n/cache[Deployment], n/cache[StatefulSet]"
    )


def test_counts_are_singular_or_plural(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: only, namespace: n}\n")
    _, out, _ = run("matrix", tmp_path, "--port", "80")
    assert "1 endpoint, 1 of 1 flow allowed" in out
