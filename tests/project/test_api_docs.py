"""docs/api.md is executable: every ```python block runs, from the repository root, and
asserts what the page shows (the seed's verdicts, counterexamples, counts). Every function
of `verifier.api`, every assertion helper and every option of the pytest plugin is
documented there.

Each block runs on its own (a fresh namespace: blocks import what they use), compiled with
its file name and line numbers, so that a failing example points at docs/api.md:LINE.
"""

from __future__ import annotations

import inspect
import re

import pytest

from tests.paths import ROOT
from verifier import api, testing

DOC = ROOT / "docs" / "api.md"
BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```$", re.M | re.S)


def python_blocks() -> list[tuple[int, str]]:
    """(first line, code) of every ```python block of docs/api.md."""
    text = DOC.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in BLOCK.finditer(text)]


BLOCKS = python_blocks()


def test_the_page_has_examples() -> None:
    assert len(BLOCKS) >= 15


@pytest.mark.parametrize(("line", "code"), BLOCKS, ids=[f"docs/api.md:{line}" for line, _ in BLOCKS])
def test_example_runs(line: int, code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    compiled = compile("\n" * (line - 1) + code, "docs/api.md", "exec")
    exec(compiled, {"__name__": "docs_api_example"})


def documented_names() -> set[str]:
    """Every name the python blocks call as ``api.NAME(`` or import and call."""
    code = "\n".join(code for _, code in BLOCKS)
    return set(re.findall(r"\bapi\.(\w+)\(", code)) | set(re.findall(r"\b(assert_\w+)\(", code))


def test_every_function_of_the_api_has_an_example() -> None:
    functions = [
        name
        for name in api.__all__
        if inspect.isfunction(getattr(api, name)) and getattr(api, name).__module__ == "verifier.api"
    ]
    missing = set(functions) - documented_names()
    assert not missing, f"functions of verifier.api without an example in docs/api.md: {sorted(missing)}"
    text = DOC.read_text(encoding="utf-8")
    headed = [name for name in functions if f"### `{name}(" not in text and f"`{name}(" not in text]
    assert not headed, f"functions without a section in docs/api.md: {headed}"


def test_every_assertion_helper_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in testing.__all__ if f"{name}" not in text]
    assert not missing, missing


def test_every_plugin_option_is_documented() -> None:
    source = (ROOT / "verifier" / "pytest_plugin.py").read_text(encoding="utf-8")
    options = set(re.findall(r'"(--netverify-[a-z-]+)"', source))
    inis = set(re.findall(r'addini\(\s*"(netverify_\w+)"', source))
    assert len(options) == len(inis) == 6
    text = DOC.read_text(encoding="utf-8")
    missing = [name for name in sorted(options | inis) if f"`{name}" not in text]
    assert not missing, f"pytest plugin options missing from docs/api.md: {missing}"


def test_examples_use_repository_files() -> None:
    """The examples read files of the repository, by paths relative to its root."""
    code = "\n".join(code for _, code in BLOCKS)
    paths = set(re.findall(r'"((?:examples|specs)/[^":{]*)"', code))
    assert paths
    missing = [p for p in paths if "{" not in p and not (ROOT / p).exists()]
    assert not missing, missing
