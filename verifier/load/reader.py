"""Files, directories and stdin → located documents.

YAML is parsed by libyaml (``yaml.CSafeLoader`` when PyYAML was built with it) into a node
tree, and the tree is turned into Python values by `_build`, a small recursive builder that
is several times faster than PyYAML's generic constructor and records where every mapping
starts: each mapping becomes a `LocatedDict` with 1-based ``line``/``column``. That is what
lets every policy rule and every error point at its source line. Timestamps stay strings
(nothing here needs dates) and plain-scalar tag resolution is cached per file, because
kubectl dumps repeat the same scalars thousands of times.

JSON is parsed by the `json` module's C decoder with positions found in one pass over the
text (`verifier.load.json_documents`). Which files are read, and reading them, is
`verifier.load.paths`; the located value types are in `verifier.load.located` (re-exported
here).

A key repeated in one mapping is a Problem in both formats, as the API server rejects it:
one of the two values would otherwise be lost without a word. So is a document nested too
deeply to build, or a YAML value whose explicit tag cannot hold it (``!!int abc``).

Malformed input becomes a `Problem` at the parser's mark; the documents of a file read before
the error are still returned, so all files are checked in one run.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, TextIO

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from verifier.errors import Location, Problem
from verifier.load.json_documents import parse_json
from verifier.load.located import Document, LocatedDict, locate
from verifier.load.paths import (
    JSON_SUFFIXES,
    STDIN_NAME,
    YAML_SUFFIXES,
    excluded,
    expand_paths,
    read_files,
)

_BaseLoader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"

_RESOLVE_CACHE_LIMIT = 1 << 16


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


__all__ = [
    "JSON_SUFFIXES",
    "STDIN_NAME",
    "YAML_SUFFIXES",
    "Document",
    "LocatedDict",
    "excluded",
    "expand_paths",
    "locate",
    "parse_json",
    "parse_text",
    "parse_yaml",
    "read_documents",
    "read_files",
    "show_tag",
]
