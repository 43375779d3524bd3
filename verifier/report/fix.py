"""``fix`` as text and JSON, and its patches as edited manifest text.

A fix's edits are RFC 6902 JSON Patches of manifest objects (`verifier.results.FixEdit`).
This module applies them to the files they come from — *as text*: each operation edits only
the lines of the value it changes (found with PyYAML's composer, which knows where every
node starts and ends), rendered in the file's own indentation, so comments and layout
elsewhere stay as they are — and shows the result as a unified diff. A patch that cannot be
placed that way (flow-style YAML, ``- key:`` entries that would lose their dash) is widened
to the smallest enclosing value that can be rewritten; every result is parsed back and
compared with the JSON Patch applied to the parsed object. JSON files are rewritten whole
(two-space indentation). New objects are appended to their file as a YAML document.

``--apply`` writes `file_changes` of the first proved fix (`verifier.cli.fix`).
"""

from __future__ import annotations

import copy
import difflib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import yaml
from rich.console import Console
from rich.text import Text
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from verifier.errors import Location
from verifier.report.diff import regions_json, render_regions
from verifier.report.json_out import dump_json, flow_json
from verifier.report.text import VERDICT_STYLE, render_warnings
from verifier.results import Fix, FixEdit, FixReport, FixStatus, PatchOp, PropertyFix, RegionList, Verdict
from verifier.results.fix import NEW_FILE
from verifier.spec import Expect

FIX_SCHEMA = "netverify.fix/v1"


# --- JSON Patch (RFC 6902) on parsed values ------------------------------------------------------


def tokens(path: str) -> list[str]:
    """The reference tokens of a JSON Pointer (RFC 6901)."""
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError(f"JSON Pointer {path!r} must start with /")
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def _get(doc: Any, parts: Sequence[str]) -> Any:
    for part in parts:
        doc = doc[int(part)] if isinstance(doc, list) else doc[part]
    return doc


def apply_patch(doc: Any, ops: Iterable[PatchOp]) -> Any:
    """``doc`` (not modified) with ``ops`` applied in order."""
    doc = copy.deepcopy(doc)
    for op in ops:
        doc = _apply_op(doc, op)
    return doc


def _apply_op(doc: Any, op: PatchOp) -> Any:
    parts = tokens(op.path)
    if not parts:
        if op.op == "remove":
            return None
        return copy.deepcopy(op.value)
    parent = _get(doc, parts[:-1])
    last = parts[-1]
    if isinstance(parent, list):
        if op.op == "add":
            parent.insert(len(parent) if last == "-" else int(last), copy.deepcopy(op.value))
        elif op.op == "remove":
            del parent[int(last)]
        else:
            parent[int(last)] = copy.deepcopy(op.value)
    elif op.op == "remove":
        del parent[last]
    else:
        if op.op == "replace" and last not in parent:
            raise KeyError(f"replace {op.path}: no such member")
        parent[last] = copy.deepcopy(op.value)
    return doc


# --- YAML text edits -----------------------------------------------------------------------------------


class _Awkward(Exception):
    """This edit cannot be placed at this level of the document: widen it."""


@dataclass(frozen=True)
class _Style:
    """How the file indents: a nested mapping by ``step``, a sequence under a key by
    ``offset`` (0: ``key:\\n- item``, 2: ``key:\\n  - item``), an item's value after its
    dash by ``item`` (2: ``- key``, 4: ``-   key``)."""

    step: int = 2
    offset: int = 0
    item: int = 2


def _compose(text: str) -> list[Node]:
    return [n for n in yaml.compose_all(text, Loader=yaml.SafeLoader) if n is not None]


def _walk(node: Node) -> Iterable[Node]:
    yield node
    if isinstance(node, MappingNode):
        for k, v in node.value:
            yield from _walk(k)
            yield from _walk(v)
    elif isinstance(node, SequenceNode):
        for item in node.value:
            yield from _walk(item)


def _scalar_at(node: MappingNode, key: str) -> Node | None:
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return v  # type: ignore[no-any-return]
    return None


def _identity(node: Node) -> tuple[str | None, str | None, str | None]:
    if not isinstance(node, MappingNode):
        return (None, None, None)
    kind = _scalar_at(node, "kind")
    meta = _scalar_at(node, "metadata")
    name = namespace = None
    if isinstance(meta, MappingNode):
        n, ns = _scalar_at(meta, "name"), _scalar_at(meta, "namespace")
        name = n.value if isinstance(n, ScalarNode) else None
        namespace = ns.value if isinstance(ns, ScalarNode) else None
    return (kind.value if isinstance(kind, ScalarNode) else None, namespace, name)


@dataclass(frozen=True)
class _Target:
    """The object a patch applies to: where it starts (1-based) and who it is."""

    line: int
    column: int
    kind: str
    namespace: str | None
    name: str

    def find(self, roots: Sequence[Node]) -> MappingNode:
        found: list[Node] = [
            n
            for root in roots
            for n in _walk(root)
            if isinstance(n, MappingNode)
            and self.line
            and (n.start_mark.line + 1, n.start_mark.column + 1) == (self.line, self.column)
        ]
        if not found:
            found = [
                n
                for root in roots
                for n in _walk(root)
                if _identity(n)[0] == self.kind
                and _identity(n)[2] == self.name
                and _identity(n)[1] in (self.namespace, None)
            ]
        if len(found) != 1:
            raise _Awkward("the object is not in the file")
        node = found[0]
        assert isinstance(node, MappingNode)
        return node


def _last_line(node: Node) -> int:
    """The 0-based last line of the node's own text."""
    if isinstance(node, ScalarNode) or getattr(node, "flow_style", False):
        end = node.end_mark
        line: int = end.line
        if end.column == 0 and line > node.start_mark.line:
            line -= 1
        return line
    children: list[Node] = (
        [c for pair in node.value for c in pair] if isinstance(node, MappingNode) else list(node.value)
    )
    if not children:
        return int(node.start_mark.line)
    return max(_last_line(c) for c in children)


def _dash_owned(lines: list[str], node: Node) -> bool:
    """The node is a block-sequence item whose dash, alone, starts its first line."""
    prefix = lines[node.start_mark.line][: node.start_mark.column]
    return prefix.strip() == "-"


def _dash_column(lines: list[str], node: Node) -> int:
    prefix = lines[node.start_mark.line][: node.start_mark.column]
    if prefix.strip() != "-":
        raise _Awkward("not a block sequence item")
    return prefix.index("-")


def _style(obj: MappingNode, lines: list[str]) -> _Style:
    step = offset = item = None
    for node in _walk(obj):
        if item is None and isinstance(node, SequenceNode) and not node.flow_style and node.value:
            first = node.value[0]
            if _dash_owned(lines, first):
                item = first.start_mark.column - _dash_column(lines, first)
        if not isinstance(node, MappingNode) or node.flow_style:
            continue
        for k, v in node.value:
            if (
                step is None
                and isinstance(v, MappingNode)
                and not v.flow_style
                and v.value
                and v.value[0][0].start_mark.line > k.start_mark.line
            ):
                step = v.value[0][0].start_mark.column - k.start_mark.column
            if offset is None and isinstance(v, SequenceNode) and not v.flow_style and v.value:
                first = v.value[0]
                if first.start_mark.line > k.start_mark.line and _dash_owned(lines, first):
                    offset = _dash_column(lines, first) - k.start_mark.column
    return _Style(
        step if step and step > 0 else 2,
        offset if offset is not None and offset >= 0 else 0,
        item if item and item > 1 else 2,
    )


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, dict):
        return "{}" if not value else json.dumps(value)
    if isinstance(value, list):
        return "[]" if not value else json.dumps(value)
    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 30, allow_unicode=True)
    return text.removesuffix("\n...\n").rstrip("\n")


def _render_entry(key: str, value: Any, col: int, style: _Style) -> list[str]:
    pad = " " * col
    if isinstance(value, dict) and value:
        return [f"{pad}{_scalar(key)}:\n", *_render_mapping(value, col + style.step, style)]
    if isinstance(value, list) and value:
        return [f"{pad}{_scalar(key)}:\n", *_render_sequence(value, col + style.offset, style)]
    return [f"{pad}{_scalar(key)}: {_scalar(value)}\n"]


def _render_mapping(value: dict[str, Any], col: int, style: _Style) -> list[str]:
    return [line for k, v in value.items() for line in _render_entry(k, v, col, style)]


def _render_sequence(items: list[Any], col: int, style: _Style) -> list[str]:
    out: list[str] = []
    gap = style.item
    for item in items:
        body = _render_value(item, col + gap, style)
        body[0] = " " * col + "-" + " " * (gap - 1) + body[0][col + gap :]
        out.extend(body)
    return out


def _render_value(value: Any, col: int, style: _Style) -> list[str]:
    """A value whose first line starts at column ``col`` (later lines indented from it)."""
    if isinstance(value, dict) and value:
        return _render_mapping(value, col, style)
    if isinstance(value, list) and value:
        if any(isinstance(v, list) and v for v in value):
            return [" " * col + json.dumps(value) + "\n"]
        return _render_sequence(value, col, style)
    return [" " * col + _scalar(value) + "\n"]


def _splice(lines: list[str], start: int, end: int, new: list[str]) -> None:
    """Replace lines ``start..end`` (inclusive; end = start - 1 inserts) by ``new``."""
    if start > 0 and start <= len(lines) and not lines[start - 1].endswith("\n"):
        lines[start - 1] += "\n"
    lines[start : end + 1] = new


def _replace_node_text(lines: list[str], start: Node, end: Node, rendered: list[str], col: int) -> None:
    """Replace the text from ``start`` (a key, or an item's value) to the end of ``end``
    with ``rendered`` (rendered at ``col``), keeping what precedes ``start`` on its line
    (indentation, or the dash of a sequence item)."""
    line = start.start_mark.line
    prefix = lines[line][: start.start_mark.column]
    if prefix.strip() not in ("", "-") or start.start_mark.column != col:
        raise _Awkward("the value shares its line")
    rendered = list(rendered)
    rendered[0] = prefix + rendered[0][col:]
    _splice(lines, line, _last_line(end), rendered)


def _container(obj: MappingNode, parts: Sequence[str]) -> Node:
    node: Node = obj
    for part in parts:
        if isinstance(node, MappingNode):
            child = _scalar_at(node, part)
            if child is None:
                raise _Awkward(f"no {part}")
            node = child
        elif isinstance(node, SequenceNode):
            node = node.value[int(part)]
        else:
            raise _Awkward("a scalar has no members")
    return node


def _entry(node: MappingNode, key: str) -> tuple[Node, Node] | None:
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return k, v
    return None


def _direct(lines: list[str], obj: MappingNode, op: PatchOp, style: _Style) -> None:
    """The operation as a text edit at its own level (or `_Awkward`)."""
    parts = tokens(op.path)
    parent = _container(obj, parts[:-1])
    last = parts[-1]
    if getattr(parent, "flow_style", False) or not parent.value:
        raise _Awkward("flow style")
    if isinstance(parent, SequenceNode):
        items = parent.value
        if op.op == "remove":
            item = items[int(last)]
            if len(items) < 2 or not _dash_owned(lines, item):
                raise _Awkward("the last item, or a shared line")
            _splice(lines, item.start_mark.line, _last_line(item), [])
        elif op.op == "add":
            dash = _dash_column(lines, items[0])
            body = _render_sequence([op.value], dash, style)
            index = len(items) if last == "-" else int(last)
            if index >= len(items):
                at = _last_line(items[-1]) + 1
            else:
                if not _dash_owned(lines, items[index]):
                    raise _Awkward("shared line")
                at = items[index].start_mark.line
            _splice(lines, at, at - 1, body)
        else:
            item = items[int(last)]
            col = item.start_mark.column
            _replace_node_text(lines, item, item, _render_value(op.value, col, style), col)
        return
    assert isinstance(parent, MappingNode)
    found = _entry(parent, last)
    if op.op == "remove":
        if found is None:
            raise _Awkward("no such key")
        key, value = found
        prefix = lines[key.start_mark.line][: key.start_mark.column]
        if len(parent.value) < 2 or prefix.strip():
            raise _Awkward("the only key, or the first key of an item")
        _splice(lines, key.start_mark.line, _last_line(value), [])
    elif found is None:
        col = parent.value[0][0].start_mark.column
        at = _last_line(parent) + 1
        _splice(lines, at, at - 1, _render_entry(last, op.value, col, style))
    else:
        key, value = found
        col = key.start_mark.column
        _replace_node_text(lines, key, value, _render_entry(last, op.value, col, style), col)


def _replace_value(
    lines: list[str], obj: MappingNode, parts: Sequence[str], value: Any, style: _Style
) -> None:
    """Rewrite the whole value at ``parts`` (the object itself for ``[]``)."""
    if not parts:
        col = obj.start_mark.column
        _replace_node_text(lines, obj, obj, _render_value(value, col, style), col)
        return
    parent = _container(obj, parts[:-1])
    if getattr(parent, "flow_style", False):
        raise _Awkward("flow style")
    if isinstance(parent, SequenceNode):
        item = parent.value[int(parts[-1])]
        col = item.start_mark.column
        _replace_node_text(lines, item, item, _render_value(value, col, style), col)
        return
    assert isinstance(parent, MappingNode)
    found = _entry(parent, parts[-1])
    if found is None:
        raise _Awkward("no such key")
    key, node = found
    col = key.start_mark.column
    _replace_node_text(lines, key, node, _render_entry(parts[-1], value, col, style), col)


def _python(node: Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


def patch_yaml_text(text: str, target: _Target, ops: Sequence[PatchOp]) -> str:
    """``text`` with ``ops`` applied to the object ``target`` as line edits (module
    docstring); `_Awkward` when even rewriting the whole object cannot be placed."""
    for op in ops:
        roots = _compose(text)
        obj = target.find(roots)
        before = _python(obj)
        after = _apply_op(copy.deepcopy(before), op)
        parts = tokens(op.path)
        style = _style(obj, text.splitlines(keepends=True))
        done = None
        for cut in range(len(parts), -1, -1):
            lines = text.splitlines(keepends=True)
            try:
                if cut == len(parts) and parts:
                    _direct(lines, obj, op, style)
                else:
                    _replace_value(lines, obj, parts[:cut], _get(after, parts[:cut]), style)
            except (_Awkward, IndexError, KeyError, ValueError):
                continue
            candidate = "".join(lines)
            try:
                if _python(target.find(_compose(candidate))) == after:
                    done = candidate
                    break
            except (yaml.YAMLError, _Awkward):
                continue
        if done is None:
            raise _Awkward(f"cannot place {op.path} in the text")
        text = done
    return text


def _patch_json_text(text: str, target: _Target, ops: Sequence[PatchOp]) -> str:
    data = json.loads(text)
    items = data.get("items") if isinstance(data, dict) and isinstance(data.get("items"), list) else None
    candidates = items if items is not None else [data]
    for i, item in enumerate(candidates):
        meta = item.get("metadata") or {} if isinstance(item, dict) else {}
        if (
            isinstance(item, dict)
            and item.get("kind") == target.kind
            and meta.get("name") == target.name
            and meta.get("namespace") in (target.namespace, None)
        ):
            patched = apply_patch(item, ops)
            if items is not None:
                items[i] = patched
            else:
                data = patched
            return json.dumps(data, indent=2) + "\n"
    raise _Awkward("the object is not in the file")


# --- a fix as files ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectPatch:
    """The JSON Patch of one object: every edit of a fix on it, in order."""

    file: str
    target: str
    kind: str
    namespace: str | None
    name: str
    location: Location
    new_object: bool
    ops: tuple[PatchOp, ...]

    def json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "object": {"kind": self.kind, "namespace": self.namespace, "name": self.name},
            "new_object": self.new_object,
            "json_patch": [op.as_json() for op in self.ops],
        }


def object_patches(fix: Fix, new_file: str = NEW_FILE) -> list[ObjectPatch]:
    """The fix's edits grouped per object (first edit's order)."""
    groups: dict[tuple[str, str | None, str], list[FixEdit]] = {}
    for edit in fix.edits:
        groups.setdefault((edit.object_kind, edit.namespace, edit.name), []).append(edit)
    out = []
    for (kind, namespace, name), edits in groups.items():
        first = edits[0]
        file = first.location.file if first.location.file != "<unknown>" else new_file
        out.append(
            ObjectPatch(
                file=file,
                target=first.target,
                kind=kind,
                namespace=namespace,
                name=name,
                location=first.location,
                new_object=first.new_object,
                ops=tuple(op for e in edits for op in e.patch),
            )
        )
    return out


@dataclass(frozen=True)
class FileChange:
    """One file before and after a fix (``old`` "" for a new file); ``note`` says why there
    is no text (the file cannot be read, or the patch cannot be placed in it)."""

    path: str
    old: str
    new: str
    note: str = ""

    @property
    def diff(self) -> str:
        if self.note:
            return ""
        return "".join(
            difflib.unified_diff(
                self.old.splitlines(keepends=True),
                self.new.splitlines(keepends=True),
                fromfile=f"a/{self.path}" if self.old else "/dev/null",
                tofile=f"b/{self.path}",
            )
        )


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _new_document(value: Any, style: _Style) -> str:
    return "".join(_render_value(value, 0, style))


def file_changes(
    fix: Fix, *, new_file: str = NEW_FILE, read: Callable[[str], str | None] = _read
) -> list[FileChange]:
    """Every file the fix touches, before and after (module docstring)."""
    by_file: dict[str, list[ObjectPatch]] = {}
    for patch in object_patches(fix, new_file):
        by_file.setdefault(patch.file, []).append(patch)
    out = []
    for path, patches in by_file.items():
        creates = all(p.new_object for p in patches) and read(path) is None and path == new_file
        text = "" if creates else read(path)
        if text is None:
            out.append(FileChange(path, "", "", note=f"{path} is not a file that can be read: no text diff"))
            continue
        try:
            new = _patch_file(path, text, patches)
        except (_Awkward, yaml.YAMLError, json.JSONDecodeError, KeyError, IndexError, ValueError) as exc:
            out.append(
                FileChange(path, text, text, note=f"{path}: the patch cannot be placed in the text ({exc})")
            )
            continue
        out.append(FileChange(path, text, new))
    return out


def _patch_file(path: str, text: str, patches: Sequence[ObjectPatch]) -> str:
    existing = sorted(
        (p for p in patches if not p.new_object),
        key=lambda p: (p.location.line, p.location.column),
        reverse=True,
    )
    json_file = path.endswith(".json")
    for p in existing:
        target = _Target(p.location.line, p.location.column, p.kind, p.namespace, p.name)
        text = _patch_json_text(text, target, p.ops) if json_file else patch_yaml_text(text, target, p.ops)
    created = [p for p in patches if p.new_object]
    if created:
        if json_file:
            raise _Awkward("new objects are not added to JSON files")
        roots = _compose(text) if text.strip() else []
        style = (
            _style(roots[0], text.splitlines(keepends=True))
            if roots and isinstance(roots[0], MappingNode)
            else _Style()
        )
        for p in created:
            if text and not text.endswith("\n"):
                text += "\n"
            if text.strip():
                text += "---\n"
            text += _new_document(apply_patch(None, p.ops), style)
    return text


# --- text -------------------------------------------------------------------------------------------


def _counts(result: PropertyFix) -> tuple[int, int, int]:
    proved = sum(1 for f in result.fixes if f.status is FixStatus.PROVED)
    outside = sum(1 for f in result.fixes if f.status is FixStatus.NOT_IN_SCOPE)
    return proved, outside, len(result.fixes) - proved - outside


def _size_text(fix: Fix) -> str:
    rules = "rule" if fix.rules_changed == 1 else "rules"
    return f"size {fix.size}: {fix.rules_changed} {rules}, {fix.terms_changed} term(s)"


_STATUS_WORDS = {
    FixStatus.PROVED: "proved in scope",
    FixStatus.NOT_IN_SCOPE: "not in scope",
    FixStatus.UNKNOWN: "unknown",
    FixStatus.ERROR: "error",
}


def _render_one(fix: Fix, number: int, console: Console, *, new_file: str, full: bool) -> None:
    style = {FixStatus.PROVED: "green", FixStatus.NOT_IN_SCOPE: "yellow"}.get(fix.status, "magenta")
    console.print(
        Text.assemble(
            (f"  fix {number}: ", "bold"),
            (_STATUS_WORDS[fix.status], f"bold {style}"),
            f" ({_size_text(fix)})",
        ),
        soft_wrap=True,
    )
    for edit in fix.edits:
        where = f" ({edit.rule_location})" if edit.rule_location.file != "<unknown>" else ""
        console.print(Text(f"    - {edit.description}{where}"), soft_wrap=True)
    if fix.status is FixStatus.PROVED:
        console.print(
            Text("    proved: the property holds, and nothing outside its scope changed", style="green"),
            soft_wrap=True,
        )
        if fix.breaks:
            console.print(
                Text(
                    "    but it breaks other properties of the spec (their claims conflict with this one "
                    f"inside its scope): {', '.join(fix.breaks)}",
                    style="yellow",
                ),
                soft_wrap=True,
            )
    elif fix.status is FixStatus.NOT_IN_SCOPE:
        console.print(
            Text("    the property holds (proved), but flows outside its scope change:"), soft_wrap=True
        )
        _outside(fix.outside_added, "added outside the scope (allowed now, denied before)", console)
        _outside(fix.outside_removed, "removed outside the scope (denied now, allowed before)", console)
    else:
        console.print(Text(f"    {fix.status.value}: {fix.reason} (never counted as proved)", style=style))
    if not full:
        return
    for change in file_changes(fix, new_file=new_file):
        if change.note:
            console.print(Text(f"    {change.note}", style="yellow"), soft_wrap=True)
            continue
        for line in change.diff.splitlines():
            colour = {"+": "green", "-": "red", "@": "cyan"}.get(line[:1], "")
            if line.startswith(("+++", "---")):
                colour = "bold"
            console.print(Text(f"    {line}", style=colour), soft_wrap=True, highlight=False)
    for patch in object_patches(fix, new_file):
        console.print(Text(f"    JSON patch of {patch.target} ({patch.file}):", style="dim"), soft_wrap=True)
        console.print(
            Text("      " + json.dumps([op.as_json() for op in patch.ops]), style="dim"),
            soft_wrap=True,
            highlight=False,
        )


def _outside(regions: RegionList | None, title: str, console: Console) -> None:
    if regions is None:
        return
    if not regions.regions and regions.status.value == "truncated":
        console.print(Text(f"      {title}: some flows (regions not listed)"), soft_wrap=True)
        return
    render_regions(regions, console, title=title, indent="      ")


def render_property(result: PropertyFix, console: Console, *, max_fixes: int, new_file: str) -> None:
    console.print(
        Text.assemble(
            (f"{result.name}: ", "bold"),
            (result.verdict.value, VERDICT_STYLE[result.verdict]),
            f" ({result.expect.value}, {result.universe.value} universe)",
        ),
        soft_wrap=True,
    )
    if result.description:
        console.print(Text(f"  {result.description}", style="dim"), soft_wrap=True)
    if result.verdict is not Verdict.VIOLATED:
        if result.reason:
            console.print(Text(f"  {result.reason}"), soft_wrap=True)
        return
    if result.flow is not None:
        word = "a denied flow of the scope" if result.expect is Expect.REACHABLE else "counterexample"
        console.print(Text(f"  {word}: {result.flow}"), soft_wrap=True)
    proved, outside, other = _counts(result)
    tried = f"{result.candidates} candidate(s) proved or refuted"
    if proved:
        console.print(
            Text(
                f"  {proved} fix(es) proved inside the property's scope ({tried}); the smallest:",
                style="bold",
            ),
            soft_wrap=True,
        )
        shown = [f for f in result.fixes if f.proved][:max_fixes]
        for i, found in enumerate(shown, 1):
            _render_one(found, i, console, new_file=new_file, full=True)
        if outside:
            smallest = next(f for f in result.fixes if f.status is FixStatus.NOT_IN_SCOPE)
            console.print(
                Text(
                    f"  {outside} more candidate(s) make it hold but change flows outside its scope "
                    f"(the smallest, {_size_text(smallest)}: "
                    + "; ".join(e.description for e in smallest.edits)
                    + ")",
                    style="dim",
                ),
                soft_wrap=True,
            )
    elif outside:
        console.print(
            Text(
                f"  no fix stays inside the property's scope: {outside} candidate(s) make it hold, and each "
                f"changes flows outside it ({tried}); the smallest:",
                style="bold yellow",
            ),
            soft_wrap=True,
        )
        shown = [f for f in result.fixes if f.status is FixStatus.NOT_IN_SCOPE][:max_fixes]
        for i, found in enumerate(shown, 1):
            _render_one(found, i, console, new_file=new_file, full=True)
    else:
        console.print(
            Text(f"  no fix found ({tried}; raise --max-edits or --max-candidates)", style="bold yellow"),
            soft_wrap=True,
        )
    for hint in result.hints:
        console.print(Text(f"  hint: {hint}", style="dim"), soft_wrap=True)
    if other:
        for i, found in enumerate(
            (f for f in result.fixes if f.status in (FixStatus.UNKNOWN, FixStatus.ERROR)), 1
        ):
            if i > max_fixes:
                break
            _render_one(found, i, console, new_file=new_file, full=False)


def summary(report: FixReport) -> str:
    holds = sum(1 for r in report.results if r.verdict is Verdict.HOLDS)
    violated = [r for r in report.results if r.needs_fix]
    fixed = [r for r in violated if r.best is not None]
    parts = [f"{holds} hold", f"{len(violated)} violated"]
    others = len(report.results) - holds - len(violated)
    if others:
        parts.append(f"{others} not decided (unknown or error)")
    text = ", ".join(parts)
    if violated:
        text += f": {len(fixed)} with a proved fix inside the scope, {len(violated) - len(fixed)} without"
    return f"{text} (in {report.seconds:.2f} s)"


def render_fix(report: FixReport, console: Console, *, warnings_console: Console | None = None) -> None:
    render_warnings(report.warnings, warnings_console or console)
    shown = [r for r in report.results if r.verdict is not Verdict.HOLDS]
    holding = [r.name for r in report.results if r.verdict is Verdict.HOLDS]
    for result in shown:
        render_property(result, console, max_fixes=report.max_fixes, new_file=report.new_file)
        console.print()
    if holding and len(holding) <= 3:
        console.print(Text(f"nothing to fix (holds): {', '.join(holding)}", style="dim"), soft_wrap=True)
    console.print(Text(summary(report), style="bold"), soft_wrap=True)


# --- JSON -------------------------------------------------------------------------------------------


def _location_json(location: Location) -> dict[str, Any] | None:
    if location.file == "<unknown>":
        return None
    return {"file": location.file, "line": location.line, "column": location.column}


def _edit_json(edit: FixEdit) -> dict[str, Any]:
    return {
        "kind": edit.kind.value,
        "description": edit.description,
        "object": {"kind": edit.object_kind, "namespace": edit.namespace, "name": edit.name},
        "location": _location_json(edit.location),
        "rule": edit.rule,
        "rule_location": _location_json(edit.rule_location),
        "new_object": edit.new_object,
        "terms": edit.terms,
        "json_patch": [op.as_json() for op in edit.patch],
    }


def fix_json(fix: Fix, rank: int, *, new_file: str = NEW_FILE) -> dict[str, Any]:
    changes = file_changes(fix, new_file=new_file)
    return {
        "rank": rank,
        "status": fix.status.value,
        "size": fix.size,
        "rules_changed": fix.rules_changed,
        "terms_changed": fix.terms_changed,
        "verdict": fix.verdict.value,
        "reason": fix.reason,
        "breaks": list(fix.breaks),
        "edits": [_edit_json(e) for e in fix.edits],
        "patches": [p.json() for p in object_patches(fix, new_file)],
        "diff": "".join(c.diff for c in changes) or None,
        "notes": [c.note for c in changes if c.note],
        "outside": {
            "added": None if fix.outside_added is None else regions_json(fix.outside_added),
            "removed": None if fix.outside_removed is None else regions_json(fix.outside_removed),
        },
    }


def property_fix_json(result: PropertyFix, *, new_file: str = NEW_FILE) -> dict[str, Any]:
    return {
        "name": result.name,
        "description": result.description,
        "expect": result.expect.value,
        "universe": result.universe.value,
        "verdict": result.verdict.value,
        "location": _location_json(result.location),
        "counterexample": None if result.flow is None else flow_json(result.flow),
        "fixed": result.best is not None,
        "candidates": result.candidates,
        "reason": result.reason,
        "hints": list(result.hints),
        "fixes": [fix_json(f, i, new_file=new_file) for i, f in enumerate(result.fixes, 1)],
    }


def report_json(report: FixReport) -> dict[str, Any]:
    violated = [r for r in report.results if r.needs_fix]
    return {
        "schema": FIX_SCHEMA,
        "tier": report.tier,
        "properties": [property_fix_json(r, new_file=report.new_file) for r in report.results],
        "summary": {
            "holds": sum(1 for r in report.results if r.verdict is Verdict.HOLDS),
            "violated": len(violated),
            "fixed": sum(1 for r in violated if r.best is not None),
            "unfixed": [r.name for r in report.unfixed],
        },
        "seconds": round(report.seconds, 6),
        "warnings": list(report.warnings),
    }


def write_fix_json(report: FixReport, out: TextIO) -> None:
    dump_json(report_json(report), out)


__all__ = [
    "FIX_SCHEMA",
    "NEW_FILE",
    "FileChange",
    "ObjectPatch",
    "apply_patch",
    "file_changes",
    "fix_json",
    "object_patches",
    "patch_yaml_text",
    "render_fix",
    "report_json",
    "summary",
    "tokens",
    "write_fix_json",
]
