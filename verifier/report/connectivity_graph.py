"""The grouped connectivity view as a graph: Graphviz dot, and a self-contained HTML page
drawn by inline JavaScript (source groups on the left, destination groups on the right)."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from typing import TextIO

from verifier.report.connectivity_grouped import Grouped, grouped, rule_parts, summary, title
from verifier.results.connectivity import Connectivity


def _edges(view: Grouped) -> Iterator[tuple[int, int, str]]:
    """(source group, destination group, ports), skipping pairs whose only pods are one and
    the same pod (that would be self traffic, not a rule)."""
    for rule in view.rules:
        text = rule.value.text()
        for s in rule.sources:
            for d in rule.destinations:
                if view.self_only((s,), (d,)):
                    continue
                yield s, d, text


def _dot_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def write_connectivity_dot(conn: Connectivity, out: TextIO) -> None:
    """A Graphviz digraph, left to right: source groups (boxes) → destination groups
    (ellipses), one edge per allowed pair labelled with the ports; a group's pods are its label.
    Groups of external address ranges are drawn dashed."""
    view = grouped(conn)
    out.write("digraph connectivity {\n  rankdir=LR;\n  node [fontname=Helvetica];\n")
    out.write(f"  label={_dot_string(summary(conn, view))};\n")
    for prefix, shape, groups in (("S", "box", view.sources), ("D", "ellipse", view.destinations)):
        for g, pods in enumerate(groups):
            label = "\n".join([f"{prefix}{g + 1}", *view.describe(pods)])
            style = ", style=dashed" if view.is_external(pods) else ""
            out.write(f"  {prefix}{g + 1} [shape={shape}{style}, label={_dot_string(label)}];\n")
    for s, d, text in _edges(view):
        out.write(f"  S{s + 1} -> D{d + 1} [label={_dot_string(text)}];\n")
    out.write("}\n")


_HTML = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>__TITLE__</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
svg { border: 1px solid #ddd; background: #fcfcfc; }
.node rect { stroke: #3367d6; }
.node.source rect { fill: #e8f0fe; }
.node.destination rect { fill: #e6f4ea; stroke: #188038; }
.node.external rect { fill: #fef7e0; stroke: #b06000; stroke-dasharray: 4 2; }
.node text { font-size: 12px; }
.edge path { fill: none; stroke: #888; stroke-width: 1.3; }
.edge text { font-size: 10px; fill: #555; }
.edge:hover path { stroke: #d33; stroke-width: 2.5; }
table { border-collapse: collapse; margin-top: 1em; }
td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: left; vertical-align: top; }
</style>
</head>
<body>
<h1>__TITLE__</h1>
<p>__SUMMARY__</p>
<p>Left: source groups (pods with identical rows). Right: destination groups (pods with identical
columns). An arrow: every pod of the source group reaches every other pod of the destination
group on the ports shown (hover for details). Dashed groups are external address ranges: no
pod has their addresses, and only the pod side of a flow with them is checked.</p>
<svg id="graph" xmlns="http://www.w3.org/2000/svg"></svg>
<h2>Source groups</h2>
<table id="sources"><tr><th>group</th><th>pods</th></tr></table>
<h2>Destination groups</h2>
<table id="destinations"><tr><th>group</th><th>pods</th></tr></table>
<h2>Rules</h2>
<table id="rules"><tr><th>sources</th><th>destinations</th><th>allowed</th></tr></table>
<script id="data" type="application/json">__DATA__</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("data").textContent);
  var NS = "http://www.w3.org/2000/svg";
  var svg = document.getElementById("graph");
  var rows = Math.max(data.sources.length, data.destinations.length, 1);
  var width = 900, step = 46, height = rows * step + 40, boxW = 240;
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  svg.setAttribute("viewBox", "0 0 " + width + " " + height);
  var defs = document.createElementNS(NS, "defs");
  defs.innerHTML = '<marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" ' +
    'markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#888"/></marker>';
  svg.appendChild(defs);
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    parent.appendChild(e);
    return e;
  }
  function ys(list) {
    var top = (height - list.length * step) / 2 + step / 2;
    return list.map(function (_, i) { return top + i * step; });
  }
  var sy = ys(data.sources), dy = ys(data.destinations);
  var sx = 20 + boxW, dx = width - 20 - boxW;
  var edges = el("g", {id: "edges"}, svg);
  data.edges.forEach(function (e) {
    var g = el("g", {"class": "edge", "data-source": "S" + (e[0] + 1), "data-target": "D" + (e[1] + 1)}, edges);
    var y1 = sy[e[0]], y2 = dy[e[1]], mid = (sx + dx) / 2;
    el("path", {d: "M " + sx + " " + y1 + " C " + mid + " " + y1 + " " + mid + " " + y2 + " " + (dx - 2) + " " + y2,
      "marker-end": "url(#arrow)"}, g);
    if (data.edges.length <= 40) {
      // On the curve at 3/4 of the way, where arrows into different groups have spread apart.
      var u = 0.75, w0 = Math.pow(1 - u, 3), w1 = 3 * Math.pow(1 - u, 2) * u, w2 = 3 * (1 - u) * u * u, w3 = u * u * u;
      var lx = w0 * sx + (w1 + w2) * mid + w3 * dx, ly = (w0 + w1) * y1 + (w2 + w3) * y2;
      var t = el("text", {x: lx, y: ly - 4, "text-anchor": "middle"}, g);
      t.textContent = e[2];
    }
    var tip = el("title", {}, g);
    tip.textContent = "S" + (e[0] + 1) + " \\u2192 D" + (e[1] + 1) + ": " + e[2];
  });
  function nodes(list, prefix, x, yy, kind) {
    var layer = el("g", {id: kind + "-nodes"}, svg);
    list.forEach(function (grp, i) {
      var name = prefix + (i + 1);
      var g = el("g", {"class": "node " + kind + (grp.external ? " external" : ""), "data-group": name}, layer);
      var label = name + ": " + (grp.pods.length === 1 ? grp.pods[0] : grp.size + (grp.external ? " ranges" : " pods"));
      if (label.length > 36) { label = label.slice(0, 35) + "\\u2026"; }
      el("rect", {x: x, y: yy[i] - 15, width: boxW, height: 30, rx: 6}, g);
      var t = el("text", {x: x + 8, y: yy[i] + 4}, g);
      t.textContent = label;
      var tip = el("title", {}, g);
      tip.textContent = grp.pods.join(grp.external ? "; " : ", ");
    });
  }
  nodes(data.sources, "S", 20, sy, "source");
  nodes(data.destinations, "D", dx, dy, "destination");
  function row(table, cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (c) { var td = document.createElement("td"); td.textContent = c; tr.appendChild(td); });
    document.getElementById(table).appendChild(tr);
  }
  function members(g) { return g.pods.join(g.external ? "; " : ", "); }
  data.sources.forEach(function (g, i) { row("sources", ["S" + (i + 1), members(g)]); });
  data.destinations.forEach(function (g, i) { row("destinations", ["D" + (i + 1), members(g)]); });
  data.rules.forEach(function (r) { row("rules", r); });
  document.body.setAttribute("data-rendered", "true");
})();
</script>
</body>
</html>
"""


def write_connectivity_html(conn: Connectivity, out: TextIO) -> None:
    """A self-contained page (inline SVG drawn by inline JavaScript, no network access):
    source groups on the left, destination groups on the right, one arrow per allowed pair
    (ports as label or tooltip), then the groups and rules as tables."""
    view = grouped(conn)
    data = {
        "sources": [
            {"size": len(p), "pods": view.describe(p), "external": view.is_external(p)} for p in view.sources
        ],
        "destinations": [
            {"size": len(p), "pods": view.describe(p), "external": view.is_external(p)}
            for p in view.destinations
        ],
        "edges": [[s, d, text] for s, d, text in _edges(view)],
        "rules": [list(rule_parts(view, r)) for r in view.rules],
    }
    payload = json.dumps(data).replace("</", "<\\/")
    page = (
        _HTML.replace("__TITLE__", html.escape(title(conn)))
        .replace("__SUMMARY__", html.escape(summary(conn, view)))
        .replace("__DATA__", payload)
    )
    out.write(page)
