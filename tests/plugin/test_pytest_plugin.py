"""The pytest plugin, loaded by a real pytest run through its ``pytest11`` entry point.

Each test writes a small project (the seed's manifests, a spec file, a pytest.ini) with
pytest's own ``pytester`` and runs pytest in-process on it: properties that hold pass, a
violated one fails with its counterexample and rules, ``unknown`` (a deterministic solver
budget, ``--netverify-rlimit 1``) is a skip or — strict — a failure, a broken spec or
manifest is a collection error at its ``file:line:col``, JUnit carries the properties, and
without configuration the plugin collects nothing.
"""

from __future__ import annotations

import importlib.metadata
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import hypothesis  # noqa: F401 - its pytest plugin imports it in every run: keep it loaded
import pytest

import verifier.api
import verifier.pytest_plugin
import verifier.report.junit  # loaded here, so that pytester's module snapshots keep them
from tests.paths import SEED

pytest_plugins = ["pytester"]

SPEC = """\
properties:
  - name: frontend-reaches-db
    expect: allow
    from: [{namespace: default, podSelector: {matchLabels: {role: frontend}}}]
    to: [{namespace: default, podSelector: {matchLabels: {role: db}}}]
    ports: [{port: 6379, protocol: TCP}]
  - name: other-cannot-reach-db
    expect: deny
    from: [{namespace: other}]
    to: [{namespace: default, podSelector: {matchLabels: {role: db}}}]
  - name: db-only-from-myproject
    description: No pod outside project=myproject reaches the db
    expect: deny
    from:
      - namespaceSelector: {matchExpressions: [{key: project, operator: NotIn, values: [myproject]}]}
    to: [{namespace: default, podSelector: {matchLabels: {role: db}}}]
    ports: [{port: 6379, protocol: TCP}]
"""
HOLDING = ["frontend-reaches-db", "other-cannot-reach-db"]
VIOLATED_LINE = 11  # `- name: db-only-from-myproject`

BROKEN_SPEC = """\
properties:
  - name: typo
    expect: forbid
    to:
      - podSelector: {matchExpressions: [{key: a, operator: Notin, values: [b]}]}
"""

PYTHON_TESTS = """\
from verifier.testing import assert_allowed, assert_denied, assert_reachable


def test_other_is_denied(netverify_cluster):
    assert_denied(netverify_cluster(), src="ns:other", dst="ns:default/role=db", port=6379)


def test_frontend_is_allowed_and_db_reaches_the_backup(netverify_cluster):
    cluster = netverify_cluster("manifests")
    assert_allowed(cluster, src="ns:default/role=frontend", dst="ns:default/role=db", port=6379)
    assert assert_reachable(cluster, src="pod:default/db", dst="10.0.0.0/24", port="5978/TCP").flow


def test_frontend_is_denied(netverify_cluster):
    assert_denied(netverify_cluster(), src="role=frontend", dst="ns:default/role=db", port=6379)
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """pytest in-process on the project. The outer run has imported (and could not rewrite)
    `verifier` already, which only a run inside a run meets: that warning is left out."""
    return pytester.runpytest_inprocess("-W", "ignore::pytest.PytestAssertRewriteWarning", *args)


@pytest.fixture(autouse=True)
def _autoload(monkeypatch: pytest.MonkeyPatch) -> None:
    """The plugin is found through its entry point, as in a user's environment."""
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.delenv("PYTEST_ADDOPTS", raising=False)


@pytest.fixture
def project(pytester: pytest.Pytester) -> Path:
    """manifests/ (the seed), specs/policy.yaml and an ini file naming both."""
    shutil.copytree(SEED, pytester.path / "manifests")
    (pytester.path / "specs").mkdir()
    (pytester.path / "specs" / "policy.yaml").write_text(SPEC)
    pytester.makeini("[pytest]\nnetverify_manifests = manifests\nnetverify_specs = specs/policy.yaml\n")
    return pytester.path


def test_the_entry_point_names_the_plugin() -> None:
    (entry,) = [e for e in importlib.metadata.entry_points(group="pytest11") if e.name == "netverify"]
    assert entry.load() is verifier.pytest_plugin


def test_each_property_is_an_item_named_after_it(pytester: pytest.Pytester, project: Path) -> None:
    result = run(pytester, "--collect-only", "-q")
    assert result.ret == pytest.ExitCode.OK
    names = [line for line in result.outlines if "::" in line]
    assert names == [f"specs/policy.yaml::{name}" for name in [*HOLDING, "db-only-from-myproject"]]


def test_holding_properties_pass_and_a_violated_one_fails_with_its_counterexample(
    pytester: pytest.Pytester, project: Path
) -> None:
    result = run(pytester, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    out = result.stdout.str()
    assert "netverify: specs specs/policy.yaml; manifests manifests" in out  # the header
    failure = out.split("netverify: db-only-from-myproject", 1)[1].split("short test summary", 1)[0]
    for line in [
        "property 'db-only-from-myproject' is violated",
        "No pod outside project=myproject reaches the db",
        "expect: deny   universe: inventory",
        "counterexample (allowed): default/frontend (172.17.1.20) -> default/db (172.17.1.10) 6379/TCP",
        "labels         role=frontend",
        "rules involved:",
        "manifests/networkpolicy.yaml:14:5: default/test-network-policy ingress[0]",
        "ingress at the destination: allowed by default/test-network-policy ingress[0]",
        f"property defined at specs/policy.yaml:{VIOLATED_LINE}:5",
    ]:
        assert line in failure, line
    assert "Traceback" not in failure and "pytest_plugin.py" not in failure
    result.stdout.fnmatch_lines(["FAILED specs/policy.yaml::db-only-from-myproject - property *"])


def test_keyword_selection_decides_only_the_selected_properties(
    pytester: pytest.Pytester, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decided: list[list[str]] = []
    check = verifier.api.check

    def spy(cluster: verifier.api.Cluster, properties: list[verifier.api.Property], **kw: object) -> object:
        decided.append([p.name for p in properties])
        return check(cluster, properties, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(verifier.api, "check", spy)
    result = run(pytester, "-k", "reach")
    result.assert_outcomes(passed=2, deselected=1)
    assert decided == [HOLDING]  # one analysis for the run, the deselected property not in it


def test_unknown_is_a_skip_with_the_reason(pytester: pytest.Pytester, project: Path) -> None:
    result = run(pytester, "--netverify-rlimit", "1", "-rs")
    result.assert_outcomes(skipped=3)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(
        [
            f"SKIPPED [[]1[]] specs/policy.yaml:{VIOLATED_LINE}: netverify: inconclusive, not a proof "
            "either way: solver: max. resource limit exceeded"
        ]
    )


def test_unknown_fails_under_strict(pytester: pytest.Pytester, project: Path) -> None:
    result = run(pytester, "--netverify-rlimit", "1", "--netverify-strict")
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(["*property 'frontend-reaches-db' is unknown (inconclusive, not a proof*"])


def test_strict_and_the_solver_budget_from_the_ini_file(pytester: pytest.Pytester, project: Path) -> None:
    ini = (project / "tox.ini").read_text().rstrip("\n")
    pytester.makeini(ini + "\nnetverify_strict = true\nnetverify_rlimit = 1\nnetverify_timeout = 30\n")
    run(pytester).assert_outcomes(failed=3)


def test_a_broken_spec_is_a_collection_error_at_file_line(pytester: pytest.Pytester, project: Path) -> None:
    (project / "specs" / "policy.yaml").write_text(BROKEN_SPEC)
    result = run(pytester)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting specs/policy.yaml*",
            'specs/policy.yaml:2:5: property typo: expect: invalid value "forbid" (expected deny or allow or reachable)',
            "specs/policy.yaml:5:42: property typo: to[0].podSelector.matchExpressions[0].operator: "
            'unknown operator "Notin" (expected In, NotIn, Exists or DoesNotExist)',
            "*Interrupted: 1 error during collection*",
        ]
    )


def test_a_missing_spec_file_is_a_collection_error(pytester: pytest.Pytester, project: Path) -> None:
    (project / "specs" / "policy.yaml").unlink()
    result = run(pytester)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["specs/policy.yaml: no such file or directory"])


def test_broken_manifests_are_a_collection_error_at_file_line(
    pytester: pytest.Pytester, project: Path
) -> None:
    policy = project / "manifests" / "networkpolicy.yaml"
    policy.write_text(policy.read_text().replace("role: db", "role: 7", 1))
    result = run(pytester)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(
        ["manifests/networkpolicy.yaml:*: NetworkPolicy default/test-network-policy: spec.podSelector*"]
    )


def test_junit_carries_every_property(pytester: pytest.Pytester, project: Path) -> None:
    result = run(pytester, "--junitxml=junit.xml")
    result.assert_outcomes(passed=2, failed=1)
    cases = {case.get("name"): case for case in ET.parse(project / "junit.xml").getroot().iter("testcase")}
    assert list(cases) == [*HOLDING, "db-only-from-myproject"]
    assert {case.get("classname") for case in cases.values()} == {"specs.policy.yaml"}
    failure = cases["db-only-from-myproject"].find("failure")
    assert failure is not None
    assert "default/frontend (172.17.1.20) -> default/db (172.17.1.10) 6379/TCP" in failure.get("message", "")
    assert "manifests/networkpolicy.yaml:14:5" in (failure.text or "")
    properties = {
        name: {p.get("name"): p.get("value") for p in case.iter("property")} for name, case in cases.items()
    }
    assert properties["frontend-reaches-db"] == {
        "netverify.verdict": "holds",
        "netverify.expect": "allow",
        "netverify.universe": "inventory",
    }
    assert properties["db-only-from-myproject"]["netverify.verdict"] == "violated"
    assert properties["db-only-from-myproject"]["netverify.flow"].startswith("default/frontend")


def test_the_universe_option_is_the_default_of_properties_without_one(
    pytester: pytest.Pytester, project: Path
) -> None:
    result = run(pytester, "--netverify-universe", "any")
    result.assert_outcomes(passed=1, failed=2)  # a new pod in `other` may reach the db
    result.stdout.fnmatch_lines(["FAILED specs/policy.yaml::other-cannot-reach-db - *"])


def test_specs_from_the_command_line_and_pyproject(pytester: pytest.Pytester) -> None:
    shutil.copytree(SEED, pytester.path / "k8s")
    (pytester.path / "policy.yaml").write_text(SPEC)
    pytester.makepyprojecttoml('[tool.pytest.ini_options]\nnetverify_manifests = ["k8s"]\n')
    run(pytester, "--netverify-specs", "policy.yaml").assert_outcomes(passed=2, failed=1)
    run(
        pytester, "--netverify-specs", "policy.yaml", "--netverify-manifests", "k8s/networkpolicy.yaml"
    ).assert_outcomes(passed=1, failed=2)  # no pods: every property is in the `any` universe


def test_python_tests_with_the_fixture_and_the_assert_helpers(
    pytester: pytest.Pytester, project: Path
) -> None:
    pytester.makepyfile(test_policies=PYTHON_TESTS)
    result = run(pytester, "test_policies.py")
    result.assert_outcomes(passed=2, failed=1)  # the spec is not collected: paths were given
    out = result.stdout.str()
    failure = out.split("test_frontend_is_denied", 1)[1]
    for line in [
        "E       AssertionError: property 'deny podSelector role=frontend -> namespace default AND "
        "podSelector role=db on 6379/TCP' is violated",
        "E       counterexample (allowed): default/frontend (172.17.1.20) -> default/db (172.17.1.10) 6379/TCP",
        "E         manifests/networkpolicy.yaml:14:5: default/test-network-policy ingress[0]",
        "E       property defined at test_policies.py:15:1",
        "test_policies.py:15: AssertionError",
    ]:
        assert line in failure, line
    assert "testing.py" not in failure  # the helpers hide their own frames


def test_explicit_paths_leave_out_configured_specs_unless_named(
    pytester: pytest.Pytester, project: Path
) -> None:
    pytester.makepyfile(test_policies=PYTHON_TESTS)
    run(pytester).assert_outcomes(passed=4, failed=2)  # no paths: everything
    run(pytester, "specs/policy.yaml").assert_outcomes(passed=2, failed=1)
    run(pytester, "specs").assert_outcomes(passed=2, failed=1)
    both = run(pytester, "test_policies.py", "--netverify-specs", "specs/policy.yaml")
    both.assert_outcomes(passed=4, failed=2)


def test_a_spec_inside_the_test_paths_is_collected_once(pytester: pytest.Pytester, project: Path) -> None:
    result = run(pytester, "--collect-only", "-q", ".")
    assert result.ret == pytest.ExitCode.OK
    assert len([line for line in result.outlines if "::" in line]) == 3
    pytester.makeini(
        "[pytest]\ntestpaths = specs\nnetverify_manifests = manifests\nnetverify_specs = specs/policy.yaml\n"
    )
    result = run(pytester, "--collect-only", "-q")
    assert len([line for line in result.outlines if "::" in line]) == 3


def test_specs_outside_the_rootdir(pytester: pytest.Pytester) -> None:
    """The sample project's layout: the specs and manifests live beside the test project."""
    shutil.copytree(SEED, pytester.path / "seed")
    (pytester.path / "specs").mkdir()
    (pytester.path / "specs" / "policy.yaml").write_text(SPEC)
    tests = pytester.mkdir("tests")
    (tests / "pytest.ini").write_text(
        "[pytest]\nnetverify_manifests = ../seed\nnetverify_specs = ../specs/policy.yaml\n"
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tests)
        result = run(pytester, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["FAILED ../specs/policy.yaml::db-only-from-myproject - *"])
    assert "../seed/networkpolicy.yaml:14:5" in result.stdout.str()


def test_inert_without_configuration(pytester: pytest.Pytester) -> None:
    (pytester.path / "policy.yaml").write_text(SPEC)
    pytester.makepyfile(test_one="def test_one():\n    pass\n")
    result = run(pytester, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "netverify:" not in result.stdout.str()
    assert "policy.yaml" not in result.stdout.str()


def test_the_fixture_needs_paths_without_configuration(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_one="def test_one(netverify_cluster):\n    netverify_cluster()\n")
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*netverify_cluster(): give the manifest paths, or set netverify_manifests*"]
    )


@pytest.mark.parametrize(
    ("ini", "message"),
    [
        ("netverify_specs = specs/policy.yaml\n", "*spec files are configured but no manifests*"),
        (
            "netverify_universe = everything\n",
            "*netverify_universe = 'everything': expected inventory or any*",
        ),
        ("netverify_rlimit = lots\n", "*netverify_rlimit = 'lots': not a number*"),
    ],
)
def test_configuration_errors_are_usage_errors(pytester: pytest.Pytester, ini: str, message: str) -> None:
    pytester.makeini("[pytest]\n" + ini)
    result = run(pytester)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
