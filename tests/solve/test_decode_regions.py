"""Unit tests at the solver's stage boundaries, which the differential suites cross without
looking: decoding a Z3 model into a concrete flow, and the region enumerator on a hand-made
set. Each states the contract of one stage with a small, hand-checked input (the encoder's
side is in tests/encode/test_inventory_domain.py, whose helpers build the encodings here).
"""

from __future__ import annotations

from tests.encode.test_inventory_domain import _encoding, _sat
from tests.strategies import make_cluster, make_pod, make_policy, pod_peer, port, rule, sel
from verifier.model import parse_ip
from verifier.oracle import decide
from verifier.results import EndpointKind, RegionStatus
from verifier.solve.decode import decode_flow
from verifier.solve.regions import Regions

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
