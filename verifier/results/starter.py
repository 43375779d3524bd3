"""``netverify init``: a starter spec — properties drawn from the input, each with the verdict
it has today, so the user starts from claims that are true and says which ones they mean."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from verifier.results.verdicts import Verdict
from verifier.spec import Property


class StarterProperty(BaseModel):
    """One proposed property, its verdict on the input today and why it was proposed.

    ``active`` properties hold today and go into the spec as they are; the others are written
    commented out with ``note`` (the counterexample), for the user to decide."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    claim: Property
    why: str
    verdict: Verdict
    note: str = ""

    @property
    def active(self) -> bool:
        return self.verdict is Verdict.HOLDS


class StarterSpec(BaseModel):
    """Every namespace with NetworkPolicies, one deny and one reachable property each."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    inputs: tuple[str, ...] = ()
    universe: str = "inventory"
    properties: tuple[StarterProperty, ...] = ()
    namespaces_without_policies: tuple[str, ...] = ()
