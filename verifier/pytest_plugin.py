"""The pytest plugin of netverify (entry point ``pytest11``: ``netverify``; docs/api.md).

Inert unless configured: it adds its options, the ``netverify`` marker and the
``netverify_cluster`` fixture, and collects nothing until spec files are named.

Spec files as tests. With ``netverify_specs`` and ``netverify_manifests`` in the pytest
configuration (ini options, paths relative to the configuration file) or
``--netverify-specs``/``--netverify-manifests`` on the command line (relative to the current
directory), every property of every spec file is one test item named after the property
(``../../specs/seed.yaml::db-only-from-myproject``), checked against the manifests:

- ``holds`` passes; ``violated`` fails with the counterexample flow, the rules involved
  (``file:line:col``) and why, as plain text; ``error`` fails with the reason;
- ``unknown`` (the solver gave up) is skipped with the reason, or fails under
  ``--netverify-strict`` (``netverify_strict = true``);
- a spec file or manifest with problems is a collection error listing every problem at its
  ``file:line:col``.

Spec files from the configuration are collected when pytest runs without explicit paths
(``pytest``, ``pytest -k NAME``); with paths (``pytest tests/test_x.py``) only when a path
names or contains them. Spec files given with ``--netverify-specs`` are always collected.
``--netverify-universe`` (the default of properties without their own universe),
``--netverify-timeout`` and ``--netverify-rlimit`` are the CLI's ``--universe``,
``--timeout`` and ``--rlimit``. The properties of a run are decided together (one analysis),
when the first of them runs.

Properties in Python: the ``netverify_cluster`` fixture loads manifests (``paths`` relative
to the rootdir; none: the configured manifests; cached for the session), and
`assert_denied`, `assert_allowed`, `assert_reachable`, `assert_holds` (from
`verifier.testing`, re-exported here) prove a property and raise `AssertionError` with the
counterexample.

Nothing heavy is imported until a spec file is collected or a fixture is used: this module
is loaded by every pytest run of an environment that has netverify installed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from verifier.testing import assert_allowed, assert_denied, assert_holds, assert_reachable, failure_text

if TYPE_CHECKING:
    from verifier.model import AnalysisOptions, Cluster
    from verifier.results import PropertyResult
    from verifier.spec import Property

__all__ = [
    "PropertyItem",
    "SpecFile",
    "assert_allowed",
    "assert_denied",
    "assert_holds",
    "assert_reachable",
    "netverify_cluster",
]

UNIVERSES = ("inventory", "any")


@dataclass(frozen=True)
class Settings:
    """What the configuration and the command line ask for."""

    specs: tuple[Path, ...] = ()
    specs_on_command_line: bool = False
    manifests: tuple[Path, ...] = ()
    universe: str | None = None
    strict: bool = False
    timeout: float | None = None
    rlimit: int | None = None

    @property
    def active(self) -> bool:
        return bool(self.specs)


@dataclass
class State:
    """One session's settings and what it has loaded and decided (kept in the config's stash)."""

    settings: Settings
    clusters: dict[str, Cluster] = field(default_factory=dict)
    load_errors: dict[str, BaseException] = field(default_factory=dict)
    results: dict[tuple[Path, str], PropertyResult] = field(default_factory=dict)
    collected: set[Path] = field(default_factory=set)

    def options(self) -> AnalysisOptions:
        from verifier import api
        from verifier.model import Universe

        s = self.settings
        return api.options(
            universe=None if s.universe is None else Universe(s.universe),
            timeout=60.0 if s.timeout is None else s.timeout,
            rlimit=0 if s.rlimit is None else s.rlimit,
        )

    def cluster(self, paths: Sequence[Path], **load_options: Any) -> Cluster:
        """The cluster of ``paths`` (loaded once per session; a load error is raised again)."""
        from verifier import api

        shown = [_shown(p) for p in paths]
        key = repr((shown, sorted(load_options.items())))
        if key in self.load_errors:
            raise self.load_errors[key]
        if key not in self.clusters:
            try:
                self.clusters[key] = api.load(shown, **load_options)
            except Exception as exc:
                self.load_errors[key] = exc
                raise
        return self.clusters[key]


_STATE = pytest.StashKey[State]()


def _shown(path: Path) -> str:
    """``path`` relative to the current directory when that is shorter: how the files are
    named in the problems and in the rules of a counterexample."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return relative if len(relative) < len(str(path)) else str(path)


# --- configuration ---------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("netverify", "netverify: network-policy properties as tests")
    group.addoption(
        "--netverify-specs",
        action="append",
        metavar="PATH",
        default=None,
        help="Spec file(s) whose properties become test items (repeatable; ini: netverify_specs).",
    )
    group.addoption(
        "--netverify-manifests",
        action="append",
        metavar="PATH",
        default=None,
        help="Manifest files or directories the properties are checked against "
        "(repeatable; ini: netverify_manifests).",
    )
    group.addoption(
        "--netverify-universe",
        choices=UNIVERSES,
        default=None,
        help="Universe of properties without their own: inventory or any "
        "(default: inventory if the manifests have pods or workloads; ini: netverify_universe).",
    )
    group.addoption(
        "--netverify-strict",
        action="store_true",
        default=False,
        help="An inconclusive (unknown) property fails instead of being skipped (ini: netverify_strict).",
    )
    group.addoption(
        "--netverify-timeout",
        type=float,
        metavar="SECONDS",
        default=None,
        help="Solver time limit per property (default 60; ini: netverify_timeout).",
    )
    group.addoption(
        "--netverify-rlimit",
        type=int,
        metavar="N",
        default=None,
        help="Deterministic solver work limit per property, 0 = none (ini: netverify_rlimit).",
    )
    parser.addini("netverify_specs", "Spec files whose properties become test items.", type="paths")
    parser.addini("netverify_manifests", "Manifest files or directories for the properties.", type="paths")
    parser.addini("netverify_universe", "Universe of properties without their own: inventory or any.")
    parser.addini("netverify_strict", "Fail on inconclusive properties instead of skipping.", type="bool")
    parser.addini("netverify_timeout", "Solver time limit per property, in seconds.")
    parser.addini("netverify_rlimit", "Deterministic solver work limit per property (0 = none).")


def _number(config: pytest.Config, name: str, convert: Callable[[str], Any]) -> Any:
    option = config.getoption(f"--{name.replace('_', '-')}")
    if option is not None:
        return option
    text = str(config.getini(name) or "").strip()
    if not text:
        return None
    try:
        return convert(text)
    except ValueError:
        raise pytest.UsageError(f"{name} = {text!r}: not a number") from None


def _settings(config: pytest.Config) -> Settings:
    here = config.invocation_params.dir
    cli_specs = config.getoption("--netverify-specs")
    cli_manifests = config.getoption("--netverify-manifests")
    specs = [here / p for p in cli_specs] if cli_specs else list(config.getini("netverify_specs"))
    manifests = (
        [here / p for p in cli_manifests] if cli_manifests else list(config.getini("netverify_manifests"))
    )
    universe = config.getoption("--netverify-universe") or str(config.getini("netverify_universe") or "")
    universe = universe.strip() or None
    if universe is not None and universe not in UNIVERSES:
        raise pytest.UsageError(f"netverify_universe = {universe!r}: expected inventory or any")
    return Settings(
        specs=tuple(Path(os.path.normpath(p)) for p in specs),
        specs_on_command_line=bool(cli_specs),
        manifests=tuple(Path(os.path.normpath(p)) for p in manifests),
        universe=universe,
        strict=bool(config.getoption("--netverify-strict") or config.getini("netverify_strict")),
        timeout=_number(config, "netverify_timeout", float),
        rlimit=_number(config, "netverify_rlimit", int),
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "netverify: a property of a netverify spec file")
    settings = _settings(config)
    if settings.active and not settings.manifests:
        raise pytest.UsageError(
            "netverify: spec files are configured but no manifests: set netverify_manifests "
            "or give --netverify-manifests PATH"
        )
    config.stash[_STATE] = State(settings)


def pytest_report_header(config: pytest.Config) -> str | None:
    state = config.stash.get(_STATE, None)
    if state is None or not state.settings.active:
        return None
    s = state.settings
    specs = ", ".join(_shown(p) for p in s.specs)
    manifests = ", ".join(_shown(p) for p in s.manifests)
    return f"netverify: specs {specs}; manifests {manifests}"


# --- collection ------------------------------------------------------------------------------


class PropertyFailed(Exception):
    """A property that is not ``holds`` (an ``unknown`` one only under strict)."""

    def __init__(self, result: PropertyResult) -> None:
        super().__init__(result.name)
        self.result = result


class SpecFile(pytest.File):
    """A spec file: one `PropertyItem` per property. Problems in it, or in the manifests,
    are a collection error listing every one at its ``file:line:col``."""

    def collect(self) -> Iterator[PropertyItem]:
        from verifier import api

        state = self.config.stash[_STATE]
        state.cluster(state.settings.manifests)  # bad manifests: a collection error, once per file
        for prop in api.load_specs(_shown(self.path)):
            item = PropertyItem.from_parent(self, name=prop.name, prop=prop)
            item.add_marker("netverify")
            yield item

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str | Any:
        from verifier.errors import InputError, UsageError

        if isinstance(excinfo.value, InputError):
            return "\n".join(str(p) for p in excinfo.value.problems)
        if isinstance(excinfo.value, UsageError):
            return f"error: {excinfo.value}"
        return super().repr_failure(excinfo)


class PropertyItem(pytest.Item):
    """One property of a spec file."""

    def __init__(self, *, prop: Property, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.prop = prop

    def runtest(self) -> None:
        from verifier.results import Verdict

        state = self.config.stash[_STATE]
        result = _result(self, state)
        self.user_properties.extend(
            [
                ("netverify.verdict", result.verdict.value),
                ("netverify.expect", result.expect.value),
                ("netverify.universe", result.universe.value),
            ]
        )
        if result.flow is not None:
            self.user_properties.append(("netverify.flow", str(result.flow)))
        if result.verdict is Verdict.HOLDS:
            return
        if result.verdict is Verdict.UNKNOWN and not state.settings.strict:
            reason = result.reason or "the solver gave up"
            raise pytest.skip.Exception(
                f"netverify: inconclusive, not a proof either way: {reason}", _use_item_location=True
            )
        raise PropertyFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str | Any:
        if isinstance(excinfo.value, PropertyFailed):
            return failure_text(excinfo.value.result)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.prop.location.line
        return self.path, (line - 1 if line else None), f"netverify: {self.name}"


def _result(item: PropertyItem, state: State) -> PropertyResult:
    """The result of ``item``'s property: the first item to run decides every selected
    property that has no result yet, in one analysis."""
    from verifier import api

    key = (item.path, item.name)
    if key not in state.results:
        pending = [
            other
            for other in item.session.items
            if isinstance(other, PropertyItem) and (other.path, other.name) not in state.results
        ]
        if item not in pending:
            pending.append(item)
        report = api.check(
            state.cluster(state.settings.manifests), [p.prop for p in pending], options=state.options()
        )
        for other, result in zip(pending, report.results, strict=True):
            state.results[(other.path, other.name)] = result
    return state.results[key]


def _is_spec(state: State | None, path: Path) -> bool:
    return (
        state is not None
        and state.settings.active
        and Path(os.path.normpath(path.absolute())) in state.settings.specs
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> SpecFile | None:
    state = parent.config.stash.get(_STATE, None)
    if state is None or not _is_spec(state, file_path):
        return None
    state.collected.add(Path(os.path.normpath(file_path.absolute())))
    return SpecFile.from_parent(parent, path=file_path)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Collect the configured spec files that the walk of the test paths did not reach (they
    may live outside the rootdir), before ``-k``/``-m`` deselect."""
    state = config.stash.get(_STATE, None)
    if state is None or not state.settings.active:
        return
    narrowed = config.args_source is pytest.Config.ArgsSource.ARGS
    if narrowed and not state.settings.specs_on_command_line:
        return
    for path in state.settings.specs:
        if path in state.collected:
            continue
        state.collected.add(path)
        try:
            nodeid = os.path.relpath(path, config.rootpath).replace(os.sep, "/")
        except ValueError:
            nodeid = str(path)
        node = SpecFile.from_parent(session, path=path, nodeid=nodeid)
        node.ihook.pytest_collectstart(collector=node)
        report = node.ihook.pytest_make_collect_report(collector=node)
        node.ihook.pytest_collectreport(report=report)
        if report.passed:
            for item in report.result:
                if isinstance(item, pytest.Item):
                    node.ihook.pytest_itemcollected(item=item)
                    items.append(item)


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def netverify_cluster(request: pytest.FixtureRequest) -> Callable[..., Cluster]:
    """A factory: ``netverify_cluster(paths=None, **load_options)`` → `Cluster`.

    ``paths`` (one path or a list; relative to the rootdir) default to the configured
    ``netverify_manifests``; ``load_options`` are `verifier.api.load`'s
    (``assume_unlabelled_namespaces``, ``ignore_kinds``, ``exclude``). Each input is loaded
    once per session; bad manifests raise `verifier.errors.InputError`."""
    config = request.config
    state = config.stash.get(_STATE, None) or State(Settings())

    def load(
        paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None, **load_options: Any
    ) -> Cluster:
        if paths is None:
            if not state.settings.manifests:
                raise pytest.UsageError(
                    "netverify_cluster(): give the manifest paths, or set netverify_manifests"
                )
            chosen = list(state.settings.manifests)
        else:
            given = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
            chosen = [Path(os.path.normpath(config.rootpath / p)) for p in given]
        return state.cluster(chosen, **load_options)

    return load
