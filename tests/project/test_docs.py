"""The docs are tested: complete (every command, option, property kind and lint ID appears in
the hand-written docs), current (docs/cli.md's reference equals what --help prints now),
right (every documented command runs on files of the repository and ends as the docs say) and
truthful about formats (real output validates against docs/schemas/).

How the docs say how a command ends. Every `netverify …` line in a fenced block of README.md
or docs/*.md (outside the generated --help reference) that runs on the repository's examples/
is a documented command; the test runs it in a scratch copy of examples/ and specs/. Its
expected outcome is written in one of two ways:

* a console transcript: the command after `$ `, the output it prints, and a last line
  `# exit code N`:

      $ netverify diff examples/seed --against examples/seed-v2 --check no-new-access
      added (allowed now, denied before): 3 region(s)
      …
      no-new-access: violated
      # exit code 1

* a trailing comment on the command line, `# exit N: VERDICT`; a description may come first
  (`# full connectivity (exit 0: 3 rules)`):

      netverify check examples/seed --spec specs/seed.yaml   # exit 1: 10 hold, 2 violated (a, b)

The exit code must be equal. The verdict is compared as *facts*, not as text: verdicts() reads
the same kinds of facts from what the docs show and from the real output, and every fact the
docs show must be in the real output. Facts: a property's verdict (a table row, `name:
violated`, or `N violated (name, …)`), the summary counts (`10 hold`, `1 error, 0 warning, 7
info`), `ALLOWED`/`DENIED`, a gate step's PASS/FAIL and `change is NOT SAFE`,
`added`/`removed: N region(s)|none`, a region list's `status: complete|truncated|inconclusive`,
lint findings (ID and severity), the matrix's counts, groups, rules and CSV rows, a JSON schema
name. Column widths, colours, timings, region order and example flows do not matter. Every
documented command needs an exit code, and every command but `matrix` (a view, not a verdict)
must show at least one verdict fact. A documented command may read only files of the
repository."""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import shutil
from dataclasses import dataclass
from itertools import pairwise, takewhile
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
import typer
from typer.testing import CliRunner

from tests.paths import ROOT, TESTS
from verifier.cli import app
from verifier.spec import Expect

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


def reference_blocks(text: str) -> dict[str, str]:
    """The generated reference's ``### `netverify NAME --help` `` sections: name -> block."""
    blocks = {}
    for match in re.finditer(r"^### `netverify (\S+) --help`\n\n```text\n(.*?)^```$", text, re.M | re.S):
        assert match.group(1) not in blocks, f"{match.group(1)} is documented twice"
        blocks[match.group(1)] = match.group(2)
    return blocks


def help_options(help_text: str) -> set[str]:
    """The option names a --help lists (``-f, --format FMT`` gives -f and --format)."""
    names = set()
    for line in help_text.splitlines():
        if re.match(r"^\s+-", line):
            head = re.split(r"\s{2,}", line.strip(), maxsplit=1)[0]
            names.update(re.findall(r"(?<![\w-])--?[A-Za-z][\w-]*", head))
    return names


def test_cli_reference_is_current() -> None:
    gen = gen_cli_docs()
    current = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert gen.BEGIN in current, "docs/cli.md has no generated reference: run python scripts/gen_cli_docs.py"
    assert gen.render(current) == current, "docs/cli.md is stale: run python scripts/gen_cli_docs.py"
    # Against the real CLI too, not only the generator: the documented commands are the app's
    # commands, and each block names every option its command's --help lists.
    blocks = reference_blocks(current.split(gen.BEGIN, 1)[1].split(gen.END, 1)[0])
    real = {name for name, command in commands().items() if not command.hidden}
    assert set(blocks) == real
    runner = CliRunner()
    for name in sorted(real):
        out = runner.invoke(app, [name, "--help"], terminal_width=gen.WIDTH)
        assert out.exit_code == 0, out.output
        listed = help_options(out.output)
        declared = {
            opt
            for param in commands()[name].params
            if not getattr(param, "hidden", False)
            for opt in [*param.opts, *param.secondary_opts]
            if opt.startswith("-")
        }
        assert declared <= listed | {"--help"}, (name, declared - listed)
        assert "--help" in listed, name
        missing = {
            opt for opt in listed if not re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", blocks[name])
        }
        assert not missing, f"docs/cli.md's `netverify {name} --help` lacks {sorted(missing)}"


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
    assert len(ids) >= 17, ids  # NV001-NV017 at least
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


# --- the documented commands run, with the exit code and the verdict the docs show (see the top) --

VERDICT = r"holds|violated|unknown|error"
# Facts at the start of a line: (pattern, key prefix). The key is the prefix and/or group k.
LINE_FACTS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            rf"^\s*(?P<k>[\w.-]+)\s+(?:allow|deny|reachable)\s+(?:any|inventory)\s+(?P<v>{VERDICT})\b"
        ),
        "",
    ),
    (re.compile(r"^(?P<v>PASS|FAIL|UNKNOWN|ERROR)\s+\((?P<k>[abc])\)"), "gate step "),
    (re.compile(r"^\s*(?P<k>S\d+(?:, S\d+)*) → (?P<v>.+?)\s*$"), "matrix rule "),
    (re.compile(r"^\s*(?P<k>[SD]\d+) {2,}(?P<v>\S.*?)\s*$"), "matrix group "),
    (re.compile(r"^\S+: (?P<k>NV\d{3}) (?P<v>error|warning|info)\b"), "lint "),
    (re.compile(r"^(?P<k>[^\s,]+,[^\s,]+,(?:TCP|UDP|SCTP)),(?P<v>[^,\s]*)"), "csv "),
]
# Facts anywhere, read with every run of whitespace made one space (line wrapping is irrelevant).
TEXT_FACTS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?P<v>\d+) (?P<k>hold|violated|unknown|error|warning|info)\b"), "count "),
    (re.compile(rf"(?P<k>[\w.-]+)(?:: no new access outside the specs)?: (?P<v>{VERDICT})\b"), ""),
    (re.compile(r"\b(?P<v>ALLOWED|DENIED)\b"), "explain"),
    (re.compile(r"\bchange is (?P<v>NOT SAFE|SAFE)\b"), "gate"),
    (re.compile(r"\b(?P<k>added|removed)(?: \([^)]*\))?:? (?P<v>none|\d+ region\(s\))"), ""),
    (re.compile(r"\b(?P<v>\d+) region\(s\)"), "regions"),
    (re.compile(r"\bstatus: (?P<v>complete|truncated|inconclusive)\b"), "status"),
    (re.compile(r"\b(?P<v>\d+) finding\(s\)"), "findings"),
    (re.compile(r"\b(?P<v>\d+) (?P<k>endpoint|source group|destination group|rule)s?\b"), "count "),
    (re.compile(r"\b(?P<v>\d+ of \d+) flows allowed\b"), "flows allowed"),
    (re.compile(r"\bnetverify\.(?P<v>[a-z]+/v\d+)\b"), "schema"),
]
NAMED = re.compile(rf"\b\d+ (?P<v>{VERDICT}) \((?P<names>[\w.,\s-]+)\)")  # `2 violated (a, b)`
EXIT = re.compile(r"#(?:.*\W)?exit(?: code)? (?P<code>\d+)\b")


def verdicts(text: str) -> set[tuple[str, str]]:
    """The verdict facts of a command's output, or of what the docs show of it."""

    def fact(prefix: str, m: re.Match[str]) -> tuple[str, str]:
        return prefix + (m.groupdict().get("k") or ""), m["v"]

    facts = {fact(p, m) for line in text.splitlines() for pat, p in LINE_FACTS if (m := pat.match(line))}
    flat = " ".join(text.split())
    facts |= {fact(p, m) for pat, p in TEXT_FACTS for m in pat.finditer(flat)}
    facts |= {(name.strip(), m["v"]) for m in NAMED.finditer(flat) for name in m["names"].split(",")}
    return facts


@dataclass(frozen=True)
class Documented:
    where: str  # "file: command line"
    argv: list[str]  # after `netverify`
    exit_code: int | None
    shown: str  # the trailing comment and the shown output: where the expected verdict is read


def doc_texts() -> list[tuple[str, str]]:
    """README.md and docs/*.md, without the generated --help reference."""
    gen = gen_cli_docs()
    texts = [("README.md", (ROOT / "README.md").read_text(encoding="utf-8"))]
    for path in sorted(DOCS.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        if gen.BEGIN in text:
            head, rest = text.split(gen.BEGIN, 1)
            text = head + rest.split(gen.END, 1)[-1]
        texts.append((path.name, text))
    return texts


def documented_commands() -> list[Documented]:
    """Every `netverify …` command of a fenced block that runs on the repository's examples/."""
    found = []
    for name, text in doc_texts():
        blocks = re.findall(r"^ *```[^\n]*\n(.*?)^ *```", text.replace("\\\n", " "), re.M | re.S)
        for block in blocks:
            lines = block.splitlines()
            for i, raw in enumerate(lines):
                line = raw.strip()
                console = line.startswith("$ ")
                line = line.removeprefix("$ ")
                command, sep, rest = line.partition(" #")
                command, comment = command.strip(), (sep + rest).strip()
                if not command.startswith("netverify ") or "examples/" not in command:
                    continue
                shown = [comment]
                if console:  # the output shown after it, up to the next command
                    shown += [*takewhile(lambda s: not s.startswith("$ "), lines[i + 1 :])]
                codes = [m["code"] for s in shown if (m := EXIT.match(s.strip()))]
                found.append(
                    Documented(
                        where=f"{name}: {line}",
                        argv=shlex.split(command)[1:],
                        exit_code=int(codes[-1]) if codes else None,
                        shown="\n".join(shown),
                    )
                )
    return found


PATH_OPTIONS = {"--spec", "-s", "--intent", "--against", "--baseline"}


def input_paths(argv: list[str]) -> list[str]:
    """The files a command reads: its positional PATHs and the values of the path options."""
    paths = list(takewhile(lambda a: not a.startswith("-"), argv[1:]))
    paths += [value for option, value in pairwise(argv) if option in PATH_OPTIONS]
    return paths


def output_files(argv: list[str]) -> list[str]:
    return [value for option, value in pairwise(argv) if option in ("--output", "-o")]


DOCUMENTED = documented_commands()


@pytest.mark.parametrize("doc", DOCUMENTED, ids=lambda d: d.where[:70])
def test_documented_command_runs(doc: Documented, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command runs on files of the repository, and ends with the exit code and verdict shown."""
    assert doc.exit_code is not None, (
        f"{doc.where}: no expected exit code: end the line with `# exit N: VERDICT`, "
        "or the shown output with `# exit code N`"
    )
    outside = [p for p in input_paths(doc.argv) if Path(p).is_absolute() or not (ROOT / p).exists()]
    assert not outside, f"{doc.where}: reads files that are not in the repository: {outside}"
    shown = verdicts(doc.shown)
    # matrix shows a relation, init writes a spec (tests/cli/test_init.py checks it), probe a
    # script (tests/report/test_probe_script.py runs it): no verdicts
    assert shown or doc.argv[0] in ("matrix", "init", "probe"), (
        f"{doc.where}: the docs show no verdict (see the top of this section)"
    )

    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, doc.argv)

    assert result.exit_code == doc.exit_code, f"{doc.where}: exit code {result.exit_code}\n{result.output}"
    real = verdicts(result.output)
    assert shown <= real, (
        f"{doc.where}: the docs show {sorted(shown - real)}, the command does not print them;\n"
        f"its verdict facts: {sorted(real)}\n{result.output}"
    )
    for out in output_files(doc.argv):
        assert (tmp_path / out).stat().st_size > 0, f"{doc.where}: wrote no {out}"


def test_docs_show_commands_that_run() -> None:
    assert len(DOCUMENTED) >= 5
    assert any(d.where.startswith("README.md") for d in DOCUMENTED)
    kinds = {d.argv[0] for d in DOCUMENTED}
    assert kinds >= {name for name in commands()}, (
        f"no runnable documented example of {set(commands()) - kinds}"
    )


TMP = "/tmp" + "/"  # spelled in two parts, so that `git grep` and this test do not find this file


def test_docs_name_no_file_outside_the_repository() -> None:
    """A fresh clone has everything the docs and tests name: nothing under /tmp."""
    files = [ROOT / "README.md", *DOCS.rglob("*.md"), *TESTS.rglob("*.py")]
    # text files only: a run of examples/pytest-project may leave __pycache__/*.pyc behind
    files += [
        p
        for d in ("examples", "specs")
        for p in (ROOT / d).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo")
    ]
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in files
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if TMP in line
    ]
    assert not offenders, offenders


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
