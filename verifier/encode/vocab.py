"""The finite vocabulary that makes label reasoning exact and small.

Selectors only ever compare a label against constants, so for each label key mentioned
anywhere (policies or properties) it suffices to know whether the key is absent, which
mentioned value it has, or that it has some *other* value. A key's value is therefore a small
bit-vector: 0 = absent, 1..n = the n mentioned values (sorted), n+1 = any other value. Keys
nobody mentions cannot influence a verdict and are not encoded.

Pod labels and namespace labels are separate vocabularies. The namespace name is the value of
the ``kubernetes.io/metadata.name`` namespace label, so namespace identity needs no extra
variable; every existing namespace name is part of its value set.

The cluster-wide tier policies (`verifier.model.tiers`) mention keys too: their subjects and
their ``namespaces`` / ``pods`` peers. Their named ports join the named ports; a v1alpha1
``namedPort`` names no protocol, so it stands for the name under every protocol. (``nodes``
selectors match Node objects, which are concrete: they need no code.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from verifier.model import (
    NAMESPACE_NAME_LABEL,
    Cluster,
    LabelSelector,
    PolicyPort,
    Protocol,
    TierPolicy,
)
from verifier.spec import Property

PROTOCOL_ORDER: tuple[Protocol, ...] = (Protocol.TCP, Protocol.UDP, Protocol.SCTP)

ABSENT = 0


@dataclass
class KeyValues:
    """Mentioned values of one key, with their codes (1-based; ``other`` = n + 1)."""

    values: list[str] = field(default_factory=list)
    codes: dict[str, int] = field(default_factory=dict)

    def freeze(self) -> None:
        self.values = sorted(set(self.values))
        self.codes = {v: i + 1 for i, v in enumerate(self.values)}

    @property
    def other(self) -> int:
        return len(self.values) + 1

    def code(self, value: str | None) -> int:
        """The code of a concrete label value (absent, mentioned, or other)."""
        if value is None:
            return ABSENT
        return self.codes.get(value, self.other)

    def width(self) -> int:
        return max(1, self.other.bit_length())


@dataclass
class Vocabulary:
    """Mentioned label keys/values (pod and namespace side) and named ports."""

    pod_keys: dict[str, KeyValues] = field(default_factory=dict)
    ns_keys: dict[str, KeyValues] = field(default_factory=dict)
    named_ports: list[tuple[str, Protocol]] = field(default_factory=list)

    def fresh_value(self, key: str, *, namespace: bool) -> str:
        """A concrete label value that is none of the mentioned ones (decodes ``other``)."""
        taken = set((self.ns_keys if namespace else self.pod_keys)[key].values)
        base = "new-namespace" if namespace and key == NAMESPACE_NAME_LABEL else "other"
        candidate, i = base, 1
        while candidate in taken:
            i += 1
            candidate = f"{base}-{i}"
        return candidate

    def pod_codes(self, labels: Mapping[str, str]) -> tuple[int, ...]:
        return tuple(kv.code(labels.get(k)) for k, kv in self.pod_keys.items())

    def ns_codes(self, labels: Mapping[str, str]) -> tuple[int, ...]:
        return tuple(kv.code(labels.get(k)) for k, kv in self.ns_keys.items())


def _add_selector(keys: dict[str, KeyValues], selector: LabelSelector | None) -> None:
    if selector is None:
        return
    for req in selector.requirements():
        kv = keys.setdefault(req.key, KeyValues())
        kv.values.extend(req.values)


def _add_ports(vocab: Vocabulary, ports: Iterable[PolicyPort] | None) -> None:
    for p in ports or ():
        if isinstance(p.port, str) and (p.port, p.protocol) not in vocab.named_ports:
            vocab.named_ports.append((p.port, p.protocol))


def _add_named(vocab: Vocabulary, name: str, protocol: Protocol) -> None:
    if (name, protocol) not in vocab.named_ports:
        vocab.named_ports.append((name, protocol))


def _add_tier_policy(vocab: Vocabulary, policy: TierPolicy) -> None:
    subject = policy.subject
    _add_selector(vocab.ns_keys, subject.namespaces)
    _add_selector(vocab.ns_keys, subject.pod_namespaces)
    _add_selector(vocab.pod_keys, subject.pods)
    for rule in policy.ingress + policy.egress:
        for peer in rule.peers:
            _add_selector(vocab.ns_keys, peer.namespaces)
            _add_selector(vocab.ns_keys, peer.pod_namespaces)
            _add_selector(vocab.pod_keys, peer.pods)
        for port in rule.ports or ():
            if port.name is not None:
                for protocol in (port.protocol,) if port.protocol is not None else PROTOCOL_ORDER:
                    _add_named(vocab, port.name, protocol)


def build_vocabulary(cluster: Cluster, properties: Iterable[Property]) -> Vocabulary:
    """Collect every key, value and named port that a policy or property mentions."""
    vocab = Vocabulary()
    name_key = vocab.ns_keys.setdefault(NAMESPACE_NAME_LABEL, KeyValues())
    name_key.values.extend(cluster.namespaces)
    for policy in cluster.policies:
        name_key.values.append(policy.namespace)
        _add_selector(vocab.pod_keys, policy.pod_selector)
        for rule in policy.ingress + policy.egress:
            for peer in rule.peers or ():
                _add_selector(vocab.pod_keys, peer.pod_selector)
                _add_selector(vocab.ns_keys, peer.namespace_selector)
            _add_ports(vocab, rule.ports)
    for tier_policy in cluster.tier_policies:
        _add_tier_policy(vocab, tier_policy)
    for prop in properties:
        for spec_peer in (prop.sources or ()) + (prop.destinations or ()):
            _add_selector(vocab.pod_keys, spec_peer.pod_selector)
            _add_selector(vocab.ns_keys, spec_peer.namespace_selector)
            if spec_peer.namespace is not None:
                name_key.values.append(spec_peer.namespace)
            if spec_peer.pod is not None:
                name_key.values.append(spec_peer.pod.split("/", 1)[0])
        _add_ports(vocab, prop.ports)
    for kv in (*vocab.pod_keys.values(), *vocab.ns_keys.values()):
        kv.freeze()
    vocab.pod_keys = dict(sorted(vocab.pod_keys.items()))
    vocab.ns_keys = dict(sorted(vocab.ns_keys.items()))
    vocab.named_ports.sort()
    return vocab
