"""``lint`` on the cluster-wide tiers (NV018-NV024, `verifier.query.lint_tiers`): each finding
on a hand-built cluster that triggers it and a near miss that must not; the selector algebra
checked exhaustively against label sets; and hypothesis checks that every rule reported as
never applying really never fires (the oracle's trace) and that every same-priority witness
is left undecided by the oracle."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tests.strategies import (
    EXTERNAL_POOL,
    POD_LABELS,
    PORT_POOL,
    expr,
    make_cluster,
    make_node,
    make_pod,
    make_policy,
    make_tier_policy,
    rule,
    sel,
    selectors,
    t_domains,
    t_named,
    t_namespaces,
    t_networks,
    t_nodes,
    t_pods,
    t_port,
    t_rule,
    tiered_clusters,
)
from verifier.cli import app
from verifier.model import (
    Action,
    AnalysisOptions,
    Cluster,
    ContainerPort,
    Direction,
    LabelSelector,
    Protocol,
    Tier,
    TierPeer,
    TierPolicy,
    TierRule,
    key_to_ip,
    parse_network,
)
from verifier.oracle import decide, external_endpoint, pod_endpoint, trace
from verifier.query.lint import lint
from verifier.query.lint_tiers import (
    peer_pair,
    same_priority_conflicts,
    selector_subset,
    shadowed_rules,
    solve_labels,
    subject_pair,
)
from verifier.results import Endpoint, EndpointKind, Finding, Flow, LintReport

TIER_IDS = ("NV018", "NV019", "NV020", "NV021", "NV022", "NV023", "NV024")

A = make_pod("x", "a", {"app": "a"}, ["10.0.0.1"])
B = make_pod("y", "b", {"app": "b", "tier": "web"}, ["10.0.0.2"], [("http", 80)])
C = make_pod("y", "c", {"app": "c"}, ["10.0.0.3"])


def run_lint(cluster: Cluster, **options: object) -> LintReport:
    return lint(cluster, AnalysisOptions(**options))  # type: ignore[arg-type]


def tier_findings(cluster: Cluster, **options: object) -> list[Finding]:
    return [f for f in run_lint(cluster, **options).findings if f.id in TIER_IDS]


def found(cluster: Cluster, code: str, **options: object) -> dict[str, Finding]:
    return {f.object: f for f in tier_findings(cluster, **options) if f.id == code}


# --- the selector algebra ----------------------------------------------------------------------

_KEYS = sorted(POD_LABELS)
_VALUES = {k: (None, *POD_LABELS[k], "zz", "other") for k in _KEYS}
LABEL_SETS = [
    {k: v for k, v in zip(_KEYS, combo, strict=True) if v is not None}
    for combo in itertools.product(*(_VALUES[k] for k in _KEYS))
]


@settings(max_examples=300, deadline=None)
@given(selectors(POD_LABELS), selectors(POD_LABELS))
def test_selector_subset_is_exact(a: LabelSelector, b: LabelSelector) -> None:
    """Over every label set of the pool (which holds every value the selectors mention and
    one they do not), containment holds iff ``selector_subset`` says so."""
    brute = all(b.matches(labels) for labels in LABEL_SETS if a.matches(labels))
    assert selector_subset(a, b) == brute


@settings(max_examples=200, deadline=None)
@given(selectors(POD_LABELS), selectors(POD_LABELS))
def test_solve_labels_is_exact(a: LabelSelector, b: LabelSelector) -> None:
    solved = solve_labels([a, b])
    if solved is None:
        assert not any(a.matches(labels) and b.matches(labels) for labels in LABEL_SETS)
    else:
        assert a.matches(solved) and b.matches(solved)


def test_solve_labels_keeps_a_namespace_name() -> None:
    ns = solve_labels([sel(team="a")], present="kubernetes.io/metadata.name", fresh="fresh")
    assert ns == {"team": "a", "kubernetes.io/metadata.name": "fresh"}
    named = solve_labels(
        [sel({"kubernetes.io/metadata.name": "prod"})], present="kubernetes.io/metadata.name"
    )
    assert named == {"kubernetes.io/metadata.name": "prod"}
    assert (
        solve_labels(
            [sel(None, expr("kubernetes.io/metadata.name", "DoesNotExist"))],
            present="kubernetes.io/metadata.name",
        )
        is None
    )


# --- NV018: rules that never apply ------------------------------------------------------------


def test_a_rule_inside_an_earlier_rule_of_its_policy_is_shadowed() -> None:
    policy = make_tier_policy(
        "p",
        5,
        egress=[
            t_rule("Deny", [t_networks("10.0.0.0/8")], name="deny-10"),
            t_rule("Allow", [t_networks("10.1.0.0/16")], [t_port(80)], name="allow-web"),
            t_rule("Deny", [t_networks("10.2.0.0/16", "10.3.0.0/16")], name="deny-more"),
        ],
    )
    hits = found(make_cluster([A], tier_policies=[policy]), "NV018")
    shadowed = hits["AdminNetworkPolicy/p allow-web"]
    assert shadowed.severity.value == "warning"
    assert "shadowed: never applies" in shadowed.message
    assert "Admin tier, priority 5, egress rule allow-web (Allow)" in shadowed.message
    assert "deny-10 (Deny)" in shadowed.message
    redundant = hits["AdminNetworkPolicy/p deny-more"]
    assert redundant.severity.value == "info" and "redundant" in redundant.message
    assert "AdminNetworkPolicy/p deny-10" not in hits


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        # a rule after a narrower rule: wider CIDR, wider ports, another protocol
        (
            t_rule("Allow", [t_networks("10.1.0.0/16")], [t_port(80)]),
            t_rule("Deny", [t_networks("10.0.0.0/8")]),
        ),
        (
            t_rule("Allow", [t_networks("10.1.0.0/16")], [t_port(80)]),
            t_rule("Deny", [t_networks("10.1.0.0/16")], [t_port(80, end=81)]),
        ),
        (
            t_rule("Allow", [t_networks("10.1.0.0/16")], [t_port(80)]),
            t_rule("Deny", [t_networks("10.1.0.0/16")], [t_port(80, "UDP")]),
        ),
        (t_rule("Allow", [t_pods(sel(app="a", tier="web"))]), t_rule("Deny", [t_pods(sel(app="a"))])),
        (t_rule("Allow", [t_pods(sel(app="a"))]), t_rule("Deny", [t_namespaces(sel(team="a"))])),
    ],
)
def test_a_rule_after_a_narrower_rule_is_not_shadowed(earlier: TierRule, later: TierRule) -> None:
    policy = make_tier_policy("p", 5, egress=[earlier, later])
    assert found(make_cluster([A], tier_policies=[policy]), "NV018") == {}


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        (t_pods(sel(app="a")), t_pods(sel(app="a", tier="web"))),  # matchLabels subset
        (t_pods(sel(None, expr("app", "In", "a", "b"))), t_pods(sel(app="b"))),
        (t_pods(sel(None, expr("app", "NotIn", "c"))), t_pods(sel(None, expr("app", "In", "a", "b")))),
        (t_pods(sel(None, expr("app", "Exists"))), t_pods(sel(app="a"))),
        (t_namespaces(), t_pods(sel(app="a"), sel(team="a"))),  # every namespace holds the pods
        (t_namespaces(sel(team="a")), t_pods(sel(app="a"), sel(team="a", env="prod"))),
        (t_pods(LabelSelector(), sel(team="a")), t_namespaces(sel(team="a"))),  # pods {} = all pods
    ],
)
def test_selector_containment_shadows(earlier: TierPeer, later: TierPeer) -> None:
    policy = make_tier_policy("p", 1, ingress=[t_rule("Deny", [earlier]), t_rule("Allow", [later])])
    assert set(found(make_cluster([A], tier_policies=[policy]), "NV018")) == {
        "AdminNetworkPolicy/p ingress[1]"
    }


@pytest.mark.parametrize(
    ("earlier", "later"),
    [
        (t_pods(sel(app="a", tier="web")), t_pods(sel(app="a"))),
        (t_pods(sel(app="b")), t_pods(sel(None, expr("app", "In", "a", "b")))),
        (t_pods(sel(None, expr("app", "NotIn", "c"))), t_pods(sel(None, expr("app", "Exists")))),
        (t_pods(sel(app="a")), t_namespaces(sel(team="a"))),
        (t_namespaces(sel(team="a")), t_pods(sel(app="a"))),  # the pods of any namespace
    ],
)
def test_selector_non_containment_does_not_shadow(earlier: TierPeer, later: TierPeer) -> None:
    policy = make_tier_policy("p", 1, ingress=[t_rule("Deny", [earlier]), t_rule("Allow", [later])])
    assert found(make_cluster([A], tier_policies=[policy]), "NV018") == {}


def test_ports_and_peer_kinds() -> None:
    cases: list[tuple[TierRule, TierRule, bool]] = [
        # every port of every protocol covers a named port; the same name covers it
        (t_rule("Deny", [t_namespaces()]), t_rule("Allow", [t_namespaces()], [t_named("http")]), True),
        (
            t_rule("Deny", [t_namespaces()], [t_named("http")]),
            t_rule("Allow", [t_namespaces()], [t_named("http", "TCP")]),
            True,
        ),
        (
            t_rule("Deny", [t_namespaces()], [t_named("http", "TCP")]),
            t_rule("Allow", [t_namespaces()], [t_named("http")]),
            False,
        ),
        (
            t_rule("Deny", [t_namespaces()], [t_named("http")]),
            t_rule("Allow", [t_namespaces()], [t_port(80)]),
            False,
        ),
        (
            t_rule("Deny", [t_namespaces()], [t_port(1, end=100), t_port(90, end=200)]),
            t_rule("Allow", [t_namespaces()], [t_port(50, end=150)]),
            True,
        ),
        # a domainNames peer never matches for sure: it covers nothing
        (t_rule("Allow", [t_domains("example.com")]), t_rule("Deny", [t_networks("8.8.8.8/32")]), False),
        # ... and only every address of both families covers it
        (t_rule("Deny", [t_networks("0.0.0.0/0")]), t_rule("Allow", [t_domains("example.com")]), False),
        (
            t_rule("Deny", [t_networks("0.0.0.0/0", "::/0")]),
            t_rule("Allow", [t_domains("example.com")]),
            True,
        ),
        (
            t_rule("Deny", [t_nodes(sel(role="worker"))]),
            t_rule("Allow", [t_nodes(sel(role="worker", zone="a"))]),
            True,
        ),
        (
            t_rule("Deny", [t_nodes(sel(role="worker", zone="a"))]),
            t_rule("Allow", [t_nodes(sel(role="worker"))]),
            False,
        ),
        # pods never match networks for sure (a pod's IP may be unknown)
        (t_rule("Deny", [t_networks("0.0.0.0/0", "::/0")]), t_rule("Allow", [t_pods()]), False),
        (t_rule("Deny", [t_pods()]), t_rule("Allow", [t_networks("10.0.0.0/8")]), False),
        # one peer of the later rule uncovered: not shadowed
        (
            t_rule("Deny", [t_networks("10.0.0.0/8")]),
            t_rule("Allow", [t_networks("10.0.0.0/8"), t_namespaces()]),
            False,
        ),
    ]
    for earlier, later, shadowed in cases:
        policy = make_tier_policy("p", 1, egress=[earlier, later])
        hits = found(make_cluster([A], tier_policies=[policy]), "NV018")
        assert bool(hits) == shadowed, (earlier, later, hits)


def test_a_higher_precedence_policy_covering_the_subject_shadows() -> None:
    wide = make_tier_policy("wide", 1, ingress=[t_rule("Allow", [t_namespaces()], name="all")])
    narrow = make_tier_policy(
        "narrow", 2, pods=sel(app="b"), ingress=[t_rule("Deny", [t_pods(sel(app="a"))], name="no-a")]
    )
    hits = found(make_cluster([A, B], tier_policies=[wide, narrow]), "NV018")
    finding = hits["AdminNetworkPolicy/narrow no-a"]
    assert finding.severity.value == "warning"
    assert "AdminNetworkPolicy/wide (priority 1) ingress rule all (Allow)" in finding.message
    assert "Admin tier, priority 2, ingress rule no-a (Deny)" in finding.message
    # Baseline: a Baseline-tier ClusterNetworkPolicy comes before the BaselineAdminNetworkPolicy
    cnp = make_tier_policy(
        "b0", 3, tier="Baseline", kind="ClusterNetworkPolicy", egress=[t_rule("Deny", [t_namespaces()])]
    )
    banp = make_tier_policy(
        "default", tier="Baseline", egress=[t_rule("Allow", [t_pods(sel(app="a"))], name="to-a")]
    )
    hits = found(make_cluster([A, B], tier_policies=[cnp, banp]), "NV018")
    assert (
        "Baseline tier, no priority, egress rule to-a (Allow)"
        in hits["BaselineAdminNetworkPolicy/default to-a"].message
    )


def test_no_shadowing_across_same_priority_narrower_subjects_or_tiers() -> None:
    rule_all = t_rule("Deny", [t_namespaces()])
    same = [make_tier_policy("p1", 5, ingress=[rule_all]), make_tier_policy("p2", 5, ingress=[rule_all])]
    narrower = [
        make_tier_policy("p1", 1, pods=sel(app="a"), ingress=[rule_all]),
        make_tier_policy("p2", 2, ingress=[rule_all]),
    ]
    tiers = [
        make_tier_policy("p1", 1, ingress=[rule_all]),
        make_tier_policy("default", tier="Baseline", ingress=[rule_all]),
    ]
    for policies in (same, narrower, tiers):
        assert found(make_cluster([A], tier_policies=policies), "NV018") == {}, policies


def _endpoints(cluster: Cluster) -> list[Endpoint]:
    eps = [pod_endpoint(cluster, p, ip) for p in cluster.pods for ip in (p.ips or (None,))]
    addresses = set(EXTERNAL_POOL)
    for node in cluster.nodes:
        addresses.update(str(a) for a in node.addresses)
    for policy in cluster.tier_policies:
        for rule_ in policy.ingress + policy.egress:
            for peer in rule_.peers:
                for lo, hi in peer.network_ranges():
                    addresses.update(str(key_to_ip(k)) for k in (lo, hi))
    pod_ips = {str(ip) for p in cluster.pods for ip in p.ips}
    return eps + [external_endpoint(a) for a in sorted(addresses - pod_ips)]


def _ports(rule_: TierRule) -> list[tuple[int, Protocol]]:
    numbers = set(PORT_POOL)
    for entry in rule_.ports or ():
        rng = entry.numeric_range()
        if rng is not None:
            numbers.update(n for n in (rng[0] - 1, rng[0], rng[1], rng[1] + 1) if 1 <= n <= 65535)
    return [(n, p) for n in sorted(numbers) for p in Protocol]


def _rule_fires(view: Cluster, flow: Flow, key: tuple[str, Direction, int]) -> bool:
    egress, ingress, _ = trace(view, flow, reasons=False)
    for side in (egress, ingress):
        if side is None:
            continue
        for check in (*side.admin, *side.baseline):
            if check.reached and check.selects:
                for r in check.rules:
                    if r.fired and (r.rule.policy, r.rule.direction, r.rule.index) == key:
                        return True
    return False


def _flows_matching(
    cluster: Cluster, tier_rule: TierRule, subject: Callable[[Endpoint], bool], extra: list[Endpoint]
) -> Iterator[Flow]:
    endpoints = _endpoints(cluster) + extra
    for governed in endpoints:
        if not governed.is_pod or not subject(governed):
            continue
        for other in endpoints:
            if other.same_pod(governed):
                continue
            for number, protocol in _ports(tier_rule):
                egress = tier_rule.direction is Direction.EGRESS
                src, dst = (governed, other) if egress else (other, governed)
                if tier_rule.matches(other, number, protocol, dst, cluster.nodes) is False:
                    continue  # it cannot fire on a flow it does not match
                yield Flow(source=src, destination=dst, port=number, protocol=protocol)


def _narrowed(draw: st.DrawFn, earlier: TierRule) -> TierRule:
    """A rule matching a subset of what ``earlier`` matches (some of its peers, its ports or
    one port), with any action: shadowed when nothing else intervenes."""
    peers = draw(
        st.lists(st.sampled_from(earlier.peers), min_size=1, max_size=len(earlier.peers), unique=True)
    )
    if earlier.ports is None:
        ports = draw(
            st.none()
            | st.builds(
                lambda n, p: [t_port(n, p)], st.sampled_from(PORT_POOL), st.sampled_from(("TCP", "UDP"))
            )
        )
    else:
        ports = draw(st.just(list(earlier.ports)) | st.just(list(earlier.ports[:1])))
    return t_rule(draw(st.sampled_from(("Allow", "Deny", "Pass"))), peers, ports)


@st.composite
def shadowy_clusters(draw: st.DrawFn) -> Cluster:
    """`tiered_clusters` where a policy gets one or two more rules, each a narrowed copy of a
    rule of its own or of another policy of its tier (covering its subject or not)."""
    cluster = draw(tiered_clusters(max_pods=4, max_policies=1, max_admin=3))
    policies = list(cluster.tier_policies)
    for _ in range(draw(st.integers(1, 2))):
        if not policies:
            break
        i = draw(st.integers(0, len(policies) - 1))
        target = policies[i]
        sources = [
            (q, r)
            for q in policies
            if q.tier is target.tier
            for r in q.ingress + q.egress
            if target.tier is Tier.ADMIN or r.action is not Action.PASS
        ]
        if not sources:
            continue
        _, earlier = draw(st.sampled_from(sources))
        added = _narrowed(draw, earlier)
        if target.tier is Tier.BASELINE and added.action is Action.PASS:
            added = added.model_copy(update={"action": Action.DENY, "action_written": "Deny"})
        field = "ingress" if earlier.direction is Direction.INGRESS else "egress"
        rules = target.rules(earlier.direction)
        placed = added.model_copy(update={"direction": earlier.direction, "index": len(rules)})
        policies[i] = target.model_copy(update={field: (*rules, placed)})
    return cluster.model_copy(update={"tier_policies": tuple(policies)})


def _hypothetical_pods(cluster: Cluster, policy: TierPolicy, tier_rule: TierRule) -> list[Endpoint]:
    """A new pod the policy's subject selects, and new pods the rule's selector peers match
    (with an address in its CIDRs when it has some): the inventory may hold none."""
    nets = [k for p in tier_rule.peers for lo, hi in p.network_ranges() for k in (lo, hi)]
    ip = key_to_ip(nets[0]) if nets else None
    pairs = [subject_pair(policy.subject)] + [pr for p in tier_rule.peers if (pr := peer_pair(p)) is not None]
    out = []
    for i, (ns_sel, pod_sel) in enumerate(pairs):
        ns = solve_labels([ns_sel], present="kubernetes.io/metadata.name", fresh=f"new{i}")
        labels = solve_labels([pod_sel])
        if ns is None or labels is None:
            continue
        out.append(
            Endpoint(
                kind=EndpointKind.NEW_POD,
                ip=ip,
                namespace=ns["kubernetes.io/metadata.name"],
                name=f"new{i}",
                labels=labels,
                namespace_labels=ns,
                ports=(
                    ContainerPort(name="http", port=80),
                    ContainerPort(name="dns", port=53, protocol=Protocol.UDP),
                ),
            )
        )
    return out


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(st.one_of(tiered_clusters(max_pods=4, max_policies=1, max_admin=3), shadowy_clusters()))
def test_a_rule_reported_as_never_applying_never_fires(cluster: Cluster) -> None:
    """Every flow between the pods (of the input, and new ones the subject and the rule's
    peers select), the rules' addresses and the external pool, on the rules' ports and the
    pool, that a reported rule matches: the oracle's walk of its tier (alone, without
    NetworkPolicies, so that the Baseline tier is reached) never fires it."""
    reported = shadowed_rules(cluster)
    event(f"shadowed rules: {min(len(reported), 3)}")
    if any(any(q is not s.policy for q, _ in s.by) for s in reported):
        event("shadowed by another policy")
    for s in reported:
        view = cluster.model_copy(
            update={
                "policies": (),
                "tier_policies": tuple(p for p in cluster.tier_policies if p.tier is s.policy.tier),
            }
        )
        key = (s.policy.key, s.rule.direction, s.rule.index)
        extra = _hypothetical_pods(view, s.policy, s.rule)
        for flow in _flows_matching(view, s.rule, s.policy.selects, extra):
            assert not _rule_fires(view, flow, key), (key, str(flow), [(q.key, e.label) for q, e in s.by])


def test_shadowing_is_found_on_random_clusters_too() -> None:
    """The hypothesis test above is not vacuous: a cluster like the ones it draws."""
    cluster = make_cluster(
        [A, B],
        tier_policies=[
            make_tier_policy("admin0", 1, egress=[t_rule("Pass", [t_networks("0.0.0.0/0")])]),
            make_tier_policy(
                "admin1", 2, egress=[t_rule("Allow", [t_networks("10.0.0.0/30")], [t_port(80)])]
            ),
        ],
    )
    [s] = shadowed_rules(cluster)
    assert (s.policy.name, s.rule.index, s.redundant) == ("admin1", 0, False)


# --- NV019: same-priority conflicts ---------------------------------------------------------------


def _conflicting(
    priority_b: int = 5, action_b: str = "Deny", subject_b: LabelSelector | None = None
) -> list[TierPolicy]:
    allow = make_tier_policy(
        "allow-x", 5, ingress=[t_rule("Allow", [t_namespaces(sel(team="a"))], name="from-team-a")]
    )
    deny = make_tier_policy(
        "deny-a",
        priority_b,
        pods=subject_b,
        ingress=[t_rule(action_b, [t_pods(sel(app="a"))], name="no-app-a")],
    )
    return [allow, deny]


def test_same_priority_different_actions_with_an_inventory_witness() -> None:
    cluster = make_cluster([A, B], namespaces={"x": {"team": "a"}, "y": {}}, tier_policies=_conflicting())
    hits = found(cluster, "NV019")
    finding = hits["AdminNetworkPolicy/allow-x from-team-a"]
    assert finding.severity.value == "warning"
    assert "AdminNetworkPolicy/allow-x and AdminNetworkPolicy/deny-a share the priority" in finding.message
    assert "AdminNetworkPolicy/deny-a ingress rule no-app-a (Deny)" in finding.message
    assert "a flow of the input: x/a (10.0.0.1) -> y/b (10.0.0.2) 80/TCP" in finding.message
    # the witness really is undecided
    flow = Flow(
        source=pod_endpoint(cluster, A), destination=pod_endpoint(cluster, B), port=80, protocol=Protocol.TCP
    )
    assert "same-priority conflict" in decide(cluster, flow).undecided


def test_same_priority_conflict_without_pods_has_a_hypothetical_witness() -> None:
    cluster = make_cluster([], namespaces={"x": {"team": "a"}}, tier_policies=_conflicting())
    [finding] = found(cluster, "NV019").values()
    assert "a hypothetical flow" in finding.message and "new pod" in finding.message


@pytest.mark.parametrize(
    "policies",
    [
        _conflicting(priority_b=6),  # different priorities: the lower number decides
        _conflicting(action_b="Allow"),  # same action
    ],
)
def test_no_conflict_reported(policies: list[TierPolicy]) -> None:
    cluster = make_cluster([A, B], namespaces={"x": {"team": "a"}, "y": {}}, tier_policies=policies)
    assert found(cluster, "NV019") == {}


def test_a_conflict_no_pod_of_the_input_shows_gets_a_hypothetical_witness() -> None:
    policies = _conflicting(subject_b=sel(app="nobody-has-this"))
    cluster = make_cluster([A, B], namespaces={"x": {"team": "a"}, "y": {}}, tier_policies=policies)
    [finding] = found(cluster, "NV019").values()
    assert "a hypothetical flow" in finding.message and "app=nobody-has-this" in finding.message


def test_disjoint_subjects_never_conflict() -> None:
    a = make_tier_policy("pa", 5, namespaces=sel(team="a"), ingress=[t_rule("Allow", [t_namespaces()])])
    b = make_tier_policy(
        "pb",
        5,
        namespaces=sel(None, expr("team", "DoesNotExist")),
        ingress=[t_rule("Deny", [t_namespaces()])],
    )
    cluster = make_cluster([A, B], namespaces={"x": {"team": "a"}, "y": {}}, tier_policies=[a, b])
    assert found(cluster, "NV019") == {}


def test_a_conflict_that_changes_no_verdict_is_not_reported() -> None:
    # Pass vs Deny for the pods of x and y, where NetworkPolicies deny anyway: decided
    mine = sel(None, expr("kubernetes.io/metadata.name", "In", "x", "y"))
    p = make_tier_policy("p", 5, namespaces=mine, ingress=[t_rule("Pass", [t_namespaces()])])
    q = make_tier_policy("q", 5, namespaces=mine, ingress=[t_rule("Deny", [t_namespaces()])])
    deny_all = make_policy("x", "deny", LabelSelector(), ingress=[])
    deny_all_y = make_policy("y", "deny", LabelSelector(), ingress=[])
    cluster = make_cluster([A, B], [deny_all, deny_all_y], tier_policies=[p, q])
    assert found(cluster, "NV019") == {}


@st.composite
def same_priority_clusters(draw: st.DrawFn) -> Cluster:
    """`tiered_clusters` with every Admin-tier policy at priority 1: conflicts are frequent."""
    cluster = draw(tiered_clusters(max_pods=4, max_policies=1, max_admin=3))
    flat = tuple(
        p.model_copy(update={"priority": 1}) if p.tier is Tier.ADMIN else p for p in cluster.tier_policies
    )
    return cluster.model_copy(update={"tier_policies": flat})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(same_priority_clusters())
def test_every_conflict_witness_is_undecided(cluster: Cluster) -> None:
    conflicts = same_priority_conflicts(cluster)
    event(f"conflicts: {min(len(conflicts), 2)}")
    for c in conflicts:
        decision = decide(cluster, c.flow)
        side = decision.egress if c.direction is Direction.EGRESS else decision.ingress
        assert decision.undecided and side is not None
        assert f"same-priority conflict in the {c.tier.value} tier" in side.undecided
        assert c.first.priority == c.second.priority and c.first.tier is c.second.tier


# --- NV020: Pass with nothing behind it ----------------------------------------------------------


def test_pass_with_nothing_behind_is_allow() -> None:
    passing = make_tier_policy(
        "p", 5, pods=sel(app="a"), egress=[t_rule("Pass", [t_namespaces()], name="delegate")]
    )
    hits = found(make_cluster([A, B], tier_policies=[passing]), "NV020")
    finding = hits["AdminNetworkPolicy/p delegate"]
    assert "equivalent to Allow" in finding.message and "x/a" in finding.message
    assert finding.severity.value == "info"


def test_pass_with_a_network_policy_or_baseline_behind_is_fine() -> None:
    passing = make_tier_policy("p", 5, pods=sel(app="a"), egress=[t_rule("Pass", [t_namespaces()])])
    np = make_policy("x", "np", sel(app="a"), egress=[rule()])
    only_ingress = make_policy("x", "np", sel(app="a"), ingress=[rule()])
    baseline = make_tier_policy("default", tier="Baseline", egress=[t_rule("Deny", [t_namespaces()])])
    assert found(make_cluster([A, B], [np], tier_policies=[passing]), "NV020") == {}
    assert found(make_cluster([A, B], tier_policies=[passing, baseline]), "NV020") == {}
    # an ingress-only NetworkPolicy leaves egress to the default: still Allow
    assert found(make_cluster([A, B], [only_ingress], tier_policies=[passing]), "NV020") != {}


# --- NV021: Baseline rules no pod reaches --------------------------------------------------------


def test_baseline_behind_network_policies_everywhere() -> None:
    banp = make_tier_policy("default", tier="Baseline", ingress=[t_rule("Deny", [t_namespaces()])])
    x = make_policy("x", "all", LabelSelector(), ingress=[rule()])
    y = make_policy("y", "all", LabelSelector(), ingress=[rule()])
    hits = found(make_cluster([A, B], [x, y], tier_policies=[banp]), "NV021")
    finding = hits["BaselineAdminNetworkPolicy/default"]
    assert "Ingress rules are reached by no pod" in finding.message and "x/a, y/b" in finding.message
    # one pod not isolated: the baseline decides its ingress
    assert found(make_cluster([A, B], [x], tier_policies=[banp]), "NV021") == {}
    # egress-only isolation does not hide ingress rules
    egress_only = make_policy("x", "eg", LabelSelector(), egress=[rule()], policy_types=["Egress"])
    assert found(make_cluster([A], [egress_only], tier_policies=[banp]), "NV021") == {}


# --- NV022: networks peers holding pod addresses -------------------------------------------------


def test_networks_peer_holding_pod_addresses() -> None:
    policy = make_tier_policy(
        "p", 5, egress=[t_rule("Deny", [t_networks("192.168.0.0/16", "10.0.0.0/30")], name="no-internet")]
    )
    hits = found(make_cluster([A, B, C], tier_policies=[policy]), "NV022")
    finding = hits["AdminNetworkPolicy/p no-internet peer[0]"]
    assert "3 pods of the input: x/a (10.0.0.1), y/b (10.0.0.2), y/c (10.0.0.3)" in finding.message
    assert "also denies pod traffic to them" in finding.message
    assert finding.severity.value == "warning"


def test_networks_peer_outside_the_pods_and_the_pod_cidr() -> None:
    policy = make_tier_policy("p", 5, egress=[t_rule("Allow", [t_networks("192.168.0.0/16")])])
    assert found(make_cluster([A, B], tier_policies=[policy]), "NV022") == {}
    # no pods, but --pod-cidr says where pods live
    hits = found(
        make_cluster([], tier_policies=[policy]), "NV022", pod_cidrs=(parse_network("192.168.0.0/20"),)
    )
    assert "the pod CIDR 192.168.0.0/20" in next(iter(hits.values())).message
    assert (
        found(make_cluster([], tier_policies=[policy]), "NV022", pod_cidrs=(parse_network("10.0.0.0/8"),))
        == {}
    )


# --- NV023, NV024: subjects and nodes peers that match nothing -----------------------------------


def test_subject_selecting_no_pod() -> None:
    nobody = make_tier_policy(
        "nobody", 5, namespaces=sel(team="zzz"), ingress=[t_rule("Deny", [t_namespaces()])]
    )
    somebody = make_tier_policy("somebody", 6, pods=sel(app="a"), ingress=[t_rule("Deny", [t_namespaces()])])
    hits = found(make_cluster([A, B], tier_policies=[nobody, somebody]), "NV023")
    assert set(hits) == {"AdminNetworkPolicy/nobody"}
    assert (
        "Admin tier, priority 5: its subject (namespaces team=zzz) selects no pod"
        in hits["AdminNetworkPolicy/nobody"].message
    )
    # without pods there is no inventory to judge by
    assert found(make_cluster([], tier_policies=[nobody]), "NV023") == {}
    # a namespace whose labels are unknown may carry team=zzz
    assert found(make_cluster([A], tier_policies=[nobody], undeclared=["x"]), "NV023") == {}


def test_nodes_peer_without_nodes() -> None:
    policy = make_tier_policy(
        "p", 5, egress=[t_rule("Allow", [t_nodes(sel(role="worker"))], name="to-nodes")]
    )
    hits = found(make_cluster([A], tier_policies=[policy]), "NV024")
    assert "Nodes were not loaded" in hits["AdminNetworkPolicy/p to-nodes peer[0]"].message
    worker = make_node("n1", {"role": "worker"}, "192.168.1.3")
    infra = make_node("n2", {"role": "infra"}, "192.168.1.4")
    assert found(make_cluster([A], tier_policies=[policy], nodes=[worker]), "NV024") == {}
    [other] = found(make_cluster([A], tier_policies=[policy], nodes=[infra]), "NV024").values()
    assert "none of the input's 1 Node" in other.message


# --- through the CLI: text, JSON and SARIF, located at the rule ----------------------------------

MANIFEST = """\
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: egress-guard
spec:
  priority: 5
  subject:
    namespaces: {}
  egress:
  - name: deny-private
    action: Deny
    to:
    - networks: ["10.0.0.0/8"]
  - name: allow-web
    action: Allow
    to:
    - networks: ["10.1.0.0/16"]
    ports:
    - portNumber: {protocol: TCP, port: 80}
"""


def test_cli_reports_tier_findings_in_every_format(tmp_path: Path) -> None:
    path = tmp_path / "anp.yaml"
    path.write_text(MANIFEST, encoding="utf-8")
    runner = CliRunner()
    text = runner.invoke(app, ["lint", str(path)])
    assert text.exit_code == 0, text.output
    assert f"{path}:14:5: NV018 warning AdminNetworkPolicy/egress-guard allow-web:" in text.stdout
    data = json.loads(runner.invoke(app, ["lint", str(path), "-f", "json"]).stdout)
    [finding] = [f for f in data["findings"] if f["id"] == "NV018"]
    assert (finding["line"], finding["column"], finding["severity"]) == (14, 5, "warning")
    sarif = json.loads(runner.invoke(app, ["lint", str(path), "-f", "sarif"]).stdout)
    [result] = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "NV018"]
    region = result["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (14, 5)
    assert runner.invoke(app, ["lint", str(path), "--fail-on", "warning"]).exit_code == 1


def test_no_tier_findings_without_tiers() -> None:
    assert tier_findings(make_cluster([A, B], [make_policy("x", "np", LabelSelector(), ingress=[])])) == []


def test_pod_without_address_is_no_networks_witness() -> None:
    template = make_pod("x", "web[Deployment]", {"app": "a"}, [], kind="Deployment")
    policy = make_tier_policy("p", 5, egress=[t_rule("Deny", [t_networks("0.0.0.0/0")])])
    assert found(make_cluster([template], tier_policies=[policy]), "NV022") == {}


def test_nv009_does_not_say_all_allowed_when_a_tier_policy_judges_the_pods() -> None:
    pods = [make_pod("a", "p", {"app": "x"}, ["10.0.0.1"]), make_pod("b", "q", {"app": "y"}, ["10.0.0.2"])]
    guard = make_tier_policy(
        "guard", 5, namespaces=sel(env="prod"), ingress=[t_rule("Deny", [t_namespaces()])]
    )
    cluster = make_cluster(pods, [], {"a": {"env": "prod"}, "b": {"env": "dev"}}, tier_policies=[guard])
    texts = {
        f.object: f.message for f in run_lint(cluster).findings if f.id == "NV009" and "Ingress" in f.message
    }
    assert "tier policies decide (AdminNetworkPolicy/guard)" in texts["namespace a"]
    assert "all ingress allowed" in texts["namespace b"]
