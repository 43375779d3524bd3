"""The upstream tier conformance probes (tests/tiers/conformance, format in its README.md),
materialized as manifests, loaded with the production loader and judged three ways.

For one (data file, step):

1. `step_documents` writes the base workload (Namespaces; every StatefulSet as its concrete
   Pods ``<name>-0``/``<name>-1`` with the template's labels, the automatic
   ``statefulset.kubernetes.io/pod-name`` label, the declared containerPorts and a
   deterministic ``status.podIP``), the file's ``objects`` (Services, Nodes) and the
   policies in effect at the step: tier policies in ``applied`` with their rules in
   ``rule_order``, ``priorities``, ``actions``, ``rule_ports`` and ``inserted_rule``
   applied, the NetworkPolicies in ``networkpolicies``; ``{{podIP ns/pod}}`` is replaced
   by the address given to that pod. Host-network pods (centaur) take their node's
   InternalIP (``node_placement``); the loader leaves them out of the inventory, so a
   probe to one is a flow to that external address.
2. `load_step` loads the documents with `verifier.load.load_cluster` (cached per step).
3. `judge_step` decides every probe of the step with the oracle (`verifier.oracle.decide`),
   Z3 (one ``allow`` property per probe, all of the step in one `verifier.query.check`
   call) and the concrete engine (`verifier.engine.compute_matrix` for pod pairs, the
   one-port connectivity's external side for host-network servers), each as
   ``allowed``/``denied``/``unknown`` (or ``error: ...``).
"""

from __future__ import annotations

import copy
import functools
import json
import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from verifier.engine import compute_matrix
from verifier.engine.connectivity import compute_port_connectivity
from verifier.load import load_cluster
from verifier.model import AnalysisOptions, Cluster, IPBlock, PolicyPort, Protocol, Universe, parse_ip
from verifier.model.ip import ip_key
from verifier.oracle import decide, external_endpoint, pod_endpoint
from verifier.query.check import check
from verifier.results import Flow, Verdict
from verifier.spec import Expect, Property, SpecPeer

CONFORMANCE = Path(__file__).resolve().parent / "conformance"
BASES = ("base.yaml", "base-v1alpha2.yaml")
NETWORK_POLICY = "NetworkPolicy"
POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
DIRECTIONS = ("ingress", "egress")
OUTCOMES = ("allowed", "denied", "unknown")
_PLACEHOLDER = re.compile(r"\{\{\s*podIP\s+([^\s}]+)\s*\}\}")
OPTIONS = AnalysisOptions()
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DataError(ValueError):
    """A data file that does not follow the format of conformance/README.md."""


def data_files() -> list[Path]:
    """Every probe file (the base files aside), sorted."""
    return sorted(p for p in CONFORMANCE.glob("*.yaml") if p.name not in BASES)


@functools.cache
def read_data(name: str) -> dict[str, Any]:
    data = yaml.load((CONFORMANCE / name).read_text(), Loader=_LOADER)
    if not isinstance(data, dict):
        raise DataError(f"{name}: not a mapping")
    return data


# --- the base workload ------------------------------------------------------------------------


@dataclass(frozen=True)
class Base:
    """The base workload as concrete objects: Namespaces, Pods (host-network ones included,
    without an address) and the address of every pod that is not host-network."""

    namespaces: tuple[dict[str, Any], ...]
    pods: tuple[dict[str, Any], ...]
    pod_ips: dict[str, str]  # ns/pod -> IP (host-network pods excluded)
    host_network: frozenset[str]  # ns/pod of host-network pods


@functools.cache
def read_base(name: str) -> Base:
    namespaces: list[dict[str, Any]] = []
    pods: list[dict[str, Any]] = []
    pod_ips: dict[str, str] = {}
    host: set[str] = set()
    sets = 0
    for doc in yaml.load_all((CONFORMANCE / name).read_text(), Loader=_LOADER):
        if doc is None:
            continue
        if doc["kind"] == "Namespace":
            namespaces.append(doc)
            continue
        if doc["kind"] != "StatefulSet":
            raise DataError(f"{name}: unexpected kind {doc['kind']}")
        sets += 1
        meta, spec = doc["metadata"], doc["spec"]
        template = spec["template"]
        for replica in range(int(spec.get("replicas", 1))):
            pod_name = f"{meta['name']}-{replica}"
            key = f"{meta['namespace']}/{pod_name}"
            pod_spec = copy.deepcopy(template["spec"])
            labels = {**template["metadata"].get("labels", {}), POD_NAME_LABEL: pod_name}
            pod: dict[str, Any] = {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": pod_name,
                    "namespace": meta["namespace"],
                    "labels": labels,
                    "annotations": dict(template["metadata"].get("annotations", {})),
                },
                "spec": pod_spec,
                "status": {"phase": "Running"},
            }
            if pod_spec.get("hostNetwork"):
                host.add(key)
            else:
                ip = f"10.244.{sets}.{replica + 10}"
                pod_ips[key] = ip
                pod["status"].update(podIP=ip, podIPs=[{"ip": ip}])
            pods.append(pod)
    return Base(tuple(namespaces), tuple(pods), pod_ips, frozenset(host))


# --- one step ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    name: str
    client: str
    server: str
    protocol: Protocol
    port: int
    expect: str
    uncertain: bool
    via_service: str | None

    def __str__(self) -> str:
        via = f" via {self.via_service}" if self.via_service else ""
        return f"{self.name}: {self.client} -> {self.server}{via} {self.port}/{self.protocol.value}"


def probes_of(name: str, step: str) -> list[Probe]:
    data = read_data(name)
    steps = {s["name"] for s in data["steps"]}
    found = []
    for raw in data["probes"]:
        if raw["step"] not in steps:
            raise DataError(f"{name}: probe {raw['name']} names the unknown step {raw['step']!r}")
        if raw["expect"] not in OUTCOMES:
            raise DataError(f"{name}: probe {raw['name']} expects {raw['expect']!r}")
        if raw["step"] == step:
            found.append(
                Probe(
                    name=raw["name"],
                    client=raw["client"],
                    server=raw["server"],
                    protocol=Protocol(raw["protocol"]),
                    port=int(raw["port"]),
                    expect=raw["expect"],
                    uncertain=bool(raw.get("uncertain", False)),
                    via_service=raw.get("via_service"),
                )
            )
    return found


def _step(data: dict[str, Any], name: str, step: str) -> dict[str, Any]:
    for s in data["steps"]:
        if s["name"] == step:
            return dict(s)
    raise DataError(f"{name}: no step {step!r}")


def _node_ips(data: dict[str, Any]) -> dict[str, str]:
    """Node name -> its InternalIP, from the file's placeholder Node objects."""
    ips: dict[str, str] = {}
    for obj in data.get("objects") or []:
        if obj["kind"] == "Node":
            for address in obj.get("status", {}).get("addresses", []):
                if address["type"] == "InternalIP":
                    ips.setdefault(obj["metadata"]["name"], address["address"])
    return ips


def host_ips(name: str) -> dict[str, str]:
    """Host-network pod (ns/pod) -> its node's InternalIP, per ``node_placement``."""
    data = read_data(name)
    nodes = _node_ips(data)
    placed = {}
    for pod, node in (data.get("node_placement") or {}).items():
        if node not in nodes:
            raise DataError(f"{name}: node_placement puts {pod} on {node}, which has no InternalIP")
        placed[pod] = nodes[node]
    return placed


def _substitute(value: Any, ips: dict[str, str], where: str) -> Any:
    """``{{podIP ns/pod}}`` -> the address of that pod, everywhere in ``value``."""
    if isinstance(value, str):

        def one(m: re.Match[str]) -> str:
            if m.group(1) not in ips:
                raise DataError(f"{where}: {{{{podIP {m.group(1)}}}}} names no pod with an address")
            return ips[m.group(1)]

        return _PLACEHOLDER.sub(one, value)
    if isinstance(value, list):
        return [_substitute(v, ips, where) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, ips, where) for k, v in value.items()}
    return value


def _orders(step: dict[str, Any], tier_names: list[str], where: str) -> dict[str, dict[str, list[str]]]:
    """``rule_order`` normalised to {policy: {direction: [rule names]}} (a list is the one
    direction of the one policy; {ingress, egress} both directions of the one policy)."""
    order = step["rule_order"]
    if isinstance(order, dict) and not set(order) <= set(DIRECTIONS):
        unknown = set(order) - set(tier_names)
        if unknown:
            raise DataError(f"{where}: rule_order names policies not in effect: {sorted(unknown)}")
        return {p: dict(v) for p, v in order.items()}
    if len(tier_names) != 1:
        raise DataError(f"{where}: a single-policy rule_order with policies {tier_names} in effect")
    if isinstance(order, list):
        return {tier_names[0]: {"": list(order)}}  # "": the policy's only direction
    return {tier_names[0]: dict(order)}


def _split(key: str, where: str, what: str) -> tuple[str, str]:
    if key.count("/") != 1:
        raise DataError(f"{where}: {what} key {key!r} is not <policy>/<rule>")
    policy, rule = key.split("/")
    return policy, rule


def _find_rule(spec: dict[str, Any], rule: str, where: str) -> dict[str, Any]:
    found = [r for d in DIRECTIONS for r in spec.get(d) or [] if r["name"] == rule]
    if len(found) != 1:
        raise DataError(f"{where}: {len(found)} rules named {rule!r}")
    rule_doc: dict[str, Any] = found[0]
    return rule_doc


def _tier_policy(
    policy: dict[str, Any], order: dict[str, list[str]], step: dict[str, Any], where: str
) -> dict[str, Any]:
    """One tier policy as it stands at the step."""
    doc = copy.deepcopy(policy)
    name, spec = doc["metadata"]["name"], doc["spec"]
    where = f"{where}, policy {name}"
    if name in (step.get("priorities") or {}):
        spec["priority"] = step["priorities"][name]
    ports_key = "protocols" if doc["apiVersion"].endswith("/v1alpha2") else "ports"
    for key, ports in (step.get("rule_ports") or {}).items():
        owner, rule = _split(key, where, "rule_ports")
        if owner == name:
            _find_rule(spec, rule, where)[ports_key] = copy.deepcopy(ports)
    for key, action in (step.get("actions") or {}).items():
        owner, rule = _split(key, where, "actions")
        if owner == name:
            _find_rule(spec, rule, where)["action"] = action
    if "" in order:  # list form: the policy's only direction
        present = [d for d in DIRECTIONS if spec.get(d)]
        if len(present) != 1:
            raise DataError(f"{where}: a rule_order list for a policy with directions {present}")
        order = {present[0]: order[""]}
    inserted = step.get("inserted_rule")
    inserted_into = [d for d, names in order.items() if inserted and inserted["name"] in names]
    if inserted and len(inserted_into) > 1:
        raise DataError(f"{where}: the inserted rule is in several directions")
    for direction in DIRECTIONS:
        rules = list(spec.get(direction) or [])
        if direction in inserted_into:
            rules.append(copy.deepcopy(inserted))
        by_name = {r["name"]: r for r in rules}
        wanted = order.get(direction, [])
        if sorted(wanted) != sorted(by_name) or len(set(wanted)) != len(wanted):
            raise DataError(
                f"{where}: rule_order {direction} {wanted} is not a permutation of its rules {sorted(by_name)}"
            )
        if rules:
            spec[direction] = [by_name[n] for n in wanted]
    return doc


def step_documents(name: str, step_name: str) -> list[dict[str, Any]]:
    """Every object in effect at the step, placeholders substituted."""
    data = read_data(name)
    where = f"{name} step {step_name}"
    step = _step(data, name, step_name)
    base = read_base(data["base"])
    hosts = host_ips(name)
    if set(hosts) - base.host_network:
        raise DataError(f"{name}: node_placement places pods that are not host-network")
    pods = []
    for pod in base.pods:
        key = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        if key in hosts:
            pod = copy.deepcopy(pod)
            pod["status"].update(podIP=hosts[key], podIPs=[{"ip": hosts[key]}])
        pods.append(pod)
    tiers = [p for p in data["policies"] if p["kind"] != NETWORK_POLICY]
    nps = [p for p in data["policies"] if p["kind"] == NETWORK_POLICY]
    applied = step.get("applied")
    if applied is not None:
        missing = set(applied) - {p["metadata"]["name"] for p in tiers}
        if missing:
            raise DataError(f"{where}: applied names unknown policies {sorted(missing)}")
        tiers = [p for p in tiers if p["metadata"]["name"] in applied]
    kept = step.get("networkpolicies")
    if kept is not None:
        keys = {f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in nps}
        if set(kept) - keys:
            raise DataError(f"{where}: networkpolicies names unknown ones {sorted(set(kept) - keys)}")
        nps = [p for p in nps if f"{p['metadata']['namespace']}/{p['metadata']['name']}" in kept]
    names = [p["metadata"]["name"] for p in tiers]
    orders = _orders(step, names, where)
    for key in (*(step.get("actions") or {}), *(step.get("rule_ports") or {})):
        if _split(key, where, "actions/rule_ports")[0] not in names:
            raise DataError(f"{where}: {key!r} names a policy not in effect")
    for p in step.get("priorities") or {}:
        if p not in names:
            raise DataError(f"{where}: priorities name {p!r}, not in effect")
    policies = [_tier_policy(p, orders.get(p["metadata"]["name"], {}), step, where) for p in tiers]
    docs = [*base.namespaces, *pods, *copy.deepcopy(data.get("objects") or []), *policies, *nps]
    return _substitute(docs, base.pod_ips, where)  # type: ignore[no-any-return]


@functools.cache
def load_step(name: str, step: str) -> Cluster:
    """The cluster of one step, loaded with the production loader (cached), after checking
    that the loader kept what was written (`loader_drift`)."""
    docs = step_documents(name, step)
    with tempfile.TemporaryDirectory(prefix="conformance-") as tmp:
        path = Path(tmp) / "cluster.json"  # a JSON stream: one object per line (fast to write)
        path.write_text("\n".join(json.dumps(doc) for doc in docs))
        cluster = load_cluster([str(path)]).cluster
    drift = loader_drift(docs, cluster)
    if drift:
        raise AssertionError(f"{name} step {step}: the loader changed the input:\n" + "\n".join(drift))
    return cluster


_ACTIONS = {"Accept": "Allow"}


def loader_drift(docs: list[dict[str, Any]], cluster: Cluster) -> list[str]:
    """What the loaded cluster lost or changed of the written objects: pods (host-network
    ones are left out), Nodes, tier policies with their priority and every rule's name and
    action in order."""
    drift = []
    pods = {
        f"{d['metadata']['namespace']}/{d['metadata']['name']}"
        for d in docs
        if d["kind"] == "Pod" and not d["spec"].get("hostNetwork")
    }
    if {p.key for p in cluster.pods} != pods:
        drift.append(f"pods: wrote {sorted(pods)}, loaded {sorted(p.key for p in cluster.pods)}")
    nodes = sorted(d["metadata"]["name"] for d in docs if d["kind"] == "Node")
    if sorted(n.name for n in cluster.nodes) != nodes:
        drift.append(f"nodes: wrote {nodes}, loaded {sorted(n.name for n in cluster.nodes)}")
    loaded = {(p.kind, p.name): p for p in cluster.tier_policies}
    written = [d for d in docs if d["kind"] not in ("Namespace", "Pod", "Node", "Service", NETWORK_POLICY)]
    if len(loaded) != len(written):
        drift.append(f"tier policies: wrote {len(written)}, loaded {len(loaded)}")
    for doc in written:
        key = (doc["kind"], doc["metadata"]["name"])
        policy = loaded.get(key)
        if policy is None:
            drift.append(f"{key[0]}/{key[1]} is missing")
            continue
        if policy.priority != doc["spec"].get("priority"):
            drift.append(f"{policy.key}: priority {doc['spec'].get('priority')} loaded as {policy.priority}")
        for direction in DIRECTIONS:
            want = [
                (r["name"], _ACTIONS.get(r["action"], r["action"])) for r in doc["spec"].get(direction) or []
            ]
            got = [(r.name, r.action.value) for r in getattr(policy, direction)]
            if got != want:
                drift.append(f"{policy.key} {direction}: wrote {want}, loaded {got}")
    return drift


# --- judging ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Judged:
    probe: Probe
    oracle: str
    z3: str
    engine: str

    @property
    def matches(self) -> bool:
        return self.oracle == self.z3 == self.engine == self.probe.expect

    def __str__(self) -> str:
        return (
            f"{self.probe}: expected {self.probe.expect}, oracle {self.oracle}, z3 {self.z3}, "
            f"engine {self.engine}"
        )


def _server_ip(name: str, probe: Probe) -> str | None:
    """The address of a host-network server (None when the server is an inventory pod)."""
    return host_ips(name).get(probe.server)


def _oracle(cluster: Cluster, name: str, probe: Probe) -> str:
    pods = {p.key: p for p in cluster.pods}
    if probe.client not in pods:
        return f"error: client {probe.client} is not in the inventory"
    ip = _server_ip(name, probe)
    if ip is not None:
        destination = external_endpoint(ip)
    elif probe.server in pods:
        destination = pod_endpoint(cluster, pods[probe.server])
    else:
        return f"error: server {probe.server} is neither in the inventory nor placed on a node"
    flow = Flow(
        source=pod_endpoint(cluster, pods[probe.client]),
        destination=destination,
        port=probe.port,
        protocol=probe.protocol,
    )
    decision = decide(cluster, flow, ipblock_pods=OPTIONS.ipblock_pods)
    if decision.undecided:
        return "unknown"
    return "allowed" if decision.allowed else "denied"


def _property(name: str, index: int, probe: Probe) -> Property:
    ip = _server_ip(name, probe)
    if ip is not None:
        addr = parse_ip(ip)
        cidr = f"{addr}/{32 if addr.version == 4 else 128}"
        destination = SpecPeer(ip_block=IPBlock.model_validate({"cidr": cidr}))
    else:
        destination = SpecPeer(pod=probe.server)
    return Property(
        name=f"{index}:{probe.name}",
        expect=Expect.ALLOW,
        universe=Universe.INVENTORY,
        sources=(SpecPeer(pod=probe.client),),
        destinations=(destination,),
        ports=(PolicyPort(protocol=probe.protocol, port=probe.port),),
    )


_Z3 = {Verdict.HOLDS: "allowed", Verdict.VIOLATED: "denied", Verdict.UNKNOWN: "unknown"}


def _z3(cluster: Cluster, name: str, probes: list[Probe]) -> list[str]:
    """Every probe of the step as one ``allow`` property, all in one check call."""
    props = [_property(name, i, p) for i, p in enumerate(probes)]
    report = check(cluster, props, OPTIONS)
    return [_Z3.get(r.verdict, f"{r.verdict.value}: {r.reason}") for r in report.results]


def _engine(cluster: Cluster, name: str, probes: list[Probe]) -> list[str]:
    """The matrix cell of each probe (pod pairs), or the one-port connectivity towards the
    external address of a host-network server."""
    out: list[str] = []
    matrices: dict[tuple[int, Protocol], Any] = {}
    conns: dict[tuple[int, Protocol], Any] = {}
    for probe in probes:
        key = (probe.port, probe.protocol)
        ip = _server_ip(name, probe)
        if ip is None:
            if key not in matrices:
                matrices[key] = compute_matrix(cluster, probe.port, probe.protocol, OPTIONS)
            m = matrices[key]
            if probe.client not in m.endpoints or probe.server not in m.endpoints:
                out.append("error: endpoint not in the matrix")
                continue
            i, j = m.endpoints.index(probe.client), m.endpoints.index(probe.server)
            if (i, j) in m.conditional:
                out.append("unknown")
            else:
                out.append("allowed" if m.allowed(i, j) else "denied")
            continue
        if key not in conns:
            conns[key] = compute_port_connectivity(
                cluster, probe.port, probe.protocol, OPTIONS, external=True
            )
        conn = conns[key]
        if probe.client not in conn.endpoints or conn.external is None:
            out.append("error: no external side for the client")
            continue
        target = ip_key(parse_ip(ip))
        ranges = [r for r, (lo, hi) in enumerate(conn.external.ranges) if lo <= target <= hi]
        if len(ranges) != 1:
            out.append(f"error: {ip} is in {len(ranges)} external ranges")
            continue
        cell = conn.to_external(conn.endpoints.index(probe.client), ranges[0])
        if cell.maybe(probe.port, probe.protocol):
            out.append("unknown")
        else:
            out.append("allowed" if cell.allows(probe.port, probe.protocol) else "denied")
    return out


def _guarded(count: int, fn: Callable[..., list[str]], *args: Any) -> list[str]:
    """One engine's answers; an exception becomes an ``error: ...`` answer for every probe
    (so the other engines' answers are still reported)."""
    try:
        return fn(*args)
    except Exception as exc:
        return [f"error: {type(exc).__name__}: {exc}"] * count


@functools.cache
def judge_step(name: str, step: str) -> tuple[Judged, ...]:
    """Every probe of the step, judged by the oracle, Z3 and the engine (cached)."""
    probes = probes_of(name, step)
    cluster = load_step(name, step)
    oracle = [_guarded(1, lambda p: [_oracle(cluster, name, p)], p)[0] for p in probes]
    z3 = _guarded(len(probes), _z3, cluster, name, probes)
    engine = _guarded(len(probes), _engine, cluster, name, probes)
    return tuple(
        Judged(probe=p, oracle=o, z3=z, engine=e)
        for p, o, z, e in zip(probes, oracle, z3, engine, strict=True)
    )


def all_steps() -> Iterator[tuple[str, str, bool]]:
    """(file name, step name, has uncertain probes) for every step of every file."""
    for path in data_files():
        data = read_data(path.name)
        for step in data["steps"]:
            probes = probes_of(path.name, step["name"])
            yield path.name, step["name"], any(p.uncertain for p in probes)
