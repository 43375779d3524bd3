"""``lint``'s DNS findings (NV011, NV012) and where the cluster DNS is.

The cluster DNS is found in the input (`dns_services`: kube-dns / CoreDNS pods in
kube-system, OpenShift's DNS daemonset in openshift-dns on 5353), given with ``dns=``
(`parse_dns`), else assumed in kube-system on 53. Each egress-isolated group of pods (same
namespace and labels) is asked, through the oracle, whether any DNS target or any external
address is reachable over UDP (NV011), then over TCP (NV012).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from verifier.errors import UsageError
from verifier.model import (
    EVERYTHING,
    Cluster,
    Direction,
    LabelSelector,
    Operator,
    Pod,
    Protocol,
    Rule,
    key_to_ip,
    parse_selector,
)
from verifier.oracle import decide, external_endpoint, pod_endpoint
from verifier.query.lint_context import LintRun
from verifier.results import Endpoint, EndpointKind, Flow, Severity

DNS_NAMESPACE = "kube-system"
KUBE_DNS_LABEL = ("k8s-app", "kube-dns")
OPENSHIFT_DNS_NAMESPACE = "openshift-dns"
OPENSHIFT_DNS_LABEL = ("dns.operator.openshift.io/daemonset-dns", "default")
_DNS_PORT_NAMES = ("dns", "dns-tcp")
_NAMESPACE_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DNS_PROTOCOLS: tuple[Protocol, ...] = (Protocol.UDP, Protocol.TCP)


@dataclass(frozen=True)
class DnsService:
    """Where the cluster's DNS answers: the pods (inventory pods, or one hypothetical pod the
    selector matches when the input has none) of ``namespace`` that ``selector`` selects, on
    ``ports`` — and ``origin``, how it was found (detected, ``dns=`` override, default)."""

    namespace: str
    selector: LabelSelector
    port_list: tuple[tuple[int, Protocol], ...]
    targets: tuple[Endpoint, ...]
    origin: str

    def ports(self, protocol: Protocol) -> tuple[int, ...]:
        return tuple(n for n, proto in self.port_list if proto is protocol)

    def pods_text(self) -> str:
        sel = "" if self.selector.is_empty else f" {self.selector}"
        return f"{self.namespace} pods{sel}"

    def describe(self, protocol: Protocol) -> str:
        """``UDP 53 to kube-system pods`` (the message's words)."""
        ports = ", ".join(str(n) for n in self.ports(protocol))
        return f"{protocol.value} {ports} to {self.pods_text()}"

    def summary(self) -> str:
        ports = ", ".join(f"{n}/{proto.value}" for n, proto in self.port_list)
        return f"{self.pods_text()} on {ports} ({self.origin})"


@dataclass(frozen=True)
class DnsOverride:
    """A parsed ``dns=`` override, before it is matched against the input's pods."""

    namespace: str
    selector: LabelSelector
    port_list: tuple[tuple[int, Protocol], ...]


def parse_dns(text: str) -> DnsOverride:
    """``NAMESPACE/SELECTOR:PORTS`` (the ``--dns`` value), e.g.
    ``openshift-dns/dns.operator.openshift.io/daemonset-dns=default:5353/UDP,5353/TCP``.

    SELECTOR is kubectl label-selector syntax (may be empty: every pod of the namespace;
    ``NAMESPACE:PORTS`` works too); PORTS is a comma list of ``PORT/UDP``, ``PORT/TCP`` or a
    bare ``PORT`` (both). At least one UDP port is needed. Raises `UsageError`."""
    head, colon, ports_text = text.strip().rpartition(":")
    if not colon:
        raise UsageError(
            f"dns {text!r}: expected NAMESPACE/SELECTOR:PORTS, e.g. kube-system/k8s-app=kube-dns:53/UDP,53/TCP"
        )
    namespace, _, selector_text = head.partition("/")
    namespace = namespace.strip()
    if not _NAMESPACE_RE.match(namespace):
        raise UsageError(f"dns {text!r}: invalid namespace name {namespace!r}")
    selector = parse_selector(selector_text)
    port_list: list[tuple[int, Protocol]] = []
    for raw in ports_text.split(","):
        number_text, slash, proto_text = raw.strip().partition("/")
        if not number_text.strip().isdigit() or not 1 <= int(number_text) <= 65535:
            raise UsageError(f"dns {text!r}: port {raw.strip()!r} is not a number in 1-65535")
        protos = _DNS_PROTOCOLS
        if slash:
            name = proto_text.strip().upper()
            if name not in ("UDP", "TCP"):
                raise UsageError(f"dns {text!r}: port {raw.strip()!r}: DNS runs over UDP or TCP")
            protos = (Protocol(name),)
        for proto in protos:
            if (int(number_text), proto) not in port_list:
                port_list.append((int(number_text), proto))
    if not any(proto is Protocol.UDP for _, proto in port_list):
        raise UsageError(f"dns {text!r}: at least one UDP port is needed (e.g. 53/UDP)")
    return DnsOverride(namespace=namespace, selector=selector, port_list=tuple(port_list))


def _labels_satisfying(selector: LabelSelector) -> dict[str, str] | None:
    """Some labels ``selector`` matches (None when it can match none)."""
    labels: dict[str, str] = {}
    for req in selector.requirements():
        if req.operator is Operator.IN:
            labels.setdefault(req.key, req.values[0])
        elif req.operator is Operator.EXISTS:
            labels.setdefault(req.key, "x")
    return labels if selector.matches(labels) else None


def _dns_ports(pods: Sequence[Pod], number: int) -> tuple[tuple[int, Protocol], ...]:
    """The DNS ports the pods define (named dns / dns-tcp, or numbered ``number``), else
    ``number`` over UDP and TCP."""
    found: list[tuple[int, Protocol]] = []
    for pod in pods:
        for cp in pod.ports:
            dns_port = (cp.name in _DNS_PORT_NAMES or cp.port == number) and cp.protocol in _DNS_PROTOCOLS
            if dns_port and (cp.port, cp.protocol) not in found:
                found.append((cp.port, cp.protocol))
    if not any(proto is Protocol.UDP for _, proto in found):
        found = [(number, proto) for proto in _DNS_PROTOCOLS]
    return tuple(sorted(found, key=lambda x: (x[1] is not Protocol.UDP, x[0])))


def _dns_targets(
    cluster: Cluster, namespace: str, selector: LabelSelector, hypothetical: dict[str, str] | None
) -> tuple[Endpoint, ...]:
    pods = [p for p in cluster.pods if p.namespace == namespace and selector.matches(p.labels)]
    if pods:
        return tuple(pod_endpoint(cluster, p) for p in pods)
    if hypothetical is None:
        return ()
    return (
        Endpoint(
            kind=EndpointKind.NEW_POD,
            namespace=namespace,
            labels=hypothetical,
            namespace_labels=dict(cluster.namespace_labels(namespace)),
            new_namespace=namespace not in cluster.namespaces,
        ),
    )


def dns_services(cluster: Cluster, override: DnsOverride | str | None = None) -> list[DnsService]:
    """The DNS the pods must reach: the override when given; else what the input's pods and
    workload templates show — ``k8s-app=kube-dns`` in kube-system (kube-dns / CoreDNS, ports
    named dns / dns-tcp or 53), OpenShift's ``dns.operator.openshift.io/daemonset-dns=default``
    in openshift-dns (ports named dns / dns-tcp, 5353); else every kube-system pod (a
    hypothetical ``k8s-app=kube-dns`` one when there is none) on UDP and TCP 53."""
    if isinstance(override, str):
        override = parse_dns(override)
    if override is not None:
        return [
            DnsService(
                namespace=override.namespace,
                selector=override.selector,
                port_list=override.port_list,
                targets=_dns_targets(
                    cluster, override.namespace, override.selector, _labels_satisfying(override.selector)
                ),
                origin="given with dns=",
            )
        ]
    found = []
    for namespace, (key, value), number in (
        (DNS_NAMESPACE, KUBE_DNS_LABEL, 53),
        (OPENSHIFT_DNS_NAMESPACE, OPENSHIFT_DNS_LABEL, 5353),
    ):
        pods = [p for p in cluster.pods if p.namespace == namespace and p.labels.get(key) == value]
        if pods:
            shown = ", ".join(p.key for p in pods[:3]) + (" …" if len(pods) > 3 else "")
            selector = LabelSelector(match_labels=((key, value),))
            found.append(
                DnsService(
                    namespace=namespace,
                    selector=selector,
                    port_list=_dns_ports(pods, number),
                    targets=tuple(pod_endpoint(cluster, p) for p in pods),
                    origin=f"detected from {shown}",
                )
            )
    if found:
        return found
    return [
        DnsService(
            namespace=DNS_NAMESPACE,
            selector=EVERYTHING,
            port_list=((53, Protocol.UDP), (53, Protocol.TCP)),
            targets=_dns_targets(cluster, DNS_NAMESPACE, EVERYTHING, dict([KUBE_DNS_LABEL])),
            origin="default: no DNS pods found in the input",
        )
    ]


def _external_targets(run: LintRun) -> list[Endpoint]:
    # One address per atomic region of the ipBlock boundaries: no ipBlock tells two
    # addresses of a region apart, so these decide "some address" exactly.
    return [external_endpoint(key_to_ip(key)) for key in run.solver.external_region_addresses()]


def check_dns(run: LintRun, services: Sequence[DnsService]) -> None:
    """NV011/NV012: pods whose egress isolation blocks DNS to ``services``."""
    external = _external_targets(run)
    sources: dict[tuple[str, tuple[tuple[str, str], ...]], list[Pod]] = {}
    for pod in run.cluster.pods:
        sources.setdefault((pod.namespace, tuple(sorted(pod.labels.items()))), []).append(pod)
    udp_text = " or ".join(s.describe(Protocol.UDP) for s in services if s.ports(Protocol.UDP))
    tcp_text = " or ".join(s.describe(Protocol.TCP) for s in services if s.ports(Protocol.TCP))
    for (ns, labels), pods in sorted(sources.items()):
        isolating = [
            p for p in run.index.policies.get(ns, ()) if p.selects(ns, dict(labels), Direction.EGRESS)
        ]
        if not isolating:
            continue
        src = pod_endpoint(run.cluster, pods[0])
        view = run.index.namespace_view(ns)

        def reaches(protocol: Protocol, src: Endpoint = src, view: Cluster = view) -> bool:
            for service in services:
                for port in service.ports(protocol):
                    for dst in [*service.targets, *external]:
                        flow = Flow(source=src, destination=dst, port=port, protocol=protocol)
                        side = decide(view, flow, ipblock_pods=run.options.ipblock_pods).egress
                        if side is not None and side.allowed:
                            return True
            return False

        names = ", ".join(p.key for p in pods[:5]) + (f" (+{len(pods) - 5} more)" if len(pods) > 5 else "")
        policies = ", ".join(p.key for p in isolating)
        if not reaches(Protocol.UDP):
            run.add(
                "NV011",
                Severity.ERROR,
                names,
                f"egress isolated by {policies} with no rule allowing {udp_text} or any address: "
                "DNS lookups fail",
                isolating[0].location,
            )
        elif tcp_text and not reaches(Protocol.TCP):
            run.add(
                "NV012",
                Severity.WARNING,
                names,
                f"egress isolated by {policies} allows DNS over UDP but no rule allows {tcp_text} or any "
                "address: answers too large for UDP fall back to TCP and fail",
                isolating[0].location,
            )
    if not run.cluster.has_inventory:
        _dns_without_inventory(run, services, udp_text)


def _dns_without_inventory(run: LintRun, services: Sequence[DnsService], udp_text: str) -> None:
    """No pods: a namespace whose egress rules could not allow UDP DNS to any DNS target
    for *any* pod blocks DNS for every pod an egress policy there selects."""
    for policy in run.cluster.policies:
        if not policy.affects(Direction.EGRESS):
            continue
        rules = [r for p in run.cluster.policies_in(policy.namespace) for r in p.egress]
        if not any(_could_allow_dns(r, policy.namespace, services) for r in rules):
            run.add(
                "NV011",
                Severity.ERROR,
                policy.key,
                f"isolates egress and no egress rule of namespace {policy.namespace} can allow {udp_text} or "
                "any address: DNS lookups fail for the pods it selects",
                policy.location,
            )


def _could_allow_dns(rule: Rule, namespace: str, services: Sequence[DnsService]) -> bool:
    for service in services:
        udp = service.ports(Protocol.UDP)
        ports_ok = rule.ports is None or any(
            p.protocol is Protocol.UDP
            and (isinstance(p.port, str) or any(lo_hi_has(p.numeric_range(), n) for n in udp))
            for p in rule.ports
        )
        if not ports_ok:
            continue
        if rule.peers is None:
            return True
        for peer in rule.peers:
            if peer.ip_block is not None:
                return True
            for t in service.targets:
                ns_ok = (
                    t.namespace == namespace
                    if peer.namespace_selector is None
                    else peer.namespace_selector.matches(t.namespace_labels)
                )
                if ns_ok:
                    return True  # some pod of that namespace can carry the pod selector's labels
    return False


def lo_hi_has(lo_hi: tuple[int, int] | None, port: int) -> bool:
    return lo_hi is not None and lo_hi[0] <= port <= lo_hi[1]


__all__ = ["DnsOverride", "DnsService", "check_dns", "dns_services", "lo_hi_has", "parse_dns"]
