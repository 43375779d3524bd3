"""Boxes as people read them: a proved box (`verifier.solve.box`) as a `FlowRegion` —
pod groups, label and named-port conditions, address ranges with their CIDRs, the protocols
and the port range — with the decoded example flow.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from verifier.encode import PROTOCOLS, Encoding
from verifier.encode.vocab import ABSENT, KeyValues
from verifier.model import NAMESPACE_NAME_LABEL, IntervalSet, Universe, key_to_ip
from verifier.model.ip import V4_SPACE, V6_OFFSET, V6_SPACE
from verifier.results import (
    AddressRange,
    EndpointKind,
    EndpointSet,
    Flow,
    FlowRegion,
    PodGroup,
)
from verifier.solve.box import Box, Constraint


def address_ranges(space: IntervalSet) -> tuple[AddressRange, ...]:
    """Intervals of the address line as ranges with their exact CIDRs (families split)."""
    out = []
    for lo, hi in space:
        pieces = [(lo, hi)]
        if lo < V6_OFFSET <= hi:
            pieces = [(lo, V6_OFFSET - 1), (V6_OFFSET, hi)]
        for a, b in pieces:
            first, last = key_to_ip(a), key_to_ip(b)
            cidrs = tuple(str(n) for n in ipaddress.summarize_address_range(first, last))
            out.append(AddressRange(first=str(first), last=str(last), cidrs=cidrs))
    return tuple(out)


def _codes_text(key: str, kv: KeyValues, codes: frozenset[int] | None) -> str | None:
    """A label-code set as a selector-like phrase (None = no constraint)."""
    if codes is None or codes >= set(range(kv.other + 1)):
        return None
    absent, other = ABSENT in codes, kv.other in codes
    named = [kv.values[c - 1] for c in sorted(codes) if 1 <= c <= len(kv.values)]
    missing = [v for v in kv.values if kv.codes[v] not in codes]
    if absent and other:
        return f"{key} notin ({','.join(missing)})"
    if other:
        return f"{key} exists" if not missing else f"{key} exists, notin ({','.join(missing)})"
    values = named[0] if len(named) == 1 else f"({','.join(named)})"
    eq = f"{key}={values}" if len(named) == 1 else f"{key} in {values}"
    if absent:
        return f"!{key}" if not named else f"!{key} or {eq}"
    return eq


def _space(enc: Encoding, c: Constraint, base: IntervalSet) -> tuple[AddressRange, ...] | None:
    if c is None:
        return None
    assert isinstance(c, tuple)
    regions = enc.inventory.regions
    lo, hi = regions.interval(c[0])[0], regions.interval(c[1])[1]
    chosen = IntervalSet.of([(lo, hi)]).intersection(base)
    return address_ranges(chosen)


def _pods_text(enc: Encoding, classes: Sequence[int]) -> tuple[tuple[PodGroup, ...], str]:
    inv = enc.inventory
    groups = []
    for i in sorted(classes, key=lambda j: (inv.classes[j].namespace, inv.classes[j].members[0].name)):
        cls = inv.classes[i]
        first = cls.members[0]
        labels = {k: first.labels[k] for k in enc.vocab.pod_keys if k in first.labels}
        groups.append(
            PodGroup(namespace=cls.namespace, labels=labels, pods=tuple(m.key for m in cls.members))
        )
    if len(classes) == len(inv.classes):
        return tuple(groups), f"any inventory pod ({sum(len(g.pods) for g in groups)})"
    chosen = set(classes)
    words = []
    by_namespace: dict[str, list[PodGroup]] = {}
    for g in groups:
        by_namespace.setdefault(g.namespace, []).append(g)
    listed: list[str] = []
    for ns in sorted(by_namespace):
        in_ns = inv.classes_in(ns)
        if len(in_ns) > 1 and chosen.issuperset(in_ns):
            count = sum(len(inv.classes[j].members) for j in in_ns)
            words.append(f"every pod in {ns} ({count})")
        else:
            listed.extend(p for g in by_namespace[ns] for p in g.pods)
    if listed:
        shown = ", ".join(listed[:6]) + (f" (+{len(listed) - 6} more)" if len(listed) > 6 else "")
        words.append(shown)
    return tuple(groups), "; ".join(words)


def _family_space(family: int) -> IntervalSet:
    return IntervalSet.of([V4_SPACE if family == 4 else V6_SPACE])


def _families(space: IntervalSet) -> set[int]:
    out = set()
    for lo, hi in space:
        if lo < V6_OFFSET:
            out.add(4)
        if hi >= V6_OFFSET:
            out.add(6)
    return out


def _side_space(enc: Encoding, box: Box, c: Constraint) -> IntervalSet | None:
    """The addresses a side's region constraint allows, within the box's family (None: any)."""
    if isinstance(c, tuple):
        regions = enc.inventory.regions
        return IntervalSet.of([(regions.interval(c[0])[0], regions.interval(c[1])[1])])
    return None if box.family is None else _family_space(box.family)


def _two_pods(enc: Encoding, j: int) -> bool:
    """A class that offers two distinct pods (two members, or a replicated template)."""
    members = enc.inventory.classes[j].members
    return len(members) > 1 or members[0].replicated


def _side_classes(enc: Encoding, box: Box, side: str) -> list[int]:
    """The inventory classes that add an endpoint to a pod side of the box: those in its class
    set with an address in its region constraint and of the box's family. Z3 proves the box
    as a formula, in which a class with no such address joins vacuously; a description must
    not list it (it would claim flows that do not exist)."""
    inv = enc.inventory
    cons = {d.field: c for d, c in zip(box.dims, box.constraints, strict=True) if d.side == side}
    c = cons["cls"]
    if isinstance(c, frozenset):
        classes = sorted(c)
    elif enc.universe is Universe.INVENTORY:
        classes = list(range(len(inv.classes)))
    else:
        classes = list(enc.singled_classes)
    # A class in a declared namespace whose (fixed) labels the box's namespace-label
    # constraints exclude joins vacuously too.
    narrowed = {
        k: c
        for k in enc.vocab.ns_keys
        if k != NAMESPACE_NAME_LABEL and isinstance(c := cons.get(f"ns:{k}"), frozenset)
    }
    if narrowed:
        classes = [
            j
            for j in classes
            if enc.cluster.labels_unknown(inv.classes[j].namespace)
            or all(
                enc.vocab.ns_keys[k].code(enc.cluster.namespace_labels(inv.classes[j].namespace).get(k))
                in codes
                for k, codes in narrowed.items()
            )
        ]
    space = _side_space(enc, box, cons["region"])
    if space is None:
        return classes
    kept = []
    for j in classes:
        regions = inv.classes[j].regions
        if regions is None:
            if inv.pod_space.intersection(space):
                kept.append(j)
        elif any(inv.regions.interval(r)[0] in space for r in regions):
            kept.append(j)
    return kept


def _needs_family(enc: Encoding, box: Box, side: str, classes: Sequence[int] | None) -> bool:
    """Whether the side, read without the box's family, also holds addresses of the other one."""
    if box.family is None:
        return False
    cons = {d.field: c for d, c in zip(box.dims, box.constraints, strict=True) if d.side == side}
    if isinstance(cons["region"], tuple):
        return False
    inv = enc.inventory
    kind = box.kinds[side]
    if kind is EndpointKind.EXTERNAL:
        families = _families(inv.external_space)
    elif kind is EndpointKind.NEW_POD:
        families = _families(inv.pod_space)
    else:
        families = set()
        for j in classes or ():
            regions = inv.classes[j].regions
            if regions is None:
                families |= _families(inv.pod_space)
            else:
                families |= {4 if r < inv.regions.first_v6 else 6 for r in regions}
    return families != {box.family}


def _endpoint_set(
    enc: Encoding, box: Box, side: str, classes: Sequence[int] | None = None, pin_family: bool = False
) -> EndpointSet:
    """One side of a box as people read it. ``classes``: the pod classes to list (a pod side);
    ``pin_family``: say the box's address family on this side (neither side implies it)."""
    kind = box.kinds[side]
    cons = {d.field: c for d, c in zip(box.dims, box.constraints, strict=True) if d.side == side}
    base = enc.inventory.external_space if kind is EndpointKind.EXTERNAL else enc.inventory.pod_space
    addresses = _space(enc, cons["region"], base)
    family_words = ""
    if addresses is None and pin_family and box.family is not None:
        addresses = address_ranges(base.intersection(_family_space(box.family)))
        family_words = f"IPv{box.family}"
    if kind is EndpointKind.EXTERNAL:
        if family_words:
            where = f"any external {family_words} address"
        elif addresses is None:
            where = "any external address"
        else:
            where = "external " + ", ".join(str(a) for a in addresses)
        return EndpointSet(kind=kind, description=where, addresses=addresses)
    if family_words:
        ip_text = f" with an {family_words} address"
    else:
        ip_text = "" if addresses is None else " with IP in " + ", ".join(str(a) for a in addresses)
    if kind is EndpointKind.POD:
        chosen = list(classes) if classes is not None else _side_classes(enc, box, side)
        groups, text = _pods_text(enc, chosen)
        unknown = sorted(
            {
                enc.inventory.classes[j].namespace
                for j in chosen
                if enc.cluster.labels_unknown(enc.inventory.classes[j].namespace)
            }
        )
        assumed: tuple[str, ...] = ()
        if unknown:
            found = []
            for k, kv in enc.vocab.ns_keys.items():
                narrowed = cons.get(f"ns:{k}")
                if k != NAMESPACE_NAME_LABEL and isinstance(narrowed, frozenset):
                    words = _codes_text(k, kv, narrowed)
                    if words is not None:
                        found.append(words)
            assumed = tuple(found)
            if assumed:
                text += f" [if {', '.join(unknown)} (not in the input) has namespace labels: {', '.join(assumed)}]"
        return EndpointSet(
            kind=kind,
            description=text + ip_text,
            groups=groups,
            addresses=addresses,
            namespace_labels=assumed,
        )
    vocab = enc.vocab
    name_kv = vocab.ns_keys[NAMESPACE_NAME_LABEL]
    names_c = cons[f"ns:{NAMESPACE_NAME_LABEL}"]
    namespaces: tuple[str, ...] = ()
    ns_words = "any namespace (existing or new)"
    if isinstance(names_c, frozenset):
        named = [name_kv.values[c - 1] for c in sorted(names_c) if 1 <= c <= len(name_kv.values)]
        new = name_kv.other in names_c
        namespaces = tuple(named) + (("<new namespace>",) if new else ())
        new_only = cons["new_ns"] == frozenset({1})
        existing_only = cons["new_ns"] == frozenset({0})
        # Drop names the new-namespace flag rules out: they add no endpoint to the box.
        existing = [] if new_only else [n for n in named if n in enc.cluster.namespaces]
        fresh = [] if existing_only else [n for n in named if n not in enc.cluster.namespaces]
        new = new and not existing_only
        namespaces = tuple(existing + fresh) + (("<new namespace>",) if new else ())
        parts = []
        if existing:
            parts.append(("namespace " if len(existing) == 1 else "namespaces ") + ", ".join(existing))
        if fresh or new:
            parts.append(
                "a new namespace"
                + (
                    f" ({', '.join(fresh)} or any other name)"
                    if fresh and new
                    else (f" ({', '.join(fresh)})" if fresh else "")
                )
            )
        ns_words = " or ".join(parts)
    new_c = cons["new_ns"]
    if isinstance(new_c, frozenset) and len(new_c) == 1 and not isinstance(names_c, frozenset):
        ns_words = "a new namespace" if 1 in new_c else "an existing namespace"

    def codes(field: str) -> frozenset[int] | None:
        c = cons.get(field)
        return c if isinstance(c, frozenset) else None

    ns_texts = [
        _codes_text(k, kv, codes(f"ns:{k}")) for k, kv in vocab.ns_keys.items() if k != NAMESPACE_NAME_LABEL
    ]
    ns_labels = tuple(x for x in ns_texts if x is not None)
    pod_texts = [_codes_text(k, kv, codes(f"pod:{k}")) for k, kv in vocab.pod_keys.items()]
    labels = tuple(x for x in pod_texts if x is not None)
    named_ports = []
    for n, p in vocab.named_ports:
        c = cons.get(f"np:{n}/{p}")
        if isinstance(c, frozenset) and len(c) == 1:
            named_ports.append(f"{'defines' if 1 in c else 'does not define'} {n}/{p} at the flow's port")
    text = "any pod in " + ns_words
    if ns_labels and namespaces and all(n in enc.cluster.namespaces for n in namespaces):
        ns_labels = ()  # existing namespaces: their labels are fixed, the names say it all
    if ns_labels:
        text += f" [namespace labels: {', '.join(ns_labels)}]"
    text += f" with labels {{{', '.join(labels)}}}" if labels else " (any labels)"
    if named_ports:
        text += "; " + "; ".join(named_ports)
    return EndpointSet(
        kind=kind,
        description=text + ip_text,
        namespaces=namespaces,
        namespace_labels=ns_labels,
        labels=labels,
        named_ports=tuple(named_ports),
        addresses=addresses,
    )


def describe(enc: Encoding, box: Box, example: Flow) -> FlowRegion:
    cons = {d.field: c for d, c in zip(box.dims, box.constraints, strict=True) if d.side == "flow"}
    proto = cons["proto"]
    protocols = (
        tuple(PROTOCOLS) if not isinstance(proto, frozenset) else tuple(PROTOCOLS[i] for i in sorted(proto))
    )
    port = cons["port"]
    ports = (1, 65535) if port is None else port
    assert isinstance(ports, tuple)
    classes: dict[str, list[int] | None] = {
        side: _side_classes(enc, box, side) if box.kinds[side] is EndpointKind.POD else None
        for side in ("src", "dst")
    }
    # One pod on one side: it is no destination (source) of its own on the other side.
    for side, other in (("src", "dst"), ("dst", "src")):
        mine, theirs = classes[side], classes[other]
        if mine is None or theirs is None or len(mine) != 1 or len(theirs) < 2:
            continue
        if not _two_pods(enc, mine[0]) and mine[0] in theirs:
            theirs.remove(mine[0])
    pin = _needs_family(enc, box, "src", classes["src"]) and _needs_family(enc, box, "dst", classes["dst"])
    return FlowRegion(
        source=_endpoint_set(enc, box, "src", classes["src"], pin),
        destination=_endpoint_set(enc, box, "dst", classes["dst"]),
        protocols=protocols,
        ports=ports,
        example=example,
    )


__all__ = ["address_ranges", "describe"]
