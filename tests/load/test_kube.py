"""The live-cluster input (`verifier.load.kube`) through the real ``kubernetes`` client, against
a fake API server on 127.0.0.1 (`FakeApiServer`: http.server in a thread) that speaks the
list API from ``kubectl get -o json`` payloads (tests/data/kube/): paging with ``continue``,
403, 404 for absent CRDs, 410 for an expired continue token, a slow answer, a closed port.

No real API server runs here: what is checked is the client's requests and our handling of
the answers a real server gives (shapes as documented and as kubectl prints them).
"""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

from tests.paths import ROOT
from verifier.errors import InputError, UsageError, ignored_kinds
from verifier.load import load_cluster
from verifier.load.kube import (
    RESOURCES,
    KubeSource,
    load_kube,
    read_cluster,
    snapshot_list,
    split_ignore_kinds,
    split_namespaces,
)

pytest.importorskip("kubernetes")

DATA = ROOT / "tests" / "data" / "kube"
SEED = DATA / "seed"

#: apiVersion/kind → (plural, namespaced), for every kind the fake server can hold.
PLURALS = {(r.api_version, r.kind): (r.plural, r.namespaced) for r in RESOURCES}
#: The built-in kinds: always served (an empty list when there are none).
BUILTIN = {key for key in PLURALS if not key[0].startswith("policy.networking.k8s.io")}


def kubectl_items(*files: Path) -> list[dict[str, Any]]:
    """The items of ``kubectl get -o json`` Lists (or YAML manifests), in order."""
    out: list[dict[str, Any]] = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        docs = [json.loads(text)] if path.suffix == ".json" else list(yaml.safe_load_all(text))
        for doc in docs:
            if doc:
                out.extend(doc["items"] if doc.get("kind") == "List" else [doc])
    return out


def seed_items() -> list[dict[str, Any]]:
    return kubectl_items(*sorted(SEED.glob("*.json")))


@dataclass
class Behaviour:
    """How the fake server answers for one resource (its plural, e.g. ``pods``)."""

    status: int = 200
    delay: float = 0.0
    expire_continue_once: bool = False


@dataclass
class FakeApiServer:
    """The list API of a Kubernetes API server over the objects given, on 127.0.0.1.

    Lists are paged by ``min(limit, page_size)`` with an opaque ``continue`` token; items
    are served without ``apiVersion``/``kind`` for built-in kinds (as a real server does) and
    with them for custom resources. A tier kind is served (its CRD "installed") when one of
    its objects is given or it is in ``crds``; otherwise 404, like an absent CRD.
    """

    objects: list[dict[str, Any]]
    page_size: int = 2
    crds: set[str] = field(default_factory=set)
    behaviour: dict[str, Behaviour] = field(default_factory=dict)
    extra_groups: list[str] = field(default_factory=list)
    token: str = "fake-token"
    requests: list[str] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None

    # --- lifecycle ---

    def start(self) -> FakeApiServer:
        handler = self._handler()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- the API ---

    def served(self, api_version: str, kind: str) -> bool:
        return (
            (api_version, kind) in BUILTIN
            or kind in self.crds
            or any(o["kind"] == kind and o["apiVersion"] == api_version for o in self.objects)
        )

    def route(self, path: str) -> tuple[tuple[str, str], str | None, str | None] | None:
        """/api/v1/namespaces/ns/pods → ((v1, Pod), "ns", None); a named object: its name."""
        parts = [p for p in path.split("/") if p]
        if parts[:1] == ["api"]:
            api_version, rest = parts[1], parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            api_version, rest = f"{parts[1]}/{parts[2]}", parts[3:]
        else:
            return None
        namespace = name = None
        if len(rest) >= 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        elif rest[:1] == ["namespaces"] and len(rest) == 2:
            rest, name = ["namespaces"], rest[1]
        for (api, kind), (plural, _) in PLURALS.items():
            if api == api_version and rest == [plural]:
                return (api, kind), namespace, name
        return None

    def answer(self, method_path: str) -> tuple[int, dict[str, Any], float]:
        split = urlsplit(method_path)
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        if split.path in ("/apis", "/apis/"):  # the client asks for /apis/
            names = ["apps", "batch", "autoscaling", "networking.k8s.io", *self.extra_groups]
            if any(self.served(api, kind) for api, kind in PLURALS if api.startswith("policy.")):
                names.append("policy.networking.k8s.io")
            groups = [{"name": n, "versions": [], "preferredVersion": {}} for n in names]
            return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}, 0.0
        found = self.route(split.path)
        if found is None or not self.served(*found[0]):
            return 404, status(404, "NotFound", "the server could not find the requested resource"), 0.0
        (api_version, kind), namespace, name = found
        plural, _ = PLURALS[(api_version, kind)]
        how = self.behaviour.get(plural, Behaviour())
        if how.status != 200:
            scope = f'in the namespace "{namespace}"' if namespace else "at the cluster scope"
            group = api_version.rpartition("/")[0]
            message = (
                f'{plural} is forbidden: User "system:serviceaccount:ci:netverify" cannot list resource '
                f'"{plural}" in API group "{group}" {scope}'
            )
            return how.status, status(how.status, "Forbidden", message), how.delay
        items = [
            o
            for o in self.objects
            if o["kind"] == kind
            and o["apiVersion"] == api_version
            and (namespace is None or o["metadata"].get("namespace") == namespace)
        ]
        if name is not None:
            for o in items:
                if o["metadata"]["name"] == name:
                    return 200, o, how.delay
            return 404, status(404, "NotFound", f'{plural} "{name}" not found'), how.delay
        start = int(base64.b64decode(query["continue"]).decode()) if "continue" in query else 0
        if "continue" in query and how.expire_continue_once:
            how.expire_continue_once = False
            return 410, status(410, "Expired", "The provided continue parameter is too old"), how.delay
        size = min(int(query.get("limit", "1000000")), self.page_size)
        page = items[start : start + size]
        custom = api_version.startswith("policy.")
        served = [
            o if custom else {k: v for k, v in o.items() if k not in ("apiVersion", "kind")} for o in page
        ]
        meta: dict[str, Any] = {"resourceVersion": "4242"}
        if start + size < len(items):
            meta["continue"] = base64.b64encode(str(start + size).encode()).decode()
            meta["remainingItemCount"] = len(items) - start - size
        body = {"kind": f"{kind}List", "apiVersion": api_version, "metadata": meta, "items": served}
        return 200, body, how.delay

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests.append(self.path)
                if self.headers.get("Authorization") != f"Bearer {server.token}":
                    code, body, delay = 401, status(401, "Unauthorized", "Unauthorized"), 0.0
                else:
                    code, body, delay = server.answer(self.path)
                if delay:
                    time.sleep(delay)
                data = json.dumps(body).encode()
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up (timeout)
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


def status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": {},
        "code": code,
    }


def write_kubeconfig(path: Path, server: str, *, token: str = "fake-token", context: str = "fake") -> Path:
    """A kubeconfig with one context, ``context``, pointing at ``server`` (plain http)."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "fake-cluster", "cluster": {"server": server}}],
        "users": [{"name": "ci", "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": "fake-cluster", "user": "ci"}}],
        "current-context": context,
    }
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    """serve(objects, **options) → (server, kubeconfig path); servers stop after the test."""
    started: list[FakeApiServer] = []

    def start(objects: Sequence[dict[str, Any]] | None = None, **options: Any) -> tuple[FakeApiServer, Path]:
        server = FakeApiServer(list(seed_items() if objects is None else objects), **options).start()
        started.append(server)
        return server, write_kubeconfig(tmp_path / f"kubeconfig-{len(started)}", server.url)

    yield start
    for server in started:
        server.stop()


def problems_of(err: pytest.ExceptionInfo[InputError]) -> list[str]:
    return [str(p) for p in err.value.problems]


def without_locations(value: Any) -> Any:
    """A model dump with every ``location`` left out (files and the live read differ there)."""
    if isinstance(value, dict):
        return {k: without_locations(v) for k, v in value.items() if not k.endswith("location")}
    if isinstance(value, list | tuple):
        return [without_locations(v) for v in value]
    return value


# --- reading ----------------------------------------------------------------------------------------


def test_seed_read_live_is_the_seed_read_from_files(serve: Any) -> None:
    server, config = serve()
    live = load_kube(KubeSource(kubeconfig=str(config)))
    files = load_cluster([str(ROOT / "examples" / "seed")])
    assert without_locations(live.cluster.model_dump()) == without_locations(files.cluster.model_dump())
    assert [p.name for p in live.cluster.pods] == ["db", "frontend", "monitoring", "api", "batch", "sink"]
    # Each object is located at kube:<context>/<Kind>/<ns>/<name>.
    policy = live.cluster.policies[0]
    assert str(policy.location) == "kube:fake/NetworkPolicy/default/test-network-policy"
    # Paging: 6 pods at 2 per page took 3 requests, the later ones with the continue token.
    pod_requests = [r for r in server.requests if r.startswith("/api/v1/pods")]
    assert len(pod_requests) == 3
    assert all("limit=500" in r for r in pod_requests)
    assert sum("continue=" in r for r in pod_requests) == 2
    # No tier CRD installed: one note for the three kinds, none read.
    notes = [str(n) for n in live.notices if n.level == "note"]
    assert any("not served by this cluster" in n and "AdminNetworkPolicy" in n for n in notes), notes
    assert sum("not served" in n for n in notes) == 1


def test_read_sets_kind_and_api_version_and_drops_managed_fields(serve: Any) -> None:
    _, config = serve()
    read = read_cluster(KubeSource(kubeconfig=str(config)))
    kinds = [(o.data["apiVersion"], o.data["kind"]) for o in read.objects]
    assert kinds.count(("v1", "Pod")) == 6
    assert kinds.count(("v1", "Namespace")) == 3
    assert kinds.count(("networking.k8s.io/v1", "NetworkPolicy")) == 1
    assert all(list(o.data)[:2] == ["apiVersion", "kind"] for o in read.objects)
    assert all("managedFields" not in o.data["metadata"] for o in read.objects)
    assert read.context == "fake"
    assert read.not_served == ("AdminNetworkPolicy", "BaselineAdminNetworkPolicy", "ClusterNetworkPolicy")
    assert {o.location for o in read.objects} >= {"kube:fake/Namespace/other", "kube:fake/Pod/other/sink"}


def test_page_size_one_reads_everything(serve: Any) -> None:
    server, config = serve(page_size=1)
    read = read_cluster(KubeSource(kubeconfig=str(config), page_size=1))
    assert len(read.objects) == 10
    assert sum(r.startswith("/api/v1/pods") for r in server.requests) == 6


def test_expired_continue_token_lists_again_once(serve: Any) -> None:
    server, config = serve(behaviour={"pods": Behaviour(expire_continue_once=True)})
    read = read_cluster(KubeSource(kubeconfig=str(config)))
    assert [o.data["metadata"]["name"] for o in read.objects if o.data["kind"] == "Pod"] == [
        "db",
        "frontend",
        "monitoring",
        "api",
        "batch",
        "sink",
    ]
    pod_requests = [r for r in server.requests if r.startswith("/api/v1/pods")]
    assert len(pod_requests) == 2 + 3  # first page, 410, then the whole list again


def test_tier_kinds_are_read_through_custom_objects(serve: Any) -> None:
    guardrail = ROOT / "examples" / "guardrail"
    files = [*sorted((guardrail / "base").glob("*.yaml")), guardrail / "guardrail.yaml"]
    server, config = serve(kubectl_items(*files))
    live = load_kube(KubeSource(kubeconfig=str(config)))
    from_files = load_cluster([str(p) for p in files])
    assert without_locations(live.cluster.model_dump()) == without_locations(from_files.cluster.model_dump())
    assert [p.name for p in live.cluster.tier_policies] == ["pci-guardrail"]
    assert any(
        r.startswith("/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies")
        for r in server.requests
    )
    notes = " ".join(str(n) for n in live.notices)
    assert "AdminNetworkPolicy" in notes and "ClusterNetworkPolicy (" not in notes


def test_namespace_restricts_the_namespaced_reads(serve: Any) -> None:
    server, config = serve()
    live = load_kube(KubeSource(kubeconfig=str(config), namespaces=("default",)))
    assert [p.name for p in live.cluster.pods] == ["db", "frontend", "monitoring"]
    assert sorted(n for n, ns in live.cluster.namespaces.items() if ns.declared) == ["default"]
    assert "/api/v1/namespaces/default" in server.requests  # get, not list, of the namespace
    assert not any(r.startswith("/api/v1/namespaces?") for r in server.requests)
    assert any(r.startswith("/api/v1/namespaces/default/pods?") for r in server.requests)
    assert not any(r.startswith("/api/v1/pods") for r in server.requests)
    warning = [str(n) for n in live.notices if "(--namespace)" in str(n)]
    assert warning and "other namespaces" in warning[0] and "--universe any" in warning[0]


def test_namespace_values_split_and_checked() -> None:
    assert split_namespaces(["a,b", "c", "a", " d "]) == ("a", "b", "c", "d")
    with pytest.raises(UsageError, match="not a namespace name"):
        split_namespaces(["Not_A_Name"])


def test_unknown_namespace_is_an_error(serve: Any) -> None:
    _, config = serve()
    with pytest.raises(InputError) as err:
        read_cluster(KubeSource(kubeconfig=str(config), namespaces=("nope",)))
    assert problems_of(err) == [
        "kube:fake/Namespace/nope: --namespace nope: no such namespace in the cluster"
    ]


# --- what stops a read --------------------------------------------------------------------------------


def test_forbidden_kinds_stop_the_run_naming_kind_and_verb(serve: Any) -> None:
    _, config = serve(behaviour={"nodes": Behaviour(status=403), "deployments": Behaviour(status=403)})
    with pytest.raises(InputError) as err:
        read_cluster(KubeSource(kubeconfig=str(config)))
    lines = problems_of(err)
    assert len(lines) == 2
    assert lines[0].startswith(
        "kube:fake/Node: forbidden (403): Node objects cannot be read: RBAC verb list on nodes is not "
        "granted cluster-wide (kubectl auth can-i list nodes); grant it, or pass --ignore-kind Node"
    )
    assert "list on deployments.apps is not granted in every namespace" in lines[1]
    assert "--ignore-kind Deployment" in lines[1]
    assert 'the server said: deployments is forbidden: User "system:serviceaccount:ci:netverify"' in lines[1]


def test_forbidden_in_one_namespace_names_it(serve: Any) -> None:
    _, config = serve(behaviour={"networkpolicies": Behaviour(status=403)})
    with pytest.raises(InputError) as err:
        read_cluster(KubeSource(kubeconfig=str(config), namespaces=("default",)))
    (line,) = problems_of(err)
    assert "list on networkpolicies.networking.k8s.io is not granted in namespace default" in line
    assert "kubectl auth can-i list networkpolicies.networking.k8s.io -n default" in line


def test_ignore_kind_leaves_a_forbidden_kind_unread(serve: Any) -> None:
    server, config = serve(behaviour={"nodes": Behaviour(status=403)})
    live = load_kube(KubeSource(kubeconfig=str(config)), ignore_kinds=["Node", "CiliumNetworkPolicy"])
    assert not any(r.startswith("/api/v1/nodes") for r in server.requests)
    assert live.cluster.nodes == ()
    warnings = [str(n) for n in live.notices]
    assert ignored_kinds(warnings) == ["Node"]
    assert "Node" in live.ignored_kinds


def test_ignore_kind_split() -> None:
    read, rest = split_ignore_kinds(["node", "deployments.apps", "NetworkPolicy.projectcalico.org", "Foo"])
    assert read == {"Node": "node", "Deployment": "deployments.apps"}
    assert rest == ("NetworkPolicy.projectcalico.org", "Foo")


def test_unmodelled_policy_engine_served_is_a_warning(serve: Any) -> None:
    _, config = serve(extra_groups=["cilium.io", "cert-manager.io"])
    live = load_kube(KubeSource(kubeconfig=str(config)))
    warnings = [str(n) for n in live.notices if "cilium.io" in str(n)]
    assert len(warnings) == 1 and "not read or modelled" in warnings[0]
    assert not any("cert-manager" in str(n) for n in live.notices)


def test_slow_answer_hits_the_request_timeout(serve: Any) -> None:
    _, config = serve(behaviour={"pods": Behaviour(delay=2.0)})
    started = time.monotonic()
    with pytest.raises(InputError) as err:
        read_cluster(KubeSource(kubeconfig=str(config), request_timeout=0.3))
    assert time.monotonic() - started < 1.5  # one try, no silent retries
    (line,) = problems_of(err)
    assert line.startswith("kube:fake: the API server http://127.0.0.1:")
    assert "did not answer within 0.3 s listing pods (--request-timeout SECONDS waits longer)" in line


def test_connection_refused_is_one_line(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    config = write_kubeconfig(tmp_path / "kubeconfig", url)
    with pytest.raises(InputError) as err:
        read_cluster(KubeSource(kubeconfig=str(config)))
    assert problems_of(err) == [
        f"kube:fake: cannot reach the API server {url} listing namespaces: connection refused"
    ]


def test_unauthorized_is_one_line(serve: Any, tmp_path: Path) -> None:
    server, _ = serve()
    config = write_kubeconfig(tmp_path / "bad-token", server.url, token="wrong")
    with pytest.raises(InputError) as err:
        read_cluster(KubeSource(kubeconfig=str(config)))
    assert problems_of(err) == [
        "kube:fake: unauthorized (401) listing namespaces: the API server rejected the credentials of context 'fake'"
    ]


def test_kubeconfig_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InputError, match="--kubeconfig: no such file"):
        read_cluster(KubeSource(kubeconfig=str(tmp_path / "missing")))
    config = write_kubeconfig(tmp_path / "kubeconfig", "http://127.0.0.1:1")
    with pytest.raises(InputError, match=r"--context 'prod': no such context \(known: fake\)"):
        read_cluster(KubeSource(kubeconfig=str(config), context="prod"))
    broken = tmp_path / "broken"
    broken.write_text("clusters: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="cannot read the kubeconfig"):
        read_cluster(KubeSource(kubeconfig=str(broken)))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    with pytest.raises(InputError, match="no kubeconfig"):
        read_cluster(KubeSource())


def test_kubeconfig_from_the_environment(serve: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _, config = serve()
    monkeypatch.setenv("KUBECONFIG", str(config))
    assert len(read_cluster(KubeSource(context="fake")).objects) == 10


def test_located_errors_name_the_live_object(serve: Any) -> None:
    items = seed_items()
    policy = next(o for o in items if o["kind"] == "NetworkPolicy")
    policy["spec"]["ingress"][0]["ports"][0]["port"] = 70000
    _, config = serve(items)
    with pytest.raises(InputError) as err:
        load_kube(KubeSource(kubeconfig=str(config)))
    (line,) = problems_of(err)
    assert line.startswith(
        "kube:fake/NetworkPolicy/default/test-network-policy: NetworkPolicy default/test-network-policy: "
        "spec.ingress[0].ports[0].port:"
    )


# --- the snapshot -----------------------------------------------------------------------------------


def test_snapshot_loads_back_as_the_same_cluster(serve: Any, tmp_path: Path) -> None:
    _, config = serve()
    read = read_cluster(KubeSource(kubeconfig=str(config)))
    document = snapshot_list(read)
    assert document["kind"] == "List" and document["apiVersion"] == "v1"
    assert len(document["items"]) == 10
    for name, text in (
        ("snap.yaml", yaml.safe_dump(document, sort_keys=False)),
        ("snap.json", json.dumps(document)),
    ):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        again = load_cluster([str(path)])
        live = load_kube(KubeSource(kubeconfig=str(config)))
        assert without_locations(again.cluster.model_dump()) == without_locations(live.cluster.model_dump())


def test_without_the_client_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_kubernetes(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "kubernetes" or name.startswith("kubernetes."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_kubernetes)
    with pytest.raises(UsageError, match=r"install netverify\[cluster\]"):
        read_cluster(KubeSource(kubeconfig="unused"))
