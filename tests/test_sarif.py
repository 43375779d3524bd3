"""SARIF 2.1.0 output: validated against the official OASIS schema (tests/data copy).

Format tests build results by hand (no solver); the end-to-end tests run the CLI on the seed
example and replay every counterexample in the SARIF through the oracle.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from verifier.cli import app
from verifier.errors import Location
from verifier.load import load_cluster
from verifier.model import AnalysisOptions, Direction, Protocol, Universe
from verifier.oracle import decide
from verifier.report.sarif import (
    FINGERPRINT_KEY,
    Finding,
    FindingRule,
    Level,
    Related,
    artifact_uri,
    check_sarif,
    sarif_log,
)
from verifier.results import CheckReport, Endpoint, EndpointKind, Flow, PropertyResult, RuleRef, Verdict
from verifier.spec import Expect

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())

SPEC = "specs/team.yaml"
POLICY_FILE = "manifests/policies.yaml"
FRONTEND = Endpoint(
    kind=EndpointKind.POD,
    ip=ipaddress.ip_address("10.0.0.2"),
    namespace="web",
    name="frontend",
    labels={"app": "frontend"},
    namespace_labels={"kubernetes.io/metadata.name": "web"},
)
DB = Endpoint(
    kind=EndpointKind.POD,
    ip=ipaddress.ip_address("10.0.0.9"),
    namespace="data",
    name="db",
    labels={"app": "db"},
    namespace_labels={"kubernetes.io/metadata.name": "data"},
)
FLOW = Flow(source=FRONTEND, destination=DB, port=5432, protocol=Protocol.TCP)
ALLOWING_RULE = RuleRef(
    policy="data/db-ingress", direction=Direction.INGRESS, index=1, location=Location(POLICY_FILE, 22, 7)
)
ISOLATING = RuleRef(
    policy="data/default-deny", direction=Direction.INGRESS, location=Location(POLICY_FILE, 3, 1)
)


def result(
    name: str, verdict: Verdict, expect: Expect = Expect.DENY, line: int = 5, **kw: Any
) -> PropertyResult:
    return PropertyResult(
        name=name,
        expect=expect,
        universe=Universe.ANY,
        verdict=verdict,
        location=Location(SPEC, line, 5),
        seconds=0.01,
        **kw,
    )


def validate(doc: dict[str, Any]) -> None:
    """Raise if ``doc`` is not a valid SARIF 2.1.0 log."""
    cls = jsonschema.validators.validator_for(SCHEMA)
    cls(SCHEMA, format_checker=cls.FORMAT_CHECKER).validate(doc)


MIXED = CheckReport(
    results=(
        result("web-cannot-reach-db", Verdict.VIOLATED, flow=FLOW, rules=(ALLOWING_RULE,), line=3),
        result("web-reaches-db", Verdict.VIOLATED, Expect.ALLOW, flow=FLOW, rules=(ISOLATING,), line=10),
        result("someone-reaches-db", Verdict.VIOLATED, Expect.REACHABLE, line=20),
        result("hard-one", Verdict.UNKNOWN, reason="timeout after 1 s", line=30),
        result("broken", Verdict.ERROR, reason="pod x/y is not in the inventory", line=40),
        result("fine", Verdict.HOLDS, line=50),
    ),
    warnings=("manifests/pods.yaml:3:1: warning: Service default/x ignored",),
)


def test_mixed_report_is_valid_sarif() -> None:
    validate(check_sarif(MIXED))


def test_one_result_per_property_that_does_not_hold() -> None:
    results = check_sarif(MIXED)["runs"][0]["results"]
    names = [r["properties"]["property"] for r in results]
    assert names == ["web-cannot-reach-db", "web-reaches-db", "someone-reaches-db", "hard-one", "broken"]


def test_kind_and_level_follow_the_verdict() -> None:
    by_name = {r["properties"]["property"]: r for r in check_sarif(MIXED)["runs"][0]["results"]}
    for name in ("web-cannot-reach-db", "web-reaches-db", "someone-reaches-db"):
        assert (by_name[name]["kind"], by_name[name]["level"]) == ("fail", "error")
    # Inconclusive and unevaluable properties are never a pass, and not a failure either.
    for name in ("hard-one", "broken"):
        assert (by_name[name]["kind"], by_name[name]["level"]) == ("open", "none")
    assert "timeout after 1 s" in by_name["hard-one"]["message"]["text"]


def test_one_rule_per_property_kind_and_rule_index_points_at_it() -> None:
    run = check_sarif(MIXED)["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert sorted(r["id"] for r in rules) == ["property/allow", "property/deny", "property/reachable"]
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["ruleId"] == f"property/{res['properties']['expect']}"


def test_result_located_at_the_property_with_related_rules() -> None:
    res = check_sarif(MIXED)["runs"][0]["results"][0]
    (loc,) = res["locations"]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == SPEC
    assert loc["physicalLocation"]["region"] == {"startLine": 3, "startColumn": 5}
    (rel,) = res["relatedLocations"]
    assert rel["physicalLocation"]["artifactLocation"]["uri"] == POLICY_FILE
    assert rel["physicalLocation"]["region"] == {"startLine": 22, "startColumn": 7}
    assert "data/db-ingress ingress[1]" in rel["message"]["text"]
    # The message names the property, its kind and the counterexample flow.
    text = res["message"]["text"]
    assert "web-cannot-reach-db" in text and "deny" in text and str(FLOW) in text


def test_fingerprints_ignore_line_numbers_but_not_identity() -> None:
    def fp(**kw: Any) -> str:
        args: dict[str, Any] = {"flow": FLOW, "rules": (ALLOWING_RULE,), "line": 3}
        args.update(kw)
        report = CheckReport(results=(result(kw.pop("name", "p"), Verdict.VIOLATED, **args),))
        return str(check_sarif(report)["runs"][0]["results"][0]["partialFingerprints"][FINGERPRINT_KEY])

    moved_rule = ALLOWING_RULE.model_copy(update={"location": Location(POLICY_FILE, 99, 3)})
    assert fp() == fp(line=77) == fp(rules=(moved_rule,))
    other_rule = ALLOWING_RULE.model_copy(update={"index": 2})
    assert len({fp(), fp(rules=(other_rule,)), fp(rules=())}) == 3
    renamed = CheckReport(results=(result("q", Verdict.VIOLATED, flow=FLOW, rules=(ALLOWING_RULE,), line=3),))
    assert check_sarif(renamed)["runs"][0]["results"][0]["partialFingerprints"][FINGERPRINT_KEY] != fp()


def test_errors_make_the_execution_unsuccessful_and_warnings_are_notifications() -> None:
    invocation = check_sarif(MIXED)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    levels = sorted(n["level"] for n in invocation["toolExecutionNotifications"])
    assert levels == ["error", "warning"]
    clean = CheckReport(results=(result("fine", Verdict.HOLDS),))
    doc = check_sarif(clean)
    validate(doc)
    assert doc["runs"][0]["invocations"][0]["executionSuccessful"] is True
    assert doc["runs"][0]["results"] == []
    assert doc["runs"][0]["properties"]["summary"]["holds"] == 1


def test_command_line_property_falls_back_to_the_rule_location() -> None:
    prop = PropertyResult(
        name="cli",
        expect=Expect.DENY,
        universe=Universe.INVENTORY,
        verdict=Verdict.VIOLATED,
        flow=FLOW,
        rules=(ALLOWING_RULE,),
    )
    doc = check_sarif(CheckReport(results=(prop,)))
    validate(doc)
    (loc,) = doc["runs"][0]["results"][0]["locations"]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == POLICY_FILE


def test_uris(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert artifact_uri("<stdin>") is None
    assert artifact_uri("./a/../specs/my spec.yaml") == ("specs/my%20spec.yaml", "%SRCROOT%")
    assert artifact_uri(str(tmp_path / "k8s" / "p.yaml")) == ("k8s/p.yaml", "%SRCROOT%")
    outside = Path("/elsewhere/p.yaml")
    assert artifact_uri(str(outside)) == ("file:///elsewhere/p.yaml", None)


def test_generic_findings_for_lint_like_rules() -> None:
    rules = [
        FindingRule(
            id="NV001", name="SelectsNothing", short="The policy selects no pod.", level=Level.WARNING
        )
    ]
    finding = Finding(
        rule_id="NV001",
        level=Level.WARNING,
        message="NetworkPolicy web/x selects no pod",
        location=Location(POLICY_FILE, 3, 1),
        identity=("NV001", "web/x"),
        related=(Related(Location("manifests/pods.yaml", 1, 1), "pods of web"),),
    )
    doc = sarif_log(rules, [finding])
    validate(doc)
    (res,) = doc["runs"][0]["results"]
    assert (res["ruleId"], res["level"], res["kind"], res["ruleIndex"]) == ("NV001", "warning", "fail", 0)


# --- end to end on the seed example -------------------------------------------------------------


def test_seed_sarif_is_valid_and_replays_through_the_oracle(monkeypatch: pytest.MonkeyPatch) -> None:
    from verifier.cli import app

    monkeypatch.chdir(ROOT)
    runner = CliRunner()
    res = runner.invoke(app, ["check", "examples/seed", "--spec", "specs/seed.yaml", "-f", "sarif"])
    assert res.exit_code == 1, res.output
    doc = json.loads(res.stdout)
    validate(doc)
    res_json = runner.invoke(app, ["check", "examples/seed", "--spec", "specs/seed.yaml", "-f", "json"])
    verdicts = {r["name"]: r["verdict"] for r in json.loads(res_json.stdout)["results"]}
    results = doc["runs"][0]["results"]
    assert {r["properties"]["property"] for r in results} == {n for n, v in verdicts.items() if v != "holds"}
    cluster = load_cluster(["examples/seed"]).cluster
    spec_lines = (ROOT / "specs" / "seed.yaml").read_text().splitlines()
    for r in results:
        # Located at the property's own "- name:" line in the spec file.
        region = r["locations"][0]["physicalLocation"]["region"]
        assert f"name: {r['properties']['property']}" in spec_lines[region["startLine"] - 1]
        for rel in r["relatedLocations"]:
            assert rel["physicalLocation"]["artifactLocation"]["uri"].startswith("examples/seed/")
        flow = Flow.model_validate(r["properties"]["counterexample"])
        expect_allowed = r["properties"]["expect"] == "deny"
        assert decide(cluster, flow).allowed is expect_allowed, flow


def test_report_option_writes_several_formats_from_one_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from verifier.cli import app

    monkeypatch.chdir(ROOT)
    sarif, junit, md = tmp_path / "r.sarif", tmp_path / "j.xml", tmp_path / "s.md"
    res = CliRunner().invoke(
        app,
        [
            "check",
            "examples/seed",
            "-s",
            "specs/seed.yaml",
            "--quiet",
            "--report",
            f"sarif={sarif}",
            "--report",
            f"junit={junit}",
            "--report",
            f"markdown={md}",
        ],
    )
    assert res.exit_code == 1, res.output
    validate(json.loads(sarif.read_text()))
    assert junit.read_text().startswith("<?xml") and "<testsuites" in junit.read_text()
    assert md.read_text().startswith("## ")
    bad = CliRunner().invoke(app, ["check", "examples/seed", "-s", "specs/seed.yaml", "--report", "pdf=x"])
    assert bad.exit_code == 2 and "FORMAT=FILE" in bad.stderr


def test_lint_report_as_sarif() -> None:
    from verifier.report.markdown import lint_markdown
    from verifier.report.sarif import lint_sarif
    from verifier.results import Finding as LintFinding
    from verifier.results import LintReport, Severity

    report = LintReport(
        universe=Universe.INVENTORY,
        findings=(
            LintFinding(
                id="NV011",
                severity=Severity.ERROR,
                object="NetworkPolicy web/deny-egress",
                message="egress isolation blocks DNS",
                location=Location(POLICY_FILE, 40, 3),
            ),
            LintFinding(id="NV009", severity=Severity.INFO, object="pods", message="not isolated"),
        ),
        skipped=("NV002: solver gave up",),
    )
    doc = lint_sarif(report)
    validate(doc)
    run = doc["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["NV009", "NV011"]
    levels = {r["ruleId"]: r["level"] for r in run["results"]}
    assert levels == {"NV011": "error", "NV009": "note"}
    nv011 = next(r for r in run["results"] if r["ruleId"] == "NV011")
    assert nv011["locations"][0]["physicalLocation"]["region"] == {"startLine": 40, "startColumn": 3}
    assert "locations" not in next(r for r in run["results"] if r["ruleId"] == "NV009")  # <unknown>
    assert (
        run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"] == "NV002: solver gave up"
    )
    assert lint_markdown(report).startswith("## ❌ netverify lint: 1 error, 1 note")


# --- lint and diff through the CLI ----------------------------------------------------------------

SEED = "examples/seed"
SEED_V2 = "examples/seed-v2"


def test_lint_sarif_cli_on_the_seed_is_valid_and_located_at_the_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from verifier.query.lint import lint as run_lint

    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(app, ["lint", SEED, "-f", "sarif", "--fail-on", "never"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    validate(doc)
    report = run_lint(load_cluster([SEED]).cluster, AnalysisOptions(), paths=[SEED])
    results = doc["runs"][0]["results"]
    assert len(results) == len(report.findings)
    for sarif_result, finding in zip(results, report.findings, strict=True):
        assert sarif_result["ruleId"] == finding.id
        if finding.location.line > 0:
            region = sarif_result["locations"][0]["physicalLocation"]["region"]
            assert (region["startLine"], region["startColumn"]) == (
                finding.location.line,
                finding.location.column,
            )
            # The line is where the policy or rule was loaded: the file really has it there.
            text = (ROOT / finding.location.file).read_text().splitlines()[finding.location.line - 1]
            assert text.strip(), text
    prints = [r["partialFingerprints"][FINGERPRINT_KEY] for r in results]
    assert len(set(prints)) == len(prints)  # NV009 ingress / egress of one namespace differ
    rule_ids = {r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    assert {"NV011", "NV009", "NV017"} <= rule_ids


def test_lint_fingerprints_survive_moved_lines_and_changed_messages() -> None:
    from verifier.report.sarif import lint_sarif
    from verifier.results import Finding as LintFinding
    from verifier.results import LintReport, Severity

    def doc(line: int, pods: str) -> list[str]:
        report = LintReport(
            universe=Universe.INVENTORY,
            findings=(
                LintFinding(
                    id="NV003",
                    severity=Severity.WARNING,
                    object="web/allow ingress[0] peer[1]",
                    message="matches no pod",
                    location=Location(POLICY_FILE, line, 7),
                ),
                LintFinding(
                    id="NV009", severity=Severity.INFO, object="namespace a", message=f"{pods} in Ingress"
                ),
                LintFinding(
                    id="NV009", severity=Severity.INFO, object="namespace a", message=f"{pods} in Egress"
                ),
            ),
        )
        return [r["partialFingerprints"][FINGERPRINT_KEY] for r in lint_sarif(report)["runs"][0]["results"]]

    first = doc(10, "2 pod(s): x, y")
    assert first == doc(42, "3 pod(s): x, y, z")
    assert len(set(first)) == 3


def test_diff_sarif_cli_results_are_added_regions_at_the_new_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    from verifier.query.diff import merge_versions

    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(
        app, ["diff", SEED, "--against", SEED_V2, "-f", "sarif", "--universe", "inventory"]
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    validate(doc)
    old_c, new_c, _ = merge_versions(load_cluster([SEED]).cluster, load_cluster([SEED_V2]).cluster)
    results = doc["runs"][0]["results"]
    assert results and all(r["ruleId"] == "diff/added" for r in results)
    for r in results:
        example = r["properties"]["region"]["example"]
        flow = _flow_from_json(example)
        assert decide(new_c, flow).allowed and not decide(old_c, flow).allowed
        allowing = decide(new_c, flow).rules_involved()
        assert [x["policy"] for x in r["properties"]["rules"]] == [x.policy for x in allowing]
        if allowing:
            loc = r["locations"][0]["physicalLocation"]
            assert loc["artifactLocation"]["uri"] == allowing[0].location.file
            assert loc["region"]["startLine"] == allowing[0].location.line
    assert len({r["partialFingerprints"][FINGERPRINT_KEY] for r in results}) == len(results)


def _flow_from_json(data: dict[str, Any]) -> Flow:
    def endpoint(e: dict[str, Any]) -> Endpoint:
        return Endpoint(
            kind=EndpointKind(e["kind"]),
            ip=None if e["ip"] is None else ipaddress.ip_address(e["ip"]),
            namespace=e["namespace"],
            name=e["name"],
            labels=e["labels"],
            namespace_labels=e["namespace_labels"],
            new_namespace=e["new_namespace"],
        )

    return Flow(
        source=endpoint(data["source"]),
        destination=endpoint(data["destination"]),
        port=data["port"],
        protocol=Protocol(data["protocol"]),
    )
