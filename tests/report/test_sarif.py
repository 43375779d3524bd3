"""SARIF 2.1.0 output: validated against the official OASIS schema (tests/data copy).

Format tests build results by hand (no solver); the end-to-end tests run the CLI on the seed
example and replay every counterexample in the SARIF through the oracle.
"""

from __future__ import annotations

import ipaddress
import json
import posixpath
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

from tests.paths import DATA, ROOT
from verifier.cli import app
from verifier.errors import Location
from verifier.load import load_cluster
from verifier.model import AnalysisOptions, Direction, Protocol, Universe
from verifier.oracle import decide
from verifier.report.sarif import (
    FINGERPRINT_KEY,
    FindingRule,
    Level,
    Related,
    SarifResult,
    artifact_uri,
    check_sarif,
    sarif_log,
)
from verifier.results import CheckReport, Endpoint, EndpointKind, Flow, PropertyResult, RuleRef, Verdict
from verifier.spec import Expect

SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())

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
    """Raise if ``doc`` is not a valid SARIF 2.1.0 log, or one GitHub code scanning rejects."""
    cls = jsonschema.validators.validator_for(SCHEMA)
    cls(SCHEMA, format_checker=cls.FORMAT_CHECKER).validate(doc)
    assert code_scanning_problems(doc) == [], code_scanning_problems(doc)


def _uri_problem(uri: object) -> str | None:
    if not isinstance(uri, str) or not uri:
        return "no uri"
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", uri) or uri.startswith(("/", "\\")):
        return f"absolute uri {uri!r}"
    if "<" in uri or ">" in uri or "%3C" in uri.upper() or "\\" in uri:
        return f"pseudo path or backslash in {uri!r}"
    if uri in (".", "-") or uri.endswith("/"):
        return f"not a file: {uri!r}"
    return None


def code_scanning_problems(doc: dict[str, Any]) -> list[str]:
    """What GitHub code scanning requires beyond the schema, one line per violation.

    Every result: a ``ruleId`` defined in ``tool.driver.rules``, a non-empty ``message.text``,
    at least one location; every location and related location: a ``physicalLocation`` whose
    ``artifactLocation.uri`` is a relative path (no scheme, no leading slash, no ``<stdin>``
    style pseudo path) and whose ``region.startLine`` is >= 1.
    """
    problems = []
    for run in doc["runs"]:
        rule_ids = {r["id"] for r in run["tool"]["driver"].get("rules", [])}
        for n, res in enumerate(run.get("results", [])):
            where = f"result {n} ({res.get('ruleId')})"
            if not res.get("ruleId"):
                problems.append(f"{where}: no ruleId")
            elif res["ruleId"] not in rule_ids:
                problems.append(f"{where}: ruleId not in tool.driver.rules")
            if not (res.get("message") or {}).get("text"):
                problems.append(f"{where}: empty message")
            locations = res.get("locations")
            if not isinstance(locations, list) or not locations:
                problems.append(f"{where}: no location")
                locations = []
            for loc in [*locations, *res.get("relatedLocations", [])]:
                physical = (loc or {}).get("physicalLocation") or {}
                problem = _uri_problem((physical.get("artifactLocation") or {}).get("uri"))
                if problem:
                    problems.append(f"{where}: {problem}")
                line = (physical.get("region") or {}).get("startLine")
                if not isinstance(line, int) or line < 1:
                    problems.append(f"{where}: region.startLine {line!r}")
    return problems


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
    assert artifact_uri("<stdin>") == artifact_uri("-") == ("stdin", "%SRCROOT%")
    for pseudo in ("<command line>", "<inventory>", "<unknown>", "<baseline examples/seed>", ""):
        assert artifact_uri(pseudo) is None
    assert artifact_uri("./a/../specs/my spec.yaml") == ("specs/my%20spec.yaml", "%SRCROOT%")
    assert artifact_uri(str(tmp_path / "k8s" / "p.yaml")) == ("k8s/p.yaml", "%SRCROOT%")
    # Outside the working directory: still relative (code scanning rejects absolute URIs).
    outside = artifact_uri("/elsewhere/p.yaml")
    assert outside is not None and outside[1] == "%SRCROOT%"
    assert _uri_problem(outside[0]) is None and outside[0].startswith("../")
    assert posixpath.normpath(posixpath.join(tmp_path.as_posix(), outside[0])) == "/elsewhere/p.yaml"


def test_the_code_scanning_check_rejects_what_github_rejects() -> None:
    good = check_sarif(MIXED)
    assert code_scanning_problems(good) == []
    cases: list[tuple[str, Any]] = [
        ("no location", None),
        ("no location", []),
        ("absolute uri", [{"physicalLocation": {"artifactLocation": {"uri": "file:///x.yaml"}}}]),
        ("absolute uri", [{"physicalLocation": {"artifactLocation": {"uri": "/x.yaml"}}}]),
        ("pseudo path", [{"physicalLocation": {"artifactLocation": {"uri": "<stdin>"}}}]),
        ("startLine", [{"physicalLocation": {"artifactLocation": {"uri": "x.yaml"}}}]),
        (
            "startLine",
            [{"physicalLocation": {"artifactLocation": {"uri": "x.yaml"}, "region": {"startLine": 0}}}],
        ),
    ]
    for needle, locations in cases:
        doc = json.loads(json.dumps(good))
        doc["runs"][0]["results"][0]["locations"] = locations
        assert any(needle in p for p in code_scanning_problems(doc)), (needle, locations)
    doc = json.loads(json.dumps(good))
    doc["runs"][0]["results"][0]["ruleId"] = "property/other"
    doc["runs"][0]["results"][1]["message"]["text"] = ""
    problems = code_scanning_problems(doc)
    assert any("not in tool.driver.rules" in p for p in problems) and any(
        "empty message" in p for p in problems
    )


def test_generic_findings_for_lint_like_rules() -> None:
    rules = [
        FindingRule(
            id="NV001", name="SelectsNothing", short="The policy selects no pod.", level=Level.WARNING
        )
    ]
    finding = SarifResult(
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
    # NV009 has no file of its own (<unknown>): located at line 1 of the run's other file.
    (loc,) = next(r for r in run["results"] if r["ruleId"] == "NV009")["locations"]
    assert loc["physicalLocation"]["artifactLocation"]["uri"] == POLICY_FILE
    assert loc["physicalLocation"]["region"]["startLine"] == 1
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
    report = run_lint(load_cluster([SEED]).cluster, AnalysisOptions())
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


# --- code scanning: every result of every command has a location --------------------------------


def _sarif_commands() -> set[str]:
    """The commands whose --format (or --report) offers sarif, from their --help."""
    import typer.main

    group = typer.main.get_command(app)
    names = sorted(getattr(group, "commands", {}))
    runner = CliRunner()
    return {n for n in names if "sarif" in runner.invoke(app, [n, "--help"], terminal_width=200).stdout}


def test_the_commands_that_write_sarif_are_the_ones_tested_below() -> None:
    assert _sarif_commands() == {"check", "assert", "lint", "diff"}


CLI_CASES: list[tuple[list[str], int]] = [
    (["check", SEED, "--spec", "specs/seed.yaml"], 1),
    (["check", SEED_V2, "--spec", "specs/seed.yaml", "--baseline", SEED], 1),
    (["assert", SEED, "--deny", "--to-pod", "role=db"], 1),  # located at the allowing rule
    # A violated reachable property given on the command line involves no rule and no file.
    (["assert", SEED, "--reachable", "--from-pod", "role=frontend", "--to-pod", "role=db", "-p", "9999"], 1),
    (["assert", SEED, "--reachable", "--from-pod", "role=nothing", "--to-pod", "role=db"], 2),  # error
    (["lint", SEED, "--fail-on", "never"], 0),  # NV009: a namespace, no file of its own
    (["diff", SEED, "--against", SEED_V2, "--universe", "inventory"], 0),
    # The new version has no policy: its added regions are allowed by no rule at all.
    (
        [
            "diff",
            SEED,
            "--against",
            f"{SEED}/namespaces.yaml",
            "--against",
            f"{SEED}/pods.yaml",
            "--universe",
            "inventory",
        ],
        0,
    ),
]


@pytest.mark.parametrize(
    ("argv", "code"), CLI_CASES, ids=lambda v: " ".join(v) if isinstance(v, list) else ""
)
def test_every_sarif_result_of_every_command_is_located_for_code_scanning(
    argv: list[str], code: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(ROOT)
    res = CliRunner().invoke(app, [*argv, "-f", "sarif"])
    assert res.exit_code == code, res.output
    doc = json.loads(res.stdout)
    assert _null_locations(doc) == []
    validate(doc)
    results = doc["runs"][0]["results"]
    assert results, "each case has results that need a location"
    for r in results:
        for loc in r["locations"]:
            uri = loc["physicalLocation"]["artifactLocation"]["uri"]
            assert uri == "command-line" or (ROOT / uri).is_file(), uri
    if argv[0] in ("check", "assert"):
        extra = tmp_path / "extra.sarif"
        again = CliRunner().invoke(app, [*argv, "-q", "--report", f"sarif={extra}"])
        assert again.exit_code == code
        validate(json.loads(extra.read_text()))


def _null_locations(value: Any, path: str = "") -> list[str]:
    """Paths of every ``*location*`` key whose value is null or empty."""
    out = []
    if isinstance(value, dict):
        for key, item in value.items():
            if "ocation" in key and item in (None, [], {}, ""):
                out.append(f"{path}/{key}")
            out += _null_locations(item, f"{path}/{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            out += _null_locations(item, f"{path}/{n}")
    return out


def test_lint_of_stdin_is_located_in_the_stdin_artifact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    text = "\n---\n".join(
        (ROOT / SEED / f).read_text() for f in ("namespaces.yaml", "pods.yaml", "networkpolicy.yaml")
    )
    res = CliRunner().invoke(app, ["lint", "-", "-f", "sarif", "--fail-on", "never"], input=text)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    validate(doc)
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for r in doc["runs"][0]["results"]
        for loc in r["locations"]
    }
    assert uris == {"stdin"}


UNLOCATED = CheckReport(
    results=(
        PropertyResult(
            name="cli-reachable",
            expect=Expect.REACHABLE,
            universe=Universe.INVENTORY,
            verdict=Verdict.VIOLATED,
            explanation=("no flow in scope is allowed",),
        ),
        PropertyResult(
            name="cli-error",
            expect=Expect.DENY,
            universe=Universe.ANY,
            verdict=Verdict.ERROR,
            reason="empty scope",
        ),
        PropertyResult(
            name="baseline: no new access outside the specs",
            expect=Expect.DENY,
            universe=Universe.INVENTORY,
            verdict=Verdict.UNKNOWN,
            reason="timeout",
            location=Location("<baseline old/>"),
        ),
    )
)


def _primary_uris(doc: dict[str, Any]) -> list[tuple[str, int]]:
    out = []
    for r in doc["runs"][0]["results"]:
        (loc,) = r["locations"]
        physical = loc["physicalLocation"]
        out.append((physical["artifactLocation"]["uri"], physical["region"]["startLine"]))
        assert loc["message"]["text"]  # says why it points at line 1 of an input
    return out


def test_results_without_a_file_go_to_the_first_input_manifest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    from verifier.cli.common import input_files

    # The writer gets files (it imports no loader): the CLI expands a directory into its
    # manifests in the loader's (sorted) order, so it stands for its first manifest.
    assert input_files([SEED, "specs/seed.yaml"])[:2] == (
        f"{SEED}/namespaces.yaml",
        f"{SEED}/networkpolicy.yaml",
    )
    doc = check_sarif(UNLOCATED, inputs=input_files([SEED, "specs/seed.yaml"]))
    validate(doc)
    assert _primary_uris(doc) == [(f"{SEED}/namespaces.yaml", 1)] * 3
    doc = check_sarif(UNLOCATED, inputs=[f"{SEED}/pods.yaml"])
    assert _primary_uris(doc) == [(f"{SEED}/pods.yaml", 1)] * 3
    validate(check_sarif(UNLOCATED, inputs=["-"]))
    assert _primary_uris(check_sarif(UNLOCATED, inputs=["-"])) == [("stdin", 1)] * 3
    # Absolute inputs below the working directory are made relative.
    doc = check_sarif(UNLOCATED, inputs=input_files([str(ROOT / SEED)]))
    assert _primary_uris(doc) == [(f"{SEED}/namespaces.yaml", 1)] * 3


def test_results_without_a_file_and_without_inputs_still_get_a_valid_location() -> None:
    # Another result's file wins (a spec, a rule) ...
    with_spec = UNLOCATED.model_copy(update={"results": (*UNLOCATED.results, result("s", Verdict.HOLDS))})
    doc = check_sarif(with_spec)
    validate(doc)
    assert _primary_uris(doc) == [(SPEC, 1)] * 3
    # ... and when nothing names a file, the placeholder artifact of the command line.
    doc = check_sarif(UNLOCATED)
    validate(doc)
    assert _primary_uris(doc) == [("command-line", 1)] * 3


def test_lint_and_diff_without_files_use_the_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    from verifier.report.sarif import diff_sarif, lint_sarif
    from verifier.results import DiffResult, FlowRegion, LintReport, RegionList, RegionStatus, Severity
    from verifier.results import EndpointSet as ESet
    from verifier.results import Finding as LintFinding

    monkeypatch.chdir(ROOT)
    report = LintReport(
        universe=Universe.INVENTORY,
        findings=(
            LintFinding(
                id="NV009",
                severity=Severity.INFO,
                object="namespace web",
                message="1 pod(s) selected by no Ingress policy",
                location=Location("<inventory>"),
            ),
        ),
    )
    from verifier.cli.common import input_files

    doc = lint_sarif(report, inputs=input_files([SEED_V2]))
    validate(doc)
    assert _primary_uris(doc) == [(f"{SEED_V2}/namespaces.yaml", 1)]
    validate(lint_sarif(report))
    region = FlowRegion(
        source=ESet(kind=EndpointKind.POD, description="web/frontend"),
        destination=ESet(kind=EndpointKind.POD, description="data/db"),
        protocols=(Protocol.TCP,),
        ports=(5432, 5432),
        example=FLOW,
    )
    diff = DiffResult(
        universe=Universe.INVENTORY,
        added=RegionList(status=RegionStatus.COMPLETE, regions=(region,)),
        removed=RegionList(status=RegionStatus.COMPLETE),
    )
    doc = diff_sarif(diff, [()], inputs=input_files([SEED_V2, SEED]))
    validate(doc)
    assert _primary_uris(doc) == [(f"{SEED_V2}/namespaces.yaml", 1)]
    validate(diff_sarif(diff, [()]))
