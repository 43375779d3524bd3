"""Markdown output: a pull-request-comment-sized summary (GitHub-flavoured Markdown).

``check``: a heading with the verdict, the verdict table (properties that do not hold first),
one collapsible ``<details>`` block per violated / unknown / error property with its
counterexample, rules involved and explanation, then the summary line. When more than
`HOLDS_INLINE` properties hold, those rows fold into their own ``<details>`` so the comment
stays short, and the whole document is kept under `MAX_CHARS` (GitHub rejects comments over
65,536 characters): counterexamples that do not fit are counted, never silently dropped.

``diff``: a heading with the outcome, a table of the added / removed sets (region count and
whether the list is complete), and one collapsible block per region with its endpoint sets,
ports, example flow and — for added regions — the new rules that allow the example.

`findings_markdown` renders generic `SarifResult`s (lint) as a table with the same limits.
All user data is escaped: ``|`` in table cells, HTML in ``<summary>``, backticks in code spans.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import TextIO

from verifier.errors import Location
from verifier.report.sarif import Level, SarifResult, location_text
from verifier.report.text import endpoint_lines, headline, summary_line
from verifier.results import (
    AnyRuleRef,
    CheckReport,
    DiffResult,
    Endpoint,
    FlowRegion,
    LintReport,
    PropertyResult,
    RegionList,
    RegionStatus,
    Verdict,
)

MAX_CHARS = 60_000
HOLDS_INLINE = 25

ICON = {
    Verdict.HOLDS: "✅",
    Verdict.VIOLATED: "❌",
    Verdict.UNKNOWN: "⚠️",
    Verdict.ERROR: "💥",
}
LEVEL_ICON = {Level.ERROR: "❌", Level.WARNING: "⚠️", Level.NOTE: "ℹ️", Level.NONE: "·"}


def code(text: str) -> str:
    """``text`` as an inline code span that survives backticks and table pipes."""
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")


def _at(location: Location) -> str:
    """`` at `file:line:col` `` — or nothing when the location is unknown (never ``None``)."""
    text = location_text(location)
    return f" at {code(text)}" if text else ""


def cell(text: str) -> str:
    """Plain table-cell text: no line breaks, pipes and HTML escaped."""
    return html.escape(" ".join(text.split()), quote=False).replace("|", "\\|")


def _endpoint(endpoint: Endpoint) -> str:
    return ", ".join(f"{key} {code(value)}" for key, value in endpoint_lines(endpoint))


def _summary_tag(result: PropertyResult) -> str:
    """The one-line ``<summary>``: icon, name, and the flow or the reason."""
    name = html.escape(result.name)
    if result.verdict is Verdict.VIOLATED and result.flow is not None:
        tail = f"counterexample <code>{html.escape(str(result.flow))}</code>"
    elif result.verdict is Verdict.VIOLATED:
        tail = "no flow in scope is allowed"
    else:
        tail = f"{result.verdict.value}: {html.escape(result.reason or 'no reason given')}"
    return f"<summary>{ICON[result.verdict]} <b>{name}</b> — {tail}</summary>"


def result_details(result: PropertyResult) -> str:
    """A collapsible block with everything about one property that does not hold."""
    lines = ["<details>", _summary_tag(result), ""]
    if result.description:
        lines += [f"> {cell(result.description)}", ""]
    lines += [headline(result, lambda word: f"**{word}**"), ""]
    if result.reason:
        lines += [f"Reason: {cell(result.reason)}", ""]
    if result.flow is not None:
        lines += [
            f"- **source**: {_endpoint(result.flow.source)}",
            f"- **destination**: {_endpoint(result.flow.destination)}",
            f"- **port**: {code(f'{result.flow.port}/{result.flow.protocol.value}')}",
            "",
        ]
    if result.rules:
        lines += ["**Rules involved**", ""]
        lines += [f"- {code(str(rule))}{_at(rule.location)}" for rule in result.rules]
        lines.append("")
    if result.explanation:
        lines += ["**Why**", ""]
        lines += [f"- {cell(line)}" for line in result.explanation]
        lines.append("")
    if not result.location.file.startswith("<"):
        lines += [f"Property defined at {code(str(result.location))}.", ""]
    lines += ["</details>", ""]
    return "\n".join(lines)


def _table(results: Iterable[PropertyResult]) -> list[str]:
    lines = ["| | property | expect | universe | verdict | time |", "|:-:|---|---|---|---|--:|"]
    for r in results:
        verdict = r.verdict.value if r.verdict is Verdict.HOLDS else f"**{r.verdict.value}**"
        lines.append(
            f"| {ICON[r.verdict]} | {code(r.name)} | {r.expect.value} | {r.universe.value} "
            f"| {verdict} | {r.seconds:.2f} s |"
        )
    return lines


def _title(report: CheckReport, command: str) -> str:
    bad = [v for v in (Verdict.VIOLATED, Verdict.ERROR, Verdict.UNKNOWN) if report.count(v)]
    if not report.results:
        return f"## netverify {command}: no properties"
    if not bad:
        return f"## {ICON[Verdict.HOLDS]} netverify {command}: all {len(report.results)} properties hold"
    parts = ", ".join(f"{report.count(v)} {v.value}" for v in bad)
    return f"## {ICON[bad[0]]} netverify {command}: {parts} (of {len(report.results)} properties)"


def check_markdown(report: CheckReport, *, command: str = "check", max_chars: int = MAX_CHARS) -> str:
    """The whole PR comment for a ``check``/``assert`` run."""
    failing = [r for r in report.results if r.verdict is not Verdict.HOLDS]
    holding = [r for r in report.results if r.verdict is Verdict.HOLDS]
    parts = [_title(report, command), ""]
    if len(holding) > HOLDS_INLINE:
        if failing:
            parts += [*_table(failing), ""]
        parts += [f"<details><summary>{len(holding)} properties hold</summary>", ""]
        parts += [*_table(holding), "", "</details>", ""]
    else:
        parts += [*_table(failing + holding), ""]
    witnesses = [r for r in holding if r.flow is not None]
    if witnesses and len(holding) <= HOLDS_INLINE:
        parts += [f"Witness for {code(r.name)}: {code(str(r.flow))}  " for r in witnesses]
        parts.append("")
    if report.warnings:
        parts += [f"<details><summary>{len(report.warnings)} input warning(s)</summary>", ""]
        parts += [f"- {cell(w)}" for w in report.warnings]
        parts += ["", "</details>", ""]
    footer = f"_{summary_line(report)}_\n"
    body = "\n".join(parts) + "\n"
    budget = max_chars - len(body) - len(footer) - 200
    shown = []
    for r in failing:
        block = result_details(r)
        if len(block) > budget:
            break
        shown.append(block)
        budget -= len(block)
    left = len(failing) - len(shown)
    if left:
        shown.append(
            f"_{left} more counterexample(s) not shown to keep this comment short; see the full report._\n"
        )
    return body + "\n".join(shown) + ("\n" if shown else "") + footer


def write_check_markdown(report: CheckReport, out: TextIO, *, command: str = "check") -> None:
    out.write(check_markdown(report, command=command))


def findings_markdown(title: str, findings: list[SarifResult], *, max_chars: int = MAX_CHARS) -> str:
    """Generic findings (lint, diff) as a table: level, rule, where, message."""
    counts = {lvl: sum(1 for f in findings if f.level is lvl) for lvl in Level}
    if not findings:
        return f"## ✅ {title}: no findings\n"
    head = ", ".join(f"{n} {lvl.value}" for lvl, n in counts.items() if n)
    worst = next(lvl for lvl in Level if counts[lvl])
    lines = [f"## {LEVEL_ICON[worst]} {title}: {head}", ""]
    lines += ["| | rule | where | message |", "|:-:|---|---|---|"]
    size = sum(len(x) + 1 for x in lines)
    for n, f in enumerate(findings):
        where = code(location_text(f.location)) if location_text(f.location) else "—"
        row = f"| {LEVEL_ICON[f.level]} | {code(f.rule_id)} | {where} | {cell(f.message)} |"
        if size + len(row) > max_chars - 200:
            lines += ["", f"_{len(findings) - n} more finding(s) not shown; see the full report._"]
            break
        lines.append(row)
        size += len(row) + 1
    return "\n".join(lines) + "\n"


def lint_markdown(report: LintReport) -> str:
    """``lint --format markdown``: the findings table (via the generic SARIF-shaped findings)."""
    from verifier.report.sarif import lint_findings

    _, findings = lint_findings(report)
    return findings_markdown("netverify lint", findings)


def write_lint_markdown(report: LintReport, out: TextIO) -> None:
    out.write(lint_markdown(report))


_STATUS = {
    RegionStatus.COMPLETE: "complete (proved)",
    RegionStatus.TRUNCATED: "**truncated**: more regions exist",
    RegionStatus.UNKNOWN: "**inconclusive**: the solver gave up",
    RegionStatus.ERROR: "**error**",
}


def _set_cell(regions: RegionList) -> str:
    if regions.proved_empty:
        return "none (proved)"
    return f"{len(regions.regions)} region(s), {_STATUS[regions.status]}"


def region_details(region: FlowRegion, *, label: str, rules: tuple[AnyRuleRef, ...] | None) -> str:
    """A collapsible block for one region; ``rules`` None = not an added region (no rules)."""
    protocols = ",".join(p.value for p in region.protocols)
    summary = (
        f"<summary>{html.escape(label)}: {html.escape(region.source.description)} → "
        f"{html.escape(region.destination.description)} on {protocols} {region.port_text}</summary>"
    )
    flow = region.example
    lines = [
        "<details>",
        summary,
        "",
        f"- **from**: {cell(region.source.description)}",
        f"- **to**: {cell(region.destination.description)}",
        f"- **on**: {code(f'{protocols} {region.port_text}')}",
        f"- **example**: {code(str(flow))}",
        f"  - source: {_endpoint(flow.source)}",
        f"  - destination: {_endpoint(flow.destination)}",
    ]
    if rules is not None:
        if rules:
            lines.append("- **allowed by**: " + ", ".join(f"{code(str(r))}{_at(r.location)}" for r in rules))
        else:
            lines.append("- **allowed by**: no policy isolates these endpoints any more")
    lines += ["", "</details>", ""]
    return "\n".join(lines)


def diff_markdown(
    result: DiffResult,
    rules: list[tuple[AnyRuleRef, ...]] | None = None,
    *,
    check: str | None = None,
    max_chars: int = MAX_CHARS,
) -> str:
    """The PR comment for a ``diff`` run; ``rules[i]`` = the new rules allowing added region i."""
    added, removed = result.added, result.removed
    if added.proved_empty and removed.proved_empty:
        title = "## ✅ netverify diff: no flow changed (proved)"
    else:
        bits = [
            f"{len(rl.regions)} {word}" for word, rl in (("added", added), ("removed", removed)) if rl.regions
        ]
        icon = "⚠️" if added.regions or not (added.proved_empty and removed.proved_empty) else "ℹ️"
        title = f"## {icon} netverify diff: " + (", ".join(bits) + " region(s)" if bits else "inconclusive")
    parts = [title, ""]
    parts += [
        "| | flows | regions |",
        "|---|---|---|",
        f"| ➕ | added (allowed now, denied before) | {_set_cell(added)} |",
        f"| ➖ | removed (denied now, allowed before) | {_set_cell(removed)} |",
    ]
    if check is not None:
        verdict = result.check_verdict(check)
        parts.append(f"| {ICON[verdict]} | check {code(check)} | {verdict.value} |")
    parts.append("")
    for rl in (added, removed):
        if rl.reason and rl.status is not RegionStatus.COMPLETE:
            parts += [f"_{cell(rl.reason)}_", ""]
    if result.warnings:
        parts += [f"<details><summary>{len(result.warnings)} input warning(s)</summary>", ""]
        parts += [f"- {cell(w)}" for w in result.warnings]
        parts += ["", "</details>", ""]
    footer = f"_{result.universe.value} universe, {result.seconds:.2f} s_\n"
    body = "\n".join(parts) + "\n"
    budget = max_chars - len(body) - len(footer) - 200
    blocks: list[str] = []
    total = len(added.regions) + len(removed.regions)
    allowing = rules if rules is not None else [() for _ in added.regions]
    candidates = [
        region_details(r, label=f"➕ added [{i}]", rules=allowing[i - 1] if rules is not None else None)
        for i, r in enumerate(added.regions, 1)
    ] + [region_details(r, label=f"➖ removed [{i}]", rules=None) for i, r in enumerate(removed.regions, 1)]
    for block in candidates:
        if len(block) > budget:
            break
        blocks.append(block)
        budget -= len(block)
    if total - len(blocks):
        blocks.append(
            f"_{total - len(blocks)} more region(s) not shown to keep this comment short; see the full report._\n"
        )
    return body + "\n".join(blocks) + ("\n" if blocks else "") + footer


def write_diff_markdown(
    result: DiffResult,
    out: TextIO,
    rules: list[tuple[AnyRuleRef, ...]] | None = None,
    *,
    check: str | None = None,
) -> None:
    out.write(diff_markdown(result, rules, check=check))
