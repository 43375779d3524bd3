"""Pod equivalence classes: pods that no policy can tell apart.

Policies look at a pod through four windows only, so two pods are *equivalent* — every flow
to, from or between them is decided alike — when they have

1. the same namespace (policy membership, lone ``podSelector`` peers, namespace selectors);
2. for every label key some ``podSelector`` mentions, the same mentioned value, or any value
   no selector mentions, or the same absence (selectors compare against constants only, so
   other keys and unmentioned values are invisible);
3. the same named container ports among the names some policy port mentions (with a fixed
   flow port/protocol: the same set of such names resolving to that port and protocol);
4. the same address *signature*, when ipBlocks can match pods (``ipblock_pods`` and some
   policy has an ipBlock): the boundaries of every ``cidr``/``except`` cut the address line
   into regions no ipBlock can split, and a region's signature is the set of ipBlocks
   containing it; a pod's signature is that of each of its IPs. Pods whose IP is unknown
   are equivalent to each other (their address ranges over the same ``--pod-cidr`` space).

The tier policies look through the same windows: subject and ``pods`` peer selectors join
(2), their named ports (3) — a v1alpha1 ``namedPort`` names no protocol, so every protocol
of that name counts — and their ``networks`` CIDRs join (4) whatever ``ipblock_pods`` says.

The matrix engine evaluates selectors and rules once per class, and the Z3 encoding of the
inventory universe can pick a class index instead of a pod.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

from verifier.model import (
    AnalysisOptions,
    Cluster,
    IntervalSet,
    IPBlock,
    LabelSelector,
    Pod,
    Protocol,
    ip_key,
)
from verifier.model.ip import V6_OFFSET, V6_SPACE

# A family is 4 or 6; 0 stands for "addresses do not matter" in the engine.
Family = int
# namespace, labels, named ports, addresses, IP unknown — see `PodClass`.
_ClassKey = tuple[
    str, tuple[tuple[str, str], ...], tuple[tuple[str, Protocol, int], ...], tuple[tuple[int, int], ...], bool
]


@dataclass(frozen=True, slots=True)
class AddressRegions:
    """The address line cut at every ipBlock boundary.

    Region ``t`` is ``[starts[t], starts[t+1] - 1]`` (the last one ends at the top of the IPv6
    range); ``signatures[t]`` is a bitset over ``blocks``: those that contain the region.
    No region mixes IPv4 and IPv6.
    """

    blocks: tuple[IPBlock, ...]
    starts: tuple[int, ...]
    signatures: tuple[int, ...]

    def region_of(self, key: int) -> int:
        return bisect.bisect_right(self.starts, key) - 1

    def family_of(self, region: int) -> Family:
        return 4 if self.starts[region] < V6_OFFSET else 6

    def address(self, key: int) -> tuple[Family, int]:
        """(family, signature) of one address key (see `verifier.model.ip`)."""
        region = self.region_of(key)
        return self.family_of(region), self.signatures[region]


def region_starts(sets: Iterable[IntervalSet]) -> tuple[int, ...]:
    """The first addresses of the atomic regions that the boundaries of ``sets`` cut the
    address line into (IPv4 and IPv6 never share a region). The one cut of the address line:
    the engine signs these regions, the encoder's symbolic addresses range over them."""
    top = V6_SPACE[1]
    points = {0, V6_OFFSET}
    for rs in sets:
        for lo, hi in rs:
            points.add(lo)
            if hi < top:
                points.add(hi + 1)
    return tuple(sorted(points))


def address_regions(blocks: tuple[IPBlock, ...]) -> AddressRegions:
    """Cut the address line at the boundaries of ``blocks`` and sign every region."""
    ranges = [block.ranges() for block in blocks]
    top = V6_SPACE[1]
    starts = region_starts(ranges)
    diff = [0] * (len(starts) + 1)
    for b, rs in enumerate(ranges):
        bit = 1 << b
        for lo, hi in rs:
            diff[bisect.bisect_right(starts, lo) - 1] ^= bit
            if hi < top:
                diff[bisect.bisect_right(starts, hi + 1) - 1] ^= bit
    signatures: list[int] = []
    acc = 0
    for t in range(len(starts)):
        acc ^= diff[t]
        signatures.append(acc)
    return AddressRegions(blocks=blocks, starts=starts, signatures=tuple(signatures))


#: A label value no selector mentions: selectors compare against constants only, so every
#: such value behaves alike (and no label value can contain a NUL character).
OTHER_VALUE = "\x00other"


@dataclass(frozen=True, slots=True)
class PodClass:
    """Pods that every policy treats alike (see the module docstring for what that takes).

    ``labels``: the pods' values for the label keys that selectors mention.
    ``named_ports``: (name, protocol, containerPort) for the names policies mention — with a
    fixed flow port/protocol only those that resolve to it.
    ``addresses``: distinct (family, signature) of the pods' IPs; ``()`` when addresses do not
    matter or the IP is unknown (``ip_unknown``). ``members`` index `Partition.pods`.
    """

    namespace: str
    labels: tuple[tuple[str, str], ...]
    named_ports: tuple[tuple[str, Protocol, int], ...]
    addresses: tuple[tuple[Family, int], ...]
    ip_unknown: bool
    members: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Partition:
    """The inventory pods sorted by (namespace, name), and their equivalence classes.

    ``class_of[i]`` is the class of ``pods[i]``. ``regions`` is None when addresses cannot
    affect any decision (no ipBlock that matches pods — ``ipblock_pods`` off or none written —
    and no tier ``networks`` peer). Its ``blocks`` are the NetworkPolicy ipBlocks when
    ``ipblock_pods``, then the tiers' networks (`tier_network_blocks`).
    """

    pods: tuple[Pod, ...]
    classes: tuple[PodClass, ...]
    class_of: tuple[int, ...]
    regions: AddressRegions | None


def _pod_selectors(cluster: Cluster) -> list[LabelSelector]:
    out: list[LabelSelector] = []
    for policy in cluster.policies:
        out.append(policy.pod_selector)
        for rule in policy.ingress + policy.egress:
            for peer in rule.peers or ():
                if peer.pod_selector is not None:
                    out.append(peer.pod_selector)
    for tp in cluster.tier_policies:
        if tp.subject.pods is not None:
            out.append(tp.subject.pods)
        for trule in tp.ingress + tp.egress:
            out.extend(peer.pods for peer in trule.peers if peer.pods is not None)
    return out


def tier_network_blocks(cluster: Cluster) -> tuple[IPBlock, ...]:
    """Every CIDR of a tier ``networks`` peer, as an ipBlock without except: they match pod
    addresses whatever ``ipblock_pods`` says (the API says so)."""
    seen: dict[IPBlock, None] = {}
    for tp in cluster.tier_policies:
        for trule in tp.ingress + tp.egress:
            for peer in trule.peers:
                for net in peer.networks or ():
                    seen.setdefault(IPBlock(cidr=net), None)
    return tuple(seen)


def _ip_blocks(cluster: Cluster, options: AnalysisOptions) -> tuple[IPBlock, ...]:
    """The address windows through which policies see a pod: NetworkPolicy ipBlocks (when
    they match pods) and the tiers' networks."""
    seen: dict[IPBlock, None] = {}
    if options.ipblock_pods:
        for policy in cluster.policies:
            for rule in policy.ingress + policy.egress:
                for peer in rule.peers or ():
                    if peer.ip_block is not None:
                        seen.setdefault(peer.ip_block, None)
    for block in tier_network_blocks(cluster):
        seen.setdefault(block, None)
    return tuple(seen)


def _port_names(cluster: Cluster) -> set[tuple[str, Protocol | None]]:
    """The named ports policies mention; protocol None (a v1alpha1 namedPort) = any protocol."""
    names: set[tuple[str, Protocol | None]] = set()
    for policy in cluster.policies:
        for rule in policy.ingress + policy.egress:
            for entry in rule.ports or ():
                if isinstance(entry.port, str):
                    names.add((entry.port, entry.protocol))
    for tp in cluster.tier_policies:
        for trule in tp.ingress + tp.egress:
            for tport in trule.ports or ():
                if tport.name is not None:
                    names.add((tport.name, tport.protocol))
    return names


def equivalence_classes(
    cluster: Cluster,
    options: AnalysisOptions,
    *,
    port: int | None = None,
    protocol: Protocol | None = None,
    selectors: Iterable[LabelSelector] = (),
    port_names: Iterable[tuple[str, Protocol]] = (),
) -> Partition:
    """Partition the inventory pods into classes no policy can distinguish.

    With ``port`` and ``protocol`` the partition is for flows on that port only (named ports
    that resolve elsewhere are forgotten), which makes it coarser. ``selectors`` and
    ``port_names`` are what else must tell pods apart (the properties of a run: the encoder
    builds its classes on this partition, `verifier.encode.inventory`).
    """
    pods = tuple(sorted(cluster.pods, key=lambda p: (p.namespace, p.name)))
    requirements = [req for sel in (*_pod_selectors(cluster), *selectors) for req in sel.requirements()]
    keys = sorted({req.key for req in requirements})
    mentioned: dict[str, set[str]] = {}
    for req in requirements:
        mentioned.setdefault(req.key, set()).update(req.values)
    names = _port_names(cluster) | set(port_names)
    any_protocol = {name for name, proto in names if proto is None}
    blocks = _ip_blocks(cluster, options)
    regions = address_regions(blocks) if blocks else None

    index: dict[_ClassKey, int] = {}
    members: list[list[int]] = []
    keys_seen: list[_ClassKey] = []
    class_of: list[int] = []
    for i, pod in enumerate(pods):
        labels = tuple(
            (k, v if v in mentioned[k] else OTHER_VALUE) for k in keys if (v := pod.labels.get(k)) is not None
        )
        named = tuple(
            sorted(
                {
                    (cp.name, cp.protocol, cp.port)
                    for cp in pod.ports
                    if cp.name is not None
                    and ((cp.name, cp.protocol) in names or cp.name in any_protocol)
                    and (port is None or cp.port == port)
                    and (protocol is None or cp.protocol is protocol)
                }
            )
        )
        unknown = regions is not None and not pod.ips
        addresses: tuple[tuple[Family, int], ...] = ()
        if regions is not None and pod.ips:
            addresses = tuple(sorted({regions.address(ip_key(ip)) for ip in pod.ips}))
        sig: _ClassKey = (pod.namespace, labels, named, addresses, unknown)
        k = index.get(sig)
        if k is None:
            k = index[sig] = len(members)
            members.append([])
            keys_seen.append(sig)
        members[k].append(i)
        class_of.append(k)
    classes = tuple(
        PodClass(
            namespace=ns,
            labels=labels,
            named_ports=named,
            addresses=addresses,
            ip_unknown=unknown,
            members=tuple(members[k]),
        )
        for k, (ns, labels, named, addresses, unknown) in enumerate(keys_seen)
    )
    return Partition(pods=pods, classes=classes, class_of=tuple(class_of), regions=regions)


__all__ = [
    "AddressRegions",
    "Partition",
    "PodClass",
    "address_regions",
    "equivalence_classes",
    "region_starts",
    "tier_network_blocks",
]
