"""The loader on bad input: every problem reported, each one line with file, object, field, value."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path

import pytest

from verifier.errors import InputError
from verifier.load import load_cluster


def problems(tmp_path: Path, text: str, name: str = "bad.yaml") -> list[str]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    with pytest.raises(InputError) as caught:
        load_cluster([str(path)])
    lines = [str(p) for p in caught.value.problems]
    assert str(caught.value) == "\n".join(lines)
    for line in lines:
        assert "\n" not in line and line.startswith(str(path)), line
    return lines


def policy(spec: str) -> str:
    body = textwrap.indent(textwrap.dedent(spec), "  ")
    head = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: ns}\n"
    return f"{head}spec:\n{body}"


OBJ = "NetworkPolicy ns/np: "

# (spec body, expected field path, expected fragments of the message incl. the offending value)
POLICY_CASES = [
    (
        "podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]",
        "spec.ingress[0].from[0].ipBlock.cidr",
        ['invalid CIDR "10.0.0.0/33"'],
    ),
    (
        "podSelector: {}\ningress: [{from: [{ipBlock: {cidr: banana/8}}]}]",
        "spec.ingress[0].from[0].ipBlock.cidr",
        ['invalid CIDR "banana/8"'],
    ),
    (
        "podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.1}}]}]",
        "spec.ingress[0].from[0].ipBlock.cidr",
        ['"10.0.0.1"', "prefix length"],
    ),
    (
        "podSelector: {}\negress: [{to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.1.0.0/24]}}]}]",
        "spec.egress[0].to[0].ipBlock.except[0]",
        ['"10.1.0.0/24"', "strictly inside", "10.0.0.0/16"],
    ),
    (
        "podSelector: {}\negress: [{to: [{ipBlock: {cidr: 10.0.0.0/16, except: [10.0.0.0/16]}}]}]",
        "spec.egress[0].to[0].ipBlock.except[0]",
        ['"10.0.0.0/16"', "strictly inside"],
    ),
    (
        "podSelector: {}\negress: [{to: [{ipBlock: {cidr: 10.0.0.0/16, except: ['fd00::/64']}}]}]",
        "spec.egress[0].to[0].ipBlock.except[0]",
        ['"fd00::/64"', "family"],
    ),
    (
        "podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0/8}, podSelector: {}}]}]",
        "spec.ingress[0].from[0]",
        ["ipBlock cannot be combined with podSelector"],
    ),
    ("podSelector: {}\ningress: [{from: [{}]}]", "spec.ingress[0].from[0]", ["empty peer {}"]),
    (
        "podSelector: {}\ningress: [{ports: [{port: 0}]}]",
        "spec.ingress[0].ports[0].port",
        ["port 0 out of range"],
    ),
    (
        "podSelector: {}\ningress: [{ports: [{port: 65536}]}]",
        "spec.ingress[0].ports[0].port",
        ["port 65536 out of range"],
    ),
    (
        "podSelector: {}\ningress: [{ports: [{port: Http}]}]",
        "spec.ingress[0].ports[0].port",
        ['invalid named port "Http"', "lowercase"],
    ),
    (
        "podSelector: {}\ningress: [{ports: [{port: a-very-long-port-name}]}]",
        "spec.ingress[0].ports[0].port",
        ['"a-very-long-port-name"', "15 characters"],
    ),
    (
        "podSelector: {}\ningress: [{ports: [{port: '8080'}]}]",
        "spec.ingress[0].ports[0].port",
        ['"8080"', "at least one letter"],
    ),
    (
        "podSelector: {}\ningress: [{ports: [{port: my--port}]}]",
        "spec.ingress[0].ports[0].port",
        ['"my--port"'],
    ),
    ("podSelector: {}\ningress: [{ports: [{port: -http}]}]", "spec.ingress[0].ports[0].port", ['"-http"']),
    (
        "podSelector: {}\ningress: [{ports: [{endPort: 90}]}]",
        "spec.ingress[0].ports[0].endPort",
        ["endPort 90 requires a numeric port"],
    ),
    (
        "podSelector: {}\ningress: [{ports: [{port: http, endPort: 90}]}]",
        "spec.ingress[0].ports[0].endPort",
        ['named port "http"'],
    ),
    (
        "podSelector: {}\ningress: [{ports: [{port: 90, endPort: 80}]}]",
        "spec.ingress[0].ports[0].endPort",
        ["endPort 80 must be >= port 90"],
    ),
    (
        "podSelector: {}\ningress: [{ports: [{port: 90, endPort: 70000}]}]",
        "spec.ingress[0].ports[0].endPort",
        ["endPort 70000 out of range"],
    ),
    (
        "podSelector: {}\ningress: [{ports: [{port: 53, protocol: ICMP}]}]",
        "spec.ingress[0].ports[0].protocol",
        ['unsupported protocol "ICMP"'],
    ),
    (
        "podSelector: {}\ningress: [{ports: [{port: 53, protocol: tcp}]}]",
        "spec.ingress[0].ports[0].protocol",
        ['unsupported protocol "tcp"'],
    ),
    (
        "podSelector: {}\npolicyTypes: [Ingress, Egres]",
        "spec.policyTypes[1]",
        ['unsupported policy type "Egres"'],
    ),
    (
        "podSelector: {matchExpressions: [{key: a, operator: Equals, values: [x]}]}",
        "spec.podSelector.matchExpressions[0].operator",
        ['unknown operator "Equals"'],
    ),
    (
        "podSelector: {matchExpressions: [{key: a, operator: Exists, values: [x]}]}",
        "spec.podSelector.matchExpressions[0].values",
        ["must be empty when operator is Exists", '["x"]'],
    ),
    (
        "podSelector: {matchExpressions: [{key: a, operator: DoesNotExist, values: [x]}]}",
        "spec.podSelector.matchExpressions[0].values",
        ["must be empty when operator is DoesNotExist"],
    ),
    (
        "podSelector: {matchExpressions: [{key: a, operator: In}]}",
        "spec.podSelector.matchExpressions[0].values",
        ["must be non-empty when operator is In"],
    ),
    (
        "podSelector: {matchExpressions: [{key: a, operator: NotIn, values: []}]}",
        "spec.podSelector.matchExpressions[0].values",
        ["must be non-empty when operator is NotIn"],
    ),
    (
        "podSelector: {matchLabels: {'bad key!': x}}",
        "spec.podSelector.matchLabels",
        ['invalid label key "bad key!"'],
    ),
    (
        "podSelector: {matchLabels: {'UPPER.com/x': y}}",
        "spec.podSelector.matchLabels",
        ['invalid label key "UPPER.com/x"', "prefix"],
    ),
    (
        "podSelector: {matchLabels: {app: 'bad value'}}",
        "spec.podSelector.matchLabels.app",
        ['invalid label value "bad value"'],
    ),
    (
        "podSelector: {matchLabels: {app: " + "x" * 64 + "}}",
        "spec.podSelector.matchLabels.app",
        ["63 characters"],
    ),
    (
        "podSelector: {matchLabels: {enabled: true}}",
        "spec.podSelector.matchLabels.enabled",
        ["must be a string (quote it), got true"],
    ),
    (
        "podSelector: {matchExpressions: [{key: -a, operator: Exists}]}",
        "spec.podSelector.matchExpressions[0].key",
        ['invalid label key "-a"'],
    ),
    (
        "podSelector: {matchExpressions: [{key: a, operator: In, values: ['x y']}]}",
        "spec.podSelector.matchExpressions[0].values[0]",
        ['invalid label value "x y"'],
    ),
    ("podselector: {}", "spec.podselector", ['unknown field "podselector"', "did you mean 'podSelector'"]),
    ("podSelector: {}\ningress: [{form: []}]", "spec.ingress[0].form", ['unknown field "form"', "'from'"]),
    (
        "podSelector: {}\ningress: [{from: [{podSelector: {matchLabel: {a: b}}}]}]",
        "spec.ingress[0].from[0].podSelector.matchLabel",
        ['unknown field "matchLabel"', "'matchLabels'"],
    ),
    (
        "podSelector: {}\ningress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, exception: []}}]}]",
        "spec.ingress[0].from[0].ipBlock.exception",
        ['unknown field "exception"'],
    ),
    (
        "podSelector: {}\ningress: [{ports: [{port: 80, portEnd: 90}]}]",
        "spec.ingress[0].ports[0].portEnd",
        ['unknown field "portEnd"'],
    ),
    (
        "podSelector: {}\negress: [{from: []}]",
        "spec.egress[0].from",
        ['unknown field "from"', "expected one of: to, ports"],
    ),
    ("podSelector: {}\ningress: {from: []}", "spec.ingress", ["must be a list", "a mapping"]),
]


@pytest.mark.parametrize(("spec", "path", "fragments"), POLICY_CASES)
def test_invalid_policy_field(tmp_path: Path, spec: str, path: str, fragments: list[str]) -> None:
    (line,) = problems(tmp_path, policy(spec))
    assert f": {OBJ}{path}: " in line, line
    for fragment in fragments:
        assert fragment in line, (fragment, line)


def test_every_problem_of_every_file_is_reported(tmp_path: Path) -> None:
    first = tmp_path / "a.yaml"
    first.write_text(
        policy(
            """\
            podSelector: {}
            ingress:
            - from: [{ipBlock: {cidr: 300.0.0.0/8}}]
              ports: [{port: 0}, {port: 80, protocol: ICMP}]
            - from: [{}]
            """
        )
        + "\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {a: 'b c'}}\n"
        + "status: {podIP: 10.0.0.999}\n"
    )
    second = tmp_path / "b.yaml"
    second.write_text("a: [unclosed\n")
    with pytest.raises(InputError) as caught:
        load_cluster([str(first), str(second), str(tmp_path / "missing.yaml")])
    lines = [str(p) for p in caught.value.problems]
    expected = [
        (str(tmp_path / "missing.yaml"), "", "no such file"),  # paths are checked before reading
        (str(first), "spec.ingress[0].from[0].ipBlock.cidr", '"300.0.0.0/8"'),
        (str(first), "spec.ingress[0].ports[0].port", "port 0"),
        (str(first), "spec.ingress[0].ports[1].protocol", '"ICMP"'),
        (str(first), "spec.ingress[1].from[0]", "empty peer"),
        (str(first), "metadata.labels.a", '"b c"'),
        (str(first), "status.podIP", '"10.0.0.999"'),
        (str(second), "", "invalid YAML"),
    ]
    assert len(lines) == len(expected), lines
    for (file, path, fragment), line in zip(expected, lines, strict=True):
        assert line.startswith(file) and path in line and fragment in line, (line, path, fragment)
    assert "NetworkPolicy ns/np" in lines[1] and "Pod default/p" in lines[5]


def test_problems_point_at_the_innermost_mapping(tmp_path: Path) -> None:
    text = policy(
        """\
        podSelector: {}
        ingress:
        - from:
          - podSelector: {}
        - ports:
          - port: 0
        """
    )
    (line,) = problems(tmp_path, text)
    assert line.startswith(
        f"{tmp_path / 'bad.yaml'}:10:7: NetworkPolicy ns/np: spec.ingress[1].ports[0].port: "
    )


def test_malformed_yaml_reports_the_parser_mark(tmp_path: Path) -> None:
    (line,) = problems(tmp_path, "apiVersion: v1\nkind: Pod\nmetadata:\n  name: [a, b\n")
    assert line.startswith(f"{tmp_path / 'bad.yaml'}:5:1: invalid YAML")


def test_malformed_json_reports_line_and_column(tmp_path: Path) -> None:
    (line,) = problems(tmp_path, '{"apiVersion": "v1",\n "kind": "Pod",,\n}', name="bad.json")
    assert line.startswith(f"{tmp_path / 'bad.json'}:2:16: invalid JSON")


def test_documents_before_a_syntax_error_are_still_checked(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {a: 'x y'}}\n---\n: : :\n  - [\n"
    lines = problems(tmp_path, text)
    assert len(lines) == 2 and "metadata.labels.a" in lines[0] and "invalid YAML" in lines[1]


@pytest.mark.parametrize(
    ("doc", "fragments"),
    [
        (
            "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: a}",
            ["AdminNetworkPolicy a: spec: required field is missing"],
        ),
        (
            "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\n"
            "metadata: {name: default}\nspec: {subject: {namespaces: {}}, ingress: [{action: Pass, from: [{namespaces: {}}]}]}",
            ["BaselineAdminNetworkPolicy default: spec.ingress[0].action", 'unknown action "Pass"'],
        ),
        (
            "apiVersion: policy.networking.k8s.io/v1beta1\nkind: ClusterNetworkPolicy\nmetadata: {name: c}",
            [
                "ClusterNetworkPolicy c: apiVersion: ClusterNetworkPolicy (policy.networking.k8s.io/v1beta1) "
                "is not supported",
                "ClusterNetworkPolicy policy.networking.k8s.io/v1alpha2",
                "--ignore-kind ClusterNetworkPolicy",
            ],
        ),
        (
            "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: c, namespace: n}",
            [
                "CiliumNetworkPolicy n/c",
                "filters pod traffic but is not modelled",
                "--ignore-kind CiliumNetworkPolicy",
            ],
        ),
        (
            "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: c, namespace: n}",
            [
                "NetworkPolicy n/c",
                "projectcalico.org/v3",
                "not modelled",
                "--ignore-kind NetworkPolicy.projectcalico.org",
            ],
        ),
        (
            "apiVersion: crd.projectcalico.org/v1\nkind: GlobalNetworkPolicy\nmetadata: {name: g}",
            ["GlobalNetworkPolicy g", "not modelled"],
        ),
        (
            "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: n}",
            ["Widget n/w", 'unknown kind "Widget"', "example.com/v1", "--ignore-kind Widget"],
        ),
        ("kind: Pod\nmetadata: {name: p}", ["apiVersion", "missing"]),
        ("apiVersion: v1\nmetadata: {name: p}", ["kind", "missing"]),
        (
            "apiVersion: v1\nkind: List\nitems: [just a string]",
            ["expected a Kubernetes object", '"just a string"'],
        ),
        ("apiVersion: v1\nkind: Pod\nmetadata: {namespace: n}", ["Pod n/<unnamed>: metadata.name: required"]),
        (
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {namespace: n}\n"
            "spec: {podSelector: {}}",
            ["NetworkPolicy n/<unnamed>: metadata.name: required"],
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: Bad_NS}",
            ['invalid namespace name "Bad_NS"'],
        ),
        ("apiVersion: v1\nkind: Namespace\nmetadata: {name: UPPER}", ['invalid namespace name "UPPER"']),
        (
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 1}",
            ["Deployment default/d: spec.template: required field is missing"],
        ),
        (
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {jobTemplate: {spec: {}}}",
            ["CronJob default/c: spec.jobTemplate.spec.template: required"],
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nstatus: {podIP: 10.0.0.256}",
            ['Pod default/p: status.podIP: invalid IP address "10.0.0.256"'],
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nstatus: {podIPs: [{ip: nonsense}]}",
            ["status.podIPs[0].ip", '"nonsense"'],
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n"
            "  - {name: a, ports: [{containerPort: 80, name: http}]}\n"
            "  - {name: b, ports: [{containerPort: 8080, name: http}]}",
            ["spec.containers[1].ports[0].name", 'duplicate port name "http"', "8080/TCP", "80/TCP"],
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
            "  containers: [{name: a, ports: [{containerPort: 0}]}]",
            ["spec.containers[0].ports[0].containerPort", "invalid container port 0"],
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n"
            "  containers: [{name: a, ports: [{containerPort: 80, name: HTTP_PORT}]}]",
            ["spec.containers[0].ports[0].name", '"HTTP_PORT"'],
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {app: [web]}}",
            ["metadata.labels.app", "label value must be a string", '["web"]'],
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {7: seven}}",
            ["metadata.labels", "invalid label key 7: must be a string"],
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {version: 1.0}}",
            ["metadata.labels.version", "quote it", "1.0"],
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\nspec: {a: 1, a: 2}",
            ["duplicate key 'a'"],
        ),
    ],
)
def test_invalid_documents(tmp_path: Path, doc: str, fragments: list[str]) -> None:
    lines = problems(tmp_path, doc)
    assert len(lines) == 1, lines
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def test_duplicate_names_name_both_locations(tmp_path: Path) -> None:
    text = """\
    apiVersion: v1
    kind: Pod
    metadata: {name: p, namespace: n}
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: other, namespace: n}
    ---
    apiVersion: v1
    kind: Pod
    metadata: {name: p, namespace: n}
    ---
    apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: p, namespace: n}
    spec: {podSelector: {}}
    """
    (line,) = problems(tmp_path, text)
    file = tmp_path / "bad.yaml"
    assert line.startswith(f"{file}:11:11: Pod n/p: metadata.name: duplicate Pod")
    assert line.endswith(f"also defined at {file}:3:11")


def test_duplicates_across_files(tmp_path: Path) -> None:
    doc = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: n}\n"
    (tmp_path / "a.yaml").write_text(doc)
    (tmp_path / "b.yaml").write_text(doc)
    with pytest.raises(InputError) as caught:
        load_cluster([str(tmp_path)])
    (problem,) = caught.value.problems
    assert str(problem).startswith(f"{tmp_path / 'b.yaml'}:3:11: Pod n/p: metadata.name: duplicate Pod")
    assert f"also defined at {tmp_path / 'a.yaml'}:3:11" in str(problem)


def test_identical_namespaces_across_inputs_are_one(tmp_path: Path) -> None:
    """A cluster dump (with status and the name label) plus a chart (labels only): one namespace."""
    dump = (
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n  uid: 1234\n"
        "  labels: {team: a, kubernetes.io/metadata.name: n}\nstatus: {phase: Active}\n"
    )
    (tmp_path / "a.yaml").write_text(dump)
    (tmp_path / "b.yaml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: n, labels: {team: a}}\n"
    )
    result = load_cluster([str(tmp_path)])
    assert result.cluster.namespaces["n"].labels == {"team": "a", "kubernetes.io/metadata.name": "n"}
    assert result.cluster.namespaces["n"].location.file == str(tmp_path / "a.yaml")
    (notice,) = [str(n) for n in result.notices if "declared again" in str(n)]
    assert notice.startswith(f"{tmp_path / 'b.yaml'}:3:11: warning: Namespace n: declared again")
    assert f"also at {tmp_path / 'a.yaml'}:4:3" in notice


def test_differing_namespaces_across_inputs_name_both_locations(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: n, labels: {team: a}}\n"
    )
    (tmp_path / "b.yaml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: n, labels: {team: b}}\n"
    )
    with pytest.raises(InputError) as caught:
        load_cluster([str(tmp_path)])
    (problem,) = [str(p) for p in caught.value.problems]
    assert problem == (
        f'{tmp_path / "b.yaml"}:3:11: Namespace n: metadata.labels: duplicate Namespace "n" with different '
        f"labels (team): also defined at {tmp_path / 'a.yaml'}:3:11"
    )


def test_stdin_problems_are_located_in_stdin() -> None:
    with pytest.raises(InputError) as caught:
        load_cluster(
            ["-"], stdin=io.StringIO("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nstatus: {podIP: x}\n")
        )
    assert str(caught.value).startswith("<stdin>:4:9: Pod default/p: status.podIP:")


# --- replicas and autoscalers: type-checked like every other field -----------------------

DEPLOYMENT = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: n}\nspec:\n"
TEMPLATE = "  template: {spec: {containers: [{name: c}]}}\n"


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (
            DEPLOYMENT + "  replicas: '2'\n" + TEMPLATE,
            'Deployment n/d: spec.replicas: must be an integer, got a string "2"',
        ),
        (
            DEPLOYMENT + "  replicas: -1\n" + TEMPLATE,
            "Deployment n/d: spec.replicas: must be between 0 and 2147483647, got -1",
        ),
        (
            DEPLOYMENT + "  replicas: 2.5\n" + TEMPLATE,
            "Deployment n/d: spec.replicas: must be an integer, got a number 2.5",
        ),
        (
            DEPLOYMENT + "  replicas: true\n" + TEMPLATE,
            "Deployment n/d: spec.replicas: must be an integer, got a boolean true",
        ),
        (
            DEPLOYMENT + "  replicas: 4294967296\n" + TEMPLATE,
            "spec.replicas: must be between 0 and 2147483647",
        ),
        (
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j, namespace: n}\nspec:\n  parallelism: [2]\n"
            + TEMPLATE,
            "Job n/j: spec.parallelism: must be an integer, got a list [2]",
        ),
        (
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c, namespace: n}\n"
            "spec: {jobTemplate: {spec: {parallelism: {n: 1}, template: {}}}}\n",
            "CronJob n/c: spec.jobTemplate.spec.parallelism: must be an integer, got a mapping",
        ),
        (
            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h, namespace: n}\n"
            "spec: {scaleTargetRef: {kind: Deployment, name: d}, maxReplicas: '5'}\n",
            'HorizontalPodAutoscaler n/h: spec.maxReplicas: must be an integer of at least 1, got "5"',
        ),
        (
            "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: h, namespace: n}\n"
            "spec: {scaleTargetRef: {kind: Deployment, name: [d]}, maxReplicas: 5}\n",
            'HorizontalPodAutoscaler n/h: spec.scaleTargetRef.name: must be a non-empty string, got ["d"]',
        ),
        (
            "apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: h, namespace: n}\n"
            "spec: {maxReplicas: 5}\n",
            "HorizontalPodAutoscaler n/h: spec.scaleTargetRef: required field is missing",
        ),
    ],
)
def test_invalid_replica_counts(tmp_path: Path, doc: str, expected: str) -> None:
    (line,) = problems(tmp_path, doc)
    assert expected in line, line


# --- hostile shapes: a wrong type anywhere is a located line, never a crash --------------


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: [a]}\n",
            ':3:11: Pod ?/p: metadata.namespace: must be a string, got ["a"]',
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: {a: b}}\n",
            ':3:11: Pod ?/p: metadata.namespace: must be a string, got {"a": "b"}',
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {hostNetwork: 'yes'}\n",
            ':4:7: Pod default/p: spec.hostNetwork: must be a boolean, got "yes"',
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nstatus: {phase: [Running]}\n",
            ':4:9: Pod default/p: status.phase: must be a string, got ["Running"]',
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [web]}\n",
            ':4:7: Pod default/p: spec.containers[0]: must be a mapping (name, image, ports, …), got a string "web"',
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, ownerReferences: [{kind: ReplicaSet, name: 7}]}\n",
            ":3:39: Pod default/p: metadata.ownerReferences[0].name: must be a non-empty string, got 7",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, ownerReferences: {kind: ReplicaSet}}\n",
            ":3:11: Pod default/p: metadata.ownerReferences: must be a list, got a mapping",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nstatus: {podIPs: [10.0.0.1]}\n",
            ':4:9: Pod default/p: status.podIPs[0]: must be a mapping {ip: ...}, got "10.0.0.1"',
        ),
        (
            'apiVersion: v1\nkind: Pod\nmetadata:\n  name: "a\\nb"\n  namespace: "\\u2028"\n',
            ':4:3: Pod \\u2028/a\\nb: metadata.namespace: invalid namespace name "\\u2028"',
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: !!int abc\n",
            ":4:9: invalid YAML: cannot read !!int value",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: !!bool maybe\n",
            ":4:9: invalid YAML: cannot read !!bool value",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {? !!set {a} : 1}\n",
            ":3:14: invalid YAML: a mapping key must be a scalar",
        ),
    ],
)
def test_hostile_shapes_are_located_lines(tmp_path: Path, doc: str, expected: str) -> None:
    (line,) = problems(tmp_path, doc)
    assert line.startswith(str(tmp_path / "bad.yaml") + expected), line


# --- API-server conformance of small shapes ----------------------------------------------


def test_null_rule_is_allow_all_like_the_api_server(tmp_path: Path) -> None:
    path = tmp_path / "np.yaml"
    path.write_text(
        policy("podSelector: {}\npolicyTypes: [Ingress, Egress]\ningress: [null]\negress: [null]")
    )
    result = load_cluster([str(path)])
    (np,) = result.cluster.policies
    assert [(r.peers, r.ports) for r in np.ingress + np.egress] == [(None, None), (None, None)]
    texts = [str(n) for n in result.notices]
    assert f"{path}:5:3: warning: {OBJ}spec.ingress[0]: null rule read as {{}}" in "\n".join(texts)
    assert any("spec.egress[0]: null rule read as {}" in t for t in texts)


def test_null_egress_rule_makes_egress_effective(tmp_path: Path) -> None:
    path = tmp_path / "np.yaml"
    path.write_text(policy("podSelector: {}\negress: [null]"))
    (np,) = load_cluster([str(path)]).cluster.policies
    assert {d.value for d in np.policy_types} == {"Ingress", "Egress"}


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("allow-web", True),
        ("allow.web.v1", True),
        ("a" * 253, True),
        ("Allow-Web", False),
        ("allow_web", False),
        ("-allow", False),
        ("a" * 254, False),
        ("allow..web", False),
    ],
)
def test_network_policy_names_are_dns_subdomains(tmp_path: Path, name: str, ok: bool) -> None:
    doc = f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: '{name}', namespace: ns}}\nspec: {{}}\n"
    if ok:
        path = tmp_path / "np.yaml"
        path.write_text(doc)
        assert [p.name for p in load_cluster([str(path)]).cluster.policies] == [name]
    else:
        (line,) = problems(tmp_path, doc)
        assert line.startswith(f"{tmp_path / 'bad.yaml'}:3:11: NetworkPolicy ns/")
        assert f": metadata.name: invalid NetworkPolicy name {json.dumps(name)[:40]}" in line
        assert line.endswith("must be a lowercase RFC 1123 subdomain (letters, digits, '-' and '.')")


def test_json_duplicate_keys_are_rejected(tmp_path: Path) -> None:
    text = '{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "name": "b"}}\n'
    (line,) = problems(tmp_path, "\n\n" + text, name="bad.json")
    assert (
        line
        == f"{tmp_path / 'bad.json'}:3:49: duplicate key 'name' in one JSON object (one of the values would be silently lost)"
    )


def test_yaml_duplicate_keys_are_rejected(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  labels: {x: y}\n  name: b\n"
    (line,) = problems(tmp_path, text)
    assert (
        line
        == f"{tmp_path / 'bad.yaml'}:6:3: duplicate key 'name' in one mapping (one of the values would be silently lost)"
    )


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, ports: {}}]\n",
            ":5:16: Pod default/p: spec.containers[0].ports: must be a list, got a mapping {}",
        ),
        (
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n",
            ":4:7: Pod default/p: spec.containers: must have at least one container (the API server rejects [])",
        ),
        (
            DEPLOYMENT + "  template: {spec: {containers: []}}\n",
            ":5:20: Deployment n/d: spec.template.spec.containers: must have at least one container",
        ),
        (
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: ns}\n"
            "spec:\n  podSelector: {}\n  ingress: [{ports: {}}]\n",
            ":6:13: NetworkPolicy ns/np: spec.ingress[0].ports: must be a list, got a mapping {}",
        ),
    ],
)
def test_api_server_rejects_these_shapes(tmp_path: Path, doc: str, expected: str) -> None:
    (line,) = problems(tmp_path, doc)
    assert line.startswith(str(tmp_path / "bad.yaml") + expected), line


def test_api_server_shape_errors_exit_2_through_the_cli(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from verifier.cli import app

    path = tmp_path / "pod.yaml"
    path.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n")
    result = CliRunner().invoke(app, ["matrix", str(path)])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.strip() == (
        f"{path}:4:7: Pod default/p: spec.containers: must have at least one container (the API server rejects [])"
    )
