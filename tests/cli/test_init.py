"""``netverify init``: the starter spec it writes loads as a spec, its active properties hold on
the input (``check`` exits 0), and each commented-out proposal is violated as its note says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.paths import ROOT, SEED
from verifier.cli import app
from verifier.spec import load_specs


def _init(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, ["init", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _uncommented(text: str) -> str:
    """The spec with every proposal active (the commented-out ones uncommented)."""
    lines = []
    for line in text.splitlines():
        if line.startswith("  # ") and not re.match(r"  # (proposed|NOT ACTIVE)", line):
            line = "  " + line[4:]
        lines.append(line)
    return "\n".join(lines).replace("properties: []", "properties:") + "\n"


@pytest.mark.parametrize("example", [str(SEED), str(ROOT / "examples" / "guardrail" / "base")])
def test_active_proposals_hold_and_inactive_ones_are_violated(
    runner: CliRunner, tmp_path: Path, example: str
) -> None:
    text = _init(runner, example)
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    active = load_specs([str(spec)])
    assert active, text
    assert all(p.expect.value in ("deny", "reachable") for p in active)
    result = runner.invoke(app, ["check", example, "--spec", str(spec)])
    assert result.exit_code == 0, result.output

    everything = tmp_path / "all.yaml"
    everything.write_text(_uncommented(text))
    proposals = load_specs([str(everything)])
    inactive = {p.name for p in proposals} - {p.name for p in active}
    assert inactive == set(re.findall(r"# - name: (\S+)", text))
    if inactive:
        report = runner.invoke(app, ["check", example, "--spec", str(everything), "--format", "json"])
        assert report.exit_code == 1
        verdicts = {r["name"]: r["verdict"] for r in json.loads(report.stdout)["results"]}
        assert {n for n, v in verdicts.items() if v != "holds"} == inactive


def test_one_deny_and_one_reachable_per_namespace_with_policies(runner: CliRunner, tmp_path: Path) -> None:
    text = _init(runner, str(SEED))
    spec = tmp_path / "all.yaml"
    spec.write_text(_uncommented(text))
    kinds = sorted(p.expect.value for p in load_specs([str(spec)]))
    assert kinds == ["deny", "reachable"]  # the seed has policies in one namespace: default
    assert "myproject, other" in text  # namespaces with pods and no policy are named


def test_no_policies_gives_an_empty_spec_that_check_refuses_as_vacuous(
    runner: CliRunner, tmp_path: Path
) -> None:
    pods = tmp_path / "pods.yaml"
    pods.write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x}\nspec: {containers: [{name: c, image: i}]}\n"
    )
    text = _init(runner, str(pods))
    assert "properties: []" in text and "no NetworkPolicy" in text
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    result = runner.invoke(app, ["check", str(pods), "--spec", str(spec)])
    assert result.exit_code == 2 and "vacuously" in result.output


def test_output_file_is_not_overwritten_without_force(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "netverify.yaml"
    target.write_text("keep me\n")
    refused = runner.invoke(app, ["init", str(SEED), "-o", str(target)])
    assert refused.exit_code == 2 and "--force" in refused.output
    assert target.read_text() == "keep me\n"
    done = runner.invoke(app, ["init", str(SEED), "-o", str(target), "--force"])
    assert done.exit_code == 0 and target.read_text().startswith("# Starter spec")
