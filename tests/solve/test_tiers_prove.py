"""The prover with cluster-wide tiers, case by case: a guardrail that holds for every pod that
could ever exist, Pass handing the flow to the NetworkPolicies, Baseline behind them, the two
ways a verdict is left to the implementation (same-priority conflict, domainNames) reported as
unknown with the example flow, ``networks`` on pod addresses, ``nodes`` peers; and the
region answers (diff, exposure) and lint over tiered inputs.
"""

from __future__ import annotations

import pytest

from tests.strategies import (
    make_cluster,
    make_node,
    make_pod,
    make_policy,
    make_tier_policy,
    pod_peer,
    rule,
    sel,
    t_domains,
    t_namespaces,
    t_networks,
    t_nodes,
    t_port,
    t_rule,
)
from verifier.model import AnalysisOptions, Cluster, IPBlock, PolicyPort, Protocol, Universe, parse_network
from verifier.model.tiers import TierPolicy
from verifier.oracle import decide
from verifier.query.check import check
from verifier.query.diff import diff
from verifier.query.exposure import destination_peer, exposure
from verifier.query.lint import lint
from verifier.results import PropertyResult, RegionStatus, RuleRef, TierRuleRef, Verdict
from verifier.spec import Expect, Property, SpecPeer

PROD = SpecPeer(namespace_selector=sel(env="prod"))
DEV = SpecPeer(namespace_selector=sel(env="dev"))
SPACES = {"prod": {"env": "prod"}, "dev": {"env": "dev"}}
WEB = make_pod("prod", "web", {"app": "web"}, ["10.0.0.1"])
DB = make_pod("dev", "db", {"app": "db"}, ["10.0.0.2"])
OTHER = make_pod("dev", "other", {"app": "other"}, ["10.0.0.3"])
ALLOW_ALL_INTO_DEV = make_policy("dev", "allow-all", sel(), ingress=[rule()])


def _guardrail(action: str = "Deny") -> TierPolicy:
    return make_tier_policy(
        "deny-dev",
        10,
        namespaces=sel(env="dev"),
        ingress=[t_rule(action, [t_namespaces(sel(env="prod"))], name="from-prod")],
    )


def _prove(cluster: Cluster, prop: Property, universe: Universe, **kw: object) -> PropertyResult:
    options = AnalysisOptions(universe=universe, **kw)  # type: ignore[arg-type]
    result = check(cluster, [prop], options).results[0]
    if result.flow is not None:
        decision = decide(cluster, result.flow, ipblock_pods=options.ipblock_pods)
        assert result.decision == decision
    return result


def _prop(expect: Expect, sources: SpecPeer | None, destinations: SpecPeer | None, **kw: object) -> Property:
    return Property(
        name="p",
        expect=expect,
        sources=(sources,) if sources is not None else None,
        destinations=(destinations,) if destinations is not None else None,
        **kw,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("universe", list(Universe))
def test_admin_deny_guardrail_holds_for_every_future_pod_despite_a_network_policy(universe: Universe) -> None:
    """dev's NetworkPolicy lets everything in; the Admin tier Deny comes first, so no pod that
    could ever exist in a prod-labelled namespace reaches any pod of a dev-labelled one."""
    prop = _prop(Expect.DENY, PROD, DEV)
    open_ = make_cluster([WEB, DB], [ALLOW_ALL_INTO_DEV], SPACES)
    assert _prove(open_, prop, universe).verdict is Verdict.VIOLATED
    guarded = open_.model_copy(update={"tier_policies": (_guardrail(),)})
    result = _prove(guarded, prop, universe)
    assert result.verdict is Verdict.HOLDS, result


def test_the_guardrail_changed_to_pass_hands_the_flow_to_the_network_policy() -> None:
    cluster = make_cluster([WEB, DB], [ALLOW_ALL_INTO_DEV], SPACES, tier_policies=[_guardrail("Pass")])
    result = _prove(cluster, _prop(Expect.DENY, PROD, SpecPeer(namespace="dev")), Universe.ANY)
    assert result.verdict is Verdict.VIOLATED
    assert result.flow is not None and result.flow.destination.namespace == "dev"
    allow_all = RuleRef(policy="dev/allow-all", direction=ALLOW_ALL_INTO_DEV.ingress[0].direction, index=0)
    assert allow_all in result.rules
    passed = [r for r in result.rules if isinstance(r, TierRuleRef)]
    assert [r.action for r in passed] == ["Pass"]
    ingress = [line for line in result.explanation if line.startswith("ingress at the destination")]
    assert ingress == [
        "ingress at the destination: allowed by dev/allow-all ingress[0] (the NetworkPolicy tier decided; "
        "the Admin tier passed it on (AdminNetworkPolicy/deny-dev (Admin tier, priority 10) ingress rule "
        "from-prod: Pass))"
    ]


def test_a_violated_allow_names_the_admin_rule_that_denied_it() -> None:
    deny_egress = make_tier_policy(
        "deny-dev",
        10,
        namespaces=sel(env="prod"),
        egress=[t_rule("Deny", [t_namespaces(sel(env="dev"))], name="deny-dev")],
    )
    cluster = make_cluster([WEB, DB], [], SPACES, tier_policies=[deny_egress])
    result = _prove(cluster, _prop(Expect.ALLOW, PROD, DEV), Universe.INVENTORY)
    assert result.verdict is Verdict.VIOLATED
    assert result.explanation[0] == (
        "egress at the source: denied by AdminNetworkPolicy/deny-dev (Admin tier, priority 10) egress rule deny-dev: Deny"
    )


@pytest.mark.parametrize("universe", list(Universe))
def test_baseline_deny_is_overridden_by_a_network_policy_that_selects_the_pod(universe: Universe) -> None:
    baseline = make_tier_policy(
        "default",
        tier="Baseline",
        namespaces=sel(),
        ingress=[t_rule("Deny", [t_namespaces()], name="deny-all")],
    )
    db_from_prod = make_policy(
        "dev", "db-from-prod", sel(app="db"), ingress=[rule([pod_peer(None, sel(env="prod"))])]
    )
    cluster = make_cluster([WEB, DB, OTHER], [db_from_prod], SPACES, tier_policies=[baseline])
    to_db = SpecPeer(namespace="dev", pod_selector=sel(app="db"))
    allowed = _prove(cluster, _prop(Expect.ALLOW, PROD, to_db), universe)
    assert allowed.verdict is Verdict.HOLDS, allowed
    to_others = SpecPeer(namespace="dev", pod_selector=sel(None))
    denied = _prove(
        cluster, _prop(Expect.DENY, PROD, SpecPeer(namespace="dev", pod_selector=sel(app="other"))), universe
    )
    assert denied.verdict is Verdict.HOLDS, denied
    witness = _prove(cluster, _prop(Expect.REACHABLE, PROD, to_others), universe)
    assert witness.verdict is Verdict.HOLDS
    violated = _prove(cluster, _prop(Expect.ALLOW, PROD, to_others), universe)
    assert violated.verdict is Verdict.VIOLATED
    line = next(x for x in violated.explanation if x.startswith("ingress"))
    assert "denied by BaselineAdminNetworkPolicy/default" in line and "ingress rule deny-all: Deny" in line
    assert "the Baseline tier decided" in line


def _conflict() -> Cluster:
    allow = make_tier_policy(
        "a-allow", 5, namespaces=sel(env="dev"), ingress=[t_rule("Allow", [t_namespaces()])]
    )
    deny = make_tier_policy(
        "b-deny", 5, namespaces=sel(env="dev"), ingress=[t_rule("Deny", [t_namespaces()])]
    )
    return make_cluster([WEB, DB], [], SPACES, tier_policies=[allow, deny])


@pytest.mark.parametrize("universe", list(Universe))
@pytest.mark.parametrize("expect", list(Expect))
def test_same_priority_allow_and_deny_is_unknown_with_the_conflict(
    universe: Universe, expect: Expect
) -> None:
    result = _prove(_conflict(), _prop(expect, PROD, DEV), universe)
    assert result.verdict is Verdict.UNKNOWN, result
    assert result.reason.startswith("same-priority conflict in the Admin tier (priority 5)"), result.reason
    assert (
        "AdminNetworkPolicy/a-allow (Allow)" in result.reason
        and "AdminNetworkPolicy/b-deny (Deny)" in result.reason
    )
    assert result.flow is not None and result.decision is not None
    assert result.decision.may_allow and not result.decision.allowed
    assert any("undecided by the manifests" in line for line in result.explanation)


def test_a_conflict_on_other_flows_leaves_a_decided_property_decided() -> None:
    """The conflict is on ingress into dev only: flows into prod are decided (allowed)."""
    result = _prove(_conflict(), _prop(Expect.ALLOW, DEV, PROD), Universe.ANY)
    assert result.verdict is Verdict.HOLDS


def _domains(first: str = "Allow", *, then_deny: bool = True) -> Cluster:
    rules = [t_rule(first, [t_domains("example.com")], name="names")]
    if then_deny:
        rules.append(t_rule("Deny", [t_networks("0.0.0.0/0", "::/0")], name="everything-else"))
    policy = make_tier_policy("egress", 1, namespaces=sel(), egress=rules)
    return make_cluster([WEB, DB], [], SPACES, tier_policies=[policy])


@pytest.mark.parametrize("universe", list(Universe))
def test_domain_names_allow_before_a_deny_is_unknown(universe: Universe) -> None:
    internet = SpecPeer(ip_block=IPBlock(cidr=parse_network("0.0.0.0/0")))
    for expect in Expect:
        result = _prove(_domains(), _prop(expect, PROD, internet), universe)
        assert result.verdict is Verdict.UNKNOWN, result
        assert "domainNames" in result.reason and "names: Allow" in result.reason, result.reason
        assert result.flow is not None and not result.flow.destination.is_pod
    # pods are never a domainNames match: the Deny decides pod-to-pod traffic
    assert _prove(_domains(), _prop(Expect.DENY, PROD, DEV), universe).verdict is Verdict.HOLDS


def test_a_domain_names_deny_alone_leaves_external_traffic_unknown_and_pods_decided() -> None:
    internet = SpecPeer(ip_block=IPBlock(cidr=parse_network("0.0.0.0/0")))
    cluster = _domains("Deny", then_deny=False)
    assert _prove(cluster, _prop(Expect.ALLOW, PROD, internet), Universe.INVENTORY).verdict is Verdict.UNKNOWN
    assert (
        _prove(cluster, _prop(Expect.REACHABLE, PROD, internet), Universe.INVENTORY).verdict
        is Verdict.UNKNOWN
    )
    deny = _prove(cluster, _prop(Expect.DENY, PROD, internet), Universe.INVENTORY)
    assert deny.verdict is Verdict.UNKNOWN
    assert _prove(cluster, _prop(Expect.ALLOW, PROD, DEV), Universe.INVENTORY).verdict is Verdict.HOLDS


@pytest.mark.parametrize("ipblock_pods", [True, False])
@pytest.mark.parametrize("universe", list(Universe))
def test_networks_deny_cuts_pod_traffic_whatever_ipblock_pods_says(
    ipblock_pods: bool, universe: Universe
) -> None:
    cut = make_tier_policy(
        "cut", 3, namespaces=sel(env="prod"), egress=[t_rule("Deny", [t_networks("10.0.0.0/30")])]
    )
    cluster = make_cluster([WEB, DB, OTHER], [], SPACES, tier_policies=[cut])
    kw = {"ipblock_pods": ipblock_pods, "pod_cidrs": (parse_network("10.0.0.0/24"),)}
    to_db = SpecPeer(pod="dev/db")  # 10.0.0.2: inside the /30
    assert _prove(cluster, _prop(Expect.DENY, PROD, to_db), universe, **kw).verdict is Verdict.HOLDS
    to_other = SpecPeer(pod="dev/other")  # 10.0.0.3: inside too
    assert _prove(cluster, _prop(Expect.DENY, PROD, to_other), universe, **kw).verdict is Verdict.HOLDS
    # in `any`, a future dev pod may sit outside the /30: reachable
    future = _prove(cluster, _prop(Expect.REACHABLE, PROD, DEV), universe, **kw)
    expected = Verdict.HOLDS if universe is Universe.ANY else Verdict.VIOLATED
    assert future.verdict is expected, future
    if universe is Universe.ANY:
        assert future.flow is not None and future.flow.destination.ip not in parse_network("10.0.0.0/30")


def test_nodes_egress_peer_matches_the_selected_nodes_addresses_only() -> None:
    policy = make_tier_policy(
        "no-kubelet",
        1,
        namespaces=sel(),
        egress=[t_rule("Deny", [t_nodes(sel(role="worker"))], [t_port(10250)], name="kubelet")],
    )
    nodes = [
        make_node("w1", {"role": "worker"}, "192.168.1.3"),
        make_node("cp", {"role": "control"}, "192.168.1.4"),
    ]
    cluster = make_cluster([WEB, DB], [], SPACES, tier_policies=[policy], nodes=nodes)

    def block(cidr: str) -> SpecPeer:
        return SpecPeer(ip_block=IPBlock(cidr=parse_network(cidr)))

    ports = (PolicyPort(protocol=Protocol.TCP, port=10250),)
    worker = _prove(cluster, _prop(Expect.DENY, PROD, block("192.168.1.3/32"), ports=ports), Universe.ANY)
    assert worker.verdict is Verdict.HOLDS
    control = _prove(cluster, _prop(Expect.DENY, PROD, block("192.168.1.4/32"), ports=ports), Universe.ANY)
    assert control.verdict is Verdict.VIOLATED
    nearby = _prove(
        cluster, _prop(Expect.ALLOW, PROD, block("192.168.1.0/24"), ports=ports), Universe.INVENTORY
    )
    assert nearby.verdict is Verdict.VIOLATED
    assert nearby.flow is not None and str(nearby.flow.destination.ip) == "192.168.1.3"
    assert (
        "denied by AdminNetworkPolicy/no-kubelet (Admin tier, priority 1) egress rule kubelet: Deny"
        in nearby.explanation[0]
    )


# --- regions with tiers -------------------------------------------------------------------------


@pytest.mark.parametrize("universe", list(Universe))
def test_diff_adding_a_guardrail_removes_flows_and_adds_none(universe: Universe) -> None:
    old = make_cluster([WEB, DB], [ALLOW_ALL_INTO_DEV], SPACES)
    new = old.model_copy(update={"tier_policies": (_guardrail(),)})
    result = diff(old, new, AnalysisOptions(universe=universe))
    assert result.added.proved_empty, result.added
    assert result.removed.regions, result.removed
    for region in result.removed.regions:
        assert decide(old, region.example).allowed and not decide(new, region.example).may_allow
    back = diff(new, old, AnalysisOptions(universe=universe))
    assert back.removed.proved_empty and back.added.regions


def test_diff_counts_a_conflict_as_added_and_not_as_removed() -> None:
    """Going from a sure Deny to a same-priority Allow/Deny conflict: the flows might now get
    through (added, conservatively); none surely got through before (nothing removed)."""
    deny = make_tier_policy(
        "b-deny", 5, namespaces=sel(env="dev"), ingress=[t_rule("Deny", [t_namespaces()])]
    )
    old = make_cluster([WEB, DB], [], SPACES, tier_policies=[deny])
    new = _conflict()
    result = diff(old, new, AnalysisOptions(universe=Universe.INVENTORY))
    assert result.added.regions and result.removed.proved_empty
    for region in result.added.regions:
        assert decide(new, region.example).may_allow and not decide(new, region.example).allowed
    back = diff(new, old, AnalysisOptions(universe=Universe.INVENTORY))
    assert back.added.proved_empty and back.removed.proved_empty


def test_exposure_counts_undecided_flows_as_open() -> None:
    result = exposure(
        _conflict(), destination_peer(sel(env="dev"), None), AnalysisOptions(universe=Universe.INVENTORY)
    )
    assert result.regions.status is RegionStatus.COMPLETE and result.regions.regions
    assert all(decide(_conflict(), r.example).may_allow for r in result.regions.regions)
    guarded = make_cluster([WEB, DB], [], SPACES, tier_policies=[_guardrail()])
    shut = exposure(
        guarded, destination_peer(sel(env="dev"), None), AnalysisOptions(universe=Universe.INVENTORY)
    )
    assert all(r.example.source.namespace != "prod" for r in shut.regions.regions)


def test_lint_runs_over_a_tiered_input() -> None:
    cluster = make_cluster([WEB, DB], [ALLOW_ALL_INTO_DEV], SPACES, tier_policies=[_guardrail()])
    report = lint(cluster, AnalysisOptions(universe=Universe.INVENTORY))
    assert report is not None
