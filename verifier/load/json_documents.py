"""JSON text → located documents.

JSON is parsed by the `json` module's C decoder, the fast path for very large dumps
(``kubectl get -o json``). It gives no positions, so `_JsonPositions` finds them in one
regular-expression pass over the text: the decoder builds an object when it reads its closing
brace, so the k-th object built is the one whose ``}`` is the k-th closing brace outside a
string, and a stack over the braces pairs it with its ``{``. Each object becomes a
`LocatedDict` that knows that offset; its line and column are worked out only when asked for
(from newline counts kept per 4 KiB block), so a 34 MB dump pays for the scan, not for a
position per object. A file may hold several concatenated JSON values (a JSON stream).

A key repeated in one object is a Problem, as the API server rejects it; so is a document
nested too deeply to build. Malformed input becomes a `Problem` at the decoder's position;
the values read before the error are still returned.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from verifier.errors import Location, Problem
from verifier.load.located import Document, LocatedDict

# A JSON object's braces outside strings, once escaped backslashes and quotes are blanked.
_JSON_BRACE = re.compile(r'(?:[^"{}]++|"[^"]*+")*+[{}]')
_BLOCK_BITS = 12


class _JsonPositions:
    """Where each JSON object of one text starts, in the order the decoder builds them."""

    def __init__(self, text: str) -> None:
        masked = text.replace("\\\\", "  ").replace('\\"', "  ") if "\\" in text else text
        stack: list[int] = []
        opens: list[int] = []
        push, pop, add = stack.append, stack.pop, opens.append
        for match in _JSON_BRACE.finditer(masked):
            end = match.end() - 1
            if masked[end] == "{":
                push(end)
            else:
                add(pop() if stack else -1)
        self.opens = opens
        self.text = text
        self._lines: list[int] | None = None
        self._last_newline: list[int] = []

    def _index(self) -> list[int]:
        if self._lines is None:
            text, size = self.text, 1 << _BLOCK_BITS
            lines, last, count, newline = [], [], 0, -1
            for start in range(0, len(text) + 1, size):
                lines.append(count)
                last.append(newline)
                count += text.count("\n", start, start + size)
                found = text.rfind("\n", start, start + size)
                if found != -1:
                    newline = found
            self._lines, self._last_newline = lines, last
        return self._lines

    def line_column(self, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset`` (a 4 KiB scan at most)."""
        if offset < 0:
            return 0, 0
        lines = self._index()
        block = offset >> _BLOCK_BITS
        start = block << _BLOCK_BITS
        line = lines[block] + self.text.count("\n", start, offset) + 1
        newline = self.text.rfind("\n", start, offset)
        if newline == -1:
            newline = self._last_newline[block]
        return line, offset - newline


class _JsonDict(LocatedDict):
    """A JSON object: its line and column are computed from its offset on first use.

    Built by the decoder's hook with dict's own (C) initialiser; each file gets a subclass
    whose ``_positions`` is that file's index, and ``_offset`` is set once the file is parsed.
    """

    __slots__ = ("_at", "_offset")

    __init__ = dict.__init__
    _positions: ClassVar[_JsonPositions]
    _offset: int

    def _where(self) -> tuple[int, int]:
        at: tuple[int, int] | None = getattr(self, "_at", None)
        if at is None:
            at = self._at = self._positions.line_column(getattr(self, "_offset", -1))
        return at

    @property
    def line(self) -> int:  # type: ignore[override]
        return self._where()[0]

    @property
    def column(self) -> int:  # type: ignore[override]
        return self._where()[1]


def parse_json(text: str, file: str, problems: list[Problem]) -> Iterator[Document]:
    """The values of a JSON file or JSON stream; every object knows its line and column."""
    duplicates: list[tuple[str, _JsonDict]] = []
    positions = _JsonPositions(text)
    made: list[_JsonDict] = []
    keep = made.append
    cls = type("_JsonDict", (_JsonDict,), {"__slots__": (), "_positions": positions})

    def pairs_to_dict(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: _JsonDict = cls(pairs)
        keep(out)
        if len(out) != len(pairs):
            seen: set[str] = set()
            for key, _value in pairs:
                if key in seen:
                    duplicates.append((key, out))
                seen.add(key)
        return out

    def place() -> None:
        """Give the objects built so far their offsets (the k-th built is the k-th closed)."""
        for obj, offset in zip(made, positions.opens, strict=False):
            obj._offset = offset
        del positions.opens[: len(made)]
        made.clear()

    decoder = json.JSONDecoder(object_pairs_hook=pairs_to_dict)
    pos = 0
    end = len(text)
    while True:
        while pos < end and text[pos] in " \t\r\n":
            pos += 1
        if pos >= end:
            return
        line, column = positions.line_column(pos)
        try:
            data, after = decoder.raw_decode(text, pos)
            place()
        except json.JSONDecodeError as err:
            problems.append(
                Problem(Location(file, err.lineno, err.colno), "", "", f"invalid JSON: {err.msg}")
            )
            return
        except RecursionError:
            problems.append(Problem(Location(file, line, column), "", "", "invalid JSON: nesting too deep"))
            return
        except ValueError as err:  # e.g. an integer of more than 4,300 digits
            reason = " ".join(str(err).split())
            problems.append(Problem(Location(file, line, column), "", "", f"invalid JSON: {reason}"))
            return
        where = Location(file, line, column)
        if duplicates:
            # As the API server does: a repeated key would silently lose one of its values.
            for key, obj in duplicates:
                at = Location(file, obj.line, obj.column) if obj.line else where
                problems.append(
                    Problem(
                        at,
                        "",
                        "",
                        f"duplicate key {key!r} in one JSON object (one of the values would be silently lost)",
                    )
                )
            duplicates.clear()
        yield Document(file, data, where)
        pos = after


__all__ = ["parse_json"]
