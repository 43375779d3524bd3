"""Connectivity reports: JSON (``netverify.connectivity/v1``), csv, and the readable forms —
compact text, markdown, Graphviz dot and a self-contained HTML graph.

The readable forms all show one *grouped* view (`grouped`), exact and deterministic: pods
with identical rows and identical columns form a group (G1, G2, … in endpoint order), and
each rule line ``sources → destinations: ports`` says that every source pod reaches every
*other* destination pod on exactly those ports. Lines with the same destinations and ports
are merged, so a rule names all the source groups it holds for. Self traffic is always
allowed and never listed: a rule whose only pair is one pod with itself is dropped. A workload
template that stands for two or more pods (`Pod.replicated`) is no such pod: its diagonal is
replica-to-replica traffic, governed by policy, and stays (`Connectivity.replicated`); the
JSON and csv forms list it as a pair of the template with itself.

External address ranges (`Connectivity.external`, when computed) are endpoints too: as
sources they reach pods (the pod's ingress decides), as destinations pods reach them (the
pod's egress decides); there is no flow between two ranges. The JSON adds them in
``external_endpoints`` and ``external_connections`` (old readers ignore both), the csv as
extra lines with the range as source or destination, and the grouped views as groups of
their own (ranges with identical rows or columns), after the pod groups.

Writers stream: the JSON and csv forms expand classes to pods row by row while writing.

The writers live by form — `verifier.report.connectivity_pairs` (JSON, csv),
`verifier.report.connectivity_grouped` (the grouped view), `verifier.report.connectivity_text`
(text, markdown), `verifier.report.connectivity_graph` (dot, html) — and this module gathers
them: the registry (`verifier.report.registry`) finds ``write_connectivity_<format>`` here.
"""

from verifier.report.connectivity_graph import write_connectivity_dot, write_connectivity_html
from verifier.report.connectivity_grouped import Grouped, GroupedRule, grouped
from verifier.report.connectivity_pairs import (
    CONNECTIVITY_SCHEMA,
    external_inbound,
    write_connectivity_csv,
    write_connectivity_json,
)
from verifier.report.connectivity_text import render_connectivity, write_connectivity_markdown

__all__ = [
    "CONNECTIVITY_SCHEMA",
    "Grouped",
    "GroupedRule",
    "external_inbound",
    "grouped",
    "render_connectivity",
    "write_connectivity_csv",
    "write_connectivity_dot",
    "write_connectivity_html",
    "write_connectivity_json",
    "write_connectivity_markdown",
]
