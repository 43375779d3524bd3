"""Hostile input never crashes the loader, the spec parser or the CLI.

Valid documents (the seed example, its spec, and workloads and a NetworkPolicy that use
every field) are mutated by hypothesis — keys deleted or renamed, values replaced by the
wrong type (lists, mappings, numbers, booleans, null, huge and negative numbers, unicode,
deep nesting), objects and list items duplicated — serialised to YAML or JSON and loaded.
Whatever comes in, the outcome is a result or an `InputError` whose every problem is one
line with a location; through the CLI, exit code 0, 1 or 2 and never a traceback.

The runs are derandomized, so CI sees the same inputs every time. Counts: 1,500 mutated
manifests and 300 mutated YAML texts loaded directly, 200 mutated specs parsed directly,
120 mutated inputs through ``check`` and ``matrix`` (about 25 s in all on two cores).
"""

from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.paths import ROOT
from verifier.cli import app
from verifier.errors import InputError, Problem
from verifier.load import load_cluster
from verifier.spec import load_specs


def _read_all(path: Path) -> list[Any]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


SEED_DOCS: list[Any] = [d for f in sorted((ROOT / "examples" / "seed").glob("*.yaml")) for d in _read_all(f)]
SEED_SPEC: Any = yaml.safe_load((ROOT / "specs" / "seed.yaml").read_text())

_TEMPLATE: dict[str, Any] = {
    "metadata": {"labels": {"app": "web", "tier": "front"}},
    "spec": {
        "hostNetwork": False,
        "containers": [
            {
                "name": "web",
                "image": "nginx",
                "ports": [
                    {"name": "http", "containerPort": 8080, "protocol": "TCP"},
                    {"name": "dns", "containerPort": 53, "protocol": "UDP"},
                ],
            }
        ],
        "initContainers": [{"name": "init", "ports": [{"containerPort": 9000}]}],
    },
}

EXTRA_DOCS: list[Any] = [
    {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": _TEMPLATE},
    },
    {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent", "namespace": "shop"},
        "spec": {"template": _TEMPLATE},
    },
    {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "nightly", "namespace": "shop"},
        "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"parallelism": 2, "template": _TEMPLATE}}},
    },
    {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
            "minReplicas": 1,
            "maxReplicas": 5,
        },
    },
    {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web-1",
            "namespace": "shop",
            "labels": {"app": "web"},
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d", "controller": True}
            ],
        },
        "spec": {"containers": [{"name": "web", "ports": [{"name": "http", "containerPort": 8080}]}]},
        "status": {
            "phase": "Running",
            "podIP": "10.1.0.5",
            "podIPs": [{"ip": "10.1.0.5"}, {"ip": "fd00::5"}],
        },
    },
    {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "every-field", "namespace": "shop"},
        "spec": {
            "podSelector": {
                "matchLabels": {"app": "web"},
                "matchExpressions": [
                    {"key": "tier", "operator": "In", "values": ["front", "edge"]},
                    {"key": "legacy", "operator": "DoesNotExist"},
                ],
            },
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {
                    "from": [
                        {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["10.1.0.0/16", "10.2.0.0/16"]}},
                        {
                            "namespaceSelector": {
                                "matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["x"]}]
                            },
                            "podSelector": {"matchLabels": {"role": "client"}},
                        },
                    ],
                    "ports": [
                        {"protocol": "TCP", "port": 8000, "endPort": 8100},
                        {"port": "http"},
                        {"protocol": "UDP", "port": "dns"},
                    ],
                },
                {},
            ],
            "egress": [
                {"to": [{"namespaceSelector": {}}], "ports": [{"protocol": "UDP", "port": 53}]},
                {"to": [{"ipBlock": {"cidr": "fd00::/8", "except": ["fd00::/16"]}}]},
            ],
        },
    },
]

LIST_DOC: dict[str, Any] = {"apiVersion": "v1", "kind": "List", "items": copy.deepcopy(EXTRA_DOCS[:2])}

ALL_DOCS = SEED_DOCS + EXTRA_DOCS + [LIST_DOC]

# --- mutations ---------------------------------------------------------------------------

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2, 65535, 65536, 2**31, 2**63, -(2**63), 10**30]),
    st.floats(allow_nan=False, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(["", " ", "Ingress", "TCP", "10.0.0.0/8", "::/0", "ns/x", "a\nb", "é/ü", "\u2028", "{}"]),
)


def _nest(depth: int, leaf: Any) -> Any:
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


_VALUES = st.one_of(
    _SCALARS,
    st.lists(_SCALARS, max_size=3),
    st.dictionaries(st.text(max_size=6), _SCALARS, max_size=3),
    st.builds(_nest, st.integers(min_value=2, max_value=300), _SCALARS),
)


def _slots(value: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) inside `value`, depth first."""
    if isinstance(value, dict):
        for key, child in value.items():
            out.append((value, key))
            _slots(child, out)
    elif isinstance(value, list):
        for i, child in enumerate(value):
            out.append((value, i))
            _slots(child, out)
    return out


def _mutate(data: st.DataObject, docs: list[Any]) -> None:
    """Apply one mutation in place: the root list itself counts as a container."""
    slots = _slots(docs, [])
    container, key = data.draw(st.sampled_from(slots))
    op = data.draw(
        st.sampled_from(["replace", "replace", "replace", "delete", "rename", "duplicate", "wrap"])
    )
    if op == "replace":
        container[key] = data.draw(_VALUES)
    elif op == "delete":
        del container[key]
    elif op == "rename" and isinstance(container, dict):
        new = data.draw(st.sampled_from(["", "Kind", "spec ", "ports", "nämé", "items", "x"]))
        container[new] = container.pop(key)
    elif op == "duplicate" and isinstance(container, list):
        container.append(copy.deepcopy(container[key]))
    elif op == "duplicate":
        container[key] = [copy.deepcopy(container[key]), copy.deepcopy(container[key])]
    else:
        container[key] = data.draw(st.sampled_from([[container[key]], {"value": container[key]}, [None]]))


def _mutated(data: st.DataObject, base: list[Any]) -> list[Any]:
    docs = copy.deepcopy(base)
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        if docs:
            _mutate(data, docs)
    return docs


def _serialise(data: st.DataObject, docs: list[Any]) -> tuple[str, str]:
    """(text, suffix): YAML documents, a YAML list, or JSON (one array or a stream)."""
    form = data.draw(st.sampled_from(["yaml", "yaml", "yaml", "json", "json-stream"]))
    if form == "yaml":
        return yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True), ".yaml"
    if form == "json":
        return json.dumps(docs, ensure_ascii=False), ".json"
    return "\n".join(json.dumps(d) for d in docs), ".json"


def _check_problems(problems: list[Problem]) -> None:
    assert problems
    for problem in problems:
        line = str(problem)
        assert "\n" not in line and "\r" not in line and "\u2028" not in line, line
        assert problem.location.file and problem.location.line >= 1, line


def _settings(examples: int) -> settings:
    """Reproducible in CI: derandomized, no example database, no deadline."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


_MANIFEST_BASES = [
    ALL_DOCS,
    SEED_DOCS,
    EXTRA_DOCS,
    [LIST_DOC],
    [EXTRA_DOCS[-1]],
    [EXTRA_DOCS[0], EXTRA_DOCS[3]],
]


@_settings(1500)
@given(st.data())
def test_mutated_manifests_load_or_fail_with_located_lines(data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(_MANIFEST_BASES))
    text, _suffix = _serialise(data, _mutated(data, base))
    try:
        load_cluster(["-"], stdin=io.StringIO(text))
    except InputError as err:
        _check_problems(err.problems)


@pytest.fixture(scope="module")
def spec_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-specs")


def _write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


@_settings(200)
@given(st.data())
def test_mutated_specs_parse_or_fail_with_located_lines(spec_dir: Path, data: st.DataObject) -> None:
    (spec,) = _mutated(data, [SEED_SPEC])[:1] or [None]
    text, suffix = _serialise(data, [spec])
    path = _write(spec_dir, "spec" + suffix, text)
    try:
        load_specs([str(path)])
    except InputError as err:
        _check_problems(err.problems)


_LOCATED = re.compile(r"^/[^:]+:\d+:\d+: \S")


def _cli_outcome(args: list[str]) -> None:
    result = CliRunner().invoke(app, args)
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in output, output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2), (result.exit_code, output)
    if result.exit_code == 2:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert lines
        for line in lines:
            assert _LOCATED.match(line), line


@_settings(120)
@given(st.data())
def test_mutated_inputs_through_the_cli(spec_dir: Path, data: st.DataObject) -> None:
    which = data.draw(st.sampled_from(["manifest", "manifest", "spec"]))
    manifests = _mutated(data, SEED_DOCS + EXTRA_DOCS[4:]) if which == "manifest" else SEED_DOCS
    spec = _mutated(data, [SEED_SPEC]) if which == "spec" else [SEED_SPEC]
    text, suffix = _serialise(data, manifests)
    directory = spec_dir / "cli"
    directory.mkdir(exist_ok=True)
    for old in directory.iterdir():
        old.unlink()
    _write(directory, "input" + suffix, text)
    spec_text, spec_suffix = _serialise(data, spec)
    spec_path = _write(spec_dir, "cli-spec" + spec_suffix, spec_text)
    if data.draw(st.booleans()):
        _cli_outcome(["check", str(directory), "--spec", str(spec_path), "--universe", "inventory"])
    else:
        _cli_outcome(["matrix", str(directory)])


# --- text-level mutations: what no YAML serialiser would write --------------------------

_SNIPPETS = [
    "!!int abc",
    "!!bool maybe",
    "!!float x",
    "!!set {a, b}",
    "!!binary '###'",
    "!!timestamp 2020-99-99",
    "!!python/object:os.system x",
    "!custom x",
    "*undefined",
    "&a [*a]",
    "1" * 5000,
    "[" * 3000 + "]" * 3000,
    "{a: 1, a: 2}",
    "{? [a]: 1}",
    "{<<: 5}",
    "0x1F",
    "0o17",
    "1_000",
    ".inf",
    "-.nan",
    "~",
    "'\u2028'",
    '"\\0\\x1b"',
    "|\n  multi\n  line",
]


@_settings(300)
@given(st.data())
def test_mutated_yaml_text_loads_or_fails_with_located_lines(data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(_MANIFEST_BASES))
    text = yaml.safe_dump_all(copy.deepcopy(base), sort_keys=False)
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(min_value=1, max_value=2))):
        candidates = [i for i, line in enumerate(lines) if ": " in line]
        i = data.draw(st.sampled_from(candidates))
        key, _sep, _value = lines[i].partition(": ")
        lines[i] = f"{key}: {data.draw(st.sampled_from(_SNIPPETS))}"
    try:
        load_cluster(["-"], stdin=io.StringIO("\n".join(lines) + "\n"))
    except InputError as err:
        _check_problems(err.problems)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        "[" * 5_000 + "]" * 5_000,
        '{"a": ' * 5_000 + "1" + "}" * 5_000,
        '{"kind": "Pod", "kind": "Pod"}',
        "1" * 5_000,
        "\ufeff{}",
    ],
)
def test_hostile_json_text(text: str) -> None:
    try:
        load_cluster(["-"], stdin=io.StringIO(text))
    except InputError as err:
        _check_problems(err.problems)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("properties: {name: x}\n", ':1:1: properties: must be a list, got a mapping {"name": "x"}'),
        (
            "properties:\n- {name: [x], expect: deny}\n",
            ':2:3: property properties[0]: name: must be a string, got ["x"]',
        ),
        (
            "properties:\n- {name: x, expect: {deny: 1}}\n",
            ':2:3: property x: expect: invalid value {"deny": 1}',
        ),
        (
            "properties:\n- {name: x, expect: deny, from: {namespace: a}}\n",
            ":2:3: property x: from: must be a list",
        ),
        (
            "properties:\n- {name: x, expect: deny, to: [{namespace: [a]}]}\n",
            ":2:32: property x: to[0].namespace: must be",
        ),
        (
            "properties:\n- {name: x, expect: deny, to: [{pod: Bad_NS/web}]}\n",
            ':2:32: property x: to[0].pod: invalid namespace name "Bad_NS" in "Bad_NS/web"',
        ),
        (
            "properties:\n- {name: x, expect: deny, ports: [{port: [80]}]}\n",
            ":2:35: property x: ports[0].port: must be",
        ),
        ("properties:\n- {name: !!int x, expect: deny}\n", ":2:10: invalid YAML: cannot read !!int value"),
    ],
)
def test_hostile_spec_shapes(spec_dir: Path, text: str, expected: str) -> None:
    path = _write(spec_dir, "hostile.yaml", text)
    with pytest.raises(InputError) as caught:
        load_specs([str(path)])
    lines = [str(p) for p in caught.value.problems]
    assert lines[0].startswith(str(path) + expected), lines
    _check_problems(caught.value.problems)
