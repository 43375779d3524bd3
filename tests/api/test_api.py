"""verifier.api: the documented Python surface.

Loading from every kind of source gives the cluster the CLI's loader gives; properties built
in Python equal the spec file's (peers and ports in every accepted form); every question
returns the frozen result the CLI renders, with the CLI's answers on the seed; bad input
raises the located exceptions; nothing prints.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import yaml

from tests.paths import SEED, SEED_SPEC, SEED_V2
from verifier import api
from verifier.errors import InputError, UsageError
from verifier.load import load_cluster
from verifier.model import (
    IPBlock,
    LabelSelector,
    PolicyPort,
    Protocol,
    Universe,
    parse_network,
    parse_selector,
)
from verifier.results import Connectivity, MatrixResult, RegionStatus, Severity, Verdict
from verifier.spec import Expect, Property, SpecPeer, load_specs

VIOLATED = ["db-only-from-myproject", "db-only-from-myproject-any"]


@pytest.fixture(scope="module")
def seed() -> api.Cluster:
    return api.load(str(SEED))


def _line() -> int:
    """The line of the caller (where a property built on the same line is located)."""
    frame = inspect.currentframe()
    assert frame is not None and frame.f_back is not None
    return frame.f_back.f_lineno


def _objects(folder: Path) -> list[dict[str, object]]:
    return [
        doc for path in sorted(folder.glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text()) if doc
    ]


# --- loading ---------------------------------------------------------------------------------


def test_load_a_directory_equals_the_cli_loader(seed: api.Cluster) -> None:
    assert seed == load_cluster([str(SEED)]).cluster


def test_load_paths_in_every_form_give_the_same_cluster(seed: api.Cluster) -> None:
    files = sorted(SEED.glob("*.yaml"))
    assert api.load(SEED) == seed  # a PathLike
    assert api.load([str(f) for f in files]) == seed
    assert api.load(files) == seed


def test_load_text_and_objects_give_the_same_inventory_and_policies(seed: api.Cluster) -> None:
    text = "\n---\n".join(f.read_text() for f in sorted(SEED.glob("*.yaml")))
    objects = _objects(SEED)
    for cluster in (api.load_text(text), api.load(text), api.load_objects(objects), api.load(objects)):
        assert {p.key: p.labels for p in cluster.pods} == {p.key: p.labels for p in seed.pods}
        assert {n.name: n.labels for n in cluster.namespaces.values()} == {
            n.name: n.labels for n in seed.namespaces.values()
        }
        assert [p.key for p in cluster.policies] == [p.key for p in seed.policies]
        report = api.check(cluster, api.load_specs(SEED_SPEC))
        assert [r.name for r in report.results if r.verdict is Verdict.VIOLATED] == VIOLATED


def test_load_one_object() -> None:
    cluster = api.load({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    assert "shop" in cluster.namespaces


def test_load_refuses_a_mix_of_paths_and_objects() -> None:
    with pytest.raises(TypeError, match="not a mix"):
        api.load([str(SEED), {"kind": "Namespace"}])  # type: ignore[list-item]


def test_load_with_notices_returns_the_warnings() -> None:
    pod = (
        "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec: {containers: [{name: c}]}\n"
    )
    loaded = api.load_with_notices(pod)
    assert [p.key for p in loaded.cluster.pods] == ["shop/web"]
    assert any("shop" in str(n) for n in loaded.notices)


BAD_POLICY = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: x, namespace: default}
spec:
  podSelector: {matchLabels: {a: 1}}
"""


def test_bad_files_raise_input_error_with_every_located_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_POLICY)
    with pytest.raises(InputError) as exc:
        api.load([bad, tmp_path / "missing.yaml"])
    lines = sorted(str(p) for p in exc.value.problems)
    assert len(lines) == 2
    assert lines[0].startswith(f"{bad}:5:") and "label value must be a string" in lines[0]
    assert lines[1] == f"{tmp_path / 'missing.yaml'}: no such file or directory"


def test_bad_text_is_located_in_the_text() -> None:
    with pytest.raises(InputError) as exc:
        api.load_text(BAD_POLICY)
    assert str(exc.value.problems[0]).startswith("<stdin>:5:")


def test_bad_objects_are_located_by_their_index() -> None:
    good = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}
    with pytest.raises(InputError) as exc:
        api.load_objects([good, yaml.safe_load(BAD_POLICY)])
    (problem,) = exc.value.problems
    assert str(problem) == (
        "<objects>[1]: NetworkPolicy default/x: spec.podSelector.matchLabels.a: "
        "label value must be a string (quote it), got 1"
    )


def test_unserialisable_objects_are_an_input_error() -> None:
    with pytest.raises(InputError, match="cannot read the objects"):
        api.load_objects([{"apiVersion": "v1", "kind": "Namespace", 1.5j: "x"}])  # type: ignore[dict-item]


def test_a_modelled_kind_in_ignore_kinds_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        api.load(str(SEED), ignore_kinds=["Pod"])


def test_load_specs_accepts_a_path_or_several() -> None:
    expected = load_specs([str(SEED_SPEC)])
    assert api.load_specs(str(SEED_SPEC)) == expected
    assert api.load_specs(SEED_SPEC) == expected
    assert api.load_specs([SEED_SPEC]) == expected


def test_load_specs_raises_located_problems(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("properties:\n  - name: p\n    expect: forbid\n")
    with pytest.raises(InputError) as exc:
        api.load_specs(spec)
    assert [str(p) for p in exc.value.problems] == [
        f'{spec}:2:5: property p: expect: invalid value "forbid" (expected deny or allow or reachable)'
    ]


# --- building properties ---------------------------------------------------------------------


def _labels(**labels: str) -> LabelSelector:
    return LabelSelector(match_labels=tuple(labels.items()))


def test_key_value_selectors_read_as_match_labels() -> None:
    """``role=db`` and ``role in (db)`` are written as matchLabels, as in a spec file."""
    assert _peer("role=db,tier in (web),app in (a,b)") == SpecPeer(
        pod_selector=LabelSelector(
            match_labels=(("role", "db"), ("tier", "web")),
            match_expressions=parse_selector("app in (a,b)").match_expressions,
        )
    )


def _peer(text: str) -> SpecPeer:
    prop = api.deny(text)
    assert prop.sources is not None
    (peer,) = prop.sources
    return peer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("role=db", SpecPeer(pod_selector=_labels(role="db"))),
        ("app in (a,b),!canary", SpecPeer(pod_selector=parse_selector("app in (a,b),!canary"))),
        ("", SpecPeer(pod_selector=LabelSelector())),
        ("ns:default", SpecPeer(namespace="default")),
        ("ns:default/role=db", SpecPeer(namespace="default", pod_selector=_labels(role="db"))),
        (
            "ns:shop/app.kubernetes.io/name=web",
            SpecPeer(namespace="shop", pod_selector=_labels(**{"app.kubernetes.io/name": "web"})),
        ),
        ("pod:other/sink", SpecPeer(pod="other/sink")),
        ("pod:shop/web[Deployment]", SpecPeer(pod="shop/web[Deployment]")),
        ("10.0.0.0/24", SpecPeer(ip_block=IPBlock(cidr=parse_network("10.0.0.0/24")))),
        ("10.0.0.7", SpecPeer(ip_block=IPBlock(cidr=parse_network("10.0.0.7/32")))),
        ("::/0", SpecPeer(ip_block=IPBlock(cidr=parse_network("::/0")))),
    ],
)
def test_peer_strings(text: str, expected: SpecPeer) -> None:
    assert _peer(text) == expected


def test_peer_mappings_are_spec_peers_and_may_use_selector_strings() -> None:
    by_dict = api.deny(
        {"namespace": "default", "podSelector": {"matchLabels": {"role": "db"}}},
        {"namespaceSelector": "project notin (myproject)", "podSelector": "role"},
    )
    assert by_dict.sources == (SpecPeer(namespace="default", pod_selector=_labels(role="db")),)
    assert by_dict.destinations == (
        SpecPeer(
            namespace_selector=parse_selector("project notin (myproject)"),
            pod_selector=parse_selector("role"),
        ),
    )
    block = api.deny(None, {"ipBlock": {"cidr": "0.0.0.0/0", "except": ["172.17.0.0/16"]}})
    assert block.destinations is not None
    assert str(block.destinations[0]) == "ipBlock 0.0.0.0/0 except 172.17.0.0/16"
    assert api.deny(None, {"ipBlock": "10.0.0.0/8"}).destinations == (_peer("10.0.0.0/8"),)


def test_spec_peers_pass_through_and_lists_are_ored() -> None:
    peers = (_peer("ns:default/role=db"), _peer("0.0.0.0/0"), SpecPeer(namespace_selector=_labels(a="b")))
    prop = api.allow(list(peers), peers[0])
    assert prop.sources == peers
    assert prop.destinations == (peers[0],)


@pytest.mark.parametrize(
    ("port", "expected"),
    [
        (6379, PolicyPort(port=6379)),
        ("6379/TCP", PolicyPort(port=6379)),
        ("53/udp", PolicyPort(port=53, protocol=Protocol.UDP)),
        ("8000-8080", PolicyPort(port=8000, end_port=8080)),
        ("http", PolicyPort(port="http")),
        ("any/SCTP", PolicyPort(protocol=Protocol.SCTP)),
        (
            {"port": 1, "endPort": 1024, "protocol": "UDP"},
            PolicyPort(port=1, end_port=1024, protocol=Protocol.UDP),
        ),
        ({"protocol": "UDP"}, PolicyPort(protocol=Protocol.UDP)),
        (PolicyPort(port="dns", protocol=Protocol.UDP), PolicyPort(port="dns", protocol=Protocol.UDP)),
    ],
)
def test_ports(port: api.PortLike, expected: PolicyPort) -> None:
    assert api.deny(port=port).ports == (expected,)


def test_several_ports_and_everything() -> None:
    prop = api.deny(port=[6379, "53/UDP"])
    assert prop.ports == (PolicyPort(port=6379), PolicyPort(port=53, protocol=Protocol.UDP))
    everything = api.reachable()
    assert (everything.sources, everything.destinations, everything.ports) == (None, None, None)


def test_the_python_property_equals_the_spec_files() -> None:
    from_spec = {p.name: p for p in api.load_specs(SEED_SPEC)}["db-only-from-myproject-any"]
    built = api.deny(
        {"namespaceSelector": "project notin (myproject)"},
        "ns:default/role=db",
        "6379/TCP",
        universe="any",
        name="db-only-from-myproject-any",
    )
    assert built.model_copy(
        update={"location": from_spec.location, "description": from_spec.description}
    ) == (from_spec)


def test_name_description_universe_and_location() -> None:
    line = _line() + 1
    prop = api.deny("role=frontend", "ns:default/role=db", 6379, description="  db  closed ", universe="any")
    assert (
        prop.name == "deny podSelector role=frontend -> namespace default AND podSelector role=db on 6379/TCP"
    )
    assert prop.description == "db closed"
    assert prop.universe is Universe.ANY
    assert prop.expect is Expect.DENY
    assert (prop.location.file, prop.location.line) == ("tests/api/test_api.py", line)
    assert api.allow(name="mine").name == "mine"
    assert api.reachable().name == "reachable any -> any"


def test_a_bad_mapping_is_an_input_error_located_at_the_calling_line() -> None:
    line = _line() + 2
    with pytest.raises(InputError) as exc:
        api.deny(
            {"podSelector": {"matchExpressions": [{"key": "a", "operator": "Notin", "values": ["x"]}]}},
            {"namespace": "Not_A_Name", "colour": "red"},
            {"port": 0},
        )
    lines = [str(p) for p in exc.value.problems]
    assert len(lines) == 4
    assert all(text.startswith(f"tests/api/test_api.py:{line}:1: property deny(...): ") for text in lines)
    assert 'from[0].podSelector.matchExpressions[0].operator: unknown operator "Notin"' in lines[0]
    assert any('to[0].namespace: invalid namespace name "Not_A_Name"' in text for text in lines)
    assert any("colour" in text for text in lines)
    assert any(text.split(": ", 3)[2].startswith("ports[0].port") for text in lines)


def test_a_named_property_names_itself_in_problems() -> None:
    with pytest.raises(InputError, match=r"property db: from\[0\]: "):
        api.deny([{}], name="db")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: api.deny("a=b=c"), "label selector"),
        (lambda: api.deny("ns:default/a in b"), "label selector"),
        (lambda: api.deny({"podSelector": "a!"}), "label selector"),
        (lambda: api.deny(port="70000"), "out of range"),
        (lambda: api.deny(port="53/ICMP"), "unknown protocol"),
        (lambda: api.deny(universe="everything"), "expected inventory or any"),  # type: ignore[arg-type]
        (lambda: api.options(pod_cidrs=["10.0.0.0/33"]), "not a CIDR"),
    ],
)
def test_bad_strings_are_usage_errors(call: object, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        call()  # type: ignore[operator]


def test_a_non_peer_is_refused_by_the_validator() -> None:
    with pytest.raises(InputError, match="from"):
        api.deny([42])  # type: ignore[list-item]
    with pytest.raises(InputError, match="ports"):
        api.deny(port=[True])


# --- questions -------------------------------------------------------------------------------


def test_check_gives_the_seed_verdicts(seed: api.Cluster) -> None:
    report = api.check(seed, api.load_specs(SEED_SPEC), warnings=["w"])
    assert isinstance(report, api.CheckReport)
    assert (report.count(Verdict.HOLDS), report.count(Verdict.VIOLATED)) == (10, 2)
    assert [r.name for r in report.results if r.verdict is Verdict.VIOLATED] == VIOLATED
    assert report.warnings == ("w",)


def test_check_calls_progress_and_takes_one_property(seed: api.Cluster) -> None:
    seen: list[str] = []
    prop = api.deny("ns:other", "ns:default/role=db", 6379)
    report = api.check(seed, prop, progress=lambda r: seen.append(r.name))
    assert seen == [prop.name]
    assert report.results[0].verdict is Verdict.HOLDS


def test_prove_gives_the_counterexample_and_the_rules(seed: api.Cluster) -> None:
    result = api.prove(seed, api.deny("role=frontend", "ns:default/role=db", 6379))
    assert result.verdict is Verdict.VIOLATED
    assert result.flow is not None
    assert (str(result.flow.source), str(result.flow.destination)) == (
        "default/frontend (172.17.1.20)",
        "default/db (172.17.1.10)",
    )
    assert [str(r) for r in result.rules] == ["default/test-network-policy ingress[0]"]
    assert str(result.rules[0].location).endswith("examples/seed/networkpolicy.yaml:14:5")


def test_reachable_gives_the_witness(seed: api.Cluster) -> None:
    result = api.prove(seed, api.reachable("pod:default/db", "10.0.0.0/24", 5978))
    assert result.verdict is Verdict.HOLDS
    assert result.flow is not None and str(result.flow.destination) == "10.0.0.1"


def test_the_universe_argument_is_the_default_of_properties_without_one(seed: api.Cluster) -> None:
    prop = api.deny("ns:other", "ns:default/role=db")  # holds for the pods of `other` only
    assert api.prove(seed, prop).verdict is Verdict.HOLDS
    anywhere = api.prove(seed, prop, universe="any")
    assert (anywhere.universe, anywhere.verdict) == (Universe.ANY, Verdict.VIOLATED)
    settings = api.options(universe="any")
    assert api.prove(seed, prop, options=settings).verdict is Verdict.VIOLATED
    assert api.prove(seed, prop, options=settings, universe="inventory").verdict is Verdict.HOLDS
    own = api.deny("ns:other", "ns:default/role=db", universe="inventory")
    assert api.prove(seed, own, universe="any").verdict is Verdict.HOLDS


def test_a_solver_budget_makes_unknown(seed: api.Cluster) -> None:
    result = api.prove(seed, api.deny("ns:other", "ns:default/role=db"), options=api.options(rlimit=1))
    assert result.verdict is Verdict.UNKNOWN
    assert "resource limit" in result.reason


def test_options_are_the_cli_settings() -> None:
    settings = api.options(
        universe="any", pod_cidrs=["10.244.0.0/16"], ipblock_pods=False, timeout=5, rlimit=9
    )
    assert settings == api.AnalysisOptions(
        universe=Universe.ANY,
        pod_cidrs=(parse_network("10.244.0.0/16"),),
        ipblock_pods=False,
        timeout_s=5,
        rlimit=9,
    )


def test_matrix_on_one_port(seed: api.Cluster) -> None:
    result = api.matrix(seed, 6379)
    assert isinstance(result, MatrixResult)
    n = len(result.endpoints)
    assert (n, sum(result.allowed(i, j) for i in range(n) for j in range(n))) == (6, 29)
    assert api.matrix(seed, "6379/TCP") == result
    assert api.matrix(seed, 6379, protocol="tcp") == result
    udp = api.matrix(seed, "6379/UDP")
    assert udp.protocol is Protocol.UDP
    assert api.matrix(seed, "6379", protocol="UDP") == udp
    sub = api.matrix(seed, 6379, namespaces="default", pods="role in (db,frontend)")
    assert sub.endpoints == ("default/db", "default/frontend")


@pytest.mark.parametrize(
    ("port", "protocol", "message"),
    [
        ("6379-6380", None, "one port number"),
        ("6379/UDP", "TCP", "names its protocol"),
        (0, None, "out of range"),
        (80, "ICMP", "expected TCP, UDP or SCTP"),
    ],
)
def test_matrix_bad_ports(seed: api.Cluster, port: int | str, protocol: str | None, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        api.matrix(seed, port, protocol=protocol)


def test_matrix_unknown_namespace(seed: api.Cluster) -> None:
    with pytest.raises(UsageError, match="no such namespace"):
        api.matrix(seed, 80, namespaces=["nope"])


def test_connectivity(seed: api.Cluster) -> None:
    full = api.connectivity(seed)
    assert isinstance(full, Connectivity)
    assert len(full.endpoints) == 6 and full.external
    mine = api.connectivity(seed, port="6379/TCP", namespaces=["default"], external=False)
    assert len(mine.endpoints) == 3 and not mine.external
    with pytest.raises(UsageError, match="protocol needs port"):
        api.connectivity(seed, protocol="UDP")


def test_explain(seed: api.Cluster) -> None:
    denied = api.explain(seed, "other/sink", "default/db", "6379/TCP")
    assert not denied.allowed and denied.blockers
    allowed = api.explain(seed, "default/frontend", "default/db", 6379)
    assert allowed.allowed and allowed.flow.port == 6379
    hypothetical = api.explain(seed, "ns:other,labels:role=frontend", "172.17.1.10", 6379)
    assert not hypothetical.allowed
    with pytest.raises(UsageError, match="no such pod"):
        api.explain(seed, "default/nope", "default/db", 6379)


def test_diff(seed: api.Cluster) -> None:
    result = api.diff(seed, api.load(SEED_V2), added_rules=True)
    assert len(result.added.regions) == 3 and not result.removed.regions
    assert result.added_rules is not None and len(result.added_rules) == 3
    assert api.diff(seed, seed).added.status is RegionStatus.COMPLETE
    with pytest.raises(UsageError, match="method"):
        api.diff(seed, seed, method="guess")  # type: ignore[arg-type]


def test_lint_and_its_baseline(seed: api.Cluster, tmp_path: Path) -> None:
    report = api.lint(seed)
    severities = [f.severity for f in report.findings]
    assert (
        severities.count(Severity.ERROR),
        severities.count(Severity.WARNING),
        severities.count(Severity.INFO),
    ) == (
        1,
        0,
        7,
    )
    again = api.lint(seed, baseline=report.findings)
    assert again.baselined and not again.new_findings
    from verifier.report.lint import write_lint_json

    path = tmp_path / "lint.json"
    with path.open("w") as out:
        write_lint_json(report, out)
    assert not api.lint(seed, baseline=path).new_findings
    assert not api.lint(seed, baseline=str(path)).new_findings


def test_exposure(seed: api.Cluster) -> None:
    result = api.exposure(seed, to_ns="kubernetes.io/metadata.name=default", to_pod="role=db")
    assert isinstance(result, api.ExposureResult)
    assert (len(result.regions.regions), result.regions.status) == (3, RegionStatus.COMPLETE)
    with pytest.raises(UsageError):
        api.exposure(seed, to_pod="a=b=c")


def test_nothing_prints(seed: api.Cluster, capsys: pytest.CaptureFixture[str]) -> None:
    api.check(seed, api.load_specs(SEED_SPEC))
    api.matrix(seed, 6379)
    api.explain(seed, "other/sink", "default/db", 6379)
    api.lint(seed)
    assert capsys.readouterr() == ("", "")


def test_the_surface_is_what_all_lists() -> None:
    functions = {
        name for name, value in vars(api).items() if inspect.isfunction(value) and not name.startswith("_")
    }
    functions = {name for name in functions if getattr(api, name).__module__ == "verifier.api"}
    assert functions <= set(api.__all__)
    assert all(hasattr(api, name) for name in api.__all__)
    assert isinstance(api.deny(), Property)
