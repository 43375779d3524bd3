"""The one place that owns rich consoles: where reports and messages go, and how wide.

- `console_for`: the console of a report — colours only on a terminal (and not with
  ``--no-color`` / ``NO_COLOR``); lines wrap at a terminal's width, and to a file or a pipe
  nothing is wrapped or truncated (`PIPE_WIDTH`), so every name comes out whole.
- `stderr_console`: warnings, notes and progress; ``quiet`` discards what is printed to it.
- `working` (a spinner) and `progress_bar`: transient, on a terminal only, never with
  ``--quiet``, only for large runs — nothing ever reaches a pipe or a CI log.
- `print_warnings`, `print_line`: messages on stderr.

The CLI imports no rich: it asks this module for consoles and progress.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.text import Text

from verifier.report.text import render_warnings

# Width of a console that does not write to a terminal: wide enough that no name, label or
# table row is ever cut or wrapped; report renderers keep panels and paddings at their content's width.
PIPE_WIDTH = 100_000

# Inputs from this size on get a spinner while they load (on a terminal only).
SPINNER_MIN_BYTES = 4 << 20

# A progress bar appears (on a terminal only) from this many properties or inventory pods on.
PROGRESS_MIN_PROPERTIES = 10
PROGRESS_MIN_PODS = 1000


def color_disabled(no_color: bool) -> bool:
    """``--no-color``, or the NO_COLOR convention (https://no-color.org: set and non-empty)."""
    return no_color or bool(os.environ.get("NO_COLOR"))


def console_for(out: TextIO, *, no_color: bool = False) -> Console:
    """A console writing to ``out``; colours only on a terminal and unless disabled.

    On a terminal, lines wrap at its width; to a file or a pipe nothing is wrapped or
    truncated (`PIPE_WIDTH`), so every name and label comes out whole.
    """
    disabled = color_disabled(no_color) or None
    if out.isatty():
        return Console(file=out, highlight=False, soft_wrap=False, no_color=disabled)
    return Console(file=out, highlight=False, soft_wrap=False, no_color=disabled, width=PIPE_WIDTH)


def stderr_console(*, no_color: bool = False, quiet: bool = False) -> Console:
    """The console for warnings and progress; ``quiet`` discards what is printed to it."""
    if quiet:
        return Console(file=io.StringIO(), highlight=False, soft_wrap=True)
    return Console(stderr=True, highlight=False, soft_wrap=True, no_color=color_disabled(no_color) or None)


def print_warnings(warnings: Iterable[str], *, no_color: bool = False, quiet: bool = False) -> None:
    """Warnings and notes on stderr, one dimmed line each (nothing with ``quiet``)."""
    render_warnings(warnings, stderr_console(no_color=no_color, quiet=quiet))


def print_line(text: str, *, no_color: bool = False) -> None:
    """One plain line on stderr (e.g. the summary line next to a machine-readable report)."""
    stderr_console(no_color=no_color).print(Text(text), soft_wrap=True)


def _input_bytes(paths: Sequence[str]) -> int:
    total = 0
    for path in paths:
        if path == "-":
            return SPINNER_MIN_BYTES
        try:
            if os.path.isfile(path):
                total += os.path.getsize(path)
            elif os.path.isdir(path):
                return SPINNER_MIN_BYTES  # a directory: walking it to sum sizes costs as much as reading
        except OSError:
            continue
    return total


@contextmanager
def working(
    label: str,
    *,
    paths: Sequence[str] = (),
    large: bool = True,
    quiet: bool = False,
    no_color: bool = False,
) -> Iterator[None]:
    """A transient spinner with ``label`` on stderr while a long step runs.

    Only on a terminal, never with ``--quiet``, and only for a ``large`` step (with ``paths``:
    an input of `SPINNER_MIN_BYTES` or more). Nothing ever reaches a pipe or a CI log.
    """
    if paths:
        large = large and _input_bytes(paths) >= SPINNER_MIN_BYTES
    if quiet or not large or not sys.stderr.isatty():
        yield
        return
    with stderr_console(no_color=no_color).status(label):
        yield


@contextmanager
def progress_bar(
    total: int, *, pods: int, enabled: bool, no_color: bool = False, label: str = "checking"
) -> Iterator[Callable[[object], None] | None]:
    """A transient rich progress bar on stderr, advanced by calling the yielded function.

    Shown only when ``enabled`` (not ``--quiet``), stderr is a terminal and the run is large
    (`PROGRESS_MIN_PROPERTIES` properties or `PROGRESS_MIN_PODS` pods); otherwise yields None,
    so nothing ever reaches a CI log or a pipe.
    """
    if (
        not enabled
        or not sys.stderr.isatty()
        or (total < PROGRESS_MIN_PROPERTIES and pods < PROGRESS_MIN_PODS)
    ):
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=stderr_console(no_color=no_color), transient=True) as bar:
        task = bar.add_task(label, total=total)

        def advance(_: object) -> None:
            bar.advance(task)

        yield advance
