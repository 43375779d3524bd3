"""``--kube`` on the commands and ``netverify snapshot``, end to end through the CLI, the real
``kubernetes`` client and the fake API server of tests/load/test_kube.py (seed payloads): the
live read answers as the seed files do, a snapshot loaded back gives the same matrix as the
live read, and every failure is one line on stderr with exit 2."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from tests.load.test_kube import Behaviour, FakeApiServer, closed_port, seed_items, write_kubeconfig
from tests.paths import ROOT
from verifier.cli import app

pytest.importorskip("kubernetes")

SEED = str(ROOT / "examples" / "seed")
SPEC = str(ROOT / "specs" / "seed.yaml")


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[Any]:
    """fake(**options) → kubeconfig path of a fake API server serving the seed."""
    started: list[FakeApiServer] = []

    def start(**options: Any) -> Path:
        server = FakeApiServer(seed_items(), **options).start()
        started.append(server)
        return write_kubeconfig(tmp_path / f"kubeconfig-{len(started)}", server.url)

    yield start
    for server in started:
        server.stop()


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


LOCATION = re.compile(r"([^\s(]*examples/seed/[\w.-]+\.yaml:\d+:\d+|kube:fake/[\w./-]+)")


def same(text: str) -> str:
    """Output with the timings and the object locations (file:line:col or kube:…) made equal."""
    return LOCATION.sub("<location>", re.sub(r"\d+\.\d\d s\b", "<t> s", text))


def without_warnings(json_text: str) -> dict[str, Any]:
    """A JSON report without its warnings (the live read adds a note about absent tier CRDs)."""
    data: dict[str, Any] = json.loads(json_text)
    data.pop("warnings", None)
    return data


def test_matrix_live_equals_matrix_of_the_files(fake: Any) -> None:
    config = fake()
    live = run("matrix", "--kubeconfig", str(config))
    files = run("matrix", SEED)
    assert live.exit_code == files.exit_code == 0, live.output
    assert live.stdout == files.stdout
    port = run("matrix", "--kube", "--kubeconfig", str(config), "--port", "6379", "-f", "csv")
    assert port.stdout == run("matrix", SEED, "--port", "6379", "-f", "csv").stdout


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_snapshot_then_matrix_offline_equals_the_live_matrix(fake: Any, tmp_path: Path, suffix: str) -> None:
    config = fake()
    out = tmp_path / f"snapshot.{suffix}"
    result = run("snapshot", "--kube", "--kubeconfig", str(config), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "snapshot: 10 objects (3 Namespace, 1 NetworkPolicy, 6 Pod) from context fake" in result.stderr
    assert "they load as 6 endpoints, 1 NetworkPolicy" in result.stderr
    document = json.loads(out.read_text()) if suffix == "json" else yaml.safe_load(out.read_text())
    assert (document["apiVersion"], document["kind"], len(document["items"])) == ("v1", "List", 10)
    how = json.loads(document["metadata"]["annotations"]["netverify.io/snapshot"])
    assert how["context"] == "fake" and how["namespaces"] == "all"
    offline = run("matrix", str(out))
    live = run("matrix", "--kubeconfig", str(config))
    assert offline.exit_code == live.exit_code == 0
    assert offline.stdout == live.stdout
    offline_json = run("matrix", str(out), "-f", "json").stdout
    live_json = run("matrix", "--kube", "--kubeconfig", str(config), "-f", "json").stdout
    assert without_warnings(offline_json) == without_warnings(live_json)


def test_snapshot_to_stdout_is_yaml(fake: Any) -> None:
    result = run("snapshot", "--kubeconfig", str(fake()), "-q")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert yaml.safe_load(result.stdout)["kind"] == "List"


def test_snapshot_of_files(tmp_path: Path) -> None:
    out = tmp_path / "seed.yaml"
    result = run("snapshot", SEED, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert run("matrix", str(out)).stdout == run("matrix", SEED).stdout


def test_check_live_gives_the_seed_verdicts(fake: Any) -> None:
    config = fake()
    live = run("check", "--kubeconfig", str(config), "--spec", SPEC, "-f", "json")
    files = run("check", SEED, "--spec", SPEC, "-f", "json")
    assert live.exit_code == files.exit_code == 1
    verdicts = [(p["name"], p["verdict"]) for p in json.loads(live.stdout)["results"]]
    assert verdicts == [(p["name"], p["verdict"]) for p in json.loads(files.stdout)["results"]]
    assert [v for _, v in verdicts].count("violated") == 2


def test_diff_live_cluster_is_the_old_side(fake: Any) -> None:
    config = fake()
    new = str(ROOT / "examples" / "seed-v2")
    live = run("diff", "--kube", "--kubeconfig", str(config), "--against", new)
    files = run("diff", SEED, "--against", new)
    assert live.exit_code == files.exit_code
    assert same(live.stdout) == same(files.stdout)


@pytest.mark.parametrize(
    "args",
    [
        ["explain", "--from", "default/frontend", "--to", "default/db", "--port", "6379"],
        ["exposure", "--to-pod", "role=db"],
        ["lint", "--fail-on", "never"],
        ["assert", "--deny", "--from-ns", "project=other", "--to-pod", "role=db", "--port", "6379"],
    ],
    ids=lambda a: a[0],
)
def test_other_commands_read_the_live_cluster(fake: Any, args: list[str]) -> None:
    config = fake()
    live = run(*args, "--kubeconfig", str(config))
    files = run(args[0], SEED, *args[1:])
    assert live.exit_code == files.exit_code, live.output
    assert same(live.stdout) == same(files.stdout)


def test_matrix_namespace_restricts_the_read(fake: Any) -> None:
    config = fake()
    live = run("matrix", "--kubeconfig", str(config), "-n", "default", "--port", "6379")
    files = run("matrix", SEED, "-n", "default", "--port", "6379")
    assert live.exit_code == 0, live.output
    assert live.stdout == files.stdout
    assert "read only namespace default (--namespace)" in live.stderr


def test_namespace_for_the_other_commands(fake: Any) -> None:
    config = fake()
    result = run("lint", "--kubeconfig", str(config), "--namespace", "default,myproject", "-f", "json")
    assert result.exit_code in (0, 1), result.output
    warnings = json.loads(result.stdout)["warnings"]
    assert any("read only namespaces default, myproject" in w for w in warnings)


# --- failures: one line, exit 2 -----------------------------------------------------------------------


def one_error_line(result: Any) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return str(lines[0])


def test_forbidden_kind_stops_the_run(fake: Any) -> None:
    config = fake(behaviour={"nodes": Behaviour(status=403)})
    line = one_error_line(run("matrix", "--kubeconfig", str(config)))
    assert line.startswith(
        "kube:fake/Node: forbidden (403): Node objects cannot be read: RBAC verb list on nodes"
    )
    ignored = run("check", "--kubeconfig", str(config), "--ignore-kind", "Node", "--spec", SPEC, "-f", "json")
    assert ignored.exit_code == 1, ignored.output
    assert json.loads(ignored.stdout)["ignored_kinds"] == ["Node"]


def test_connection_refused_exit_2(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    config = write_kubeconfig(tmp_path / "kubeconfig", url)
    line = one_error_line(run("check", "--kubeconfig", str(config), "--spec", SPEC))
    assert line == f"kube:fake: cannot reach the API server {url} listing namespaces: connection refused"


def test_timeout_exit_2(fake: Any) -> None:
    config = fake(behaviour={"networkpolicies": Behaviour(delay=2.0)})
    line = one_error_line(run("snapshot", "--kubeconfig", str(config), "--request-timeout", "0.3"))
    assert "did not answer within 0.3 s listing networkpolicies.networking.k8s.io" in line


def test_missing_client_exit_2(fake: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_kubernetes(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "kubernetes" or name.startswith("kubernetes."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_kubernetes)
    line = one_error_line(run("matrix", "--kube"))
    assert line.startswith(
        "error: reading a live cluster needs the Kubernetes Python client: install netverify[cluster]"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["matrix", SEED, "--kube"], "error: give PATH or --kube, not both"),
        (["lint"], "error: missing PATH"),
        (["lint", SEED, "--namespace", "default"], "error: --namespace restricts what --kube reads"),
        (["lint", "--kube", "-n", "Bad_Name"], "error: --namespace 'Bad_Name': not a namespace name"),
        (["snapshot"], "error: missing PATH"),
    ],
)
def test_usage_errors(args: list[str], message: str) -> None:
    assert one_error_line(run(*args)).startswith(message)


def test_unknown_context_exit_2(fake: Any) -> None:
    line = one_error_line(run("matrix", "--kubeconfig", str(fake()), "--context", "prod"))
    assert line.endswith("--context 'prod': no such context (known: fake)")
