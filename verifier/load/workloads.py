"""Workload bookkeeping for the loader (`verifier.load.cluster`): which workloads an HPA
scales to two pods or more, and which pod templates other entries stand for (an owner
workload in the input, or live pods of it) and so are no endpoint of their own.
"""

from __future__ import annotations

from typing import Any

from verifier.errors import Location, Notice
from verifier.load import checks
from verifier.load.checks import Ctx, show
from verifier.load.inventory import Entry
from verifier.load.reader import LocatedDict

DEFAULT_NAMESPACE = "default"


def read_autoscaler(ctx: Ctx, data: dict[Any, Any], autoscaled: dict[tuple[str, str, str], Location]) -> None:
    """Record the workload an HPA may scale to two pods or more (``maxReplicas`` ≥ 2);
    the fields read are type-checked like any other."""
    meta = checks.mapping(ctx, data.get("metadata"), "metadata", data) or {}
    ctx.where = ctx.at(meta) if isinstance(meta, LocatedDict) else ctx.at(data)
    name, namespace = meta.get("name"), meta.get("namespace")
    if namespace is None:
        namespace = DEFAULT_NAMESPACE
    shown = name if isinstance(name, str) and name else "<unnamed>"
    ctx.obj = f"HorizontalPodAutoscaler {namespace if isinstance(namespace, str) else '?'}/{shown}"
    before = ctx.problem_count
    if not isinstance(namespace, str):
        ctx.problem(data, "metadata.namespace", f"must be a string, got {show(namespace)}")
    spec = checks.mapping(ctx, data.get("spec"), "spec", data)
    if spec is None:
        if ctx.problem_count == before:
            ctx.problem(data, "spec", "required field is missing (scaleTargetRef, maxReplicas)")
        return
    here = spec if isinstance(spec, LocatedDict) else data
    ref = checks.mapping(ctx, spec.get("scaleTargetRef"), "spec.scaleTargetRef", here)
    target: list[str] = []
    if ref is None:
        if spec.get("scaleTargetRef") is None:
            ctx.problem(here, "spec.scaleTargetRef", "required field is missing")
    else:
        ref_here = ref if isinstance(ref, LocatedDict) else here
        for key in ("kind", "name"):
            value = ref.get(key)
            if not isinstance(value, str) or not value:
                ctx.problem(
                    ref_here,
                    f"spec.scaleTargetRef.{key}",
                    f"must be a non-empty string, got {show(value)}",
                )
            else:
                target.append(value)
    most = spec.get("maxReplicas")
    if most is None:
        ctx.problem(here, "spec.maxReplicas", "required field is missing")
    elif not checks.is_int(most) or not 1 <= most <= 2**31 - 1:
        ctx.problem(here, "spec.maxReplicas", f"must be an integer of at least 1, got {show(most)}")
    if ctx.problem_count != before or len(target) != 2 or not checks.is_int(most):
        return
    if most >= 2 and isinstance(namespace, str):
        autoscaled.setdefault((namespace, target[0], target[1]), ctx.where)


def apply_autoscalers(entries: list[Entry], autoscaled: dict[tuple[str, str, str], Location]) -> None:
    """A workload an HPA may scale to two pods or more is replicated (one scaled to
    zero stays without pods: an HPA does not scale up from zero)."""
    for entry in entries:
        if entry.kind == "Pod" or entry.pod is None or entry.pod.replicated:
            continue
        if (entry.namespace, entry.kind, entry.name) in autoscaled:
            entry.pod = entry.pod.model_copy(update={"replicated": True})


def represented_templates(entries: list[Entry], notices: list[Notice]) -> set[int]:
    """Indices (into ``entries``) of workload templates that other entries stand for: an
    owner workload in the input, or live pods of it; each gets a Notice in ``notices``."""
    workloads: dict[tuple[str, str, str], int] = {}
    for i, entry in enumerate(entries):
        if entry.kind != "Pod":
            workloads[(entry.namespace, entry.kind, entry.name)] = i

    def owner_index(entry: Entry) -> int | None:
        if entry.owner is None:
            return None
        found = workloads.get((entry.namespace, entry.owner.kind, entry.owner.name))
        if found is None and entry.owner.kind == "ReplicaSet" and entry.template_hash:
            suffix = "-" + entry.template_hash
            if entry.owner.name.endswith(suffix):
                deployment = entry.owner.name[: -len(suffix)]
                found = workloads.get((entry.namespace, "Deployment", deployment))
        return found

    dropped: set[int] = set()
    live_pods: dict[int, int] = {}
    for i, entry in enumerate(entries):
        if entry.kind == "Pod":
            if entry.pod is None:
                continue  # excluded pods (finished, host network) do not stand for a template
            top = owner_index(entry)
            hops = 0
            while top is not None and hops < 16:
                parent = owner_index(entries[top])
                if parent is None:
                    break
                top, hops = parent, hops + 1
            if top is not None:
                live_pods[top] = live_pods.get(top, 0) + 1
        else:
            owner = owner_index(entry)
            if owner is not None:
                dropped.add(i)
                if entry.pod is not None or entry.scaled_to_zero:
                    boss = entries[owner]
                    notices.append(
                        Notice(
                            entry.location,
                            f"{entry.kind} {entry.namespace}/{entry.name}",
                            f"pod template not used as an endpoint: managed by {boss.kind} "
                            f"{boss.name}, which is in the input",
                        )
                    )
            elif entry.scaled_to_zero:
                notices.append(
                    Notice(
                        entry.location,
                        f"{entry.kind} {entry.namespace}/{entry.name}",
                        f"scaled to zero: no pods ({entry.scaled_to_zero}), so its pod template is not an endpoint",
                    )
                )
    for i, count in live_pods.items():
        entry = entries[i]
        if i in dropped or entry.pod is None:
            continue
        dropped.add(i)
        notices.append(
            Notice(
                entry.location,
                f"{entry.kind} {entry.namespace}/{entry.name}",
                f"pod template not used as an endpoint: {count} of its pods are in the input",
            )
        )
    return dropped


__all__ = ["apply_autoscalers", "read_autoscaler", "represented_templates"]
