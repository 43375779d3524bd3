"""The docs are tested: complete (every command, option, property kind and lint ID appears in
the hand-written docs), current (docs/cli.md's reference equals what --help prints now),
runnable (every `netverify … examples/seed …` command in the docs runs without a usage error)
and truthful about formats (real output validates against docs/schemas/)."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
import typer
from typer.testing import CliRunner

from verifier.cli import app
from verifier.spec import Expect

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def gen_cli_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prose() -> str:
    """All of docs/*.md except the generated --help reference."""
    gen = gen_cli_docs()
    texts = []
    for path in sorted(DOCS.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if gen.BEGIN in text:
            head, rest = text.split(gen.BEGIN, 1)
            text = head + rest.split(gen.END, 1)[-1]
        texts.append(text)
    return "\n".join(texts)


def commands() -> dict[str, Any]:
    root: Any = typer.main.get_command(app)
    ctx = root.context_class(root, info_name="netverify")
    return {name: root.get_command(ctx, name) for name in root.list_commands(ctx)}


def test_cli_reference_is_current() -> None:
    gen = gen_cli_docs()
    current = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert gen.BEGIN in current, "docs/cli.md has no generated reference: run python scripts/gen_cli_docs.py"
    assert gen.render(current) == current, "docs/cli.md is stale: run python scripts/gen_cli_docs.py"


def test_every_command_is_documented() -> None:
    text = prose()
    missing = [name for name in commands() if not re.search(rf"netverify {re.escape(name)}\b", text)]
    assert not missing, f"commands without a section/example in docs/: {missing}"


def test_every_option_is_documented() -> None:
    text = prose()
    missing = []
    for name, command in commands().items():
        for param in command.params:
            for opt in [*param.opts, *param.secondary_opts]:
                if (
                    opt.startswith("--")
                    and opt != "--help"
                    and not re.search(rf"{re.escape(opt)}(?![\w-])", text)
                ):
                    missing.append(f"{name} {opt}")
    assert not missing, f"options missing from docs/ (outside the generated reference): {missing}"


def test_every_property_kind_is_documented() -> None:
    spec_format = (DOCS / "spec-format.md").read_text(encoding="utf-8")
    getting_started = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    for kind in Expect:
        assert f"`{kind.value}`" in spec_format, kind
        assert f"`{kind.value}`" in getting_started, kind
        assert f"property/{kind.value}" in (DOCS / "formats.md").read_text(encoding="utf-8"), kind


def lint_ids() -> list[str]:
    """The stable lint IDs (NV001 …), read from the lint module's source when it exists."""
    found: set[str] = set()
    for path in (ROOT / "verifier" / "query" / "lint.py", ROOT / "verifier" / "solve" / "lint.py"):
        if path.exists():
            found |= set(re.findall(r"\bNV\d{3}\b", path.read_text(encoding="utf-8")))
    return sorted(found)


def test_every_lint_id_is_documented() -> None:
    ids = lint_ids()
    if not ids:
        pytest.skip("no lint module (verifier/query/lint.py) yet")
    text = prose()
    missing = [i for i in ids if i not in text]
    assert not missing, f"lint IDs missing from docs/: {missing}"


def test_local_links_resolve() -> None:
    broken = []
    for path in sorted(DOCS.glob("*.md")):
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (path.parent / target).exists():
                broken.append(f"{path.name}: {target}")
    assert not broken, broken


# --- the documented commands run ------------------------------------------------------------------


def documented_seed_commands() -> list[tuple[str, list[str]]]:
    """Every single-command ``netverify …`` line in docs/*.md that runs on examples/seed."""
    found = []
    for path in sorted(DOCS.glob("*.md")):
        text = path.read_text(encoding="utf-8").replace("\\\n", " ")
        for line in text.splitlines():
            line = line.strip().removeprefix("$ ")
            if not line.startswith("netverify ") or "examples/seed" not in line:
                continue
            if any(ch in line for ch in "|<>…") or "--help" in line:
                continue
            argv = shlex.split(line.split(" #", 1)[0])[1:]
            found.append((f"{path.name}: {line}", argv))
    return found


@pytest.mark.parametrize(("where", "argv"), documented_seed_commands(), ids=lambda x: str(x)[:60])
def test_documented_command_runs(
    where: str, argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, argv)
    assert result.exit_code in (0, 1), f"{where}\n{result.output}"


def test_docs_show_commands_that_run() -> None:
    assert len(documented_seed_commands()) >= 5


# --- JSON schemas of the machine formats ------------------------------------------------------------


def schema(name: str) -> dict[str, Any]:
    doc = json.loads((DOCS / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(doc)
    return dict(doc)


def test_check_json_matches_its_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, ["check", "examples/seed", "--spec", "specs/seed.yaml", "-f", "json"])
    doc = json.loads(result.stdout)
    jsonschema.Draft202012Validator(schema("netverify.check.v1")).validate(doc)
    # The schema is not vacuous: a wrong verdict is rejected.
    doc["results"][0]["verdict"] = "proven"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema("netverify.check.v1")).validate(doc)


def test_matrix_json_matches_its_schema(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, ["matrix", "examples/seed", "--port", "6379", "-f", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    jsonschema.Draft202012Validator(schema("netverify.matrix.v1")).validate(doc)
    doc["schema"] = "netverify.matrix/v0"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema("netverify.matrix.v1")).validate(doc)
