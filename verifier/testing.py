"""Assertions for network-policy properties written in Python, in pytest or any test runner.

::

    from verifier import api
    from verifier.testing import assert_denied

    cluster = api.load("examples/seed")
    assert_denied(cluster, src="ns:other", dst="ns:default/role=db", port=6379)

Each helper builds the property with `verifier.api` (the same peers and ports: selector
strings, ``ns:``/``pod:`` strings, CIDRs, spec mappings), proves it, and returns the
`PropertyResult` when it holds. Otherwise it raises `AssertionError` whose message is the
verdict, the counterexample flow (source and destination with namespace, pod, labels and
IP; the port), the rules involved with ``file:line:col`` and why — plain text, as in a CI
log. An ``unknown`` verdict fails too (a helper asserts a proof): give the solver more time
(``options=api.options(timeout=…)``) or narrow the property.

The helpers raise `AssertionError` themselves instead of using ``assert`` statements, so
they check the same under ``python -O`` and outside pytest, and need no assertion rewriting;
pytest shows their message under the failing line of your test. The pytest plugin
(`verifier.pytest_plugin`) re-exports them.

This module imports `verifier.api` only when a helper runs, so importing it (the pytest
plugin does, in every pytest run) costs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from verifier.api import PeerLike, PortLike, UniverseLike
    from verifier.model import AnalysisOptions, Cluster
    from verifier.results import PropertyResult
    from verifier.spec import Property

__all__ = ["assert_allowed", "assert_denied", "assert_holds", "assert_reachable", "failure_text"]


def failure_text(result: PropertyResult) -> str:
    """Why ``result`` is not ``holds``, in plain text: the verdict, the property, the
    counterexample in full, the rules involved and why (the body of the JUnit failure)."""
    from verifier.report.junit import failure_body, failure_message
    from verifier.results import Verdict

    head = f"property {result.name!r} is {result.verdict.value}"
    if result.verdict is Verdict.VIOLATED and result.flow is None:
        head += f": {failure_message(result)}"
    elif result.verdict is Verdict.UNKNOWN:
        head += f" (inconclusive, not a proof either way): {result.reason or 'the solver gave up'}"
    elif result.verdict is Verdict.ERROR:
        head += f": could not be evaluated: {result.reason or 'unknown error'}"
    return f"{head}\n{failure_body(result)}"


def assert_holds(
    cluster: Cluster,
    prop: Property,
    *,
    universe: UniverseLike | None = None,
    options: AnalysisOptions | None = None,
) -> PropertyResult:
    """Prove ``prop`` (`verifier.api.prove`); return its result if it holds, else raise
    `AssertionError` with `failure_text`."""
    __tracebackhide__ = True
    from verifier import api
    from verifier.results import Verdict

    result = api.prove(cluster, prop, universe=universe, options=options)
    if result.verdict is not Verdict.HOLDS:
        raise AssertionError(failure_text(result))
    return result


def assert_denied(
    cluster: Cluster,
    src: PeerLike | Sequence[PeerLike] | None = None,
    dst: PeerLike | Sequence[PeerLike] | None = None,
    port: PortLike | Sequence[PortLike] | None = None,
    *,
    universe: UniverseLike | None = None,
    options: AnalysisOptions | None = None,
    name: str | None = None,
) -> PropertyResult:
    """No flow from ``src`` to ``dst`` on ``port`` is allowed (`verifier.api.deny`)."""
    __tracebackhide__ = True
    from verifier import api

    prop = api.deny(src, dst, port, name=name, universe=universe)
    return assert_holds(cluster, prop, options=options)


def assert_allowed(
    cluster: Cluster,
    src: PeerLike | Sequence[PeerLike] | None = None,
    dst: PeerLike | Sequence[PeerLike] | None = None,
    port: PortLike | Sequence[PortLike] | None = None,
    *,
    universe: UniverseLike | None = None,
    options: AnalysisOptions | None = None,
    name: str | None = None,
) -> PropertyResult:
    """Every flow from ``src`` to ``dst`` on ``port`` is allowed (`verifier.api.allow`)."""
    __tracebackhide__ = True
    from verifier import api

    prop = api.allow(src, dst, port, name=name, universe=universe)
    return assert_holds(cluster, prop, options=options)


def assert_reachable(
    cluster: Cluster,
    src: PeerLike | Sequence[PeerLike] | None = None,
    dst: PeerLike | Sequence[PeerLike] | None = None,
    port: PortLike | Sequence[PortLike] | None = None,
    *,
    universe: UniverseLike | None = None,
    options: AnalysisOptions | None = None,
    name: str | None = None,
) -> PropertyResult:
    """Some flow from ``src`` to ``dst`` on ``port`` is allowed; the returned result's
    ``flow`` is the witness (`verifier.api.reachable`)."""
    __tracebackhide__ = True
    from verifier import api

    prop = api.reachable(src, dst, port, name=name, universe=universe)
    return assert_holds(cluster, prop, options=options)
