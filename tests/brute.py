"""A brute-force model of property verdicts, independent of the Z3 encoding.

It enumerates a finite set of concrete flows that is *complete* for the question asked —
every way a selector, an ipBlock or a port range can tell endpoints apart is represented —
and asks the oracle about each one:

- labels: for every key any selector mentions, absent, each mentioned value, or one other;
- namespaces: the existing ones, plus (``any`` universe) new ones with any such labels;
- addresses: both ends of every CIDR range in play and their neighbours, so every atomic
  region of the address line is hit; a packet's two addresses share one family;
- ports: the ends of every port range in play and their neighbours, every named port number;
- named ports of hypothetical pods: all mentioned names at the flow's port, or none (more
  named ports can only allow more, so these two extremes decide deny and allow); with tier
  policies a named port can deny too, so every subset of the names of the flow's protocol;
- pods: every inventory pod in both universes (the ``any`` universe contains the inventory),
  a replicated template as two replicas; a pod whose IP is unknown, and a hypothetical pod,
  at every candidate address in the pod space that no input pod has;
- a flow has a pod on at least one end, two distinct addresses, and is no pod to itself.

The cluster-wide tiers count too: their subject and peer selectors join the label spaces,
their ``networks`` CIDRs and the addresses of the Nodes their ``nodes`` peers select join the
address candidates, their port ranges the port candidates and their named ports (a protocol-
less one under every protocol) the named ports. Verdicts are three-valued
(`brute_force_outcome`), from the oracle's must-allow (`Decision.allowed`) and may-allow
(`Decision.may_allow`) exactly as the prover decides them (`verifier.solve.prove`).

This is slow and only usable on small clusters, which is what the hypothesis tests draw.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Callable, Iterator

from verifier.model import (
    NAMESPACE_NAME_LABEL,
    AnalysisOptions,
    Cluster,
    ContainerPort,
    IntervalSet,
    LabelSelector,
    Pod,
    Protocol,
    Universe,
    ip_key,
    key_to_ip,
    network_range,
)
from verifier.model.ip import V6_OFFSET, V6_SPACE
from verifier.oracle import decide
from verifier.results import Endpoint, EndpointKind, Flow, Verdict
from verifier.spec import Expect, Property, SpecPeer


def _selectors(cluster: Cluster, props: list[Property]) -> tuple[list[LabelSelector], list[LabelSelector]]:
    pod_sels, ns_sels = [], []
    for p in cluster.policies:
        pod_sels.append(p.pod_selector)
        for r in p.ingress + p.egress:
            for peer in r.peers or ():
                if peer.pod_selector is not None:
                    pod_sels.append(peer.pod_selector)
                if peer.namespace_selector is not None:
                    ns_sels.append(peer.namespace_selector)
    for tp in cluster.tier_policies:
        subject = tp.subject
        pod_sels.extend(s for s in (subject.pods,) if s is not None)
        ns_sels.extend(s for s in (subject.namespaces, subject.pod_namespaces) if s is not None)
        for tr in tp.ingress + tp.egress:
            for tpeer in tr.peers:
                pod_sels.extend(s for s in (tpeer.pods,) if s is not None)
                ns_sels.extend(s for s in (tpeer.namespaces, tpeer.pod_namespaces) if s is not None)
    for prop in props:
        for peer in (prop.sources or ()) + (prop.destinations or ()):
            if peer.pod_selector is not None:
                pod_sels.append(peer.pod_selector)
            if peer.namespace_selector is not None:
                ns_sels.append(peer.namespace_selector)
    return pod_sels, ns_sels


def _label_space(selectors: list[LabelSelector]) -> list[dict[str, str]]:
    keys: dict[str, set[str]] = {}
    for sel in selectors:
        for req in sel.requirements():
            keys.setdefault(req.key, set()).update(req.values)
    choices = [[None, *sorted(vals), "zz-other"] for vals in keys.values()]
    out = []
    for combo in itertools.product(*choices):
        out.append({k: v for k, v in zip(keys, combo, strict=True) if v is not None})
    return out


def _ip_sets(cluster: Cluster, props: list[Property], options: AnalysisOptions) -> list[IntervalSet]:
    sets = []
    for p in cluster.policies:
        for r in p.ingress + p.egress:
            for peer in r.peers or ():
                if peer.ip_block is not None:
                    sets.append(peer.ip_block.ranges())
    for prop in props:
        for peer in (prop.sources or ()) + (prop.destinations or ()):
            if peer.ip_block is not None:
                sets.append(peer.ip_block.ranges())
    for tp in cluster.tier_policies:
        for tr in tp.ingress + tp.egress:
            for tpeer in tr.peers:
                sets.append(tpeer.network_ranges())
                sets.extend(
                    IntervalSet.of([(ip_key(a), ip_key(a))]) for a in tpeer.node_addresses(cluster.nodes)
                )
    sets.append(IntervalSet.of(network_range(n) for n in options.pod_cidrs))
    return sets


def _candidate_keys(sets: list[IntervalSet]) -> list[int]:
    points = {0, 1, V6_OFFSET - 1, V6_OFFSET, V6_OFFSET + 1, V6_SPACE[1]}
    for s in sets:
        for lo, hi in s:
            points.update({lo - 1, lo, hi, hi + 1})
    return sorted(p for p in points if 0 <= p <= V6_SPACE[1])


def _candidate_ports(cluster: Cluster, props: list[Property]) -> list[int]:
    ports = {1, 80, 65535}
    port_lists = [r.ports for p in cluster.policies for r in p.ingress + p.egress] + [p.ports for p in props]
    for plist in port_lists:
        for pp in plist or ():
            rng = pp.numeric_range()
            if rng is not None:
                ports.update({rng[0] - 1, rng[0], rng[1], rng[1] + 1})
    for tp in cluster.tier_policies:
        for tr in tp.ingress + tp.egress:
            for tport in tr.ports or ():
                trng = tport.numeric_range()
                if trng is not None:
                    ports.update({trng[0] - 1, trng[0], trng[1], trng[1] + 1})
    for pod in cluster.pods:
        ports.update(cp.port for cp in pod.ports)
    return sorted(p for p in ports if 1 <= p <= 65535)


def _named(cluster: Cluster, props: list[Property]) -> list[tuple[str, Protocol]]:
    out = set()
    port_lists = [r.ports for p in cluster.policies for r in p.ingress + p.egress] + [p.ports for p in props]
    for plist in port_lists:
        for pp in plist or ():
            if isinstance(pp.port, str):
                out.add((pp.port, pp.protocol))
    for tp in cluster.tier_policies:
        for tr in tp.ingress + tp.egress:
            for tport in tr.ports or ():
                if tport.name is not None:
                    for proto in (tport.protocol,) if tport.protocol is not None else tuple(Protocol):
                        out.add((tport.name, proto))
    return sorted(out)


def _named_port_choices(
    dst: Endpoint,
    names: list[tuple[str, Protocol]],
    port: int,
    proto: Protocol,
    tiers: bool,
    want_allowed: bool,
) -> list[Endpoint]:
    """The named ports a hypothetical destination may define at the flow's port: all or none
    (NetworkPolicies only: more can only allow more), or with tiers every subset of the names
    of the flow's protocol (a tier rule on a named port may deny)."""
    if dst.kind is not EndpointKind.NEW_POD:
        return [dst]
    if not tiers:
        named = _with_named_ports(dst, names, port)
        return [named, dst] if want_allowed else [dst, named]
    mine = [n for n in names if n[1] is proto]
    subsets = itertools.chain.from_iterable(itertools.combinations(mine, k) for k in range(len(mine) + 1))
    return [_with_named_ports(dst, list(chosen), port) for chosen in subsets]


def in_peer(peer: SpecPeer, ep: Endpoint, cluster: Cluster, options: AnalysisOptions) -> bool:
    """The model's reading of a property peer (`SpecPeer.contains`), shared with the prover."""
    return peer.contains(ep)


def in_scope(prop: Property, flow: Flow, cluster: Cluster, options: AnalysisOptions) -> bool:
    """The model's reading of a property's scope (`Property.in_scope`)."""
    return prop.in_scope(flow.source, flow.destination, flow.port, flow.protocol)


def _taken(cluster: Cluster) -> set[int]:
    return {ip_key(ip) for pod in cluster.pods for ip in pod.ips}


def _free_keys(
    keys: list[int], usable: Callable[[int], bool], taken: set[int], per_gap: int = 1
) -> list[int]:
    """Addresses a pod without IP (or an external address) can have: the first `per_gap`
    usable, untaken addresses of every gap between two candidate keys. Every interval bound
    is a candidate key, so each gap lies inside one atom of the address space; picking the
    bounds alone missed an atom whose bounds were other pods' IPs (10.0.0.0/28 with pods at
    .0 and .15 still has .1 free)."""
    out: list[int] = []
    ends = [*keys[1:], V6_SPACE[1] + 1]
    for start, end in zip(keys, ends, strict=True):
        found = 0
        for k in range(start, min(end, start + len(taken) + per_gap + 1)):
            if usable(k) and k not in taken:
                out.append(k)
                found += 1
                if found == per_gap:
                    break
    return out


def namespace_label_sets(cluster: Cluster, name: str, props: list[Property]) -> list[dict[str, str]]:
    """The label sets a namespace may carry: its own, or — when the input only references it —
    every combination of the mentioned keys and values (its name fixed)."""
    if not cluster.labels_unknown(name):
        return [dict(cluster.namespace_labels(name))]
    _, ns_sels = _selectors(cluster, props)
    out = []
    for labels in _label_space(ns_sels):
        labels = {k: v for k, v in labels.items() if k != NAMESPACE_NAME_LABEL}
        labels[NAMESPACE_NAME_LABEL] = name
        if labels not in out:
            out.append(labels)
    return out


def _pod_endpoints(
    cluster: Cluster, pod: Pod, keys: list[int], pod_space: IntervalSet, props: list[Property] | None = None
) -> Iterator[Endpoint]:
    free = _free_keys(keys, lambda k: k in pod_space, _taken(cluster), per_gap=2) if not pod.ips else []
    ips = list(pod.ips) or [key_to_ip(k) for k in free]
    for ns_labels in namespace_label_sets(cluster, pod.namespace, props or []):
        for ip in ips:
            for replica in (1, 2) if pod.replicated else (None,):
                yield Endpoint(
                    kind=EndpointKind.POD,
                    ip=ip,
                    namespace=pod.namespace,
                    name=pod.name,
                    labels=dict(pod.labels),
                    namespace_labels=ns_labels,
                    ports=pod.ports,
                    replica=replica,
                    assumed_namespace_labels=cluster.labels_unknown(pod.namespace),
                )


def _hypothetical(
    cluster: Cluster, props: list[Property], keys: list[int], pod_space: IntervalSet
) -> Iterator[Endpoint]:
    pod_sels, ns_sels = _selectors(cluster, props)
    namespaces: list[tuple[str, dict[str, str], bool]] = [
        (n.name, labels, False)
        for n in cluster.namespaces.values()
        for labels in namespace_label_sets(cluster, n.name, props)
    ]
    mentioned_names = set()
    for sel in ns_sels:
        for req in sel.requirements():
            if req.key == NAMESPACE_NAME_LABEL:
                mentioned_names.update(req.values)
    for prop in props:
        for peer in (prop.sources or ()) + (prop.destinations or ()):
            if peer.namespace is not None:
                mentioned_names.add(peer.namespace)
    new_names = [*sorted(mentioned_names - set(cluster.namespaces)), "zz-new-ns"]
    other_ns_sels = [s for s in ns_sels]
    for name in new_names:
        for labels in _label_space(other_ns_sels):
            labels = {k: v for k, v in labels.items() if k != NAMESPACE_NAME_LABEL}
            labels[NAMESPACE_NAME_LABEL] = name
            namespaces.append((name, labels, True))
    seen = set()
    ips = [key_to_ip(k) for k in _free_keys(keys, lambda k: k in pod_space, _taken(cluster))]
    for (ns, ns_labels, new), labels in itertools.product(namespaces, _label_space(pod_sels)):
        marker = (ns, tuple(sorted(ns_labels.items())), tuple(sorted(labels.items())))
        if marker in seen:
            continue
        seen.add(marker)
        for ip in ips:
            yield Endpoint(
                kind=EndpointKind.NEW_POD,
                ip=ip,
                namespace=ns,
                labels=labels,
                namespace_labels=ns_labels,
                new_namespace=new,
            )


def _with_named_ports(ep: Endpoint, names: list[tuple[str, Protocol]], port: int) -> Endpoint:
    return ep.model_copy(
        update={"ports": tuple(ContainerPort(name=n, protocol=p, port=port) for n, p in names)}
    )


def _externals(cluster: Cluster, keys: list[int], options: AnalysisOptions) -> list[Endpoint]:
    """External addresses, one per gap of the candidate keys: no pod's IP, outside --pod-cidr when given."""
    pod_space = options.pod_ip_space()
    free = _free_keys(keys, lambda k: not options.pod_cidrs or k not in pod_space, _taken(cluster))
    return [Endpoint(kind=EndpointKind.EXTERNAL, ip=key_to_ip(k)) for k in free]


def _a_flow(src: Endpoint, dst: Endpoint) -> bool:
    """A pod on one end at least, two distinct addresses of one family, and not a pod
    talking to itself."""
    if src.ip is None or dst.ip is None or src.ip == dst.ip:
        return False
    if not src.is_pod and not dst.is_pod:
        return False
    if (ip_key(src.ip) < V6_OFFSET) != (ip_key(dst.ip) < V6_OFFSET):
        return False
    return not src.same_pod(dst)


class TooManyFlows(Exception):
    """The enumeration would ask the oracle about more flows than the caller allows."""


def brute_force_outcome(
    cluster: Cluster,
    prop: Property,
    universe: Universe,
    options: AnalysisOptions,
    *,
    max_decisions: int | None = None,
) -> tuple[Verdict | None, Flow | None]:
    """(verdict, a flow that decides it) by exhaustive enumeration; see the module docstring.
    The verdict is None when no flow at all is in the property's scope (an empty scope).

    deny: violated by a must-allowed flow, else unknown by a may-allowed one, else holds;
    allow: violated by a flow not even may-allowed, else unknown by a not must-allowed one;
    reachable: holds by a must-allowed flow, else unknown by a may-allowed one, else violated.

    ``max_decisions``: raise `TooManyFlows` rather than ask the oracle more often (tests
    that draw clusters at random keep their run time bounded that way).
    """
    props = [prop]
    keys = _candidate_keys(_ip_sets(cluster, props, options))
    pod_space = options.pod_ip_space()
    externals = _externals(cluster, keys, options)
    if universe is Universe.INVENTORY:
        pods = [ep for pod in cluster.pods for ep in _pod_endpoints(cluster, pod, keys, pod_space, props)]
    else:
        pods = list(_hypothetical(cluster, props, keys, pod_space))
        pods += [ep for pod in cluster.pods for ep in _pod_endpoints(cluster, pod, keys, pod_space, props)]
    endpoints = pods + externals
    names = _named(cluster, props)
    tiers = cluster.has_tiers
    want_allowed = prop.expect is not Expect.ALLOW
    sources = [
        e
        for e in endpoints
        if prop.sources is None or any(in_peer(p, e, cluster, options) for p in prop.sources)
    ]
    dests = [
        e
        for e in endpoints
        if prop.destinations is None or any(in_peer(p, e, cluster, options) for p in prop.destinations)
    ]
    some_in_scope = False
    undecided: Flow | None = None
    asked = 0
    for src, dst in itertools.product(sources, dests):
        if not _a_flow(src, dst):
            continue
        for port in _candidate_ports(cluster, props):
            for proto in Protocol:
                for target in _named_port_choices(dst, names, port, proto, tiers, want_allowed):
                    flow = Flow(source=src, destination=target, port=port, protocol=proto)
                    if not in_scope(prop, flow, cluster, options):
                        continue
                    some_in_scope = True
                    asked += 1
                    if max_decisions is not None and asked > max_decisions:
                        raise TooManyFlows(f"more than {max_decisions} flows in scope")
                    decision = decide(cluster, flow, ipblock_pods=options.ipblock_pods)
                    # deny/reachable look for a surely allowed flow, allow for a surely denied one
                    sure = decision.allowed if want_allowed else not decision.may_allow
                    if sure:
                        # deny/allow: a counterexample; reachable: a witness.
                        return (Verdict.HOLDS if prop.expect is Expect.REACHABLE else Verdict.VIOLATED), flow
                    if undecided is None and decision.may_allow != decision.allowed:
                        undecided = flow
    if not some_in_scope:
        return None, None
    if undecided is not None:
        return Verdict.UNKNOWN, undecided
    return (Verdict.VIOLATED if prop.expect is Expect.REACHABLE else Verdict.HOLDS), None


def brute_force_verdict(
    cluster: Cluster, prop: Property, universe: Universe, options: AnalysisOptions
) -> tuple[bool | None, Flow | None]:
    """(holds, a flow that decides it): `brute_force_outcome` for clusters whose policies
    decide every flow (no tier ambiguity). ``holds`` is None for an empty scope."""
    verdict, flow = brute_force_outcome(cluster, prop, universe, options)
    if verdict is None:
        return None, None
    assert verdict is not Verdict.UNKNOWN, f"undecided by the manifests: {flow} (use brute_force_outcome)"
    return verdict is Verdict.HOLDS, flow


def inventory_flows(cluster: Cluster, options: AnalysisOptions) -> Iterator[Flow]:
    """Every kind of flow of the inventory universe (module docstring): inventory pods at their
    IPs and external addresses at every region edge, every port edge, every protocol; one
    family per packet, no self traffic."""
    keys = _candidate_keys(_ip_sets(cluster, [], options))
    pod_space = options.pod_ip_space()
    pods = [ep for pod in cluster.pods for ep in _pod_endpoints(cluster, pod, keys, pod_space)]
    endpoints = pods + _externals(cluster, keys, options)
    ports = _candidate_ports(cluster, [])
    for src, dst in itertools.product(endpoints, endpoints):
        if not _a_flow(src, dst):
            continue
        for port in ports:
            for proto in Protocol:
                yield Flow(source=src, destination=dst, port=port, protocol=proto)


__all__ = [
    "brute_force_outcome",
    "brute_force_verdict",
    "in_scope",
    "inventory_flows",
    "ipaddress",
    "namespace_label_sets",
]
