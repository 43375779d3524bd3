"""Semantic diff and exposure as region lists (see `verifier.solve.regions`).

Both policy sets are encoded over *one* symbolic flow and one encoding whose vocabulary and
inventory were built from both (so every label value and ipBlock boundary of either version
is in play):

- added   = domain ∧ allowed_new ∧ ¬allowed_old
- removed = domain ∧ allowed_old ∧ ¬allowed_new

optionally restricted to the flows *outside* a property's scope (the safe-change gate). The
example flow of every region is replayed through the oracle on both versions.

Exposure: domain ∧ destination-in-scope ∧ allowed — who can reach the destination set.

With cluster-wide tier policies a flow's verdict may be left to the implementation (a
same-priority conflict, a ``domainNames`` peer; `verifier.encode.Verdicts`). The choice here
is security-conservative: a flow that *might* be open counts as open. So ``added`` compares
may-allow (may_new ∧ ¬may_old: the flows that might now get through and surely did not), and
exposure lists may-allowed flows; ``removed`` compares must-allow (must_old ∧ ¬must_new: the
flows that surely got through and now might not). Identical versions give two empty lists.
Without tier policies may and must are one term and all of this is the plain definition.
"""

from __future__ import annotations

from collections.abc import Sequence

import z3

from verifier.encode import Encoding, Verdicts
from verifier.model import Cluster, NetworkPolicy
from verifier.oracle import decide
from verifier.results import Decision, Flow, RegionList
from verifier.solve.regions import Regions
from verifier.spec import SpecPeer


class NamespaceJudge:
    """The oracle's verdict, computed on only the policies that can matter for a flow.

    A policy selects pods of its own namespace only, so only the policies of the source's and
    the destination's namespaces can judge a flow; deciding with just those gives the oracle's
    verdict on the whole cluster without scanning thousands of policies per flow. Used as the
    fast membership test while regions grow; every reported example is still replayed through
    `decide` on the whole cluster.
    """

    def __init__(self, cluster: Cluster, *, ipblock_pods: bool) -> None:
        self.cluster = cluster
        self.ipblock_pods = ipblock_pods
        self.by_namespace: dict[str, list[NetworkPolicy]] = {}
        for policy in cluster.policies:
            self.by_namespace.setdefault(policy.namespace, []).append(policy)
        self.views: dict[tuple[str | None, str | None], Cluster] = {}

    def allowed(self, flow: Flow) -> bool:
        """Must-allow (`Decision.allowed`)."""
        return self.decision(flow).allowed

    def may_allow(self, flow: Flow) -> bool:
        """May-allow (`Decision.may_allow`): some implementation choice lets it through."""
        return self.decision(flow).may_allow

    def decision(self, flow: Flow) -> Decision:
        key = (
            flow.source.namespace if flow.source.is_pod else None,
            flow.destination.namespace if flow.destination.is_pod else None,
        )
        view = self.views.get(key)
        if view is None:
            namespaces = [ns for ns in dict.fromkeys(key) if ns is not None]
            policies = tuple(p for ns in namespaces for p in self.by_namespace.get(ns, ()))
            view = self.cluster.model_copy(update={"policies": policies})
            self.views[key] = view
        return decide(view, flow, ipblock_pods=self.ipblock_pods)


def flow_space(enc: Encoding) -> z3.BoolRef:
    """Every flow that exists in the encoding's universe."""
    return enc.t.and_([enc.domain(enc.src), enc.domain(enc.dst), enc.flow_domain()])


def allowed_by(enc: Encoding, cluster: Cluster) -> Verdicts:
    """The verdict terms of ``cluster``'s policies (NetworkPolicies and tiers) over ``enc``'s flow."""
    policies: Sequence[NetworkPolicy] = cluster.policies
    return enc.verdicts(policies, policies, cluster.tier_policies, cluster.nodes)


def diff_side(
    enc: Encoding,
    old: Cluster,
    new: Cluster,
    *,
    gained: bool,
    ipblock_pods: bool,
    timeout_s: float,
    rlimit: int = 0,
    max_regions: int = 20,
    outside: z3.BoolRef | None = None,
    allowed: tuple[Verdicts, Verdicts] | None = None,
) -> RegionList:
    """The flows only the new (``gained``) or only the old policies allow, as regions:
    gained compares may-allow, lost compares must-allow (module docstring).

    ``outside`` (a scope term) restricts them to flows outside it; ``allowed`` are the two
    versions' terms when the caller already built them.
    """
    t = enc.t
    before, after = allowed or (allowed_by(enc, old), allowed_by(enc, new))
    base = flow_space(enc)
    if outside is not None:
        base = t.and_([base, t.not_(outside)])

    def verdict(decision: Decision) -> bool:
        return decision.may_allow if gained else decision.allowed

    def replay(flow: Flow) -> str | None:
        was = verdict(decide(old, flow, ipblock_pods=ipblock_pods))
        now = verdict(decide(new, flow, ipblock_pods=ipblock_pods))
        if (now and not was) if gained else (was and not now):
            return None
        return (
            f"internal inconsistency: Z3 says {flow} is {'newly allowed' if gained else 'newly denied'}, the "
            f"oracle says old={'allowed' if was else 'denied'} new={'allowed' if now else 'denied'}; please report this"
        )

    judge_old = NamespaceJudge(old, ipblock_pods=ipblock_pods)
    judge_new = NamespaceJudge(new, ipblock_pods=ipblock_pods)

    def member(flow: Flow) -> bool:
        was = verdict(judge_old.decision(flow))
        now = verdict(judge_new.decision(flow))
        return (now and not was) if gained else (was and not now)

    # gained: might now get through, surely did not before; lost: surely did, might not now
    gained_term = t.and_([after.may, t.not_(before.may)])
    formula = gained_term if gained else t.and_([before.must, t.not_(after.must)])
    regions = Regions(enc, base, formula, timeout_s=timeout_s, rlimit=rlimit)
    return regions.enumerate(max_regions=max_regions, replay=replay, member=member)


def diff_regions(
    enc: Encoding,
    old: Cluster,
    new: Cluster,
    *,
    ipblock_pods: bool,
    timeout_s: float,
    rlimit: int = 0,
    max_regions: int = 20,
    outside: z3.BoolRef | None = None,
) -> tuple[RegionList, RegionList]:
    """(added, removed): flows only the new / only the old policies allow (`diff_side`)."""
    allowed = (allowed_by(enc, old), allowed_by(enc, new))
    sides = [
        diff_side(
            enc,
            old,
            new,
            gained=gained,
            ipblock_pods=ipblock_pods,
            timeout_s=timeout_s,
            rlimit=rlimit,
            max_regions=max_regions,
            outside=outside,
            allowed=allowed,
        )
        for gained in (True, False)
    ]
    return sides[0], sides[1]


def exposure_regions(
    enc: Encoding,
    cluster: Cluster,
    destination: SpecPeer,
    *,
    ipblock_pods: bool,
    timeout_s: float,
    rlimit: int = 0,
    max_regions: int = 20,
) -> RegionList:
    """Every allowed flow into ``destination``, as regions (sources × destinations × ports).
    With tiers, every flow that *may* be allowed (module docstring)."""
    t = enc.t
    formula = t.and_([enc.spec_peer(destination, enc.dst), allowed_by(enc, cluster).may])

    def replay(flow: Flow) -> str | None:
        if decide(cluster, flow, ipblock_pods=ipblock_pods).may_allow:
            return None
        return f"internal inconsistency: Z3 says {flow} is allowed, the oracle denies it; please report this"

    judge = NamespaceJudge(cluster, ipblock_pods=ipblock_pods)

    def member(flow: Flow) -> bool:
        return destination.contains(flow.destination) and judge.may_allow(flow)

    regions = Regions(enc, flow_space(enc), formula, timeout_s=timeout_s, rlimit=rlimit)
    return regions.enumerate(max_regions=max_regions, replay=replay, member=member)


__all__ = ["NamespaceJudge", "allowed_by", "diff_regions", "diff_side", "exposure_regions", "flow_space"]
