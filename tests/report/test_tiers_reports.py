"""Rules of cluster-wide tier policies (`TierRuleRef`) in every report format.

Results are built by hand (no solver): a ``check`` report whose counterexamples involve tier
rules, next to NetworkPolicy rules, goes through text, JSON, SARIF, JUnit and Markdown; a
``diff`` whose added region is allowed through a tier rule goes through Markdown and SARIF; a
hand-built explanation through the explain text and JSON. Each format names the tier, the
policy, its priority, the rule's name and its action; JSON and SARIF give the rule a stable id
and its manifest location. NetworkPolicy rules keep their JSON exactly."""

from __future__ import annotations

import io
import ipaddress
import json
import xml.etree.ElementTree as ET
from typing import Any

import jsonschema

from tests.paths import ROOT
from tests.report.test_sarif import validate
from verifier.errors import Location
from verifier.model import Direction, Protocol, Universe
from verifier.report.json_out import rule_json
from verifier.report.registry import RenderOptions, write
from verifier.report.sarif import check_sarif, diff_sarif, rule_id
from verifier.results import (
    CheckReport,
    DiffResult,
    Endpoint,
    EndpointKind,
    EndpointSet,
    Explanation,
    Flow,
    FlowRegion,
    PeerCheck,
    PortCheck,
    PropertyResult,
    RegionList,
    RegionStatus,
    RuleRef,
    SideExplanation,
    TierPolicyCheck,
    TierRuleCheck,
    TierRuleRef,
    Verdict,
)
from verifier.spec import Expect

SPEC = "specs/tiers.yaml"
ANP_FILE = "manifests/admin.yaml"
BANP_FILE = "manifests/baseline.yaml"
NP_FILE = "manifests/policies.yaml"

SOURCE = Endpoint(
    kind=EndpointKind.POD,
    ip=ipaddress.ip_address("10.0.0.2"),
    namespace="prod",
    name="web",
    labels={"app": "web"},
    namespace_labels={"kubernetes.io/metadata.name": "prod", "env": "prod"},
)
DEST = Endpoint(
    kind=EndpointKind.POD,
    ip=ipaddress.ip_address("10.0.1.9"),
    namespace="dev",
    name="api",
    labels={"app": "api"},
    namespace_labels={"kubernetes.io/metadata.name": "dev", "env": "dev"},
)
FLOW = Flow(source=SOURCE, destination=DEST, port=8080, protocol=Protocol.TCP)

DENY_DEV = TierRuleRef(
    tier="Admin",
    policy="AdminNetworkPolicy/deny-dev",
    priority=10,
    direction=Direction.EGRESS,
    index=1,
    name="block-dev",
    action="Deny",
    location=Location(ANP_FILE, 14, 5),
)
PASS_DEV = TierRuleRef(
    tier="Admin",
    policy="AdminNetworkPolicy/pass-dev",
    priority=5,
    direction=Direction.EGRESS,
    index=0,
    name="to-dev",
    action="Pass",
    location=Location(ANP_FILE, 40, 5),
)
BASELINE_ALLOW = TierRuleRef(
    tier="Baseline",
    policy="ClusterNetworkPolicy/baseline-allow",
    priority=3,
    direction=Direction.INGRESS,
    index=0,
    name="ingress[0]",
    action="Accept",
    location=Location(BANP_FILE, 9, 5),
)
NP_RULE = RuleRef(policy="dev/api", direction=Direction.INGRESS, index=0, location=Location(NP_FILE, 12, 7))
NP_ISOLATING = RuleRef(
    policy="prod/web-egress", direction=Direction.EGRESS, location=Location(NP_FILE, 30, 1)
)

DENY_DEV_TEXT = "AdminNetworkPolicy/deny-dev (Admin tier, priority 10) egress rule block-dev: Deny"
PASS_DEV_TEXT = "AdminNetworkPolicy/pass-dev (Admin tier, priority 5) egress rule to-dev: Pass"
BASELINE_TEXT = (
    "ClusterNetworkPolicy/baseline-allow (Baseline tier, priority 3) ingress rule ingress[0]: Accept"
)


def result(name: str, expect: Expect, rules: tuple[Any, ...], line: int) -> PropertyResult:
    return PropertyResult(
        name=name,
        expect=expect,
        universe=Universe.INVENTORY,
        verdict=Verdict.VIOLATED,
        flow=FLOW,
        rules=rules,
        location=Location(SPEC, line, 3),
        seconds=0.02,
    )


REPORT = CheckReport(
    results=(
        # denied by the Admin tier, though the property wants it allowed
        result("web-reaches-api", Expect.ALLOW, (DENY_DEV,), 2),
        # the Admin tier passes, the NetworkPolicies deny
        result("web-reaches-api-after-pass", Expect.ALLOW, (PASS_DEV, NP_ISOLATING), 8),
        # allowed through a Pass, a NetworkPolicy rule and a Baseline Accept
        result("no-web-to-api", Expect.DENY, (PASS_DEV, NP_RULE, BASELINE_ALLOW), 14),
        PropertyResult(
            name="fine", expect=Expect.DENY, universe=Universe.INVENTORY, verdict=Verdict.HOLDS, seconds=0.01
        ),
    )
)


def render(command: str, fmt: str, value: Any, **options: Any) -> str:
    out = io.StringIO()
    write(command, fmt, value, out, RenderOptions(command=command, no_color=True, **options))
    return out.getvalue()


# --- the reference itself ---------------------------------------------------------------------


def test_str_and_stable_id() -> None:
    assert str(DENY_DEV) == DENY_DEV_TEXT
    assert rule_id(DENY_DEV) == "AdminNetworkPolicy/deny-dev egress[1]"
    assert rule_id(BASELINE_ALLOW) == "ClusterNetworkPolicy/baseline-allow ingress[0]"
    # NetworkPolicy rules keep theirs
    assert rule_id(NP_RULE) == "dev/api ingress[0]"
    assert rule_id(NP_ISOLATING) == "prod/web-egress (egress)"


def test_rule_json_of_a_tier_rule() -> None:
    assert rule_json(DENY_DEV) == {
        "tier": "Admin",
        "policy": "AdminNetworkPolicy/deny-dev",
        "kind": "AdminNetworkPolicy",
        "name": "deny-dev",
        "priority": 10,
        "direction": "Egress",
        "rule": "block-dev",
        "index": 1,
        "action": "Deny",
        "location": {"file": ANP_FILE, "line": 14, "column": 5},
        # repeated flat, as every rule of netverify.check/v1 has them
        "file": ANP_FILE,
        "line": 14,
        "column": 5,
    }
    baseline = rule_json(
        BASELINE_ALLOW.model_copy(update={"policy": "BaselineAdminNetworkPolicy/default", "priority": None})
    )
    assert (baseline["kind"], baseline["name"], baseline["priority"]) == (
        "BaselineAdminNetworkPolicy",
        "default",
        None,
    )


def test_networkpolicy_rule_json_is_unchanged() -> None:
    assert rule_json(NP_RULE) == {
        "policy": "dev/api",
        "direction": "Ingress",
        "index": 0,
        "file": NP_FILE,
        "line": 12,
        "column": 7,
    }
    assert rule_json(NP_ISOLATING)["index"] is None


# --- check / assert: every format ----------------------------------------------------------------


def test_text_names_tier_policy_priority_rule_and_action() -> None:
    text = render("check", "text", REPORT)
    assert f"{ANP_FILE}:14:5: {DENY_DEV_TEXT}" in text
    assert f"{ANP_FILE}:40:5: {PASS_DEV_TEXT}" in text
    assert f"{BANP_FILE}:9:5: {BASELINE_TEXT}" in text
    assert f"{NP_FILE}:12:7: dev/api ingress[0]" in text


def test_json_lists_tier_rules_and_validates_against_the_schema() -> None:
    doc = json.loads(render("check", "json", REPORT))
    schema = json.loads((ROOT / "docs" / "schemas" / "netverify.check.v1.schema.json").read_text())
    jsonschema.validate(doc, schema)
    by_name = {r["name"]: r for r in doc["results"]}
    assert by_name["web-reaches-api"]["rules"] == [rule_json(DENY_DEV)]
    rules = by_name["no-web-to-api"]["rules"]
    assert [r.get("tier") for r in rules] == ["Admin", None, "Baseline"]
    assert [r["action"] for r in rules if "action" in r] == ["Pass", "Accept"]
    assert rules[1] == rule_json(NP_RULE)


def test_sarif_ids_messages_and_locations() -> None:
    doc = check_sarif(REPORT)
    validate(doc)
    results = {r["properties"]["property"]: r for r in doc["runs"][0]["results"]}

    denied = results["web-reaches-api"]
    message = denied["message"]["text"]
    assert "is denied by AdminNetworkPolicy/deny-dev egress[1] (Admin tier, Deny)" in message
    assert "isolated by" not in message
    (related,) = denied["relatedLocations"]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == ANP_FILE
    assert related["physicalLocation"]["region"] == {"startLine": 14, "startColumn": 5}
    assert related["message"]["text"] == f"{DENY_DEV_TEXT} (fired on the counterexample flow)"
    assert denied["properties"]["rules"] == [rule_json(DENY_DEV)]

    after_pass = results["web-reaches-api-after-pass"]["message"]["text"]
    assert (
        "denied by AdminNetworkPolicy/pass-dev egress[0] (Admin tier, Pass), "
        "then isolated by prod/web-egress (egress); no rule matches"
    ) in after_pass

    allowed = results["no-web-to-api"]
    assert (
        "is allowed by AdminNetworkPolicy/pass-dev egress[0] (Admin tier, Pass), "
        "ClusterNetworkPolicy/baseline-allow ingress[0] (Baseline tier, Accept), then dev/api ingress[0]"
    ) in allowed["message"]["text"]
    uris = [r["physicalLocation"]["artifactLocation"]["uri"] for r in allowed["relatedLocations"]]
    assert uris == [ANP_FILE, NP_FILE, BANP_FILE]
    assert (
        allowed["relatedLocations"][1]["message"]["text"]
        == "dev/api ingress[0]: allows the counterexample flow"
    )


def test_sarif_fingerprint_uses_the_stable_id_not_the_line() -> None:
    def fingerprint(rule: TierRuleRef) -> str:
        doc = check_sarif(CheckReport(results=(result("p", Expect.ALLOW, (rule,), 2),)))
        return str(doc["runs"][0]["results"][0]["partialFingerprints"])

    moved = DENY_DEV.model_copy(update={"location": Location(ANP_FILE, 99, 1)})
    renamed = DENY_DEV.model_copy(update={"name": "block-dev-2"})
    other = DENY_DEV.model_copy(update={"index": 2})
    assert fingerprint(DENY_DEV) == fingerprint(moved) == fingerprint(renamed)
    assert fingerprint(DENY_DEV) != fingerprint(other)


def test_junit_names_the_tier_rules_with_their_locations() -> None:
    root = ET.fromstring(render("check", "junit", REPORT))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    failure = cases["web-reaches-api"].find("failure")
    assert failure is not None and failure.text is not None
    assert f"  {ANP_FILE}:14:5: {DENY_DEV_TEXT}" in failure.text
    system_out = cases["no-web-to-api"].find("system-out")
    assert system_out is not None and system_out.text is not None
    assert system_out.text.splitlines() == [
        "rules involved:",
        f"  {ANP_FILE}:40:5: {PASS_DEV_TEXT}",
        f"  {NP_FILE}:12:7: dev/api ingress[0]",
        f"  {BANP_FILE}:9:5: {BASELINE_TEXT}",
    ]


def test_markdown_names_the_tier_rules() -> None:
    md = render("check", "markdown", REPORT)
    assert f"- `{DENY_DEV_TEXT}` at `{ANP_FILE}:14:5`" in md
    assert f"- `{BASELINE_TEXT}` at `{BANP_FILE}:9:5`" in md


# --- diff: the rules that allow an added region --------------------------------------------------


def _diff() -> DiffResult:
    region = FlowRegion(
        source=EndpointSet(kind=EndpointKind.POD, description="prod/web"),
        destination=EndpointSet(kind=EndpointKind.POD, description="dev/api"),
        protocols=(Protocol.TCP,),
        ports=(8080, 8080),
        example=FLOW,
    )
    return DiffResult(
        universe=Universe.INVENTORY,
        added=RegionList(status=RegionStatus.COMPLETE, regions=(region,)),
        removed=RegionList(status=RegionStatus.COMPLETE),
        added_rules=((PASS_DEV, NP_RULE),),
    )


def test_diff_markdown_and_sarif_name_the_tier_rule() -> None:
    md = render("diff", "markdown", _diff())
    assert f"- **allowed by**: `{PASS_DEV_TEXT}` at `{ANP_FILE}:40:5`, `dev/api ingress[0]`" in md
    doc = diff_sarif(_diff(), [(PASS_DEV, NP_RULE)])
    validate(doc)
    (finding,) = doc["runs"][0]["results"]
    assert (
        "by AdminNetworkPolicy/pass-dev egress[0] (Admin tier, Pass), dev/api ingress[0]"
        in finding["message"]["text"]
    )
    assert finding["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == ANP_FILE
    related = [r["message"]["text"] for r in finding["relatedLocations"]]
    assert related == [
        f"{PASS_DEV_TEXT} (fired on the example flow)",
        "dev/api ingress[0]: allows the example flow",
    ]
    assert finding["properties"]["rules"] == [rule_json(PASS_DEV), rule_json(NP_RULE)]


# --- explain, hand-built --------------------------------------------------------------------


def _explanation() -> Explanation:
    fired = TierRuleCheck(
        rule=DENY_DEV,
        matched=True,
        fired=True,
        peers=(
            PeerCheck(peer="namespaces env=dev", matched=True, reason="matches the pod {app=api} in dev"),
        ),
        ports=(PortCheck(port="8080/TCP", matched=True, reason="same port"),),
    )
    egress = SideExplanation(
        direction=Direction.EGRESS,
        endpoint=str(SOURCE),
        isolated=False,
        allowed=False,
        admin=(
            TierPolicyCheck(
                policy="AdminNetworkPolicy/deny-dev",
                tier="Admin",
                priority=10,
                selects=True,
                reason="its subject namespaces env=prod selects the pod",
                rules=(fired,),
                outcomes=("Deny",),
            ),
            TierPolicyCheck(
                policy="AdminNetworkPolicy/later",
                tier="Admin",
                priority=20,
                selects=True,
                reason="",
                outcomes=("Allow",),
                reached=False,
            ),
        ),
        verdicts=(False,),
        decided_in="admin",
    )
    ingress = SideExplanation(
        direction=Direction.INGRESS,
        endpoint=str(DEST),
        isolated=False,
        allowed=True,
        verdicts=(True,),
        decided_in="default",
    )
    return Explanation(
        flow=FLOW,
        allowed=False,
        egress=egress,
        ingress=ingress,
        blockers=(f"egress at the source: the Admin tier denies: {DENY_DEV_TEXT}",),
    )


def test_explain_text_of_a_hand_built_chain() -> None:
    text = render("explain", "text", _explanation())
    assert text.splitlines()[0] == f"DENIED: {FLOW} — decided in the Admin tier"
    assert (
        "AdminNetworkPolicy/deny-dev (priority 10): Deny — its subject namespaces env=prod selects the pod"
        in text
    )
    assert f"egress rule block-dev (Deny; egress[1], {ANP_FILE}:14:5): matches — fires: Deny" in text
    assert "AdminNetworkPolicy/later (priority 20): not reached — the Admin tier decided before it" in text
    assert "NetworkPolicy tier: skipped: the Admin tier decided" in text
    assert (
        "ingress at the destination (dev/api (10.0.1.9)): allows — no tier decided: allowed by default"
        in text
    )
    assert "Admin tier: no policies — goes on" in text
    assert text.rstrip().endswith(f"egress at the source: the Admin tier denies: {DENY_DEV_TEXT}")


def test_explain_json_of_a_hand_built_chain() -> None:
    doc = json.loads(render("explain", "json", _explanation()))
    assert doc["schema"] == "netverify.explain/v1"
    assert doc["undecided"] == ""
    rule = doc["egress"]["admin"][0]["rules"][0]
    assert rule["fired"] is True and rule["rule"]["name"] == "block-dev" and rule["rule"]["priority"] == 10
    assert doc["egress"]["admin"][1]["reached"] is False
    assert doc["ingress"]["decided_in"] == "default"
