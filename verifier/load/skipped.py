"""What the loader (`verifier.load.cluster`) skips instead of loading, and how it says so:
documents that are not Kubernetes objects, files with Helm template syntax, kinds left out
with ``--ignore-kind``, and the summary notes and warnings about all of them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from verifier.errors import IGNORED_KIND_PHRASE, Location, Notice, UsageError
from verifier.load.kinds import MODELLED_KINDS, KindClass, api_group, classify
from verifier.model.words import plural

_MODELLED_LOWER = frozenset(k.lower() for k in MODELLED_KINDS)

# How many file names a summary line shows before "and N more".
_SUMMARY_NAMES = 6


def summary_notices(
    *,
    skipped: dict[str, dict[str, int]],
    skipped_first: dict[str, Location],
    non_objects: dict[str, Location],
    helm_files: list[str],
    ignored_kinds: dict[str, list[tuple[Location, str, str]]],
    verbose: bool,
) -> list[Notice]:
    """One note for everything skipped as harmless, one warning for Helm templates, one
    warning per ignored kind; ``verbose`` adds one note per file."""
    notices: list[Notice] = []
    kinds: dict[str, int] = {}
    for per_kind in skipped.values():
        for kind, count in per_kind.items():
            kinds[kind] = kinds.get(kind, 0) + count
    parts = []
    if kinds:
        total = sum(kinds.values())
        counted = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
        parts.append(f"skipped {_neutral(total)}: {counted}")
    if non_objects:
        files = some_names(list(non_objects))
        parts.append(f"{_non_objects(len(non_objects))}: {files}")
        if not kinds:
            parts[-1] = "skipped " + parts[-1]
    if parts:
        more = "" if verbose else " (--verbose lists them)"
        notices.append(Notice(Location(""), "", "; and ".join(parts) + more, level="note"))
    if verbose:
        for file, per_kind in skipped.items():
            counted = ", ".join(
                f"{n} {k}" for k, n in sorted(per_kind.items(), key=lambda kv: (-kv[1], kv[0]))
            )
            total = sum(per_kind.values())
            message = f"skipped {_neutral(total)}: {counted}"
            notices.append(Notice(skipped_first[file], "", message, level="note"))
        for file in non_objects:
            notices.append(Notice(Location(file), "", "skipped: not a Kubernetes object", level="note"))
    if helm_files:
        files = some_names(helm_files)
        notices.append(
            Notice(
                Location(""),
                "",
                f"skipped {plural(len(helm_files), 'file')} with Helm template syntax ({{{{ … }}}}): "
                f"{files}; render the chart and check what it produces: "
                "helm template RELEASE CHART_DIR | netverify COMMAND -",
            )
        )
    for shown, found in ignored_kinds.items():
        where, obj, api = found[0]
        which = obj if len(found) == 1 else f"{obj} and {len(found) - 1} more"
        notices.append(
            Notice(
                where,
                "",
                f"{IGNORED_KIND_PHRASE}{shown}: left out {plural(len(found), 'object')} that may filter "
                f"traffic ({which}; {api}): results are as if it were absent",
            )
        )
    return notices


def _neutral(count: int) -> str:
    return (
        "1 object that does not change traffic"
        if count == 1
        else f"{count} objects that do not change traffic"
    )


def _non_objects(count: int) -> str:
    return (
        "1 file that is not a Kubernetes object"
        if count == 1
        else f"{count} files that are not Kubernetes objects"
    )


def some_names(files: Sequence[str]) -> str:
    names = [os.path.basename(f) if f != "-" else f for f in files[:_SUMMARY_NAMES]]
    rest = len(files) - len(names)
    return ", ".join(names) + (f" and {rest} more" if rest > 0 else "")


def object_like(data: Any) -> bool:
    """Whether a top-level document is meant as a Kubernetes object: a mapping with two of
    ``apiVersion``, ``kind``, ``metadata``, ``spec``. Chart.yaml, values.yaml, a spec file or a
    tool's JSON output are not, and are skipped; a broken manifest is, and gets Problems."""
    if not isinstance(data, dict):
        return False
    return sum(1 for key in ("apiVersion", "kind", "metadata", "spec") if key in data) >= 2


# What a chart never templates but a cluster dump holds in bulk (and may quote templates in).
_NOT_TEMPLATED = frozenset({"status", "managedFields", "annotations"})


def _mentions_template(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return "{{" in value
    if depth > 200:
        return False
    if isinstance(value, dict):
        return any(
            _mentions_template(k, depth + 1) or _mentions_template(v, depth + 1)
            for k, v in value.items()
            if k not in _NOT_TEMPLATED
        )
    if isinstance(value, list):
        return any(_mentions_template(v, depth + 1) for v in value)
    return False


def templated(data: Any) -> bool:
    """Whether a parsed document carries Helm template syntax where it matters: anywhere but
    in a traffic-neutral object (a ConfigMap may well hold Go templates of its own)."""
    if isinstance(data, list):
        return any(templated(item) for item in data)
    if isinstance(data, dict):
        kind, api = data.get("kind"), data.get("apiVersion")
        if kind == "List" and isinstance(data.get("items"), list):
            return any(templated(item) for item in data["items"])
        if isinstance(kind, str) and isinstance(api, str) and classify(kind, api) is KindClass.NEUTRAL:
            return False
    return _mentions_template(data)


def parse_ignore_kinds(values: Sequence[str]) -> list[tuple[str, str | None]]:
    """``--ignore-kind`` values: ``KIND`` or ``KIND.GROUP`` (kubectl's resource.group form),
    case-insensitive. A kind this tool models cannot be ignored: a `UsageError`."""
    out: list[tuple[str, str | None]] = []
    for raw in values:
        text = raw.strip()
        kind, dot, group = text.partition(".")
        if not kind or (dot and not group):
            raise UsageError(f"--ignore-kind {raw!r}: expected KIND or KIND.GROUP (e.g. CiliumNetworkPolicy)")
        lower = kind.lower()
        if lower in _MODELLED_LOWER and (lower != "networkpolicy" or group.lower() == "networking.k8s.io"):
            raise UsageError(
                f"--ignore-kind {raw!r}: {kind} is modelled; --ignore-kind only leaves out kinds "
                "this tool does not model (use --exclude GLOB to leave out files)"
            )
        out.append((kind.lower(), group.lower() if dot else None))
    return out


def ignore_matches(ignore: Sequence[tuple[str, str | None]], kind: str, api: str) -> bool:
    lower, group = kind.lower(), api_group(api).lower()
    return any(k == lower and (g is None or g == group) for k, g in ignore)


def ignore_name(kind: str, api: str) -> str:
    """How to name the kind to ``--ignore-kind``: its name, or ``KIND.GROUP`` when the name
    alone is a modelled kind (Calico's and Antrea's NetworkPolicy)."""
    return f"{kind}.{api_group(api)}" if kind in MODELLED_KINDS else kind


__all__ = [
    "ignore_matches",
    "ignore_name",
    "object_like",
    "parse_ignore_kinds",
    "some_names",
    "summary_notices",
    "templated",
]
