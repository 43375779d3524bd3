"""Label selectors: Kubernetes `metav1.LabelSelector` semantics, plus kubectl selector syntax.

A selector matches a label set iff every `matchLabels` pair is present AND every
`matchExpressions` requirement holds (requirements are AND-ed). Operators:

- ``In``: the key is present and its value is one of ``values``;
- ``NotIn``: the key is absent, or its value is none of ``values``;
- ``Exists`` / ``DoesNotExist``: the key is present / absent (``values`` must be empty).

The empty selector ``{}`` matches everything. Whether a *missing* selector means "everything"
or "nothing" depends on where it appears; that is decided by the resource types, not here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from verifier.errors import UsageError


class Operator(StrEnum):
    """Set-based requirement operators of `metav1.LabelSelectorRequirement`."""

    IN = "In"
    NOT_IN = "NotIn"
    EXISTS = "Exists"
    DOES_NOT_EXIST = "DoesNotExist"


class Requirement(BaseModel):
    """One `matchExpressions` entry (or one `matchLabels` pair, as ``In`` with one value)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.key)
        if self.operator is Operator.IN:
            return value is not None and value in self.values
        if self.operator is Operator.NOT_IN:
            return value is None or value not in self.values
        if self.operator is Operator.EXISTS:
            return value is not None
        return value is None

    def __str__(self) -> str:
        if self.operator is Operator.EXISTS:
            return self.key
        if self.operator is Operator.DOES_NOT_EXIST:
            return f"!{self.key}"
        if self.operator is Operator.IN and len(self.values) == 1:
            return f"{self.key}={self.values[0]}"
        if self.operator is Operator.NOT_IN and len(self.values) == 1:
            return f"{self.key}!={self.values[0]}"
        word = "in" if self.operator is Operator.IN else "notin"
        return f"{self.key} {word} ({','.join(self.values)})"


class LabelSelector(BaseModel):
    """A validated label selector; `match_labels` and `match_expressions` are AND-ed."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        for key, value in self.match_labels:
            if labels.get(key) != value:
                return False
        return all(req.matches(labels) for req in self.match_expressions)

    def miss(self, labels: Mapping[str, str]) -> str | None:
        """The first requirement ``labels`` fail, as a phrase (None: the selector matches)."""
        for req in self.requirements():
            if req.matches(labels):
                continue
            have = labels.get(req.key)
            has = f"has {req.key}={have}" if have is not None else f"has no {req.key} label"
            if req.operator is Operator.IN:
                want = (
                    f"{req.key}={req.values[0]}"
                    if len(req.values) == 1
                    else f"{req.key} in ({','.join(req.values)})"
                )
                return f"needs {want}, but {has}"
            if req.operator is Operator.NOT_IN:
                return f"needs {req.key} not in ({','.join(req.values)}), but {has}"
            if req.operator is Operator.EXISTS:
                return f"needs a {req.key} label, but has none"
            return f"needs no {req.key} label, but {has}"
        return None

    def may_match(self, known: Mapping[str, str]) -> bool:
        """Some label set that agrees with ``known`` on its keys, and is free on every other
        key, matches (a namespace the input does not declare: only its name is known)."""
        free: dict[str, list[Requirement]] = {}
        for req in self.requirements():
            if req.key in known:
                if not req.matches(known):
                    return False
            else:
                free.setdefault(req.key, []).append(req)
        for key, reqs in free.items():
            # absent, a mentioned value, or a value nobody mentions: one of them must do
            candidates: list[str | None] = [None, *sorted({v for r in reqs for v in r.values}), "\x00other"]
            if not any(all(r.matches({} if c is None else {key: c}) for r in reqs) for c in candidates):
                return False
        return True

    def must_match(self, known: Mapping[str, str]) -> bool:
        """Every label set that agrees with ``known`` on its keys matches: each requirement is
        on a known key (a requirement on a free key can always be falsified)."""
        return all(req.key in known for req in self.requirements()) and self.matches(known)

    @property
    def is_empty(self) -> bool:
        """True for ``{}``, which selects every object."""
        return not self.match_labels and not self.match_expressions

    def requirements(self) -> tuple[Requirement, ...]:
        """All constraints as requirements (matchLabels pairs become single-value ``In``)."""
        pairs = tuple(Requirement(key=k, operator=Operator.IN, values=(v,)) for k, v in self.match_labels)
        return pairs + self.match_expressions

    def __str__(self) -> str:
        if self.is_empty:
            return "{}"
        return ",".join(str(r) for r in self.requirements())


EVERYTHING = LabelSelector()

_KEY = r"(?:[A-Za-z0-9][-A-Za-z0-9_.]*/)?[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?"
_VALUE = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?"
_SET = re.compile(rf"^\s*({_KEY})\s+(in|notin)\s+\(\s*([^)]*)\)\s*$")
_EQ = re.compile(rf"^\s*({_KEY})\s*(==|=|!=)\s*({_VALUE})\s*$")
_EXISTS = re.compile(rf"^\s*(!?)\s*({_KEY})\s*$")
_VALUE_RE = re.compile(rf"^{_VALUE}$")


def _split_terms(text: str) -> list[str]:
    """Split on commas that are not inside a ``( … )`` value set."""
    terms: list[str] = []
    depth = 0
    current = ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += ch
    terms.append(current)
    return terms


def parse_selector(text: str) -> LabelSelector:
    """Parse kubectl label-selector syntax: ``a=b,c!=d,e in (x,y),f notin (z),g,!h``.

    The empty string selects everything, as with ``kubectl -l ''``. Raises `UsageError` with
    the offending term on malformed input.
    """
    if not text.strip():
        return EVERYTHING
    reqs: list[Requirement] = []
    for raw in _split_terms(text):
        term = raw.strip()
        if not term:
            raise UsageError(f"label selector {text!r}: empty term")
        if m := _SET.match(term):
            values = tuple(v.strip() for v in m.group(3).split(",") if v.strip())
            if not values:
                raise UsageError(f"label selector {text!r}: {term!r} needs at least one value")
            for v in values:
                if not _VALUE_RE.match(v):
                    raise UsageError(f"label selector {text!r}: invalid label value {v!r}")
            op = Operator.IN if m.group(2) == "in" else Operator.NOT_IN
            reqs.append(Requirement(key=m.group(1), operator=op, values=values))
        elif m := _EQ.match(term):
            op = Operator.NOT_IN if m.group(2) == "!=" else Operator.IN
            reqs.append(Requirement(key=m.group(1), operator=op, values=(m.group(3),)))
        elif m := _EXISTS.match(term):
            op = Operator.DOES_NOT_EXIST if m.group(1) else Operator.EXISTS
            reqs.append(Requirement(key=m.group(2), operator=op))
        else:
            raise UsageError(f"label selector {text!r}: cannot parse {term!r}")
    return LabelSelector(match_expressions=tuple(reqs))
