"""``fix``: every candidate kind on a small hand-built cluster, the seed's two violated
properties, the JSON patches against the loader, and — hypothesis — on random clusters and
random violated deny properties every fix reported proved makes the property hold (Z3 and
the brute-force oracle) and changes no flow outside the property's scope (the oracle on
both versions, flow by flow)."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests import paths
from tests.brute import (
    _a_flow,
    _candidate_keys,
    _candidate_ports,
    _externals,
    _hypothetical,
    _ip_sets,
    _pod_endpoints,
    brute_force_verdict,
)
from tests.differential.test_z3_differential import _no_duplicate_named_ports, options, properties
from tests.strategies import (
    clusters,
    expr,
    ip_peer,
    make_cluster,
    make_pod,
    make_policy,
    make_tier_policy,
    ns_peer,
    pod_peer,
    port,
    rule,
    sel,
    t_namespaces,
    t_rule,
)
from verifier.api import load_objects
from verifier.load import load_cluster
from verifier.model import AnalysisOptions, Cluster, Direction, NetworkPolicy, Protocol, TierPolicy, Universe
from verifier.oracle import decide
from verifier.query.check import check
from verifier.query.fix import admin_policy_json, fix, fix_property, policy_json
from verifier.report.fix import apply_patch, file_changes
from verifier.results import EditKind, Fix, FixStatus, Flow, PropertyFix, Verdict
from verifier.spec import Expect, Property, SpecPeer, load_specs

INVENTORY = AnalysisOptions(universe=Universe.INVENTORY)
DB = SpecPeer(namespace="x", pod_selector=sel(app="db"))


def _db_cluster(*rules_: Any, egress: Any = None, extra_pods: tuple[Any, ...] = ()) -> Cluster:
    pods = [
        make_pod("x", "db", {"app": "db"}, ["10.0.0.1"]),
        make_pod("x", "a", {"app": "a"}, ["10.0.0.2"]),
        make_pod("x", "b", {"app": "b"}, ["10.0.0.3"]),
        make_pod("y", "c", {"app": "a"}, ["10.0.0.4"]),
        *extra_pods,
    ]
    policy = make_policy("x", "db", sel(app="db"), ingress=list(rules_), egress=egress)
    return make_cluster(pods, [policy], {"x": {"team": "a"}, "y": {"team": "b"}})


def _deny(sources: tuple[SpecPeer, ...] | None, ports: Any = None, **kw: Any) -> Property:
    return Property(name="p", expect=Expect.DENY, sources=sources, destinations=(DB,), ports=ports, **kw)


def _kinds(found: Fix) -> list[EditKind]:
    return [e.kind for e in found.edits]


def _assert_manifests_load_as_patched(original: Cluster, found: Fix) -> None:
    """The JSON patches, applied to the manifests of the objects they target and loaded by
    the loader, give exactly the cluster the proofs were made on."""
    assert found.patched is not None
    manifests: dict[tuple[str, str | None, str], Any] = {}
    for p in original.policies:
        manifests["NetworkPolicy", p.namespace, p.name] = policy_json(p)
    for t in original.tier_policies:
        manifests[t.kind, None, t.name] = admin_policy_json(t)
    for edit in found.edits:
        key = (edit.object_kind, edit.namespace, edit.name)
        manifests[key] = apply_patch(manifests.get(key), edit.patch)
    loaded = load_objects(list(manifests.values()))
    assert _norm(loaded.policies) == _norm(found.patched.policies)
    assert _norm(loaded.tier_policies) == _norm(found.patched.tier_policies)


def _norm(policies: tuple[NetworkPolicy, ...] | tuple[TierPolicy, ...]) -> list[str]:
    """Policies without where they were read and how lists were written (no semantics)."""
    out = []
    for p in policies:
        blank: dict[str, Any] = {"location": None}
        rules = {
            d: tuple(r.model_copy(update={**blank, "peers_written": None, "ports_written": None}) for r in rs)
            for d, rs in (("ingress", p.ingress), ("egress", p.egress))
        }
        update = {**blank, "manifest_location": None, **rules}
        if isinstance(p, NetworkPolicy):
            update |= {
                "ingress_written": None,
                "egress_written": None,
                "policy_types_written": None,
                "policy_types": sorted(p.policy_types),  # a frozenset's repr has no fixed order
            }
        out.append(repr(p.model_copy(update=update)))
    return sorted(out)


def _proved(result: PropertyFix) -> list[Fix]:
    assert result.verdict is Verdict.VIOLATED
    return [f for f in result.fixes if f.proved]


# --- each candidate kind ------------------------------------------------------------------------------


def test_remove_peer() -> None:
    cluster = _db_cluster(rule([pod_peer(sel(app="a")), pod_peer(sel(app="b"))], [port(80)]))
    result = fix_property(cluster, _deny((SpecPeer(pod_selector=sel(app="a")),)), INVENTORY)
    best = result.best
    assert best is not None and _kinds(best) == [EditKind.REMOVE_PEER]
    assert best.edits[0].patch[0].as_json() == {"op": "remove", "path": "/spec/ingress/0/from/0"}
    assert best.size == 2  # one rule, one selector term
    _assert_manifests_load_as_patched(cluster, best)


def test_narrow_peer_to_the_complement_of_the_scope() -> None:
    # the rule admits every pod of team=a namespaces; the property only forbids app=a there
    cluster = _db_cluster(rule([ns_peer(sel(team="a"))], [port(80)]))
    prop = _deny((SpecPeer(namespace="x", pod_selector=sel(app="a")),), [port(80)])
    result = fix_property(cluster, prop, INVENTORY)
    best = result.best
    assert best is not None and _kinds(best) == [EditKind.NARROW_PEER]
    assert "app notin (a)" in best.edits[0].description or "app!=a" in best.edits[0].description
    for found in _proved(result):
        _assert_manifests_load_as_patched(cluster, found)
    # removing the whole rule also denies x/b and y's pods: refuted with regions
    removal = next(f for f in result.fixes if _kinds(f) == [EditKind.REMOVE_RULE])
    assert removal.status is FixStatus.NOT_IN_SCOPE


def test_except_covers_an_inventory_address() -> None:
    cluster = _db_cluster(rule([ip_peer("10.0.0.0/24")], [port(80)]))
    result = fix_property(cluster, _deny((SpecPeer(namespace="y"),)), INVENTORY)
    best = result.best
    assert best is not None and _kinds(best) == [EditKind.EXCEPT_ADDRESSES]
    assert best.edits[0].patch[0].value == ["10.0.0.4/32"]
    _assert_manifests_load_as_patched(cluster, best)


def test_restrict_ports() -> None:
    cluster = _db_cluster(rule([pod_peer(sel(app="a"))]))
    result = fix_property(cluster, _deny((SpecPeer(pod_selector=sel(app="a")),), [port(22)]), INVENTORY)
    best = result.best
    assert best is not None and _kinds(best) == [EditKind.RESTRICT_PORTS]
    value = best.edits[0].patch[0].value
    assert {"protocol": "TCP", "port": 1, "endPort": 21} in value
    assert {"protocol": "TCP", "port": 23, "endPort": 65535} in value
    assert {"protocol": "UDP"} in value
    _assert_manifests_load_as_patched(cluster, best)


def test_split_rule() -> None:
    cluster = _db_cluster(rule([pod_peer(sel(app="a")), pod_peer(sel(app="b"))], [port(80), port(443)]))
    result = fix_property(cluster, _deny((SpecPeer(pod_selector=sel(app="a")),), [port(443)]), INVENTORY)
    best = result.best
    assert best is not None and _kinds(best) == [EditKind.SPLIT_RULE]
    assert best.patched is not None
    ingress = best.patched.policies[0].ingress
    assert [len(r.peers or ()) for r in ingress] == [1, 1]
    assert ingress[1].ports == (port(80),)
    _assert_manifests_load_as_patched(cluster, best)
    # the rule's other candidates change what app=b (outside the scope) may do
    outside = {k for f in result.fixes if f.status is FixStatus.NOT_IN_SCOPE for k in _kinds(f)}
    assert EditKind.RESTRICT_PORTS in outside


def test_remove_rule_and_policy_types_stay_written() -> None:
    cluster = _db_cluster(egress=[rule([pod_peer(sel(app="a"))], [port(80)])])
    prop = Property(
        name="p",
        expect=Expect.DENY,
        sources=(DB,),
        destinations=(SpecPeer(pod_selector=sel(app="a")),),
        ports=(port(80),),
    )
    result = fix_property(cluster, prop, INVENTORY)
    best = result.best
    assert best is not None and _kinds(best) == [EditKind.REMOVE_RULE]
    ops = [op.as_json() for op in best.edits[0].patch]
    assert ops[0] == {"op": "remove", "path": "/spec/egress/0"}
    _assert_manifests_load_as_patched(cluster, best)


def test_allow_adds_the_rule_the_property_states() -> None:
    cluster = _db_cluster(rule([pod_peer(sel(app="a"))], [port(80)]))
    prop = Property(
        name="b-reaches-db",
        expect=Expect.ALLOW,
        sources=(SpecPeer(namespace="x", pod_selector=sel(app="b")),),
        destinations=(DB,),
        ports=(port(80),),
    )
    result = fix_property(cluster, prop, INVENTORY)
    best = result.best
    assert best is not None and _kinds(best) == [EditKind.ADD_RULE]
    op = best.edits[0].patch[0].as_json()
    assert op["path"] == "/spec/ingress/-"
    value = {
        "from": [{"podSelector": {"matchLabels": {"app": "b"}}}],
        "ports": [{"protocol": "TCP", "port": 80}],
    }
    assert op["value"] == value
    _assert_manifests_load_as_patched(cluster, best)


def test_reachable_adds_a_rule_too() -> None:
    cluster = _db_cluster()  # the db is isolated for ingress, with no rule
    prop = Property(
        name="a-reaches-db",
        expect=Expect.REACHABLE,
        sources=(SpecPeer(namespace="y"),),
        destinations=(DB,),
        ports=(port(5432),),
    )
    result = fix_property(cluster, prop, INVENTORY)
    assert result.flow is not None  # a denied flow of the scope
    best = result.best
    assert best is not None and _kinds(best) == [EditKind.ADD_RULE]
    assert best.edits[0].patch[0].as_json()["path"] == "/spec/ingress"  # the policy had no rule
    _assert_manifests_load_as_patched(cluster, best)


def test_new_policy_when_the_baseline_tier_denies() -> None:
    banp = make_tier_policy(
        "default", tier="Baseline", namespaces=sel(), ingress=[t_rule("Deny", [t_namespaces()])]
    )
    pods = [make_pod("x", "db", {"app": "db"}, ["10.0.0.1"]), make_pod("x", "a", {"app": "a"}, ["10.0.0.2"])]
    cluster = make_cluster(pods, [], {"x": {}}, tier_policies=[banp])
    prop = Property(name="into-db", expect=Expect.ALLOW, destinations=(DB,))
    result = fix_property(cluster, prop, INVENTORY)
    best = result.best
    assert best is not None and _kinds(best) == [EditKind.NEW_POLICY]
    edit = best.edits[0]
    assert edit.new_object and edit.patch[0].path == ""
    assert edit.patch[0].value["spec"] == {
        "podSelector": {"matchLabels": {"app": "db"}},
        "policyTypes": ["Ingress"],
        "ingress": [{}],
    }
    _assert_manifests_load_as_patched(cluster, best)


def test_admin_deny_when_no_policy_isolates() -> None:
    pods = [make_pod("x", "db", {"app": "db"}, ["10.0.0.1"]), make_pod("y", "c", {"app": "c"}, ["10.0.0.4"])]
    cluster = make_cluster(pods, [], {"x": {}, "y": {}})
    prop = _deny((SpecPeer(namespace="y"),), [port(5432)])
    plain = fix_property(cluster, prop, INVENTORY)
    assert plain.fixes == () and any("--tier admin" in h for h in plain.hints)
    assert any("isolates" in h for h in plain.hints)
    result = fix_property(cluster, prop, INVENTORY, tier="admin")
    best = result.best
    assert best is not None and _kinds(best) == [EditKind.ADMIN_DENY]
    manifest = best.edits[0].patch[0].value
    assert manifest["kind"] == "AdminNetworkPolicy" and manifest["spec"]["priority"] == 0
    assert manifest["spec"]["ingress"][0]["action"] == "Deny"
    _assert_manifests_load_as_patched(cluster, best)


def test_admin_deny_egress_to_external_addresses() -> None:
    """External destinations: the Deny is an egress rule of the sources, to ``networks``."""
    pods = [make_pod("x", "db", {"app": "db"}, ["10.0.0.1"]), make_pod("y", "c", {"app": "c"}, ["10.0.0.4"])]
    cluster = make_cluster(pods, [], {"x": {}, "y": {}})
    block = ip_peer("8.8.8.0/24", "8.8.8.128/25").ip_block
    prop = Property(
        name="no-dns-out",
        expect=Expect.DENY,
        sources=(DB,),
        destinations=(SpecPeer(ip_block=block),),
        ports=(port(53, "UDP"),),
    )
    result = fix_property(cluster, prop, INVENTORY, tier="admin")
    best = result.best
    assert best is not None and _kinds(best) == [EditKind.ADMIN_DENY]
    rule_json = best.edits[0].patch[0].value["spec"]["egress"][0]
    assert rule_json["to"] == [{"networks": ["8.8.8.0/25"]}]
    assert rule_json["ports"] == [{"portNumber": {"protocol": "UDP", "port": 53}}]
    _assert_manifests_load_as_patched(cluster, best)
    _assert_oracle_agrees(cluster, prop, best, INVENTORY)


def test_allow_adds_an_egress_rule() -> None:
    cluster = _db_cluster(egress=[])
    cluster = cluster.model_copy(
        update={"policies": (cluster.policies[0].model_copy(update={"policy_types": frozenset(Direction)}),)}
    )
    prop = Property(
        name="db-reaches-backup",
        expect=Expect.ALLOW,
        sources=(DB,),
        destinations=(SpecPeer(ip_block=ip_peer("10.1.0.0/16").ip_block),),
        ports=(port(5432),),
    )
    result = fix_property(cluster, prop, INVENTORY)
    best = result.best
    assert best is not None and _kinds(best) == [EditKind.ADD_RULE]
    op = best.edits[0].patch[0].as_json()
    assert op["path"] == "/spec/egress"
    assert op["value"] == [
        {"to": [{"ipBlock": {"cidr": "10.1.0.0/16"}}], "ports": [{"protocol": "TCP", "port": 5432}]}
    ]
    _assert_manifests_load_as_patched(cluster, best)
    _assert_oracle_agrees(cluster, prop.model_copy(update={"expect": Expect.ALLOW}), best, INVENTORY)


def test_admin_deny_priority_goes_ahead_of_existing_ones() -> None:
    allow = make_tier_policy("open", 5, pods=sel(app="db"), ingress=[t_rule("Allow", [t_namespaces()])])
    pods = [make_pod("x", "db", {"app": "db"}, ["10.0.0.1"]), make_pod("y", "c", {"app": "c"}, ["10.0.0.4"])]
    cluster = make_cluster(pods, [], {"x": {}, "y": {}}, tier_policies=[allow])
    result = fix_property(cluster, _deny((SpecPeer(namespace="y"),)), INVENTORY, tier="admin")
    best = result.best
    assert best is not None and best.edits[0].patch[0].value["spec"]["priority"] == 4


def test_holding_property_needs_no_fix() -> None:
    cluster = _db_cluster(rule([pod_peer(sel(app="a"))], [port(80)]))
    result = fix_property(cluster, _deny((SpecPeer(namespace="y"),)), INVENTORY)
    assert result.verdict is Verdict.HOLDS and result.fixes == () and result.candidates == 0


# --- the seed ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed() -> tuple[Cluster, dict[str, Property]]:
    return load_cluster([str(paths.SEED)]).cluster, {p.name: p for p in load_specs([str(paths.SEED_SPEC)])}


def test_seed_inventory_fix_removes_the_frontend_peer(seed: tuple[Cluster, dict[str, Property]]) -> None:
    cluster, props = seed
    result = fix_property(cluster, props["db-only-from-myproject"], AnalysisOptions())
    assert result.universe is Universe.INVENTORY
    assert result.flow is not None and str(result.flow.source).startswith("default/frontend")
    proved = _proved(result)
    assert proved, result
    descriptions = [[e.description for e in f.edits] for f in proved]
    # the fix: remove the podSelector {role: frontend} peer (or, equivalently, narrow
    # it to project=myproject namespaces) — and, as the inventory also has default/monitoring
    # at 172.17.2.40 inside the ipBlock, except that one address (no external address is a
    # pod's, so the except changes nothing outside the scope)
    assert any(
        d[0] == "remove peer `podSelector role=frontend` from default/test-network-policy ingress[0]"
        and "add except 172.17.2.40/32" in d[1]
        for d in descriptions
    ), descriptions
    assert any(
        "narrow peer `podSelector role=frontend`" in d[0] and "project=myproject" in d[0]
        for d in descriptions
    )
    # 172.17.2.0/23 also cuts external addresses: refuted, with the region
    wide = next(f for f in result.fixes if any("172.17.2.0/23" in e.description for e in f.edits))
    assert wide.status is FixStatus.NOT_IN_SCOPE
    for found in proved:
        _assert_oracle_agrees(cluster, props["db-only-from-myproject"], found, AnalysisOptions())


def test_seed_removing_the_frontend_peer_alone_is_in_scope(seed: tuple[Cluster, dict[str, Property]]) -> None:
    """The first step of the seed fix is proved inside the scope; the property then still has
    the monitoring pod's counterexample (through the ipBlock)."""
    from verifier.query.gate import gate

    cluster, props = seed
    prop = props["db-only-from-myproject"]
    result = fix_property(cluster, prop, AnalysisOptions())
    first = next(f for f in _proved(result) if _kinds(f)[0] is EditKind.REMOVE_PEER)
    policy = cluster.policies[0]
    alone = policy.model_copy(
        update={"ingress": (policy.ingress[0].model_copy(update={"peers": policy.ingress[0].peers[:2]}),)}
    )
    assert first.patched is not None
    step = cluster.model_copy(update={"policies": (alone,)})
    outcome = gate(cluster, step, prop, AnalysisOptions())
    assert outcome.steps[2].verdict is Verdict.HOLDS  # nothing outside the scope changed
    assert outcome.steps[1].flow is not None and str(outcome.steps[1].flow.source).startswith(
        "default/monitoring"
    )


def test_seed_any_universe_has_no_fix_inside_the_scope(seed: tuple[Cluster, dict[str, Property]]) -> None:
    cluster, props = seed
    prop = props["db-only-from-myproject-any"]
    result = fix_property(cluster, prop, AnalysisOptions())
    assert result.universe is Universe.ANY
    assert result.verdict is Verdict.VIOLATED and result.best is None
    assert result.fixes and all(f.status is FixStatus.NOT_IN_SCOPE for f in result.fixes)
    smallest = result.fixes[0]
    assert smallest.outside_removed is not None and smallest.outside_removed.regions
    # every region the smallest fix changes outside the scope is external addresses into the db
    for region in smallest.outside_removed.regions:
        assert region.source.kind.value == "external"
        example = region.example
        assert not prop.in_scope(example.source, example.destination, example.port, example.protocol)
        assert decide(cluster, example).allowed and not decide(smallest.patched, example).allowed  # type: ignore[arg-type]
    assert any("ipBlock that also matches pod IPs" in h for h in result.hints)


def test_seed_any_universe_tier_admin_and_no_ipblock_pods(seed: tuple[Cluster, dict[str, Property]]) -> None:
    cluster, props = seed
    prop = props["db-only-from-myproject-any"]
    admin = fix_property(cluster, prop, AnalysisOptions(), tier="admin")
    assert admin.best is not None and _kinds(admin.best) == [EditKind.ADMIN_DENY]
    _assert_manifests_load_as_patched(cluster, admin.best)
    plain = fix_property(cluster, prop, AnalysisOptions(ipblock_pods=False))
    assert plain.best is not None and _kinds(plain.best) == [EditKind.REMOVE_PEER]


@pytest.mark.parametrize("ipblock_pods", [True, False])
def test_any_universe_fixes_agree_with_the_oracle(ipblock_pods: bool) -> None:
    """The seed's shape, small enough for the oracle to enumerate the `any` universe: with
    ipBlocks matching pod IPs only the Admin tier fixes it inside the scope, without them
    removing the podSelector peer does."""
    policy = make_policy(
        "x", "db", sel(app="db"), ingress=[rule([ip_peer("10.0.0.0/30"), pod_peer(sel(app="a"))], [port(80)])]
    )
    cluster = make_cluster([], [policy], {"x": {}})
    prop = Property(
        name="p",
        expect=Expect.DENY,
        universe=Universe.ANY,
        sources=(SpecPeer(namespace="x", pod_selector=sel(app="a")),),
        destinations=(DB,),
        ports=(port(80),),
    )
    opts = AnalysisOptions(ipblock_pods=ipblock_pods)
    result = fix_property(cluster, prop, opts, tier="admin")
    assert result.verdict is Verdict.VIOLATED
    proved = [f for f in result.fixes if f.proved]
    kinds = {k for f in proved for k in _kinds(f)}
    assert EditKind.ADMIN_DENY in kinds
    assert (EditKind.REMOVE_PEER in kinds) is not ipblock_pods
    for found in proved:
        _assert_oracle_agrees(cluster, prop, found, opts, Universe.ANY)
    for found in result.fixes:
        if found.status is FixStatus.NOT_IN_SCOPE:
            _assert_refuted_for_real(cluster, prop, found, opts)


def test_seed_report_checks_the_other_properties(seed: tuple[Cluster, dict[str, Property]]) -> None:
    """The spec's deliberately violated claim conflicts with frontend-reaches-db: every fix
    of it is proved for its own scope, and says which other property it breaks."""
    cluster, props = seed
    report = fix(cluster, list(props.values()), AnalysisOptions())
    by = {r.name: r for r in report.results}
    assert [r.name for r in report.unfixed] == ["db-only-from-myproject-any"]
    fixed = by["db-only-from-myproject"].best
    assert fixed is not None and fixed.breaks == ("frontend-reaches-db (violated)",)
    assert by["frontend-reaches-db"].verdict is Verdict.HOLDS and by["frontend-reaches-db"].fixes == ()


def test_seed_text_patches_load_as_the_patched_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The YAML text edits (comments and layout kept) load as exactly the cluster each fix
    was proved on, for every fix of both properties (with the Admin-tier ones)."""
    shutil.copytree(paths.SEED, tmp_path / "examples" / "seed")
    monkeypatch.chdir(tmp_path)
    cluster = load_cluster(["examples/seed"]).cluster
    props = {p.name: p for p in load_specs([str(paths.SEED_SPEC)])}
    policy_file = Path("examples/seed/networkpolicy.yaml")
    original = policy_file.read_text()
    results = [
        fix_property(cluster, props[name], AnalysisOptions(), tier="admin")
        for name in ("db-only-from-myproject", "db-only-from-myproject-any")
    ]
    checked = 0
    for found in (f for r in results for f in r.fixes):
        policy_file.write_text(original)
        for change in file_changes(found):
            assert not change.note, change.note
            Path(change.path).write_text(change.new)
        after = policy_file.read_text()
        assert after.startswith(original[: original.index("  ingress:")])  # the head is untouched
        loaded = load_cluster(["examples/seed"]).cluster
        assert found.patched is not None
        assert _norm(loaded.policies) == _norm(found.patched.policies)
        assert _norm(loaded.tier_policies) == _norm(found.patched.tier_policies)
        checked += 1
    assert checked >= 5


# --- the oracle's word on every proved fix --------------------------------------------------------------


def _flows(
    old: Cluster, new: Cluster, prop: Property, opts: AnalysisOptions, universe: Universe
) -> list[Flow]:
    """Every kind of flow that tells the two versions and the scope apart (`tests.brute`):
    inventory pods, external addresses and — in the `any` universe — hypothetical pods."""
    both = new.model_copy(
        update={
            "policies": old.policies + new.policies,
            "tier_policies": old.tier_policies + new.tier_policies,
        }
    )
    keys = _candidate_keys(_ip_sets(both, [prop], opts))
    pod_space = opts.pod_ip_space()
    endpoints = [ep for pod in both.pods for ep in _pod_endpoints(both, pod, keys, pod_space, [prop])]
    if universe is Universe.ANY:
        endpoints += list(_hypothetical(both, [prop], keys, pod_space))
    endpoints += _externals(both, keys, opts)
    ports = _candidate_ports(both, [prop])
    flows = [
        Flow(source=s, destination=d, port=n, protocol=proto)
        for s, d in itertools.product(endpoints, endpoints)
        if _a_flow(s, d)
        for n in ports
        for proto in Protocol
    ]
    # The `any` universe has tens of thousands of kinds of flows even for a small cluster: a
    # deterministic sample of about 4,000 (every k-th, k odd and no divisor of the number of
    # port x protocol choices, so that the sample walks through all of them).
    step = 1 if universe is Universe.INVENTORY else max(1, len(flows) // 4000) | 1
    while step > 1 and (len(ports) * len(Protocol)) % step == 0:
        step += 2
    return flows[::step]


def _assert_oracle_agrees(
    old: Cluster, prop: Property, found: Fix, opts: AnalysisOptions, universe: Universe = Universe.INVENTORY
) -> None:
    """The fix makes the property hold (Z3 and the brute-force oracle), and the oracle
    decides every flow outside the scope alike on both versions."""
    new = found.patched
    assert new is not None
    assert check(new, [prop], opts).results[0].verdict is Verdict.HOLDS
    holds, flow = brute_force_verdict(new, prop, universe, opts)
    assert holds is True, f"{[e.description for e in found.edits]} leaves {flow}"
    for f in _flows(old, new, prop, opts, universe):
        if prop.in_scope(f.source, f.destination, f.port, f.protocol):
            continue
        before = decide(old, f, ipblock_pods=opts.ipblock_pods).allowed
        after = decide(new, f, ipblock_pods=opts.ipblock_pods).allowed
        assert before == after, f"{[e.description for e in found.edits]} changes {f} outside the scope"


def _assert_refuted_for_real(old: Cluster, prop: Property, found: Fix, opts: AnalysisOptions) -> None:
    """A fix reported out of scope: each region's example changed and lies outside the scope."""
    assert found.patched is not None
    for regions in (found.outside_added, found.outside_removed):
        for region in regions.regions if regions is not None else ():
            ex = region.example
            assert not prop.in_scope(ex.source, ex.destination, ex.port, ex.protocol)
            before = decide(old, ex, ipblock_pods=opts.ipblock_pods)
            after = decide(found.patched, ex, ipblock_pods=opts.ipblock_pods)
            assert before.allowed != after.allowed or before.may_allow != after.may_allow


@st.composite
def deny_properties(draw: st.DrawFn, cluster: Cluster) -> Property:
    """A deny property over a random cluster: mostly aimed at the pods a policy isolates (so
    that its counterexamples meet rules to edit), else fully random."""
    drawn = draw(properties(cluster, named_ports=False, pods=False))
    prop = drawn.model_copy(update={"expect": Expect.DENY, "universe": Universe.INVENTORY})
    side = draw(st.sampled_from(("to", "to", "from", "random")))
    direction = Direction.INGRESS if side == "to" else Direction.EGRESS
    isolating = [
        p
        for p in cluster.policies
        if any(p.selects(pod.namespace, pod.labels, direction) for pod in cluster.pods)
    ]
    if side == "random" or not isolating:
        return prop
    policy = draw(st.sampled_from(isolating))
    aimed = (SpecPeer(namespace=policy.namespace, pod_selector=policy.pod_selector),)
    return prop.model_copy(update={"destinations" if side == "to" else "sources": aimed})


@settings(
    max_examples=16,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=st.data(), cluster=clusters(max_pods=4, max_policies=3))
def test_proved_fixes_hold_and_change_nothing_outside_the_scope(
    data: st.DataObject, cluster: Cluster
) -> None:
    assume(_no_duplicate_named_ports(cluster) and cluster.policies)
    prop = data.draw(deny_properties(cluster))
    opts = data.draw(options(Universe.INVENTORY))
    result = fix_property(cluster, prop, opts, max_candidates=12)
    assume(result.verdict is Verdict.VIOLATED)
    for found in [f for f in result.fixes if f.proved][:2]:
        _assert_oracle_agrees(cluster, prop, found, opts)
    for found in [f for f in result.fixes if f.status is FixStatus.NOT_IN_SCOPE][:2]:
        _assert_refuted_for_real(cluster, prop, found, opts)


@pytest.mark.parametrize("case", ["remove-peer", "narrow", "except"])
def test_hand_built_fixes_agree_with_the_oracle(case: str) -> None:
    peers = {
        "remove-peer": [pod_peer(sel(app="a")), pod_peer(sel(app="b"))],
        "narrow": [ns_peer(sel(None, expr("team", "In", "a", "b")))],
        "except": [ip_peer("10.0.0.0/29"), pod_peer(sel(app="b"))],
    }[case]
    cluster = _db_cluster(rule(peers, [port(80)]))
    prop = _deny((SpecPeer(namespace="y"), SpecPeer(pod_selector=sel(app="a"))), [port(80)])
    result = fix_property(cluster, prop, INVENTORY)
    proved = _proved(result)
    assert proved
    for found in proved:
        _assert_oracle_agrees(cluster, prop, found, INVENTORY)


# --- the text edits in other layouts ------------------------------------------------------------------

_PODS = """apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Pod, metadata: {name: db, namespace: x, labels: {app: db}}, status: {podIP: 10.0.0.1}}
- {apiVersion: v1, kind: Pod, metadata: {name: a, namespace: x, labels: {app: a}}, status: {podIP: 10.0.0.2}}
- {apiVersion: v1, kind: Pod, metadata: {name: b, namespace: x, labels: {app: b}}, status: {podIP: 10.0.0.3}}
"""

_LAYOUTS = {
    # indented sequences, flow-style selectors and ports, comments everywhere
    "indented.yaml": """# the db's policy
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: db   # keep me
  namespace: x
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
    - from:
        - podSelector: {matchLabels: {app: a}}   # the a pods
        - podSelector:
            matchLabels:
              app: b
        - ipBlock: {cidr: 10.0.0.0/29}
      ports: [{port: 80}, {port: 443}]
# trailing comment
""",
    # a kubectl List: the policy is an item, four-space indentation
    "list.yaml": """apiVersion: v1
kind: List
items:
-   apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata:
        name: db
        namespace: x
    spec:
        podSelector:
            matchLabels:
                app: db
        ingress:
        -   from:
            -   podSelector:
                    matchLabels:
                        app: a
            -   podSelector:
                    matchLabels:
                        app: b
            -   ipBlock:
                    cidr: 10.0.0.0/29
            ports:
            -   port: 80
            -   port: 443
""",
    "policy.json": """{
  "apiVersion": "networking.k8s.io/v1",
  "kind": "NetworkPolicy",
  "metadata": {"name": "db", "namespace": "x"},
  "spec": {
    "podSelector": {"matchLabels": {"app": "db"}},
    "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "a"}}},
                          {"podSelector": {"matchLabels": {"app": "b"}}},
                          {"ipBlock": {"cidr": "10.0.0.0/29"}}],
                 "ports": [{"port": 80}, {"port": 443}]}]
  }
}
""",
}


@pytest.mark.parametrize("layout", sorted(_LAYOUTS))
@pytest.mark.parametrize("ports", [None, (443,)])
def test_text_edits_in_other_layouts(
    layout: str, ports: tuple[int, ...] | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every fix of a property over a policy written in another layout — indented sequences
    and flow style, a kubectl List, JSON — becomes text that loads as the proved cluster;
    YAML comments outside the edited lines stay."""
    monkeypatch.chdir(tmp_path)
    Path("in").mkdir()
    Path("in/pods.yaml").write_text(_PODS)
    original = _LAYOUTS[layout]
    policy_file = Path("in") / layout
    policy_file.write_text(original)
    cluster = load_cluster(["in"]).cluster
    prop = _deny((SpecPeer(pod_selector=sel(app="a")),), None if ports is None else [port(p) for p in ports])
    result = fix_property(cluster, prop, INVENTORY)
    assert result.fixes
    for found in result.fixes:
        policy_file.write_text(original)
        for change in file_changes(found):
            assert not change.note, change.note
            Path(change.path).write_text(change.new)
        text = policy_file.read_text()
        if layout.endswith(".yaml"):
            for line in original.splitlines():
                if line.lstrip().startswith("#"):
                    assert line in text, (line, text)
        loaded = load_cluster(["in"]).cluster
        assert found.patched is not None
        assert _norm(loaded.policies) == _norm(found.patched.policies), text
