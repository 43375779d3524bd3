"""Markdown (PR comment) output, and the terminal UX of ``check``: --quiet, --no-color,
NO_COLOR, the summary line and the progress bar."""

from __future__ import annotations

import ipaddress
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from verifier.errors import Location
from verifier.model import Direction, Protocol, Universe
from verifier.report.console import PROGRESS_MIN_PROPERTIES, progress_bar
from verifier.report.markdown import HOLDS_INLINE, check_markdown, code, findings_markdown
from verifier.report.sarif import Level, SarifResult
from verifier.results import CheckReport, Endpoint, EndpointKind, Flow, PropertyResult, RuleRef, Verdict
from verifier.spec import Expect

ANSI = re.compile("\x1b\\[[0-9;]*m")

SRC = Endpoint(
    kind=EndpointKind.NEW_POD,
    ip=ipaddress.ip_address("10.9.0.1"),
    namespace="fresh",
    labels={"app": "x"},
    namespace_labels={"kubernetes.io/metadata.name": "fresh"},
    new_namespace=True,
)
DST = Endpoint(kind=EndpointKind.EXTERNAL, ip=ipaddress.ip_address("198.51.100.1"))
FLOW = Flow(source=SRC, destination=DST, port=443, protocol=Protocol.TCP)
RULE = RuleRef(policy="fresh/egress", direction=Direction.EGRESS, index=2, location=Location("p.yaml", 30, 5))


def result(name: str, verdict: Verdict, **kw: Any) -> PropertyResult:
    return PropertyResult(
        name=name,
        expect=kw.pop("expect", Expect.DENY),
        universe=Universe.ANY,
        verdict=verdict,
        location=Location("specs/s.yaml", 7, 5),
        **kw,
    )


def details_blocks(md: str) -> list[str]:
    return re.findall(r"<details>\n<summary>.*?</details>", md, flags=re.S)


def test_table_lists_failures_first_and_details_only_for_them() -> None:
    report = CheckReport(
        results=(
            result("ok-1", Verdict.HOLDS),
            result(
                "no-egress-to-internet", Verdict.VIOLATED, flow=FLOW, rules=(RULE,), explanation=("why 1",)
            ),
            result("slow", Verdict.UNKNOWN, reason="timeout after 3 s"),
        )
    )
    md = check_markdown(report)
    assert md.splitlines()[0].startswith("## ❌ netverify check: 1 violated, 1 unknown (of 3 properties)")
    rows = [line for line in md.splitlines() if line.startswith("| ") and "`" in line]
    assert [re.search(r"`([^`]+)`", r).group(1) for r in rows] == ["no-egress-to-internet", "slow", "ok-1"]  # type: ignore[union-attr]
    blocks = details_blocks(md)
    assert len(blocks) == 2
    assert (
        "counterexample <code>new pod {app=x} in new namespace fresh (10.9.0.1) -&gt; 198.51.100.1 443/TCP"
        in blocks[0]
    )
    assert "`fresh/egress egress[2]` at `p.yaml:30:5`" in blocks[0]
    assert "- why 1" in blocks[0]
    assert "timeout after 3 s" in blocks[1] and "not** a proof" in blocks[1]
    assert md.rstrip().endswith("_1 hold, 1 violated, 1 unknown, 0 error in 0.00 s_")


def test_all_hold_title() -> None:
    md = check_markdown(CheckReport(results=(result("a", Verdict.HOLDS), result("b", Verdict.HOLDS))))
    assert md.startswith("## ✅ netverify check: all 2 properties hold")
    assert "<details>" not in md


def test_many_holding_properties_fold_away() -> None:
    holds = tuple(result(f"p{i}", Verdict.HOLDS) for i in range(HOLDS_INLINE + 5))
    md = check_markdown(CheckReport(results=(result("bad", Verdict.VIOLATED, flow=FLOW), *holds)))
    assert f"<details><summary>{HOLDS_INLINE + 5} properties hold</summary>" in md
    before_fold = md.split("properties hold</summary>")[0]
    assert "`bad`" in before_fold and "`p0`" not in before_fold


def test_size_is_capped_and_dropped_counterexamples_are_counted() -> None:
    many = tuple(
        result(f"v{i}", Verdict.VIOLATED, flow=FLOW, rules=(RULE,), explanation=("x" * 300,) * 5)
        for i in range(200)
    )
    md = check_markdown(CheckReport(results=many), max_chars=20_000)
    assert len(md) <= 20_000
    shown = len(details_blocks(md))
    assert 0 < shown < 200
    assert f"_{200 - shown} more counterexample(s) not shown" in md
    assert md.count("| ❌ |") == 200  # every verdict is still in the table


def test_user_data_is_escaped() -> None:
    name = "a|b<script>`x`"
    md = check_markdown(
        CheckReport(results=(result(name, Verdict.VIOLATED, flow=FLOW, description="d|e <b>"),))
    )
    row = next(line for line in md.splitlines() if line.startswith("| ❌"))
    assert row.count(" | ") == 5  # the pipe in the name did not add a column
    # Raw HTML only inside the code span of the table (code spans are literal text).
    assert md.count("<script>") == 1 and "`` a\\|b<script>`x` ``" in row
    assert "<b>a|b&lt;script&gt;`x`</b>" in md  # escaped in the HTML <summary>
    assert code("x`y") == "``x`y``" and code("`") == "`` ` ``"


def test_findings_table() -> None:
    findings = [
        SarifResult("NV002", Level.WARNING, "rule 0 | matches nothing", Location("p.yaml", 3, 1), ("a",)),
        SarifResult("NV001", Level.ERROR, "selects nothing", None, ("b",)),
    ]
    md = findings_markdown("netverify lint", findings)
    assert md.startswith("## ❌ netverify lint: 1 error, 1 warning")
    assert "| ⚠️ | `NV002` | `p.yaml:3:1` | rule 0 \\| matches nothing |" in md
    assert findings_markdown("netverify lint", []).startswith("## ✅ netverify lint: no findings")


# --- the CLI: markdown on the seed, --quiet, colours ----------------------------------------------

ARGS = ["check", "examples/seed", "--spec", "specs/seed.yaml"]


@pytest.fixture
def cli(runner: CliRunner, root: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from verifier.cli import app

    monkeypatch.chdir(root)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return lambda *argv, env=None: runner.invoke(app, list(argv), env=env)


def test_seed_markdown(cli: Any) -> None:
    res = cli(*ARGS, "-f", "markdown")
    assert res.exit_code == 1
    md = res.stdout
    assert md.startswith("## ❌ netverify check: 2 violated (of 12 properties)")
    assert len(details_blocks(md)) == 2
    assert "examples/seed/networkpolicy.yaml:" in md
    # The summary line also goes to stderr for machine formats.
    assert re.fullmatch(r"10 hold, 2 violated, 0 unknown, 0 error in \d+\.\d\d s\n", res.stderr)


def test_quiet_prints_only_the_summary(cli: Any) -> None:
    res = cli(*ARGS, "--quiet")
    assert res.exit_code == 1
    assert re.fullmatch(r"10 hold, 2 violated, 0 unknown, 0 error in \d+\.\d\d s\n", res.stdout)
    assert res.stderr == ""
    res = cli(*ARGS, "-q", "-f", "sarif")
    assert res.exit_code == 1 and res.stderr == "" and res.stdout.startswith("{")


def test_colours_follow_the_terminal_no_color_and_the_flag(cli: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # pretend stdout is a colour terminal
    coloured = cli(*ARGS).stdout
    assert re.search("\x1b\\[[0-9;]*3[0-9]m", coloured), "expected colour codes when forced"
    for res in (cli(*ARGS, "--no-color"), cli(*ARGS, env={"NO_COLOR": "1"})):
        assert not re.search("\x1b\\[[0-9;]*3[0-9]m", res.stdout)  # no foreground colours
        assert table_rows(res.stdout) == table_rows(coloured)


def table_rows(text: str) -> list[str]:
    """The verdict table without colours and timings."""
    plain = re.sub(r"\d+\.\d\d s", "T", ANSI.sub("", text))
    return [line.rstrip() for line in plain.splitlines() if re.search(r" (holds|violated) ", line)]


def test_progress_bar_only_on_a_terminal_for_large_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    with progress_bar(1000, pods=10**6, enabled=True) as advance:
        assert advance is None  # stderr is not a terminal under pytest
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    with progress_bar(PROGRESS_MIN_PROPERTIES - 1, pods=1, enabled=True) as advance:
        assert advance is None  # small run
    with progress_bar(PROGRESS_MIN_PROPERTIES, pods=1, enabled=False) as advance:
        assert advance is None  # --quiet
    with progress_bar(PROGRESS_MIN_PROPERTIES, pods=1, enabled=True) as advance:
        assert advance is not None
        for _ in range(PROGRESS_MIN_PROPERTIES):
            advance(None)


# --- diff and lint ----------------------------------------------------------------------------------


def _diff_result(added: int, removed: int, status: Any = None) -> Any:
    from verifier.results import DiffResult, EndpointSet, FlowRegion, RegionList, RegionStatus

    def region(port: int) -> FlowRegion:
        return FlowRegion(
            source=EndpointSet(kind=EndpointKind.NEW_POD, description="every pod in <fresh> | app=x"),
            destination=EndpointSet(kind=EndpointKind.EXTERNAL, description="198.51.100.0/24"),
            protocols=(Protocol.TCP,),
            ports=(port, port),
            example=FLOW,
        )

    def rl(n: int) -> RegionList:
        return RegionList(
            status=status or RegionStatus.COMPLETE, regions=tuple(region(400 + i) for i in range(n))
        )

    return DiffResult(universe=Universe.ANY, added=rl(added), removed=rl(removed), seconds=0.5)


def test_diff_markdown_counts_sets_and_folds_each_region() -> None:
    from verifier.report.markdown import diff_markdown

    md = diff_markdown(_diff_result(2, 1), [(RULE,), ()], check="no-new-access")
    assert md.startswith("## ⚠️ netverify diff: 2 added, 1 removed region(s)")
    assert "| ➕ | added (allowed now, denied before) | 2 region(s), complete (proved) |" in md
    assert "| ❌ | check `no-new-access` | violated |" in md
    blocks = details_blocks(md)
    assert len(blocks) == 3
    assert "`fresh/egress egress[2]` at `p.yaml:30:5`" in blocks[0]
    assert "no policy isolates these endpoints any more" in blocks[1]
    assert "allowed by" not in blocks[2]  # removed regions have no allowing rules
    assert "&lt;fresh&gt; \\| app=x" in md  # user data escaped in cells


def test_diff_markdown_no_change_and_size_cap() -> None:
    from verifier.report.markdown import diff_markdown

    assert diff_markdown(_diff_result(0, 0)).startswith("## ✅ netverify diff: no flow changed (proved)")
    big = diff_markdown(_diff_result(300, 0), max_chars=5_000)
    assert len(big) <= 5_000
    shown = len(details_blocks(big))
    assert 0 < shown < 300 and f"_{300 - shown} more region(s) not shown" in big


def test_diff_and_lint_markdown_through_the_cli(cli: Any) -> None:
    res = cli(
        "diff", "examples/seed", "--against", "examples/seed-v2", "-f", "markdown", "--universe", "inventory"
    )
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("## ⚠️ netverify diff:")
    assert "6380" in res.stdout and "examples/seed-v2/networkpolicy.yaml:" in res.stdout
    res = cli("lint", "examples/seed", "-f", "markdown")
    assert res.exit_code == 1  # NV011 is an error
    assert res.stdout.startswith("## ❌ netverify lint: 1 error")
    assert "`NV011`" in res.stdout and "`examples/seed/networkpolicy.yaml:4:3`" in res.stdout


def test_headline_is_one_text_with_markdown_emphasis() -> None:
    from verifier.report.text import headline

    for expect, word in ((Expect.DENY, "allowed"), (Expect.ALLOW, "denied")):
        r = result("p", Verdict.VIOLATED, flow=FLOW, expect=expect)
        assert headline(r) == f"Counterexample: this flow is {word}, but the property expects {expect.value}."
        assert f"this flow is **{word}**" in check_markdown(CheckReport(results=(r,)))


# --- locations: never None / null ---------------------------------------------------------------


def test_markdown_never_prints_a_missing_location() -> None:
    unlocated = RuleRef(policy="data/db-ingress", direction=Direction.INGRESS, index=0)  # <unknown>
    located = RuleRef(
        policy="data/db-ingress", direction=Direction.INGRESS, index=1, location=Location("m/p.yaml", 9, 3)
    )
    flow = Flow(
        source=Endpoint(kind=EndpointKind.EXTERNAL, ip=ipaddress.ip_address("203.0.113.7")),
        destination=Endpoint(
            kind=EndpointKind.POD, namespace="data", name="db", ip=ipaddress.ip_address("10.0.0.9")
        ),
        port=5432,
        protocol=Protocol.TCP,
    )
    report = CheckReport(
        results=(
            PropertyResult(
                name="cli-deny",
                expect=Expect.DENY,
                universe=Universe.ANY,
                verdict=Verdict.VIOLATED,
                flow=flow,
                rules=(unlocated, located),
            ),
            PropertyResult(
                name="cli-reachable", expect=Expect.REACHABLE, universe=Universe.ANY, verdict=Verdict.VIOLATED
            ),
            PropertyResult(
                name="cli-error", expect=Expect.DENY, universe=Universe.ANY, verdict=Verdict.ERROR
            ),
        )
    )
    md = check_markdown(report)
    for needle in ("None", "null", "<unknown>", "&lt;unknown&gt;", "<command line>"):
        assert needle not in md, needle
    assert "- `data/db-ingress ingress[0]`\n" in md
    assert "- `data/db-ingress ingress[1]` at `m/p.yaml:9:3`" in md
    findings = [
        SarifResult(
            rule_id="NV009", level=Level.NOTE, message="pods unprotected", location=None, identity=("a",)
        ),
        SarifResult(
            rule_id="NV001",
            level=Level.WARNING,
            message="selects nothing",
            location=Location("<unknown>"),
            identity=("b",),
        ),
    ]
    table = findings_markdown("netverify lint", findings)
    assert "None" not in table and "<unknown>" not in table
    assert "| ℹ️ | `NV009` | — | pods unprotected |" in table


@pytest.mark.parametrize(
    "argv",
    [
        [
            "assert",
            "examples/seed",
            "--reachable",
            "--from-pod",
            "role=frontend",
            "--to-pod",
            "role=db",
            "-p",
            "9999",
        ],
        ["assert", "examples/seed", "--reachable", "--from-pod", "role=nothing", "--to-pod", "role=db"],
        ["lint", "examples/seed", "--fail-on", "never"],
        ["diff", "examples/seed", "--against", "examples/seed/pods.yaml", "--universe", "inventory"],
    ],
)
def test_cli_markdown_has_no_null_locations(
    argv: list[str], runner: CliRunner, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from verifier.cli import app

    monkeypatch.chdir(root)
    res = runner.invoke(app, [*argv, "-f", "markdown"])
    assert res.exit_code in (0, 1, 2), res.output
    for needle in ("None", "null", "<unknown>", "` at ``"):
        assert needle not in res.stdout, needle
