"""JUnit XML output: one ``<testcase>`` per property, readable by any JUnit consumer.

Layout (the de-facto "Jenkins/Ant" JUnit schema that GitLab, Jenkins, Azure DevOps, CircleCI
and the GitHub test-report actions read)::

    <testsuites name="netverify" tests= failures= errors= skipped= time=>
      <testsuite name="specs/seed.yaml" ...>            one suite per spec file
        <testcase name="db-only" classname="specs/seed.yaml" file= line= time=>
          <failure type="violated" message="FLOW">...</failure>
          <system-out>rules involved ...</system-out>

- ``holds``: a passing testcase; ``system-out`` carries the witness of a ``reachable``
  property and, as for every verdict, the rules involved.
- ``violated``: ``<failure>`` whose ``message`` is the counterexample flow
  (``src -> dst port/proto``) and whose body is the full counterexample, rules and why.
- ``unknown``: ``<skipped>`` with the solver's reason, because without ``--strict`` an
  inconclusive property does not fail the run; with ``strict=True`` it is an ``<error
  type="unknown">`` instead, so the JUnit view always agrees with the exit code.
- ``error``: ``<error type="error">`` with the reason (exit code 2).

Properties given on the command line (``assert``) go in a suite named ``command-line``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TextIO

from verifier.report.sarif import location_text
from verifier.report.text import endpoint_lines
from verifier.results import CheckReport, PropertyResult, Verdict
from verifier.spec import Expect

COMMAND_LINE_SUITE = "command-line"

# Characters XML 1.0 cannot carry at all, even escaped.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _suite_name(result: PropertyResult) -> str:
    file = result.location.file
    return COMMAND_LINE_SUITE if not file or file.startswith("<") else file


def rules_text(result: PropertyResult) -> str:
    """The rules involved, one per line with ``file:line:col``, or a sentence saying there are none."""
    if not result.rules:
        return "rules involved: none"
    lines = ["rules involved:"]
    lines.extend(
        f"  {where}: {rule}" if (where := location_text(rule.location)) else f"  {rule}"
        for rule in result.rules
    )
    return "\n".join(lines)


def failure_message(result: PropertyResult) -> str:
    """The counterexample flow, or what is missing when there is none."""
    if result.flow is not None:
        return str(result.flow)
    return "no flow in scope is allowed, but the property expects one to be reachable"


def failure_body(result: PropertyResult) -> str:
    """Everything a reviewer needs: the claim, the counterexample in full, the rules and why."""
    lines = []
    if result.description:
        lines.append(result.description)
    lines.append(f"expect: {result.expect.value}   universe: {result.universe.value}")
    if result.flow is not None:
        verb = "denied" if result.expect is Expect.ALLOW else "allowed"
        lines.append(f"counterexample ({verb}): {result.flow}")
        for side, endpoint in (("source", result.flow.source), ("destination", result.flow.destination)):
            for n, (key, value) in enumerate(endpoint_lines(endpoint)):
                lines.append(f"  {side if n == 0 else '':<12} {key:<14} {value}")
        lines.append(f"  {'port':<12} {'':<14} {result.flow.port}/{result.flow.protocol.value}")
    lines.append(rules_text(result))
    if result.explanation:
        lines.append("why:")
        lines.extend(f"  {line}" for line in result.explanation)
    if not result.location.file.startswith("<"):
        lines.append(f"property defined at {result.location}")
    return "\n".join(lines)


def _testcase(result: PropertyResult, *, strict: bool) -> ET.Element:
    case = ET.Element(
        "testcase",
        {
            "name": _clean(result.name),
            "classname": _clean(_suite_name(result)),
            "time": f"{result.seconds:.6f}",
        },
    )
    if result.location.line and not result.location.file.startswith("<"):
        case.set("file", _clean(result.location.file))
        case.set("line", str(result.location.line))
    out = [rules_text(result)]
    if result.verdict is Verdict.VIOLATED:
        el = ET.SubElement(case, "failure", {"type": "violated", "message": _clean(failure_message(result))})
        el.text = _clean(failure_body(result))
    elif result.verdict is Verdict.UNKNOWN:
        reason = f"inconclusive (not a proof either way): {result.reason or 'the solver gave up'}"
        if strict:
            el = ET.SubElement(case, "error", {"type": "unknown", "message": _clean(reason)})
            el.text = _clean(failure_body(result))
        else:
            ET.SubElement(case, "skipped", {"message": _clean(reason)})
    elif result.verdict is Verdict.ERROR:
        reason = f"could not be evaluated: {result.reason or 'unknown error'}"
        el = ET.SubElement(case, "error", {"type": "error", "message": _clean(reason)})
        el.text = _clean(failure_body(result))
    elif result.flow is not None:
        out.insert(0, f"witness: {result.flow}")
    system_out = ET.SubElement(case, "system-out")
    system_out.text = _clean("\n".join(out))
    return case


def _counts(results: list[PropertyResult], *, strict: bool) -> dict[str, str]:
    unknown = sum(1 for r in results if r.verdict is Verdict.UNKNOWN)
    errors = sum(1 for r in results if r.verdict is Verdict.ERROR) + (unknown if strict else 0)
    return {
        "tests": str(len(results)),
        "failures": str(sum(1 for r in results if r.verdict is Verdict.VIOLATED)),
        "errors": str(errors),
        "skipped": str(0 if strict else unknown),
        "time": f"{sum(r.seconds for r in results):.6f}",
    }


def check_junit(report: CheckReport, *, strict: bool = False) -> ET.Element:
    """The ``<testsuites>`` element of a run (suites in order of first appearance)."""
    suites: dict[str, list[PropertyResult]] = {}
    for r in report.results:
        suites.setdefault(_suite_name(r), []).append(r)
    root = ET.Element("testsuites", {"name": "netverify", **_counts(list(report.results), strict=strict)})
    root.set("time", f"{report.seconds:.6f}")
    for name, results in suites.items():
        suite = ET.SubElement(root, "testsuite", {"name": _clean(name), **_counts(results, strict=strict)})
        if report.warnings:
            props = ET.SubElement(suite, "properties")
            for n, warning in enumerate(report.warnings):
                ET.SubElement(props, "property", {"name": f"warning.{n + 1}", "value": _clean(warning)})
        for r in results:
            suite.append(_testcase(r, strict=strict))
    return root


def write_check_junit(report: CheckReport, out: TextIO, *, strict: bool = False) -> None:
    root = check_junit(report, strict=strict)
    ET.indent(root, space="  ")
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
