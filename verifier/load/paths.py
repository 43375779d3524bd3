"""Which files a run reads: paths, directories walked recursively, ``-`` for stdin, and
``--exclude`` GLOBs; and reading them as text (unreadable files become Problems).
"""

from __future__ import annotations

import fnmatch
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

from verifier.errors import Location, Problem

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIXES = (".json",)
STDIN_NAME = "<stdin>"


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


__all__ = ["JSON_SUFFIXES", "STDIN_NAME", "YAML_SUFFIXES", "excluded", "expand_paths", "read_files"]
