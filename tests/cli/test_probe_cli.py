"""``netverify probe`` on the command line: each way of choosing the probes (--spec,
--property, --result, --from/--to/--port, --matrix), both formats, the output file, and the
usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tests import paths
from verifier.cli import app

GOLDEN = paths.TESTS / "report" / "golden" / "probe"


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the repository root, with relative paths as the docs write them."""
    monkeypatch.chdir(paths.ROOT)


def invoke(*argv: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["probe", *argv])
    return result.exit_code, result.output


@pytest.mark.usefixtures("in_root")
@pytest.mark.parametrize(
    ("case", "name"), [("inventory", "db-only-from-myproject"), ("any", "db-only-from-myproject-any")]
)
def test_the_script_of_one_property_is_the_golden_one(case: str, name: str) -> None:
    code, out = invoke("examples/seed", "--spec", "specs/seed.yaml", "--property", name)
    assert code == 0, out
    assert out == (GOLDEN / f"seed-{case}.sh").read_text()


@pytest.mark.usefixtures("in_root")
def test_the_violated_properties_of_a_spec(tmp_path: Path) -> None:
    target = tmp_path / "probe.sh"
    code, out = invoke("examples/seed", "--spec", "specs/seed.yaml", "-o", str(target))
    assert code == 0, out
    script = target.read_text()
    assert script.startswith("#!/usr/bin/env bash\n")
    assert "run_probe p1 allowed" in script and "run_probe p2 allowed" in script
    assert "2 probe(s), 2 pod(s) to create" in out
    code, out = invoke("examples/seed", "--spec", "specs/seed.yaml", "-o", str(target), "--quiet")
    assert code == 0 and out == ""


@pytest.mark.usefixtures("in_root")
def test_yaml_format_writes_the_manifests_then_the_script() -> None:
    code, out = invoke("examples/seed", "--spec", "specs/seed.yaml", "--format", "yaml")
    assert code == 0, out
    docs = [d for d in yaml.safe_load_all(out) if d is not None]
    assert [d["kind"] for d in docs] == ["Pod", "Pod"]
    assert "#| #!/usr/bin/env bash" in out


@pytest.mark.usefixtures("in_root")
def test_a_check_result_file(tmp_path: Path) -> None:
    result = tmp_path / "result.json"
    check = CliRunner().invoke(
        app, ["check", "examples/seed", "--spec", "specs/seed.yaml", "-f", "json", "-o", str(result)]
    )
    assert check.exit_code == 1
    code, from_file = invoke("examples/seed", "--result", str(result), "--property", "db-only-from-myproject")
    assert code == 0, from_file
    code, from_spec = invoke(
        "examples/seed", "--spec", "specs/seed.yaml", "--property", "db-only-from-myproject"
    )

    def plan_lines(script: str) -> list[str]:
        return [
            line for line in script.splitlines() if line.startswith(("spawn ", "readonly PROBE_SELECTOR"))
        ]

    assert plan_lines(from_file) == plan_lines(from_spec) and len(plan_lines(from_spec)) == 2
    result.write_text(json.dumps({"schema": "netverify.lint/v1"}))
    code, out = invoke("examples/seed", "--result", str(result))
    assert code == 2 and "netverify.check/v1" in out
    code, out = invoke("examples/seed", "--result", str(tmp_path / "missing.json"))
    assert code == 2 and "--result" in out


@pytest.mark.usefixtures("in_root")
def test_one_flow_and_a_matrix() -> None:
    code, out = invoke(
        "examples/seed",
        "--from",
        "ns:fresh,labels:app=x",
        "--to",
        "default/db",
        "--port",
        "redis/TCP",
        "--image",
        "agnhost:test",
    )
    assert code == 0, out
    assert "run_probe p1 denied yes 'created:fresh/netverify-probe-" in out
    assert "ensure_namespace 'fresh' new" in out and "image: agnhost:test" in out
    code, out = invoke("examples/seed", "--matrix", "-n", "default", "--port", "6379/TCP", "--port", "53/UDP")
    assert code == 0, out
    assert out.count("spawn run_probe ") == 2 * 3 * 2 and "PARALLEL=8" in out
    code, out = invoke("examples/seed", "--matrix", "--pod", "role", "--port", "6379", "--parallel", "2")
    assert code == 0 and out.count("spawn run_probe ") == 2 and "PARALLEL=2" in out


@pytest.mark.usefixtures("in_root")
@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ((), "exactly one of"),
        (("--spec", "specs/seed.yaml", "--matrix", "--port", "80"), "got --spec, --matrix"),
        (("--from", "default/db", "--to", "default/frontend"), "one --port"),
        (("--spec", "specs/seed.yaml", "--port", "80"), "--port goes with"),
        (("--spec", "specs/seed.yaml", "--namespace", "default"), "select the pods of --matrix"),
        (("--matrix", "--property", "x", "--port", "80"), "--property picks"),
        (("--matrix",), "at least one --port"),
        (("--matrix", "--port", "http"), "numeric ports"),
        (("--matrix", "--namespace", "nope", "--port", "80"), "no such namespace"),
        (("--spec", "specs/seed.yaml", "--property", "nope"), "no such property"),
        (("--from", "default/nope", "--to", "default/db", "--port", "80"), "no such pod"),
    ],
)
def test_usage_errors(argv: tuple[str, ...], message: str) -> None:
    code, out = invoke("examples/seed", *argv)
    assert code == 2, out
    assert message in out
