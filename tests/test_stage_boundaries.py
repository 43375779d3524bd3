"""Unit tests at the stage boundaries the differential suites cross without looking:
the inventory the encoder builds (classes, free addresses), the symbolic flow's domain (what
Z3 may pick), decoding a model into a concrete flow, the region enumerator on a hand-made
set, and lint's concrete witnesses. Each states the contract of one stage with a small,
hand-checked input.
"""

from __future__ import annotations

import z3

from tests.strategies import ip_peer, make_cluster, make_pod, make_policy, pod_peer, port, rule, sel
from verifier.encode import Encoding, build_inventory, build_vocabulary
from verifier.model import AnalysisOptions, Cluster, IntervalSet, Universe, ip_key, parse_ip
from verifier.oracle import decide
from verifier.query.lint_witness import PodIndex, Witnesses
from verifier.results import EndpointKind, RegionStatus
from verifier.solve import Answer, check, make_solver
from verifier.solve.decode import decode_flow
from verifier.solve.regions import Regions


def _encoding(cluster: Cluster, universe: Universe = Universe.INVENTORY, **kw: object) -> Encoding:
    options = AnalysisOptions(universe=universe, **kw)  # type: ignore[arg-type]
    vocab = build_vocabulary(cluster, [])
    inventory = build_inventory(cluster, vocab, [], options)
    return Encoding(cluster, vocab, inventory, universe, options)


def _sat(enc: Encoding, *terms: z3.BoolRef) -> z3.ModelRef | None:
    solver = make_solver(10, 0, enc.ctx)
    solver.add(enc.domain(enc.src), enc.domain(enc.dst), enc.flow_domain(), *terms)
    outcome = check(solver)
    assert outcome.answer is not Answer.UNKNOWN
    return outcome.model if outcome.answer is Answer.SAT else None


# --- the inventory the encoder builds -----------------------------------------------------------


def test_a_replicated_template_is_a_class_that_offers_two_pods() -> None:
    web = make_pod("x", "web[Deployment]", {"app": "web"}, kind="Deployment", replicated=True)
    one = make_pod("x", "one[Deployment]", {"app": "one"}, kind="Deployment")
    # a policy that tells app=web from app=one, so that they are two classes
    policy = make_policy("x", "p", sel(app="web"), ingress=[])
    enc = _encoding(make_cluster([web, one], [policy]))
    inv = enc.inventory
    assert inv.classes[inv.by_pod["x/web[Deployment]"]].several
    assert not inv.classes[inv.by_pod["x/one[Deployment]"]].several
    assert inv.first_single == 1  # classes that offer two pods come first


def test_free_regions_count_the_addresses_no_pod_has() -> None:
    # 10.0.0.5/32 is a region of one address; a pod has it, so nothing else may take it.
    db = make_pod("x", "db", {"app": "db"}, ["10.0.0.5"])
    block = make_policy("x", "p", sel(app="db"), ingress=[rule([ip_peer("10.0.0.5/32")])])
    enc = _encoding(make_cluster([db], [block]))
    inv = enc.inventory
    region = inv.regions.index(ip_key(parse_ip("10.0.0.5")))
    assert not any(a <= region <= b for a, b in inv.free_one)
    assert not any(a <= region <= b for a, b in inv.free_two)
    assert ip_key(parse_ip("10.0.0.5")) not in inv.external_space


# --- the domain: what the solver may pick -------------------------------------------------------


def test_external_to_external_is_outside_every_domain() -> None:
    enc = _encoding(make_cluster([make_pod("x", "a", {}, ["10.0.0.1"])]))
    assert _sat(enc, enc.t.not_(enc.src.is_pod), enc.t.not_(enc.dst.is_pod)) is None
    assert _sat(enc, enc.t.not_(enc.src.is_pod)) is not None


def test_a_pod_alone_in_its_class_is_never_both_ends_but_replicas_are() -> None:
    alone = make_pod("x", "a[Deployment]", {"app": "a"}, kind="Deployment")
    enc = _encoding(make_cluster([alone]))
    both_pods = [enc.src.is_pod, enc.dst.is_pod]
    assert _sat(enc, *both_pods) is None
    replicas = make_pod("x", "a[Deployment]", {"app": "a"}, kind="Deployment", replicated=True)
    enc = _encoding(make_cluster([replicas]))
    assert _sat(enc, enc.src.is_pod, enc.dst.is_pod) is not None


def test_two_unknown_ips_never_share_a_one_address_region() -> None:
    a = make_pod("x", "a[Deployment]", {"app": "a"}, kind="Deployment")
    b = make_pod("x", "b[Deployment]", {"app": "b"}, kind="Deployment")
    block = make_policy("x", "p", sel(app="b"), ingress=[rule([ip_peer("10.0.0.5/32")])])
    enc = _encoding(make_cluster([a, b], [block]))
    region = enc.inventory.regions.index(ip_key(parse_ip("10.0.0.5")))
    t = enc.t
    same = [enc.src.is_pod, enc.dst.is_pod, t.eq(enc.src.region, region), t.eq(enc.dst.region, region)]
    assert _sat(enc, *same) is None
    assert _sat(enc, enc.src.is_pod, t.eq(enc.src.region, region)) is not None


# --- decoding a model ---------------------------------------------------------------------------


def test_decoding_replicas_gives_two_numbered_pods_at_distinct_free_addresses() -> None:
    kafka = make_pod("d", "kafka[StatefulSet]", {"app": "kafka"}, kind="StatefulSet", replicated=True)
    other = make_pod("d", "zk", {"app": "zk"}, ["10.0.0.1"])
    enc = _encoding(make_cluster([kafka, other]))
    cls = enc.inventory.by_pod["d/kafka[StatefulSet]"]
    t = enc.t
    model = _sat(enc, enc.src.is_pod, enc.dst.is_pod, t.eq(enc.src.cls, cls), t.eq(enc.dst.cls, cls))
    assert model is not None
    flow = decode_flow(enc, model)
    assert (flow.source.replica, flow.destination.replica) == (1, 2)
    assert flow.source.ip != flow.destination.ip
    assert parse_ip("10.0.0.1") not in (flow.source.ip, flow.destination.ip)
    assert flow.source.ip_range is not None and flow.destination.ip_range is not None
    assert not decide(enc.cluster, flow).self_traffic


def test_decoding_an_external_end_gives_an_address_no_pod_has() -> None:
    pods = [make_pod("x", f"p{i}", {"app": "a"}, [f"10.0.0.{i}"]) for i in range(1, 4)]
    enc = _encoding(make_cluster(pods))
    model = _sat(enc, enc.t.not_(enc.src.is_pod))
    assert model is not None
    flow = decode_flow(enc, model)
    assert flow.source.kind is EndpointKind.EXTERNAL
    assert flow.source.ip not in {ip for p in pods for ip in p.ips}


# --- the region enumerator on a hand-made set ---------------------------------------------------


def test_regions_of_a_set_hold_only_its_flows_and_close_it() -> None:
    web = make_pod("x", "web", {"app": "web"}, ["10.0.0.1"])
    db = make_pod("x", "db", {"app": "db"}, ["10.0.0.2"])
    policy = make_policy("x", "db", sel(app="db"), ingress=[rule([pod_peer(sel(app="web"))], [port(5432)])])
    cluster = make_cluster([web, db], [policy])
    enc = _encoding(cluster)
    base = enc.t.and_([enc.domain(enc.src), enc.domain(enc.dst), enc.flow_domain()])
    into_db = enc.t.and_([enc.dst.is_pod, enc.t.eq(enc.dst.cls, enc.inventory.by_pod["x/db"])])
    formula = enc.t.and_([into_db, enc.allowed(cluster.policies, cluster.policies)])
    regions = Regions(enc, base, formula, timeout_s=10)
    found = regions.enumerate(
        max_regions=10, replay=lambda f: None if decide(cluster, f).allowed else "denied"
    )
    assert found.status is RegionStatus.COMPLETE
    assert len(found.regions) == 1
    (region,) = found.regions
    assert region.ports == (5432, 5432)
    assert "x/web" in region.source.description and region.destination.description == "x/db"


# --- lint's concrete witnesses ------------------------------------------------------------------


def test_witnesses_show_a_rule_matters_only_when_it_does() -> None:
    web = make_pod("x", "web", {"app": "web"}, ["10.0.0.1"])
    db = make_pod("x", "db", {"app": "db"}, ["10.0.0.2"])
    needed = rule([pod_peer(sel(app="web"))], [port(5432)])
    shadowed = rule([pod_peer(sel(app="web"))], [port(5432)])
    policy = make_policy("x", "db", sel(app="db"), ingress=[needed, shadowed])
    cluster = make_cluster([web, db], [policy])
    witnesses = Witnesses(PodIndex(cluster), IntervalSet.full(), ipblock_pods=True)
    first, _ = policy.ingress
    # Each rule alone would matter; with its twin there, removing one changes no verdict.
    assert not witnesses.rule_matters(cluster.policies, policy, first)
    alone = policy.model_copy(update={"ingress": (first,)})
    assert witnesses.rule_matters((alone,), alone, first)
    assert witnesses.policy_denies(policy)
