"""Field validators shared by the resource loader and the spec parser.

Each validator mirrors what the Kubernetes API server accepts for that field and, on bad
input, records one `Problem` per defect (field path + offending value) and returns None, so
that a caller can keep going and report everything at once. A caller that needs to know
whether a subtree was valid compares ``len(ctx.problems)`` before and after.

This module holds the context, names, labels and structure; the policy fields (selectors,
ports, ipBlocks, peers) are in `verifier.load.policy_fields`.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from verifier.errors import Location, Notice, Problem
from verifier.load.reader import LocatedDict
from verifier.model import (
    ContainerPort,
    Protocol,
)

PROTOCOLS = frozenset(p.value for p in Protocol)

_DNS1123_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_RE = re.compile(rf"^{_DNS1123_LABEL}(?:\.{_DNS1123_LABEL})*$")
_DNS1123_LABEL_RE = re.compile(rf"^{_DNS1123_LABEL}$")
_QUALIFIED_NAME_RE = re.compile(r"^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)$")
_LABEL_VALUE_RE = re.compile(r"^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?$")
_IANA_SVC_NAME_RE = re.compile(r"^[a-z0-9](?:-?[a-z0-9])*$")


@dataclass(slots=True)
class Diagnostics:
    """Everything found wrong (problems) or assumed (notices) during one load."""

    problems: list[Problem] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


@dataclass(slots=True)
class Ctx:
    """Where validation is happening: the file, the object's display name and its location
    (used for values that carry no position of their own, e.g. JSON)."""

    diag: Diagnostics
    file: str
    obj: str
    where: Location

    def at(self, node: object) -> Location:
        if isinstance(node, LocatedDict) and node.line:
            return Location(self.file, node.line, node.column)
        return self.where

    def problem(self, node: object, path: str, message: str) -> None:
        self.diag.problems.append(Problem(self.at(node), self.obj, path, message))

    def notice(self, node: object, message: str) -> None:
        self.diag.notices.append(Notice(self.at(node), self.obj, message))

    @property
    def problem_count(self) -> int:
        return len(self.diag.problems)


def show(value: Any) -> str:
    """A short, one-line rendering of an offending value."""
    if isinstance(value, str):
        text = json.dumps(value)
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        try:
            if isinstance(value, int | float):
                text = str(value)
            else:
                text = json.dumps(value, default=str, separators=(", ", ": "))
        except (TypeError, ValueError, RecursionError):  # odd keys, huge numbers, deep nesting
            text = f"<{type_name(value)}>"
    return text if len(text) <= 80 else text[:77] + "..."


def type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if value is None:
        return "null"
    return "a string"


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


# --- names and labels -------------------------------------------------------------------


def qualified_name_error(key: str) -> str | None:
    """Why `key` is not a valid label key (k8s qualified name), or None."""
    prefix, slash, name = key.rpartition("/")
    if slash:
        if not prefix:
            return "prefix part must be non-empty"
        if len(prefix) > 253 or not _DNS1123_SUBDOMAIN_RE.match(prefix):
            return "prefix part must be a lowercase DNS subdomain (e.g. 'example.com')"
    if not name:
        return "name part must be non-empty"
    if len(name) > 63:
        return "name part must be no more than 63 characters"
    if not _QUALIFIED_NAME_RE.match(name):
        return (
            "name part must consist of alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character"
        )
    return None


def label_value_error(value: str) -> str | None:
    """Why `value` is not a valid label value, or None."""
    if len(value) > 63:
        return "must be no more than 63 characters"
    if not _LABEL_VALUE_RE.match(value):
        return (
            "must be empty or consist of alphanumeric characters, '-', '_' or '.', "
            "and must start and end with an alphanumeric character"
        )
    return None


def iana_svc_name_error(name: str) -> str | None:
    """Why `name` is not a valid named port (IANA_SVC_NAME), or None."""
    if len(name) > 15:
        return "must be no more than 15 characters"
    if not _IANA_SVC_NAME_RE.match(name):
        return (
            "must contain only lowercase letters, digits and '-', "
            "must not begin or end with '-' nor contain '--'"
        )
    if not any(c.isalpha() for c in name):
        return "must contain at least one letter"
    return None


def dns_subdomain_error(name: str) -> str | None:
    if len(name) > 253 or not _DNS1123_SUBDOMAIN_RE.match(name):
        return "must be a lowercase RFC 1123 subdomain (letters, digits, '-' and '.')"
    return None


def dns_label_error(name: str) -> str | None:
    if len(name) > 63 or not _DNS1123_LABEL_RE.match(name):
        return "must be a lowercase RFC 1123 label (at most 63 letters, digits and '-')"
    return None


class LabelCache:
    """Label keys and values already found valid, and container ports already built: real
    inventories repeat them endlessly. One per load (no module-level state)."""

    __slots__ = ("keys", "ports", "values")

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.values: set[str] = set()
        self.ports: dict[tuple[int, Protocol, str | None], ContainerPort] = {}


def labels(
    ctx: Ctx, value: Any, path: str, node: object, cache: LabelCache | None = None
) -> dict[str, str] | None:
    """A ``labels``/``matchLabels`` mapping: valid keys, string values."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        ctx.problem(
            node, path, f"must be a mapping of label keys to values, got {type_name(value)} {show(value)}"
        )
        return None
    here = value if isinstance(value, LocatedDict) else node
    keys = cache.keys if cache is not None else set()
    values = cache.values if cache is not None else set()
    ok = True
    for key, val in value.items():
        if key not in keys:
            err = qualified_name_error(key) if isinstance(key, str) else "must be a string"
            if err:
                ctx.problem(here, path, f"invalid label key {show(key)}: {err}")
                ok = False
                continue
            keys.add(key)
        if not isinstance(val, str) or val not in values:
            if not isinstance(val, str):
                hint = " (quote it)" if isinstance(val, bool | int | float) else ""
                ctx.problem(here, join(path, key), f"label value must be a string{hint}, got {show(val)}")
                ok = False
                continue
            err = label_value_error(val)
            if err:
                ctx.problem(here, join(path, key), f"invalid label value {show(val)}: {err}")
                ok = False
                continue
            values.add(val)
    return dict(value) if ok else None


# --- structure --------------------------------------------------------------------------


def known_fields(ctx: Ctx, value: dict[Any, Any], allowed: Iterable[str], path: str) -> bool:
    """Report every key of `value` not in `allowed` (with a did-you-mean); True if none."""
    allowed_list = list(allowed)
    ok = True
    for key in value:
        if key not in allowed_list:
            lower = {a.lower(): a for a in allowed_list}
            guess = lower.get(str(key).lower()) or next(
                iter(difflib.get_close_matches(str(key), allowed_list, n=1)), None
            )
            hint = (
                f" (did you mean {guess!r}?)" if guess else f" (expected one of: {', '.join(allowed_list)})"
            )
            ctx.problem(value, join(path, str(key)), f"unknown field {show(key)}{hint}")
            ok = False
    return ok


def mapping(ctx: Ctx, value: Any, path: str, node: object) -> dict[Any, Any] | None:
    """`value` if it is a mapping; else a Problem and None (null is "missing": None, no Problem)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        ctx.problem(node, path, f"must be a mapping, got {type_name(value)} {show(value)}")
        return None
    return value


def sequence(ctx: Ctx, value: Any, path: str, node: object) -> list[Any] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        ctx.problem(node, path, f"must be a list, got {type_name(value)} {show(value)}")
        return None
    return value


def string(ctx: Ctx, value: Any, path: str, node: object) -> str | None:
    if not isinstance(value, str):
        ctx.problem(node, path, f"must be a string, got {type_name(value)} {show(value)}")
        return None
    return value


def is_int(value: Any) -> TypeGuard[int]:
    """An integer that is not a bool (YAML ``true`` must not pass as port 1)."""
    return isinstance(value, int) and not isinstance(value, bool)
