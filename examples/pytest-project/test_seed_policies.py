"""Properties of the seed's NetworkPolicy written in Python, next to the spec file's.

`netverify_cluster()` loads the manifests of pytest.ini (once per session); each helper
proves one property and, when it does not hold, fails with the counterexample flow and the
rules involved.
"""

from __future__ import annotations

from collections.abc import Callable

from verifier import api
from verifier.testing import assert_allowed, assert_denied, assert_reachable

Clusters = Callable[..., api.Cluster]  # the netverify_cluster fixture: paths -> Cluster


def test_other_namespace_cannot_reach_the_db(netverify_cluster: Clusters) -> None:
    assert_denied(netverify_cluster(), src="ns:other", dst="ns:default/role=db", port=6379)


def test_myproject_reaches_the_db_from_every_pod_that_could_exist(netverify_cluster: Clusters) -> None:
    assert_allowed(
        netverify_cluster(),
        src={"namespaceSelector": "project=myproject"},
        dst="ns:default/role=db",
        port="6379/TCP",
        universe="any",
    )


def test_the_db_reaches_its_backup_range_and_nothing_else(netverify_cluster: Clusters) -> None:
    cluster = netverify_cluster()
    witness = assert_reachable(cluster, src="ns:default/role=db", dst="10.0.0.0/24", port=5978).flow
    assert witness is not None and str(witness.destination).startswith("10.0.0.")
    assert_denied(cluster, src="ns:default/role=db", dst=["0.0.0.0/0", "::/0"], port="any/UDP")


def test_the_frontend_pod_reaches_the_db_on_6379_only(netverify_cluster: Clusters) -> None:
    cluster = netverify_cluster()
    assert api.explain(cluster, "default/frontend", "default/db", 6379).allowed
    assert not api.explain(cluster, "default/frontend", "default/db", 6380).allowed
