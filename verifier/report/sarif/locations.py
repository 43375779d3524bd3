"""Where a SARIF result points: repository-relative artifact URIs (``%SRCROOT%``), physical
locations with a region of at least line 1, and the run's default artifact for results
without a file of their own."""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from verifier.errors import Location

SRCROOT = "%SRCROOT%"
STDIN_URI = "stdin"  # the artifact of input read from stdin (no file has it)
# The placeholder artifact of a run that names no file at all (no inputs given to the writer,
# no result or rule located in a file): what the user typed on the command line.
COMMAND_LINE_URI = "command-line"
_STDIN_FILES = ("<stdin>", "-")


def artifact_uri(path: str) -> tuple[str, str] | None:
    """(URI, uriBaseId) for a file path; None for pseudo-files (``<command line>``,
    ``<inventory>``, ``<unknown>``, ``<baseline …>``), which have no file.

    Every URI is relative to ``%SRCROOT%`` (the working directory), with forward slashes and
    percent-encoded: code scanning rejects absolute URIs. An absolute path below the working
    directory is made relative to it; one outside it gets a ``../`` path (or, where there is
    no relative path at all — another drive — its file name). ``<stdin>`` is ``stdin``.
    """
    if path in _STDIN_FILES:
        return STDIN_URI, SRCROOT
    if not path or path.startswith("<"):
        return None
    p = Path(path)
    if p.is_absolute():
        try:
            p = Path(os.path.relpath(p, Path.cwd()))
        except ValueError:
            p = Path(p.name)
    rel = posixpath.normpath(p.as_posix().replace(os.sep, "/"))
    if rel in (".", "") or rel.startswith("/"):
        return None
    return quote(rel, safe="/-._~"), SRCROOT


def physical_location(location: Location) -> dict[str, Any] | None:
    """A SARIF ``physicalLocation``; None when the location has no file.

    The region always has ``startLine`` >= 1 (code scanning needs one): an unknown line (0:
    JSON input is located per document only) is line 1, without a column.
    """
    uri = artifact_uri(location.file)
    if uri is None:
        return None
    region: dict[str, Any] = {"startLine": max(location.line, 1)}
    if location.line > 0 and location.column > 0:
        region["startColumn"] = location.column
    return {"artifactLocation": {"uri": uri[0], "uriBaseId": uri[1]}, "region": region}


def location_json(
    location: Location, message: str | None = None, ident: int | None = None
) -> dict[str, Any] | None:
    """A SARIF ``location`` (with an ``id`` and a message when given); None without a file."""
    physical = physical_location(location)
    if physical is None:
        return None
    out: dict[str, Any] = {"physicalLocation": physical}
    if ident is not None:
        out["id"] = ident
    if message:
        out["message"] = {"text": message}
    return out


def location_text(location: Location | None) -> str:
    """``file:line:col`` for people (JUnit, Markdown); "" when there is no location at all
    (None, an empty file, ``<unknown>``) — never ``None``. Other pseudo-files (``<stdin>:3:1``,
    ``<inventory>``, ``<command line>``) say where the object came from and are kept."""
    if location is None or location.file in ("", "<unknown>", "None"):
        return ""
    return str(location)


def has_file(location: Location) -> bool:
    """The location is in a file (or stdin), not a pseudo-file such as ``<command line>``."""
    return artifact_uri(location.file) is not None


def default_location(inputs: Sequence[str]) -> Location | None:
    """Line 1 of the first input file that can be an artifact (``-`` stands for ``stdin``);
    None when there is none. The caller passes files: the CLI expands a directory into its
    manifests in the loader's order, so a directory stands for its first manifest."""
    for file in inputs:
        if has_file(Location(file)):
            return Location(file, 1, 1)
    return None
