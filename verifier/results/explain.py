"""``explain``: one flow judged side by side, policy by policy, rule by rule, peer by peer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from verifier.model import Direction
from verifier.results.flows import Decided, Flow, RuleRef, TierRuleRef


class PeerCheck(BaseModel):
    """Whether one peer of a rule matches the other endpoint, and why (one line)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    peer: str
    matched: bool
    reason: str


class PortCheck(BaseModel):
    """Whether one port entry of a rule matches the flow's port/protocol, and why."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    port: str
    matched: bool
    reason: str


class RuleCheck(BaseModel):
    """One rule of an isolating policy judged against a flow.

    A rule matches iff ``peers_ok`` (no ``from``/``to`` = all peers, else some peer matches)
    AND ``ports_ok`` (no ``ports`` = all, else some entry matches). ``peers``/``ports`` are
    empty when the rule has no such list (it then matches every peer / every port).
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    rule: RuleRef
    matched: bool
    peers_ok: bool
    ports_ok: bool
    peers: tuple[PeerCheck, ...] = ()
    ports: tuple[PortCheck, ...] = ()


class PolicyCheck(BaseModel):
    """A policy of the pod's namespace: whether it isolates the pod in this direction (and
    why not), and — when it does — every rule judged."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    policy: RuleRef
    isolates: bool
    reason: str
    rules: tuple[RuleCheck, ...] = ()


class TierRuleCheck(BaseModel):
    """One rule of a tier policy judged against a flow, in the policy's written order.

    ``matched`` None: the manifests cannot say (a domainNames peer and an external address).
    ``fired``: this rule is the policy's first match (or a possible one), so its action is
    what the policy does."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    rule: TierRuleRef
    matched: bool | None
    fired: bool = False
    peers: tuple[PeerCheck, ...] = ()
    ports: tuple[PortCheck, ...] = ()


class TierPolicyCheck(BaseModel):
    """A tier policy against the judged pod: whether its subject selects the pod (and why
    not), its rules in order, and the outcomes it yields (Allow, Deny, Pass, NoMatch)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    policy: str  # Kind/name
    tier: str
    priority: int | None
    selects: bool
    reason: str
    rules: tuple[TierRuleCheck, ...] = ()
    outcomes: tuple[str, ...] = ()
    reached: bool = True


class SideExplanation(BaseModel):
    """One side of a flow: egress at the source or ingress at the destination.

    ``policies`` are the NetworkPolicies of the pod's namespace (isolating ones first).
    Without tiers the side allows the flow iff it is not isolated or some rule of an isolating
    policy matched. With tiers, ``admin`` and ``baseline`` are the tier policies in evaluation
    order, ``verdicts`` every verdict the chain can reach, ``decided_in`` which tier decided
    and ``undecided`` why the manifests leave it open; ``allowed`` is then must-allow.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    direction: Direction
    endpoint: str
    isolated: bool
    allowed: bool
    policies: tuple[PolicyCheck, ...] = ()
    admin: tuple[TierPolicyCheck, ...] = ()
    baseline: tuple[TierPolicyCheck, ...] = ()
    verdicts: tuple[bool, ...] = ()
    decided_in: Decided = "networkpolicy"
    undecided: str = ""


class Explanation(BaseModel):
    """``explain``: the verdict on one concrete flow and the full chain behind it.

    ``allowed`` is the oracle's verdict; ``egress``/``ingress`` are None for an external end.
    ``blockers`` lists, when denied, one line per isolating policy that failed, naming the
    reason each of its rules did not match.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    flow: Flow
    allowed: bool
    self_traffic: bool = False
    undecided: str = ""
    egress: SideExplanation | None = None
    ingress: SideExplanation | None = None
    blockers: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
