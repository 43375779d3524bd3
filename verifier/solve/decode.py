"""Turn a Z3 model into a concrete `Flow` that a person (and the oracle) can check.

Inventory endpoints become real pods with their real addresses; hypothetical pods get the
label values the model chose (``other`` codes become fresh values no selector mentions) and,
in a new namespace, a fresh name; external endpoints get a real address that no pod has.
"""

from __future__ import annotations

import z3

from verifier.encode import PROTOCOLS, Encoding, SymEndpoint, free_address
from verifier.encode.vocab import ABSENT, KeyValues
from verifier.model import (
    NAMESPACE_NAME_LABEL,
    ContainerPort,
    IPAddress,
    Pod,
    ip_key,
    key_to_ip,
)
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
    if not pod.ips:
        return key_to_ip(ip_value)
    region = enc.inventory.regions.index(ip_value)
    for ip in pod.ips:
        if enc.inventory.regions.index(ip_key(ip)) == region:
            return ip
    return pod.ips[0]


def _inventory_pod(enc: Encoding, pod: Pod, ip_value: int) -> Endpoint:
    return Endpoint(
        kind=EndpointKind.POD,
        ip=_pod_ip(pod, enc, ip_value),
        namespace=pod.namespace,
        name=pod.name,
        labels=dict(pod.labels),
        namespace_labels=dict(enc.cluster.namespace_labels(pod.namespace)),
        ports=pod.ports,
    )


def _hypothetical(enc: Encoding, model: z3.ModelRef, ep: SymEndpoint, ip_value: int) -> Endpoint:
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
        ns_labels = {NAMESPACE_NAME_LABEL: ns_name}
        for key, kv in vocab.ns_keys.items():
            if key == NAMESPACE_NAME_LABEL:
                continue
            value = _label(enc, kv, _int(model, ep.ns[key]), key, namespace=True)
            if value is not None:
                ns_labels[key] = value
    else:
        ns_labels = dict(enc.cluster.namespace_labels(ns_name))
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
    )


def decode_flow(enc: Encoding, model: z3.ModelRef) -> Flow:
    """The concrete flow of a model. Source and destination are distinct pods."""
    endpoints: list[Endpoint] = []
    chosen: list[Pod] = []
    used: list[int] = []
    inv = enc.inventory
    for ep in (enc.src, enc.dst):
        lo, hi = inv.regions.interval(_int(model, ep.region))
        ip_value = lo + 1 if hi > lo else lo  # avoid network addresses such as 0.0.0.0
        if not _bool(model, ep.is_pod):
            address = free_address(inv, enc.cluster, ip_value, inv.external_space, used)
            ip_value = address if address is not None else ip_value
            used.append(ip_value)
            endpoints.append(Endpoint(kind=EndpointKind.EXTERNAL, ip=key_to_ip(ip_value)))
        elif _bool(model, ep.hypothetical):
            address = free_address(inv, enc.cluster, ip_value, inv.pod_space, used)
            ip_value = address if address is not None else ip_value
            used.append(ip_value)
            endpoints.append(_hypothetical(enc, model, ep, ip_value))
        else:
            members = inv.classes[_int(model, ep.cls)].members
            pod = next((m for m in members if all(m is not c for c in chosen)), members[0])
            chosen.append(pod)
            endpoints.append(_inventory_pod(enc, pod, ip_value))
    return Flow(
        source=endpoints[0],
        destination=endpoints[1],
        port=_int(model, enc.port),
        protocol=PROTOCOLS[_int(model, enc.proto)],
    )
