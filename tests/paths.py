"""Where things are, for tests at any depth: the repository's folders and the shared test data.

Import these instead of counting ``Path(__file__).parents``; the fixtures of tests/conftest.py
hand the same paths to tests that take them as arguments.
"""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
DATA = TESTS / "data"
CORPUS = TESTS / "corpus"
EXAMPLES = ROOT / "examples"
SEED = EXAMPLES / "seed"
SEED_V2 = EXAMPLES / "seed-v2"
SEED_SPEC = ROOT / "specs" / "seed.yaml"
HOLDS_SPEC = DATA / "seed-holds.yaml"
# The shared upstream e2e conformance sample (format: ../shared/conformance/README.md), next to
# the repository; tests that use it skip when it is absent.
SHARED_CASES = ROOT.parent / "shared" / "conformance" / "cases"
