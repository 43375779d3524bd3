"""JUnit XML output: one testcase per property, structure read back with ElementTree."""

from __future__ import annotations

import io
import ipaddress
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from verifier.errors import Location
from verifier.load import load_cluster
from verifier.model import Direction, Protocol, Universe
from verifier.oracle import decide
from verifier.report.junit import COMMAND_LINE_SUITE, write_check_junit
from verifier.results import CheckReport, Endpoint, EndpointKind, Flow, PropertyResult, RuleRef, Verdict
from verifier.spec import Expect

SRC = Endpoint(kind=EndpointKind.EXTERNAL, ip=ipaddress.ip_address("203.0.113.7"))
DST = Endpoint(
    kind=EndpointKind.POD,
    ip=ipaddress.ip_address("10.0.0.9"),
    namespace="data",
    name="db",
    labels={"app": "db"},
    namespace_labels={"kubernetes.io/metadata.name": "data"},
)
FLOW = Flow(source=SRC, destination=DST, port=5432, protocol=Protocol.TCP)
RULE = RuleRef(
    policy="data/db-ingress",
    direction=Direction.INGRESS,
    index=0,
    location=Location("manifests/p.yaml", 12, 5),
)


def result(name: str, verdict: Verdict, file: str = "specs/a.yaml", **kw: Any) -> PropertyResult:
    return PropertyResult(
        name=name,
        expect=kw.pop("expect", Expect.DENY),
        universe=Universe.ANY,
        verdict=verdict,
        location=Location(file, 4, 5),
        seconds=0.5,
        **kw,
    )


def render(report: CheckReport, *, strict: bool = False) -> ET.Element:
    out = io.StringIO()
    write_check_junit(report, out, strict=strict)
    text = out.getvalue()
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    return ET.fromstring(text)


REPORT = CheckReport(
    results=(
        result("internet-cannot-reach-db", Verdict.VIOLATED, flow=FLOW, rules=(RULE,)),
        result("db-isolated", Verdict.HOLDS),
        result("hard", Verdict.UNKNOWN, reason="timeout after 2 s"),
        result("typo", Verdict.ERROR, file="specs/b.yaml", reason="pod x/y is not in the inventory"),
        result("cli-prop", Verdict.HOLDS, file="<command line>"),
    ),
    seconds=2.5,
)


def cases(root: ET.Element) -> dict[str, ET.Element]:
    return {c.get("name", ""): c for c in root.iter("testcase")}


def test_one_testcase_per_property_grouped_by_spec_file() -> None:
    root = render(REPORT)
    assert root.tag == "testsuites"
    assert [s.get("name") for s in root.findall("testsuite")] == [
        "specs/a.yaml",
        "specs/b.yaml",
        COMMAND_LINE_SUITE,
    ]
    assert sorted(cases(root)) == sorted(r.name for r in REPORT.results)
    a = root.find("testsuite[@name='specs/a.yaml']")
    assert a is not None
    assert [c.get("name") for c in a.findall("testcase")] == [
        "internet-cannot-reach-db",
        "db-isolated",
        "hard",
    ]
    case = cases(root)["internet-cannot-reach-db"]
    assert (case.get("file"), case.get("line")) == ("specs/a.yaml", "4")


def test_counts_add_up_and_unknown_is_skipped_by_default() -> None:
    root = render(REPORT)
    assert {k: root.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "5",
        "failures": "1",
        "errors": "1",
        "skipped": "1",
    }
    for suite in root.findall("testsuite"):
        children = suite.findall("testcase")
        assert int(suite.get("tests", "-1")) == len(children)
        assert int(suite.get("failures", "-1")) == sum(1 for c in children if c.find("failure") is not None)
        assert int(suite.get("errors", "-1")) == sum(1 for c in children if c.find("error") is not None)
        assert int(suite.get("skipped", "-1")) == sum(1 for c in children if c.find("skipped") is not None)
    skipped = cases(root)["hard"].find("skipped")
    assert skipped is not None and "timeout after 2 s" in skipped.get("message", "")


def test_strict_turns_unknown_into_an_error() -> None:
    root = render(REPORT, strict=True)
    error = cases(root)["hard"].find("error")
    assert error is not None and error.get("type") == "unknown"
    assert cases(root)["hard"].find("skipped") is None
    assert (root.get("errors"), root.get("skipped")) == ("2", "0")


def test_failure_message_is_the_counterexample_and_system_out_the_rules() -> None:
    case = cases(render(REPORT))["internet-cannot-reach-db"]
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message") == str(FLOW) == "203.0.113.7 -> data/db (10.0.0.9) 5432/TCP"
    assert "manifests/p.yaml:12:5" in (failure.text or "")
    out = case.findtext("system-out") or ""
    assert "manifests/p.yaml:12:5: data/db-ingress ingress[0]" in out
    error = cases(render(REPORT))["typo"].find("error")
    assert error is not None and "pod x/y is not in the inventory" in error.get("message", "")
    passing = cases(render(REPORT))["db-isolated"]
    assert [child.tag for child in passing] == ["system-out"]


def test_violated_reachable_without_flow() -> None:
    report = CheckReport(results=(result("r", Verdict.VIOLATED, expect=Expect.REACHABLE),))
    failure = cases(render(report))["r"].find("failure")
    assert failure is not None and "no flow in scope is allowed" in failure.get("message", "")


def test_hostile_names_are_escaped() -> None:
    name = 'a<b>&"c"\x01'
    report = CheckReport(results=(result(name, Verdict.VIOLATED, flow=FLOW, description="x ]]> y"),))
    root = render(report)  # parses: escaping and invalid characters handled
    (case,) = root.iter("testcase")
    assert case.get("name") == 'a<b>&"c"\ufffd'


# --- end to end ---------------------------------------------------------------------------------


def test_seed_junit_matches_the_json_verdicts(
    runner: CliRunner, root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from verifier.cli import app

    monkeypatch.chdir(root)
    report = tmp_path / "r.json"
    args = ["check", "examples/seed", "--spec", "specs/seed.yaml", "--report", f"json={report}"]
    junit = runner.invoke(app, [*args, "-f", "junit"])
    assert junit.exit_code == 1, junit.output
    doc = json.loads(report.read_text())
    root = ET.fromstring(junit.stdout)
    by_name = cases(root)
    assert set(by_name) == {r["name"] for r in doc["results"]}
    cluster = load_cluster(["examples/seed"]).cluster
    for r in doc["results"]:
        failure = by_name[r["name"]].find("failure")
        assert (failure is not None) == (r["verdict"] == "violated")
        if failure is not None and r["counterexample"]:
            flow = Flow.model_validate(r["counterexample"])
            assert failure.get("message") == str(flow)
            assert decide(cluster, flow).allowed is (r["expect"] == "deny")


# --- locations: never None / null, no pseudo file attributes ------------------------------------

UNLOCATED_RULE = RuleRef(policy="data/db-ingress", direction=Direction.INGRESS, index=0)  # <unknown>


def _no_file_report() -> CheckReport:
    cli = Location("<command line>")
    return CheckReport(
        results=(
            result("cli-deny", Verdict.VIOLATED, flow=FLOW, rules=(UNLOCATED_RULE, RULE)).model_copy(
                update={"location": cli}
            ),
            result("cli-reachable", Verdict.VIOLATED, expect=Expect.REACHABLE).model_copy(
                update={"location": cli}
            ),
            result("cli-error", Verdict.ERROR, reason="empty scope").model_copy(update={"location": cli}),
            result("baseline: no new access outside the specs", Verdict.UNKNOWN, reason="timeout").model_copy(
                update={"location": Location("<baseline old/>")}
            ),
            result("from-stdin", Verdict.VIOLATED, flow=FLOW, rules=(RULE,)).model_copy(
                update={"location": Location("<stdin>", 3, 5)}
            ),
        )
    )


@pytest.mark.parametrize("strict", [False, True])
def test_junit_never_prints_a_missing_location(strict: bool) -> None:
    out = io.StringIO()
    write_check_junit(_no_file_report(), out, strict=strict)
    text = out.getvalue()
    for needle in ("None", "null", "<unknown>", "&lt;unknown&gt;"):
        assert needle not in text, needle
    root = ET.fromstring(text)
    cases = {c.get("name"): c for c in root.iter("testcase")}
    for case in cases.values():
        assert case.get("file") is None or not case.get("file", "").startswith("<")
    # The rule without a location is listed by name alone, the located one with file:line:col.
    out_text = cases["cli-deny"].findtext("system-out") or ""
    assert "  data/db-ingress ingress[0]\n" in out_text + "\n"
    assert "manifests/p.yaml:12:5: data/db-ingress ingress[0]" in out_text
    assert {c.get("classname") for c in cases.values()} >= {COMMAND_LINE_SUITE}


@pytest.mark.parametrize(
    "argv",
    [
        ["--reachable", "--from-pod", "role=frontend", "--to-pod", "role=db", "-p", "9999"],
        ["--reachable", "--from-pod", "role=nothing", "--to-pod", "role=db"],
        ["--deny", "--to-pod", "role=db"],
    ],
)
def test_assert_junit_has_no_null_locations(
    argv: list[str], runner: CliRunner, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from verifier.cli import app

    monkeypatch.chdir(root)
    res = runner.invoke(app, ["assert", "examples/seed", *argv, "-f", "junit"])
    assert res.exit_code in (1, 2), res.output
    for needle in ("None", "null", "&lt;unknown&gt;", 'file="&lt;'):
        assert needle not in res.stdout, needle
    ET.fromstring(res.stdout)
