"""The full pod-to-pod matrix on one port/protocol, by set algebra over pod classes.

Same semantics as `verifier.oracle.decide`, computed without a Python loop over pod pairs:

1. pods collapse into equivalence classes (`verifier.engine.classes`);
2. each class becomes one *column* per distinct (family, ipBlock signature) of its IPs — one
   column when addresses cannot matter or the IP is unknown;
3. over the columns, every selector is evaluated once (a label index turns a selector into a
   few big-int operations), every rule gets its peer set and the destinations its ports
   match, and each distinct set of isolating policies gets one egress row (allowed
   destinations) or ingress row (allowed sources);
4. columns fold back into classes per address family — "some address" and "every address"
   — and cells combine by the rules below; classes expand to pods by bit-matrix
   transposition. Pods whose IP is unknown all share one address space, so what ipBlocks
   do to them is decided once per row by interval arithmetic, not per address.

Addresses (the documented contract of ``MatrixResult``):

- a flow needs egress at the source and ingress at the destination; egress looks at the
  destination's address only and ingress at the source's, so the two sides factorise;
- a packet's two addresses are of one family: a pod with several IPs reaches another pod if
  some same-family pair of their addresses is allowed; if the two pods share no family, any
  pair counts (the policies, not routing, are being reported);
- a pod whose IP is unknown has one address anywhere in ``options.pod_ip_space()`` that no
  input pod has (addresses are never shared); paired
  with a pod of known IPs it uses that pod's addresses of its own family (all of them if
  there are none); two such pods range over same-family address pairs (the engine does not
  exclude the pairs where both take one address: a cell whose only allowing pair is such a
  pair is reported conditional, never allowed — tests/differential/test_engine.py). A cell is allowed
  only if every possible address allows it, and is listed in ``conditional`` when some but
  not all do;
- a pod reaching itself is allowed (not governed by policy) and never conditional; a
  replicated template (`Pod.replicated`) stands for two or more pods, so its diagonal cell is
  what two of its replicas get, like any two distinct pods of one class.
Tier policies (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy; see
`verifier.model.tiers`): each side is the chain Admin tier -> NetworkPolicy -> Baseline tier
-> allow, evaluated per row with one bitset per outcome (`verifier.engine.columns.tier_walk`)
into what the side *must* allow and what it *may* (they differ where a same-priority conflict
or a domainNames peer leaves the verdict open, or a namespace's labels are unknown). An
unknown IP then has one virtual column per signature it may take, so ``networks`` and
ipBlocks are decided per column, and a cell is allowed iff every address must allow it,
conditional iff some address may and it is not allowed — never "allowed" or "denied" when
the manifests leave it open (`MatrixResult.warnings` says why).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from verifier.engine.bits import from_indices, full, gather_columns, iter_bits, transpose
from verifier.engine.classes import Family, Partition, equivalence_classes
from verifier.engine.columns import (
    Outcomes,
    Prepared,
    SideJudge,
    TierPrep,
    WalkRule,
    block_ranges,
    maybe_reason,
    port_names,
    ports_match_everywhere,
    prepare,
    rule_ports_match,
    rule_walk,
    space_cover,
    tier_port_names,
    tier_ports_everywhere,
)
from verifier.model import (
    AnalysisOptions,
    Cluster,
    Direction,
    Protocol,
)
from verifier.results import MatrixResult


def _fold(
    rows: list[int],
    size: int,
    class_cols: list[dict[Family, list[int]]],
    families: tuple[Family, ...],
    every: list[bool] | None = None,
) -> dict[Family, list[int]]:
    """Per family and class: the rows in which some of the class's columns of that family is set.

    The result is transposed (one bitset over the rows per class). "Some" is right for pods
    with known IPs: a pod has all its addresses at once. A class with ``every[k]`` (an
    unknown IP over virtual columns, with tiers) folds with "every column" instead: its one
    address may be any of them.
    """
    per_col = transpose(rows, size)
    out: dict[Family, list[int]] = {}
    for family in families:
        folded: list[int] = []
        for k, per_family in enumerate(class_cols):
            cols = per_family.get(family, ())
            if every is not None and every[k] and cols:
                acc = full(len(rows))
                for c in cols:
                    acc &= per_col[c]
            else:
                acc = 0
                for c in cols:
                    acc |= per_col[c]
            folded.append(acc)
        out[family] = folded
    return out


@dataclass
class _Sides:
    """Egress rows (over destination columns) and ingress rows (over source columns) on one
    port, deduplicated, with how ipBlocks cover the pod space for unknown-IP pods."""

    names_of: list[frozenset[str]]
    unknown_names: list[frozenset[str]]
    eg_rows: list[int]
    eg_cover: list[dict[frozenset[str], dict[Family, tuple[bool, bool]]]]
    eg_row_of_class: list[int]
    in_rows: list[int]
    in_cover: list[dict[Family, tuple[bool, bool]]]
    in_row_of_class: list[int]
    # With tiers: the rows of what each side *may* allow (``eg_rows``/``in_rows`` are what
    # it must allow; they differ where the manifests leave a verdict open). No covers then:
    # unknown IPs have virtual columns (`verifier.engine.columns`).
    eg_may: list[int] | None = None
    in_may: list[int] | None = None


def _port_names(prep: Prepared, port: int, protocol: Protocol) -> tuple[list[frozenset[str]], dict[str, int]]:
    """Per class, its named ports that resolve to exactly ``port``/``protocol``; per such
    name, the columns of the classes where it does."""
    names_of = [
        frozenset(name for name, proto, number in cls.named_ports if proto is protocol and number == port)
        for cls in prep.part.classes
    ]
    name_cols: dict[str, int] = {}
    for k, names in enumerate(names_of):
        if names:
            bits = 0
            for cols in prep.class_cols[k].values():
                for c in cols:
                    bits |= 1 << c
            for name in names:
                name_cols[name] = name_cols.get(name, 0) | bits
    return names_of, name_cols


def _sides(prep: Prepared, port: int, protocol: Protocol) -> _Sides:
    if prep.tiers is not None:
        return _tiered_sides(prep, prep.tiers, port, protocol)
    part = prep.part
    n_classes = prep.n_classes
    unknown = [c.ip_unknown for c in part.classes]
    space = prep.space
    columns = prep.columns
    everything = columns.everything
    # Named ports of each class that resolve to exactly this port and protocol.
    names_of, name_cols = _port_names(prep, port, protocol)
    unknown_names = sorted({names_of[k] for k in range(n_classes) if unknown[k]}, key=sorted)

    # Egress: one row over destination columns per distinct set of isolating policies.
    eg_policies = prep.eg_policies
    grants = _np_egress_grants(prep, port, protocol, name_cols)
    eg_index: dict[int, int] = {}
    eg_rows: list[int] = []
    # Per row, per named-port set of unknown-IP destinations: how ipBlocks cover the pod space.
    eg_cover: list[dict[frozenset[str], dict[Family, tuple[bool, bool]]]] = []
    eg_row_of_class: list[int] = []
    for k in range(n_classes):
        pattern = prep.eg_pattern[k]
        if pattern not in eg_index:
            eg_index[pattern] = len(eg_rows)
            row = everything if pattern == 0 else 0
            for p in iter_bits(pattern):
                row |= grants[p]
            eg_rows.append(row)
            cover: dict[frozenset[str], dict[Family, tuple[bool, bool]]] = {}
            for names in unknown_names:
                ranges = [
                    r
                    for p in iter_bits(pattern)
                    for rule in eg_policies[p].egress
                    if rule_ports_match(rule, port, protocol, names)
                    for r in block_ranges(rule)
                ]
                cover[names] = space_cover(ranges, space)
            eg_cover.append(cover)
        eg_row_of_class.append(eg_index[pattern])

    # Ingress: one row over source columns per (isolating policies, named ports) of a class.
    in_policies = prep.in_policies
    in_index: dict[tuple[int, frozenset[str]], int] = {}
    in_rows: list[int] = []
    in_cover: list[dict[Family, tuple[bool, bool]]] = []
    in_row_of_class: list[int] = []
    for k in range(n_classes):
        key = (prep.in_pattern[k], names_of[k])
        if key not in in_index:
            in_index[key] = len(in_rows)
            row = everything if key[0] == 0 else 0
            in_ranges: list[tuple[int, int]] = []
            for p in iter_bits(key[0]):
                policy = in_policies[p]
                for r, rule in enumerate(policy.ingress):
                    if rule_ports_match(rule, port, protocol, key[1]):
                        row |= prep.rule_peers(Direction.INGRESS, p, r)
                        if space:
                            in_ranges.extend(block_ranges(rule))
            in_rows.append(row)
            in_cover.append(space_cover(in_ranges, space) if space else {})
        in_row_of_class.append(in_index[key])
    return _Sides(
        names_of=names_of,
        unknown_names=unknown_names,
        eg_rows=eg_rows,
        eg_cover=eg_cover,
        eg_row_of_class=eg_row_of_class,
        in_rows=in_rows,
        in_cover=in_cover,
        in_row_of_class=in_row_of_class,
    )


def _np_egress_grants(prep: Prepared, port: int, protocol: Protocol, name_cols: dict[str, int]) -> list[int]:
    """Per egress-isolating NetworkPolicy: the destination columns its rules admit."""
    everything = prep.columns.everything
    grants: list[int] = []
    for p, policy in enumerate(prep.eg_policies):
        acc = 0
        for r, rule in enumerate(policy.egress):
            if ports_match_everywhere(rule, port, protocol):
                ports_ok = everything
            else:
                ports_ok = 0
                for name in port_names(rule, protocol):
                    ports_ok |= name_cols.get(name, 0)
            if ports_ok:
                acc |= prep.rule_peers(Direction.EGRESS, p, r) & ports_ok
        grants.append(acc)
    return grants


def _np_ingress_row(
    prep: Prepared, pattern: int, port: int, protocol: Protocol, names: frozenset[str]
) -> int:
    """The source columns the ingress-isolating policies ``pattern`` admit to a destination
    whose names resolving to the port are ``names``."""
    row = 0
    for p in iter_bits(pattern):
        for r, rule in enumerate(prep.in_policies[p].ingress):
            if rule_ports_match(rule, port, protocol, names):
                row |= prep.rule_peers(Direction.INGRESS, p, r)
    return row


def _tiered_sides(prep: Prepared, tiers: TierPrep, port: int, protocol: Protocol) -> _Sides:
    """`_sides` with tier policies: per side, the columns it must allow and those it may
    (`verifier.engine.columns.chain`) — no covers, unknown IPs have virtual columns."""
    n_classes = prep.n_classes
    everything = prep.columns.everything
    names_of, name_cols = _port_names(prep, port, protocol)
    optimistic = prep.optimistic or prep

    # Egress: a tier rule's named port resolves on the destination column.
    eg_walks: dict[int, Outcomes] = {}

    def eg_walk(p: int, _: frozenset[str]) -> Outcomes:
        found = eg_walks.get(p)
        if found is None:
            policy = tiers.policies[p]
            rules: list[WalkRule] = []
            for r, rule in enumerate(policy.egress):
                if tier_ports_everywhere(rule, port, protocol):
                    ok = everything
                else:
                    ok = 0
                    for name in tier_port_names(rule, protocol):
                        ok |= name_cols.get(name, 0)
                if ok:
                    sure, maybe = tiers.rule_peers(Direction.EGRESS, p, r)
                    rules.append((rule.action, sure & ok, maybe & ok, maybe_reason(policy, rule)))
            found = eg_walks[p] = rule_walk(rules, everything)
        return found

    must_grants = _np_egress_grants(prep, port, protocol, name_cols)
    may_grants = (
        _np_egress_grants(optimistic, port, protocol, name_cols)
        if prep.optimistic is not None
        else must_grants
    )
    eg_judge = SideJudge(tiers, eg_walk, everything)
    eg_index: dict[tuple[int, int, int], int] = {}
    eg_rows: list[int] = []
    eg_may: list[int] = []
    eg_row_of_class: list[int] = []
    for k in range(n_classes):
        key = (prep.eg_pattern[k], tiers.sure[k], tiers.maybe[k])
        if key not in eg_index:
            eg_index[key] = len(eg_rows)
            pattern, sure, maybe = key
            network_policy = None
            if pattern:
                must = may = 0
                for p in iter_bits(pattern):
                    must |= must_grants[p]
                    may |= may_grants[p]
                network_policy = (must, may)
            allow, deny = eg_judge.verdicts(network_policy, frozenset(), sure, maybe)
            eg_rows.append(everything & ~deny)
            eg_may.append(allow)
        eg_row_of_class.append(eg_index[key])

    # Ingress: a tier rule's named port resolves on the destination, the pod judged.
    in_walks: dict[tuple[int, frozenset[str]], Outcomes] = {}

    def in_walk(p: int, names: frozenset[str]) -> Outcomes:
        found = in_walks.get((p, names))
        if found is None:
            policy = tiers.policies[p]
            rules: list[WalkRule] = []
            for r, rule in enumerate(policy.ingress):
                if tier_ports_everywhere(rule, port, protocol) or tier_port_names(rule, protocol) & names:
                    sure, maybe = tiers.rule_peers(Direction.INGRESS, p, r)
                    rules.append((rule.action, sure, maybe, maybe_reason(policy, rule)))
            found = in_walks[(p, names)] = rule_walk(rules, everything)
        return found

    in_judge = SideJudge(tiers, in_walk, everything)
    np_rows: dict[tuple[int, frozenset[str]], tuple[int, int]] = {}
    in_index: dict[tuple[int, frozenset[str], int, int], int] = {}
    in_rows: list[int] = []
    in_may: list[int] = []
    in_row_of_class: list[int] = []
    for k in range(n_classes):
        in_key = (prep.in_pattern[k], names_of[k], tiers.sure[k], tiers.maybe[k])
        if in_key not in in_index:
            in_index[in_key] = len(in_rows)
            pattern, names, sure, maybe = in_key
            network_policy = None
            if pattern:
                network_policy = np_rows.get((pattern, names))
                if network_policy is None:
                    must = _np_ingress_row(prep, pattern, port, protocol, names)
                    may = (
                        _np_ingress_row(optimistic, pattern, port, protocol, names)
                        if prep.optimistic
                        else must
                    )
                    network_policy = np_rows[(pattern, names)] = (must, may)
            allow, deny = in_judge.verdicts(network_policy, names, sure, maybe)
            in_rows.append(everything & ~deny)
            in_may.append(allow)
        in_row_of_class.append(in_index[in_key])
    return _Sides(
        names_of=names_of,
        unknown_names=[],
        eg_rows=eg_rows,
        eg_cover=[],
        eg_row_of_class=eg_row_of_class,
        in_rows=in_rows,
        in_cover=[],
        in_row_of_class=in_row_of_class,
        eg_may=eg_may,
        in_may=in_may,
    )


def class_rows(prep: Prepared, port: int, protocol: Protocol) -> tuple[list[int], list[int]]:
    """The class-level matrix on ``port``/``protocol``: (allowed rows, conditional rows).

    Row ``a`` is a bitset over destination classes. A cell of a class with itself is what two
    *distinct* pods of that class get (self traffic is added when expanding to pods).
    Namespaces whose labels are unknown make a cell conditional when some but not every label
    set allows it (`Prepared.optimistic`).
    """
    if prep.tiers is not None:
        return _tiered_class_rows(prep, port, protocol)
    if prep.optimistic is not None:
        every, cond_every = _class_rows(prep, port, protocol)
        some, cond_some = _class_rows(prep.optimistic, port, protocol)
        return every, [
            (s | c | ce) & ~e for e, s, c, ce in zip(every, some, cond_some, cond_every, strict=True)
        ]
    return _class_rows(prep, port, protocol)


def _class_rows(prep: Prepared, port: int, protocol: Protocol) -> tuple[list[int], list[int]]:
    part = prep.part
    n_classes = prep.n_classes
    unknown = [c.ip_unknown for c in part.classes]
    space = prep.space
    space_families = tuple(sorted(space))
    class_cols = prep.class_cols
    size = prep.columns.size
    families = prep.families
    sides = _sides(prep, port, protocol)
    names_of, unknown_names = sides.names_of, sides.unknown_names
    eg_rows, eg_cover, eg_row_of_class = sides.eg_rows, sides.eg_cover, sides.eg_row_of_class
    in_rows, in_cover, in_row_of_class = sides.in_rows, sides.in_cover, sides.in_row_of_class

    # Fold columns into classes per family: e_some[f][egress row] over destination classes,
    # it_some[f][source class] over destination classes ("some address of that family").
    has = {f: from_indices((k for k, pf in enumerate(class_cols) if f in pf), n_classes) for f in families}
    if size == n_classes:
        # One column per class (column k is class k): folding is the identity, and one
        # transposition turns ingress rows into per-source rows for every family at once.
        e_some = {f: [row & has[f] for row in eg_rows] for f in families}
        by_source = transpose([in_rows[g] for g in in_row_of_class], n_classes)
        it_some = {f: [by_source[a] if f in class_cols[a] else 0 for a in range(n_classes)] for f in families}
    else:
        eg_fold = _fold(eg_rows, size, class_cols, families)
        in_fold = _fold(in_rows, size, class_cols, families)
        e_some = {f: transpose(eg_fold[f], len(eg_rows)) for f in families}
        it_some = {f: gather_columns(in_fold[f], len(in_rows), in_row_of_class) for f in families}
    e_every, it_every = e_some, it_some  # pods with known IPs have all their addresses at once

    unknown_mask = from_indices((k for k in range(n_classes) if unknown[k]), n_classes)
    if space:
        # Add what ipBlocks do to unknown-IP pods: "every" needs the whole pod space covered.
        with_names = {
            names: from_indices(
                (k for k in range(n_classes) if unknown[k] and names_of[k] == names), n_classes
            )
            for names in unknown_names
        }
        e_every = {f: list(rows) for f, rows in e_some.items()}
        e_some = {f: list(rows) for f, rows in e_some.items()}
        for r, cover in enumerate(eg_cover):
            for names, per_family in cover.items():
                for f, (all_in, any_in) in per_family.items():
                    if all_in:
                        e_every[f][r] |= with_names[names]
                    if any_in:
                        e_some[f][r] |= with_names[names]
        it_every = {f: list(rows) for f, rows in it_some.items()}
        it_some = {f: list(rows) for f, rows in it_some.items()}
        for f in space_families:
            every_dst = from_indices(
                (b for b in range(n_classes) if in_cover[in_row_of_class[b]][f][0]), n_classes
            )
            some_dst = from_indices(
                (b for b in range(n_classes) if in_cover[in_row_of_class[b]][f][1]), n_classes
            )
            for a in range(n_classes):
                if unknown[a]:
                    it_every[f][a] |= every_dst
                    it_some[f][a] |= some_dst

    all_classes = full(n_classes)
    known_mask = all_classes & ~unknown_mask
    allowed_rows: list[int] = []
    cond_rows: list[int] = []
    for a in range(n_classes):
        e = eg_row_of_class[a]
        e_any = 0
        i_any = 0
        for f in families:
            e_any |= e_some[f][e]
            i_any |= it_some[f][a]
        own = class_cols[a].keys()
        if not unknown[a]:
            acc = 0
            common = 0
            for f in own:
                acc |= has[f] & e_some[f][e] & it_some[f][a]
                common |= has[f]
            known_part = (acc | (e_any & i_any & ~common)) & known_mask
            ok_u, some_u = unknown_mask, 0
            for f in space_families:
                i_part = it_some[f][a] if f in own else i_any
                ok_u &= e_every[f][e] & i_part
                some_u |= e_some[f][e] & i_part
            allowed = known_part | ok_u
            some = known_part | (some_u & unknown_mask)
        else:
            ok_k, some_k = known_mask, 0
            ok_u, some_u = unknown_mask, 0
            for f in space_families:
                e_part = (has[f] & e_some[f][e]) | (~has[f] & e_any)
                ok_k &= it_every[f][a] & e_part
                some_k |= it_some[f][a] & e_part
                ok_u &= e_every[f][e] & it_every[f][a]
                some_u |= e_some[f][e] & it_some[f][a]
            allowed = ok_k | ok_u
            some = (some_k & known_mask) | (some_u & unknown_mask)
        allowed_rows.append(allowed & all_classes)
        cond_rows.append(some & ~allowed & all_classes)

    return allowed_rows, cond_rows


def _tiered_class_rows(prep: Prepared, port: int, protocol: Protocol) -> tuple[list[int], list[int]]:
    """`class_rows` with tier policies. Each side says per column what it must allow and what
    it may (`_tiered_sides`); an unknown IP's virtual columns stand for its addresses. A cell
    is allowed iff every address must allow it, conditional iff some address may but the
    cell is not allowed — the address rules of the module docstring, applied twice."""
    part = prep.part
    n_classes = prep.n_classes
    unknown = [c.ip_unknown for c in part.classes]
    space_families = tuple(sorted(prep.space))
    class_cols = prep.class_cols
    size = prep.columns.size
    families = prep.families
    sides = _tiered_sides(prep, cast(TierPrep, prep.tiers), port, protocol)
    assert sides.eg_may is not None and sides.in_may is not None
    eg_row_of_class, in_row_of_class = sides.eg_row_of_class, sides.in_row_of_class
    has = {f: from_indices((k for k, pf in enumerate(class_cols) if f in pf), n_classes) for f in families}

    one_column = size == n_classes  # column k is class k: folding is the identity

    def egress(rows: list[int], every: bool) -> dict[Family, list[int]]:
        """Per family and egress row: the destination classes (some / every address)."""
        if one_column:
            return {f: [row & has[f] for row in rows] for f in families}
        folded = _fold(rows, size, class_cols, families, unknown if every else None)
        return {f: transpose(folded[f], len(rows)) for f in families}

    def ingress(rows: list[int], every: bool) -> dict[Family, list[int]]:
        """Per family and source class: the destination classes admitting it."""
        if one_column:
            by_source = transpose([rows[g] for g in in_row_of_class], n_classes)
            return {
                f: [by_source[a] if f in class_cols[a] else 0 for a in range(n_classes)] for f in families
            }
        folded = _fold(rows, size, class_cols, families, unknown if every else None)
        return {f: gather_columns(folded[f], len(rows), in_row_of_class) for f in families}

    e_must, i_must = egress(sides.eg_rows, False), ingress(sides.in_rows, False)
    if sides.eg_may == sides.eg_rows and sides.in_may == sides.in_rows:
        e_may, i_may = e_must, i_must  # every verdict of this port is decided
    else:
        e_may, i_may = egress(sides.eg_may, False), ingress(sides.in_may, False)
    if any(unknown) and not one_column:
        e_every, i_every = egress(sides.eg_rows, True), ingress(sides.in_rows, True)
    else:
        e_every, i_every = e_must, i_must

    all_classes = full(n_classes)
    unknown_mask = from_indices((k for k in range(n_classes) if unknown[k]), n_classes)
    known_mask = all_classes & ~unknown_mask
    allowed_rows: list[int] = []
    cond_rows: list[int] = []
    for a in range(n_classes):
        e = eg_row_of_class[a]
        own = class_cols[a].keys()
        if not unknown[a]:
            levels = []
            for e_some, i_some in ((e_must, i_must), (e_may, i_may)):
                acc = common = e_any = i_any = 0
                for f in families:
                    e_any |= e_some[f][e]
                    i_any |= i_some[f][a]
                for f in own:
                    acc |= has[f] & e_some[f][e] & i_some[f][a]
                    common |= has[f]
                levels.append(((acc | (e_any & i_any & ~common)) & known_mask, i_any))
            (must_k, i_any_must), (may_k, i_any_may) = levels
            must_u, may_u = unknown_mask, 0
            for f in space_families:
                must_u &= e_every[f][e] & (i_must[f][a] if f in own else i_any_must)
                may_u |= e_may[f][e] & (i_may[f][a] if f in own else i_any_may)
            must = must_k | must_u
            may = may_k | (may_u & unknown_mask)
        else:
            e_any_must = e_any_may = 0
            for f in families:
                e_any_must |= e_must[f][e]
                e_any_may |= e_may[f][e]
            must_k, may_k = known_mask, 0
            must_u, may_u = unknown_mask, 0
            for f in space_families:
                must_k &= i_every[f][a] & ((has[f] & e_must[f][e]) | (~has[f] & e_any_must))
                may_k |= i_may[f][a] & ((has[f] & e_may[f][e]) | (~has[f] & e_any_may))
                must_u &= e_every[f][e] & i_every[f][a]
                may_u |= e_may[f][e] & i_may[f][a]
            must = must_k | must_u
            may = (may_k & known_mask) | (may_u & unknown_mask)
        allowed_rows.append(must & all_classes)
        cond_rows.append(may & ~must & all_classes)
    return allowed_rows, cond_rows


def class_columns(prep: Prepared, port: int, protocol: Protocol) -> tuple[list[int], list[int], list[int]]:
    """The class-level relation on ``port``/``protocol``, destination-major and deduplicated:
    (column id of each destination class, allowed source classes of each column, conditional
    source classes of each column). Destination classes share a column iff they admit
    exactly the same sources.

    In the common case — every class has exactly one address column, one address family and
    a known IP — no class × class matrix is ever built: a destination ``b`` admits source
    ``a`` iff ``a`` is in b's ingress row and b is in a's egress row, so the column of ``b``
    is ``ingress_row(b) & (union of the sources of every egress row holding b)``, and the
    pair (ingress row, egress rows holding b) identifies it. Otherwise the general
    `class_rows` is transposed.
    """
    n_classes = prep.n_classes
    index: dict[tuple[int, int], int] = {}
    allowed: list[int] = []
    cond: list[int] = []
    column_of: list[int] = []
    if (
        not prep.space
        and prep.columns.size == n_classes
        and len(prep.families) <= 1
        and (prep.optimistic is None or prep.tiers is not None)
    ):
        sides = _sides(prep, port, protocol)
        if sides.eg_may is not None and (sides.eg_may != sides.eg_rows or sides.in_may != sides.in_rows):
            return _tiered_direct_columns(sides, n_classes)
        # without tiers, or every verdict of this port decided: the rows are the allowed ones
        members: list[list[int]] = [[] for _ in sides.eg_rows]
        for a, e in enumerate(sides.eg_row_of_class):
            members[e].append(a)
        sources_of_row = [from_indices(m, n_classes) for m in members]
        holding = transpose(sides.eg_rows, n_classes)  # per destination: egress rows holding it
        unions: dict[int, int] = {}
        by_content: dict[int, int] = {}
        for b in range(n_classes):
            key = (sides.in_row_of_class[b], holding[b])
            c = index.get(key)
            if c is None:
                union = unions.get(holding[b])
                if union is None:
                    union = 0
                    for e in iter_bits(holding[b]):
                        union |= sources_of_row[e]
                    unions[holding[b]] = union
                content = sides.in_rows[key[0]] & union
                c = index[key] = by_content.setdefault(content, len(allowed))
                if c == len(allowed):
                    allowed.append(content)
                    cond.append(0)
            column_of.append(c)
        return column_of, allowed, cond
    rows, cond_rows = class_rows(prep, port, protocol)
    by_dst = transpose(rows, n_classes)
    cond_by_dst = transpose(cond_rows, n_classes) if any(cond_rows) else [0] * n_classes
    for b in range(n_classes):
        key = (by_dst[b], cond_by_dst[b])
        c = index.get(key)
        if c is None:
            c = index[key] = len(allowed)
            allowed.append(key[0])
            cond.append(key[1])
        column_of.append(c)
    return column_of, allowed, cond


def _tiered_direct_columns(sides: _Sides, n_classes: int) -> tuple[list[int], list[int], list[int]]:
    """The direct path of `class_columns` with tiers: the same per destination, once for
    what must be allowed and once for what may be."""
    assert sides.eg_may is not None and sides.in_may is not None
    members: list[list[int]] = [[] for _ in sides.eg_rows]
    for a, e in enumerate(sides.eg_row_of_class):
        members[e].append(a)
    sources_of_row = [from_indices(m, n_classes) for m in members]
    holding_must = transpose(sides.eg_rows, n_classes)
    holding_may = transpose(sides.eg_may, n_classes)
    unions: dict[int, int] = {}

    def union(holding: int) -> int:
        found = unions.get(holding)
        if found is None:
            found = 0
            for e in iter_bits(holding):
                found |= sources_of_row[e]
            unions[holding] = found
        return found

    index: dict[tuple[int, int, int], int] = {}
    by_content: dict[tuple[int, int], int] = {}
    allowed: list[int] = []
    cond: list[int] = []
    column_of: list[int] = []
    for b in range(n_classes):
        key = (sides.in_row_of_class[b], holding_must[b], holding_may[b])
        c = index.get(key)
        if c is None:
            must = sides.in_rows[key[0]] & union(key[1])
            may = sides.in_may[key[0]] & union(key[2])
            content = (must, may & ~must)
            c = index[key] = by_content.setdefault(content, len(allowed))
            if c == len(allowed):
                allowed.append(content[0])
                cond.append(content[1])
        column_of.append(c)
    return column_of, allowed, cond


def expand_to_pods(
    part: Partition, allowed_rows: list[int], cond_rows: list[int]
) -> tuple[tuple[int, ...], tuple[tuple[int, int], ...]]:
    """Pod-level rows (self traffic added, except for replicated templates, whose diagonal is
    replica-to-replica traffic) and conditional (source, destination) pod pairs."""
    n_classes = len(part.classes)
    n = len(part.pods)
    class_of = list(part.class_of)
    singletons = n_classes == n  # then class k is pod k: classes are numbered in pod order

    def expand(rows: list[int]) -> list[int]:
        return rows if singletons else gather_columns(rows, n_classes, class_of)

    pod_allowed = expand(allowed_rows)
    own = [0 if pod.replicated else 1 << s for s, pod in enumerate(part.pods)]
    rows = tuple(pod_allowed[class_of[s]] | own[s] for s in range(n))
    conditional: list[tuple[int, int]] = []
    if any(cond_rows):
        pod_cond = expand(cond_rows)
        for s in range(n):
            bits = pod_cond[class_of[s]] & ~own[s]
            conditional.extend((s, j) for j in iter_bits(bits))
    return rows, tuple(conditional)


def compute_matrix(cluster: Cluster, port: int, protocol: Protocol, options: AnalysisOptions) -> MatrixResult:
    """Which inventory pod may reach which on ``port``/``protocol`` (see the module docstring)."""
    part = equivalence_classes(cluster, options, port=port, protocol=protocol)
    prep = prepare(cluster, options, part)
    allowed_rows, cond_rows = class_rows(prep, port, protocol)
    rows, conditional = expand_to_pods(part, allowed_rows, cond_rows)
    warnings = prep.tiers.warnings() if prep.tiers is not None and conditional else ()
    return MatrixResult(
        port=port,
        protocol=protocol,
        endpoints=tuple(p.key for p in part.pods),
        rows=rows,
        conditional=conditional,
        warnings=warnings,
    )


__all__ = [
    "Prepared",
    "class_columns",
    "class_rows",
    "compute_matrix",
    "expand_to_pods",
    "ports_match_everywhere",
    "prepare",
    "rule_ports_match",
]
