"""``lint``: policies and rules that do not do what they look like they do.

Every finding has a stable ID, a severity, the object and a one-line why (docs/questions.md
lists them all). Findings backed by Z3 (NV002, NV004, NV006-NV008) are unsat proofs; NV002
and NV004 in the `any` universe, NV006-NV008 over every pod the policy could ever select and
every other endpoint (`verifier.solve.lint`), so they hold in both universes whatever pods
come next; an ``unknown`` answer is listed under ``skipped``, never as a finding. Most
of those questions have a "no finding" answer that one concrete flow shows; over an inventory
such a witness (`verifier.query.lint_witness`, checked by the oracle) is tried first and Z3 is
asked only when none is found (lint at 10,000 pods: 60 s -> 21 s, the same findings).

=====  ========  ===========================================================================
ID     severity  finding
=====  ========  ===========================================================================
NV001  warning   the policy's podSelector selects no pod of the inventory
NV002  error     the policy's podSelector can never select any pod (unsatisfiable)
NV003  warning   a peer matches no pod of the inventory
NV004  error     a peer can never match any endpoint (unsatisfiable)
NV005  warning   a rule whose every peer matches nothing in the inventory: it is dead
NV006  warning   a rule is redundant: removing it changes no flow (shadowed by others)
NV007  warning   a policy is vacuous: on its own it denies nothing
NV008  info      a policy is redundant: removing it changes no flow
NV009  info      inventory pods selected by no policy for a direction (not isolated)
NV010  warning   a named port that no possible destination pod of the rule defines
NV011  error     egress isolation blocks DNS (UDP to the cluster DNS pods or any address)
NV012  warning   egress isolation allows DNS over UDP but not over TCP
NV013  warning   allow-all rules (``- {}``) next to a default-deny policy (info: the
                 "deny all ingress, allow all egress" idiom), one per namespace and direction
NV014  warning   ``from: []`` / ``to: []``: an empty peer list means *all* peers
NV015  warning   ``egress: []`` without ``policyTypes``: egress is NOT isolated
NV016  warning   a podSelector that looks meant as a namespaceSelector
NV017  info      a lone namespaceSelector peer next to a lone podSelector peer (OR, not AND)
NV018  warning   a tier rule that never applies: earlier rules of its policy, or of a lower
                 priority of its tier covering its subject, match all it matches (info:
                 "redundant", the same action)
NV019  warning   two same-priority policies of one tier decide one flow differently
                 (implementation-defined; a witness flow the oracle leaves undecided)
NV020  info      an Admin-tier Pass with no NetworkPolicy or Baseline rule behind it: Allow
NV021  info      a Baseline-tier policy's rules of a direction reached by no pod of the
                 input (NetworkPolicies isolate every pod of its subject)
NV022  warning   a tier ``networks`` peer whose CIDRs hold pod addresses (or the pod CIDR)
NV023  warning   a tier policy whose subject selects no pod of the inventory
NV024  warning   a tier ``nodes`` peer that matches no Node of the input (none loaded)
=====  ========  ===========================================================================

The cluster DNS (NV011/NV012) is found in the input (`dns_services`: kube-dns / CoreDNS pods
in kube-system, OpenShift's DNS daemonset in openshift-dns on 5353), given with ``dns=``
(`parse_dns`), else assumed in kube-system on 53. A ``baseline`` (`read_lint_baseline`: the
findings of a previous JSON report) marks the findings it holds, matched by ID, object and
`Finding.fingerprint`; CI fails on `LintReport.new_findings` only.

NV014/NV015 read how each list was written (``[]`` vs missing), which the model keeps beside
its meaning (the ``*_written`` fields), so they hold for stdin input as for files.

This module is the driver; each family of findings is its own module over one `LintRun`
(`verifier.query.lint_context`): selectors, peers and coverage (`lint_selectors`),
redundancy and vacuity (`lint_redundancy`), DNS (`lint_dns`), the manifests' shape
(`lint_traps`), the cluster-wide tiers (`lint_tiers`, NV018-NV024: set reasoning and the
oracle, no Z3), baselines (`lint_baseline`). The Z3 questions are asked through
`verifier.solve.lint.LintSolver` with plain arguments; no Z3 term reaches this package.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from verifier.model import AnalysisOptions, Cluster
from verifier.query.check import default_universe
from verifier.query.lint_baseline import apply_baseline, read_lint_baseline
from verifier.query.lint_context import LintRun
from verifier.query.lint_dns import DnsService, check_dns, dns_services, parse_dns
from verifier.query.lint_redundancy import check_redundancy
from verifier.query.lint_selectors import (
    check_coverage,
    check_named_ports,
    check_peers,
    check_selection,
    check_selector_shapes,
)
from verifier.query.lint_tiers import check_tiers
from verifier.query.lint_traps import check_traps
from verifier.results import Finding, LintReport, Severity

_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def lint(
    cluster: Cluster,
    options: AnalysisOptions,
    *,
    warnings: Sequence[str] = (),
    witnesses: bool = True,
    dns: str | None = None,
    baseline: Sequence[Finding] | None = None,
) -> LintReport:
    """Every finding (see the module docstring), errors first, then by ID and object.

    ``witnesses`` False sends every redundancy question to Z3 (the tests compare both).
    ``dns`` (``NAMESPACE/SELECTOR:PORTS``, `parse_dns`; `UsageError` when malformed) names
    the cluster DNS for NV011/NV012 instead of detecting it (`dns_services`). ``baseline``
    (a previous run's findings, `read_lint_baseline`) marks the findings it holds
    `Finding.in_baseline`; `LintReport.new_findings` are the rest. NV014/NV015 read how
    the manifests wrote their lists from the model, so stdin is linted like files."""
    start = time.perf_counter()
    override = parse_dns(dns) if dns is not None else None
    universe = default_universe(cluster, options)
    services = dns_services(cluster, override)
    run = LintRun(cluster, options, universe, witnesses=witnesses)
    check_selection(run)
    check_peers(run)
    check_selector_shapes(run)
    check_redundancy(run)
    check_coverage(run)
    check_named_ports(run)
    check_dns(run, services)
    check_traps(run)
    check_tiers(run)
    findings = sorted(run.findings, key=lambda f: (_ORDER[f.severity], f.id, f.object))
    resolved = 0
    if baseline is not None:
        findings, resolved = apply_baseline(findings, baseline)
    return LintReport(
        universe=universe,
        findings=tuple(findings),
        skipped=tuple(run.skipped),
        seconds=time.perf_counter() - start,
        warnings=tuple(warnings),
        dns="; ".join(s.summary() for s in services),
        baselined=baseline is not None,
        resolved=resolved,
    )


__all__ = ["DnsService", "apply_baseline", "dns_services", "lint", "parse_dns", "read_lint_baseline"]
