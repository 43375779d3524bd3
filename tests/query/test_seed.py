"""The seed example (the Kubernetes docs' `test-network-policy`) against specs/seed.yaml.

Every property the docs state must hold; the one claim the policy does not guarantee
("no pod outside project=myproject namespaces reaches the db") must be violated in both
universes, with a counterexample that is really in the property's scope and that the plain
oracle, replaying it, really allows.
"""

from __future__ import annotations

import pytest

from tests.paths import SEED, SEED_SPEC
from verifier.load import load_cluster
from verifier.model import AnalysisOptions, Cluster, Protocol, Universe
from verifier.oracle import decide
from verifier.query.check import check
from verifier.results import CheckReport, EndpointKind, PropertyResult, Verdict
from verifier.spec import load_specs

VIOLATED = {"db-only-from-myproject": Universe.INVENTORY, "db-only-from-myproject-any": Universe.ANY}


@pytest.fixture(scope="module")
def seed() -> tuple[Cluster, CheckReport]:
    loaded = load_cluster([str(SEED)])
    properties = load_specs([str(SEED_SPEC)])
    return loaded.cluster, check(loaded.cluster, properties, AnalysisOptions())


def _by_name(report: CheckReport) -> dict[str, PropertyResult]:
    return {r.name: r for r in report.results}


def test_the_seed_policy_is_verbatim_from_the_kubernetes_docs() -> None:
    (policy,) = load_cluster([str(SEED / "networkpolicy.yaml")]).cluster.policies
    assert policy.key == "default/test-network-policy"
    assert [str(p) for p in policy.ingress[0].peers or ()] == [
        "ipBlock 172.17.0.0/16 except 172.17.1.0/24",
        "namespaceSelector project=myproject",
        "podSelector role=frontend",
    ]
    assert [str(p) for p in policy.ingress[0].ports or ()] == ["6379/TCP"]
    assert [str(p) for p in policy.egress[0].peers or ()] == ["ipBlock 10.0.0.0/24"]
    assert [str(p) for p in policy.egress[0].ports or ()] == ["5978/TCP"]


def test_every_documented_claim_holds(seed: tuple[Cluster, CheckReport]) -> None:
    _, report = seed
    results = _by_name(report)
    assert len(results) == 12
    not_holding = {
        n: r.verdict for n, r in results.items() if r.verdict is not Verdict.HOLDS and n not in VIOLATED
    }
    assert not not_holding
    # The declared universe is the one used.
    assert results["other-namespace-cannot-reach-db"].universe is Universe.INVENTORY
    assert results["frontend-reaches-db"].universe is Universe.ANY


def test_reachable_claim_has_a_real_witness(seed: tuple[Cluster, CheckReport]) -> None:
    cluster, report = seed
    result = _by_name(report)["db-reaches-10-0-0-0-24-on-5978"]
    assert result.verdict is Verdict.HOLDS
    flow = result.flow
    assert flow is not None
    assert flow.source.labels.get("role") == "db" and flow.source.namespace == "default"
    assert flow.destination.kind is EndpointKind.EXTERNAL
    assert flow.destination.ip is not None and str(flow.destination.ip).startswith("10.0.0.")
    assert (flow.port, flow.protocol) == (5978, Protocol.TCP)
    assert decide(cluster, flow).allowed


@pytest.mark.parametrize("name", sorted(VIOLATED))
def test_outsiders_claim_is_violated_with_an_in_scope_counterexample(
    seed: tuple[Cluster, CheckReport], name: str
) -> None:
    cluster, report = seed
    result = _by_name(report)[name]
    assert result.verdict is Verdict.VIOLATED
    assert result.universe is VIOLATED[name]
    flow = result.flow
    assert flow is not None
    src, dst = flow.source, flow.destination
    # In scope: a pod whose namespace is NOT labelled project=myproject (NotIn: absent key counts) …
    assert src.kind is not EndpointKind.EXTERNAL
    assert src.namespace_labels.get("project") != "myproject"
    if result.universe is Universe.INVENTORY:
        assert src.kind is EndpointKind.POD and src.name in {"frontend", "monitoring"}
    # … to a role=db pod in default, on TCP 6379, and not a pod talking to itself.
    assert dst.is_pod and dst.namespace == "default" and dst.labels.get("role") == "db"
    assert (flow.port, flow.protocol) == (6379, Protocol.TCP)
    assert (src.namespace, src.name) != (dst.namespace, dst.name) or src.kind is EndpointKind.NEW_POD
    # And the policy really allows it: by the podSelector peer (role=frontend in default)
    # or the ipBlock peer (an IP in 172.17.0.0/16 outside 172.17.1.0/24).
    decision = decide(cluster, flow)
    assert decision.allowed
    frontend = src.namespace == "default" and src.labels.get("role") == "frontend"
    ip = str(src.ip) if src.ip is not None else ""
    in_block = ip.startswith("172.17.") and not ip.startswith("172.17.1.")
    assert frontend or in_block
    assert any(rule.policy == "default/test-network-policy" for rule in result.rules)


def test_inventory_only_claims_fail_in_the_any_universe(seed: tuple[Cluster, CheckReport]) -> None:
    """The two claims marked `universe: inventory` are really weaker than `any`, as documented."""
    cluster, _ = seed
    properties = [
        p.model_copy(update={"universe": Universe.ANY})
        for p in load_specs([str(SEED_SPEC)])
        if p.name in {"other-namespace-cannot-reach-db", "db-reaches-no-inventory-pod-but-sink"}
    ]
    report = check(cluster, properties, AnalysisOptions())
    assert [r.verdict for r in report.results] == [Verdict.VIOLATED, Verdict.VIOLATED]
    for r in report.results:
        assert r.flow is not None and decide(cluster, r.flow).allowed


def test_counterexamples_are_reproducible_within_one_process(seed: tuple[Cluster, CheckReport]) -> None:
    """Counterexamples are a function of the input: a second run in the same process reports
    the same flows (each encoding has its own Z3 context; CI fingerprints rely on this)."""
    cluster, first = seed
    properties = load_specs([str(SEED_SPEC)])
    again = check(cluster, properties, AnalysisOptions())
    assert [str(r.flow) for r in again.results] == [str(r.flow) for r in first.results]
    assert any(r.flow is not None for r in again.results)


def test_every_result_reports_the_solvers_deterministic_work(seed: tuple[Cluster, CheckReport]) -> None:
    """``solver_rlimit`` is what benchmarks compare across machines; each property ran Z3."""
    _, report = seed
    assert all(r.solver_rlimit > 0 for r in report.results)
