"""Documents → `Cluster`: kinds, kubectl Lists, duplicates, owners, namespaces.

Decisions, stated once:

- ``List`` and typed lists (``PodList``, ``DeploymentList``, … — any kind ending in ``List``
  with ``items``) are flattened; items of a typed list may omit ``kind``/``apiVersion``.
- Namespaced objects without ``metadata.namespace`` are in ``default`` (kubectl's convention).
- What the input may hold (design §1; the table is `verifier.load.kinds`): documents that are
  not Kubernetes objects (Chart.yaml, values.yaml, a spec file, a JSON array of plain values —
  a mapping is an object when it has two of ``apiVersion``, ``kind``, ``metadata``, ``spec``)
  and kinds that cannot change pod traffic (Services, ConfigMaps, RBAC, cert-manager, …) are
  skipped with one summary note for the whole run (``verbose``: one per file). Kinds that
  filter traffic but are not modelled (Cilium, Calico, Antrea, Istio, …), the policy tiers
  (AdminNetworkPolicy, …) and kinds of no known group are Problems naming the object — unless
  ``ignore_kinds`` names them: then one warning per kind says they were left out
  (`verifier.errors.ignored_kinds` reads it back), and `LoadResult.ignored_kinds` lists them.
- A file with Helm template syntax (``{{``) that does not parse, or whose objects carry it
  where it matters, is skipped with one warning for the whole run naming the files and how to
  render them; if nothing else is loadable, that is a Problem.
- A workload's pod template is an endpoint unless (a) the workload is controlled by another
  workload in the input (a Deployment's ReplicaSets, a CronJob's Jobs) — the owner stands for
  it — or (b) live pods of it are in the input (a kubectl dump holds both) — the real pods
  stand for it. Pods are linked to workloads through ``ownerReferences``; a pod whose
  ReplicaSet is absent is linked to its Deployment by the ``pod-template-hash`` label.
  Every template dropped this way gets a Notice.
- A workload template stands for two pods or more (``Pod.replicated``) with ``replicas`` ≥ 2,
  ``parallelism`` ≥ 2 (Jobs, CronJobs), as a DaemonSet, or when a HorizontalPodAutoscaler
  (``autoscaling/*``) of its namespace names it in ``scaleTargetRef`` with ``maxReplicas``
  ≥ 2. HPAs are otherwise ignored like the other traffic-neutral kinds. ``replicas: 0``
  contributes no endpoint (with a Notice), even when autoscaled.
- The same Namespace given twice (a cluster dump plus a chart) is one namespace when both
  give the same labels — the only thing read from it — with a Notice; different labels are
  a Problem naming both locations. Any other duplicate object is a Problem.
- Namespaces always carry ``kubernetes.io/metadata.name=<name>``; one referenced but not
  declared exists with only that label (``declared=False``) and gets one Notice.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from verifier.errors import IGNORED_KIND_PHRASE, InputError, Location, Notice, Problem, UsageError
from verifier.load import checks
from verifier.load.checks import Ctx, Diagnostics, LabelCache, show
from verifier.load.inventory import Entry, parse_pod, parse_workload
from verifier.load.kinds import MODELLED_KINDS, NETWORK_POLICY_API, KindClass, api_group, classify
from verifier.load.policy import parse_policy
from verifier.load.reader import Document, LocatedDict, locate, parse_text, read_files
from verifier.model import NAMESPACE_NAME_LABEL, Cluster, Namespace, NetworkPolicy
from verifier.model.words import plural

DEFAULT_NAMESPACE = "default"
AUTOSCALING_API = "autoscaling/"

_MODELLED_LOWER = frozenset(k.lower() for k in MODELLED_KINDS)

# How many file names a summary line shows before "and N more".
_SUMMARY_NAMES = 6


@dataclass(frozen=True, slots=True)
class LoadResult:
    """A loaded cluster and the warnings about what was assumed or ignored on the way."""

    cluster: Cluster
    notices: tuple[Notice, ...]
    #: Kinds left out with ``ignore_kinds`` that were in the input (as the user named them).
    ignored_kinds: tuple[str, ...] = ()


class _ClusterLoader:
    """One load: collects entries, policies, namespaces and diagnostics across all files."""

    def __init__(self, ignore_kinds: Sequence[str] = (), verbose: bool = False) -> None:
        self.ignore = parse_ignore_kinds(ignore_kinds)
        self.verbose = verbose
        self.skipped: dict[str, dict[str, int]] = {}  # file -> kind -> count
        self.skipped_first: dict[str, Location] = {}
        self.non_objects: dict[str, Location] = {}
        self.helm_files: list[str] = []
        self.ignored_kinds: dict[str, list[tuple[Location, str, str]]] = {}
        self.diag = Diagnostics()
        self.labels = LabelCache()
        self.entries: list[Entry] = []
        self.policies: list[NetworkPolicy] = []
        self.namespaces: dict[str, Namespace] = {}
        self.ns_refs: dict[str, Location] = {}
        self.defined: dict[tuple[str, str, str], Location] = {}
        self.valid_ns_names: set[str] = set()
        self.autoscaled: dict[tuple[str, str, str], Location] = {}

    # --- documents ----------------------------------------------------------------------

    def document(self, doc: Document) -> None:
        self.item(doc.file, doc.data, doc.location, None, None)

    def item(self, file: str, data: Any, where: Location, kind: str | None, api: str | None) -> None:
        if data is None:
            return  # an empty document
        where = locate(data, file, where)
        if isinstance(data, list):  # a bare list of manifests (e.g. a JSON array)
            for element in data:
                self.item(file, element, where, kind, api)
            return
        if kind is None and not object_like(data):
            self.non_objects.setdefault(file, where)
            return
        ctx = Ctx(self.diag, file, "", where)
        if not isinstance(data, dict):
            ctx.problem(
                data,
                "",
                f"expected a Kubernetes object (a mapping), got {checks.type_name(data)} {show(data)}",
            )
            return
        kind_raw = data.get("kind", kind)
        api_raw = data.get("apiVersion", api)
        if not isinstance(kind_raw, str) or not kind_raw:
            ctx.problem(data, "kind", f"missing or invalid kind {show(kind_raw)}: not a Kubernetes object")
            return
        if not isinstance(api_raw, str) or not api_raw:
            ctx.problem(
                data, "apiVersion", f"missing or invalid apiVersion {show(api_raw)} for kind {kind_raw}"
            )
            return
        if kind_raw == "List" or (kind_raw.endswith("List") and "items" in data):
            items = checks.sequence(Ctx(self.diag, file, kind_raw, where), data.get("items"), "items", data)
            item_kind = None if kind_raw == "List" else kind_raw[: -len("List")]
            item_api = None if kind_raw == "List" else api_raw
            for element in items or []:
                if element is None or (isinstance(element, dict) and not element and item_kind is None):
                    continue
                self.item(file, element, where, item_kind or "", item_api or "")
            return
        self.resource(ctx, data, kind_raw, api_raw)

    def resource(self, ctx: Ctx, data: dict[Any, Any], kind: str, api: str) -> None:
        kind_class = classify(kind, api)
        if kind_class is KindClass.NEUTRAL:
            per_kind = self.skipped.setdefault(ctx.file, {})
            per_kind[kind] = per_kind.get(kind, 0) + 1
            self.skipped_first.setdefault(ctx.file, ctx.at(data))
            if kind == "HorizontalPodAutoscaler" and api.startswith(AUTOSCALING_API):
                self._autoscaler(ctx, data)
            return
        if kind_class is not KindClass.MODELLED:
            self._not_modelled(ctx, data, kind, api, kind_class)
            return
        named = self._name_ctx(ctx, data, kind)
        if named is None:
            return
        meta, namespace, name = named
        key = (kind, namespace, name)
        first = self.defined.get(key)
        if first is not None:
            if kind == "Namespace":
                self._namespace_again(ctx, meta, name, first)
            else:
                ctx.problem(None, "metadata.name", f"duplicate {kind} {show(name)}: also defined at {first}")
            return
        self.defined[key] = ctx.where
        if kind == "Namespace":
            self._namespace(ctx, meta, name)
            return
        self.ns_refs.setdefault(namespace, ctx.where)
        if kind == "NetworkPolicy":
            policy = parse_policy(ctx, data, namespace, name)
            if policy is not None:
                self.policies.append(policy)
        elif kind == "Pod":
            entry = parse_pod(ctx, data, meta, namespace, name, self.labels)
            if entry is not None:
                self.entries.append(entry)
        else:
            entry = parse_workload(ctx, kind, data, meta, namespace, name, self.labels)
            if entry is not None:
                self.entries.append(entry)

    def _not_modelled(
        self, ctx: Ctx, data: dict[Any, Any], kind: str, api: str, kind_class: KindClass
    ) -> None:
        """A kind that filters traffic, a policy tier, or an unknown kind: a Problem, unless
        the user asked to leave it out (then one warning per kind, at its first object)."""
        self._name_ctx(ctx, data, kind, validate=False)
        shown = ignore_name(kind, api)
        if ignore_matches(self.ignore, kind, api):
            self.ignored_kinds.setdefault(shown, []).append((ctx.where, ctx.obj, api))
            return
        if kind_class is KindClass.UNKNOWN:
            ctx.problem(
                None,
                "kind",
                f"unknown kind {show(kind)} (apiVersion {api}): cannot tell whether it affects traffic; "
                f"if it does not, pass --ignore-kind {shown} (or remove it from the input)",
            )
            return
        what = (
            "is not supported yet"
            if kind_class is KindClass.NOT_YET
            else "filters pod traffic but is not modelled"
        )
        ctx.problem(
            None,
            "",
            f"{kind} ({api}) {what}: results would be wrong; only {NETWORK_POLICY_API} NetworkPolicy is "
            f"modelled (pass --ignore-kind {shown} to analyse the rest without it)",
        )

    def _name_ctx(
        self, ctx: Ctx, data: dict[Any, Any], kind: str, *, validate: bool = True
    ) -> tuple[dict[Any, Any], str, str] | None:
        """Read ``metadata``, name the object in ``ctx`` and locate it at its metadata;
        with `validate`, report a missing/invalid name or namespace (and return None)."""
        meta_raw = data.get("metadata")
        meta = meta_raw if isinstance(meta_raw, dict) else {}
        if isinstance(meta_raw, LocatedDict):
            ctx.where = ctx.at(meta_raw)
        name = meta.get("name")
        cluster_scoped = kind == "Namespace" or (not validate and meta.get("namespace") is None)
        namespace = meta.get("namespace", DEFAULT_NAMESPACE)
        if namespace is None:
            namespace = DEFAULT_NAMESPACE
        shown_name = name if isinstance(name, str) and name else "<unnamed>"
        shown_ns = namespace if isinstance(namespace, str) else "?"
        ctx.obj = f"{kind} {shown_name}" if cluster_scoped else f"{kind} {shown_ns}/{shown_name}"
        if not validate:
            return None
        ok = True
        here = meta_raw if isinstance(meta_raw, LocatedDict) else data
        if meta_raw is not None and not isinstance(meta_raw, dict):
            ctx.problem(data, "metadata", f"must be a mapping, got {show(meta_raw)}")
            return None
        if name is None or name == "":
            ctx.problem(here, "metadata.name", "required field is missing")
            ok = False
        elif not isinstance(name, str):
            ctx.problem(here, "metadata.name", f"must be a string, got {show(name)}")
            ok = False
        elif kind == "Namespace" and (err := checks.dns_label_error(name)):
            ctx.problem(here, "metadata.name", f"invalid namespace name {show(name)}: {err}")
            ok = False
        elif kind == "NetworkPolicy" and (err := checks.dns_subdomain_error(name)):
            ctx.problem(here, "metadata.name", f"invalid NetworkPolicy name {show(name)}: {err}")
            ok = False
        if not cluster_scoped and not (isinstance(namespace, str) and namespace in self.valid_ns_names):
            if not isinstance(namespace, str):
                ctx.problem(here, "metadata.namespace", f"must be a string, got {show(namespace)}")
                ok = False
            elif err := checks.dns_label_error(namespace):
                ctx.problem(here, "metadata.namespace", f"invalid namespace name {show(namespace)}: {err}")
                ok = False
            else:
                self.valid_ns_names.add(namespace)
        if not ok or not isinstance(name, str) or not isinstance(namespace, str):
            return None
        return meta, ("" if cluster_scoped else namespace), name

    def _namespace_labels(self, ctx: Ctx, meta: dict[Any, Any], name: str) -> dict[str, str] | None:
        ns_labels = checks.labels(ctx, meta.get("labels"), "metadata.labels", meta, self.labels)
        if ns_labels is None:
            return None
        current = ns_labels.get(NAMESPACE_NAME_LABEL)
        if current is not None and current != name:
            ctx.notice(
                meta,
                f"label {NAMESPACE_NAME_LABEL}={current} replaced by {name}: the API server always sets it "
                "to the namespace's name",
            )
        ns_labels[NAMESPACE_NAME_LABEL] = name
        return ns_labels

    def _namespace(self, ctx: Ctx, meta: dict[Any, Any], name: str) -> None:
        ns_labels = self._namespace_labels(ctx, meta, name)
        if ns_labels is not None:
            self.namespaces[name] = Namespace.model_construct(
                name=name, labels=ns_labels, declared=True, location=ctx.where
            )

    def _namespace_again(self, ctx: Ctx, meta: dict[Any, Any], name: str, first: Location) -> None:
        """A Namespace declared twice (a cluster dump plus a chart): one namespace when both
        give the same labels (the only thing read from a Namespace), else a Problem."""
        ns_labels = self._namespace_labels(ctx, meta, name)
        if ns_labels is None:
            return
        known = self.namespaces.get(name)
        if known is None:  # the first declaration was invalid and is already reported
            return
        if known.labels == ns_labels:
            ctx.notice(meta, f"declared again with the same labels (also at {first}): read as one namespace")
            return
        differ = sorted(
            k for k in known.labels.keys() | ns_labels.keys() if known.labels.get(k) != ns_labels.get(k)
        )
        ctx.problem(
            None,
            "metadata.labels",
            f"duplicate Namespace {show(name)} with different labels ({', '.join(differ)}): also defined at {first}",
        )

    def _autoscaler(self, ctx: Ctx, data: dict[Any, Any]) -> None:
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
            self.autoscaled.setdefault((namespace, target[0], target[1]), ctx.where)

    def _apply_autoscalers(self) -> None:
        """A workload an HPA may scale to two pods or more is replicated (one scaled to
        zero stays without pods: an HPA does not scale up from zero)."""
        for entry in self.entries:
            if entry.kind == "Pod" or entry.pod is None or entry.pod.replicated:
                continue
            if (entry.namespace, entry.kind, entry.name) in self.autoscaled:
                entry.pod = entry.pod.model_copy(update={"replicated": True})

    # --- whole-input passes -------------------------------------------------------------

    def _drop_represented_templates(self) -> set[int]:
        """Indices (into ``entries``) of workload templates that other entries stand for."""
        workloads: dict[tuple[str, str, str], int] = {}
        for i, entry in enumerate(self.entries):
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
        for i, entry in enumerate(self.entries):
            if entry.kind == "Pod":
                if entry.pod is None:
                    continue  # excluded pods (finished, host network) do not stand for a template
                top = owner_index(entry)
                hops = 0
                while top is not None and hops < 16:
                    parent = owner_index(self.entries[top])
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
                        boss = self.entries[owner]
                        self.diag.notices.append(
                            Notice(
                                entry.location,
                                f"{entry.kind} {entry.namespace}/{entry.name}",
                                f"pod template not used as an endpoint: managed by {boss.kind} "
                                f"{boss.name}, which is in the input",
                            )
                        )
                elif entry.scaled_to_zero:
                    self.diag.notices.append(
                        Notice(
                            entry.location,
                            f"{entry.kind} {entry.namespace}/{entry.name}",
                            f"scaled to zero: no pods ({entry.scaled_to_zero}), so its pod template is not an endpoint",
                        )
                    )
        for i, count in live_pods.items():
            entry = self.entries[i]
            if i in dropped or entry.pod is None:
                continue
            dropped.add(i)
            self.diag.notices.append(
                Notice(
                    entry.location,
                    f"{entry.kind} {entry.namespace}/{entry.name}",
                    f"pod template not used as an endpoint: {count} of its pods are in the input",
                )
            )
        return dropped

    def _summary_notices(self) -> None:
        """One note for everything skipped as harmless, one warning for Helm templates, one
        warning per ignored kind; ``verbose`` adds one note per file."""
        kinds: dict[str, int] = {}
        for per_kind in self.skipped.values():
            for kind, count in per_kind.items():
                kinds[kind] = kinds.get(kind, 0) + count
        parts = []
        if kinds:
            total = sum(kinds.values())
            counted = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
            parts.append(f"skipped {_neutral(total)}: {counted}")
        if self.non_objects:
            files = _some_names(list(self.non_objects))
            parts.append(f"{_non_objects(len(self.non_objects))}: {files}")
            if not kinds:
                parts[-1] = "skipped " + parts[-1]
        if parts:
            more = "" if self.verbose else " (--verbose lists them)"
            self.diag.notices.append(Notice(Location(""), "", "; and ".join(parts) + more, level="note"))
        if self.verbose:
            for file, per_kind in self.skipped.items():
                counted = ", ".join(
                    f"{n} {k}" for k, n in sorted(per_kind.items(), key=lambda kv: (-kv[1], kv[0]))
                )
                total = sum(per_kind.values())
                message = f"skipped {_neutral(total)}: {counted}"
                self.diag.notices.append(Notice(self.skipped_first[file], "", message, level="note"))
            for file in self.non_objects:
                self.diag.notices.append(
                    Notice(Location(file), "", "skipped: not a Kubernetes object", level="note")
                )
        if self.helm_files:
            files = _some_names(self.helm_files)
            self.diag.notices.append(
                Notice(
                    Location(""),
                    "",
                    f"skipped {plural(len(self.helm_files), 'file')} with Helm template syntax ({{{{ … }}}}): "
                    f"{files}; render the chart and check what it produces: "
                    "helm template RELEASE CHART_DIR | netverify COMMAND -",
                )
            )
        for shown, found in self.ignored_kinds.items():
            where, obj, api = found[0]
            which = obj if len(found) == 1 else f"{obj} and {len(found) - 1} more"
            self.diag.notices.append(
                Notice(
                    where,
                    "",
                    f"{IGNORED_KIND_PHRASE}{shown}: left out {plural(len(found), 'object')} that may filter "
                    f"traffic ({which}; {api}): results are as if it were absent",
                )
            )

    def _nothing_loadable(self) -> bool:
        return not (self.entries or self.policies or self.namespaces or self.skipped or self.ignored_kinds)

    def finish(self, assume_unlabelled_namespaces: bool = False) -> LoadResult:
        if self.helm_files and self._nothing_loadable() and not self.diag.problems:
            self.diag.problems.append(
                Problem(
                    Location(self.helm_files[0]),
                    "",
                    "",
                    f"only Helm templates here ({_some_names(self.helm_files)}): they are not manifests "
                    "until rendered; run helm template RELEASE CHART_DIR | netverify COMMAND -",
                )
            )
        self._summary_notices()
        self._apply_autoscalers()
        dropped = self._drop_represented_templates()
        pods = tuple(e.pod for i, e in enumerate(self.entries) if e.pod is not None and i not in dropped)
        namespaces = dict(self.namespaces)
        for name, where in self.ns_refs.items():
            if name in namespaces:
                continue
            namespaces[name] = Namespace.model_construct(
                name=name, labels={NAMESPACE_NAME_LABEL: name}, declared=False, location=where
            )
            if assume_unlabelled_namespaces:
                message = (
                    f"not declared in the input: assumed to carry only the label {NAMESPACE_NAME_LABEL}={name} "
                    "(--assume-unlabelled-namespaces)"
                )
            else:
                message = (
                    f"not declared in the input: its labels besides {NAMESPACE_NAME_LABEL}={name} are unknown, "
                    "so results hold for every label set it could carry "
                    "(--assume-unlabelled-namespaces assumes it has none)"
                )
            self.diag.notices.append(Notice(where, f"Namespace {name}", message))
        if self.diag.problems:
            raise InputError(self.diag.problems)
        cluster = Cluster.model_construct(
            namespaces=namespaces,
            pods=pods,
            policies=tuple(self.policies),
            assume_unlabelled_namespaces=assume_unlabelled_namespaces,
        )
        return LoadResult(
            cluster=cluster, notices=tuple(self.diag.notices), ignored_kinds=tuple(self.ignored_kinds)
        )

    def file(self, name: str, text: str) -> None:
        """Load one file; a Helm template (see `helm_template`) is set aside for the summary."""
        if "{{" not in text:
            for doc in parse_text(name, text, self.diag.problems):
                self.document(doc)
            return
        local: list[Problem] = []
        docs = list(parse_text(name, text, local))
        if local or any(templated(doc.data) for doc in docs):
            self.helm_files.append(name)
            return
        for doc in docs:
            self.document(doc)


def _neutral(count: int) -> str:
    return (
        "1 object that does not change traffic"
        if count == 1
        else f"{count} objects that do not change traffic"
    )


def _non_objects(count: int) -> str:
    return (
        "1 file that is not a Kubernetes object"
        if count == 1
        else f"{count} files that are not Kubernetes objects"
    )


def _some_names(files: Sequence[str]) -> str:
    names = [os.path.basename(f) if f != "-" else f for f in files[:_SUMMARY_NAMES]]
    rest = len(files) - len(names)
    return ", ".join(names) + (f" and {rest} more" if rest > 0 else "")


def object_like(data: Any) -> bool:
    """Whether a top-level document is meant as a Kubernetes object: a mapping with two of
    ``apiVersion``, ``kind``, ``metadata``, ``spec``. Chart.yaml, values.yaml, a spec file or a
    tool's JSON output are not, and are skipped; a broken manifest is, and gets Problems."""
    if not isinstance(data, dict):
        return False
    return sum(1 for key in ("apiVersion", "kind", "metadata", "spec") if key in data) >= 2


# What a chart never templates but a cluster dump holds in bulk (and may quote templates in).
_NOT_TEMPLATED = frozenset({"status", "managedFields", "annotations"})


def _mentions_template(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return "{{" in value
    if depth > 200:
        return False
    if isinstance(value, dict):
        return any(
            _mentions_template(k, depth + 1) or _mentions_template(v, depth + 1)
            for k, v in value.items()
            if k not in _NOT_TEMPLATED
        )
    if isinstance(value, list):
        return any(_mentions_template(v, depth + 1) for v in value)
    return False


def templated(data: Any) -> bool:
    """Whether a parsed document carries Helm template syntax where it matters: anywhere but
    in a traffic-neutral object (a ConfigMap may well hold Go templates of its own)."""
    if isinstance(data, list):
        return any(templated(item) for item in data)
    if isinstance(data, dict):
        kind, api = data.get("kind"), data.get("apiVersion")
        if kind == "List" and isinstance(data.get("items"), list):
            return any(templated(item) for item in data["items"])
        if isinstance(kind, str) and isinstance(api, str) and classify(kind, api) is KindClass.NEUTRAL:
            return False
    return _mentions_template(data)


def parse_ignore_kinds(values: Sequence[str]) -> list[tuple[str, str | None]]:
    """``--ignore-kind`` values: ``KIND`` or ``KIND.GROUP`` (kubectl's resource.group form),
    case-insensitive. A kind this tool models cannot be ignored: a `UsageError`."""
    out: list[tuple[str, str | None]] = []
    for raw in values:
        text = raw.strip()
        kind, dot, group = text.partition(".")
        if not kind or (dot and not group):
            raise UsageError(f"--ignore-kind {raw!r}: expected KIND or KIND.GROUP (e.g. CiliumNetworkPolicy)")
        lower = kind.lower()
        if lower in _MODELLED_LOWER and (lower != "networkpolicy" or group.lower() == "networking.k8s.io"):
            raise UsageError(
                f"--ignore-kind {raw!r}: {kind} is modelled; --ignore-kind only leaves out kinds "
                "this tool does not model (use --exclude GLOB to leave out files)"
            )
        out.append((kind.lower(), group.lower() if dot else None))
    return out


def ignore_matches(ignore: Sequence[tuple[str, str | None]], kind: str, api: str) -> bool:
    lower, group = kind.lower(), api_group(api).lower()
    return any(k == lower and (g is None or g == group) for k, g in ignore)


def ignore_name(kind: str, api: str) -> str:
    """How to name the kind to ``--ignore-kind``: its name, or ``KIND.GROUP`` when the name
    alone is a modelled kind (Calico's and Antrea's NetworkPolicy)."""
    return f"{kind}.{api_group(api)}" if kind in MODELLED_KINDS else kind


def load_cluster(
    paths: Sequence[str],
    *,
    stdin: TextIO | None = None,
    assume_unlabelled_namespaces: bool = False,
    ignore_kinds: Sequence[str] = (),
    exclude: Sequence[str] = (),
    verbose: bool = False,
) -> LoadResult:
    """Load every PATH (file, directory walked recursively, or ``-`` for `stdin`, default
    ``sys.stdin``) into one `Cluster`.

    A namespace that objects reference but no Namespace declares has unknown labels besides
    its name, unless ``assume_unlabelled_namespaces`` (`Cluster.labels_unknown`).

    ``ignore_kinds`` (``KIND`` or ``KIND.GROUP``) leaves out kinds that may filter traffic
    but are not modelled; ``exclude`` GLOBs leave out files (`verifier.load.reader.excluded`);
    ``verbose`` adds one note per skipped file to the summary.

    Raises `InputError` listing every problem found across all files, `UsageError` for an
    ``ignore_kinds`` value naming a modelled kind.
    """
    loader = _ClusterLoader(ignore_kinds, verbose)
    for name, text in read_files(paths, stdin, loader.diag.problems, exclude):
        loader.file(name, text)
    return loader.finish(assume_unlabelled_namespaces)
