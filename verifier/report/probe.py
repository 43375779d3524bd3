"""``netverify probe`` as a self-contained bash script, or as the manifests it creates.

The script (``--format script``, the default) needs bash ≥ 4.3 and kubectl. It:

1. creates each namespace of the plan the cluster lacks and each pod for a hypothetical end
   (agnhost ``pause`` for a source, ``netexec`` serving the port for a destination), each
   manifest first with ``kubectl apply --dry-run=server`` (admission, quotas, PSA), then with
   ``kubectl create`` (which refuses to adopt an existing object: the script deletes only
   what it made); waits until the pods are Ready; a ``trap … EXIT`` deletes them on any exit;
2. runs each probe — from a pod of its own with ``kubectl exec … /agnhost connect``; from an
   inventory pod with ``nc`` when the pod has a shell and nc (TCP), else from an ephemeral
   ``kubectl debug`` container with the agnhost image — to the destination's address, looked
   up live (``kubectl get pod -o jsonpath``; a workload: one running pod with its labels), at
   most ``--parallel`` at once;
3. prints one line per probe, ``MATCH``/``MISMATCH``/``INCONCLUSIVE``/``ERROR``/``SKIPPED``
   with the expected and observed outcome, and a summary; exits 1 on a mismatch, else 2 when a
   probe could not run, else 3 when a probe proved nothing (a timeout that does not show a
   block), else 0.

Observed outcomes: ``connected``; ``refused`` (the packet reached the pod, nothing listened:
the policies let it through); ``timeout`` (blocked — when silence proves it, see
`verifier.results.Probe`); ``error: …``.

``--format yaml`` writes the manifests the script creates (a multi-document YAML stream that
kubectl and netverify read) and, after them, the script itself as a comment block whose lines
start with ``#| `` (``sed -n 's/^#| \\{0,1\\}//p' FILE > probe.sh`` extracts it).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO

import yaml

from verifier.model import Protocol
from verifier.results.probe import (
    PROBE_LABEL,
    Probe,
    ProbeEnd,
    ProbeEndKind,
    ProbeNamespace,
    ProbePlan,
    ProbePod,
)

#: Pods serving a port below this need the (namespaced, safe) sysctl that lets a non-root
#: process bind it.
_PRIVILEGED_PORTS = 1024
_MANIFEST_END = "NETVERIFY_MANIFEST"


def _q(text: object) -> str:
    """``text`` as one single-quoted shell word (always quoted: ``a-b`` unquoted in an
    assignment reads as arithmetic to shellcheck, and to a reader)."""
    return "'" + str(text).replace("'", "'\\''") + "'"


# --- manifests --------------------------------------------------------------------------------------


def namespace_document(namespace: ProbeNamespace) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": namespace.name, "labels": dict(sorted(namespace.labels.items()))},
    }


def pod_document(pod: ProbePod, image: str) -> dict[str, Any]:
    """The pod: agnhost as a non-root user, no privilege (it passes the ``restricted`` Pod
    Security Standard), the container ports it declares."""
    ports = []
    for cp in pod.ports:
        entry: dict[str, Any] = {"containerPort": cp.port, "protocol": cp.protocol.value}
        if cp.name:
            entry["name"] = cp.name
        ports.append(entry)
    security: dict[str, Any] = {
        "runAsNonRoot": True,
        "runAsUser": 65534,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    if pod.serve is not None and pod.serve[0] < _PRIVILEGED_PORTS:
        security["sysctls"] = [{"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"}]
    container: dict[str, Any] = {"name": "agnhost", "image": image, "args": list(pod.args)}
    if ports:
        container["ports"] = ports
    container["securityContext"] = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": pod.name,
            "namespace": pod.namespace,
            "labels": dict(sorted(pod.labels.items())),
        },
        "spec": {
            "automountServiceAccountToken": False,
            "terminationGracePeriodSeconds": 1,
            "securityContext": security,
            "containers": [container],
        },
    }


def _dump(document: dict[str, Any]) -> str:
    return yaml.safe_dump(document, sort_keys=False, default_flow_style=False, width=1000)


def manifests(plan: ProbePlan) -> list[str]:
    """The YAML of every object the script creates, in creation order."""
    docs = [_dump(namespace_document(ns)) for ns in plan.namespaces]
    return docs + [_dump(pod_document(pod, plan.image)) for pod in plan.pods]


# --- the script ---------------------------------------------------------------------------------------

_PRELUDE = r"""set -euo pipefail

KUBECTL_ARGS=()
READY_TIMEOUT="${READY_TIMEOUT:-120s}"
# A kubectl debug --profile (restricted, general, …) for namespaces whose admission needs one.
DEBUG_PROFILE="${DEBUG_PROFILE:-}"

usage() {
  cat <<'NETVERIFY_USAGE'
usage: bash probe.sh [--context NAME] [--kubeconfig FILE] [--parallel N]
  --context NAME     kubectl context (default: CONTEXT above, else the current one; KUBECONFIG is honoured)
  --kubeconfig FILE  kubeconfig file for kubectl
  --parallel N       probes run at once
environment: READY_TIMEOUT (pods Ready, default 120s), DEBUG_PROFILE (kubectl debug --profile)
exit: 0 every probe as expected, 1 a mismatch, 2 a probe could not run, 3 inconclusive only
NETVERIFY_USAGE
}

while [ "$#" -gt 0 ]; do
  case "$1" in
    --context)
      [ "$#" -ge 2 ] || { echo "error: $1 needs a value" >&2; exit 2; }
      CONTEXT="$2"
      shift 2
      ;;
    --context=*) CONTEXT="${1#*=}"; shift ;;
    --kubeconfig)
      [ "$#" -ge 2 ] || { echo "error: $1 needs a value" >&2; exit 2; }
      KUBECTL_ARGS+=("--kubeconfig=$2")
      shift 2
      ;;
    --kubeconfig=*) KUBECTL_ARGS+=("$1"); shift ;;
    --parallel)
      [ "$#" -ge 2 ] || { echo "error: $1 needs a value" >&2; exit 2; }
      PARALLEL="$2"
      shift 2
      ;;
    --parallel=*) PARALLEL="${1#*=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "error: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done
if [ -n "$CONTEXT" ]; then KUBECTL_ARGS+=("--context=$CONTEXT"); fi
case "$PARALLEL" in
  '' | *[!0-9]* | 0) echo "error: --parallel needs a positive number, not '$PARALLEL'" >&2; exit 2 ;;
esac

kube() { kubectl ${KUBECTL_ARGS[@]+"${KUBECTL_ARGS[@]}"} "$@"; }
note() { printf '%s\n' "$*" >&2; }
fail() { note "error: $*"; exit 2; }

command -v kubectl >/dev/null 2>&1 || fail "kubectl is not on PATH"
WORK="$(mktemp -d)"
CREATED_PODS=()
CREATED_NAMESPACES=()

cleanup() {
  local item
  wait 2>/dev/null || true
  for item in ${CREATED_PODS[@]+"${CREATED_PODS[@]}"}; do
    kube delete pod -n "${item%%/*}" "${item#*/}" --ignore-not-found --wait=false >/dev/null 2>&1 \
      || note "could not delete pod $item (kubectl delete pods -A -l $PROBE_SELECTOR)"
  done
  for item in ${CREATED_NAMESPACES[@]+"${CREATED_NAMESPACES[@]}"}; do
    kube delete namespace "$item" --ignore-not-found --wait=false >/dev/null 2>&1 \
      || note "could not delete namespace $item (kubectl delete namespaces -l $PROBE_SELECTOR)"
  done
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# create_object KIND NAMESPACE NAME < MANIFEST: a server-side dry run, then kubectl create
create_object() {
  local kind="$1" ns="$2" name="$3" manifest
  manifest="$(cat)"
  printf '%s\n' "$manifest" | kube apply --dry-run=server -f - >/dev/null \
    || fail "the cluster refuses $kind $name (server-side dry run above)"
  printf '%s\n' "$manifest" | kube create -f - >/dev/null || fail "could not create $kind $name"
  if [ "$kind" = namespace ]; then
    CREATED_NAMESPACES+=("$name")
    note "created namespace $name"
  else
    CREATED_PODS+=("$ns/$name")
    note "created pod $ns/$name"
  fi
}

# ensure_namespace NAME NEW < MANIFEST: create it when the cluster has none of that name
ensure_namespace() {
  if kube get namespace "$1" >/dev/null 2>&1; then
    cat >/dev/null
    if [ "$2" = new ]; then
      note "note: namespace $1 exists on the cluster: used as it is (the prediction assumed a new one with the labels below)"
    fi
    return 0
  fi
  create_object namespace "" "$1"
}

wait_ready() {
  kube wait --for=condition=Ready "pod/$2" -n "$1" --timeout="$READY_TIMEOUT" >/dev/null \
    || fail "pod $1/$2 is not Ready after $READY_TIMEOUT (kubectl describe pod -n $1 $2)"
}

# cached KEY COMMAND...: the output of COMMAND, computed once per KEY (probes share lookups)
cached() {
  local file
  file="$WORK/cache-$(printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_')"
  shift
  if [ -s "$file" ]; then cat "$file"; return 0; fi
  "$@" >"$file.$BASHPID" || { rm -f "$file.$BASHPID"; return 1; }
  mv "$file.$BASHPID" "$file"
  cat "$file"
}

pod_ip() { kube get pod -n "$1" "$2" -o 'jsonpath={.status.podIP}'; }
# running_pod NAMESPACE SELECTOR INDEX: the INDEX-th running pod with the labels
running_pod() {
  kube get pods -n "$1" -l "$2" --field-selector=status.phase=Running -o "jsonpath={.items[$3].metadata.name}"
}

# end_pod END: the namespace/name of a pod end (pod:, created:, workload:)
end_pod() {
  local rest ns name
  case "$1" in
    pod:* | created:*) printf '%s' "${1#*:}" ;;
    workload:*)
      rest="${1#workload:}"
      ns="${rest%%/*}"
      rest="${rest#*/}"
      name="$(running_pod "$ns" "${rest%#*}" "${rest##*#}")" || return 1
      [ -n "$name" ] || return 1
      printf '%s/%s' "$ns" "$name"
      ;;
    *) return 1 ;;
  esac
}

# end_address END: the address to connect to (external: as given; a pod: its live IP)
end_address() {
  local pod ip
  case "$1" in
    external:*) printf '%s' "${1#external:}" ;;
    *)
      pod="$(cached "pod $1" end_pod "$1")" || return 1
      ip="$(pod_ip "${pod%%/*}" "${pod#*/}")" || return 1
      [ -n "$ip" ] || return 1
      printf '%s' "$ip"
      ;;
  esac
}

host_port() {
  case "$1" in
    *:*) printf '[%s]:%s' "$1" "$2" ;;
    *) printf '%s:%s' "$1" "$2" ;;
  esac
}

# What the pod's shell runs: agnhost connect, its exit status marked (kubectl debug may not
# pass it on), or nc for a TCP probe from an inventory pod.
# shellcheck disable=SC2016 # expanded by the shell in the pod
AGNHOST_CONNECT='/agnhost connect "$1" --timeout="$2" --protocol="$3" 2>&1; echo "NETVERIFY:exit=$?"'
# shellcheck disable=SC2016 # expanded by the shell in the pod
NC_CONNECT='command -v nc >/dev/null 2>&1 || exit 127
out=$(nc -v -z -w "$1" "$2" "$3" </dev/null 2>&1) && { echo NETVERIFY:connected; exit 0; }
case "$out" in *efused*) echo NETVERIFY:refused ;; *imeout* | *imed*out* | "") echo NETVERIFY:timeout ;; *) echo "NETVERIFY:other $out" ;; esac'

outcome_of() {
  case "$1" in
    *NETVERIFY:exit=0* | *NETVERIFY:connected*) echo connected ;;
    *REFUSED* | *NETVERIFY:refused*) echo refused ;;
    *TIMEOUT* | *NETVERIFY:timeout*) echo timeout ;;
    '') echo "error: no output" ;;
    *) echo "error: $(printf '%s' "$1" | tr -s '\n\t' '  ' | cut -c1-200)" ;;
  esac
}

# connect_created NAMESPACE POD TARGET PROTOCOL: from a pod of ours (agnhost)
connect_created() {
  local out
  out="$(kube exec -n "$1" "$2" -- sh -c "$AGNHOST_CONNECT" sh "$3" "${CONNECT_TIMEOUT}s" "$4" 2>&1)" || true
  outcome_of "$out"
}

# connect_inventory KEY NAMESPACE POD HOST PORT PROTOCOL: from an inventory pod — nc when it
# has a shell with nc (TCP), else agnhost in an ephemeral debug container
connect_inventory() {
  local key="$1" ns="$2" pod="$3" host="$4" port="$5" proto="$6" out container
  if [ "$proto" = tcp ]; then
    out="$(kube exec -n "$ns" "$pod" -- sh -c "$NC_CONNECT" sh "$CONNECT_TIMEOUT" "$host" "$port" 2>/dev/null)" || true
    case "$out" in
      *NETVERIFY:connected* | *NETVERIFY:refused* | *NETVERIFY:timeout*)
        outcome_of "$out"
        return 0
        ;;
    esac
  fi
  container="netverify-$key-$(date +%s)-$BASHPID"
  out="$(kube debug -n "$ns" "$pod" --quiet --attach=true --container="$container" --image="$AGNHOST_IMAGE" \
    ${DEBUG_PROFILE:+"--profile=$DEBUG_PROFILE"} -- sh -c "$AGNHOST_CONNECT" sh \
    "$(host_port "$host" "$port")" "${CONNECT_TIMEOUT}s" "$proto" 2>&1)" || true
  case "$out" in
    *NETVERIFY:exit=*) ;;
    *) out="$out$(kube logs -n "$ns" "$pod" -c "$container" 2>/dev/null || true)" ;; # attach came too late
  esac
  outcome_of "$out"
}

# judge KEY EXPECTED OBSERVED SILENCE_BLOCKS TITLE: compare, print, record
judge() {
  local key="$1" expected="$2" observed="$3" silence="$4" title="$5" seen status
  case "$observed" in
    connected | refused) seen=allowed ;;
    timeout) if [ "$silence" = yes ]; then seen=denied; else seen=unknown; fi ;;
    *) seen=error ;;
  esac
  if [ "$seen" = error ]; then
    status=ERROR
  elif [ "$expected" = undecided ] || [ "$seen" = unknown ]; then
    status=INCONCLUSIVE
  elif [ "$seen" = "$expected" ]; then
    status=MATCH
  else
    status=MISMATCH
  fi
  printf '%s\n' "$status" >"$WORK/result-$key"
  printf '%-12s %s  %s\n             expected %s, observed %s\n' "$status" "$key" "$title" "$expected" "$observed"
}

skip_probe() {
  printf '%s\n' SKIPPED >"$WORK/result-$1"
  printf '%-12s %s  %s\n             %s\n' SKIPPED "$1" "$3" "$2"
}

# address_note KEY END PREDICTED: the outcome depends on END's address; say which it has
address_note() {
  local pod ip
  pod="$(cached "pod $2" end_pod "$2")" || return 0
  ip="$(pod_ip "${pod%%/*}" "${pod#*/}" 2>/dev/null)" || return 0
  if [ "$ip" != "$3" ]; then
    note "note $1: ${2#*:} has the address ${ip:-none} on the cluster; the prediction assumed $3 and depends on it"
  fi
}

# run_probe KEY EXPECTED SILENCE_BLOCKS SOURCE DESTINATION PORT PROTOCOL TITLE [SRC_ADDR DST_ADDR]
run_probe() {
  local key="$1" expected="$2" silence="$3" src="$4" dst="$5" port="$6" proto="$7" title="$8"
  local src_addr="${9:-}" dst_addr="${10:-}" host pod observed
  if ! host="$(cached "address $dst" end_address "$dst")"; then
    judge "$key" "$expected" "error: no address for ${dst#*:} (no such pod, or not running)" "$silence" "$title"
    return 0
  fi
  if ! pod="$(cached "pod $src" end_pod "$src")"; then
    judge "$key" "$expected" "error: no running pod for ${src#*:}" "$silence" "$title"
    return 0
  fi
  [ -z "$src_addr" ] || address_note "$key" "$src" "$src_addr"
  [ -z "$dst_addr" ] || address_note "$key" "$dst" "$dst_addr"
  case "$src" in
    created:*) observed="$(connect_created "${pod%%/*}" "${pod#*/}" "$(host_port "$host" "$port")" "$proto")" ;;
    *) observed="$(connect_inventory "$key" "${pod%%/*}" "${pod#*/}" "$host" "$port" "$proto")" ;;
  esac
  judge "$key" "$expected" "$observed" "$silence" "$title"
}

RUNNING=0
# spawn COMMAND...: run it in the background, at most PARALLEL at once
spawn() {
  if [ "$PARALLEL" -le 1 ]; then
    "$@"
    return 0
  fi
  if [ "$RUNNING" -ge "$PARALLEL" ]; then
    wait -n || true
    RUNNING=$((RUNNING - 1))
  fi
  "$@" &
  RUNNING=$((RUNNING + 1))
}

summarize() {
  local key status matched=0 mismatched=0 errors=0 inconclusive=0 skipped=0
  for key in "${PROBES[@]}"; do
    status="$(cat "$WORK/result-$key" 2>/dev/null || echo ERROR)"
    case "$status" in
      MATCH) matched=$((matched + 1)) ;;
      MISMATCH) mismatched=$((mismatched + 1)) ;;
      INCONCLUSIVE) inconclusive=$((inconclusive + 1)) ;;
      SKIPPED) skipped=$((skipped + 1)) ;;
      *) errors=$((errors + 1)) ;;
    esac
  done
  echo
  echo "${#PROBES[@]} probe(s): $matched as expected, $mismatched mismatch(es), $errors error(s), $inconclusive inconclusive, $skipped skipped"
  if [ "$mismatched" -gt 0 ]; then return 1; fi
  if [ "$errors" -gt 0 ]; then return 2; fi
  if [ "$inconclusive" -gt 0 ]; then return 3; fi
  return 0
}
"""


def _end_arg(end: ProbeEnd) -> str:
    if end.kind is ProbeEndKind.EXTERNAL:
        return f"external:{end.address}"
    if end.kind is ProbeEndKind.WORKLOAD:
        selector = ",".join(f"{k}={v}" for k, v in sorted(end.selector.items()))
        return f"workload:{end.namespace}/{selector}#{end.index}"
    return f"{end.kind.value}:{end.namespace}/{end.name}"


def _protocol(protocol: Protocol) -> str:
    return protocol.value.lower()


def _probe_call(probe: Probe) -> str:
    title = f"{probe.property}: {probe.title}" if probe.property else probe.title
    if probe.skip:
        return f"spawn skip_probe {probe.key} {_q(probe.skip)} {_q(title)}"
    args = [
        "spawn",
        "run_probe",
        probe.key,
        probe.expected.value,
        "yes" if probe.timeout_means_blocked else "no",
        _q(_end_arg(probe.source)),
        _q(_end_arg(probe.destination)),
        str(probe.port),
        _protocol(probe.protocol),
        _q(title),
    ]
    src = probe.source.address if probe.source.address_matters else None
    dst = probe.destination.address if probe.destination.address_matters else None
    if src or dst:
        args += [_q(src or ""), _q(dst or "")]
    return " ".join(args)


def _comment(lines: Iterable[str]) -> list[str]:
    return [f"# {line}".rstrip() for line in lines]


def _header(plan: ProbePlan) -> list[str]:
    lines = [f"netverify probe: {plan.title}."]
    if plan.command:
        lines.append(f"Written by: {plan.command}")
    lines += [
        "",
        "Runs each probe on the cluster of kubectl's context and compares what happens with what",
        "netverify predicts. Pods for hypothetical endpoints (and namespaces the cluster lacks) are",
        "created (server-side dry run first) and deleted on exit. Needs bash >= 4.3 and kubectl.",
        "  usage: bash probe.sh [--context NAME] [--kubeconfig FILE] [--parallel N]",
        "  exit: 0 every probe as expected, 1 a mismatch, 2 a probe could not run, 3 inconclusive only",
        "Observed: connected; refused (the pod answered, nothing listened: the policies let it",
        "through); timeout (blocked, where silence proves it); error.",
    ]
    if plan.pods:
        lines += [
            "The pods it creates carry the counterexample's labels: a Service selecting those labels",
            "may send them traffic while the script runs.",
        ]
    if any(p.source.kind in (ProbeEndKind.POD, ProbeEndKind.WORKLOAD) and not p.skip for p in plan.probes):
        lines += [
            "From an inventory pod without nc a probe runs in an ephemeral debug container (agnhost),",
            "which stays listed in the pod's spec after it exits (Kubernetes cannot remove one).",
        ]
    lines.append("")
    if not plan.probes:
        lines.append("Nothing to probe.")
    for probe in plan.probes:
        name = f" ({probe.property})" if probe.property else ""
        lines.append(f"{probe.key}{name}: {probe.title}")
        because = f": {'; '.join(probe.because)}" if probe.because else ""
        lines.append(f"    expected {probe.expected.value}{because}")
        lines.extend(f"    note: {n}" for n in probe.notes)
        if probe.skip:
            lines.append(f"    skipped: {probe.skip}")
    lines.extend(f"warning: {w}" for w in plan.warnings)
    return _comment(lines)


def script_text(plan: ProbePlan) -> str:
    """The bash script of ``plan``."""
    out = ["#!/usr/bin/env bash", *_header(plan)]
    out.append(
        _PRELUDE.replace("set -euo pipefail\n", "set -euo pipefail\n\n" + _settings(plan), 1).rstrip("\n")
    )
    out.append("")
    out.append("# --- the plan " + "-" * 86)
    keys = " ".join(p.key for p in plan.probes)
    out.append(f"PROBES=({keys})")
    out.append(f"echo {_q('netverify probe: ' + plan.title)}")
    for ns in plan.namespaces:
        new = "new" if ns.new else "known"
        out.append(f"ensure_namespace {_q(ns.name)} {new} <<'{_MANIFEST_END}'")
        out.append(_dump(namespace_document(ns)).rstrip("\n"))
        out.append(_MANIFEST_END)
    for pod in plan.pods:
        out.append(f"create_object pod {_q(pod.namespace)} {_q(pod.name)} <<'{_MANIFEST_END}'")
        out.append(_dump(pod_document(pod, plan.image)).rstrip("\n"))
        out.append(_MANIFEST_END)
    for pod in plan.pods:
        out.append(f"wait_ready {_q(pod.namespace)} {_q(pod.name)}")
    if not plan.probes:
        out.append("echo 'nothing to probe'")
        return "\n".join(out) + "\n"
    out.append("echo")
    out.extend(_probe_call(p) for p in plan.probes)
    out.append("wait || true")
    out.append("summarize # its status is the script's")
    return "\n".join(out) + "\n"


def _settings(plan: ProbePlan) -> str:
    return (
        f"# Every object the script creates carries this label.\n"
        f"readonly PROBE_SELECTOR={_q(f'{PROBE_LABEL}={plan.id}')}\n"
        f"readonly AGNHOST_IMAGE={_q(plan.image)}\n"
        f"readonly CONNECT_TIMEOUT={plan.connect_timeout}\n"
        f"PARALLEL={plan.parallel}\n"
        + f"CONTEXT={_q(plan.context or '')} # kubectl's context (empty: the current one)\n"
    )


def write_probe_script(plan: ProbePlan, out: TextIO) -> None:
    out.write(script_text(plan))


def write_probe_yaml(plan: ProbePlan, out: TextIO) -> None:
    """The manifests the script creates, then the script as ``#| `` comment lines."""
    docs = manifests(plan)
    head = [
        f"netverify probe: {plan.title}.",
        f"The {len(docs)} object(s) the probe script creates (label {PROBE_LABEL}={plan.id}); the script",
        "itself follows them, commented out with '#| '. Extract and run it with:",
        "  sed -n 's/^#| \\{0,1\\}//p' THIS_FILE > probe.sh && bash probe.sh [--context NAME]",
    ]
    parts = ["\n".join(_comment(head))]
    if docs:
        parts.append("---\n".join(docs).rstrip("\n"))
    script = ["#|" if not line else f"#| {line}" for line in script_text(plan).rstrip("\n").splitlines()]
    parts.append("\n".join(script))
    out.write("\n".join(parts) + "\n")


__all__ = [
    "manifests",
    "namespace_document",
    "pod_document",
    "script_text",
    "write_probe_script",
    "write_probe_yaml",
]
