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
  filter traffic but are not modelled (Cilium, Calico, Antrea, Istio, …), a policy tier at a
  version that is not read (v1beta1 ClusterNetworkPolicy, …) and kinds of no known group are
  Problems naming the object — unless ``ignore_kinds`` names them: then one warning per kind
  says they were left out (`verifier.errors.ignored_kinds` reads it back), and
  `LoadResult.ignored_kinds` lists them.
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
- Nodes, AdminNetworkPolicies, BaselineAdminNetworkPolicies and ClusterNetworkPolicies are
  cluster-scoped (no namespace; ``metadata.namespace`` is not read) and parsed by
  `verifier.load.tiers`, in input order. ``--ignore-kind`` does not leave out the tier kinds
  that are read: a warning says so.
- Namespaces always carry ``kubernetes.io/metadata.name=<name>``; one referenced but not
  declared exists with only that label (``declared=False``) and gets one Notice.

This module reads documents, dispatches on kind and keeps the namespaces; what is skipped
and the summary of it is `verifier.load.skipped`, the HPA and owner bookkeeping that decides
which templates are endpoints is `verifier.load.workloads`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from verifier.errors import InputError, Location, Notice, Problem
from verifier.load import checks
from verifier.load.checks import Ctx, Diagnostics, LabelCache, show
from verifier.load.inventory import Entry, parse_pod, parse_workload
from verifier.load.kinds import (
    CLUSTER_SCOPED_KINDS,
    NETWORK_POLICY_API,
    TIER_APIS,
    TIER_GROUP,
    KindClass,
    classify,
    tier_versions,
)
from verifier.load.policy import parse_policy
from verifier.load.reader import Document, LocatedDict, locate, parse_text, read_files
from verifier.load.skipped import (
    ignore_matches,
    ignore_name,
    object_like,
    parse_ignore_kinds,
    some_names,
    summary_notices,
    templated,
)
from verifier.load.tiers import parse_node, parse_tier_policy
from verifier.load.workloads import (
    DEFAULT_NAMESPACE,
    apply_autoscalers,
    read_autoscaler,
    represented_templates,
)
from verifier.model import NAMESPACE_NAME_LABEL, Cluster, Namespace, NetworkPolicy, Node, TierPolicy

AUTOSCALING_API = "autoscaling/"


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
        self.tier_policies: list[TierPolicy] = []
        self.nodes: list[Node] = []
        self.ignore_unused: set[str] = set()  # tier kinds --ignore-kind named but are read
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
                read_autoscaler(ctx, data, self.autoscaled)
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
        if kind == "Node":
            node = parse_node(ctx, data, meta, name, self.labels)
            if node is not None:
                self.nodes.append(node)
            return
        if kind in TIER_APIS:
            self._tier_policy(ctx, data, kind, api, name)
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

    def _tier_policy(self, ctx: Ctx, data: dict[Any, Any], kind: str, api: str, name: str) -> None:
        if ignore_matches(self.ignore, kind, api) and kind not in self.ignore_unused:
            self.ignore_unused.add(kind)
            ctx.notice(
                None,
                f"--ignore-kind {kind} does not leave out {api} {kind} objects: they are read "
                "(it only leaves out versions that are not)",
            )
        policy = parse_tier_policy(ctx, data, kind, name)
        if policy is not None:
            self.tier_policies.append(policy)

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
        if kind_class is KindClass.OTHER_VERSION:
            ctx.problem(
                None,
                "apiVersion",
                f"{kind} ({api}) is not supported: results would be wrong; the versions read are "
                f"{tier_versions()} (pass --ignore-kind {shown} to analyse the rest without it)",
            )
            return
        ctx.problem(
            None,
            "",
            f"{kind} ({api}) filters pod traffic but is not modelled: results would be wrong; only "
            f"{NETWORK_POLICY_API} NetworkPolicy and the {TIER_GROUP} tiers are modelled "
            f"(pass --ignore-kind {shown} to analyse the rest without it)",
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
        cluster_scoped = kind in CLUSTER_SCOPED_KINDS or (not validate and meta.get("namespace") is None)
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

    # --- whole-input passes -------------------------------------------------------------

    def _nothing_loadable(self) -> bool:
        return not (
            self.entries
            or self.policies
            or self.tier_policies
            or self.nodes
            or self.namespaces
            or self.skipped
            or self.ignored_kinds
        )

    def finish(self, assume_unlabelled_namespaces: bool = False) -> LoadResult:
        if self.helm_files and self._nothing_loadable() and not self.diag.problems:
            self.diag.problems.append(
                Problem(
                    Location(self.helm_files[0]),
                    "",
                    "",
                    f"only Helm templates here ({some_names(self.helm_files)}): they are not manifests "
                    "until rendered; run helm template RELEASE CHART_DIR | netverify COMMAND -",
                )
            )
        self.diag.notices.extend(
            summary_notices(
                skipped=self.skipped,
                skipped_first=self.skipped_first,
                non_objects=self.non_objects,
                helm_files=self.helm_files,
                ignored_kinds=self.ignored_kinds,
                verbose=self.verbose,
            )
        )
        apply_autoscalers(self.entries, self.autoscaled)
        dropped = represented_templates(self.entries, self.diag.notices)
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
            tier_policies=tuple(self.tier_policies),
            nodes=tuple(self.nodes),
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
