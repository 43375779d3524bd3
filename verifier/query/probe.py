"""``probe``: turn flows into a plan that confirms them on a live cluster (docs/questions.md).

The flows come from a check (each violated property's counterexample; a property named with
``--property`` also gives its witness), from a ``check --format json`` result, from the
command line (``--from/--to/--port``, as ``explain`` reads them) or from the port matrix of
selected pods (``--matrix``). Each becomes a `Probe`: where the connection starts and where it
goes, and what the policies predict — the oracle's verdict on the flow (`verifier.oracle.decide`),
or the matrix engine's cell. A hypothetical pod of the ``any`` universe becomes a `ProbePod`
the script creates with the counterexample's labels (and named ports), in its namespace — a
`ProbeNamespace` with the counterexample's labels when the input does not declare it.

Everything here is pure: no kubectl, no file. `verifier.report.probe` writes the plan as a bash
script (or as the manifests the script creates).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from verifier.errors import UsageError
from verifier.model import (
    NAMESPACE_NAME_LABEL,
    AnalysisOptions,
    Cluster,
    ContainerPort,
    LabelSelector,
    Pod,
    Protocol,
    parse_ip,
)
from verifier.oracle import decide, pod_endpoint
from verifier.query.explain import make_flow, resolve_endpoint
from verifier.query.matrix import matrix, selected_endpoints
from verifier.results import CheckReport, Endpoint, EndpointKind, Flow, Verdict
from verifier.results.probe import (
    AGNHOST_IMAGE,
    PROBE_LABEL,
    Expectation,
    Probe,
    ProbeEnd,
    ProbeEndKind,
    ProbeNamespace,
    ProbePlan,
    ProbePod,
)
from verifier.spec import parse_port


@dataclass(frozen=True)
class ProbeSettings:
    """How the script runs: the agnhost image, the seconds one connection may take, how many
    probes run at once, the kubectl context it uses unless told otherwise (None: the current
    one) and ``ipblock_pods`` (whether ipBlocks match pod IPs, for the predicted outcomes)."""

    image: str = AGNHOST_IMAGE
    connect_timeout: int = 5
    parallel: int = 1
    ipblock_pods: bool = True
    context: str | None = None


@dataclass(frozen=True)
class Found:
    """A property's result as the probe reads it: its name, verdict and flow (or why none)."""

    name: str
    verdict: Verdict
    flow: Flow | None
    reason: str = ""


# --- the plan ---------------------------------------------------------------------------------------


def _digest(parts: Iterable[str], size: int = 8) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:size]


def _labels_text(labels: Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


class _Builder:
    """Collects probes and the pods and namespaces they need (one pod per distinct end)."""

    def __init__(self, cluster: Cluster, settings: ProbeSettings, plan_id: str) -> None:
        self.cluster = cluster
        self.settings = settings
        self.plan_id = plan_id
        self.pods: dict[str, ProbePod] = {}
        self.namespaces: dict[str, ProbeNamespace] = {}
        self.probes: list[Probe] = []
        self.by_key = {p.key: p for p in cluster.pods}

    # -- ends --

    def _namespace(self, end: Endpoint) -> str:
        """The namespace the created pod of ``end`` goes to, registered for creation when the
        input does not declare it. Counterexamples of different properties may each call their
        new namespace ``new-namespace`` with other labels: a later one becomes ``…-2``."""
        namespace = end.namespace or "default"
        declared = self.cluster.namespaces.get(namespace)
        if declared is not None and declared.declared:
            return namespace
        labels = {k: v for k, v in end.namespace_labels.items() if k != NAMESPACE_NAME_LABEL}
        labels[PROBE_LABEL] = self.plan_id
        name, i = namespace, 1
        while end.new_namespace and (
            (name in self.namespaces and self.namespaces[name].labels != labels)
            or (name != namespace and name in self.cluster.namespaces)
        ):
            i += 1
            name = f"{namespace}-{i}"
        if name not in self.namespaces:
            self.namespaces[name] = ProbeNamespace(name=name, labels=labels, new=end.new_namespace)
        return name

    def _created(self, end: Endpoint, serve: tuple[int, Protocol] | None) -> ProbeEnd:
        namespace = self._namespace(end)
        ports = list(end.ports)
        if serve is not None and not any(p.port == serve[0] and p.protocol is serve[1] for p in ports):
            ports.append(ContainerPort(port=serve[0], protocol=serve[1]))
        role = "dst" if serve is not None else "src"
        ident = _digest(
            [
                namespace,
                _labels_text(end.labels),
                role,
                *(f"{p.name}:{p.port}/{p.protocol}" for p in ports),
                *([f"{serve[0]}/{serve[1]}"] if serve is not None else []),
            ]
        )
        name = f"netverify-probe-{ident}-{role}"
        if name not in self.pods:
            self.pods[name] = ProbePod(
                namespace=namespace,
                name=name,
                labels={**end.labels, PROBE_LABEL: self.plan_id},
                serve=serve,
                ports=tuple(sorted(ports, key=lambda p: (p.protocol.value, p.port, p.name or ""))),
            )
        return ProbeEnd(
            kind=ProbeEndKind.CREATED,
            text=str(end),
            namespace=namespace,
            name=name,
            address=None if end.ip is None else str(end.ip),
        )

    def _end(self, end: Endpoint, serve: tuple[int, Protocol] | None, *, second: bool = False) -> ProbeEnd:
        if end.kind is EndpointKind.EXTERNAL:
            return ProbeEnd(kind=ProbeEndKind.EXTERNAL, text=str(end), address=str(end.ip))
        if end.kind is EndpointKind.NEW_POD:
            return self._created(end, serve)
        key = f"{end.namespace}/{end.name}"
        pod = self.by_key.get(key)
        address = None if end.ip is None or end.ip_range is not None else str(end.ip)
        if pod is not None and pod.is_template:
            return ProbeEnd(
                kind=ProbeEndKind.WORKLOAD,
                text=str(end),
                namespace=end.namespace,
                name=end.name,
                selector=dict(pod.labels),
                index=1 if second else 0,
            )
        return ProbeEnd(
            kind=ProbeEndKind.POD, text=str(end), namespace=end.namespace, name=end.name, address=address
        )

    # -- probes --

    def _address_matters(self, flow: Flow, allowed: bool) -> tuple[bool, bool]:
        """Whether the predicted outcome changes when the source / destination pod has no
        address an ipBlock could match."""
        out = []
        for side in ("source", "destination"):
            end: Endpoint = getattr(flow, side)
            if not end.is_pod or end.ip is None:
                out.append(False)
                continue
            blind = flow.model_copy(update={side: end.model_copy(update={"ip": None, "ip_range": None})})
            out.append(
                decide(self.cluster, blind, ipblock_pods=self.settings.ipblock_pods).allowed != allowed
            )
        return out[0], out[1]

    def add(
        self,
        flow: Flow,
        *,
        prop: str | None = None,
        expected: Expectation | None = None,
        explain: bool = True,
    ) -> Probe:
        """One probe of ``flow``; ``expected`` None asks the oracle (with the rules involved)."""
        because: tuple[str, ...] = ()
        src_matters = dst_matters = False
        if expected is None:
            decision = decide(self.cluster, flow, ipblock_pods=self.settings.ipblock_pods)
            if decision.undecided:
                expected = Expectation.UNDECIDED
            else:
                expected = Expectation.ALLOWED if decision.allowed else Expectation.DENIED
            if explain:
                because = tuple(str(r) for r in decision.rules_involved())
                if decision.self_traffic:
                    because = ("a pod's traffic to itself is not governed by policy",)
                elif not because and decision.allowed:
                    because = ("no policy isolates the source (egress) or the destination (ingress)",)
                if decision.undecided:
                    because += (f"undecided: {decision.undecided}",)
                src_matters, dst_matters = self._address_matters(flow, decision.allowed)
        serve = (flow.port, flow.protocol)
        same_template = flow.source.replica is not None and flow.source.same_pod(
            flow.destination.model_copy(update={"replica": flow.source.replica})
        )
        source = self._end(flow.source, None).model_copy(update={"address_matters": src_matters})
        destination = self._end(flow.destination, serve, second=same_template).model_copy(
            update={"address_matters": dst_matters}
        )
        notes = []
        for end, matters in ((source, src_matters), (destination, dst_matters)):
            if matters:
                notes.append(
                    f"the outcome depends on the address of {end.text}: the script prints the address "
                    "the pod has on the cluster; another one may change the outcome"
                )
        silent_proves = destination.kind is ProbeEndKind.CREATED or (
            destination.kind is not ProbeEndKind.EXTERNAL and flow.protocol is Protocol.TCP
        )
        if destination.kind is ProbeEndKind.EXTERNAL:
            notes.append("an external address may not answer: a timeout proves nothing")
        elif not silent_proves:
            notes.append(
                f"{flow.protocol} to a pod that may not answer agnhost's payload: a timeout proves nothing"
            )
        skip = ""
        if source.kind is ProbeEndKind.EXTERNAL:
            skip = "the source is an external address: send from a host with that address to check it"
        probe = Probe(
            key=f"p{len(self.probes) + 1}",
            title=str(flow),
            source=source,
            destination=destination,
            port=flow.port,
            protocol=flow.protocol,
            expected=expected,
            property=prop,
            because=because,
            timeout_means_blocked=silent_proves,
            notes=tuple(notes),
            skip=skip,
        )
        self.probes.append(probe)
        return probe

    def plan(self, title: str, warnings: Sequence[str], *, matrix: bool = False) -> ProbePlan:
        return ProbePlan(
            id=self.plan_id,
            title=title,
            probes=tuple(self.probes),
            namespaces=tuple(self.namespaces.values()),
            pods=tuple(self.pods.values()),
            image=self.settings.image,
            connect_timeout=self.settings.connect_timeout,
            parallel=self.settings.parallel,
            context=self.settings.context,
            matrix=matrix,
            warnings=tuple(warnings),
        )


def _plan_id(flows: Iterable[str]) -> str:
    return _digest(flows, 10)


def plan_flows(
    cluster: Cluster,
    flows: Sequence[tuple[Flow, str | None]],
    settings: ProbeSettings = ProbeSettings(),
    *,
    title: str = "flows",
    warnings: Sequence[str] = (),
) -> ProbePlan:
    """A probe of each ``(flow, property name or None)``, expected outcome from the oracle."""
    builder = _Builder(cluster, settings, _plan_id(f"{name}: {flow}" for flow, name in flows))
    for flow, name in flows:
        builder.add(flow, prop=name)
    return builder.plan(title, warnings)


def plan_found(
    cluster: Cluster,
    found: Sequence[Found],
    names: Sequence[str] = (),
    settings: ProbeSettings = ProbeSettings(),
    *,
    title: str = "the counterexamples",
    warnings: Sequence[str] = (),
) -> ProbePlan:
    """The counterexample of every violated property (only those of ``names``, when given;
    a named property's witness too). A named property without a flow is a warning; a name
    no result has is a `UsageError`."""
    known = {f.name for f in found}
    unknown = [n for n in names if n not in known]
    if unknown:
        listed = ", ".join(sorted(known)) or "none"
        raise UsageError(f"--property {unknown[0]!r}: no such property (properties: {listed})")
    notes = list(warnings)
    flows: list[tuple[Flow, str | None]] = []
    for f in found:
        named = f.name in names
        if names and not named:
            continue
        if f.flow is not None and (f.verdict is Verdict.VIOLATED or named):
            flows.append((f.flow, f.name))
        elif named:
            why = f" ({f.reason})" if f.reason else ""
            notes.append(f"{f.name}: {f.verdict}{why}, no flow to probe")
    return plan_flows(cluster, flows, settings, title=title, warnings=notes)


def found_in_report(report: CheckReport) -> list[Found]:
    return [Found(r.name, r.verdict, r.flow, r.reason) for r in report.results]


def plan_check(
    cluster: Cluster,
    report: CheckReport,
    names: Sequence[str] = (),
    settings: ProbeSettings = ProbeSettings(),
    *,
    title: str = "the counterexamples",
) -> ProbePlan:
    """`plan_found` over a check's results."""
    return plan_found(cluster, found_in_report(report), names, settings, title=title)


def plan_command_line(
    cluster: Cluster,
    source: str,
    destination: str,
    port: str,
    settings: ProbeSettings = ProbeSettings(),
) -> ProbePlan:
    """One flow as ``explain`` reads ``--from/--to/--port`` (`verifier.query.explain`)."""
    ends = [resolve_endpoint(cluster, text)[0] for text in (source, destination)]
    flow = make_flow(cluster, ends[0], ends[1], port)
    return plan_flows(cluster, [(flow, None)], settings, title=f"the flow {flow}")


# --- a check result file (``check --format json``) ----------------------------------------------------


def _endpoint_json(cluster: Cluster, raw: Mapping[str, Any]) -> Endpoint:
    kind = EndpointKind(raw["kind"])
    ip = parse_ip(raw["ip"]) if raw.get("ip") else None
    end = Endpoint(
        kind=kind,
        ip=ip,
        namespace=raw.get("namespace"),
        name=raw.get("name"),
        labels=dict(raw.get("labels") or {}),
        namespace_labels=dict(raw.get("namespace_labels") or {}),
        new_namespace=bool(raw.get("new_namespace", False)),
        replica=raw.get("replica"),
        ip_range=raw.get("ip_range"),
        assumed_namespace_labels=bool(raw.get("assumed_namespace_labels", False)),
    )
    if kind is EndpointKind.POD:
        key = f"{end.namespace}/{end.name}"
        pod = next((p for p in cluster.pods if p.key == key), None)
        if pod is None:
            raise UsageError(
                f"the result names the pod {key}, which is not in the input (a result of another input?)"
            )
        end = end.model_copy(update={"ports": pod.ports})
    return end


def found_in_json(cluster: Cluster, data: Any) -> list[Found]:
    """The results of a ``netverify.check/v1`` document, flows rebuilt against the input
    (an inventory pod gets its named ports from there; a hypothetical pod's named ports are
    not in the JSON). Raises `UsageError` on anything else."""
    if not isinstance(data, Mapping) or data.get("schema") != "netverify.check/v1":
        raise UsageError("--result: not a `netverify check --format json` result (schema netverify.check/v1)")
    out = []
    try:
        for raw in data["results"]:
            flow_raw = raw.get("counterexample") or raw.get("witness")
            flow = None
            if flow_raw is not None:
                flow = Flow(
                    source=_endpoint_json(cluster, flow_raw["source"]),
                    destination=_endpoint_json(cluster, flow_raw["destination"]),
                    port=int(flow_raw["port"]),
                    protocol=Protocol(flow_raw["protocol"]),
                )
            out.append(Found(str(raw["name"]), Verdict(raw["verdict"]), flow, str(raw.get("reason", ""))))
    except (KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"--result: cannot read the result: {exc}") from None
    return out


# --- the port matrix of selected pods (``--matrix``) ----------------------------------------------------


def parse_matrix_ports(texts: Sequence[str]) -> list[tuple[int, Protocol]]:
    """``--port`` values of ``--matrix``: numeric ``PORT[/PROTO]`` (no ranges, no names)."""
    out = []
    for text in texts:
        entry = parse_port(text)
        if not isinstance(entry.port, int) or entry.end_port is not None:
            raise UsageError(
                f"--port {text!r}: --matrix probes numeric ports (e.g. 6379/TCP), not names or ranges"
            )
        if (entry.port, entry.protocol) not in out:
            out.append((entry.port, entry.protocol))
    return out


def plan_matrix(
    cluster: Cluster,
    options: AnalysisOptions,
    ports: Sequence[tuple[int, Protocol]],
    *,
    namespaces: Sequence[str] = (),
    selector: LabelSelector | None = None,
    settings: ProbeSettings = ProbeSettings(),
) -> ProbePlan:
    """Every ordered pair of the selected inventory pods on every port, expected outcome from
    the matrix engine (`verifier.query.matrix`). A pod and itself is skipped (self traffic);
    a replicated template and itself is two of its replicas. Cells that depend on an unknown
    pod address are left out with a warning."""
    if not ports:
        raise UsageError("--matrix needs at least one --port (e.g. --port 6379/TCP)")
    ordered = sorted(cluster.pods, key=lambda p: (p.namespace, p.name))
    chosen: list[Pod] = [ordered[i] for i in selected_endpoints(cluster, namespaces, selector)]
    if not chosen:
        raise UsageError("--matrix: no pod of the input matches --namespace/--pod")
    cells = [f"{a.key} -> {b.key} {port}/{proto}" for port, proto in ports for a in chosen for b in chosen]
    builder = _Builder(cluster, settings, _plan_id(["matrix", *cells]))
    warnings = []
    for port, protocol in ports:
        result = matrix(cluster, port, protocol, options)
        index = {key: i for i, key in enumerate(result.endpoints)}
        conditional = set(result.conditional)
        skipped = 0
        for a in chosen:
            for b in chosen:
                if a.key == b.key and not a.replicated:
                    continue
                i, j = index[a.key], index[b.key]
                if (i, j) in conditional:
                    skipped += 1
                    continue
                same = a.key == b.key
                flow = Flow(
                    source=pod_endpoint(cluster, a, replica=1 if same else None),
                    destination=pod_endpoint(cluster, b, replica=2 if same else None),
                    port=port,
                    protocol=protocol,
                )
                expected = Expectation.ALLOWED if result.allowed(i, j) else Expectation.DENIED
                builder.add(flow, expected=expected, explain=False)
        if skipped:
            warnings.append(
                f"{port}/{protocol}: {skipped} cell(s) left out: the outcome depends on a pod address "
                "the input does not give"
            )
        warnings.extend(result.warnings)
    scope = ", ".join(namespaces) if namespaces else "every namespace"
    title = f"the matrix of {len(chosen)} pod(s) ({scope}) on " + ", ".join(f"{p}/{q}" for p, q in ports)
    return builder.plan(title, warnings, matrix=True)


__all__ = [
    "Found",
    "ProbeSettings",
    "found_in_json",
    "found_in_report",
    "parse_matrix_ports",
    "plan_check",
    "plan_command_line",
    "plan_flows",
    "plan_found",
    "plan_matrix",
]
