"""The ``netverify`` command line: parse options, call the library, render, return an exit code.

Exit codes (design.md §5): 0 every property holds / the command succeeded; 1 a property is
violated; 2 usage or input error (and properties that could not be evaluated); 3 a property
is inconclusive, only with ``--strict``.

Each command lives in its own module and registers itself on the shared `app` when imported.
Everything that pulls in pydantic, rich or z3 is imported inside the command functions, so
that ``netverify --help`` starts in a fraction of a second.
"""

from __future__ import annotations

import gc

from verifier.cli import check, diff, explain, exposure, fix, init, lint, matrix, probe, snapshot
from verifier.cli.common import app, exit_code

__all__ = [
    "app",
    "check",
    "diff",
    "exit_code",
    "explain",
    "exposure",
    "fix",
    "init",
    "lint",
    "main",
    "matrix",
    "probe",
    "snapshot",
]


def main() -> None:
    """Console-script entry point."""
    # A run builds millions of small objects (YAML nodes, models, bitsets) and frees few of
    # them before it exits: with the default thresholds the cyclic collector re-scans the
    # growing heap over and over — 20% of a 10,000-pod diff. Collect far less often.
    gc.freeze()
    gc.set_threshold(100_000, 50, 50)
    app(prog_name="netverify")
