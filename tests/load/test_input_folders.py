"""Real repositories: a GitOps app folder, a folder with a Cilium policy, a Helm chart and a
JSON cluster dump (tests/data/folders/) go through the CLI as they are (issue 10, part 1)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.paths import DATA
from verifier.cli import app
from verifier.errors import ignored_kinds
from verifier.load import load_cluster

FOLDERS = DATA / "folders"
APP = FOLDERS / "app"
CILIUM = FOLDERS / "cilium"
HELM = FOLDERS / "helm"
DUMP = FOLDERS / "dump" / "cluster.json"


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_app_folder_checks_with_exactly_one_notice_line() -> None:
    code, out, err = run("check", APP, "--spec", APP / "spec.yaml")
    assert code == 0, err
    assert "2 hold, 0 violated" in out
    (note,) = lines(err)
    assert note == (
        "note: skipped 11 objects that do not change traffic: 3 Service, 2 ConfigMap, 1 Certificate, "
        "1 CustomResourceDefinition, 1 HorizontalPodAutoscaler, 1 Ingress, 1 PodDisruptionBudget, 1 Secret; "
        "and 5 files that are not Kubernetes objects: Chart.yaml, kustomization.yaml, scan-report.json, "
        "spec.yaml, values.yaml (--verbose lists them)"
    )


def test_app_folder_check_json_records_the_note_and_no_ignored_kind() -> None:
    code, out, _ = run("check", APP, "--spec", APP / "spec.yaml", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["ignored_kinds"] == []
    assert len(doc["warnings"]) == 1 and doc["warnings"][0].startswith("note: skipped 11 objects")


def test_verbose_lists_every_skipped_file() -> None:
    code, _, err = run("matrix", APP, "--port", "8080", "--verbose")
    assert code == 0
    text = lines(err)
    assert not any("--verbose lists them" in line for line in text)
    for name in ("Chart.yaml", "values.yaml", "kustomization.yaml", "spec.yaml", "scan-report.json"):
        assert any(line.startswith(str(APP / name)) and "not a Kubernetes object" in line for line in text), (
            name
        )
    assert any(
        line.startswith(f"{APP / 'frontend.yaml'}:") and "1 Certificate" in line and "1 Ingress" in line
        for line in text
    )


def test_a_json_array_of_plain_values_is_one_note_not_an_error_per_element(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text(json.dumps([{"id": i, "ok": True} for i in range(20)] + [1, "x"]))
    shutil.copy(CILIUM / "workloads.yaml", tmp_path / "workloads.yaml")
    code, _, err = run("matrix", tmp_path)
    assert code == 0, err
    assert lines(err) == [
        "note: skipped 1 file that is not a Kubernetes object: report.json (--verbose lists them)"
    ]


def test_cilium_policy_stops_the_run_naming_it() -> None:
    for command in (["matrix", CILIUM], ["lint", CILIUM], ["assert", CILIUM, "--reachable"]):
        code, out, err = run(*command)
        assert code == 2, command
        assert out == ""
        (line,) = lines(err)
        assert line.startswith(f"{CILIUM / 'l7-policy.yaml'}:4:3: CiliumNetworkPolicy payments/ledger-l7: ")
        assert "filters pod traffic but is not modelled" in line
        assert "--ignore-kind CiliumNetworkPolicy" in line


def test_ignore_kind_lets_the_run_go_on_and_every_format_records_it() -> None:
    code, out, err = run(
        "assert", CILIUM, "--reachable", "--to-pod", "app=ledger", "--ignore-kind", "CiliumNetworkPolicy"
    )
    assert code == 0, err
    assert "ignored by --ignore-kind CiliumNetworkPolicy: left out 1 object" in err  # the text notice
    code, out, _ = run(
        "assert",
        CILIUM,
        "--reachable",
        "--to-pod",
        "app=ledger",
        "--ignore-kind",
        "ciliumnetworkpolicy",
        "-f",
        "json",
    )
    doc = json.loads(out)
    assert doc["ignored_kinds"] == ["CiliumNetworkPolicy"]
    assert ignored_kinds(doc["warnings"]) == ["CiliumNetworkPolicy"]  # what SARIF/JUnit/Markdown read
    code, out, _ = run(
        "matrix", CILIUM, "--port", "9090", "-f", "json", "--ignore-kind", "CiliumNetworkPolicy"
    )
    assert code == 0
    assert json.loads(out)["ignored_kinds"] == ["CiliumNetworkPolicy"]
    result = load_cluster([str(CILIUM)], ignore_kinds=["CiliumNetworkPolicy.cilium.io"])
    assert result.ignored_kinds == ("CiliumNetworkPolicy",)


def test_ignore_kind_cannot_drop_a_modelled_kind() -> None:
    code, _, err = run("matrix", CILIUM, "--ignore-kind", "Deployment")
    assert code == 2
    assert "Deployment is modelled" in err


@pytest.mark.parametrize(
    ("api", "kind", "expected"),
    [
        ("policy.networking.k8s.io/v1beta1", "AdminNetworkPolicy", "is not supported: results"),
        ("crd.projectcalico.org/v1", "GlobalNetworkPolicy", "filters pod traffic but is not modelled"),
        ("projectcalico.org/v3", "NetworkPolicy", "--ignore-kind NetworkPolicy.projectcalico.org"),
        ("security.istio.io/v1", "AuthorizationPolicy", "filters pod traffic"),
        ("k8s.cni.cncf.io/v1beta1", "MultiNetworkPolicy", "filters pod traffic"),
        ("crd.antrea.io/v1beta1", "ClusterNetworkPolicy", "filters pod traffic"),
        ("k8s.ovn.org/v1", "EgressFirewall", "filters pod traffic"),
        ("example.com/v1", "Widget", 'unknown kind "Widget" (apiVersion example.com/v1): cannot tell'),
    ],
)
def test_kinds_that_may_filter_traffic_are_errors(tmp_path: Path, api: str, kind: str, expected: str) -> None:
    (tmp_path / "x.yaml").write_text(
        f"apiVersion: {api}\nkind: {kind}\nmetadata: {{name: x, namespace: n}}\n"
    )
    code, _, err = run("matrix", tmp_path)
    assert code == 2 and expected in err


@pytest.mark.parametrize(
    ("api", "kind"),
    [
        ("monitoring.coreos.com/v1", "ServiceMonitor"),
        ("argoproj.io/v1alpha1", "Application"),
        ("gateway.networking.k8s.io/v1", "HTTPRoute"),
        ("rbac.authorization.k8s.io/v1", "RoleBinding"),
        ("crd.projectcalico.org/v1", "IPPool"),
        ("networking.istio.io/v1", "VirtualService"),
    ],
)
def test_neutral_kinds_of_known_groups_are_skipped(tmp_path: Path, api: str, kind: str) -> None:
    (tmp_path / "x.yaml").write_text(
        f"apiVersion: {api}\nkind: {kind}\nmetadata: {{name: x, namespace: n}}\n"
    )
    code, _, err = run("matrix", tmp_path)
    assert code == 0, err
    assert f"1 {kind}" in err


def test_exclude_leaves_out_files_and_directories() -> None:
    code, _, err = run("matrix", CILIUM, "--exclude", "l7-*.yaml")
    assert code == 0, err
    code, _, err = run("matrix", FOLDERS, "--exclude", "cilium", "--exclude", "helm", "--exclude", "*.json")
    assert code == 0, err
    assert "Helm" not in err
    assert "4 files that are not Kubernetes objects" in err  # scan-report.json is excluded too
    code, _, err = run("matrix", FOLDERS, "--exclude", "cilium/*")
    assert code == 0, err


def test_helm_templates_get_one_hint() -> None:
    code, _, err = run("matrix", HELM)
    assert code == 0, err
    helm = [line for line in lines(err) if "Helm" in line]
    assert helm == [
        "warning: skipped 2 files with Helm template syntax ({{ … }}): deployment.yaml, networkpolicy.yaml; "
        "render the chart and check what it produces: helm template RELEASE CHART_DIR | netverify COMMAND -"
    ]
    # A ConfigMap holding Go templates of its own is a ConfigMap, not a Helm template.
    assert "webapp-config" not in run("matrix", APP)[2]


def test_only_helm_templates_is_an_input_error() -> None:
    code, _, err = run("lint", HELM / "templates")
    assert code == 2
    assert "only Helm templates here (deployment.yaml, networkpolicy.yaml)" in err
    assert "helm template RELEASE CHART_DIR" in err


def test_json_dump_reports_real_lines_and_columns(tmp_path: Path) -> None:
    text = DUMP.read_text()
    result = load_cluster([str(DUMP)])
    pods = {p.name: p for p in result.cluster.pods}
    text_lines = text.splitlines()
    # A pod is located at its metadata object: the line of `"metadata": {`, the column of its brace.
    loc = pods["clickstream-aggregator-7f9c4d"].location
    assert text_lines[loc.line - 1].rstrip().endswith('"metadata": {')
    assert text_lines[loc.line - 1][loc.column - 1] == "{"
    assert (loc.line, loc.column) == (22, 25)
    # A bad value is reported at the object that holds it, not at 1:1.
    bad = tmp_path / "cluster.json"
    bad.write_text(text.replace('"port": "http"', '"port": 70000'))
    code, _, err = run("matrix", bad)
    assert code == 2
    want = next(i for i, line in enumerate(bad.read_text().splitlines(), 1) if '"port": 70000' in line) - 1
    (line,) = lines(err)
    match = re.match(
        rf"{re.escape(str(bad))}:(\d+):(\d+): NetworkPolicy analytics/clickstream-ingress: ", line
    )
    assert match, line
    assert int(match.group(1)) == want and int(match.group(2)) > 1


def test_json_positions_survive_escaped_quotes_and_braces_in_strings(tmp_path: Path) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "p",
            "namespace": "n",
            "annotations": {"x": 'a "{quoted}" \\ {', "y": "}}}"},
            "labels": {"app": "q"},
        },
    }
    text = (
        json.dumps(pod) + "\n" + json.dumps({**pod, "metadata": {**pod["metadata"], "name": "r"}}, indent=1)
    )
    path = tmp_path / "stream.json"
    path.write_text(text)
    found = {p.name: p.location for p in load_cluster([str(path)]).cluster.pods}
    first = text.index('"metadata": {') + len('"metadata": {')
    assert (found["p"].line, found["p"].column) == (1, first)
    second_line = text.splitlines().index(' "metadata": {') + 1
    assert (found["r"].line, found["r"].column) == (second_line, len(' "metadata": {'))
