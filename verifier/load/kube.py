"""A live cluster as input: list what the loader reads through the official ``kubernetes``
client and feed it to the same loader as files.

Decisions, stated once:

- What is read: Namespaces, Nodes, Pods, the workload kinds (Deployment, ReplicaSet,
  StatefulSet, DaemonSet, Job, CronJob, ReplicationController), HorizontalPodAutoscalers
  (``autoscaling/v2``), ``networking.k8s.io/v1`` NetworkPolicies and the tier kinds at the
  versions the loader reads (`verifier.load.kinds.TIER_APIS`, through ``CustomObjectsApi``).
  Nothing else: traffic-neutral kinds cannot change a verdict. A served API group of a
  network-policy engine netverify does not model (``cilium.io``, …) is one warning.
- Every list is paged (``limit``/``continue``, `PAGE_SIZE` per page, as kubectl does); a
  continue token that expired (410) restarts that kind's list once.
- List items come without ``apiVersion``/``kind`` (the server leaves them out, as
  ``kubectl get -o json`` Lists show): they are set, ``metadata.managedFields`` is dropped
  (nothing reads it, and it is most of a dump), and each object is located as
  ``kube:<context>/<Kind>/<namespace>/<name>`` (``kube:<context>/<Kind>/<name>`` for the
  cluster-scoped kinds), so every error of the loader still names it.
- A kind whose API the cluster does not serve (404: no tier CRDs installed) is none, with one
  note for all of them. A kind the user may not list (403) stops the run, naming the kind and
  the missing RBAC verb (``list`` on ``<resource>.<group>``) — every forbidden kind at once —
  unless ``--ignore-kind`` names it: a kind named that way is not read at all, with one
  warning that the reports record (`verifier.errors.ignored_kinds`). Unauthorized (401),
  connection errors, timeouts and anything else the server answers are one line each,
  raised as `InputError` (exit 2 in the CLI), never a traceback.
- ``namespaces`` restricts the namespaced kinds to those namespaces and reads those
  Namespace objects one by one (``get``: a namespace-scoped role can grant it); Nodes and the
  tier kinds are cluster-scoped and read as always. A warning says what a restricted read
  cannot answer: flows that reach pods of other namespaces (see docs/cli.md, Live cluster).
- The client is imported inside the functions: without it, one `UsageError` names the extra
  to install (``netverify[cluster]``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn, TextIO

from verifier.errors import IGNORED_KIND_PHRASE, InputError, Location, Notice, Problem, UsageError
from verifier.load.checks import dns_label_error
from verifier.load.cluster import LoadResult, _ClusterLoader
from verifier.load.kinds import TIER_APIS, TIER_GROUP, KindClass, api_group, classify, is_traffic_group
from verifier.load.reader import LocatedDict, parse_text, read_files
from verifier.load.skipped import object_like, templated

#: Objects per list request (kubectl's default chunk size).
PAGE_SIZE = 500
#: Seconds to connect and, separately, to wait for each answer.
DEFAULT_REQUEST_TIMEOUT = 30.0
#: The one line shown when the client is missing.
INSTALL_HINT = (
    "reading a live cluster needs the Kubernetes Python client: install netverify[cluster] "
    "(pip install 'netverify[cluster]')"
)
#: Where a snapshot records how it was read (annotations of the List, which the loader ignores).
SNAPSHOT_ANNOTATION = "netverify.io/snapshot"


@dataclass(frozen=True, slots=True)
class Resource:
    """One kind the live read lists, and how: the typed API and its two list methods, or
    (``api == "CustomObjectsApi"``) a cluster-scoped custom resource."""

    kind: str
    api_version: str
    plural: str
    namespaced: bool
    api: str
    list_all: str = ""
    list_namespaced: str = ""

    @property
    def group(self) -> str:
        return api_group(self.api_version)

    @property
    def rbac_resource(self) -> str:
        """The resource as RBAC rules and ``kubectl auth can-i`` name it: ``pods``,
        ``deployments.apps``, ``adminnetworkpolicies.policy.networking.k8s.io``."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


def _tier(kind: str, plural: str) -> Resource:
    return Resource(kind, TIER_APIS[kind], plural, False, "CustomObjectsApi")


#: What a live read lists, in the order it is read (and written to a snapshot).
RESOURCES: tuple[Resource, ...] = (
    Resource("Namespace", "v1", "namespaces", False, "CoreV1Api", "list_namespace"),
    Resource("Node", "v1", "nodes", False, "CoreV1Api", "list_node"),
    _tier("AdminNetworkPolicy", "adminnetworkpolicies"),
    _tier("BaselineAdminNetworkPolicy", "baselineadminnetworkpolicies"),
    _tier("ClusterNetworkPolicy", "clusternetworkpolicies"),
    Resource(
        "NetworkPolicy",
        "networking.k8s.io/v1",
        "networkpolicies",
        True,
        "NetworkingV1Api",
        "list_network_policy_for_all_namespaces",
        "list_namespaced_network_policy",
    ),
    Resource("Pod", "v1", "pods", True, "CoreV1Api", "list_pod_for_all_namespaces", "list_namespaced_pod"),
    Resource(
        "ReplicationController",
        "v1",
        "replicationcontrollers",
        True,
        "CoreV1Api",
        "list_replication_controller_for_all_namespaces",
        "list_namespaced_replication_controller",
    ),
    Resource(
        "Deployment",
        "apps/v1",
        "deployments",
        True,
        "AppsV1Api",
        "list_deployment_for_all_namespaces",
        "list_namespaced_deployment",
    ),
    Resource(
        "ReplicaSet",
        "apps/v1",
        "replicasets",
        True,
        "AppsV1Api",
        "list_replica_set_for_all_namespaces",
        "list_namespaced_replica_set",
    ),
    Resource(
        "StatefulSet",
        "apps/v1",
        "statefulsets",
        True,
        "AppsV1Api",
        "list_stateful_set_for_all_namespaces",
        "list_namespaced_stateful_set",
    ),
    Resource(
        "DaemonSet",
        "apps/v1",
        "daemonsets",
        True,
        "AppsV1Api",
        "list_daemon_set_for_all_namespaces",
        "list_namespaced_daemon_set",
    ),
    Resource(
        "Job", "batch/v1", "jobs", True, "BatchV1Api", "list_job_for_all_namespaces", "list_namespaced_job"
    ),
    Resource(
        "CronJob",
        "batch/v1",
        "cronjobs",
        True,
        "BatchV1Api",
        "list_cron_job_for_all_namespaces",
        "list_namespaced_cron_job",
    ),
    Resource(
        "HorizontalPodAutoscaler",
        "autoscaling/v2",
        "horizontalpodautoscalers",
        True,
        "AutoscalingV2Api",
        "list_horizontal_pod_autoscaler_for_all_namespaces",
        "list_namespaced_horizontal_pod_autoscaler",
    ),
)


@dataclass(frozen=True, slots=True)
class KubeSource:
    """Which cluster to read and how: ``kubeconfig`` (default: ``$KUBECONFIG``, else
    ``~/.kube/config``), ``context`` (default: its current context), ``namespaces`` (empty:
    all), the seconds to wait per request, and the page size."""

    kubeconfig: str | None = None
    context: str | None = None
    namespaces: tuple[str, ...] = ()
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    page_size: int = PAGE_SIZE


@dataclass(frozen=True, slots=True)
class KubeObject:
    """One object read: where it is (``kube:<context>/<Kind>/<ns>/<name>``) and its manifest,
    ``apiVersion`` and ``kind`` set, as a file would hold it."""

    location: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class KubeRead:
    """What a live read returned: the objects in `RESOURCES` order and the notes about it
    (or, from `read_manifests`, the objects of files: ``paths`` set, no context)."""

    context: str
    server: str
    namespaces: tuple[str, ...]
    objects: tuple[KubeObject, ...]
    notices: tuple[Notice, ...]
    #: Kinds the cluster does not serve (404), read as none.
    not_served: tuple[str, ...] = ()
    #: Kinds left unread because ``--ignore-kind`` named them, as the user named them.
    ignored: tuple[str, ...] = ()
    #: The PATHs read, for a snapshot of files.
    paths: tuple[str, ...] = ()


# --- options ------------------------------------------------------------------------------------


def split_namespaces(values: Sequence[str]) -> tuple[str, ...]:
    """``--namespace`` values, repeatable or comma lists, in order, each once; a value that
    is not a namespace name is a `UsageError`."""
    out: dict[str, None] = {}
    for value in values:
        for part in value.split(","):
            name = part.strip()
            if not name:
                continue
            err = dns_label_error(name)
            if err:
                raise UsageError(f"--namespace {name!r}: not a namespace name: {err}")
            out.setdefault(name, None)
    return tuple(out)


def _ignore_match(value: str, resource: Resource) -> bool:
    kind, dot, group = value.strip().lower().partition(".")
    if kind not in (resource.kind.lower(), resource.plural):
        return False
    return not dot or group == resource.group.lower()


def split_ignore_kinds(values: Sequence[str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """``--ignore-kind`` values → ({kind the live read then does not list: the value as the
    user gave it}, the values left for the loader). A listed kind is one of `RESOURCES`
    (``Pod``, ``Node``, ``deployments.apps``, ``AdminNetworkPolicy``, …)."""
    read: dict[str, str] = {}
    rest: list[str] = []
    for value in values:
        hits = [r.kind for r in RESOURCES if _ignore_match(value, r)]
        for kind in hits:
            read.setdefault(kind, value.strip())
        if not hits:
            rest.append(value)
    return read, tuple(rest)


# --- the client -----------------------------------------------------------------------------------


def _client() -> tuple[Any, Any]:
    """The client's ``client`` and ``config`` modules; without them a `UsageError`."""
    try:
        from kubernetes import client, config
    except ImportError:
        raise UsageError(INSTALL_HINT) from None
    return client, config


def _kubeconfig_path(source: KubeSource) -> str:
    if source.kubeconfig is not None:
        if not os.path.isfile(os.path.expanduser(source.kubeconfig)):
            raise InputError([Problem(Location(source.kubeconfig), "", "", "--kubeconfig: no such file")])
        return os.path.expanduser(source.kubeconfig)
    env = os.environ.get("KUBECONFIG", "")
    paths = [p for p in env.split(os.pathsep) if p] if env else []
    found = [p for p in paths if os.path.isfile(os.path.expanduser(p))]
    if found:
        return os.pathsep.join(found)
    default = os.path.expanduser("~/.kube/config")
    if not paths and os.path.isfile(default):
        return default
    where = f"KUBECONFIG={env}" if env else "~/.kube/config"
    raise InputError(
        [Problem(Location("kube"), "", "", f"no kubeconfig ({where} does not exist): pass --kubeconfig PATH")]
    )


def _connect(source: KubeSource) -> tuple[Any, str, str]:
    """(ApiClient, context name, server URL) for `source`; a bad kubeconfig or unknown
    context is an `InputError`."""
    client, config = _client()
    path = _kubeconfig_path(source)  # after the client: without it, say that first
    try:
        contexts, active = config.list_kube_config_contexts(config_file=path)
    except Exception as err:  # malformed YAML, a missing key, …: whatever the parser raises
        raise InputError(
            [Problem(Location(path), "", "", f"cannot read the kubeconfig: {_one_line(err)}")]
        ) from None
    names = [c.get("name") for c in contexts or [] if isinstance(c, dict)]
    if source.context is not None:
        if source.context not in names:
            known = ", ".join(str(n) for n in names) or "none"
            raise InputError(
                [
                    Problem(
                        Location(path),
                        "",
                        "",
                        f"--context {source.context!r}: no such context (known: {known})",
                    )
                ]
            )
        context = source.context
    else:
        if not isinstance(active, dict) or not active.get("name"):
            raise InputError([Problem(Location(path), "", "", "no current context: pass --context NAME")])
        context = str(active["name"])
    configuration = client.Configuration()
    try:
        config.load_kube_config(
            config_file=path, context=context, client_configuration=configuration, persist_config=False
        )
    except Exception as err:  # a bad certificate file, a failing exec plugin, …
        raise InputError(
            [
                Problem(
                    Location(f"kube:{context}"), "", "", f"cannot use context {context!r}: {_one_line(err)}"
                )
            ]
        ) from None
    # One try per request: a dead server or a slow answer is reported at once, not after
    # urllib3's three silent retries.
    configuration.retries = False
    return client.ApiClient(configuration), context, str(configuration.host)


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text or type(err).__name__


# --- reading --------------------------------------------------------------------------------------


class _Forbidden(Exception):
    """403: the user may not make this request."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _NotServed(Exception):
    """404: the cluster does not serve this API (or the object does not exist)."""


class _Gone(Exception):
    """410: a continue token expired."""


class _Reader:
    """One live read: lists every resource, collects objects, notes and problems."""

    def __init__(self, api_client: Any, context: str, server: str, source: KubeSource) -> None:
        self.api_client = api_client
        self.context = context
        self.server = server
        self.source = source
        self.apis: dict[str, Any] = {}
        self.objects: list[KubeObject] = []
        self.problems: list[Problem] = []

    def api(self, name: str) -> Any:
        if name not in self.apis:
            from kubernetes import client

            self.apis[name] = getattr(client, name)(self.api_client)
        return self.apis[name]

    def where(self, suffix: str = "") -> Location:
        return Location(f"kube:{self.context}/{suffix}" if suffix else f"kube:{self.context}")

    def fail(self, message: str) -> NoReturn:
        raise InputError([Problem(self.where(), "", "", message)])

    # --- one request ---

    def request(self, what: str, call: Any, **kwargs: Any) -> dict[str, Any]:
        """One GET through the client, its JSON body. 403, 404 and 410 raise `_Forbidden`,
        `_NotServed` and `_Gone`; everything else that goes wrong is a one-line `InputError`."""
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import ConnectTimeoutError, HTTPError, NewConnectionError
        from urllib3.exceptions import TimeoutError as Urllib3Timeout

        timeout = self.source.request_timeout
        try:
            response = call(**kwargs, _preload_content=False, _request_timeout=(timeout, timeout))
            body = response.data
        except ApiException as err:
            status = int(err.status or 0)
            message = _status_message(err.body) or " ".join(str(err.reason or "").split())
            if status == 403:
                raise _Forbidden(message) from None
            if status == 404:
                raise _NotServed() from None
            if status == 410:
                raise _Gone() from None
            if status == 401:
                self.fail(
                    f"unauthorized (401) {what}: the API server rejected the credentials of context {self.context!r}"
                )
            if status == 0:  # the client's own failures (TLS)
                self.fail(f"cannot reach the API server {self.server} {what}: {message}")
            self.fail(f"the API server answered {status} {what}: {message or 'no message'}")
        except NewConnectionError as err:  # a subclass of ConnectTimeoutError, for history's sake
            self.fail(f"cannot reach the API server {self.server} {what}: {_connection_reason(err)}")
        except ConnectTimeoutError:
            self.fail(
                f"the API server {self.server} did not accept a connection within {timeout:g} s {what} "
                "(--request-timeout SECONDS waits longer)"
            )
        except (Urllib3Timeout, TimeoutError):
            self.fail(
                f"the API server {self.server} did not answer within {timeout:g} s {what} "
                "(--request-timeout SECONDS waits longer)"
            )
        except (HTTPError, OSError) as err:
            self.fail(f"cannot reach the API server {self.server} {what}: {_connection_reason(err)}")
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            self.fail(f"the API server {self.server} answered {what} with something that is not JSON")
        if not isinstance(data, dict):
            self.fail(f"the API server {self.server} answered {what} with JSON that is not an object")
        return data

    # --- a kind ---

    def list_items(self, resource: Resource, namespace: str | None) -> list[Any]:
        """Every item of one list (all namespaces, cluster-scoped, or one namespace), page by
        page; an expired continue token (410) lists again from the start, once."""
        if resource.api == "CustomObjectsApi":
            call = self.api(resource.api).list_cluster_custom_object
            version = resource.api_version.rpartition("/")[2]
            fixed: dict[str, Any] = {"group": resource.group, "version": version, "plural": resource.plural}
        elif namespace is not None:
            call = getattr(self.api(resource.api), resource.list_namespaced)
            fixed = {"namespace": namespace}
        else:
            call = getattr(self.api(resource.api), resource.list_all)
            fixed = {}
        what = f"listing {resource.rbac_resource}" + (f" in namespace {namespace}" if namespace else "")
        for attempt in (1, 2):
            items: list[Any] = []
            token: str | None = None
            while True:
                kwargs = dict(fixed, limit=self.source.page_size)
                if token:
                    kwargs["_continue"] = token
                try:
                    data = self.request(what, call, **kwargs)
                except _Gone:
                    if token and attempt == 1:
                        break  # list again from the start
                    self.fail(f"the API server answered 410 (gone) {what}")
                page = data.get("items")
                if page is not None and not isinstance(page, list):
                    self.fail(f"the API server answered {what} with items that are not a list")
                items.extend(page or [])
                meta = data.get("metadata")
                token = meta.get("continue") if isinstance(meta, dict) else None
                if not token:
                    return items
        return self.fail(f"the API server answered 410 (gone) {what} twice")  # pragma: no cover

    def read(self, resource: Resource, namespace: str | None) -> None:
        self.objects.extend(self.object(resource, item) for item in self.list_items(resource, namespace))

    def read_namespace(self, name: str) -> None:
        """``get`` one Namespace (what a namespace-scoped role can grant)."""
        resource = RESOURCES[0]
        call = self.api(resource.api).read_namespace
        try:
            data = self.request(f"reading namespace {name}", call, name=name)
        except _NotServed:
            self.problems.append(
                Problem(
                    self.where(f"Namespace/{name}"),
                    "",
                    "",
                    f"--namespace {name}: no such namespace in the cluster",
                )
            )
            return
        except _Gone:
            self.fail(f"the API server answered 410 (gone) reading namespace {name}")
        self.objects.append(self.object(resource, data))

    def object(self, resource: Resource, item: Any) -> KubeObject:
        """A list item as a file holds it: ``apiVersion``/``kind`` first, no managedFields."""
        data: dict[str, Any] = {"apiVersion": resource.api_version, "kind": resource.kind}
        if isinstance(item, dict):
            data["apiVersion"] = item.get("apiVersion") or resource.api_version
            data["kind"] = item.get("kind") or resource.kind
            data.update((k, v) for k, v in item.items() if k not in ("apiVersion", "kind"))
        meta = data.get("metadata")
        name, namespace = "<unnamed>", None
        if isinstance(meta, dict):
            meta.pop("managedFields", None)
            if isinstance(meta.get("name"), str) and meta["name"]:
                name = meta["name"]
            if resource.namespaced and isinstance(meta.get("namespace"), str):
                namespace = meta["namespace"]
        path = "/".join([resource.kind, *([namespace] if namespace else []), name])
        return KubeObject(str(self.where(path)), data)

    def served_groups(self) -> list[str]:
        """The API groups the cluster serves (discovery); empty when it will not say."""
        try:
            data = self.request("listing API groups", self.api("ApisApi").get_api_versions)
        except (_Forbidden, _NotServed, _Gone):
            return []
        groups = data.get("groups")
        names = [g.get("name") for g in groups if isinstance(g, dict)] if isinstance(groups, list) else []
        return [n for n in names if isinstance(n, str)]

    def forbidden(self, resource: Resource, namespace: str | None, message: str, verb: str = "list") -> None:
        if not resource.namespaced:
            scope, can_i = "cluster-wide", f"kubectl auth can-i {verb} {resource.rbac_resource}"
        elif namespace is None:
            scope, can_i = "in every namespace", f"kubectl auth can-i {verb} {resource.rbac_resource} -A"
        else:
            scope, can_i = (
                f"in namespace {namespace}",
                f"kubectl auth can-i {verb} {resource.rbac_resource} -n {namespace}",
            )
        if resource.kind == "Namespace" and namespace is not None:
            scope, can_i = f"for namespace {namespace}", f"kubectl auth can-i get namespaces/{namespace}"
        said = f"; the server said: {message}" if message else ""
        self.problems.append(
            Problem(
                self.where(resource.kind),
                "",
                "",
                f"forbidden (403): {resource.kind} objects cannot be read: RBAC verb {verb} on "
                f"{resource.rbac_resource} is not granted {scope} ({can_i}); grant it, or pass "
                f"--ignore-kind {resource.kind} to read the cluster without them{said}",
            )
        )


def read_cluster(source: KubeSource, ignore_kinds: Sequence[str] = ()) -> KubeRead:
    """List every kind of `RESOURCES` from the cluster of ``source`` (see the module's
    decisions). Raises `UsageError` without the client or for a bad ``--namespace``,
    `InputError` for everything that stops the read (every 403 at once)."""
    namespaces = split_namespaces(source.namespaces)
    skip, _ = split_ignore_kinds(ignore_kinds)
    api_client, context, server = _connect(source)
    reader = _Reader(api_client, context, server, source)
    not_served: list[Resource] = []
    try:
        for resource in RESOURCES:
            if resource.kind in skip:
                continue
            scopes: Sequence[str | None] = namespaces if namespaces and resource.namespaced else (None,)
            if resource.kind == "Namespace" and namespaces:
                for name in namespaces:
                    try:
                        reader.read_namespace(name)
                    except _Forbidden as err:
                        reader.forbidden(resource, name, err.message, verb="get")
                continue
            for scope in scopes:
                try:
                    reader.read(resource, scope)
                except _Forbidden as err:
                    reader.forbidden(resource, scope, err.message)
                except _NotServed:
                    not_served.append(resource)
                    break
        groups = reader.served_groups() if not reader.problems else []
    finally:
        api_client.close()
    if reader.problems:
        raise InputError(reader.problems)
    notices = _notices(reader.where(), namespaces, not_served, skip, groups)
    return KubeRead(
        context=context,
        server=server,
        namespaces=namespaces,
        objects=tuple(reader.objects),
        notices=tuple(notices),
        not_served=tuple(r.kind for r in not_served),
        ignored=tuple(skip.values()),
    )


def _notices(
    where: Location,
    namespaces: tuple[str, ...],
    not_served: list[Resource],
    skip: dict[str, str],
    groups: list[str],
) -> list[Notice]:
    notices: list[Notice] = []
    for kind, named in skip.items():
        notices.append(
            Notice(
                where,
                "",
                f"{IGNORED_KIND_PHRASE}{named}: {kind} objects were not read from the cluster: "
                "results are as if there were none",
            )
        )
    if not_served:
        by_api: dict[str, list[str]] = {}
        for resource in not_served:
            by_api.setdefault(resource.api_version, []).append(resource.kind)
        listed = "; ".join(f"{', '.join(kinds)} ({api})" for api, kinds in by_api.items())
        notices.append(Notice(where, "", f"not served by this cluster, read as none: {listed}", level="note"))
    unread = sorted({g for g in groups if g != TIER_GROUP and is_traffic_group(f"{g}/v1")})
    if unread:
        notices.append(
            Notice(
                where,
                "",
                f"the cluster serves {', '.join(unread)}: policies of "
                f"{'that engine' if len(unread) == 1 else 'those engines'} may filter traffic but are not "
                "read or modelled: results are as if there were none",
            )
        )
    if namespaces:
        notices.append(
            Notice(
                where,
                "",
                f"read only namespace{'s' if len(namespaces) > 1 else ''} {', '.join(namespaces)} "
                "(--namespace): pods, workloads and NetworkPolicies of other namespaces were not read. "
                "Answers about flows between these pods, and between them and addresses that are no "
                "other namespace's pods, are exact; anything that reaches pods of other namespaces — "
                "a property, peer or exposure whose namespaces reach outside, --universe any, the "
                "default universe when no pods were read — is answered as if those namespaces held no "
                "pods and no policies: drop --namespace to read the whole cluster",
            )
        )
    return notices


def load_kube(
    source: KubeSource,
    *,
    assume_unlabelled_namespaces: bool = False,
    ignore_kinds: Sequence[str] = (),
    verbose: bool = False,
) -> LoadResult:
    """Read the cluster of ``source`` (`read_cluster`) and load it like files: the same
    `Cluster`, with the live read's notices first."""
    read = read_cluster(source, ignore_kinds)
    return load_read(
        read,
        assume_unlabelled_namespaces=assume_unlabelled_namespaces,
        ignore_kinds=ignore_kinds,
        verbose=verbose,
    )


def load_read(
    read: KubeRead,
    *,
    assume_unlabelled_namespaces: bool = False,
    ignore_kinds: Sequence[str] = (),
    verbose: bool = False,
) -> LoadResult:
    """The objects of a live read through the file loader (`verifier.load.cluster`)."""
    _, rest = split_ignore_kinds(ignore_kinds)
    loader = _ClusterLoader(rest, verbose)
    for obj in read.objects:
        loader.item(obj.location, obj.data, Location(obj.location), None, None)
    loaded = loader.finish(assume_unlabelled_namespaces)
    return LoadResult(
        cluster=loaded.cluster,
        notices=read.notices + loaded.notices,
        ignored_kinds=loaded.ignored_kinds + tuple(k for k in read.ignored if k not in loaded.ignored_kinds),
    )


def snapshot_list(read: KubeRead, *, now: datetime | None = None) -> dict[str, Any]:
    """What a read returned as one ``v1`` ``List`` (`netverify snapshot`): the objects in
    the order read, as plain values; how they were read in an annotation (the loader ignores
    a List's metadata)."""
    when = (now or datetime.now(UTC)).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    how: dict[str, Any]
    if read.paths:
        how = {"paths": list(read.paths), "readAt": when}
    else:
        how = {
            "context": read.context,
            "server": read.server,
            "namespaces": list(read.namespaces) or "all",
            "readAt": when,
            "notServed": list(read.not_served),
            "ignoredKinds": list(read.ignored),
        }
    return {
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {"annotations": {SNAPSHOT_ANNOTATION: json.dumps(how, sort_keys=True)}},
        "items": [_plain(obj.data) for obj in read.objects],
    }


def snapshot_text(document: dict[str, Any], *, as_json: bool = False) -> str:
    """A snapshot `List` as YAML (keys in the order read) or as indented JSON."""
    if as_json:
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    import yaml

    dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    text: str = yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
    return text


def _plain(value: Any) -> Any:
    """Parsed values as plain dicts and lists (a `LocatedDict` is no YAML type)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# --- files as a snapshot --------------------------------------------------------------------------


def read_manifests(
    paths: Sequence[str], *, stdin: TextIO | None = None, exclude: Sequence[str] = ()
) -> KubeRead:
    """The objects of PATHs that a snapshot keeps — what the loader reads: Lists flattened
    (items of typed lists given their ``apiVersion``/``kind``), every object but the kinds
    that cannot change traffic (HorizontalPodAutoscalers are kept: they make templates
    replicated), no documents that are not Kubernetes objects and no Helm templates (one
    warning) — each at its file, line and column. Unreadable or malformed files raise
    `InputError`."""
    problems: list[Problem] = []
    objects: list[KubeObject] = []
    helm: list[str] = []
    for name, text in read_files(paths, stdin, problems, exclude):
        local: list[Problem] = []
        docs = list(parse_text(name, text, local))
        if "{{" in text and (local or any(templated(doc.data) for doc in docs)):
            helm.append(name)
            continue
        problems.extend(local)
        for doc in docs:
            _flatten(doc.data, name, None, None, objects)
    if problems:
        raise InputError(problems)
    notices = []
    if helm:
        notices.append(
            Notice(
                Location(""), "", f"left out {len(helm)} file(s) with Helm template syntax: {', '.join(helm)}"
            )
        )
    return KubeRead("", "", (), tuple(objects), tuple(notices), paths=tuple(paths))


def _flatten(data: Any, file: str, kind: str | None, api: str | None, out: list[KubeObject]) -> None:
    if isinstance(data, list):
        for element in data:
            _flatten(element, file, kind, api, out)
        return
    if not isinstance(data, dict) or (kind is None and not object_like(data)):
        return
    kind_raw, api_raw = data.get("kind", kind), data.get("apiVersion", api)
    if isinstance(kind_raw, str) and (kind_raw == "List" or (kind_raw.endswith("List") and "items" in data)):
        items = data.get("items")
        typed = kind_raw != "List"
        for element in items if isinstance(items, list) else []:
            _flatten(element, file, kind_raw[: -len("List")] if typed else "", api_raw if typed else "", out)
        return
    if isinstance(kind_raw, str) and isinstance(api_raw, str):
        neutral = classify(kind_raw, api_raw) is KindClass.NEUTRAL
        if neutral and not (kind_raw == "HorizontalPodAutoscaler" and api_raw.startswith("autoscaling/")):
            return
    located = LocatedDict(*((data.line, data.column) if isinstance(data, LocatedDict) else (0, 0)))
    located["apiVersion"] = api_raw
    located["kind"] = kind_raw
    located.update((k, v) for k, v in data.items() if k not in ("apiVersion", "kind"))
    out.append(KubeObject(file, located))


def _status_message(body: Any) -> str:
    """The ``message`` of a Kubernetes ``Status`` body, if the body is one."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str) or not body.strip():
        return ""
    try:
        data = json.loads(body)
    except ValueError:
        return " ".join(body.split())[:200]
    message = data.get("message") if isinstance(data, dict) else None
    return " ".join(str(message).split()) if message else ""


def _connection_reason(err: BaseException) -> str:
    """urllib3's nested errors → the last useful words (``connection refused``, …)."""
    reason: BaseException | None = err
    seen = 0
    while reason is not None and seen < 5:
        inner = getattr(reason, "reason", None)
        if not isinstance(inner, BaseException):
            break
        reason, seen = inner, seen + 1
    text = _one_line(reason or err)
    if isinstance(reason, ConnectionRefusedError) or "Connection refused" in text or "[Errno 111]" in text:
        return "connection refused"
    return text
