"""Pods, workload pod templates and namespaces → model objects.

A workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job,
CronJob) contributes its pod template as one endpoint named ``workload[Kind]`` with no IP.
Pods keep their ``ownerReferences`` so that the loader can drop the template of a workload
whose real pods are in the input too (see `verifier.load.cluster`).

This is the hot path for 100,000-pod dumps: values are checked by hand once and models are
built with ``model_construct`` (no second validation pass).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from verifier.errors import Location
from verifier.load import checks
from verifier.load.checks import Ctx, LabelCache, join, show
from verifier.load.reader import LocatedDict
from verifier.model import ContainerPort, IPAddress, Pod, Protocol, parse_ip

#: Workload kind → the path from the document to its pod template.
WORKLOAD_TEMPLATES: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}

_EXCLUDED_PHASES = ("Succeeded", "Failed")
_TCP = Protocol.TCP


@dataclass(frozen=True, slots=True)
class OwnerRef:
    kind: str
    name: str


@dataclass(slots=True)
class Entry:
    """One inventory object as loaded: a pod, or a workload (whose ``pod`` is its template,
    None when excluded). ``owner`` is the controller owner reference, if any."""

    kind: str
    namespace: str
    name: str
    pod: Pod | None
    owner: OwnerRef | None
    location: Location
    template_hash: str | None = None


def owner_of(meta: dict[Any, Any]) -> OwnerRef | None:
    """The controlling owner (``controller: true``), else the first owner reference."""
    refs = meta.get("ownerReferences")
    if not isinstance(refs, list):
        return None
    first: OwnerRef | None = None
    for ref in refs:
        if not isinstance(ref, dict):
            continue
        kind, name = ref.get("kind"), ref.get("name")
        if not isinstance(kind, str) or not isinstance(name, str):
            continue
        if ref.get("controller") is True:
            return OwnerRef(kind, name)
        if first is None:
            first = OwnerRef(kind, name)
    return first


def _container_ports(
    ctx: Ctx, spec: dict[Any, Any], path: str, cache: LabelCache
) -> tuple[ContainerPort, ...]:
    ports: list[ContainerPort] = []
    by_name: dict[str, tuple[int, str]] = {}
    seen: set[tuple[int, str, str | None]] = set()
    for group in ("containers", "initContainers"):
        containers = spec.get(group)
        if containers is None:
            continue
        if not isinstance(containers, list):
            ctx.problem(spec, join(path, group), f"must be a list, got {show(containers)}")
            continue
        for ci, container in enumerate(containers):
            if not isinstance(container, dict):
                continue
            raw_ports = container.get("ports")
            if not raw_ports:
                continue
            cpath = f"{path}.{group}[{ci}].ports"
            if not isinstance(raw_ports, list):
                ctx.problem(container, cpath, f"must be a list, got {show(raw_ports)}")
                continue
            for pi, raw in enumerate(raw_ports):
                ppath = f"{cpath}[{pi}]"
                if not isinstance(raw, dict):
                    ctx.problem(container, ppath, f"must be a mapping, got {show(raw)}")
                    continue
                here = raw if isinstance(raw, LocatedDict) else container
                number = raw.get("containerPort")
                if not checks.is_int(number) or not 1 <= number <= 65535:
                    ctx.problem(here, f"{ppath}.containerPort", f"invalid container port {show(number)}")
                    continue
                proto_raw = raw.get("protocol")
                if proto_raw is None or proto_raw == "TCP":
                    proto = _TCP
                else:
                    parsed = checks.protocol(ctx, proto_raw, f"{ppath}.protocol", here)
                    if parsed is None:
                        continue
                    proto = parsed
                name = raw.get("name")
                if name is not None:
                    if not isinstance(name, str) or (err := checks.iana_svc_name_error(name)):
                        reason = "must be a string" if not isinstance(name, str) else err
                        ctx.problem(here, f"{ppath}.name", f"invalid port name {show(name)}: {reason}")
                        continue
                    other = by_name.get(name)
                    if other is not None and other[0] != number:
                        ctx.problem(
                            here,
                            f"{ppath}.name",
                            f"duplicate port name {show(name)}: {number}/{proto} here, "
                            f"but {other[0]}/{other[1]} elsewhere in this pod",
                        )
                        continue
                key = (number, proto.value, name)
                if key in seen:
                    continue
                seen.add(key)
                port = cache.ports.get((number, proto, name))
                if port is None:
                    port = ContainerPort.model_construct(port=number, protocol=proto, name=name)
                    cache.ports[(number, proto, name)] = port
                if name is not None and name not in by_name:
                    by_name[name] = (number, proto.value)
                ports.append(port)
    return tuple(ports)


def _pod_ips(ctx: Ctx, status: dict[Any, Any], node: object) -> tuple[IPAddress, ...]:
    texts: list[tuple[str, Any]] = []
    single = status.get("podIP")
    if single is not None:
        texts.append(("status.podIP", single))
    many = status.get("podIPs")
    if isinstance(many, list):
        for i, item in enumerate(many):
            if isinstance(item, dict):
                texts.append((f"status.podIPs[{i}].ip", item.get("ip")))
    elif many is not None:
        ctx.problem(node, "status.podIPs", f"must be a list, got {show(many)}")
    ips: list[IPAddress] = []
    for path, text in texts:
        if not text and text is not None:
            continue  # "" = not assigned yet
        try:
            if not isinstance(text, str):
                raise ValueError
            ip = parse_ip(text)
        except ValueError:
            ctx.problem(node, path, f"invalid IP address {show(text)}")
            continue
        if ip not in ips:
            ips.append(ip)
    return tuple(ips)


def parse_pod(
    ctx: Ctx,
    doc: dict[Any, Any],
    meta: dict[Any, Any],
    namespace: str,
    name: str,
    label_cache: LabelCache,
) -> Entry | None:
    """A Pod document; None if invalid. Excluded pods (hostNetwork, finished) get a Notice
    and an Entry with ``pod=None``, so that they still count for owner deduplication."""
    before = ctx.problem_count
    pod_labels = checks.labels(ctx, meta.get("labels"), "metadata.labels", meta, label_cache)
    spec = checks.mapping(ctx, doc.get("spec"), "spec", doc) or {}
    status = checks.mapping(ctx, doc.get("status"), "status", doc) or {}
    ports = _container_ports(ctx, spec, "spec", label_cache)
    status_node = status if isinstance(status, LocatedDict) else doc
    ips = _pod_ips(ctx, status, status_node)
    if ctx.problem_count != before or pod_labels is None:
        return None
    location = ctx.where
    owner = owner_of(meta)
    template_hash = pod_labels.get("pod-template-hash")
    if spec.get("hostNetwork") is True:
        ctx.notice(doc, "hostNetwork pod excluded: NetworkPolicies do not apply to host-network pods")
        return Entry("Pod", namespace, name, None, owner, location, template_hash)
    phase = status.get("phase")
    if phase in _EXCLUDED_PHASES:
        ctx.notice(doc, f"pod in phase {phase} excluded: it sends and receives no traffic")
        return Entry("Pod", namespace, name, None, owner, location, template_hash)
    pod = Pod.model_construct(
        namespace=namespace,
        name=name,
        labels=pod_labels,
        ips=ips,
        ports=ports,
        kind="Pod",
        host_network=False,
        location=location,
    )
    return Entry("Pod", namespace, name, pod, owner, location, template_hash)


def parse_workload(
    ctx: Ctx,
    kind: str,
    doc: dict[Any, Any],
    meta: dict[Any, Any],
    namespace: str,
    name: str,
    label_cache: LabelCache,
) -> Entry | None:
    """A workload's pod template as a `Pod` named ``name[Kind]`` (no IPs)."""
    before = ctx.problem_count
    node: Any = doc
    path = ""
    for step in WORKLOAD_TEMPLATES[kind]:
        path = join(path, step)
        parent = node
        node = checks.mapping(ctx, node.get(step), path, parent)
        if node is None:
            if ctx.problem_count == before:
                ctx.problem(parent, path, "required field is missing (the workload's pod template)")
            return None
    template: dict[Any, Any] = node
    tmeta = checks.mapping(ctx, template.get("metadata"), join(path, "metadata"), template) or {}
    tlabels = checks.labels(
        ctx, tmeta.get("labels"), join(path, "metadata.labels"), tmeta or template, label_cache
    )
    tspec = checks.mapping(ctx, template.get("spec"), join(path, "spec"), template) or {}
    ports = _container_ports(ctx, tspec, join(path, "spec"), label_cache)
    if ctx.problem_count != before or tlabels is None:
        return None
    owner = owner_of(meta)
    location = ctx.where
    if tspec.get("hostNetwork") is True:
        ctx.notice(
            doc, "hostNetwork pod template excluded: NetworkPolicies do not apply to host-network pods"
        )
        return Entry(kind, namespace, name, None, owner, location)
    pod = Pod.model_construct(
        namespace=namespace,
        name=f"{name}[{kind}]",
        labels=tlabels,
        ips=(),
        ports=ports,
        kind=kind,
        host_network=False,
        location=location,
    )
    return Entry(kind, namespace, name, pod, owner, location)
