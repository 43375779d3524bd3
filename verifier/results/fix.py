"""``fix``: policy edits that make a violated property hold, each with its proofs.

A `Fix` is one or more `FixEdit`s — each a patch of one manifest object as RFC 6902 JSON
Patch operations (`PatchOp`, paths relative to the object: ``/spec/ingress/0/from/2``), or a
new object — and the two proofs behind it: the property re-checked on the patched cluster,
and the semantic diff of the input against the patched cluster restricted to the flows
*outside* the property's scope (`FixStatus`). Fixes are ranked by size: the rules they touch
plus the selector terms, peers and port entries they add or remove.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from verifier.errors import Location
from verifier.model import Cluster, Universe
from verifier.results.flows import Flow
from verifier.results.regions import RegionList
from verifier.results.verdicts import Verdict
from verifier.spec import Expect

_UNKNOWN = Location("<unknown>")
NEW_FILE = "netverify-fix.yaml"


class EditKind(StrEnum):
    """What one edit does (the candidate kinds of ``netverify fix``)."""

    REMOVE_PEER = "remove-peer"
    NARROW_PEER = "narrow-peer"
    EXCEPT_ADDRESSES = "except-addresses"
    RESTRICT_PORTS = "restrict-ports"
    SPLIT_RULE = "split-rule"
    REMOVE_RULE = "remove-rule"
    ADD_RULE = "add-rule"
    NEW_POLICY = "new-policy"
    ADMIN_DENY = "admin-deny"


class PatchOp(BaseModel):
    """One RFC 6902 operation against a manifest object (``value`` unused by ``remove``)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    op: Literal["add", "remove", "replace"]
    path: str
    value: Any = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"op": self.op, "path": self.path}
        if self.op != "remove":
            out["value"] = self.value
        return out


class FixEdit(BaseModel):
    """One edit of one object: ``patch`` applies to the object that starts at ``location``
    (its document or List item), or — ``new_object`` — creates it (one ``add`` of the whole
    object at path ``""``; ``location.file`` is the file it goes into, ``<unknown>`` for a
    new file). ``rule`` names the rule it changes (``default/np ingress[0]``) and ``terms``
    counts the selector terms, peers and port entries it adds or removes."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    kind: EditKind
    description: str
    object_kind: str
    namespace: str | None = None
    name: str
    location: Location = _UNKNOWN
    rule_location: Location = _UNKNOWN
    patch: tuple[PatchOp, ...]
    new_object: bool = False
    rule: str = ""
    terms: int = 1

    @property
    def target(self) -> str:
        """``NetworkPolicy default/np``, ``AdminNetworkPolicy name``."""
        key = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.object_kind} {key}"


class FixStatus(StrEnum):
    """What was proved about a candidate that makes the property hold."""

    PROVED = "proved"  # the property holds (Z3) and nothing outside its scope changed (Z3)
    NOT_IN_SCOPE = "not-in-scope"  # the property holds, but flows outside the scope changed
    UNKNOWN = "unknown"  # a solver query gave up: never a proof
    ERROR = "error"  # an internal inconsistency (a replayed example disagreed with the oracle)


class Fix(BaseModel):
    """A candidate fix and its proofs. ``outside_added`` / ``outside_removed``: the flows
    outside the property's scope that the fix allows / denies anew (empty and complete =
    proved unchanged). ``patched`` is the cluster the proofs were made on (not reported)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    status: FixStatus
    edits: tuple[FixEdit, ...]
    rules_changed: int
    terms_changed: int
    verdict: Verdict = Verdict.HOLDS
    outside_added: RegionList | None = None
    outside_removed: RegionList | None = None
    reason: str = ""
    #: Other properties of the run that held on the input and do not on the patched cluster
    #: (``name (verdict)``): the fix is proved for its own property; these claims conflict.
    breaks: tuple[str, ...] = ()
    patched: Cluster | None = Field(default=None, exclude=True, repr=False)

    @property
    def size(self) -> int:
        """The ranking key: rules changed plus selector terms, peers and ports changed."""
        return self.rules_changed + self.terms_changed

    @property
    def proved(self) -> bool:
        return self.status is FixStatus.PROVED


class PropertyFix(BaseModel):
    """The fixes found for one property. ``verdict`` and ``flow`` are the property's on the
    input (a counterexample; for ``reachable`` None); ``fixes`` are ranked — proved ones
    first, then those that change flows outside the scope, then inconclusive ones, each by
    size; ``candidates`` counts the patched clusters that were proved or refuted; ``hints``
    say why no fix stays inside the scope, when none does."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    name: str
    expect: Expect
    universe: Universe
    verdict: Verdict
    description: str = ""
    flow: Flow | None = None
    fixes: tuple[Fix, ...] = ()
    candidates: int = 0
    reason: str = ""
    hints: tuple[str, ...] = ()
    location: Location = Location("<command line>")

    @property
    def proved(self) -> tuple[Fix, ...]:
        return tuple(f for f in self.fixes if f.proved)

    @property
    def best(self) -> Fix | None:
        """The first proved fix (the one ``--apply`` writes)."""
        return next(iter(self.proved), None)

    @property
    def needs_fix(self) -> bool:
        return self.verdict is Verdict.VIOLATED


class FixReport(BaseModel):
    """``netverify fix``: one `PropertyFix` per property asked about. ``tier`` is ``admin``
    when Admin-tier candidates were allowed (``--tier admin``)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    results: tuple[PropertyFix, ...]
    tier: str | None = None
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    #: How many fixes per property a text report shows in full (JSON has them all).
    max_fixes: int = 3
    #: The file new objects go to when the input has no YAML file of policies to hold them.
    new_file: str = NEW_FILE

    @property
    def unfixed(self) -> tuple[PropertyFix, ...]:
        """Violated properties without a proved in-scope fix."""
        return tuple(r for r in self.results if r.needs_fix and r.best is None)


__all__ = ["NEW_FILE", "EditKind", "Fix", "FixEdit", "FixReport", "FixStatus", "PatchOp", "PropertyFix"]
