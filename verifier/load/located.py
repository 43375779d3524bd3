"""Parsed values that know where they come from: `LocatedDict` (a mapping with its 1-based
line and column), `Document` (one top-level value of a file) and `locate`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from verifier.errors import Location


class LocatedDict(dict[Any, Any]):
    """A mapping that remembers where it starts in its file (1-based; 0 = unknown)."""

    __slots__ = ("column", "line")

    def __init__(self, line: int = 0, column: int = 0) -> None:
        super().__init__()
        self.line = line
        self.column = column


def locate(value: object, file: str, fallback: Location) -> Location:
    """The location of a parsed value: its own mark if it is a YAML mapping, else `fallback`."""
    if isinstance(value, LocatedDict) and value.line:
        return Location(file, value.line, value.column)
    return fallback


@dataclass(frozen=True, slots=True)
class Document:
    """One top-level value of a file, with the file's display name and its start."""

    file: str
    data: Any
    location: Location


__all__ = ["Document", "LocatedDict", "locate"]
