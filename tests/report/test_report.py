"""Report formats on hand-built results: no loader, no solver (pip-audit style)."""

from __future__ import annotations

import io
import ipaddress
import json
import random

import pytest
from rich.console import Console

from verifier.errors import Location
from verifier.model import Direction, Protocol, Universe
from verifier.report import (
    check_json,
    matrix_row_json,
    render_check,
    render_matrix,
    summary_line,
    warning_line,
    write_check_json,
    write_matrix_json,
)
from verifier.results import (
    CheckReport,
    Endpoint,
    EndpointKind,
    Flow,
    MatrixResult,
    PropertyResult,
    RuleRef,
    Verdict,
)
from verifier.spec import Expect

SEED = Location("examples/seed/networkpolicy.yaml", 14, 3)

FRONTEND = Endpoint(
    kind=EndpointKind.POD,
    ip=ipaddress.ip_address("172.17.1.20"),
    namespace="default",
    name="frontend",
    labels={"role": "frontend"},
    namespace_labels={"kubernetes.io/metadata.name": "default"},
)
DB = Endpoint(
    kind=EndpointKind.POD,
    ip=ipaddress.ip_address("172.17.1.10"),
    namespace="default",
    name="db",
    labels={"role": "db"},
    namespace_labels={"kubernetes.io/metadata.name": "default"},
)
NEW_POD = Endpoint(
    kind=EndpointKind.NEW_POD,
    ip=ipaddress.ip_address("172.17.2.1"),
    namespace="ns-fresh",
    labels={"app": "x"},
    namespace_labels={"kubernetes.io/metadata.name": "ns-fresh", "project": "other"},
    new_namespace=True,
)
SINK = Endpoint(kind=EndpointKind.EXTERNAL, ip=ipaddress.ip_address("10.0.0.1"))

INGRESS_RULE = RuleRef(
    policy="default/test-network-policy", direction=Direction.INGRESS, index=0, location=SEED
)


def _result(name: str, verdict: Verdict, **kw: object) -> PropertyResult:
    base: dict[str, object] = {
        "name": name,
        "expect": Expect.DENY,
        "universe": Universe.INVENTORY,
        "verdict": verdict,
        "seconds": 0.25,
    }
    base.update(kw)
    return PropertyResult.model_validate(base)


def _report() -> CheckReport:
    return CheckReport(
        results=(
            _result("frontend-reaches-db", Verdict.HOLDS, expect=Expect.ALLOW),
            _result(
                "db-only-from-myproject",
                Verdict.VIOLATED,
                description="No pod outside project=myproject reaches the db",
                universe=Universe.ANY,
                flow=Flow(source=NEW_POD, destination=DB, port=6379, protocol=Protocol.TCP),
                rules=(INGRESS_RULE,),
                explanation=("ingress at default/db: allowed by default/test-network-policy ingress[0]",),
                location=Location("specs/seed.yaml", 40, 5),
            ),
            _result(
                "db-egress",
                Verdict.HOLDS,
                expect=Expect.REACHABLE,
                flow=Flow(source=DB, destination=SINK, port=5978, protocol=Protocol.TCP),
            ),
            _result("hard-one", Verdict.UNKNOWN, reason="solver timeout after 0.01 s"),
            _result("bad-ref", Verdict.ERROR, reason="pod x/nope is not in the inventory"),
        ),
        warnings=("pods.yaml:3:1: warning: Pod default/db: spec.hostNetwork ignored", "no pods found"),
        seconds=0.41,
    )


def _endpoint_json(kind: str, ip: str, **kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "kind": kind,
        "namespace": None,
        "name": None,
        "labels": {},
        "namespace_labels": {},
        "ip": ip,
        "new_namespace": False,
        "replica": None,
        "ip_unknown": False,
        "ip_range": None,
        "assumed_namespace_labels": False,
    }
    base.update(kw)
    return base


DB_JSON = _endpoint_json(
    "pod",
    "172.17.1.10",
    namespace="default",
    name="db",
    labels={"role": "db"},
    namespace_labels={"kubernetes.io/metadata.name": "default"},
)
NO_LOCATION = {"file": "<command line>", "line": 0, "column": 0}


def _result_json(name: str, verdict: str, **kw: object) -> dict[str, object]:
    base: dict[str, object] = {
        "name": name,
        "description": "",
        "expect": "deny",
        "universe": "inventory",
        "verdict": verdict,
        "counterexample": None,
        "witness": None,
        "rules": [],
        "explanation": [],
        "reason": "",
        "seconds": 0.25,
        "solver_rlimit": 0,
        "location": NO_LOCATION,
    }
    base.update(kw)
    return base


#: The JSON document of `_report()`, written by hand from the results above.
CHECK_JSON = {
    "schema": "netverify.check/v1",
    "results": [
        _result_json("frontend-reaches-db", "holds", expect="allow"),
        _result_json(
            "db-only-from-myproject",
            "violated",
            description="No pod outside project=myproject reaches the db",
            universe="any",
            counterexample={
                "source": _endpoint_json(
                    "new-pod",
                    "172.17.2.1",
                    namespace="ns-fresh",
                    labels={"app": "x"},
                    namespace_labels={"kubernetes.io/metadata.name": "ns-fresh", "project": "other"},
                    new_namespace=True,
                ),
                "destination": DB_JSON,
                "port": 6379,
                "protocol": "TCP",
            },
            rules=[
                {
                    "policy": "default/test-network-policy",
                    "direction": "Ingress",
                    "index": 0,
                    "file": "examples/seed/networkpolicy.yaml",
                    "line": 14,
                    "column": 3,
                }
            ],
            explanation=["ingress at default/db: allowed by default/test-network-policy ingress[0]"],
            location={"file": "specs/seed.yaml", "line": 40, "column": 5},
        ),
        _result_json(
            "db-egress",
            "holds",
            expect="reachable",
            witness={
                "source": DB_JSON,
                "destination": _endpoint_json("external", "10.0.0.1"),
                "port": 5978,
                "protocol": "TCP",
            },
        ),
        _result_json("hard-one", "unknown", reason="solver timeout after 0.01 s"),
        _result_json("bad-ref", "error", reason="pod x/nope is not in the inventory"),
    ],
    "summary": {"holds": 2, "violated": 1, "unknown": 1, "error": 1},
    "seconds": 0.41,
    "warnings": ["pods.yaml:3:1: warning: Pod default/db: spec.hostNetwork ignored", "no pods found"],
    "ignored_kinds": [],
}


def _render(report: CheckReport) -> tuple[str, str]:
    out = Console(record=True, width=120, file=io.StringIO())
    err = Console(record=True, width=120, file=io.StringIO())
    render_check(report, out, warnings_console=err)
    return out.export_text(), err.export_text()


# --- text ------------------------------------------------------------------------------------


def test_text_check_table_panels_and_summary() -> None:
    text, err = _render(_report())
    for name in ("frontend-reaches-db", "db-only-from-myproject", "db-egress", "hard-one", "bad-ref"):
        assert name in text
    # One panel per non-holding result, none for the holding ones.
    assert "db-only-from-myproject: violated" in text
    assert "hard-one: unknown" in text
    assert "bad-ref: error" in text
    assert "frontend-reaches-db: holds" not in text
    # The counterexample names both endpoints completely, the port and the rule with file:line.
    assert "new pod" in text and "ns-fresh" in text and "project=other" in text and "172.17.2.1" in text
    assert "172.17.1.10" in text and "role=db" in text
    assert "6379/TCP" in text
    assert "default/test-network-policy ingress[0]" in text
    assert "examples/seed/networkpolicy.yaml:14:3" in text
    assert "specs/seed.yaml:40:5" in text
    assert "solver timeout after 0.01 s" in text
    # The reachable witness is shown briefly.
    assert "witness for db-egress:" in text and "10.0.0.1 5978/TCP" in text
    assert text.rstrip().splitlines()[-1] == "2 hold, 1 violated, 1 unknown, 1 error in 0.41 s"
    # Warnings go to the warnings console, each as one `warning:` line, not into the report.
    assert err.splitlines() == [
        "pods.yaml:3:1: warning: Pod default/db: spec.hostNetwork ignored",
        "warning: no pods found",
    ]
    assert "warning" not in text


def test_text_warnings_default_to_the_same_console_before_the_table() -> None:
    console = Console(record=True, width=120, file=io.StringIO())
    render_check(_report(), console)
    text = console.export_text()
    assert text.index("warning: no pods found") < text.index("frontend-reaches-db")


def test_text_does_not_interpret_markup_in_names() -> None:
    report = CheckReport(results=(_result("web[Deployment] [bold]x[/bold]", Verdict.VIOLATED),))
    text, _ = _render(report)
    assert "web[Deployment] [bold]x[/bold]" in text


def test_summary_line_counts_each_verdict() -> None:
    report = CheckReport(
        results=(_result("a", Verdict.HOLDS), _result("b", Verdict.HOLDS), _result("c", Verdict.VIOLATED)),
        seconds=1.234,
    )
    assert summary_line(report) == "2 hold, 1 violated, 0 unknown, 0 error in 1.23 s"


def test_warning_line_adds_the_prefix_once() -> None:
    assert warning_line("x") == "warning: x"
    assert warning_line("warning: x") == "warning: x"
    assert warning_line("a.yaml:1:2: warning: y") == "a.yaml:1:2: warning: y"


def _matrix(n: int, seed: int = 1, conditional: tuple[tuple[int, int], ...] = ()) -> MatrixResult:
    rng = random.Random(seed)
    rows = tuple(rng.getrandbits(n) if n else 0 for _ in range(n))
    return MatrixResult(
        port=80,
        protocol=Protocol.TCP,
        endpoints=tuple(f"ns{i % 3}/pod-{i}" for i in range(n)),
        rows=rows,
        conditional=conditional,
    )


def test_text_matrix_grid_marks_allowed_denied_and_conditional() -> None:
    result = MatrixResult(
        port=6379,
        protocol=Protocol.TCP,
        endpoints=("x/a", "x/b", "y/web[Deployment]"),
        rows=(0b011, 0b010, 0b000),  # a->a, a->b, b->b
        conditional=((2, 0),),
    )
    console = Console(record=True, width=120, file=io.StringIO())
    render_matrix(result, console)
    lines = console.export_text().splitlines()
    a_line = next(line for line in lines if "x/a" in line and "✓" in line)
    b_line = next(line for line in lines if "x/b" in line and ("✓" in line or "·" in line))
    c_line = next(line for line in lines if "y/web[Deployment]" in line)
    assert a_line.split("x/a", 1)[1].split() == ["✓", "✓", "·"]
    assert b_line.split("x/b", 1)[1].split() == ["·", "✓", "·"]
    assert c_line.split("y/web[Deployment]", 1)[1].split() == ["?", "·", "·"]
    assert "3 of 9 flows allowed" in lines[0]
    assert any("1 conditional" in line for line in lines)


def test_text_matrix_is_a_compact_list_when_large() -> None:
    n = 45
    full = (1 << n) - 1
    rows = [full] * n
    rows[1] = full & ~(1 << 2)  # all but one
    rows[2] = 1 << 7  # exactly one
    rows[3] = 0
    rows[4] = full & ~(1 << 9)  # all, but one cell depends on an unknown IP
    rows[5] = full & ~(1 << 9) & ~(1 << 10)
    result = MatrixResult(
        port=80,
        protocol=Protocol.TCP,
        endpoints=tuple(f"ns/p{i}" for i in range(n)),
        rows=tuple(rows),
        conditional=((4, 9), (5, 10), (3, 1)),
    )
    console = Console(record=True, width=200, file=io.StringIO())
    render_matrix(result, console)
    lines = console.export_text().splitlines()
    assert "ns/p0 → all" in lines
    assert "ns/p1 → all but ns/p2" in lines
    assert "ns/p2 → ns/p7" in lines
    assert "ns/p3 → none; conditional: ns/p1" in lines
    assert "ns/p4 → all others; conditional: ns/p9" in lines
    assert "ns/p5 → all but ns/p9; conditional: ns/p10" in lines
    assert not any("✓" in line for line in lines)


# --- json ------------------------------------------------------------------------------------


def test_check_json_contract() -> None:
    doc = check_json(_report())
    assert doc["schema"] == "netverify.check/v1"
    assert doc["summary"] == {"holds": 2, "violated": 1, "unknown": 1, "error": 1}
    assert doc["warnings"] == list(_report().warnings)
    by_name = {r["name"]: r for r in doc["results"]}
    assert list(by_name) == [
        "frontend-reaches-db",
        "db-only-from-myproject",
        "db-egress",
        "hard-one",
        "bad-ref",
    ]
    for r in doc["results"]:
        assert {"name", "verdict", "counterexample", "explanation", "seconds"} <= set(r)
        assert {"rules", "description", "expect", "universe", "reason"} <= set(r)
    bad = by_name["db-only-from-myproject"]
    assert bad["verdict"] == "violated" and bad["universe"] == "any" and bad["expect"] == "deny"
    assert bad["counterexample"] == {
        "source": {
            "kind": "new-pod",
            "namespace": "ns-fresh",
            "name": None,
            "labels": {"app": "x"},
            "namespace_labels": {"kubernetes.io/metadata.name": "ns-fresh", "project": "other"},
            "ip": "172.17.2.1",
            "new_namespace": True,
            "replica": None,
            "ip_unknown": False,
            "ip_range": None,
            "assumed_namespace_labels": False,
        },
        "destination": {
            "kind": "pod",
            "namespace": "default",
            "name": "db",
            "labels": {"role": "db"},
            "namespace_labels": {"kubernetes.io/metadata.name": "default"},
            "ip": "172.17.1.10",
            "new_namespace": False,
            "replica": None,
            "ip_unknown": False,
            "ip_range": None,
            "assumed_namespace_labels": False,
        },
        "port": 6379,
        "protocol": "TCP",
    }
    assert bad["rules"] == [
        {
            "policy": "default/test-network-policy",
            "direction": "Ingress",
            "index": 0,
            "file": "examples/seed/networkpolicy.yaml",
            "line": 14,
            "column": 3,
        }
    ]
    assert bad["explanation"] == ["ingress at default/db: allowed by default/test-network-policy ingress[0]"]
    assert bad["location"] == {"file": "specs/seed.yaml", "line": 40, "column": 5}
    # A reachable witness is not a counterexample.
    witness = by_name["db-egress"]
    assert witness["counterexample"] is None
    assert witness["witness"]["destination"] == {
        "kind": "external",
        "namespace": None,
        "name": None,
        "labels": {},
        "namespace_labels": {},
        "ip": "10.0.0.1",
        "new_namespace": False,
        "replica": None,
        "ip_unknown": False,
        "ip_range": None,
        "assumed_namespace_labels": False,
    }
    assert by_name["frontend-reaches-db"]["counterexample"] is None
    assert by_name["hard-one"]["reason"] == "solver timeout after 0.01 s"
    assert by_name["hard-one"]["seconds"] == 0.25


def test_check_json_is_the_hand_written_document() -> None:
    assert check_json(_report()) == CHECK_JSON


def test_check_json_is_serialisable_and_round_trips() -> None:
    out = io.StringIO()
    write_check_json(_report(), out)
    text = out.getvalue()
    assert text.endswith("}\n") and not text.endswith("\n\n")
    doc = json.loads(text)
    assert doc == CHECK_JSON
    assert next(iter(doc)) == "schema"


@pytest.mark.parametrize("size", [0, 1, 2, 7, 64, 65, 130])
def test_matrix_row_json_equals_json_dumps(size: int) -> None:
    rng = random.Random(size)
    for bits in (0, (1 << size) - 1 if size else 0, rng.getrandbits(size) if size else 0):
        expected = json.dumps([bool(bits >> j & 1) for j in range(size)])
        assert matrix_row_json(bits, size) == expected


def test_matrix_row_json_ignores_bits_beyond_the_size() -> None:
    assert matrix_row_json(0b1101, 2) == json.dumps([True, False])


@pytest.mark.parametrize("size", [0, 1, 5, 33])
def test_streamed_matrix_json_equals_the_naive_document(size: int) -> None:
    conditional = ((0, size - 1),) if size else ()
    result = _matrix(size, seed=size, conditional=conditional)
    out = io.StringIO()
    write_matrix_json(result, out)
    expected = {
        "schema": "netverify.matrix/v1",
        "port": 80,
        "protocol": "TCP",
        "endpoints": list(result.endpoints),
        "allowed": [[result.allowed(i, j) for j in range(size)] for i in range(size)],
        "conditional": [[result.endpoints[i], result.endpoints[j]] for i, j in conditional],
        "warnings": [],
        "ignored_kinds": [],
    }
    assert json.loads(out.getvalue()) == expected
    # One matrix row per line, each exactly json.dumps of that row.
    row_lines = [line.strip().rstrip(",") for line in out.getvalue().splitlines() if line.startswith("  [")]
    assert row_lines == [json.dumps(row) for row in expected["allowed"]]


def test_streamed_matrix_json_large_is_fast_and_valid() -> None:
    n = 1000
    full = (1 << n) - 1
    result = MatrixResult(
        port=443, protocol=Protocol.UDP, endpoints=tuple(f"n/p{i}" for i in range(n)), rows=(full,) * n
    )
    out = io.StringIO()
    write_matrix_json(result, out)
    doc = json.loads(out.getvalue())
    assert doc["protocol"] == "UDP" and len(doc["allowed"]) == n
    assert all(all(row) and len(row) == n for row in doc["allowed"])
