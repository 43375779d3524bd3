"""``lint`` on real-cluster shapes (issue 10 §4): the corpus folders (tests/corpus/), the DNS
service detected from the input or given with ``dns=`` (OpenShift's 5353, kube-dns), the TCP
fallback warning, the grouped "deny all, allow all egress" idiom (NV013), ``replicas: 0``
workloads, and the baseline (findings of a previous JSON report are not new)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from tests.paths import CORPUS
from tests.strategies import ip_peer, make_cluster, make_pod, make_policy, ns_peer, pod_peer, port, rule, sel
from verifier.errors import InputError, UsageError
from verifier.load import load_cluster
from verifier.model import AnalysisOptions, Cluster, Protocol
from verifier.query.lint import dns_services, lint, parse_dns, read_lint_baseline
from verifier.report.lint import lint_json, render_lint
from verifier.results import Finding, LintReport, Severity, finding_fingerprint

OPENSHIFT_DNS = "openshift-dns/dns.operator.openshift.io/daemonset-dns=default:5353/UDP,5353/TCP"


def run(paths: list[str], **kw: object) -> LintReport:
    cluster = load_cluster(paths).cluster
    return lint(cluster, AnalysisOptions(), **kw)  # type: ignore[arg-type]


def by_id(report: LintReport, id_: str) -> list[Finding]:
    return [f for f in report.findings if f.id == id_]


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


# --- the corpus folders ------------------------------------------------------------------------


def test_boutique_corpus_has_no_error_nor_warning() -> None:
    # deny-all isolates both directions and allows all egress itself: ingress stays denied,
    # egress open. No other policy denies egress, so nothing is undone (no NV013), and DNS works.
    report = run([str(CORPUS / "boutique")])
    assert report.count(Severity.ERROR) == 0
    assert report.count(Severity.WARNING) == 0
    assert not by_id(report, "NV013") and not by_id(report, "NV011")


def test_openshift_dns_corpus_has_no_dns_finding() -> None:
    report = run([str(CORPUS / "openshift-dns")])
    assert not by_id(report, "NV011") and not by_id(report, "NV012"), report.findings
    assert report.count(Severity.ERROR) == 0
    assert "openshift-dns pods dns.operator.openshift.io/daemonset-dns=default" in report.dns
    assert (
        "5353/UDP, 5353/TCP" in report.dns
        and "detected from openshift-dns/dns-default[DaemonSet]" in report.dns
    )


def test_dump_corpus_lists_only_real_pods() -> None:
    report = run([str(CORPUS / "dump")])
    assert report.count(Severity.ERROR) == 0
    assert {f.id for f in report.findings} == {"NV009"}
    text = " ".join(f"{f.object} {f.message}" for f in report.findings)
    # the StatefulSet's template is stood for by its live pod db-0
    assert "db-0" in text and "[StatefulSet]" not in text
    # the kube-system default: nothing of the dump is DNS
    assert "default" in report.dns and report.dns.startswith("kube-system pods on 53/UDP, 53/TCP")


# --- DNS detection, override and the TCP warning -----------------------------------------------


def _openshift_copy(tmp_path: Path, *, keep_dns: bool = True, tcp: bool = True) -> str:
    folder = tmp_path / "cluster"
    folder.mkdir(parents=True)
    app = (CORPUS / "openshift-dns" / "app.yaml").read_text()
    if not tcp:
        line = "        - {port: 5353, protocol: TCP}\n"
        assert line in app
        app = app.replace(line, "")
    (folder / "app.yaml").write_text(app)
    if keep_dns:
        shutil.copy(CORPUS / "openshift-dns" / "dns.yaml", folder / "dns.yaml")
    return str(folder)


def test_udp_without_tcp_is_a_warning_not_an_error(tmp_path: Path) -> None:
    report = run([_openshift_copy(tmp_path, tcp=False)])
    assert not by_id(report, "NV011")
    warnings = by_id(report, "NV012")
    assert sorted(f.object for f in warnings) == ["orders/api[Deployment]", "orders/postgres[Deployment]"]
    for f in warnings:
        assert f.severity is Severity.WARNING
        assert "TCP 5353 to openshift-dns pods dns.operator.openshift.io/daemonset-dns=default" in f.message


def test_without_the_dns_pods_the_override_names_the_dns(tmp_path: Path) -> None:
    folder = _openshift_copy(tmp_path, keep_dns=False)
    # Nothing in the input shows the DNS: the kube-system default, UDP 53 is blocked.
    default = run([folder])
    errors = by_id(default, "NV011")
    assert sorted(f.object for f in errors) == ["orders/api[Deployment]", "orders/postgres[Deployment]"]
    assert all("UDP 53 to kube-system pods or any address" in f.message for f in errors)
    # Told where the DNS is: no DNS finding.
    told = run([folder], dns=OPENSHIFT_DNS)
    assert not by_id(told, "NV011") and not by_id(told, "NV012"), told.findings
    assert "given with dns=" in told.dns
    # The override is what is checked, also when the input shows another DNS: on port 53 the
    # openshift-dns pods are not reachable.
    wrong = run(
        [_openshift_copy(tmp_path / "b")],
        dns="openshift-dns/dns.operator.openshift.io/daemonset-dns=default:53",
    )
    assert len(by_id(wrong, "NV011")) == 2
    assert (
        "UDP 53 to openshift-dns pods dns.operator.openshift.io/daemonset-dns=default"
        in by_id(wrong, "NV011")[0].message
    )


def test_parse_dns() -> None:
    parsed = parse_dns(OPENSHIFT_DNS)
    assert parsed.namespace == "openshift-dns"
    assert str(parsed.selector) == "dns.operator.openshift.io/daemonset-dns=default"
    assert parsed.port_list == ((5353, Protocol.UDP), (5353, Protocol.TCP))
    bare = parse_dns("kube-system:53")  # no selector: every pod of the namespace; a bare port: both
    assert bare.selector.is_empty and bare.port_list == ((53, Protocol.UDP), (53, Protocol.TCP))
    assert parse_dns("kube-system/k8s-app in (kube-dns,coredns):53/udp").port_list == ((53, Protocol.UDP),)
    for bad in (
        "kube-system/k8s-app=kube-dns",  # no ports
        "Kube_System/x=y:53",  # not a namespace name
        "kube-system/x=y:dns",  # not a number
        "kube-system/x=y:70000",
        "kube-system/x=y:53/SCTP",
        "kube-system/x=y:53/TCP",  # no UDP port
        "kube-system/a b c:53",  # bad selector
    ):
        with pytest.raises(UsageError):
            parse_dns(bad)
    cluster = make_cluster([make_pod("x", "a", {"app": "a"}, ["10.0.0.1"])], [])
    with pytest.raises(UsageError):
        lint(cluster, AnalysisOptions(), dns="nonsense")


KUBE_DNS = make_pod(
    "kube-system",
    "coredns-1",
    {"k8s-app": "kube-dns"},
    ["10.96.0.10"],
    [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153)],
)
OTHER_SYSTEM = make_pod("kube-system", "metrics-server", {"k8s-app": "metrics-server"}, ["10.96.0.20"])
APP = make_pod("x", "a", {"app": "a"}, ["10.0.0.1"])


def _egress(*rules: object) -> Cluster:
    policy = make_policy("x", "eg", sel(app="a"), egress=list(rules))  # type: ignore[arg-type]
    return make_cluster([APP, KUBE_DNS, OTHER_SYSTEM], [policy])


def test_kube_dns_is_detected_from_its_pods() -> None:
    (service,) = dns_services(_egress())
    assert service.namespace == "kube-system" and str(service.selector) == "k8s-app=kube-dns"
    assert service.ports(Protocol.UDP) == (53,) and service.ports(Protocol.TCP) == (53,)
    assert [t.name for t in service.targets] == ["coredns-1"]  # not metrics-server

    to_dns = pod_peer(sel({"k8s-app": "kube-dns"}))
    to_dns_ns = ns_peer(sel({"kubernetes.io/metadata.name": "kube-system"}))

    def found(cluster: Cluster) -> dict[str, list[tuple[str, Severity]]]:
        out: dict[str, list[tuple[str, Severity]]] = {}
        for f in lint(cluster, AnalysisOptions()).findings:
            out.setdefault(f.id, []).append((f.object, f.severity))
        return out

    both = rule(
        [to_dns_ns.model_copy(update={"pod_selector": to_dns.pod_selector})],
        [port(53, "UDP"), port(53, "TCP")],
    )
    assert "NV011" not in found(_egress(both)) and "NV012" not in found(_egress(both))
    udp_only = rule([to_dns_ns], [port(53, "UDP")])
    assert found(_egress(udp_only))["NV012"] == [("x/a", Severity.WARNING)]
    named = rule([to_dns_ns], [port("dns", "UDP"), port("dns-tcp", "TCP")])  # named ports of the DNS pod
    assert "NV011" not in found(_egress(named)) and "NV012" not in found(_egress(named))
    # UDP 53 open only to another kube-system pod: the DNS pods are known, so DNS is blocked.
    elsewhere = rule(
        [to_dns_ns.model_copy(update={"pod_selector": sel({"k8s-app": "metrics-server"})})],
        [port(53, "UDP")],
    )
    assert found(_egress(elsewhere))["NV011"] == [("x/a", Severity.ERROR)]
    # Any address on UDP 53 (a node-local cache, an upstream resolver) is still fine.
    anywhere = rule([ip_peer("0.0.0.0/0")], [port(53, "UDP"), port(53, "TCP")])
    assert "NV011" not in found(_egress(anywhere))


def test_without_pods_the_override_decides_which_rules_can_allow_dns() -> None:
    to_openshift = rule([ns_peer(sel({"kubernetes.io/metadata.name": "openshift-dns"}))], [port(5353, "UDP")])
    cluster = make_cluster([], [make_policy("x", "eg", sel(app="a"), egress=[to_openshift])])
    assert [f.object for f in by_id(lint(cluster, AnalysisOptions()), "NV011")] == ["x/eg"]
    assert not by_id(lint(cluster, AnalysisOptions(), dns="openshift-dns:5353"), "NV011")


# --- NV013: the "deny all, then allow all egress" idiom, grouped --------------------------------

SERVICES = [
    "adservice", "cartservice", "checkoutservice", "currencyservice", "emailservice", "frontend",
    "loadgenerator", "paymentservice", "productcatalogservice", "recommendationservice",
    "redis-cart", "shippingservice", "frontend-external",
]  # fmt: skip


def _upstream_boutique(tmp_path: Path, *, ingress_allow_all: int = 0) -> str:
    """Online Boutique's upstream network-policies: a deny-all for both directions, then per
    service one policy with its ingress rule and ``egress: [{}]``."""
    docs = [
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all, namespace: shop}\n"
        "spec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n"
    ]
    for i, name in enumerate(SERVICES):
        ingress = (
            "  - {}\n"
            if i < ingress_allow_all
            else "  - from: [{podSelector: {matchLabels: {app: frontend}}}]\n"
        )
        docs.append(
            f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: {name}, namespace: shop}}\n"
            f"spec:\n  podSelector: {{matchLabels: {{app: {name}}}}}\n  policyTypes: [Ingress, Egress]\n"
            f"  ingress:\n{ingress}  egress:\n  - {{}}\n"
        )
        docs.append(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}, namespace: shop}}\n"
            f"spec:\n  replicas: 1\n  selector: {{matchLabels: {{app: {name}}}}}\n"
            f"  template:\n    metadata: {{labels: {{app: {name}}}}}\n"
            f"    spec: {{containers: [{{name: c, image: x}}]}}\n"
        )
    return write(tmp_path, "boutique.yaml", "---\n".join(docs))


def test_allow_all_egress_next_to_deny_all_is_one_info_finding(tmp_path: Path) -> None:
    report = run([_upstream_boutique(tmp_path)])
    (finding,) = by_id(report, "NV013")  # one, not 13
    assert finding.severity is Severity.INFO
    assert finding.object == "shop/deny-all"
    assert finding.location.file.endswith("boutique.yaml") and finding.location.line == 3  # deny-all
    assert f"{len(SERVICES)} allow-all rules" in finding.message
    for name in SERVICES:
        assert f"shop/{name} egress[0]" in finding.message
    assert "pods: adservice[Deployment], cartservice[Deployment]" in finding.message
    assert "the documented 'deny all ingress, allow all egress' idiom" in finding.message
    assert report.count(Severity.WARNING) == 0 and report.count(Severity.ERROR) == 0


def test_allow_all_ingress_next_to_deny_all_stays_a_warning(tmp_path: Path) -> None:
    report = run([_upstream_boutique(tmp_path, ingress_allow_all=2)])
    found = {(f.object, f.severity) for f in by_id(report, "NV013")}
    assert found == {("shop/deny-all", Severity.WARNING), ("shop/deny-all", Severity.INFO)}
    (warning,) = [f for f in by_id(report, "NV013") if f.severity is Severity.WARNING]
    assert "2 allow-all rules" in warning.message and "allow all ingress" in warning.message
    assert "shop/adservice ingress[0], shop/cartservice ingress[0]" in warning.message
    assert "undoing the default deny of shop/deny-all" in warning.message


def test_allow_all_egress_next_to_an_egress_only_deny_is_a_warning() -> None:
    deny_egress = make_policy("x", "deny-egress", sel(), egress=[], policy_types=["Egress"])
    open_a = make_policy("x", "open-a", sel(app="a"), egress=[rule()], policy_types=["Egress"])
    b = make_pod("x", "b", {"app": "b"}, ["10.0.0.2"])
    report = lint(make_cluster([APP, b], [deny_egress, open_a]), AnalysisOptions())
    (finding,) = by_id(report, "NV013")
    assert (finding.object, finding.severity) == ("x/open-a egress[0]", Severity.WARNING)
    assert "(pods: a)" in finding.message and "undoing the default deny of x/deny-egress" in finding.message
    # A deny of ingress for some pods only is not the deny-all of the idiom.
    deny_b = make_policy("x", "deny-b", sel(app="b"), ingress=[])
    report = lint(make_cluster([APP, b], [deny_egress, open_a, deny_b]), AnalysisOptions())
    assert [f.severity for f in by_id(report, "NV013")] == [Severity.WARNING]
    deny_all = make_policy("x", "deny-all-in", sel(), ingress=[])
    report = lint(make_cluster([APP, b], [deny_egress, open_a, deny_all]), AnalysisOptions())
    assert [f.severity for f in by_id(report, "NV013")] == [Severity.INFO]


# --- replicas: 0 --------------------------------------------------------------------------------


def test_a_workload_scaled_to_zero_is_not_a_pod(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "app.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: app}\n---\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: idle, namespace: app}\n"
        "spec:\n  replicas: 0\n  selector: {matchLabels: {app: idle}}\n"
        "  template:\n    metadata: {labels: {app: idle}}\n    spec: {containers: [{name: c, image: x}]}\n---\n"
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: app}\n"
        "spec:\n  replicas: 1\n  selector: {matchLabels: {app: web}}\n"
        "  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: x}]}\n---\n"
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-egress, namespace: app}\n"
        "spec:\n  podSelector: {}\n  policyTypes: [Egress]\n",
    )
    report = run([path])
    assert [f.object for f in by_id(report, "NV011")] == ["app/web[Deployment]"]
    (ingress,) = by_id(report, "NV009")
    assert ingress.message.endswith(": web[Deployment]")
    assert not any("idle" in f.object or "idle" in f.message for f in report.findings)


# --- the baseline --------------------------------------------------------------------------------


def _json(report: LintReport, tmp_path: Path, name: str = "lint.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(lint_json(report)))
    return path


def test_findings_of_the_baseline_are_not_new(tmp_path: Path, seed_dir: str) -> None:
    first = run([seed_dir])
    assert not first.baselined and first.new_findings == first.findings
    data = lint_json(first)
    assert data["baseline"] is None
    assert all(f["new"] and len(f["fingerprint"]) == 16 for f in data["findings"])
    assert [f["fingerprint"] for f in data["findings"]] == [f.fingerprint for f in first.findings]

    baseline = read_lint_baseline(_json(first, tmp_path))
    again = run([seed_dir], baseline=baseline)
    assert again.baselined and again.new_findings == () and again.resolved == 0
    assert all(f.in_baseline for f in again.findings)
    assert again.count_new(Severity.ERROR) == 0 and again.count(Severity.ERROR) == 1  # NV011 is known

    # The same policies further down their file (other line numbers): still the same findings.
    moved = tmp_path / "moved"
    shutil.copytree(seed_dir, moved)
    manifest = moved / "networkpolicy.yaml"
    manifest.write_text("# moved down\n\n\n" + manifest.read_text())
    shifted = run([str(moved)], baseline=baseline)
    assert shifted.new_findings == ()
    assert next(f for f in shifted.findings if f.id == "NV011").location.line == 7

    # A changed policy: one more rule, an allow-all ingress one next to a new default deny.
    extra = moved / "deny.yaml"
    extra.write_text(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-in, namespace: other}\n"
        "spec:\n  podSelector: {}\n  policyTypes: [Ingress]\n---\n"
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: open, namespace: other}\n"
        "spec:\n  podSelector: {}\n  ingress: [{}]\n"
    )
    changed = run([str(moved)], baseline=baseline)
    new = {(f.id, f.object) for f in changed.new_findings}
    assert ("NV013", "other/open ingress[0]") in new
    assert changed.count_new(Severity.WARNING) >= 1 and changed.count_new(Severity.ERROR) == 0
    # the NV009 lines for namespace other's ingress are gone (the pods are isolated now)
    assert changed.resolved == 1
    data = lint_json(changed)
    assert data["baseline"]["resolved"] == 1 and data["baseline"]["new"] == len(changed.new_findings)
    assert {(f["id"], f["object"]) for f in data["findings"] if f["new"]} == new

    out = io.StringIO()
    render_lint(changed, Console(file=out, width=400, color_system=None))
    text = out.getvalue()
    assert "NV011 error default/db" in text and "(in baseline)" in text
    assert f"{len(new)} new" in text and "1 resolved" in text


def test_baseline_matching_counts_and_ignores_line_numbers(tmp_path: Path) -> None:
    assert finding_fingerprint("NV001", "x/p", "see a.yaml:3:4") == finding_fingerprint(
        "NV001", "x/p", "see a.yaml:10:1"
    )
    assert finding_fingerprint("NV001", "x/p", "m") != finding_fingerprint("NV001", "x/q", "m")
    assert finding_fingerprint("NV001", "x/p", "m") != finding_fingerprint("NV003", "x/p", "m")
    # An older report without fingerprints is read too; each entry accounts for one finding.
    old = {
        "schema": "netverify.lint/v1",
        "findings": [
            {
                "id": "NV011",
                "severity": "error",
                "object": "default/db",
                "message": "m",
                "file": "f",
                "line": 3,
            }
        ],
    }
    path = tmp_path / "old.json"
    path.write_text(json.dumps(old))
    (entry,) = read_lint_baseline(path)
    assert entry.fingerprint == finding_fingerprint("NV011", "default/db", "m") and entry.location.line == 3

    from verifier.query.lint import apply_baseline

    twice = [entry.model_copy(), entry.model_copy()]
    marked, resolved = apply_baseline(twice, [entry])
    assert [f.in_baseline for f in marked] == [True, False] and resolved == 0


@pytest.mark.parametrize(
    "text",
    ["not json", "[]", '{"schema": "netverify.diff/v1", "findings": []}', '{"findings": [{"id": "NV001"}]}'],
)
def test_a_bad_baseline_is_an_input_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_lint_baseline(path)
    assert "lint baseline" in str(err.value)
    with pytest.raises(InputError):
        read_lint_baseline(tmp_path / "missing.json")
