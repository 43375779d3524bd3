"""Turn a Z3 model into a concrete `Flow` that a person (and the oracle) can check.

Inventory endpoints become real pods with their real addresses; a pod whose IP the input
does not give gets a free address of the region the model chose, and reports say "IP unknown:
any free address in …" (the whole region decides alike). Two replicas of one template are
``replica 1`` and ``replica 2``. Hypothetical pods get the label values the model chose
(``other`` codes become fresh values no selector mentions) and, in a new namespace, a fresh
name — two new namespaces with different labels get different names. External endpoints get
a real address that no pod has. No two endpoints share an address.
"""

from __future__ import annotations

import z3

from verifier.encode import PROTOCOLS, Encoding, SymEndpoint, free_address
from verifier.encode.vocab import ABSENT, KeyValues
from verifier.model import (
    NAMESPACE_NAME_LABEL,
    ContainerPort,
    IntervalSet,
    IPAddress,
    Pod,
    ip_key,
    key_to_ip,
)
from verifier.model.ip import range_text
from verifier.results import Endpoint, EndpointKind, Flow


def _int(model: z3.ModelRef, term: z3.ExprRef) -> int:
    value = model.eval(term, model_completion=True)
    return int(value.as_long())


def _bool(model: z3.ModelRef, term: z3.ExprRef) -> bool:
    return bool(z3.is_true(model.eval(term, model_completion=True)))


def _label(enc: Encoding, kv: KeyValues, code: int, key: str, *, namespace: bool) -> str | None:
    if code == ABSENT:
        return None
    if 1 <= code <= len(kv.values):
        return kv.values[code - 1]
    return enc.vocab.fresh_value(key, namespace=namespace)


def _pod_ip(pod: Pod, enc: Encoding, ip_value: int) -> IPAddress | None:
    """The pod's address in the region the model chose (members of a class share regions)."""
    region = enc.inventory.regions.index(ip_value)
    for ip in pod.ips:
        if enc.inventory.regions.index(ip_key(ip)) == region:
            return ip
    return pod.ips[0]


def _region_text(enc: Encoding, ip_value: int) -> str:
    """The free addresses a pod of unknown IP may have in the model's region, as text."""
    lo, hi = enc.inventory.regions.interval(enc.inventory.regions.index(ip_value))
    within = IntervalSet.of([(lo, hi)]).intersection(enc.inventory.pod_space)
    return "; ".join(range_text(a, b) for a, b in within) or range_text(lo, hi)


def _namespace_labels(
    enc: Encoding, model: z3.ModelRef, ep: SymEndpoint, name: str
) -> tuple[dict[str, str], bool]:
    """The labels of an existing namespace: its real ones, or — when the input only references
    it — the ones the model assumed (and True)."""
    if not enc.cluster.labels_unknown(name):
        return dict(enc.cluster.namespace_labels(name)), False
    labels = {NAMESPACE_NAME_LABEL: name}
    for key, kv in enc.vocab.ns_keys.items():
        if key != NAMESPACE_NAME_LABEL:
            value = _label(enc, kv, _int(model, ep.ns[key]), key, namespace=True)
            if value is not None:
                labels[key] = value
    return labels, True


def _inventory_pod(
    enc: Encoding,
    model: z3.ModelRef,
    ep: SymEndpoint,
    pod: Pod,
    ip_value: int,
    replica: int | None,
    used: list[int],
) -> Endpoint:
    inv = enc.inventory
    ip_range = None
    if pod.ips:
        ip = _pod_ip(pod, enc, ip_value)
    else:
        address = free_address(inv, enc.cluster, ip_value, inv.pod_space, used)
        ip_value = address if address is not None else ip_value
        used.append(ip_value)
        ip = key_to_ip(ip_value)
        ip_range = _region_text(enc, ip_value)
    ns_labels, assumed = _namespace_labels(enc, model, ep, pod.namespace)
    return Endpoint(
        kind=EndpointKind.POD,
        ip=ip,
        namespace=pod.namespace,
        name=pod.name,
        labels=dict(pod.labels),
        namespace_labels=ns_labels,
        ports=pod.ports,
        replica=replica,
        ip_range=ip_range,
        assumed_namespace_labels=assumed,
    )


def _hypothetical(
    enc: Encoding, model: z3.ModelRef, ep: SymEndpoint, ip_value: int, new_names: dict[tuple[int, ...], str]
) -> Endpoint:
    vocab = enc.vocab
    labels = {}
    for key, kv in vocab.pod_keys.items():
        value = _label(enc, kv, _int(model, ep.pod[key]), key, namespace=False)
        if value is not None:
            labels[key] = value
    new_ns = _bool(model, ep.new_ns)
    name_kv = vocab.ns_keys[NAMESPACE_NAME_LABEL]
    ns_name = (
        _label(enc, name_kv, _int(model, ep.ns_name), NAMESPACE_NAME_LABEL, namespace=True) or "new-namespace"
    )
    if new_ns:
        # One new namespace has one label set: another label set is another namespace.
        codes = tuple(_int(model, v) for v in ep.ns.values())
        if codes in new_names:
            ns_name = new_names[codes]
        else:
            taken = set(new_names.values()) | set(enc.cluster.namespaces)
            base, i = ns_name, 1
            while ns_name in taken:
                i += 1
                ns_name = f"{base}-{i}"
            new_names[codes] = ns_name
        ns_labels = {NAMESPACE_NAME_LABEL: ns_name}
        for key, kv in vocab.ns_keys.items():
            if key == NAMESPACE_NAME_LABEL:
                continue
            value = _label(enc, kv, _int(model, ep.ns[key]), key, namespace=True)
            if value is not None:
                ns_labels[key] = value
        assumed = False
    else:
        ns_labels, assumed = _namespace_labels(enc, model, ep, ns_name)
    ports = []
    for (name, proto), var in ep.ports.items():
        number = _int(model, var)
        if number:
            ports.append(ContainerPort(name=name, protocol=proto, port=number))
    return Endpoint(
        kind=EndpointKind.NEW_POD,
        ip=key_to_ip(ip_value),
        namespace=ns_name,
        labels=labels,
        namespace_labels=ns_labels,
        new_namespace=new_ns,
        ports=tuple(ports),
        assumed_namespace_labels=assumed,
    )


def decode_flow(enc: Encoding, model: z3.ModelRef) -> Flow:
    """The concrete flow of a model. Source and destination are distinct pods at distinct
    addresses; one replicated template on both ends is two of its replicas."""
    inv = enc.inventory
    picks: list[Pod | None] = []
    for ep in (enc.src, enc.dst):
        if _bool(model, ep.is_pod) and not _bool(model, ep.hypothetical):
            members = inv.classes[_int(model, ep.cls)].members
            taken = [p for p in picks if p is not None]
            picks.append(next((m for m in members if all(m is not c for c in taken)), members[0]))
        else:
            picks.append(None)
    replicas: tuple[int | None, int | None] = (None, None)
    if picks[0] is not None and picks[0] is picks[1]:
        replicas = (1, 2)  # only a replicated template can be on both ends (flow_domain)

    endpoints: list[Endpoint] = []
    used: list[int] = []
    new_names: dict[tuple[int, ...], str] = {}
    for ep, pod, replica in zip((enc.src, enc.dst), picks, replicas, strict=True):
        lo, hi = inv.regions.interval(_int(model, ep.region))
        ip_value = lo + 1 if hi > lo else lo  # avoid network addresses such as 0.0.0.0
        if pod is not None:
            endpoints.append(_inventory_pod(enc, model, ep, pod, ip_value, replica, used))
        elif not _bool(model, ep.is_pod):
            address = free_address(inv, enc.cluster, ip_value, inv.external_space, used)
            ip_value = address if address is not None else ip_value
            used.append(ip_value)
            endpoints.append(Endpoint(kind=EndpointKind.EXTERNAL, ip=key_to_ip(ip_value)))
        else:
            address = free_address(inv, enc.cluster, ip_value, inv.pod_space, used)
            ip_value = address if address is not None else ip_value
            used.append(ip_value)
            endpoints.append(_hypothetical(enc, model, ep, ip_value, new_names))
    return Flow(
        source=endpoints[0],
        destination=endpoints[1],
        port=_int(model, enc.port),
        protocol=PROTOCOLS[_int(model, enc.proto)],
    )
