"""Unit tests at the encoder's stage boundaries, which the differential suites cross without
looking: the inventory the encoder builds (classes, free addresses) and the symbolic flow's
domain (what Z3 may pick). Each states the contract of one stage with a small, hand-checked
input. The solver's side (decoding, regions) is in tests/solve/test_decode_regions.py, lint's
witnesses in tests/query/test_lint_witness.py.
"""

from __future__ import annotations

import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.strategies import (
    POD_SELECTORS,
    clusters,
    ip_peer,
    make_cluster,
    make_pod,
    make_policy,
    port,
    rule,
    sel,
)
from verifier.encode import Encoding, build_inventory, build_vocabulary
from verifier.engine.classes import equivalence_classes
from verifier.model import AnalysisOptions, Cluster, Universe, ip_key, parse_ip
from verifier.solve import Answer, check, make_solver
from verifier.spec import Expect, Property, SpecPeer


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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters(undeclared=True), st.data())
def test_the_encoder_refines_the_engines_partition(cluster: Cluster, data: st.DataObject) -> None:
    """One partition of the pods: the encoder's classes are the engine's (told apart by the
    properties' selectors and named ports too), cut further only by address region and by the
    pods a property names — and every member of an encoder class has the class's codes."""
    prop = Property(
        name="p",
        expect=Expect.DENY,
        sources=(SpecPeer(pod_selector=data.draw(POD_SELECTORS)),),
        ports=(port("http"),),
    )
    options = AnalysisOptions()
    vocab = build_vocabulary(cluster, [prop])
    inventory = build_inventory(cluster, vocab, [prop], options)
    part = equivalence_classes(
        cluster,
        options,
        selectors=[prop.sources[0].pod_selector],
        port_names=vocab.named_ports,  # type: ignore[index, list-item]
    )
    engine_class = {pod.key: part.class_of[i] for i, pod in enumerate(part.pods)}
    for cls in inventory.classes:
        assert len({engine_class[m.key] for m in cls.members}) == 1
        for member in cls.members:
            assert vocab.pod_codes(member.labels) == cls.pod_codes
    # and nothing finer than needed: pods of one engine class and one region are one class
    for a in cluster.pods:
        for b in cluster.pods:
            if engine_class[a.key] == engine_class[b.key] and a.ips == b.ips == ():
                assert inventory.by_pod[a.key] == inventory.by_pod[b.key]


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
