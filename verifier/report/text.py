"""Human-readable reports, rendered with rich.

Every piece of user data (names, labels, file paths) goes through `rich.text.Text`, never
through console markup: a workload endpoint such as ``shop/web[Deployment]`` would otherwise
be read as a markup tag.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from rich import box
from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from verifier.results import CheckReport, Endpoint, EndpointKind, Flow, PropertyResult, Verdict
from verifier.spec import Expect

VERDICT_STYLE = {
    Verdict.HOLDS: "bold green",
    Verdict.VIOLATED: "bold red",
    Verdict.UNKNOWN: "bold yellow",
    Verdict.ERROR: "bold magenta",
}


def warning_line(text: str) -> str:
    """A warning as one ``warning: …`` line (notices already read ``file:line: warning: …``,
    summaries of what was skipped ``note: …``)."""
    if text.startswith(("warning:", "note:")) or ": warning: " in text or ": note: " in text:
        return text
    return f"warning: {text}"


def render_warnings(warnings: Iterable[str], console: Console) -> None:
    for w in warnings:
        console.print(Text(warning_line(w), style="dim"), soft_wrap=True)


def _labels(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "(none)"


def endpoint_lines(endpoint: Endpoint) -> list[tuple[str, str]]:
    """(field, value) pairs describing one end of a flow, as complete as the endpoint is."""
    if endpoint.kind is EndpointKind.EXTERNAL:
        return [("external", str(endpoint.ip))]
    ns_kind = "new namespace" if endpoint.new_namespace else "namespace"
    pod = endpoint.name if endpoint.kind is EndpointKind.POD and endpoint.name else "new pod"
    if endpoint.replica is not None:
        pod = f"{pod} (replica {endpoint.replica})"
    ns_labels = _labels(endpoint.namespace_labels)
    if endpoint.assumed_namespace_labels:
        ns_labels += "; assumed: the namespace is not in the input"
    if endpoint.ip_range is not None:
        ip = f"unknown (any free address in {endpoint.ip_range})"
    else:
        ip = str(endpoint.ip) if endpoint.ip is not None else "unknown"
    return [
        (ns_kind, f"{endpoint.namespace} ({ns_labels})"),
        ("pod", pod),
        ("labels", _labels(endpoint.labels)),
        ("ip", ip),
    ]


def _flow_table(flow: Flow) -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")  # names and labels are never cut, only wrapped on a terminal
    for side, endpoint in (("source", flow.source), ("destination", flow.destination)):
        for n, (field, value) in enumerate(endpoint_lines(endpoint)):
            grid.add_row(Text(side if n == 0 else ""), Text(field), Text(value))
    grid.add_row(Text("port"), Text(""), Text(f"{flow.port}/{flow.protocol.value}"))
    return grid


def headline(result: PropertyResult, emphasis: Callable[[str], str] = lambda word: word) -> str:
    """What the flow (or its absence) means for this property kind and verdict; ``emphasis``
    marks the key word (Markdown bolds it)."""
    if result.verdict is Verdict.VIOLATED:
        if result.expect is Expect.DENY:
            return f"Counterexample: this flow is {emphasis('allowed')}, but the property expects deny."
        if result.expect is Expect.ALLOW:
            return f"Counterexample: this flow is {emphasis('denied')}, but the property expects allow."
        return "No flow in scope is allowed, but the property expects one to be reachable."
    if result.verdict is Verdict.UNKNOWN:
        return f"Inconclusive: the solver gave up; this is {emphasis('not')} a proof either way."
    return "The property could not be evaluated."


def _result_panel(result: PropertyResult, *, expand: bool = True) -> Panel:
    parts: list[RenderableType] = []
    if result.description:
        parts.append(Text(result.description, style="italic"))
    parts.append(Text(headline(result)))
    if result.reason:
        parts.append(Text(f"reason: {result.reason}"))
    if result.flow is not None:
        parts.append(_flow_table(result.flow))
    if result.rules:
        parts.append(Text("rules involved:", style="bold"))
        parts.extend(
            Padding(Text(f"{rule.location}: {rule}"), (0, 0, 0, 2), expand=False) for rule in result.rules
        )
    if result.explanation:
        parts.append(Text("why:", style="bold"))
        parts.extend(Padding(Text(line), (0, 0, 0, 2), expand=False) for line in result.explanation)
    if not result.location.file.startswith("<"):  # <command line>, <baseline …>: no file to point at
        parts.append(Text(f"property defined at {result.location}", style="dim"))
    title = Text.assemble((result.name, "bold"), ": ", (result.verdict.value, VERDICT_STYLE[result.verdict]))
    return Panel(
        Group(*parts),
        title=title,
        title_align="left",
        border_style=VERDICT_STYLE[result.verdict],
        expand=expand,
    )


def summary_line(report: CheckReport) -> str:
    """``2 hold, 1 violated, 0 unknown, 0 error in 0.41 s``."""
    return (
        f"{report.count(Verdict.HOLDS)} hold, {report.count(Verdict.VIOLATED)} violated, "
        f"{report.count(Verdict.UNKNOWN)} unknown, {report.count(Verdict.ERROR)} error "
        f"in {report.seconds:.2f} s"
    )


def render_check(report: CheckReport, console: Console, *, warnings_console: Console | None = None) -> None:
    """Warnings (dimmed, to ``warnings_console`` — the CLI passes stderr), the verdict table,
    one panel per violated/unknown/error property, then the summary line.

    Names are never cut: on a terminal long cells wrap, to a pipe (a wide console) nothing does."""
    render_warnings(report.warnings, warnings_console or console)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, padding=(0, 1, 0, 0))
    longest = max((len(r.name) for r in report.results), default=8)
    table.add_column("property", overflow="fold", min_width=min(longest, 40))
    table.add_column("expect")
    table.add_column("universe")
    table.add_column("verdict")
    table.add_column("time", justify="right", no_wrap=True)
    for r in report.results:
        table.add_row(
            Text(r.name),
            Text(r.expect.value),
            Text(r.universe.value),
            Text(r.verdict.value, style=VERDICT_STYLE[r.verdict]),
            Text(f"{r.seconds:.2f} s"),
        )
    console.print(table)
    for r in report.results:
        if r.verdict is Verdict.HOLDS and r.flow is not None:
            console.print(Text(f"witness for {r.name}: {r.flow}", style="dim"), soft_wrap=True)
    for r in report.results:
        if r.verdict is not Verdict.HOLDS:
            # On a terminal a panel spans its width; elsewhere it fits its content.
            console.print(_result_panel(r, expand=console.is_terminal))
    worst = next((v for v in reversed(Verdict) if report.count(v)), Verdict.HOLDS)
    console.print(Text(summary_line(report), style=VERDICT_STYLE[worst]))
