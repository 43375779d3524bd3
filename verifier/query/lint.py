"""``lint``: policies and rules that do not do what they look like they do.

Every finding has a stable ID, a severity, the object and a one-line why (docs/questions.md
lists them all). Findings backed by Z3 (NV002, NV004, NV006-NV008) are unsat proofs; NV002
and NV004 in the `any` universe, NV006-NV008 over every pod the policy could ever select and
every other endpoint (`verifier.solve.lint`), so they hold in both universes whatever pods
come next; an ``unknown`` answer is listed under ``skipped``, never as a finding. Most
of those questions have a "no finding" answer that one concrete flow shows; over an inventory
such a witness (`verifier.query.lint_witness`, checked by the oracle) is tried first and Z3 is
asked only when none is found (lint at 10,000 pods: 60 s -> 21 s, the same findings).

=====  ========  ===========================================================================
ID     severity  finding
=====  ========  ===========================================================================
NV001  warning   the policy's podSelector selects no pod of the inventory
NV002  error     the policy's podSelector can never select any pod (unsatisfiable)
NV003  warning   a peer matches no pod of the inventory
NV004  error     a peer can never match any endpoint (unsatisfiable)
NV005  warning   a rule whose every peer matches nothing in the inventory: it is dead
NV006  warning   a rule is redundant: removing it changes no flow (shadowed by others)
NV007  warning   a policy is vacuous: on its own it denies nothing
NV008  info      a policy is redundant: removing it changes no flow
NV009  info      inventory pods selected by no policy for a direction (not isolated)
NV010  warning   a named port that no possible destination pod of the rule defines
NV011  error     egress isolation blocks DNS (UDP to the cluster DNS pods or any address)
NV012  warning   egress isolation allows DNS over UDP but not over TCP
NV013  warning   allow-all rules (``- {}``) next to a default-deny policy (info: the
                 "deny all ingress, allow all egress" idiom), one per namespace and direction
NV014  warning   ``from: []`` / ``to: []``: an empty peer list means *all* peers
NV015  warning   ``egress: []`` without ``policyTypes``: egress is NOT isolated
NV016  warning   a podSelector that looks meant as a namespaceSelector
NV017  info      a lone namespaceSelector peer next to a lone podSelector peer (OR, not AND)
=====  ========  ===========================================================================

The cluster DNS (NV011/NV012) is found in the input (`dns_services`: kube-dns / CoreDNS pods
in kube-system, OpenShift's DNS daemonset in openshift-dns on 5353), given with ``dns=``
(`parse_dns`), else assumed in kube-system on 53. A ``baseline`` (`read_lint_baseline`: the
findings of a previous JSON report) marks the findings it holds, matched by ID, object and
`Finding.fingerprint`; CI fails on `LintReport.new_findings` only.

NV014/NV015 need the manifest's raw shape, which the loader normalises away; they are read
from the files again (not possible for stdin, which is then reported under ``skipped``).
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier.encode import Encoding, build_inventory, build_vocabulary
from verifier.errors import InputError, Location, Problem, UsageError
from verifier.load.reader import LocatedDict, read_documents
from verifier.model import (
    EVERYTHING,
    NAMESPACE_NAME_LABEL,
    AnalysisOptions,
    Cluster,
    Direction,
    IntervalSet,
    LabelSelector,
    NetworkPolicy,
    Operator,
    Peer,
    Pod,
    Protocol,
    Rule,
    Universe,
    key_to_ip,
    parse_selector,
)
from verifier.model.words import plural
from verifier.oracle import decide, external_endpoint, pod_endpoint
from verifier.query.check import default_universe
from verifier.query.lint_witness import PodIndex, Witnesses
from verifier.results import Endpoint, EndpointKind, Finding, Flow, LintReport, Severity
from verifier.solve.gate import Answer
from verifier.solve.lint import LintSolver

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


def _rule_name(policy: NetworkPolicy, rule: Rule) -> str:
    return f"{policy.key} {rule.direction.value.lower()}[{rule.index}]"


class _Linter:
    def __init__(
        self,
        cluster: Cluster,
        options: AnalysisOptions,
        universe: Universe,
        *,
        witnesses: bool = True,
        dns: DnsOverride | str | None = None,
    ) -> None:
        self.cluster = cluster
        self.dns_services = dns_services(cluster, dns)
        self.options = options
        self.universe = universe
        self.findings: list[Finding] = []
        self.skipped: list[str] = []
        self.index = PodIndex(cluster)
        vocab = build_vocabulary(cluster, ())
        inventory = build_inventory(cluster, vocab, (), options)
        self.enc = Encoding(cluster, vocab, inventory, universe, ipblock_pods=options.ipblock_pods)
        any_enc = (
            self.enc
            if universe is Universe.ANY
            else Encoding(cluster, vocab, inventory, Universe.ANY, ipblock_pods=options.ipblock_pods)
        )
        self.z3 = LintSolver(self.enc, any_enc, timeout_s=options.timeout_s, rlimit=options.rlimit)
        # Concrete flows that show a policy or rule matters, tried before Z3 (inventory only:
        # the witness must lie in the question's domain, see verifier.query.lint_witness).
        self.witnesses = (
            Witnesses(self.index, inventory.external_space, ipblock_pods=options.ipblock_pods)
            if witnesses and universe is Universe.INVENTORY
            else None
        )

    def add(self, id_: str, severity: Severity, obj: str, message: str, location: Location) -> None:
        self.findings.append(
            Finding(id=id_, severity=severity, object=obj, message=message, location=location)
        )

    def unknown(self, what: str) -> None:
        self.skipped.append(f"{what}: the solver gave up (timeout or limit); not reported")

    # --- selection -----------------------------------------------------------------------------
    def selection(self) -> None:
        inventory = self.cluster.has_inventory
        for policy in self.cluster.policies:
            selects_a_pod = inventory and bool(self.index.selected(policy))
            # A pod of the input it selects answers "can it ever select a pod" (yes) without
            # asking Z3; only selectors that select nothing here need the proof.
            answer = Answer.SAT if selects_a_pod else self.z3.can_select(policy)
            if answer is Answer.UNSAT:
                self.add(
                    "NV002",
                    Severity.ERROR,
                    policy.key,
                    f"podSelector {policy.pod_selector} can never select a pod (its requirements contradict)",
                    policy.location,
                )
                continue
            if answer is Answer.UNKNOWN:
                self.unknown(f"{policy.key} podSelector")
            if inventory and not selects_a_pod:
                self.add(
                    "NV001",
                    Severity.WARNING,
                    policy.key,
                    f"podSelector {policy.pod_selector} selects no pod of namespace {policy.namespace} in the input",
                    policy.location,
                )

    def peers(self) -> None:
        inventory = self.cluster.has_inventory
        for policy in self.cluster.policies:
            for rule in policy.ingress + policy.egress:
                if rule.peers is None:
                    continue
                dead = 0
                for i, peer in enumerate(rule.peers):
                    obj = f"{_rule_name(policy, rule)} peer[{i}]"
                    matches_a_pod = (
                        peer.ip_block is None
                        and inventory
                        and next(self.index.peer_pods(policy, peer), None) is not None
                    )
                    # As for podSelectors: a pod of the input it matches answers "can it ever
                    # match" without Z3.
                    answer = Answer.SAT if matches_a_pod else self.z3.peer_can_match(peer, policy.namespace)
                    if answer is Answer.UNSAT:
                        dead += 1
                        self.add(
                            "NV004",
                            Severity.ERROR,
                            obj,
                            f"{peer} can never match any endpoint",
                            rule.location,
                        )
                        continue
                    if answer is Answer.UNKNOWN:
                        self.unknown(obj)
                    if peer.ip_block is None and inventory and not matches_a_pod:
                        dead += 1
                        self.add(
                            "NV003",
                            Severity.WARNING,
                            obj,
                            f"{peer} matches no pod in the input",
                            rule.location,
                        )
                        self._pod_selector_meant_as_namespace(policy, rule, peer, obj)
                if dead == len(rule.peers) and inventory:
                    self.add(
                        "NV005",
                        Severity.WARNING,
                        _rule_name(policy, rule),
                        "every peer of the rule matches nothing in the input: the rule allows nothing",
                        rule.location,
                    )

    def _pod_selector_meant_as_namespace(
        self, policy: NetworkPolicy, rule: Rule, peer: Peer, obj: str
    ) -> None:
        sel = peer.pod_selector
        if sel is None or peer.namespace_selector is not None:
            return
        matching = [
            ns.name for ns in self.cluster.namespaces.values() if not sel.is_empty and sel.matches(ns.labels)
        ]
        if matching:
            self.add(
                "NV016",
                Severity.WARNING,
                obj,
                f"podSelector {sel} matches no pod but matches {plural(len(matching), 'namespace')} "
                f"{', '.join(sorted(matching))}: "
                "did you mean namespaceSelector?",
                rule.location,
            )

    def selector_shapes(self) -> None:
        for policy in self.cluster.policies:
            for rule in policy.ingress + policy.egress:
                for i, peer in enumerate(rule.peers or ()):
                    keys = {r.key for r in peer.pod_selector.requirements()} if peer.pod_selector else set()
                    if NAMESPACE_NAME_LABEL in keys:
                        self.add(
                            "NV016",
                            Severity.WARNING,
                            f"{_rule_name(policy, rule)} peer[{i}]",
                            f"podSelector uses the namespace label {NAMESPACE_NAME_LABEL}: pods rarely carry it; "
                            "did you mean namespaceSelector?",
                            rule.location,
                        )
                lone_ns = [
                    p for p in rule.peers or () if p.namespace_selector is not None and p.pod_selector is None
                ]
                lone_pod = [
                    p for p in rule.peers or () if p.pod_selector is not None and p.namespace_selector is None
                ]
                if lone_ns and lone_pod:
                    self.add(
                        "NV017",
                        Severity.INFO,
                        _rule_name(policy, rule),
                        f"peers '- {lone_ns[0]}' and '- {lone_pod[0]}' are OR-ed; if both were meant to hold "
                        "at once, write them as one peer (no dash before podSelector)",
                        rule.location,
                    )

    # --- redundancy and vacuity (Z3) -----------------------------------------------------------
    def redundancy(self) -> None:
        policies = list(self.cluster.policies)
        w = self.witnesses
        for policy in policies:
            local = self.index.policies.get(policy.namespace, [])
            vacuous = (
                Answer.SAT if w is not None and w.policy_denies(policy) else self.z3.policy_vacuous(policy)
            )
            if vacuous is Answer.UNSAT:
                self.add(
                    "NV007",
                    Severity.WARNING,
                    policy.key,
                    "the policy on its own denies nothing: every flow it isolates, it also allows",
                    policy.location,
                )
            elif vacuous is Answer.UNKNOWN:
                self.unknown(f"{policy.key} vacuity")
            redundant_policy = (
                Answer.SAT
                if w is not None and w.policy_matters(local, policy)
                else self.z3.policy_redundant(policies, policy)
            )
            if redundant_policy is Answer.UNSAT and vacuous is not Answer.UNSAT:
                self.add(
                    "NV008",
                    Severity.INFO,
                    policy.key,
                    "removing the policy changes no flow: the other policies already decide everything it does",
                    policy.location,
                )
            elif redundant_policy is Answer.UNKNOWN:
                self.unknown(f"{policy.key} redundancy")
            for rule in policy.ingress + policy.egress:
                if not policy.affects(rule.direction):
                    continue
                answer = (
                    Answer.SAT
                    if w is not None and w.rule_matters(local, policy, rule)
                    else self.z3.rule_redundant(policies, policy, rule)
                )
                if answer is Answer.UNSAT:
                    self.add(
                        "NV006",
                        Severity.WARNING,
                        _rule_name(policy, rule),
                        "redundant: removing this rule changes no flow (other rules already allow all it allows, "
                        "or it matches nothing)",
                        rule.location,
                    )
                elif answer is Answer.UNKNOWN:
                    self.unknown(f"{_rule_name(policy, rule)} redundancy")

    # --- inventory coverage and named ports ----------------------------------------------------
    def coverage(self) -> None:
        if not self.cluster.has_inventory:
            return
        for direction in (Direction.INGRESS, Direction.EGRESS):
            by_ns: dict[str, list[Pod]] = {}
            for pod in self.cluster.pods:
                isolated = any(
                    p.selects(pod.namespace, pod.labels, direction)
                    for p in self.index.policies.get(pod.namespace, ())
                )
                if not isolated:
                    by_ns.setdefault(pod.namespace, []).append(pod)
            for ns, pods in sorted(by_ns.items()):
                names = [p.name for p in pods]
                shown = ", ".join(names[:8]) + (f" (+{len(names) - 8} more)" if len(names) > 8 else "")
                # where to point: the namespace's manifest, else the first such pod's
                declared = self.cluster.namespaces.get(ns)
                where = declared.location if declared is not None and declared.declared else pods[0].location
                self.add(
                    "NV009",
                    Severity.INFO,
                    f"namespace {ns}",
                    f"{plural(len(names), 'pod')} selected by no {direction.value} policy (all {direction.value.lower()} "
                    f"allowed): {shown}",
                    where,
                )

    def named_ports(self) -> None:
        if not self.cluster.has_inventory:
            return
        for policy in self.cluster.policies:
            for rule in policy.ingress + policy.egress:
                named = [p for p in rule.ports or () if isinstance(p.port, str)]
                if not named:
                    continue
                if rule.direction is Direction.INGRESS:
                    targets, where = self.index.selected(policy), "pod the policy selects"
                elif rule.peers is None:
                    targets, where = list(self.cluster.pods), "pod"
                else:
                    targets = [
                        p
                        for peer in rule.peers
                        if peer.ip_block is None
                        for p in self.index.peer_pods(policy, peer)
                    ]
                    where = "pod the rule's peers match"
                for entry in named:
                    if not any(
                        cp.name == entry.port and cp.protocol is entry.protocol
                        for t in targets
                        for cp in t.ports
                    ):
                        self.add(
                            "NV010",
                            Severity.WARNING,
                            _rule_name(policy, rule),
                            f"named port {entry.port}/{entry.protocol}: no {where} defines it, so it matches nothing",
                            rule.location,
                        )

    # --- DNS -----------------------------------------------------------------------------------
    def _external_targets(self) -> list[Endpoint]:
        # One address per atomic region of the ipBlock boundaries: no ipBlock tells two
        # addresses of a region apart, so these decide "some address" exactly.
        targets = []
        regions = self.enc.inventory.regions
        space = self.enc.inventory.external_space
        for i in range(len(regions)):
            lo, hi = regions.interval(i)
            inside = IntervalSet.of([(lo, hi)]).intersection(space)
            first = inside.first()
            if first is not None:
                targets.append(external_endpoint(key_to_ip(first)))
        return targets

    def dns(self) -> None:
        services = self.dns_services
        external = self._external_targets()
        sources: dict[tuple[str, tuple[tuple[str, str], ...]], list[Pod]] = {}
        for pod in self.cluster.pods:
            sources.setdefault((pod.namespace, tuple(sorted(pod.labels.items()))), []).append(pod)
        udp_text = " or ".join(s.describe(Protocol.UDP) for s in services if s.ports(Protocol.UDP))
        tcp_text = " or ".join(s.describe(Protocol.TCP) for s in services if s.ports(Protocol.TCP))
        for (ns, labels), pods in sorted(sources.items()):
            isolating = [
                p for p in self.index.policies.get(ns, ()) if p.selects(ns, dict(labels), Direction.EGRESS)
            ]
            if not isolating:
                continue
            src = pod_endpoint(self.cluster, pods[0])
            view = self.index.namespace_view(ns)

            def reaches(protocol: Protocol, src: Endpoint = src, view: Cluster = view) -> bool:
                for service in services:
                    for port in service.ports(protocol):
                        for dst in [*service.targets, *external]:
                            flow = Flow(source=src, destination=dst, port=port, protocol=protocol)
                            side = decide(view, flow, ipblock_pods=self.options.ipblock_pods).egress
                            if side is not None and side.allowed:
                                return True
                return False

            names = ", ".join(p.key for p in pods[:5]) + (
                f" (+{len(pods) - 5} more)" if len(pods) > 5 else ""
            )
            policies = ", ".join(p.key for p in isolating)
            if not reaches(Protocol.UDP):
                self.add(
                    "NV011",
                    Severity.ERROR,
                    names,
                    f"egress isolated by {policies} with no rule allowing {udp_text} or any address: "
                    "DNS lookups fail",
                    isolating[0].location,
                )
            elif tcp_text and not reaches(Protocol.TCP):
                self.add(
                    "NV012",
                    Severity.WARNING,
                    names,
                    f"egress isolated by {policies} allows DNS over UDP but no rule allows {tcp_text} or any "
                    "address: answers too large for UDP fall back to TCP and fail",
                    isolating[0].location,
                )
        if not self.cluster.has_inventory:
            self._dns_without_inventory(services, udp_text)

    def _dns_without_inventory(self, services: Sequence[DnsService], udp_text: str) -> None:
        """No pods: a namespace whose egress rules could not allow UDP DNS to any DNS target
        for *any* pod blocks DNS for every pod an egress policy there selects."""
        for policy in self.cluster.policies:
            if not policy.affects(Direction.EGRESS):
                continue
            rules = [r for p in self.cluster.policies_in(policy.namespace) for r in p.egress]
            if not any(self._could_allow_dns(r, policy.namespace, services) for r in rules):
                self.add(
                    "NV011",
                    Severity.ERROR,
                    policy.key,
                    f"isolates egress and no egress rule of namespace {policy.namespace} can allow {udp_text} or "
                    "any address: DNS lookups fail for the pods it selects",
                    policy.location,
                )

    @staticmethod
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

    # --- raw manifest traps --------------------------------------------------------------------
    def traps(self, paths: Sequence[str]) -> None:
        self._allow_all_next_to_deny()
        files = [p for p in paths if p != "-"]
        if len(files) != len(paths):
            self.skipped.append("NV014/NV015 (empty lists in the raw manifest): not checked for stdin input")
        if not files:
            return
        for where, spec, name in _raw_policies(files):
            for field, key in (("ingress", "from"), ("egress", "to")):
                for i, raw in enumerate(spec.get(field) or []):
                    if isinstance(raw, dict) and key in raw and raw[key] == []:
                        loc = (
                            Location(where.file, raw.line, raw.column)
                            if isinstance(raw, LocatedDict)
                            else where
                        )
                        self.add(
                            "NV014",
                            Severity.WARNING,
                            f"{name} {field}[{i}]",
                            f"'{key}: []' means all {'sources' if key == 'from' else 'destinations'} (as if '{key}' "
                            "were omitted), not none",
                            loc,
                        )
            if "egress" in spec and spec.get("egress") == [] and not spec.get("policyTypes"):
                self.add(
                    "NV015",
                    Severity.WARNING,
                    name,
                    "'egress: []' without policyTypes does NOT isolate egress (the API defaults policyTypes to "
                    "Ingress only); add 'policyTypes: [Ingress, Egress]' to deny all egress",
                    where,
                )

    def _allow_all_next_to_deny(self) -> None:
        """NV013, one finding per namespace and direction naming every allow-all rule that
        undoes a default deny there. Allow-all *egress* next to a deny-all *ingress* policy is
        the documented "deny all ingress, allow all egress" idiom (Online Boutique: a deny-all
        policy for both directions, then ``egress: [{}]`` in every service's policy): info,
        not a warning."""
        for ns in sorted(self.index.policies):
            local = self.index.policies[ns]
            # a deny-all ingress: every pod of the namespace, no ingress rule
            deny_ingress = [
                q for q in local if q.affects(Direction.INGRESS) and not q.ingress and q.pod_selector.is_empty
            ]
            for direction in (Direction.INGRESS, Direction.EGRESS):
                allow_all = [
                    (p, r)
                    for p in local
                    if p.affects(direction)
                    for r in p.rules(direction)
                    if r.peers is None and r.ports is None
                ]
                # a policy with an allow-all rule has rules: it is never one of the denies
                deny = [q.key for q in local if q.affects(direction) and not q.rules(direction)]
                if not allow_all or not deny:
                    continue
                self._report_allow_all(
                    ns, direction, allow_all, deny, idiom=direction is Direction.EGRESS and bool(deny_ingress)
                )

    def _report_allow_all(
        self,
        ns: str,
        direction: Direction,
        allow_all: Sequence[tuple[NetworkPolicy, Rule]],
        deny: Sequence[str],
        *,
        idiom: bool,
    ) -> None:
        word = direction.value.lower()
        rules = [_rule_name(p, r) for p, r in allow_all]
        pods: list[str] = []
        for policy in dict.fromkeys(p for p, _ in allow_all):
            pods += [pod.name for pod in self.index.selected(policy) if pod.name not in pods]
        shown_pods = ", ".join(pods[:8]) + (f" (+{len(pods) - 8} more)" if len(pods) > 8 else "")
        pods_text = f" (pods: {shown_pods})" if pods else ""
        denies = ", ".join(deny)
        if len(allow_all) == 1:
            obj, location = rules[0], allow_all[0][1].location
            what = f"'- {{}}' allows all {word} to the pods it selects"
        else:
            policy_of_deny = next(q for q in self.index.policies[ns] if q.key == deny[0])
            obj, location = deny[0], policy_of_deny.location
            what = f"{len(rules)} allow-all rules ('- {{}}') allow all {word} to the pods they select: {', '.join(rules)}"
        if idiom:
            self.add(
                "NV013",
                Severity.INFO,
                obj,
                f"{what}{pods_text}, next to the default deny of {denies}: the documented 'deny all ingress, "
                "allow all egress' idiom (their egress is not restricted)",
                location,
            )
        else:
            self.add(
                "NV013",
                Severity.WARNING,
                obj,
                f"{what}{pods_text}, undoing the default deny of {denies} for them",
                location,
            )


def lo_hi_has(lo_hi: tuple[int, int] | None, port: int) -> bool:
    return lo_hi is not None and lo_hi[0] <= port <= lo_hi[1]


def _items(data: Any) -> Iterator[Any]:
    if (
        isinstance(data, dict)
        and isinstance(data.get("items"), list)
        and str(data.get("kind", "")).endswith("List")
    ):
        for item in data["items"]:
            yield from _items(item)
    else:
        yield data


def _raw_policies(paths: Sequence[str]) -> Iterator[tuple[Location, dict[Any, Any], str]]:
    problems: list[Any] = []
    for doc in read_documents(paths, None, problems):
        for item in _items(doc.data):
            if not isinstance(item, dict) or item.get("kind") != "NetworkPolicy":
                continue
            spec = item.get("spec")
            meta = item.get("metadata") or {}
            if not isinstance(spec, dict) or not isinstance(meta, dict):
                continue
            name = f"{meta.get('namespace', 'default')}/{meta.get('name', '?')}"
            where = (
                Location(doc.file, item.line, item.column)
                if isinstance(item, LocatedDict) and item.line
                else doc.location
            )
            yield where, spec, name


_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def _location(value: object) -> Location:
    if not isinstance(value, dict):
        return Location("<baseline>")
    file, line, column = value.get("file"), value.get("line"), value.get("column")
    return Location(
        file if isinstance(file, str) else "<baseline>",
        line if isinstance(line, int) else 0,
        column if isinstance(column, int) else 0,
    )


def read_lint_baseline(path: str | Path) -> tuple[Finding, ...]:
    """The findings of a previous ``lint`` JSON report (``netverify lint … --format json``),
    to pass as ``lint(…, baseline=…)``. Raises `InputError` naming what is wrong."""
    where = Location(str(path))

    def bad(field: str, message: str) -> InputError:
        return InputError([Problem(where, "lint baseline", field, message)])

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise bad("", f"cannot read it: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise bad("", f"not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("findings"), list):
        raise bad("findings", "not a lint JSON report (netverify lint --format json): no findings list")
    schema = data.get("schema")
    if schema is not None and not (isinstance(schema, str) and schema.startswith("netverify.lint/")):
        raise bad("schema", f"{schema!r} is not a lint report (netverify.lint/v1)")
    found = []
    for i, raw in enumerate(data["findings"]):
        if not isinstance(raw, dict):
            raise bad(f"findings[{i}]", "not an object")
        for key in ("id", "object", "message"):
            if not isinstance(raw.get(key), str):
                raise bad(f"findings[{i}].{key}", "missing or not a string")
        severity = raw.get("severity")
        known = isinstance(severity, str) and severity in {s.value for s in Severity}
        found.append(
            Finding(
                id=raw["id"],
                severity=Severity(severity) if known and isinstance(severity, str) else Severity.INFO,
                object=raw["object"],
                message=raw["message"],
                location=_location(raw),
            )
        )
    return tuple(found)


def _key(f: Finding) -> tuple[str, str, str]:
    return (f.id, f.object, f.fingerprint)


def apply_baseline(findings: Sequence[Finding], baseline: Sequence[Finding]) -> tuple[list[Finding], int]:
    """``findings`` with those present in ``baseline`` (same ID, object and fingerprint; each
    baseline entry accounts for one finding) marked `Finding.in_baseline`, and how many
    baseline findings are gone."""
    left = Counter(_key(f) for f in baseline)
    out = []
    for f in findings:
        if left[_key(f)] > 0:
            left[_key(f)] -= 1
            f = f.model_copy(update={"in_baseline": True})
        out.append(f)
    return out, sum(left.values())


_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def lint(
    cluster: Cluster,
    options: AnalysisOptions,
    *,
    paths: Sequence[str] = (),
    warnings: Sequence[str] = (),
    witnesses: bool = True,
    dns: str | None = None,
    baseline: Sequence[Finding] | None = None,
) -> LintReport:
    """Every finding (see the module docstring), errors first, then by ID and object.

    ``witnesses`` False sends every redundancy question to Z3 (the tests compare both).
    ``dns`` (``NAMESPACE/SELECTOR:PORTS``, `parse_dns`; `UsageError` when malformed) names
    the cluster DNS for NV011/NV012 instead of detecting it (`dns_services`). ``baseline``
    (a previous run's findings, `read_lint_baseline`) marks the findings it holds
    `Finding.in_baseline`; `LintReport.new_findings` are the rest."""
    start = time.perf_counter()
    override = parse_dns(dns) if dns is not None else None
    universe = default_universe(cluster, options)
    linter = _Linter(cluster, options, universe, witnesses=witnesses, dns=override)
    linter.selection()
    linter.peers()
    linter.selector_shapes()
    linter.redundancy()
    linter.coverage()
    linter.named_ports()
    linter.dns()
    linter.traps(paths)
    findings = sorted(linter.findings, key=lambda f: (_ORDER[f.severity], f.id, f.object))
    resolved = 0
    if baseline is not None:
        findings, resolved = apply_baseline(findings, baseline)
    return LintReport(
        universe=universe,
        findings=tuple(findings),
        skipped=tuple(linter.skipped),
        seconds=time.perf_counter() - start,
        warnings=tuple(warnings),
        dns="; ".join(s.summary() for s in linter.dns_services),
        baselined=baseline is not None,
        resolved=resolved,
    )


__all__ = ["DnsService", "apply_baseline", "dns_services", "lint", "parse_dns", "read_lint_baseline"]
