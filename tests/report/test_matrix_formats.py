"""The readable matrix formats, golden on a hand-made cluster, and the HTML page in Chromium.

The cluster (``SHOP``): namespaces ``ops`` and ``shop``; pods ops/mon, shop/db (named port
``pg`` = 5432/TCP), shop/web-1 and shop/web-2 (app=web). Two ingress policies, no egress:

- ``shop/db``: pods app=db accept app=web pods of ``shop`` on the named port ``pg`` only;
- ``shop/web``: pods app=web accept every pod of every namespace on TCP 80 and 8000-8080.

So, by hand (self traffic aside): everybody reaches ops/mon on everything (not isolated);
everybody reaches the web pods on TCP 80,8000-8080 (web-1 and web-2 reach each other too);
only the web pods reach shop/db, on TCP 5432. Source groups (identical rows): S1 = ops/mon and
shop/db (both reach mon on all and the web pods on 80,8000-8080), S2 = the web pods.
Destination groups (identical columns): D1 = ops/mon, D2 = shop/db, D3 = the web pods.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from rich.console import Console
from typer.testing import CliRunner

from tests.browser import rendered_dom, screenshot
from tests.paths import TESTS
from tests.strategies import clusters
from verifier.cli import app
from verifier.engine.connectivity import Connectivity, compute_connectivity, compute_port_connectivity
from verifier.load import load_cluster
from verifier.model import AnalysisOptions, Protocol
from verifier.report.matrix_views import (
    grouped,
    render_connectivity,
    write_connectivity_csv,
    write_connectivity_dot,
    write_connectivity_html,
    write_connectivity_json,
    write_connectivity_markdown,
)

SHOP = """\
apiVersion: v1
kind: Namespace
metadata: {name: ops}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: mon, namespace: ops, labels: {app: mon}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: c, image: x, ports: [{name: pg, containerPort: 5432}]}]}
status: {podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.0.0.3}
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.0.0.4}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]
    ports: [{port: pg}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - from: [{namespaceSelector: {}}]
    ports: [{port: 80}, {port: 8000, endPort: 8080}]
"""

WEB = "TCP 80,8000-8080"
ALL_PORTS = {"TCP": "1-65535", "UDP": "1-65535", "SCTP": "1-65535"}
WEB_JSON = {"TCP": "80,8000-8080"}
ARTIFACTS = TESTS / "artifacts"  # gitignored


@pytest.fixture(scope="module")
def shop_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shop") / "shop.yaml"
    path.write_text(SHOP)
    return path


@pytest.fixture(scope="module")
def shop(shop_file: Path) -> Connectivity:
    return compute_connectivity(load_cluster([str(shop_file)]).cluster, AnalysisOptions())


def _render(writer: object, conn: Connectivity) -> str:
    out = io.StringIO()
    writer(conn, out)  # type: ignore[operator]
    return out.getvalue()


def test_compact_text_is_the_hand_derived_grouping(shop: Connectivity) -> None:
    console = Console(record=True, width=200, file=io.StringIO())
    render_connectivity(shop, console)
    assert console.export_text().splitlines() == [
        "Connectivity on all ports: 4 endpoints, 2 source groups, 3 destination groups, 3 rules. "
        "Self traffic is always allowed and not listed.",
        "source groups (pods with identical rows: they reach the same pods on the same ports):",
        "  S1  ops/mon, shop/db",
        "  S2  shop/web-1, shop/web-2",
        "destination groups (pods with identical columns: the same pods reach them on the same ports):",
        "  D1  ops/mon",
        "  D2  shop/db",
        "  D3  shop/web-1, shop/web-2",
        "rules (every pod of the sources → every other pod of the destinations: exactly these ports):",
        "  all sources → D1: all ports",
        f"  all sources → D3: {WEB}",
        "  S2 → D2: TCP 5432",
    ]


def test_json_lists_every_pair_with_its_ranges(shop: Connectivity) -> None:
    doc = json.loads(_render(write_connectivity_json, shop))
    assert doc["schema"] == "netverify.connectivity/v1"
    assert doc["endpoints"] == ["ops/mon", "shop/db", "shop/web-1", "shop/web-2"]
    assert doc["self_traffic"] == "allowed"
    assert doc["connections"] == {
        "ops/mon": {"shop/web-1": WEB_JSON, "shop/web-2": WEB_JSON},
        "shop/db": {"ops/mon": ALL_PORTS, "shop/web-1": WEB_JSON, "shop/web-2": WEB_JSON},
        "shop/web-1": {"ops/mon": ALL_PORTS, "shop/db": {"TCP": "5432"}, "shop/web-2": WEB_JSON},
        "shop/web-2": {"ops/mon": ALL_PORTS, "shop/db": {"TCP": "5432"}, "shop/web-1": WEB_JSON},
    }
    assert doc["conditional"] == {}


def test_csv_has_one_line_per_pair_and_protocol(shop: Connectivity) -> None:
    lines = _render(write_connectivity_csv, shop).splitlines()
    assert lines[0] == "source,destination,protocol,ports,conditional"
    body = set(lines[1:])
    assert "shop/web-1,shop/db,TCP,5432," in body
    assert 'ops/mon,shop/web-2,TCP,"80,8000-8080",' in body
    assert {f"shop/db,ops/mon,{p},1-65535," for p in ("TCP", "UDP", "SCTP")} <= body
    # 2 (mon) + 2 + 3 (db: mon on 3 protocols) + 2 * (3 + 1 + 1) (web pods)
    assert len(body) == len(lines) - 1 == 2 + 2 + 3 + 10
    assert not any(line.startswith("ops/mon,shop/db") for line in body)


def test_markdown_tables(shop: Connectivity) -> None:
    text = _render(write_connectivity_markdown, shop)
    assert "| S1 | ops/mon, shop/db |" in text
    assert "| D3 | shop/web-1, shop/web-2 |" in text
    assert f"| all sources | D3 | {WEB} |" in text
    assert "| S2 | D2 | TCP 5432 |" in text
    assert text.count("\n| S") == 2 + 1 and text.count("\n| D") == 3


def test_dot_has_a_node_per_group_and_an_edge_per_group_pair(shop: Connectivity) -> None:
    text = _render(write_connectivity_dot, shop)
    assert text.startswith("digraph connectivity {") and text.rstrip().endswith("}")
    assert 'D3 [shape=ellipse, label="D3\\nshop/web-1\\nshop/web-2"];' in text
    edges = set(re.findall(r"(S\d) -> (D\d) \[label=\"([^\"]*)\"\]", text))
    assert edges == {
        ("S1", "D1", "all"),  # shop/db -> ops/mon (and ops/mon to itself, which is self traffic)
        ("S2", "D1", "all"),
        ("S1", "D3", WEB),
        ("S2", "D3", WEB),  # web-1 <-> web-2
        ("S2", "D2", "TCP 5432"),
    }


def test_port_view_groups_by_that_port_only(shop_file: Path) -> None:
    cluster = load_cluster([str(shop_file)]).cluster
    conn = compute_port_connectivity(cluster, 5432, Protocol.TCP, AnalysisOptions())
    console = Console(record=True, width=200, file=io.StringIO())
    render_connectivity(conn, console)
    lines = console.export_text().splitlines()
    # On 5432 the web pods admit no one (D3), mon admits everyone (D1), db admits the web
    # pods (D2); mon and db reach mon only (S1), the web pods reach mon and db (S2) — one
    # value, so one entry of their row and one rule.
    assert lines[0].startswith(
        "Connectivity on 5432/TCP: 4 endpoints, 2 source groups, 3 destination groups, 2 rules"
    )
    assert lines[-2:] == ["  S1 → D1: TCP 5432", "  S2 → D1, D2: TCP 5432"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_streamed_json_equals_the_pairs(cluster: object) -> None:
    conn = compute_connectivity(cluster, AnalysisOptions())  # type: ignore[arg-type]
    doc = json.loads(_render(write_connectivity_json, conn))
    n = len(conn.endpoints)
    expected: dict[str, dict[str, dict[str, str]]] = {}
    for s in range(n):
        for d in range(n):
            pair = conn.pair(s, d)
            if (s != d or s in conn.replicated) and pair.allowed:
                ports = {
                    p.value: ",".join(f"{a}" if a == b else f"{a}-{b}" for a, b in r) for p, r in pair.allowed
                }
                expected.setdefault(conn.endpoints[s], {})[conn.endpoints[d]] = ports
    assert doc["connections"] == expected


# --- the CLI --------------------------------------------------------------------------------


def test_cli_formats_and_filters(shop_file: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["matrix", str(shop_file), "-f", "json", "--namespace", "shop"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["endpoints"] == ["shop/db", "shop/web-1", "shop/web-2"]
    assert doc["connections"]["shop/db"] == {"shop/web-1": WEB_JSON, "shop/web-2": WEB_JSON}
    result = runner.invoke(app, ["matrix", str(shop_file), "--pod", "app in (db,mon)", "-f", "json"])
    doc = json.loads(result.stdout)
    assert doc["endpoints"] == ["ops/mon", "shop/db"]
    assert doc["connections"] == {"shop/db": {"ops/mon": ALL_PORTS}}
    port = runner.invoke(app, ["matrix", str(shop_file), "--port", "80", "-f", "json", "-n", "shop"])
    m = json.loads(port.stdout)
    assert m["schema"] == "netverify.matrix/v1" and m["endpoints"] == ["shop/db", "shop/web-1", "shop/web-2"]
    assert m["allowed"] == [[True, True, True], [False, True, True], [False, True, True]]
    for fmt in ("text", "csv", "markdown", "dot", "html"):
        assert runner.invoke(app, ["matrix", str(shop_file), "-f", fmt]).exit_code == 0, fmt
        assert runner.invoke(app, ["matrix", str(shop_file), "--port", "80", "-f", fmt]).exit_code == 0, fmt


def test_cli_usage_errors(shop_file: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["matrix", str(shop_file), "--protocol", "UDP"])
    assert result.exit_code == 2 and "--protocol needs --port" in result.output
    result = runner.invoke(app, ["matrix", str(shop_file), "--namespace", "nope"])
    assert result.exit_code == 2 and "nope" in result.output
    result = runner.invoke(app, ["matrix", str(shop_file), "--pod", "app in ("])
    assert result.exit_code == 2


# --- the HTML page in headless Chromium -------------------------------------------------------


def test_html_page_renders_the_graph_in_chromium(shop: Connectivity, tmp_path: Path) -> None:
    page = tmp_path / "matrix.html"
    page.write_text(_render(write_connectivity_html, shop), encoding="utf-8")
    assert "http://" not in page.read_text().replace("http://www.w3.org/2000/svg", "")
    dom = rendered_dom(page)
    assert 'data-rendered="true"' in dom
    nodes = re.findall(r'<g class="node (?:source|destination)" data-group="([SD]\d+)"', dom)
    edges = set(re.findall(r'<g class="edge" data-source="(S\d+)" data-target="(D\d+)"', dom))
    assert sorted(nodes) == ["D1", "D2", "D3", "S1", "S2"]
    assert edges == {("S1", "D1"), ("S2", "D1"), ("S1", "D3"), ("S2", "D3"), ("S2", "D2")}
    assert "shop/web-1, shop/web-2" in dom  # the groups table was filled in by the script
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "matrix-html.png"
    screenshot(page, shot)
    assert shot.exists() and shot.stat().st_size > 5000


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(clusters())
def test_grouped_rules_state_every_pair_exactly_once(cluster: object) -> None:
    """Each rule holds for every (source pod, other destination pod) it names, and every pair
    of distinct pods with some traffic is named by exactly one rule."""
    conn = compute_connectivity(cluster, AnalysisOptions())  # type: ignore[arg-type]
    view = grouped(conn)
    named: dict[tuple[int, int], int] = {}
    for rule in view.rules:
        for sg in rule.sources:
            for dg in rule.destinations:
                for s in view.sources[sg]:
                    for d in view.destinations[dg]:
                        if s != d:
                            assert conn.pair(s, d) == rule.value
                            named[(s, d)] = named.get((s, d), 0) + 1
    n = len(conn.endpoints)
    with_traffic = {(s, d) for s in range(n) for d in range(n) if s != d and conn.pair(s, d)}
    assert set(named) == with_traffic
    assert all(count == 1 for count in named.values())


# --- issue 9 §7: a rule whose only pair is a pod with itself is self traffic, not a rule ------


def _self_rule_cluster(replicated: bool = False):  # type: ignore[no-untyped-def]
    from tests.strategies import make_cluster, make_pod, make_policy, pod_peer, rule, sel

    # a may send only to app=a pods: itself (self traffic) — or, replicated, its own replicas.
    a = make_pod("default", "a", {"app": "a"}, ["10.0.0.1"])
    if replicated:
        a = make_pod("default", "a[Deployment]", {"app": "a"}, [], kind="Deployment").model_copy(
            update={"replicated": True}
        )
    pods = [a, make_pod("default", "b", {"app": "b"}, ["10.0.0.2"]), make_pod("other", "c", {}, ["10.0.0.3"])]
    policies = [
        make_policy(
            "default", "a-out", sel(app="a"), egress=[rule([pod_peer(sel(app="a"))])], policy_types=["Egress"]
        ),
        make_policy("default", "b-in", sel(app="b"), ingress=[], policy_types=["Ingress"]),
    ]
    return make_cluster(pods, policies, {"default": {}, "other": {}})


def _views(conn: Connectivity) -> dict[str, str]:
    out: dict[str, str] = {}
    text = io.StringIO()
    render_connectivity(conn, Console(file=text, width=200))
    out["text"] = text.getvalue()
    for name, writer in (
        ("markdown", write_connectivity_markdown),
        ("dot", write_connectivity_dot),
        ("html", write_connectivity_html),
    ):
        buf = io.StringIO()
        writer(conn, buf)
        out[name] = buf.getvalue()
    return out


def test_a_pod_to_itself_is_no_rule_in_any_grouped_view() -> None:
    conn = compute_connectivity(_self_rule_cluster(), AnalysisOptions())
    view = grouped(conn)
    a = conn.endpoints.index("default/a")
    for r in view.rules:
        src = {p for g in r.sources for p in view.sources[g]}
        dst = {p for g in r.destinations for p in view.destinations[g]}
        assert not (src == dst == {a}), r
    views = _views(conn)
    s_a = next(g for g, pods in enumerate(view.sources) if pods == (a,))
    d_a = next(g for g, pods in enumerate(view.destinations) if pods == (a,))
    assert f"S{s_a + 1} → D{d_a + 1}" not in views["text"]
    assert f"| S{s_a + 1} | D{d_a + 1} |" not in views["markdown"]
    assert f"S{s_a + 1} -> D{d_a + 1}" not in views["dot"]
    assert f"[{s_a}, {d_a}," not in views["html"]


def test_replicas_of_one_template_are_a_rule() -> None:
    cluster = _self_rule_cluster(replicated=True)
    conn = compute_connectivity(cluster, AnalysisOptions())
    a = conn.endpoints.index("default/a[Deployment]")
    view = grouped(conn)
    assert any(
        {p for g in r.sources for p in view.sources[g]}
        == {a}
        == {p for g in r.destinations for p in view.destinations[g]}
        for r in view.rules
    )
    # JSON and csv list the replicas' traffic as the template's pair with itself
    doc = io.StringIO()
    write_connectivity_json(conn, doc)
    key = "default/a[Deployment]"
    assert key in json.loads(doc.getvalue())["connections"][key]
    csv = io.StringIO()
    write_connectivity_csv(conn, csv)
    assert f"{key},{key},TCP," in csv.getvalue()
    # The same template standing for one pod: its diagonal is self traffic, no rule.
    single = cluster.model_copy(
        update={"pods": tuple(p.model_copy(update={"replicated": False}) for p in cluster.pods)}
    )
    view = grouped(compute_connectivity(single, AnalysisOptions()))
    assert not any(
        {p for g in r.sources for p in view.sources[g]}
        == {a}
        == {p for g in r.destinations for p in view.destinations[g]}
        for r in view.rules
    )
