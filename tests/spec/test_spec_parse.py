"""Spec files, port arguments and command-line properties → `Property`."""

from __future__ import annotations

import ipaddress
import textwrap
from pathlib import Path

import pytest

from verifier.errors import InputError, UsageError
from verifier.model import EVERYTHING, IPBlock, LabelSelector, Operator, PolicyPort, Protocol, Universe
from verifier.spec import Expect, SpecPeer, load_specs, parse_port, property_from_cli

SPEC = """\
properties:
  - name: db-only-from-myproject
    description: >
      No pod outside project=myproject namespaces
      reaches the db on 6379
    expect: deny
    universe: any
    from:
      - namespaceSelector: {matchExpressions: [{key: project, operator: NotIn, values: [myproject]}]}
      - ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}
    to:
      - namespace: default
        podSelector: {matchLabels: {role: db}}
    ports: [{port: 6379, protocol: TCP}, {port: 8000, endPort: 8080}, {port: metrics, protocol: UDP}]
  - name: web-reachable
    expect: reachable
    to:
      - pod: shop/web-0
"""


def write(tmp_path: Path, text: str, name: str = "spec.yaml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def spec_problems(tmp_path: Path, *texts: str) -> list[str]:
    paths = [write(tmp_path, t, f"s{i}.yaml") for i, t in enumerate(texts)]
    with pytest.raises(InputError) as caught:
        load_specs(paths)
    return [str(p) for p in caught.value.problems]


def test_a_full_spec_file(tmp_path: Path) -> None:
    path = write(tmp_path, SPEC)
    first, second = load_specs([path])
    assert first.name == "db-only-from-myproject"
    assert first.description == "No pod outside project=myproject namespaces reaches the db on 6379"
    assert first.expect is Expect.DENY and first.universe is Universe.ANY
    assert first.sources is not None and len(first.sources) == 2
    ns_peer, ext_peer = first.sources
    assert ns_peer.namespace_selector is not None and ns_peer.pod_selector is None
    (req,) = ns_peer.namespace_selector.match_expressions
    assert (req.key, req.operator, req.values) == ("project", Operator.NOT_IN, ("myproject",))
    assert ext_peer.is_external and ext_peer.ip_block is not None
    assert ext_peer.ip_block.except_ == (ipaddress.ip_network("10.0.0.0/8"),)
    assert first.destinations == (
        SpecPeer(namespace="default", pod_selector=LabelSelector(match_labels=(("role", "db"),))),
    )
    assert first.ports == (
        PolicyPort(protocol=Protocol.TCP, port=6379),
        PolicyPort(protocol=Protocol.TCP, port=8000, end_port=8080),
        PolicyPort(protocol=Protocol.UDP, port="metrics"),
    )
    assert str(first.location) == f"{path}:2:5"
    assert second.expect is Expect.REACHABLE and second.universe is None
    assert second.sources is None and second.ports is None
    assert second.destinations == (SpecPeer(pod="shop/web-0"),)
    assert str(second.location) == f"{path}:15:5"


def test_properties_from_several_files_and_documents_keep_order(tmp_path: Path) -> None:
    a = write(
        tmp_path,
        "properties: [{name: a, expect: deny}]\n---\nproperties: [{name: b, expect: allow}]\n",
        "a.yaml",
    )
    b = write(tmp_path, "properties: [{name: c, expect: reachable}]\n", "b.yaml")
    assert [p.name for p in load_specs([a, b])] == ["a", "b", "c"]


def test_the_shipped_seed_spec_loads(seed_spec: str) -> None:
    props = load_specs([seed_spec])
    assert len(props) == 12 and len({p.name for p in props}) == len(props)


@pytest.mark.parametrize(
    ("prop", "fragments"),
    [
        ("{expect: deny}", ["property properties[0]: name: required field is missing"]),
        ("{name: x}", ["property x: expect: required field is missing"]),
        (
            "{name: x, expect: forbid}",
            ['property x: expect: invalid value "forbid"', "deny or allow or reachable"],
        ),
        ("{name: x, expect: deny, universe: all}", ['universe: invalid value "all"']),
        ("{name: x, expect: deny, form: []}", ['property x: form: unknown field "form"', "'from'"]),
        ("{name: x, expect: deny, from: [{}]}", ["from[0]: empty peer {}"]),
        ("{name: x, expect: deny, from: []}", ["from: empty list"]),
        ("{name: x, expect: deny, ports: []}", ["ports: empty list"]),
        (
            "{name: x, expect: deny, to: [{namespace: default, ipBlock: {cidr: 10.0.0.0/8}}]}",
            ["to[0]: ipBlock cannot be combined with namespace"],
        ),
        (
            "{name: x, expect: deny, to: [{pod: justaname}]}",
            ['to[0].pod: must be namespace/name, got "justaname"'],
        ),
        (
            "{name: x, expect: deny, to: [{namespace: Not_A_Name}]}",
            ['to[0].namespace: invalid namespace name "Not_A_Name"'],
        ),
        (
            "{name: x, expect: deny, to: [{podselector: {}}]}",
            ["to[0].podselector: unknown field", "'podSelector'"],
        ),
        (
            "{name: x, expect: deny, to: [{ipBlock: {cidr: 10.0.0.0/40}}]}",
            ['to[0].ipBlock.cidr: invalid CIDR "10.0.0.0/40"'],
        ),
        ("{name: x, expect: deny, ports: [{port: 70000}]}", ["ports[0].port: port 70000 out of range"]),
        (
            "{name: x, expect: deny, ports: [{port: 80, endPort: 79}]}",
            ["ports[0].endPort: endPort 79 must be >= port 80"],
        ),
        (
            "{name: x, expect: deny, ports: [{port: 80, protocol: ICMP}]}",
            ['ports[0].protocol: unsupported protocol "ICMP"'],
        ),
        (
            "{name: x, expect: deny, from: [{podSelector: {matchExpressions: [{key: a, operator: In}]}}]}",
            ["from[0].podSelector.matchExpressions[0].values: must be non-empty when operator is In"],
        ),
        ("{name: 7, expect: deny}", ["name: must be a string, got 7"]),
    ],
)
def test_invalid_properties(tmp_path: Path, prop: str, fragments: list[str]) -> None:
    (line,) = spec_problems(tmp_path, f"properties:\n  - {prop}\n")
    assert line.startswith(str(tmp_path / "s0.yaml") + ":2:"), line  # at the innermost mapping
    for fragment in fragments:
        assert fragment in line, (fragment, line)


def test_all_problems_of_all_files_and_duplicate_names(tmp_path: Path) -> None:
    lines = spec_problems(
        tmp_path,
        "properties:\n  - {name: a, expect: deny}\n  - {name: b, expect: never}\n",
        "properties:\n  - {name: a, expect: allow, to: [{}]}\n",
        "propertes: []\n",
        "",
    )
    file0, file1, file2 = (str(tmp_path / f"s{i}.yaml") for i in range(3))
    assert len(lines) == 5, lines
    assert lines[0].startswith(f"{file0}:3:5: property b: expect:")
    assert lines[1].startswith(f"{file1}:2:5: property a: name: duplicate property name")
    assert lines[1].endswith(f"also defined at {file0}:2:5")
    assert lines[2].startswith(f"{file1}:2:35: property a: to[0]: empty peer")
    assert lines[3].startswith(f"{file2}:1:1: propertes: unknown field") and "'properties'" in lines[3]
    assert lines[4].startswith(f"{file2}:1:1: properties: no properties in this file")


def test_no_properties_at_all_is_an_error(tmp_path: Path) -> None:
    (line,) = spec_problems(tmp_path, "# nothing here\n")
    assert "no properties" in line


def test_malformed_spec_yaml(tmp_path: Path) -> None:
    (line,) = spec_problems(tmp_path, "properties:\n  - name: [x\n")
    assert line.startswith(str(tmp_path / "s0.yaml") + ":3:1: invalid YAML")


@pytest.mark.parametrize(
    ("text", "port"),
    [
        ("6379/TCP", PolicyPort(protocol=Protocol.TCP, port=6379)),
        ("6379", PolicyPort(protocol=Protocol.TCP, port=6379)),
        ("53/udp", PolicyPort(protocol=Protocol.UDP, port=53)),
        ("80-90/UDP", PolicyPort(protocol=Protocol.UDP, port=80, end_port=90)),
        ("80-80", PolicyPort(protocol=Protocol.TCP, port=80, end_port=80)),
        ("http/TCP", PolicyPort(protocol=Protocol.TCP, port="http")),
        ("metrics", PolicyPort(protocol=Protocol.TCP, port="metrics")),
        ("any/UDP", PolicyPort(protocol=Protocol.UDP)),
        ("any/SCTP", PolicyPort(protocol=Protocol.SCTP)),
        (" 443/TCP ", PolicyPort(protocol=Protocol.TCP, port=443)),
    ],
)
def test_parse_port(text: str, port: PolicyPort) -> None:
    assert parse_port(text) == port


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("0/TCP", "out of range"),
        ("65536", "out of range"),
        ("90-80/TCP", "below its start"),
        ("80-70000", "out of 1-65535"),
        ("80/ICMP", "unknown protocol 'ICMP'"),
        ("/TCP", "missing port"),
        ("Http/TCP", "invalid port name 'Http'"),
        ("a--b", "invalid port name"),
        ("8o8o8o8o8o8o8o8o", "15 characters"),
        ("80/TCP/UDP", "unknown protocol"),
    ],
)
def test_parse_port_rejects(text: str, fragment: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_port(text)
    assert fragment in str(caught.value) and repr(text) in str(caught.value)


def test_property_from_cli_pod_and_cidr_peers() -> None:
    prop = property_from_cli(
        Expect.DENY,
        from_ns="project!=myproject",
        from_pod=None,
        from_cidr=["0.0.0.0/0", "::/0"],
        to_ns="kubernetes.io/metadata.name=default",
        to_pod="role=db",
        to_cidr=[],
        ports=["6379/TCP", "53/UDP"],
        universe=Universe.ANY,
    )
    assert prop.expect is Expect.DENY and prop.universe is Universe.ANY
    assert prop.sources is not None
    pods, v4, v6 = prop.sources
    assert pods.pod_selector is None and pods.namespace_selector is not None
    assert pods.namespace_selector.matches({"project": "other"})
    assert not pods.namespace_selector.matches({"project": "myproject"})
    assert v4 == SpecPeer(ip_block=IPBlock(cidr=ipaddress.ip_network("0.0.0.0/0")))
    assert v6.ip_block is not None and v6.ip_block.cidr == ipaddress.ip_network("::/0")
    assert prop.destinations is not None
    (dest,) = prop.destinations
    assert dest.namespace_selector is not None and dest.pod_selector is not None
    assert dest.namespace_selector.matches({"kubernetes.io/metadata.name": "default"})
    assert dest.pod_selector.matches({"role": "db"}) and not dest.pod_selector.matches({"role": "web"})
    assert prop.ports == (PolicyPort(port=6379), PolicyPort(protocol=Protocol.UDP, port=53))
    assert prop.name.startswith("deny-from-") and "-to-" in prop.name
    assert "6379/TCP" in prop.name and "0.0.0.0/0" in prop.name
    assert str(prop.location) == "<command line>"


def test_property_from_cli_defaults_and_explicit_name() -> None:
    prop = property_from_cli(
        Expect.REACHABLE,
        from_ns=None,
        from_pod="app=web",
        from_cidr=(),
        to_ns=None,
        to_pod=None,
        to_cidr=(),
        ports=(),
        universe=None,
        name="web-talks",
    )
    assert prop.name == "web-talks"
    assert prop.destinations is None and prop.ports is None and prop.universe is None
    assert prop.sources is not None
    (src,) = prop.sources
    assert src.namespace_selector is None and src.pod_selector is not None  # any namespace
    everything = property_from_cli(
        Expect.ALLOW,
        from_ns="",
        from_pod=None,
        from_cidr=(),
        to_ns=None,
        to_pod=None,
        to_cidr=(),
        ports=(),
        universe=None,
    )
    assert everything.sources == (SpecPeer(namespace_selector=EVERYTHING),)
    assert everything.name == "allow-from-ns[{}]-to-any"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"from_ns": "a in (", "from_pod": None}, "--from-ns"),
        ({"to_pod": "=x"}, "--to-pod"),
        ({"from_cidr": ["10.0.0.1/8"]}, "host bits set (did you mean 10.0.0.0/8?)"),
        ({"to_cidr": ["nonsense"]}, "--to-cidr 'nonsense': invalid CIDR"),
        ({"ports": ["http/XYZ"]}, "unknown protocol"),
    ],
)
def test_property_from_cli_rejects(kwargs: dict[str, object], fragment: str) -> None:
    args: dict[str, object] = {
        "from_ns": None,
        "from_pod": None,
        "from_cidr": (),
        "to_ns": None,
        "to_pod": None,
        "to_cidr": (),
        "ports": (),
        "universe": None,
    }
    args.update(kwargs)
    with pytest.raises(UsageError) as caught:
        property_from_cli(Expect.DENY, **args)  # type: ignore[arg-type]
    assert fragment in str(caught.value)
