"""Unit test at lint's stage boundary, which the differential suites cross without looking:
the concrete witnesses (verifier.query.lint_witness) that say whether a rule matters, on a
small, hand-checked input.
"""

from __future__ import annotations

from tests.strategies import make_cluster, make_pod, make_policy, pod_peer, port, rule, sel
from verifier.model import IntervalSet
from verifier.query.lint_witness import PodIndex, Witnesses

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
