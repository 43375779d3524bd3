"""Pods, workload pod templates and namespaces → model objects.

A workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job,
CronJob) contributes its pod template as one endpoint named ``workload[Kind]`` with no IP,
marked ``replicated`` when it stands for two pods or more (see `parse_workload`); a workload
scaled to zero contributes none.
Pods keep their ``ownerReferences`` so that the loader can drop the template of a workload
whose real pods are in the input too (see `verifier.load.cluster`).

This is the hot path for 100,000-pod dumps: values are checked by hand once and models are
built with ``model_construct`` (no second validation pass).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from verifier.errors import Location
from verifier.load import checks, policy_fields
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
    #: Set for a workload scaled to zero (``pod`` is None); the loader says so in a Notice
    #: unless the workload's owner is in the input and stands for it.
    scaled_to_zero: str | None = None


def owner_of(ctx: Ctx, meta: dict[Any, Any]) -> OwnerRef | None:
    """The controlling owner (``controller: true``), else the first owner reference.
    Every reference is type-checked (a mapping; ``kind``/``name`` strings; ``controller``
    a boolean): a malformed one is a Problem, not a silently lost link."""
    refs = checks.sequence(ctx, meta.get("ownerReferences"), "metadata.ownerReferences", meta)
    if not refs:
        return None
    first: OwnerRef | None = None
    controller: OwnerRef | None = None
    for i, ref in enumerate(refs):
        path = f"metadata.ownerReferences[{i}]"
        if not isinstance(ref, dict):
            ctx.problem(
                meta, path, f"must be a mapping (kind, name, …), got {checks.type_name(ref)} {show(ref)}"
            )
            continue
        here = ref if isinstance(ref, LocatedDict) else meta
        kind, name, is_controller = ref.get("kind"), ref.get("name"), ref.get("controller")
        ok = True
        for key, value in (("kind", kind), ("name", name)):
            if not isinstance(value, str) or not value:
                ctx.problem(here, f"{path}.{key}", f"must be a non-empty string, got {show(value)}")
                ok = False
        if is_controller is not None and not isinstance(is_controller, bool):
            ctx.problem(here, f"{path}.controller", f"must be a boolean, got {show(is_controller)}")
            ok = False
        if not ok or not isinstance(kind, str) or not isinstance(name, str):
            continue
        if is_controller is True and controller is None:
            controller = OwnerRef(kind, name)
        if first is None:
            first = OwnerRef(kind, name)
    return controller or first


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
            ctx.problem(
                spec,
                join(path, group),
                f"must be a list, got {checks.type_name(containers)} {show(containers)}",
            )
            continue
        if group == "containers" and not containers:
            ctx.problem(
                spec, join(path, group), "must have at least one container (the API server rejects [])"
            )
            continue
        for ci, container in enumerate(containers):
            if not isinstance(container, dict):
                ctx.problem(
                    spec,
                    f"{path}.{group}[{ci}]",
                    f"must be a mapping (name, image, ports, …), got {checks.type_name(container)} {show(container)}",
                )
                continue
            raw_ports = container.get("ports")
            if raw_ports is None:
                continue
            cpath = f"{path}.{group}[{ci}].ports"
            if not isinstance(raw_ports, list):
                ctx.problem(
                    container, cpath, f"must be a list, got {checks.type_name(raw_ports)} {show(raw_ports)}"
                )
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
                    parsed = policy_fields.protocol(ctx, proto_raw, f"{ppath}.protocol", here)
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
            else:
                ctx.problem(node, f"status.podIPs[{i}]", f"must be a mapping {{ip: ...}}, got {show(item)}")
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


def _host_network(ctx: Ctx, spec: dict[Any, Any], path: str, node: object) -> bool:
    value = spec.get("hostNetwork")
    if value is None or isinstance(value, bool):
        return value is True
    ctx.problem(
        spec if isinstance(spec, LocatedDict) else node,
        join(path, "hostNetwork"),
        f"must be a boolean, got {show(value)}",
    )
    return False


#: Workload kind → the field of the template's parent that counts its pods (None: one per node).
REPLICA_FIELDS: dict[str, str | None] = {
    "Deployment": "replicas",
    "StatefulSet": "replicas",
    "DaemonSet": None,
    "ReplicaSet": "replicas",
    "ReplicationController": "replicas",
    "Job": "parallelism",
    "CronJob": "parallelism",
}

_INT32_MAX = 2**31 - 1


def _replicas(ctx: Ctx, kind: str, holder: dict[Any, Any], path: str, node: object) -> int | None:
    """How many pods the workload runs at once: ``replicas`` (``parallelism`` for Jobs),
    default 1; a DaemonSet counts as 2 (one pod per node, and a cluster has two nodes or
    more in general). None after a Problem (not an integer in 0..2^31-1)."""
    field = REPLICA_FIELDS[kind]
    if field is None:
        return 2
    value = holder.get(field)
    if value is None:
        return 1
    here = holder if isinstance(holder, LocatedDict) else node
    if not checks.is_int(value):
        ctx.problem(
            here, join(path, field), f"must be an integer, got {checks.type_name(value)} {show(value)}"
        )
        return None
    if not 0 <= value <= _INT32_MAX:
        ctx.problem(here, join(path, field), f"must be between 0 and {_INT32_MAX}, got {value}")
        return None
    return value


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
    host_network = _host_network(ctx, spec, "spec", doc)
    phase = status.get("phase")
    if phase is not None and not isinstance(phase, str):
        ctx.problem(status_node, "status.phase", f"must be a string, got {show(phase)}")
    owner = owner_of(ctx, meta)
    if ctx.problem_count != before or pod_labels is None:
        return None
    location = ctx.where
    template_hash = pod_labels.get("pod-template-hash")
    if host_network:
        ctx.notice(doc, "hostNetwork pod excluded: NetworkPolicies do not apply to host-network pods")
        return Entry("Pod", namespace, name, None, owner, location, template_hash)
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
    """A workload's pod template as a `Pod` named ``name[Kind]`` (no IPs).

    ``replicated`` is set when the template stands for two pods or more: ``spec.replicas``
    ≥ 2 (Deployment, StatefulSet, ReplicaSet, ReplicationController), ``parallelism`` ≥ 2
    (Job; a CronJob's ``jobTemplate.spec``), and always for a DaemonSet — one pod per node,
    assuming the cluster has at least two nodes. An autoscaler can set it later (see
    `verifier.load.cluster`). ``replicas: 0`` (``parallelism: 0``) runs no pod: the entry
    keeps ``pod=None`` and ``scaled_to_zero`` (the loader adds the Notice), like a
    host-network template, so that it still counts for owner deduplication.
    """
    before = ctx.problem_count
    node: Any = doc
    path = ""
    holder: dict[Any, Any] = doc
    holder_path = ""
    for step in WORKLOAD_TEMPLATES[kind]:
        holder, holder_path = node, path
        path = join(path, step)
        node = checks.mapping(ctx, node.get(step), path, holder)
        if node is None:
            if ctx.problem_count == before:
                ctx.problem(holder, path, "required field is missing (the workload's pod template)")
            return None
    template: dict[Any, Any] = node
    tmeta = checks.mapping(ctx, template.get("metadata"), join(path, "metadata"), template) or {}
    tlabels = checks.labels(
        ctx, tmeta.get("labels"), join(path, "metadata.labels"), tmeta or template, label_cache
    )
    tspec = checks.mapping(ctx, template.get("spec"), join(path, "spec"), template) or {}
    ports = _container_ports(ctx, tspec, join(path, "spec"), label_cache)
    host_network = _host_network(ctx, tspec, join(path, "spec"), template)
    replicas = _replicas(ctx, kind, holder, holder_path, doc)
    owner = owner_of(ctx, meta)
    if ctx.problem_count != before or tlabels is None or replicas is None:
        return None
    location = ctx.where
    if host_network:
        ctx.notice(
            doc, "hostNetwork pod template excluded: NetworkPolicies do not apply to host-network pods"
        )
        return Entry(kind, namespace, name, None, owner, location)
    if replicas == 0:
        field = join(holder_path, REPLICA_FIELDS[kind] or "")
        return Entry(kind, namespace, name, None, owner, location, scaled_to_zero=f"{field}: 0")
    pod = Pod.model_construct(
        namespace=namespace,
        name=f"{name}[{kind}]",
        labels=tlabels,
        ips=(),
        ports=ports,
        kind=kind,
        host_network=False,
        replicated=replicas >= 2,
        location=location,
    )
    return Entry(kind, namespace, name, pod, owner, location)
