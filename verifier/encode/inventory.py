"""Concrete facts about the inventory that keep the Z3 encoding small.

Pods that no policy or property can tell apart are collapsed into one *class*: same
namespace, same codes for every mentioned label key, same numbers for every mentioned named
port, and IPs in the same atomic *regions* of the address line. Regions are the pieces that
the boundaries of every CIDR in play (policy ipBlocks, property ipBlocks, ``--pod-cidr``,
the tier policies' ``networks`` and the addresses of the Nodes a ``nodes`` peer selects, each
a region of its own) cut the line into: no ipBlock can distinguish two addresses of one region. A pod named by a
property (``pod: ns/name``) is a class of its own. The solver picks a class; decoding picks a
real member and a real address.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from verifier.encode.vocab import Vocabulary
from verifier.engine.classes import Partition, equivalence_classes, region_starts
from verifier.model import (
    AnalysisOptions,
    Cluster,
    IntervalSet,
    Pod,
    ip_key,
    network_range,
)
from verifier.model.ip import V6_OFFSET, V6_SPACE
from verifier.spec import Property


@dataclass(frozen=True)
class Regions:
    """The atomic pieces of the address line: ``[starts[i], starts[i+1] - 1]``."""

    starts: tuple[int, ...]

    @staticmethod
    def build(sets: Iterable[IntervalSet]) -> Regions:
        """The engine's cut of the address line (`verifier.engine.classes.region_starts`)."""
        return Regions(region_starts(sets))

    def index(self, key: int) -> int:
        return bisect.bisect_right(self.starts, key) - 1

    def interval(self, i: int) -> tuple[int, int]:
        hi = self.starts[i + 1] - 1 if i + 1 < len(self.starts) else V6_SPACE[1]
        return self.starts[i], hi

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def first_v6(self) -> int:
        """Index of the first IPv6 region: regions below it are IPv4."""
        return self.starts.index(V6_OFFSET)

    def index_ranges(self, addresses: IntervalSet) -> list[tuple[int, int]]:
        """The region indices that make up ``addresses`` (exact when its ends are boundaries)."""
        return [(self.index(lo), self.index(hi)) for lo, hi in addresses]

    def covering(self, addresses: IntervalSet) -> list[tuple[int, int]]:
        """Region indices of regions that lie entirely inside ``addresses``."""
        out = []
        for lo, hi in addresses:
            a, b = self.index(lo), self.index(hi)
            if self.starts[a] != lo:
                a += 1
            end = self.interval(b)[1]
            if end != hi:
                b -= 1
            if a <= b:
                out.append((a, b))
        return out


@dataclass
class EncodedClass:
    """The encoding's class of pods: pods it cannot tell apart — one namespace, the same
    label codes and named-port values, the same address regions. ``members`` keep input
    order. (`verifier.engine.classes.PodClass` is the concrete engine's class.)"""

    index: int
    namespace: str
    pod_codes: tuple[int, ...]
    ns_codes: tuple[int, ...]
    port_values: tuple[int, ...]
    regions: tuple[int, ...] | None  # None: IP unknown, ranges over the pod IP space
    members: list[Pod] = field(default_factory=list)

    @property
    def ip_unknown(self) -> bool:
        return self.regions is None

    @property
    def several(self) -> bool:
        """The class offers two distinct pods: two members, or a replicated template."""
        return len(self.members) > 1 or self.members[0].replicated


@dataclass
class Inventory:
    """Classes, regions and the address sets that the encoding quantifies over.

    Addresses are never shared (design.md §1): an external endpoint, a pod whose IP is
    unknown and a hypothetical pod each take a *free* address — one no input pod has.
    ``free_one`` / ``free_two`` are the regions with at least one / two free addresses, so
    that one such endpoint, or two of them in one region, can be placed.
    """

    classes: list[EncodedClass]
    regions: Regions
    pod_space: IntervalSet
    external_space: IntervalSet
    by_pod: dict[str, int]  # Pod.key -> class index
    first_single: int  # classes[first_single:] offer one pod only (`EncodedClass.several` is False)
    free_one: list[tuple[int, int]] = field(default_factory=list)  # region index ranges
    free_two: list[tuple[int, int]] = field(default_factory=list)
    _by_namespace: dict[str, list[int]] = field(default_factory=dict, repr=False)

    @property
    def unknown_ip_classes(self) -> list[int]:
        return [c.index for c in self.classes if c.ip_unknown]

    def classes_in(self, namespace: str) -> list[int]:
        """Indices of the classes of one namespace (indexed once: descriptions ask per region)."""
        if not self._by_namespace:
            for c in self.classes:
                self._by_namespace.setdefault(c.namespace, []).append(c.index)
        return self._by_namespace.get(namespace, [])


def _property_sets(properties: Iterable[Property]) -> list[IntervalSet]:
    out = []
    for prop in properties:
        for peer in (prop.sources or ()) + (prop.destinations or ()):
            if peer.ip_block is not None:
                out.append(peer.ip_block.ranges())
    return out


def policy_sets(cluster: Cluster) -> list[IntervalSet]:
    out = []
    for policy in cluster.policies:
        for rule in policy.ingress + policy.egress:
            for peer in rule.peers or ():
                if peer.ip_block is not None:
                    out.append(peer.ip_block.ranges())
    return out


def tier_sets(cluster: Cluster) -> list[IntervalSet]:
    """The address sets the tier policies tell apart: every ``networks`` peer's CIDRs, and
    each address of a Node that some ``nodes`` peer selects (one address each)."""
    out = []
    nodes: dict[int, None] = {}
    for policy in cluster.tier_policies:
        for rule in policy.ingress + policy.egress:
            for peer in rule.peers:
                if peer.networks is not None:
                    out.append(peer.network_ranges())
                for address in peer.node_addresses(cluster.nodes):
                    nodes.setdefault(ip_key(address), None)
    out.extend(IntervalSet.of([(k, k)]) for k in nodes)
    return out


def _named_port_value(pod: Pod, name: str, protocol: object) -> int:
    for cp in pod.ports:
        if cp.name == name and cp.protocol == protocol:
            return cp.port
    return 0


def pod_partition(
    cluster: Cluster, vocab: Vocabulary, properties: Sequence[Property], options: AnalysisOptions
) -> Partition:
    """The engine's partition of the pods, told apart by the properties' selectors and named
    ports too: what no policy or property can tell apart (addresses are the encoder's regions)."""
    return equivalence_classes(
        cluster,
        options.model_copy(update={"ipblock_pods": False}),
        selectors=[
            sel
            for p in properties
            for peer in (p.sources or ()) + (p.destinations or ())
            if (sel := peer.pod_selector) is not None
        ],
        port_names=vocab.named_ports,
    )


def build_inventory(
    cluster: Cluster,
    vocab: Vocabulary,
    properties: Sequence[Property],
    options: AnalysisOptions,
    partition: Partition | None = None,
) -> Inventory:
    """The encoder's classes and address regions; ``partition`` is `pod_partition`'s (built
    here when the caller does not hold it already)."""
    pod_space = options.pod_ip_space()
    sets = [*policy_sets(cluster), *tier_sets(cluster), *_property_sets(properties)]
    if options.pod_cidrs:
        sets.append(pod_space)
    regions = Regions.build(sets)
    singled = {
        peer.pod for p in properties for peer in (p.sources or ()) + (p.destinations or ()) if peer.pod
    }
    # The engine's partition says which pods no policy or property can tell apart (one
    # namespace, one value per mentioned label key, the same mentioned named ports); the
    # encoder refines it only by what its symbolic address needs (the atomic region of each
    # IP) and by the pods a property names. Label and port codes are the class's.
    if partition is None:
        partition = pod_partition(cluster, vocab, properties, options)
    class_of = {pod.key: partition.class_of[i] for i, pod in enumerate(partition.pods)}
    codes_of: dict[int, tuple[tuple[int, ...], tuple[int, ...]]] = {}

    classes: dict[tuple[object, ...], EncodedClass] = {}
    used: dict[int, set[int]] = {}
    ns_codes_cache: dict[str, tuple[int, ...]] = {}
    for pod in cluster.pods:
        ns_codes = ns_codes_cache.get(pod.namespace)
        if ns_codes is None:
            ns_codes = vocab.ns_codes(cluster.namespace_labels(pod.namespace))
            ns_codes_cache[pod.namespace] = ns_codes
        engine_class = class_of[pod.key]
        found = codes_of.get(engine_class)
        if found is None:
            found = codes_of[engine_class] = (
                vocab.pod_codes(pod.labels),
                tuple(_named_port_value(pod, n, proto) for n, proto in vocab.named_ports),
            )
        pod_codes, ports = found
        region_ids: tuple[int, ...] | None = None
        if pod.ips:
            keys = [ip_key(ip) for ip in pod.ips]
            region_ids = tuple(sorted({regions.index(k) for k in keys}))
            for k in keys:
                used.setdefault(regions.index(k), set()).add(k)
        # the engine's class (namespace, label codes and named ports follow from it), cut by
        # the address regions of the pod's IPs and by the pods a property names
        key = (engine_class, region_ids, pod.key if pod.key in singled else None)
        cls = classes.get(key)
        if cls is None:
            cls = EncodedClass(len(classes), pod.namespace, pod_codes, ns_codes, ports, region_ids)
            classes[key] = cls
        cls.members.append(pod)

    # External addresses: outside --pod-cidr when given, and never an address a pod has.
    # Within a region all addresses behave alike, so a region qualifies iff it has a free one.
    free = []
    free_one: list[int] = []
    free_two: list[int] = []
    for i in range(len(regions.starts)):
        lo, hi = regions.interval(i)
        spare = hi - lo + 1 - len(used.get(i, ()))
        if spare >= 1:
            free.append((lo, hi))
            free_one.append(i)
        if spare >= 2:
            free_two.append(i)
    external = IntervalSet.of(free)
    if options.pod_cidrs:
        external = external.difference(pod_space)
    # Classes that offer two pods first: "a class with one pod" is then one comparison.
    ordered = sorted(classes.values(), key=lambda c: not c.several)
    for i, c in enumerate(ordered):
        c.index = i
    by_pod = {pod.key: c.index for c in ordered for pod in c.members}
    first_single = next((c.index for c in ordered if not c.several), len(ordered))
    return Inventory(
        ordered, regions, pod_space, external, by_pod, first_single, _runs(free_one), _runs(free_two)
    )


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Sorted indices as closed runs ``[(first, last), …]``."""
    out: list[tuple[int, int]] = []
    for i in indices:
        if out and out[-1][1] == i - 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def free_address(
    inventory: Inventory, cluster: Cluster, near: int, space: IntervalSet, avoid: Iterable[int] = ()
) -> int | None:
    """An address in ``near``'s region and in ``space`` that no pod has and that is not in
    ``avoid`` (decoding: an external address, or a hypothetical pod's own address)."""
    region = inventory.regions.index(near)
    lo, hi = inventory.regions.interval(region)
    taken = {ip_key(ip) for pod in cluster.pods for ip in pod.ips if lo <= ip_key(ip) <= hi}
    taken.update(avoid)
    # At most len(taken) + 1 candidates from ``near`` upwards, then from the region start.
    for start, stop in ((near, hi), (lo, near - 1)):
        candidate = start
        while candidate <= stop:
            if candidate not in taken and candidate in space:
                return candidate
            candidate += 1
    return None


__all__ = [
    "EncodedClass",
    "Inventory",
    "Regions",
    "build_inventory",
    "free_address",
    "network_range",
    "pod_partition",
    "tier_sets",
]
