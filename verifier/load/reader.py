"""Files, directories and stdin → located documents.

YAML is parsed by libyaml (``yaml.CSafeLoader`` when PyYAML was built with it) into a node
tree, and the tree is turned into Python values by `_build`, a small recursive builder that
is several times faster than PyYAML's generic constructor and records where every mapping
starts: each mapping becomes a `LocatedDict` with 1-based ``line``/``column``. That is what
lets every policy rule and every error point at its source line. Timestamps stay strings
(nothing here needs dates) and plain-scalar tag resolution is cached per file, because
kubectl dumps repeat the same scalars thousands of times.

JSON is parsed by the `json` module's C decoder, which is the fast path for very large dumps
(``kubectl get -o json``). It gives no positions, so `_JsonPositions` finds them in one
regular-expression pass over the text: the decoder builds an object when it reads its closing
brace, so the k-th object built is the one whose ``}`` is the k-th closing brace outside a
string, and a stack over the braces pairs it with its ``{``. Each object becomes a
`LocatedDict` that knows that offset; its line and column are worked out only when asked for
(from newline counts kept per 4 KiB block), so a 34 MB dump pays for the scan, not for a
position per object. A file may hold several concatenated JSON values (a JSON stream).

A key repeated in one mapping is a Problem in both formats, as the API server rejects it:
one of the two values would otherwise be lost without a word. So is a document nested too
deeply to build, or a YAML value whose explicit tag cannot hold it (``!!int abc``).

Malformed input becomes a `Problem` at the parser's mark; the documents of a file read before
the error are still returned, so all files are checked in one run.
"""

from __future__ import annotations

import fnmatch
import gc
import json
import os
import re
import sys
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar, TextIO

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from verifier.errors import Location, Problem

_BaseLoader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)
STDIN_NAME = "<stdin>"

_RESOLVE_CACHE_LIMIT = 1 << 16


class LocatedDict(dict[Any, Any]):
    """A mapping that remembers where it starts in its file (1-based; 0 = unknown)."""

    __slots__ = ("column", "line")

    def __init__(self, line: int = 0, column: int = 0) -> None:
        super().__init__()
        self.line = line
        self.column = column


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


class _Loader(_BaseLoader):  # type: ignore[misc]
    """libyaml parser + composer; scalars resolved with a per-instance cache."""

    # Timestamps are left as strings: resolving them costs time and nothing needs dates.
    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, Any]]]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._tag_cache: dict[str, str] = {}

    # No path resolvers are registered; skip the bookkeeping libyaml's composer asks for.
    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        return None

    def ascend_resolver(self) -> None:
        return None

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        # Only called for untagged nodes; collections then get the default tags.
        if kind is MappingNode:
            return _MAP
        if kind is SequenceNode:
            return _SEQ
        if implicit[0]:
            cache = self._tag_cache
            tag = cache.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(cache) < _RESOLVE_CACHE_LIMIT:
                    cache[value] = tag
            return tag
        return _STR


def show_tag(tag: str) -> str:
    """``tag:yaml.org,2002:int`` → ``!!int``."""
    prefix = "tag:yaml.org,2002:"
    return "!!" + tag[len(prefix) :] if tag.startswith(prefix) else tag


class _BuildError(Exception):
    """A value that cannot be built, with the node it comes from."""

    def __init__(self, message: str, node: Node) -> None:
        super().__init__(message)
        self.message = message
        self.line = node.start_mark.line + 1
        self.column = node.start_mark.column + 1


class _Builder:
    """Node tree → Python values, with `LocatedDict` mappings.

    Shared (aliased) collections are built once, so alias bombs stay linear; merge keys
    (``<<``) are honoured with explicit keys winning, as in PyYAML.
    """

    def __init__(self) -> None:
        self._scalars = SafeConstructor()
        self._memo: dict[int, Any] = {}
        self.duplicate_keys: list[tuple[str, int, int]] = []

    def reset(self) -> None:
        """Forget the previous document (node ids may be reused once its nodes are freed)."""
        self._memo.clear()
        self.duplicate_keys.clear()

    def build(self, node: Node) -> Any:
        kind = type(node)
        if kind is ScalarNode:
            tag = node.tag
            if tag == _STR:
                return node.value
            if tag == _NULL:
                return None
            try:
                if tag == _INT:
                    return self._scalars.construct_yaml_int(node)  # type: ignore[arg-type]
                if tag == _BOOL:
                    return self._scalars.construct_yaml_bool(node)  # type: ignore[arg-type]
                return self._scalars.construct_object(node, deep=True)
            except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as err:
                # An explicit tag on a value it cannot hold (``!!int abc``, ``!!bool maybe``),
                # an integer of more than 4,300 digits: PyYAML raises plain errors.
                reason = " ".join(str(err).split()) or type(err).__name__
                raise _BuildError(f"cannot read {show_tag(tag)} value: {reason}", node) from None
        memo = self._memo.get(id(node))
        if memo is not None:
            return memo
        if kind is MappingNode and node.tag == _MAP:
            result: Any = self._mapping(node)  # type: ignore[arg-type]
        elif kind is SequenceNode and node.tag == _SEQ:
            result = [self.build(item) for item in node.value]
        else:  # explicitly tagged collections (!!set, !!omap, unknown tags → ConstructorError)
            result = self._scalars.construct_object(node, deep=True)
        self._memo[id(node)] = result
        return result

    def _mapping(self, node: MappingNode) -> LocatedDict:
        mark = node.start_mark
        out = LocatedDict(mark.line + 1, mark.column + 1)
        merges: list[Node] = []
        build = self.build
        for key_node, value_node in node.value:
            # Plain string keys and values are by far the most common: no call for them.
            if key_node.tag == _STR and type(key_node) is ScalarNode:
                key = key_node.value
            elif key_node.tag == _MERGE:
                merges.append(value_node)
                continue
            else:
                key = build(key_node)
                if isinstance(key, list | dict):
                    raise yaml.constructor.ConstructorError(
                        None, None, "found an unhashable (collection) mapping key", key_node.start_mark
                    )
            if not isinstance(key, Hashable):  # e.g. a !!set
                raise _BuildError("a mapping key must be a scalar", key_node)
            if key in out:
                km = key_node.start_mark
                self.duplicate_keys.append((str(key), km.line + 1, km.column + 1))
            if value_node.tag == _STR and type(value_node) is ScalarNode:
                out[key] = value_node.value
            else:
                out[key] = build(value_node)
        for merge in merges:
            sources = merge.value if isinstance(merge, SequenceNode) else [merge]
            for source in sources:
                merged = build(source)
                if not isinstance(merged, dict):
                    raise yaml.constructor.ConstructorError(
                        None, None, "a merge key (<<) needs a mapping", source.start_mark
                    )
                for k, v in merged.items():
                    out.setdefault(k, v)
        return out


def _mark_location(file: str, err: yaml.YAMLError) -> Location:
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    if mark is None:
        return Location(file)
    return Location(file, mark.line + 1, mark.column + 1)


def _yaml_message(err: yaml.YAMLError) -> str:
    if isinstance(err, yaml.MarkedYAMLError):
        parts = [p for p in (err.context, err.problem) if p]
        text = "; ".join(parts) if parts else "malformed YAML"
    else:
        text = str(err)
    return "invalid YAML: " + " ".join(text.split())


def parse_yaml(text: str, file: str, problems: list[Problem]) -> Iterator[Document]:
    """The documents of a YAML stream; a syntax error ends the stream with a Problem."""
    loader = _Loader(text)
    builder = _Builder()
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            start = Location(file, node.start_mark.line + 1, node.start_mark.column + 1)
            try:
                data = builder.build(node)
            except RecursionError:
                builder.reset()
                problems.append(Problem(start, "", "", "invalid YAML: recursive alias or nesting too deep"))
                continue
            except _BuildError as err:
                builder.reset()
                problems.append(
                    Problem(Location(file, err.line, err.column), "", "", f"invalid YAML: {err.message}")
                )
                continue
            for key, line, column in builder.duplicate_keys:
                problems.append(
                    Problem(
                        Location(file, line, column),
                        "",
                        "",
                        f"duplicate key {key!r} in one mapping (one of the values would be silently lost)",
                    )
                )
            builder.reset()
            yield Document(file, data, start)
    except yaml.YAMLError as err:
        problems.append(Problem(_mark_location(file, err), "", "", _yaml_message(err)))
    finally:
        loader.dispose()


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


def _looks_like_json(text: str) -> bool:
    stripped = text.lstrip()
    return stripped[:1] in ("{", "[")


def _parser_for(file: str, text: str) -> Callable[[str, str, list[Problem]], Iterator[Document]]:
    lower = file.lower()
    if lower.endswith(JSON_SUFFIXES):
        return parse_json
    if lower.endswith(YAML_SUFFIXES):
        return parse_yaml
    return parse_json if _looks_like_json(text) else parse_yaml


def excluded(path: str, root: str | None, patterns: Sequence[str]) -> bool:
    """Whether ``--exclude`` GLOBs match ``path``: its path relative to the directory it was
    found under (``root``; as given for a file named directly) or its base name."""
    if not patterns:
        return False
    rel = os.path.relpath(path, root) if root is not None else path
    rel = rel.replace(os.sep, "/")
    name = os.path.basename(path.rstrip("/" + os.sep))
    return any(
        fnmatch.fnmatchcase(rel, pat) or fnmatch.fnmatchcase(name, pat)
        for pat in (p.rstrip("/") for p in patterns)
    )


def expand_paths(paths: Sequence[str], problems: list[Problem], exclude: Sequence[str] = ()) -> list[str]:
    """Files to read, in order: directories are walked recursively (``*.yaml``, ``*.yml``,
    ``*.json``, sorted; hidden files and directories skipped); ``-`` stays ``-``.
    A file reached twice is read once. Files and directories matching an ``exclude`` GLOB
    (see `excluded`) are left out.
    """
    out: list[str] = []
    seen: set[str] = set()

    def add(path: str) -> None:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            out.append(path)

    for path in paths:
        if path == "-":
            if "-" not in seen:
                seen.add("-")
                out.append("-")
        elif os.path.isdir(path):
            found: list[str] = []
            for root, dirs, files in os.walk(path):
                dirs[:] = [
                    d
                    for d in dirs
                    if not d.startswith(".") and not excluded(os.path.join(root, d), path, exclude)
                ]
                for name in files:
                    if not name.startswith(".") and name.lower().endswith(YAML_SUFFIXES + JSON_SUFFIXES):
                        file = os.path.join(root, name)
                        if not excluded(file, path, exclude):
                            found.append(file)
            for file in sorted(found):
                add(file)
        elif os.path.isfile(path):
            if not excluded(path, None, exclude):
                add(path)
        elif os.path.exists(path):
            problems.append(Problem(Location(path), "", "", "not a regular file or directory"))
        else:
            problems.append(Problem(Location(path), "", "", "no such file or directory"))
    return out


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic GC: parsing allocates millions of acyclic objects, and generational
    collections over a growing heap would make large loads superlinear."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_files(
    paths: Sequence[str], stdin: TextIO | None, problems: list[Problem], exclude: Sequence[str] = ()
) -> Iterator[tuple[str, str]]:
    """(display name, text) of every file of `paths` (see `expand_paths`); unreadable files
    become Problems and reading goes on."""
    for file in expand_paths(paths, problems, exclude):
        if file == "-":
            if stdin is None:
                stdin = sys.stdin
            yield STDIN_NAME, stdin.read()
            continue
        try:
            with open(file, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as err:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            problems.append(Problem(Location(file), "", "", f"cannot read: {reason}"))
            continue
        yield file, text


def parse_text(name: str, text: str, problems: list[Problem]) -> Iterator[Document]:
    """The documents of one file's text, JSON or YAML by suffix (or by content for stdin)."""
    with _no_gc():
        yield from _parser_for(name, text)(text, name, problems)


def read_documents(
    paths: Sequence[str], stdin: TextIO | None, problems: list[Problem], exclude: Sequence[str] = ()
) -> Iterator[Document]:
    """Every document of every path, in order. Problems (missing files, syntax errors)
    are appended to `problems`; reading goes on with the next file."""
    for name, text in read_files(paths, stdin, problems, exclude):
        yield from parse_text(name, text, problems)
