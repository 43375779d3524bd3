"""``netverify fix`` through the CLI on a copy of the seed: text, JSON, --property, --apply
(the file edited in place, comments kept, the property then holds), exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests import paths
from verifier.cli import app
from verifier.cli.exit_codes import exit_code
from verifier.model import Universe
from verifier.results import Fix, FixReport, FixStatus, PropertyFix, Verdict
from verifier.spec import Expect

INVENTORY_PROPERTY = "db-only-from-myproject"
ANY_PROPERTY = "db-only-from-myproject-any"


@pytest.fixture
def seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of examples/seed and specs/ in a scratch folder, the current directory."""
    shutil.copytree(paths.SEED, tmp_path / "examples" / "seed")
    shutil.copytree(paths.SEED_SPEC.parent, tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "examples" / "seed"


def _run(*argv: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["fix", "examples/seed", "--spec", "specs/seed.yaml", *argv])
    return result.exit_code, result.output


def test_text_shows_proved_fixes_and_says_when_none_stays_in_scope(seed: Path) -> None:
    code, out = _run()
    assert code == 1, out  # the any-universe property has no fix inside its scope
    assert f"{INVENTORY_PROPERTY}: violated" in out and f"{ANY_PROPERTY}: violated" in out
    assert "proved: the property holds, and nothing outside its scope changed" in out
    assert "remove peer `podSelector role=frontend`" in out and "add except 172.17.2.40/32" in out
    assert "+        - 172.17.2.40/32" in out and "-    - podSelector:" in out  # the unified diff
    assert '"op": "remove", "path": "/spec/ingress/0/from/2"' in out  # the JSON patch
    assert "no fix stays inside the property's scope" in out
    assert "removed outside the scope (denied now, allowed before)" in out
    assert "frontend-reaches-db (violated)" in out  # the spec's claims conflict
    assert "10 hold, 2 violated: 1 with a proved fix inside the scope, 1 without" in out


def test_property_filter_and_exit_zero(seed: Path) -> None:
    code, out = _run("--property", INVENTORY_PROPERTY, "--max-fixes", "1")
    assert code == 0, out
    assert ANY_PROPERTY not in out and "fix 2:" not in out
    code, out = _run("--property", "no-such-property")
    assert code == 2 and "no-such-property" in out


def test_json(seed: Path) -> None:
    code, out = _run("--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert doc["schema"] == "netverify.fix/v1"
    assert doc["summary"] == {"holds": 10, "violated": 2, "fixed": 1, "unfixed": [ANY_PROPERTY]}
    by = {p["name"]: p for p in doc["properties"]}
    inventory = by[INVENTORY_PROPERTY]
    assert inventory["fixed"] and inventory["counterexample"]["source"]["name"] == "frontend"
    first = inventory["fixes"][0]
    assert first["status"] == "proved" and first["rank"] == 1
    assert first["patches"][0]["object"] == {
        "kind": "NetworkPolicy",
        "namespace": "default",
        "name": "test-network-policy",
    }
    assert {"op": "remove", "path": "/spec/ingress/0/from/2"} in first["patches"][0]["json_patch"]
    assert first["diff"].startswith("--- a/examples/seed/networkpolicy.yaml")
    assert first["outside"]["added"]["status"] == "complete" and first["outside"]["added"]["regions"] == []
    unfixed = by[ANY_PROPERTY]
    assert not unfixed["fixed"] and unfixed["hints"]
    assert all(f["status"] == "not-in-scope" for f in unfixed["fixes"])
    assert unfixed["fixes"][0]["outside"]["removed"]["regions"]
    assert by["frontend-reaches-db"]["verdict"] == "holds" and by["frontend-reaches-db"]["fixes"] == []


def test_apply_writes_the_first_proved_fix(seed: Path) -> None:
    policy = seed / "networkpolicy.yaml"
    before = policy.read_text()
    code, out = _run("--property", INVENTORY_PROPERTY, "--apply", "--quiet")
    assert code == 0, out
    assert "applied fix 1 of db-only-from-myproject to examples/seed/networkpolicy.yaml" in out
    after = policy.read_text()
    assert after != before
    # a small edit at the rule: the rest of the file, comments and layout included, is as it was
    assert after.splitlines()[:15] == before.splitlines()[:15]
    assert "- 172.17.2.40/32" in after and "role: frontend" not in after
    check = CliRunner().invoke(
        app, ["check", "examples/seed", "--spec", "specs/seed.yaml", "--format", "json", "--quiet"]
    )
    verdicts = {r["name"]: r["verdict"] for r in json.loads(check.stdout)["results"]}
    assert verdicts[INVENTORY_PROPERTY] == "holds"
    # nothing left to fix for that property
    code, out = _run("--property", INVENTORY_PROPERTY, "--quiet")
    assert code == 0 and "0 violated" in out


def test_apply_without_a_proved_fix_writes_nothing(seed: Path) -> None:
    policy = seed / "networkpolicy.yaml"
    before = policy.read_text()
    code, out = _run("--property", ANY_PROPERTY, "--apply")
    assert code == 1 and "--apply: no proved fix to write" in out
    assert policy.read_text() == before


def test_tier_admin_fixes_the_any_universe_property(seed: Path) -> None:
    code, out = _run("--property", ANY_PROPERTY, "--tier", "admin", "--apply")
    assert code == 0, out
    text = (seed / "networkpolicy.yaml").read_text()
    assert "kind: AdminNetworkPolicy" in text and "action: Deny" in text
    check = CliRunner().invoke(
        app, ["check", "examples/seed", "--spec", "specs/seed.yaml", "--format", "json", "--quiet"]
    )
    verdicts = {r["name"]: r["verdict"] for r in json.loads(check.stdout)["results"]}
    assert verdicts[ANY_PROPERTY] == "holds"


def test_input_errors_exit_2(seed: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x}\nspec: 3\n")
    result = CliRunner().invoke(app, ["fix", str(bad), "--spec", "specs/seed.yaml"])
    assert result.exit_code == 2


def _property(verdict: Verdict, fixes: tuple[Fix, ...] = ()) -> PropertyFix:
    return PropertyFix(name="p", expect=Expect.DENY, universe=Universe.ANY, verdict=verdict, fixes=fixes)


def test_exit_codes() -> None:
    proved = Fix(status=FixStatus.PROVED, edits=(), rules_changed=1, terms_changed=1)
    outside = proved.model_copy(update={"status": FixStatus.NOT_IN_SCOPE})
    cases = [
        ((), 0),
        ((_property(Verdict.HOLDS),), 0),
        ((_property(Verdict.VIOLATED, (proved,)),), 0),
        ((_property(Verdict.VIOLATED, (outside,)),), 1),
        ((_property(Verdict.VIOLATED, (proved,)), _property(Verdict.VIOLATED)), 1),
        ((_property(Verdict.ERROR),), 2),
        ((_property(Verdict.ERROR), _property(Verdict.VIOLATED)), 1),
    ]
    for results, code in cases:
        assert exit_code(FixReport(results=results)) == code, results
    assert exit_code(FixReport(results=(_property(Verdict.UNKNOWN),)), strict=True) == 3
    assert exit_code(FixReport(results=(_property(Verdict.UNKNOWN),))) == 0
