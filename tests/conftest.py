"""Fixtures several test files share: the repository's paths and a CLI runner.

The paths come from tests/paths.py (import them from there where a module-level constant or a
parametrization needs them); the fixtures hand the same values to test functions.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests import paths


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository's root folder (examples/, specs/, docs/ are under it)."""
    return paths.ROOT


@pytest.fixture(scope="session")
def seed_dir() -> str:
    """examples/seed: the Kubernetes docs' `test-network-policy` and its cluster."""
    return str(paths.SEED)


@pytest.fixture(scope="session")
def seed_spec() -> str:
    """specs/seed.yaml: the docs' claims about the seed (one of them is violated)."""
    return str(paths.SEED_SPEC)


@pytest.fixture
def holds_spec(tmp_path: Path) -> str:
    """A copy of tests/data/seed-holds.yaml (every property holds on the seed) in tmp_path."""
    path = tmp_path / "holds.yaml"
    path.write_text(paths.HOLDS_SPEC.read_text())
    return str(path)


@pytest.fixture
def runner() -> CliRunner:
    """typer's CliRunner for the public CLI (`runner.invoke(verifier.cli.app, argv)`)."""
    return CliRunner()
