"""A seeded generator of realistic Kubernetes clusters for benchmarks.

Writes multi-document YAML manifests (``namespaces.yaml``, ``pods.yaml``, ``policies.yaml`` and,
with ``--workloads``, ``workloads.yaml``) that both netverify and NCA (network-config-analyzer)
accept, and that use only standard API fields (they also load into a real API server; the
``status`` of a pod is what ``kubectl get pod -o yaml`` shows).

What a cluster holds, and why:

- ``kube-system`` with two CoreDNS pods (the target of DNS egress rules) and, when there are
  at least three namespaces, ``monitoring`` with Prometheus (the source of metrics scrapes);
  every other namespace is an application namespace labelled ``team``, ``env`` and ``tier``.
- Applications with replicas; every pod is labelled ``app``, ``tier``, ``role`` and ``version``
  (a few also ``debug``), has a unique ``status.podIP`` inside ``--pod-cidr`` and named container
  ports (``http``, ``metrics``, ``grpc`` on TCP, ``dns`` on UDP, ``diameter`` on SCTP, ...).
- Policies: a default deny per namespace (ingress; some namespaces also egress, and those get
  a DNS egress rule to kube-system), then a mix of allow policies: from namespaces, from pods,
  pod AND namespace selectors, every matchExpressions operator, ipBlocks with ``except`` (both
  external ranges and ranges overlapping the pod CIDR), named ports, ``endPort`` ranges, TCP,
  UDP and SCTP, and a few traps (``egress: []`` without ``policyTypes``, ``ingress: [{}]``).

Determinism: everything is drawn from ``random.Random(seed)`` and only ordered containers are
iterated, so the same arguments give byte-identical files. Mutation (``--mutate``) draws from
a second generator seeded with ``--mutate-seed``, so the base cluster is unchanged and only
~fraction of the policies differ. The YAML is written by a small block-style emitter (plain
string building): per-object ``yaml.dump`` is an order of magnitude slower at 100,000 pods.
"""

from __future__ import annotations

import argparse
import copy
import ipaddress
import json
import random
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Manifest = dict[str, Any]


@dataclass(frozen=True)
class Scenario:
    """A named benchmark size; ``namespaces`` includes kube-system and monitoring."""

    pods: int
    policies: int
    namespaces: int


SCENARIOS: dict[str, Scenario] = {
    "tiny": Scenario(pods=24, policies=12, namespaces=4),
    "100-50": Scenario(pods=100, policies=50, namespaces=10),
    "S": Scenario(pods=200, policies=100, namespaces=20),
    "M": Scenario(pods=500, policies=200, namespaces=40),
    "1000-300": Scenario(pods=1000, policies=300, namespaces=30),
    "L": Scenario(pods=10_000, policies=2_000, namespaces=200),
    "XL": Scenario(pods=100_000, policies=10_000, namespaces=1_000),
}

DEFAULT_POD_CIDR = "10.0.0.0/14"

# ---------------------------------------------------------------------------------------------
# Catalog: the applications a namespace may run.


@dataclass(frozen=True)
class PortSpec:
    """A named container port."""

    name: str
    port: int
    protocol: str = "TCP"


@dataclass(frozen=True)
class AppKind:
    """A kind of application: its tier, role and the ports its pods serve."""

    name: str
    tier: str
    role: str
    ports: tuple[PortSpec, ...]
    weight: int


_HTTP = PortSpec("http", 8080)
_METRICS = PortSpec("metrics", 9090)
_CATALOG: tuple[AppKind, ...] = (
    AppKind("web", "frontend", "server", (_HTTP, _METRICS), 6),
    AppKind("gateway", "frontend", "edge", (PortSpec("https", 8443), _HTTP), 2),
    AppKind("api", "backend", "server", (_HTTP, PortSpec("grpc", 9000), _METRICS), 8),
    AppKind("worker", "backend", "worker", (_METRICS,), 4),
    AppKind("queue", "backend", "broker", (PortSpec("amqp", 5672), _METRICS), 2),
    AppKind("signaling", "backend", "telecom", (PortSpec("diameter", 3868, "SCTP"), _METRICS), 1),
    AppKind("resolver", "backend", "dns", (PortSpec("dns", 5353, "UDP"), PortSpec("dns-tcp", 5353)), 1),
    AppKind("media", "backend", "media", (PortSpec("rtp", 20000, "UDP"), _HTTP), 1),
    AppKind("db", "data", "db", (PortSpec("postgres", 5432),), 3),
    AppKind("cache", "data", "cache", (PortSpec("redis", 6379),), 3),
)
_CATALOG_WEIGHTS = [k.weight for k in _CATALOG]

_TEAMS = (
    "payments",
    "orders",
    "search",
    "identity",
    "catalog",
    "shipping",
    "analytics",
    "billing",
    "media",
    "checkout",
    "inventory",
    "reviews",
    "ads",
    "messaging",
    "profile",
)
_ENVS = ("prod", "staging", "dev")
_NS_TIERS = ("frontend", "backend", "data")
_VERSIONS = ("v1", "v2", "v3")
_NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # the alphabet Kubernetes uses for name suffixes

# External ranges (documentation and private ranges outside the default pod CIDR).
_EXTERNAL_CIDRS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("0.0.0.0/0", ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")),
    ("203.0.113.0/24", ("203.0.113.128/25",)),
    ("198.51.100.0/24", ()),
    ("192.0.2.0/24", ("192.0.2.0/28", "192.0.2.64/26")),
    ("172.20.0.0/16", ("172.20.1.0/24",)),
)


@dataclass
class App:
    """An application of one namespace: ``replicas`` pods (or a Deployment's template)."""

    namespace: str
    name: str
    kind: AppKind
    version: str
    replicas: int
    debug: bool = False

    def labels(self) -> dict[str, str]:
        labels = {"app": self.name, "tier": self.kind.tier, "role": self.kind.role, "version": self.version}
        if self.debug:
            labels["debug"] = "true"
        return labels


@dataclass
class NamespaceInfo:
    """A generated namespace and the applications it runs."""

    name: str
    labels: dict[str, str]
    apps: list[App] = field(default_factory=list)
    egress_deny: bool = False
    system: bool = False


@dataclass
class GeneratedCluster:
    """Everything one run generates, as manifests in file order."""

    namespaces: list[Manifest]
    pods: list[Manifest]
    policies: list[Manifest]
    workloads: list[Manifest]
    mutations: list[str] = field(default_factory=list)
    tiers: list[Manifest] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# YAML emitter (block style, deterministic, fast).

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_./-]*$")
_YAML_WORDS = frozenset(
    {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "nan", "inf"}
)  # plain scalars YAML 1.1 would not read as strings


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text)  # a JSON string is a valid double-quoted YAML scalar


def _emit_mapping(node: dict[str, Any], indent: int, first_prefix: str, out: list[str]) -> None:
    """Emit a mapping whose keys sit at ``indent``; the first line starts with ``first_prefix``."""
    pad = " " * indent
    prefix = first_prefix
    for key, value in node.items():
        head = f"{prefix}{key}:"
        prefix = pad
        if isinstance(value, dict):
            if value:
                out.append(head)
                _emit_mapping(value, indent + 2, " " * (indent + 2), out)
            else:
                out.append(head + " {}")
        elif isinstance(value, list):
            if value:
                out.append(head)
                _emit_sequence(value, indent, out)
            else:
                out.append(head + " []")
        else:
            out.append(f"{head} {_scalar(value)}")


def _emit_sequence(items: list[Any], indent: int, out: list[str]) -> None:
    """Emit a sequence with its dashes at ``indent`` (the Kubernetes house style)."""
    pad = " " * indent
    for item in items:
        if isinstance(item, dict):
            if item:
                _emit_mapping(item, indent + 2, pad + "- ", out)
            else:
                out.append(pad + "- {}")
        elif isinstance(item, list):
            raise TypeError("nested sequences are not used in manifests")
        else:
            out.append(f"{pad}- {_scalar(item)}")


def dump_documents(docs: list[Manifest]) -> str:
    """Render manifests as one multi-document YAML stream (``---`` before each document)."""
    out: list[str] = []
    for doc in docs:
        out.append("---")
        _emit_mapping(doc, 0, "", out)
    out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Inventory: namespaces, apps, pods.


def _suffix(rng: random.Random, length: int) -> str:
    return "".join(rng.choices(_NAME_ALPHABET, k=length))


def _make_namespaces(count: int, rng: random.Random) -> list[NamespaceInfo]:
    result = [
        NamespaceInfo(
            "kube-system", {"kubernetes.io/metadata.name": "kube-system", "tier": "system"}, system=True
        )
    ]
    if count >= 3:
        result.append(
            NamespaceInfo(
                "monitoring",
                {"kubernetes.io/metadata.name": "monitoring", "tier": "system", "team": "platform"},
                system=True,
            )
        )
    seen: dict[str, int] = {}
    while len(result) < count:
        team = rng.choice(_TEAMS)
        env = rng.choices(_ENVS, weights=(5, 3, 2))[0]
        base = f"{team}-{env}"
        seen[base] = seen.get(base, 0) + 1
        name = base if seen[base] == 1 else f"{base}-{seen[base]}"
        labels = {
            "kubernetes.io/metadata.name": name,
            "team": team,
            "env": env,
            "tier": rng.choice(_NS_TIERS),
        }
        result.append(NamespaceInfo(name, labels, egress_deny=rng.random() < 0.4))
    return result[:count]


def _make_apps(namespaces: list[NamespaceInfo], pods: int, rng: random.Random) -> None:
    """Fill the namespaces with applications until exactly ``pods`` pods exist."""
    system = {ns.name: ns for ns in namespaces if ns.system}
    remaining = pods
    dns_kind = AppKind("coredns", "system", "dns", (PortSpec("dns", 53, "UDP"), PortSpec("dns-tcp", 53)), 0)
    dns = App("kube-system", "coredns", dns_kind, "v1", min(2, remaining))
    if dns.replicas:
        system["kube-system"].apps.append(dns)
        remaining -= dns.replicas
    if "monitoring" in system and remaining > 0:
        prom_kind = AppKind("prometheus", "system", "monitoring", (PortSpec("web", 9090),), 0)
        system["monitoring"].apps.append(App("monitoring", "prometheus", prom_kind, "v2", 1))
        remaining -= 1
    app_namespaces = [ns for ns in namespaces if not ns.system] or [system["kube-system"]]
    counts: list[dict[str, int]] = [{} for _ in app_namespaces]
    index = 0
    while remaining > 0:
        ns = app_namespaces[index % len(app_namespaces)]
        used = counts[index % len(app_namespaces)]
        index += 1
        kind = rng.choices(_CATALOG, weights=_CATALOG_WEIGHTS)[0]
        used[kind.name] = used.get(kind.name, 0) + 1
        name = kind.name if used[kind.name] == 1 else f"{kind.name}-{used[kind.name]}"
        replicas = min(remaining, rng.choices((1, 2, 3, 4, 6), weights=(3, 4, 3, 2, 1))[0])
        version = rng.choices(_VERSIONS, weights=(5, 3, 1))[0]
        ns.apps.append(App(ns.name, name, kind, version, replicas, debug=rng.random() < 0.05))
        remaining -= replicas


def _ports_manifest(ports: tuple[PortSpec, ...]) -> list[Manifest]:
    return [{"name": p.name, "containerPort": p.port, "protocol": p.protocol} for p in ports]


def _container(app: App) -> Manifest:
    return {
        "name": app.kind.name,
        "image": f"registry.example.com/{app.namespace}/{app.kind.name}:{app.version}",
        "ports": _ports_manifest(app.kind.ports),
    }


def _pod_ips(count: int, pod_cidr: str, rng: random.Random) -> list[str]:
    net = ipaddress.ip_network(pod_cidr)
    usable = net.num_addresses - 2
    if count > usable:
        raise ValueError(f"--pod-cidr {pod_cidr} has {usable} addresses, fewer than {count} pods")
    base = int(net.network_address) + 1
    cls = type(net.network_address)
    return [str(cls(base + offset)) for offset in rng.sample(range(usable), count)]


def _pod_manifests(namespaces: list[NamespaceInfo], pod_cidr: str, rng: random.Random) -> list[Manifest]:
    total = sum(app.replicas for ns in namespaces for app in ns.apps)
    ips = iter(_pod_ips(total, pod_cidr, rng))
    pods: list[Manifest] = []
    for ns in namespaces:
        for app in ns.apps:
            template_hash = _suffix(rng, 10)
            labels = app.labels()
            if app.name == "coredns":
                labels = {"k8s-app": "kube-dns", **labels}
            for _ in range(app.replicas):
                ip = next(ips)
                pods.append(
                    {
                        "apiVersion": "v1",
                        "kind": "Pod",
                        "metadata": {
                            "name": f"{app.name}-{template_hash}-{_suffix(rng, 5)}",
                            "namespace": ns.name,
                            "labels": dict(labels),
                        },
                        "spec": {"containers": [_container(app)]},
                        "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]},
                    }
                )
    return pods


def _workload_manifests(namespaces: list[NamespaceInfo], rng: random.Random) -> list[Manifest]:
    """A few Deployments (no pods of their own) so that pod templates are exercised."""
    result: list[Manifest] = []
    app_namespaces = [ns for ns in namespaces if not ns.system]
    chosen = [ns for ns in app_namespaces if rng.random() < 0.25] or app_namespaces[:1]
    for ns in chosen:
        kind = rng.choice(_CATALOG)
        app = App(ns.name, f"batch-{kind.name}", kind, rng.choice(_VERSIONS), rng.randint(1, 5))
        result.append(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": app.name, "namespace": ns.name, "labels": {"app": app.name}},
                "spec": {
                    "replicas": app.replicas,
                    "selector": {"matchLabels": {"app": app.name}},
                    "template": {
                        "metadata": {"labels": app.labels()},
                        "spec": {"containers": [_container(app)]},
                    },
                },
            }
        )
    return result


# ---------------------------------------------------------------------------------------------
# Policies.


def _policy(ns: str, name: str, spec: Manifest) -> Manifest:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": spec,
    }


def _app_ports(app: App, rng: random.Random, *, named: bool) -> list[Manifest]:
    """The ``ports`` of a rule aimed at ``app``: by name or by number, protocol as served."""
    chosen = rng.sample(list(app.kind.ports), rng.randint(1, len(app.kind.ports)))
    ports: list[Manifest] = []
    for p in chosen:
        entry: Manifest = {"port": p.name if named else p.port}
        if p.protocol != "TCP" or rng.random() < 0.5:
            entry = {"protocol": p.protocol, **entry}
        ports.append(entry)
    return ports


class _PolicyFactory:
    """Builds the allow policies of one cluster; each method returns one policy spec."""

    def __init__(self, namespaces: list[NamespaceInfo], pod_cidr: str, rng: random.Random) -> None:
        self.rng = rng
        self.namespaces = namespaces
        self.app_namespaces = [ns for ns in namespaces if not ns.system and ns.apps]
        self.pod_net = ipaddress.ip_network(pod_cidr)
        self.has_monitoring = any(ns.name == "monitoring" for ns in namespaces)
        self.names: dict[str, int] = {}

    def unique(self, ns: str, base: str) -> str:
        key = f"{ns}/{base}"
        self.names[key] = self.names.get(key, 0) + 1
        n = self.names[key]
        return base if n == 1 else f"{base}-{n}"

    def _other_ns(self, ns: NamespaceInfo) -> NamespaceInfo:
        others = [o for o in self.app_namespaces if o.name != ns.name]
        return self.rng.choice(others) if others else ns

    def _pod_cidr_block(self) -> Manifest:
        """An ipBlock overlapping the pod CIDR, with an except inside it."""
        prefix = min(self.pod_net.prefixlen + 2, 28)
        subnets = 1 << (prefix - self.pod_net.prefixlen)
        size = 1 << (self.pod_net.max_prefixlen - prefix)
        start = int(self.pod_net.network_address) + self.rng.randrange(subnets) * size
        cidr = ipaddress.ip_network((start, prefix))
        except_prefix = prefix + 2
        except_size = 1 << (self.pod_net.max_prefixlen - except_prefix)
        except_start = start + self.rng.randrange(4) * except_size
        excepted = ipaddress.ip_network((except_start, except_prefix))
        return {"cidr": str(cidr), "except": [str(excepted)]}

    def _external_block(self) -> Manifest:
        cidr, excepts = self.rng.choice(_EXTERNAL_CIDRS)
        block: Manifest = {"cidr": cidr}
        if excepts:
            block["except"] = list(excepts)
        return block

    # Each builder: (namespace, target app) -> (name, spec).

    def from_same_namespace(self, ns: NamespaceInfo, app: App) -> tuple[str, Manifest]:
        source = self.rng.choice(ns.apps)
        rule = {"from": [{"podSelector": {"matchLabels": {"app": source.name}}}]}
        rule["ports"] = _app_ports(app, self.rng, named=self.rng.random() < 0.6)
        spec = {"podSelector": {"matchLabels": {"app": app.name}}, "ingress": [rule]}
        return f"allow-{source.name}-to-{app.name}", spec

    def from_namespace(self, ns: NamespaceInfo, app: App) -> tuple[str, Manifest]:
        other = self._other_ns(ns)
        key = self.rng.choice(("team", "kubernetes.io/metadata.name"))
        peer = {"namespaceSelector": {"matchLabels": {key: other.labels[key]}}}
        rule = {"from": [peer], "ports": _app_ports(app, self.rng, named=False)}
        spec = {
            "podSelector": {"matchLabels": {"app": app.name}},
            "policyTypes": ["Ingress"],
            "ingress": [rule],
        }
        return f"allow-ns-{other.labels['team']}-to-{app.name}", spec

    def from_pods_in_namespaces(self, ns: NamespaceInfo, app: App) -> tuple[str, Manifest]:
        other = self._other_ns(ns)
        source = self.rng.choice(other.apps)
        peer = {
            "namespaceSelector": {"matchLabels": {"env": other.labels["env"]}},
            "podSelector": {"matchLabels": {"role": source.kind.role, "tier": source.kind.tier}},
        }
        rule = {"from": [peer], "ports": _app_ports(app, self.rng, named=True)}
        spec = {"podSelector": {"matchLabels": {"app": app.name}}, "ingress": [rule]}
        return f"allow-{other.labels['env']}-{source.kind.role}-to-{app.name}", spec

    def match_expressions(self, ns: NamespaceInfo, app: App) -> tuple[str, Manifest]:
        tiers = sorted({app.kind.tier, self.rng.choice(("backend", "data", "frontend"))})
        target = {
            "matchExpressions": [
                {"key": "tier", "operator": "In", "values": tiers},
                {"key": "debug", "operator": "DoesNotExist"},
            ]
        }
        peer = {
            "namespaceSelector": {
                "matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["dev"]}]
            },
            "podSelector": {
                "matchExpressions": [
                    {"key": "role", "operator": "Exists"},
                    {"key": "version", "operator": "NotIn", "values": ["v3"]},
                ]
            },
        }
        rule: Manifest = {"from": [peer]}
        if self.rng.random() < 0.7:
            rule["ports"] = [{"protocol": "TCP", "port": 8080}, {"protocol": "TCP", "port": 9000}]
        return f"allow-nondev-{'-'.join(tiers)}", {"podSelector": target, "ingress": [rule]}

    def ingress_from_internet(self, ns: NamespaceInfo, app: App) -> tuple[str, Manifest]:
        rule = {
            "from": [{"ipBlock": self._external_block()}],
            "ports": [{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 8443}, {"port": 8080}],
        }
        spec = {"podSelector": {"matchLabels": {"app": app.name}}, "ingress": [rule]}
        return f"allow-external-to-{app.name}", spec

    def ingress_from_pod_cidr(self, ns: NamespaceInfo, app: App) -> tuple[str, Manifest]:
        ports = _app_ports(app, self.rng, named=False)
        rule = {"from": [{"ipBlock": self._pod_cidr_block()}], "ports": ports}
        spec = {"podSelector": {"matchLabels": {"app": app.name}}, "ingress": [rule]}
        return f"allow-cidr-to-{app.name}", spec

    def egress_external(self, ns: NamespaceInfo, app: App) -> tuple[str, Manifest]:
        to = [{"ipBlock": self._external_block()}]
        if self.rng.random() < 0.1:
            to.append({"ipBlock": {"cidr": "2001:db8::/32", "except": ["2001:db8:ffff::/48"]}})
        ports = [{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 30000, "endPort": 32767}]
        spec = {
            "podSelector": {"matchLabels": {"app": app.name}},
            "policyTypes": ["Egress"],
            "egress": [{"to": to, "ports": ports}],
        }
        return f"allow-{app.name}-egress-external", spec

    def egress_to_data(self, ns: NamespaceInfo, app: App) -> tuple[str, Manifest]:
        data = [a for a in ns.apps if a.kind.tier == "data"] or ns.apps
        target = self.rng.choice(data)
        rule = {
            "to": [{"podSelector": {"matchLabels": {"app": target.name}}}],
            "ports": _app_ports(target, self.rng, named=True),
        }
        spec = {
            "podSelector": {"matchLabels": {"app": app.name}},
            "policyTypes": ["Egress"],
            "egress": [rule],
        }
        return f"allow-{app.name}-to-{target.name}", spec

    def protocols(self, ns: NamespaceInfo, app: App) -> tuple[str, Manifest]:
        rule = {
            "from": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"tier": "backend"}}}],
            "ports": [
                {"protocol": "SCTP", "port": 3868},
                {"protocol": "UDP", "port": 20000, "endPort": 20100},
                {"protocol": "UDP", "port": "dns"},
            ],
        }
        spec = {"podSelector": {"matchLabels": {"app": app.name}}, "ingress": [rule]}
        return f"allow-signaling-to-{app.name}", spec

    def metrics_scrape(self, ns: NamespaceInfo, app: App) -> tuple[str, Manifest]:
        if not self.has_monitoring:
            return self.from_same_namespace(ns, app)
        peer = {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
            "podSelector": {"matchLabels": {"app": "prometheus"}},
        }
        spec = {
            "podSelector": {"matchExpressions": [{"key": "app", "operator": "Exists"}]},
            "ingress": [{"from": [peer], "ports": [{"port": "metrics"}]}],
        }
        return "allow-metrics-scrape", spec

    def ingress_and_egress(self, ns: NamespaceInfo, app: App) -> tuple[str, Manifest]:
        source = self.rng.choice(ns.apps)
        target = self.rng.choice(ns.apps)
        spec = {
            "podSelector": {"matchLabels": {"app": app.name, "version": app.version}},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {
                    "from": [
                        {"podSelector": {"matchLabels": {"app": source.name}}},
                        {"ipBlock": self._pod_cidr_block()},
                    ],
                    "ports": _app_ports(app, self.rng, named=True),
                }
            ],
            "egress": [
                {
                    "to": [{"podSelector": {"matchLabels": {"app": target.name}}}],
                    "ports": _app_ports(target, self.rng, named=False),
                },
                {"to": [{"ipBlock": self._external_block()}], "ports": [{"port": 443}]},
            ],
        }
        return f"{app.name}-{app.version}-traffic", spec

    def trap_empty_egress(self, ns: NamespaceInfo, app: App) -> tuple[str, Manifest]:
        """``egress: []`` without policyTypes: Ingress only (API defaulting), not deny-egress."""
        source = self.rng.choice(ns.apps)
        spec = {
            "podSelector": {"matchLabels": {"app": app.name}},
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": source.name}}}]}],
            "egress": [],
        }
        return f"trap-empty-egress-{app.name}", spec

    def trap_allow_all(self, ns: NamespaceInfo, app: App) -> tuple[str, Manifest]:
        """``ingress: [{}]``: one empty rule allows everything."""
        spec = {"podSelector": {"matchLabels": {"app": app.name}}, "ingress": [{}]}
        return f"trap-allow-all-{app.name}", spec


def _deny_policy(ns: NamespaceInfo) -> Manifest:
    if ns.egress_deny:
        return _policy(ns.name, "default-deny-all", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]})
    return _policy(ns.name, "default-deny-ingress", {"podSelector": {}, "policyTypes": ["Ingress"]})


def _dns_policy(ns: NamespaceInfo) -> Manifest:
    peer = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
    }
    spec = {
        "podSelector": {},
        "policyTypes": ["Egress"],
        "egress": [
            {"to": [peer], "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
            {"to": [{"podSelector": {}}]},
        ],
    }
    return _policy(ns.name, "allow-dns-and-namespace-egress", spec)


def _make_policies(
    namespaces: list[NamespaceInfo], count: int, pod_cidr: str, rng: random.Random, *, traps: bool = True
) -> list[Manifest]:
    """Deny policies first (one per namespace, while the budget lasts), then allow policies."""
    app_namespaces = [ns for ns in namespaces if not ns.system and ns.apps]
    policies: list[Manifest] = []
    for ns in app_namespaces:
        if len(policies) < count:
            policies.append(_deny_policy(ns))
    for ns in app_namespaces:
        if ns.egress_deny and len(policies) < count:
            policies.append(_dns_policy(ns))
    if not app_namespaces:
        return policies
    factory = _PolicyFactory(namespaces, pod_cidr, rng)
    Builder = Callable[[NamespaceInfo, App], tuple[str, Manifest]]
    builders: list[tuple[Builder, int]] = [
        (factory.from_same_namespace, 10),
        (factory.from_namespace, 6),
        (factory.from_pods_in_namespaces, 6),
        (factory.match_expressions, 4),
        (factory.ingress_from_internet, 3),
        (factory.ingress_from_pod_cidr, 3),
        (factory.egress_external, 3),
        (factory.egress_to_data, 4),
        (factory.protocols, 2),
        (factory.metrics_scrape, 2),
        (factory.ingress_and_egress, 3),
    ]
    if traps:
        builders += [(factory.trap_empty_egress, 1), (factory.trap_allow_all, 1)]
    functions = [b for b, _ in builders]
    weights = [w for _, w in builders]
    index = 0
    while len(policies) < count:
        ns = app_namespaces[index % len(app_namespaces)]
        # Every kind of policy (traps included) once first, then a weighted mix.
        builder = functions[index] if index < len(functions) else rng.choices(functions, weights=weights)[0]
        index += 1
        name, spec = builder(ns, rng.choice(ns.apps))
        policies.append(_policy(ns.name, factory.unique(ns.name, name), spec))
    return policies


# ---------------------------------------------------------------------------------------------
# Mutation (semantic-diff benchmarks).


def _rules(spec: Manifest, rng: random.Random) -> tuple[str, list[Manifest]] | None:
    keys = [k for k in ("ingress", "egress") if spec.get(k)]
    if not keys:
        return None
    key = rng.choice(keys)
    return key, spec[key]


def _mutate_selector(
    policy: Manifest, rng: random.Random, apps: list[str], namespaces: list[str]
) -> str | None:
    spec = policy["spec"]
    selectors: list[tuple[str, dict[str, str]]] = []
    if spec["podSelector"].get("matchLabels"):
        selectors.append(("spec.podSelector", spec["podSelector"]["matchLabels"]))
    for direction in ("ingress", "egress"):
        for i, rule in enumerate(spec.get(direction) or []):
            for j, peer in enumerate(rule.get("from") or rule.get("to") or []):
                for sel in ("podSelector", "namespaceSelector"):
                    labels = (peer.get(sel) or {}).get("matchLabels")
                    if labels:
                        selectors.append((f"spec.{direction}[{i}].peers[{j}].{sel}", labels))
    if not selectors:
        return None
    path, labels = rng.choice(selectors)
    key = rng.choice(sorted(labels))
    old = labels[key]
    if key == "app":
        choices = [a for a in apps if a != old] or [f"{old}-renamed"]
        new = rng.choice(choices)
    elif key == "version":
        new = rng.choice([v for v in _VERSIONS if v != old])
    elif key == "env":
        new = rng.choice([v for v in _ENVS if v != old])
    elif key == "tier":
        new = rng.choice([v for v in (*_NS_TIERS, "system") if v != old])
    elif key == "team":
        new = rng.choice([v for v in _TEAMS if v != old])
    elif key == "kubernetes.io/metadata.name":
        new = rng.choice([v for v in namespaces if v != old] or [f"{old}-x"])
    else:
        new = f"{old}-x"
    labels[key] = new
    return f"{path}.matchLabels.{key}: {old} -> {new}"


def _mutate_port(policy: Manifest, rng: random.Random) -> str | None:
    spec = policy["spec"]
    found = _rules(spec, rng)
    if found is None:
        return None
    direction, rules = found
    i = rng.randrange(len(rules))
    rule = rules[i]
    ports = rule.get("ports")
    if not ports:
        rule["ports"] = [{"protocol": "TCP", "port": 8080}]
        return f"spec.{direction}[{i}].ports: all -> 8080/TCP"
    j = rng.randrange(len(ports))
    entry = ports[j]
    port = entry.get("port")
    where = f"spec.{direction}[{i}].ports[{j}]"
    if isinstance(port, str):
        entry["port"] = "metrics" if port != "metrics" else "http"
        return f"{where}.port: {port} -> {entry['port']}"
    if isinstance(port, int) and "endPort" in entry and entry["endPort"] > port:
        entry["endPort"] -= 1
        return f"{where}.endPort: {entry['endPort'] + 1} -> {entry['endPort']}"
    if isinstance(port, int):
        entry["port"] = port + 1 if port < 65535 else port - 1
        entry.pop("endPort", None)
        return f"{where}.port: {port} -> {entry['port']}"
    entry["port"] = 80
    return f"{where}.port: any -> 80"


def _mutate_cidr(policy: Manifest, rng: random.Random) -> str | None:
    blocks: list[tuple[str, Manifest]] = []
    for direction in ("ingress", "egress"):
        for i, rule in enumerate(policy["spec"].get(direction) or []):
            for j, peer in enumerate(rule.get("from") or rule.get("to") or []):
                if "ipBlock" in peer:
                    blocks.append((f"spec.{direction}[{i}].peers[{j}].ipBlock", peer["ipBlock"]))
    if not blocks:
        return None
    path, block = rng.choice(blocks)
    if block.get("except"):
        removed = block["except"].pop(rng.randrange(len(block["except"])))
        if not block["except"]:
            del block["except"]
        return f"{path}.except: removed {removed}"
    net = ipaddress.ip_network(block["cidr"])
    new = next(net.subnets(prefixlen_diff=1)) if net.prefixlen < net.max_prefixlen else net.supernet()
    block["cidr"] = str(new)
    return f"{path}.cidr: {net} -> {new}"


def _mutate_rules(policy: Manifest, rng: random.Random, apps: list[str]) -> str:
    spec = policy["spec"]
    types = spec.get("policyTypes") or ["Ingress"]
    direction = rng.choice(types).lower()
    rules = spec.setdefault(direction, [])
    if rules and rng.random() < 0.5:
        i = rng.randrange(len(rules))
        del rules[i]
        return f"spec.{direction}[{i}]: removed"
    peer_key = "from" if direction == "ingress" else "to"
    app = rng.choice(apps) if apps else "web"
    rules.append({peer_key: [{"podSelector": {"matchLabels": {"app": app}}}], "ports": [{"port": 8080}]})
    return f"spec.{direction}[{len(rules) - 1}]: added (app={app}, 8080/TCP)"


def mutate_policies(policies: list[Manifest], fraction: float, seed: int) -> tuple[list[Manifest], list[str]]:
    """Return a copy of ``policies`` with ``round(fraction * len)`` of them changed, and a log.

    Each changed policy gets one mutation: a selector value, a port, a CIDR, or a rule added
    or removed (falling back to another kind when the policy has nothing of the drawn kind).
    """
    rng = random.Random(seed)
    result = copy.deepcopy(policies)
    apps_by_ns: dict[str, list[str]] = {}
    for p in policies:
        labels = p["spec"]["podSelector"].get("matchLabels") or {}
        if "app" in labels:
            names = apps_by_ns.setdefault(p["metadata"]["namespace"], [])
            if labels["app"] not in names:
                names.append(labels["app"])
    namespaces: list[str] = []
    for p in policies:
        if p["metadata"]["namespace"] not in namespaces:
            namespaces.append(p["metadata"]["namespace"])
    count = min(len(result), round(fraction * len(result)))
    log: list[str] = []
    for index in sorted(rng.sample(range(len(result)), count)):
        policy = result[index]
        apps = apps_by_ns.get(policy["metadata"]["namespace"], [])
        order = ["selector", "port", "cidr", "rules"]
        rng.shuffle(order)
        detail: str | None = None
        for kind in order:
            if kind == "selector":
                detail = _mutate_selector(policy, rng, apps, namespaces)
            elif kind == "port":
                detail = _mutate_port(policy, rng)
            elif kind == "cidr":
                detail = _mutate_cidr(policy, rng)
            else:
                detail = _mutate_rules(policy, rng, apps)
            if detail is not None:
                break
        key = f"{policy['metadata']['namespace']}/{policy['metadata']['name']}"
        log.append(f"{key}\t{detail}")
    return result, log


# ---------------------------------------------------------------------------------------------
# Cluster-wide tiers: AdminNetworkPolicies and the BaselineAdminNetworkPolicy.

_ANP_API = "policy.networking.k8s.io/v1alpha1"


def _ns_sel(**labels: str) -> Manifest:
    return {"matchLabels": dict(labels)}


def _anp(name: str, priority: int, subject: Manifest, **rules: list[Manifest]) -> Manifest:
    spec: Manifest = {"priority": priority, "subject": subject}
    spec.update({k: v for k, v in rules.items() if v})
    return {"apiVersion": _ANP_API, "kind": "AdminNetworkPolicy", "metadata": {"name": name}, "spec": spec}


def _make_tiers(namespaces: list[NamespaceInfo], count: int, rng: random.Random) -> list[Manifest]:
    """``count`` AdminNetworkPolicies of the guardrails admins write (distinct priorities, so
    every verdict is decided) and, when ``count`` > 0, the BaselineAdminNetworkPolicy.

    In priority order: kube-system DNS is Passed to the NetworkPolicies, monitoring may scrape
    metrics, the cloud metadata address is denied, dev never reaches prod, and per team a Pass
    for its own namespaces followed by a Deny from the other teams' (team isolation with
    NetworkPolicies deciding inside a team); the remainder allow a random team's frontends
    into another team's backends on its service port, ahead of the isolation (priorities
    5-99; the isolation policies take 100, 110, …)."""
    teams = sorted({ns.labels["team"] for ns in namespaces if "team" in ns.labels and not ns.system})
    everything: Manifest = {"namespaces": {}}
    out: list[Manifest] = []
    fixed: list[Manifest] = [
        _anp(
            "pass-cluster-dns",
            1,
            everything,
            egress=[
                {
                    "name": "dns-to-kube-system",
                    "action": "Pass",
                    "to": [{"namespaces": _ns_sel(**{"kubernetes.io/metadata.name": "kube-system"})}],
                    "ports": [
                        {"portNumber": {"protocol": "UDP", "port": 53}},
                        {"portNumber": {"protocol": "TCP", "port": 53}},
                    ],
                }
            ],
        ),
        _anp(
            "allow-monitoring-scrapes",
            2,
            everything,
            ingress=[
                {
                    "name": "prometheus",
                    "action": "Allow",
                    "from": [{"namespaces": _ns_sel(**{"kubernetes.io/metadata.name": "monitoring"})}],
                    "ports": [{"namedPort": "metrics"}],
                }
            ],
        ),
        _anp(
            "deny-cloud-metadata",
            3,
            everything,
            egress=[{"name": "imds", "action": "Deny", "to": [{"networks": ["169.254.169.254/32"]}]}],
        ),
        _anp(
            "dev-never-reaches-prod",
            4,
            {"namespaces": _ns_sel(env="prod")},
            ingress=[{"name": "from-dev", "action": "Deny", "from": [{"namespaces": _ns_sel(env="dev")}]}],
        ),
    ]
    out.extend(fixed[:count])
    priority = 100
    for team in teams:
        if len(out) >= count:
            break
        out.append(
            _anp(
                f"isolate-{team}",
                priority,
                {"namespaces": _ns_sel(team=team)},
                ingress=[
                    {"name": "same-team", "action": "Pass", "from": [{"namespaces": _ns_sel(team=team)}]},
                    {
                        "name": "system",
                        "action": "Pass",
                        "from": [{"namespaces": _ns_sel(tier="system")}],
                    },
                    {
                        "name": "other-teams",
                        "action": "Deny",
                        "from": [
                            {
                                "namespaces": {
                                    "matchExpressions": [
                                        {"key": "team", "operator": "NotIn", "values": [team]}
                                    ]
                                }
                            }
                        ],
                    },
                ],
            )
        )
        priority += 10
    while len(out) < count:
        src, dst = rng.sample(teams, 2) if len(teams) >= 2 else (teams[0], teams[0])
        port = rng.choice((8080, 8443, 9000))
        # an exception admins grant: before the isolation policies (priorities from 100)
        out.append(
            _anp(
                f"allow-{src}-to-{dst}-{port}-{len(out)}",
                5 + len(out),
                {"pods": {"namespaceSelector": _ns_sel(team=dst), "podSelector": _ns_sel(tier="backend")}},
                ingress=[
                    {
                        "name": f"{src}-frontends",
                        "action": "Allow",
                        "from": [
                            {
                                "pods": {
                                    "namespaceSelector": _ns_sel(team=src),
                                    "podSelector": _ns_sel(tier="frontend"),
                                }
                            }
                        ],
                        "ports": [{"portNumber": {"protocol": "TCP", "port": port}}],
                    }
                ],
            )
        )
    if count > 0:
        out.append(
            {
                "apiVersion": _ANP_API,
                "kind": "BaselineAdminNetworkPolicy",
                "metadata": {"name": "default"},
                "spec": {
                    "subject": {"namespaces": _ns_sel(env="prod")},
                    "ingress": [
                        {
                            "name": "deny-from-other-namespaces",
                            "action": "Deny",
                            "from": [
                                {
                                    "namespaces": {
                                        "matchExpressions": [
                                            {"key": "env", "operator": "In", "values": ["dev", "staging"]}
                                        ]
                                    }
                                }
                            ],
                        }
                    ],
                },
            }
        )
    return out


# ---------------------------------------------------------------------------------------------
# Entry points.


def generate(
    pods: int,
    policies: int,
    namespaces: int,
    seed: int,
    *,
    pod_cidr: str = DEFAULT_POD_CIDR,
    workloads: bool = False,
    traps: bool = True,
    mutate: float = 0.0,
    mutate_seed: int = 1,
    admin_policies: int = 0,
) -> GeneratedCluster:
    """Generate a cluster; with ``mutate`` > 0 its policies are the mutated variant.

    ``traps=False`` leaves out ``egress: []`` without policyTypes (NCA reads it as deny-all
    egress, unlike API-server defaulting) and ``ingress: [{}]``, for exact comparisons.
    """
    if pods < 0 or policies < 0 or namespaces < 1:
        raise ValueError("need pods >= 0, policies >= 0 and namespaces >= 1")
    rng = random.Random(seed)
    infos = _make_namespaces(namespaces, rng)
    _make_apps(infos, pods, rng)
    pod_docs = _pod_manifests(infos, pod_cidr, rng)
    policy_docs = _make_policies(infos, policies, pod_cidr, rng, traps=traps)
    workload_docs = _workload_manifests(infos, rng) if workloads else []
    ns_docs: list[Manifest] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns.name, "labels": ns.labels}}
        for ns in infos
    ]
    mutations: list[str] = []
    if mutate > 0:
        policy_docs, mutations = mutate_policies(policy_docs, mutate, mutate_seed)
    # drawn last, from their own generator: the rest stays byte-identical without tiers
    tier_docs = _make_tiers(infos, admin_policies, random.Random(seed + 7919)) if admin_policies else []
    return GeneratedCluster(ns_docs, pod_docs, policy_docs, workload_docs, mutations, tier_docs)


def write_cluster(cluster: GeneratedCluster, out: Path) -> list[Path]:
    """Write the manifests into ``out`` (created if needed); return the files written.

    Only ``*.yaml`` files are manifests; the mutation log is ``mutations.txt`` so that no
    loader that reads ``*.yaml``/``*.json`` mistakes it for a resource.
    """
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "namespaces.yaml": cluster.namespaces,
        "pods.yaml": cluster.pods,
        "policies.yaml": cluster.policies,
    }
    if cluster.workloads:
        files["workloads.yaml"] = cluster.workloads
    if cluster.tiers:
        files["tiers.yaml"] = cluster.tiers
    written: list[Path] = []
    for name in ("workloads.yaml", "tiers.yaml", "mutations.txt"):
        stale = out / name
        if stale.exists() and name not in files:
            stale.unlink()
    for name, docs in files.items():
        path = out / name
        path.write_text(dump_documents(docs), encoding="utf-8")
        written.append(path)
    if cluster.mutations:
        path = out / "mutations.txt"
        path.write_text("\n".join(cluster.mutations) + "\n", encoding="utf-8")
        written.append(path)
    return written


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), help="a named size (--pods etc. override)")
    parser.add_argument("--pods", type=int)
    parser.add_argument("--policies", type=int)
    parser.add_argument("--namespaces", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="directory to write the manifests into")
    parser.add_argument("--pod-cidr", default=DEFAULT_POD_CIDR)
    parser.add_argument("--workloads", action="store_true", help="also write a few Deployments")
    parser.add_argument(
        "--no-traps",
        action="store_true",
        help="no `egress: []`/`ingress: [{}]` traps (NCA-exact comparisons)",
    )
    parser.add_argument("--mutate", type=float, default=0.0, help="fraction of policies to change")
    parser.add_argument("--mutate-seed", type=int, default=2)
    parser.add_argument(
        "--admin-policies",
        type=int,
        default=0,
        help="write tiers.yaml: this many AdminNetworkPolicies and the BaselineAdminNetworkPolicy",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    base = SCENARIOS[args.scenario] if args.scenario else None
    pods = args.pods if args.pods is not None else (base.pods if base else None)
    policies = args.policies if args.policies is not None else (base.policies if base else None)
    namespaces = args.namespaces if args.namespaces is not None else (base.namespaces if base else None)
    if pods is None or policies is None or namespaces is None:
        print("generate.py: give --scenario or all of --pods, --policies, --namespaces", file=sys.stderr)
        return 2
    if not 0.0 <= args.mutate <= 1.0:
        print(f"generate.py: --mutate must be within [0, 1], got {args.mutate}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    try:
        cluster = generate(
            pods,
            policies,
            namespaces,
            args.seed,
            pod_cidr=args.pod_cidr,
            workloads=args.workloads,
            traps=not args.no_traps,
            mutate=args.mutate,
            mutate_seed=args.mutate_seed,
            admin_policies=args.admin_policies,
        )
    except ValueError as exc:
        print(f"generate.py: {exc}", file=sys.stderr)
        return 2
    files = write_cluster(cluster, args.out)
    elapsed = time.perf_counter() - start
    print(
        f"wrote {len(cluster.namespaces)} namespaces, {len(cluster.pods)} pods, "
        f"{len(cluster.policies)} policies, {len(cluster.workloads)} workloads, "
        f"{len(cluster.mutations)} mutations to {args.out} ({', '.join(f.name for f in files)}) "
        f"in {elapsed:.2f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
