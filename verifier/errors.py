"""Located problems with the input, and the one exception that carries them.

Bad input is reported the way a compiler reports it: every problem at once, one line each,
naming the file, the object and the offending value. Library code raises `InputError`
with all problems collected; the CLI prints them and exits with code 2.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


def one_line(text: str) -> str:
    """`text` with every non-printable character (newlines, tabs, U+2028, …) escaped, so that
    a problem or notice is always exactly one line whatever the input held."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass(frozen=True, slots=True)
class Location:
    """Where an object came from: file path (or ``<stdin>``), 1-based line and column.

    ``line``/``column`` are 0 when unknown (JSON input is located per document only).
    """

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.file}:{self.line}:{self.column or 1}"
        return self.file


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the input.

    ``obj`` names the Kubernetes object (``NetworkPolicy default/test-network-policy``) or
    spec property; ``path`` is the field path inside it (``spec.ingress[0].ports[1].port``).
    """

    location: Location
    obj: str
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.obj}: " if self.obj else ""
        field = f"{self.path}: " if self.path else ""
        return one_line(f"{self.location}: {where}{field}{self.message}")


@dataclass(frozen=True, slots=True)
class Notice:
    """A warning: the input was accepted but something was assumed or ignored.

    Nothing is dropped silently: every ignored field or assumption becomes a Notice that the
    CLI shows and the JSON reports carry. ``level`` is ``warning`` or ``note`` (a summary of
    what was skipped as harmless); a Notice about the whole run has an empty ``location.file``
    and prints without one.
    """

    location: Location
    obj: str
    message: str
    level: str = "warning"

    def __str__(self) -> str:
        where = f"{self.obj}: " if self.obj else ""
        at = f"{self.location}: " if self.location.file else ""
        return one_line(f"{at}{self.level}: {where}{self.message}")


#: How a notice about a kind left out with ``--ignore-kind`` starts its message: reports
#: find the ignored kinds in the warnings they are given with `ignored_kinds`.
IGNORED_KIND_PHRASE = "ignored by --ignore-kind "
_IGNORED_KIND = re.compile(re.escape(IGNORED_KIND_PHRASE) + r"([A-Za-z0-9._-]+):")


def ignored_kinds(warnings: Iterable[str]) -> list[str]:
    """The kinds (as given to ``--ignore-kind``, e.g. ``CiliumNetworkPolicy``) that the run
    left out although they may filter traffic, in the order the warnings name them."""
    found: dict[str, None] = {}
    for text in warnings:
        match = _IGNORED_KIND.search(text)
        if match:
            found.setdefault(match.group(1), None)
    return list(found)


class InputError(Exception):
    """The input cannot be analysed; ``problems`` lists every reason, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class UsageError(Exception):
    """A command-line value is malformed (a selector, an endpoint, a port); exit code 2."""
