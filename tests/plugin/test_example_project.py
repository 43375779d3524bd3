"""examples/pytest-project: `pytest` in it collects every property of specs/seed.yaml as one
item, fails exactly the violated ones with their counterexamples, and passes its Python tests.

The project is run as a user runs it — `pytest` inside the folder, the plugin found through
its entry point — on a copy of the repository's layout (the project, examples/seed and
specs/seed.yaml at the same relative places), so that the run writes nothing into the
repository. The expected counts come from the spec and from netverify itself, not from
numbers written here.
"""

from __future__ import annotations

import shutil

import hypothesis  # noqa: F401 - its pytest plugin imports it in every run: keep it loaded
import pytest

import verifier.report.junit  # noqa: F401 - loaded here, so that pytester's module snapshots keep it
from tests.paths import EXAMPLES, ROOT, SEED, SEED_SPEC
from verifier import api
from verifier.results import Verdict

pytest_plugins = ["pytester"]

PROJECT = EXAMPLES / "pytest-project"


def test_the_example_project_checks_the_seed_spec(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)
    for source in (PROJECT, SEED):
        shutil.copytree(
            source, pytester.path / source.relative_to(ROOT), ignore=shutil.ignore_patterns("__pycache__")
        )
    (pytester.path / "specs").mkdir()
    shutil.copy(SEED_SPEC, pytester.path / "specs" / "seed.yaml")
    monkeypatch.chdir(pytester.path / PROJECT.relative_to(ROOT))

    result = pytester.runpytest_inprocess(
        "-W", "ignore::pytest.PytestAssertRewriteWarning", "-p", "no:cacheprovider"
    )

    properties = api.load_specs(SEED_SPEC)
    expected = api.check(api.load(SEED), properties)
    violated = {r.name: r for r in expected.results if r.verdict is Verdict.VIOLATED}
    assert len(properties) == 12  # the count; the assertions below follow the spec
    assert sorted(violated) == ["db-only-from-myproject", "db-only-from-myproject-any"]

    reports = [r for r in result.reprec.getreports("pytest_runtest_logreport") if r.when == "call"]  # type: ignore[attr-defined]
    spec_items = {
        r.nodeid.split("::", 1)[1]: r for r in reports if r.nodeid.startswith("../../specs/seed.yaml::")
    }
    python_items = [r for r in reports if r.nodeid.startswith("test_seed_policies.py::")]
    assert list(spec_items) == [p.name for p in properties]
    assert {name for name, r in spec_items.items() if r.failed} == set(violated)
    assert all(r.passed for name, r in spec_items.items() if name not in violated)
    assert python_items and all(r.passed for r in python_items)
    assert len(reports) == len(properties) + len(python_items)
    result.assert_outcomes(passed=len(reports) - len(violated), failed=len(violated))

    out = result.stdout.str()
    for name, expected_result in violated.items():
        assert expected_result.flow is not None
        failure = (
            out.split(f"netverify: {name} ", 1)[1].split("\n____", 1)[0].split("short test summary", 1)[0]
        )
        assert f"property '{name}' is violated" in failure
        assert f"counterexample (allowed): {expected_result.flow}" in failure
        assert "../seed/networkpolicy.yaml:14:5: default/test-network-policy ingress[0]" in failure
        result.stdout.fnmatch_lines([f"FAILED ../../specs/seed.yaml::{name} - property *"])
