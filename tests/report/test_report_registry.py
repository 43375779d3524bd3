"""`verifier.report.registry`: one writer per (command, format), chosen by the CLI, fed results
built by hand."""

from __future__ import annotations

import io
import json
from enum import StrEnum

import pytest

from verifier.model import Protocol, Universe
from verifier.report.registry import RenderOptions, formats, port_matrix_wanted, writer_for
from verifier.results import (
    CheckReport,
    Connection,
    Connectivity,
    MatrixResult,
    PropertyResult,
    Verdict,
)
from verifier.spec import Expect

REPORT = CheckReport(
    results=(
        PropertyResult(name="db", expect=Expect.DENY, verdict=Verdict.HOLDS, universe=Universe.INVENTORY),
    ),
    seconds=0.25,
)
MATRIX = MatrixResult(endpoints=("a/x", "a/y"), port=80, protocol=Protocol.TCP, rows=(0b11, 0b10))
CONN = Connectivity(
    endpoints=("a/x", "a/y"),
    class_of=(0, 1),
    members=((0,), (1,)),
    column_of=(0, 1),
    column_pods=((0,), (1,)),
    values=(Connection(), Connection(allowed=((Protocol.TCP, ((80, 80),)),))),
    rows=(((0b10, 1),), ()),
    row_of=(0, 1),
)


def test_the_cli_offers_exactly_the_registered_formats() -> None:
    from verifier.cli.matrix import MatrixFormat
    from verifier.cli.options import CheckFormat, DiffFormat, LintFormat, OutputFormat

    def values(enum: type[StrEnum]) -> set[str]:
        return {str(member.value) for member in enum}

    assert set(formats("check")) == set(formats("assert")) == values(CheckFormat)
    assert set(formats("lint")) == values(LintFormat)
    assert set(formats("diff")) == values(DiffFormat)
    assert set(formats("matrix")) == values(MatrixFormat)
    for command in ("explain", "gate", "exposure"):
        assert set(formats(command)) == values(OutputFormat), command


def test_unknown_format_names_the_ones_there_are() -> None:
    with pytest.raises(KeyError, match="formats: text, json"):
        writer_for("explain", "sarif")


def test_check_writers_render_a_hand_built_report() -> None:
    out = io.StringIO()
    writer_for("check", "json")(REPORT, out, RenderOptions())
    assert json.loads(out.getvalue())["summary"]["holds"] == 1
    out = io.StringIO()
    writer_for("check", "text")(REPORT, out, RenderOptions(quiet=True))
    assert out.getvalue() == "1 hold, 0 violated, 0 unknown, 0 error in 0.25 s\n"
    out = io.StringIO()
    writer_for("assert", "markdown")(REPORT, out, RenderOptions(command="assert"))
    assert "assert" in out.getvalue()
    out = io.StringIO()
    writer_for("check", "sarif")(REPORT, out, RenderOptions(inputs=("examples/seed/pods.yaml",)))
    assert json.loads(out.getvalue())["version"] == "2.1.0"


def test_matrix_writers_take_either_result() -> None:
    out = io.StringIO()
    writer_for("matrix", "json")(MATRIX, out, RenderOptions(command="matrix"))
    assert json.loads(out.getvalue())["allowed"] == [[True, True], [False, True]]
    out = io.StringIO()
    writer_for("matrix", "json")(CONN, out, RenderOptions(command="matrix"))
    assert json.loads(out.getvalue())["connections"] == {"a/x": {"a/y": {"TCP": "80"}}}
    out = io.StringIO()
    writer_for("matrix", "text")(CONN, out, RenderOptions(command="matrix", no_color=True))
    assert "a/x" in out.getvalue()
    for fmt in ("csv", "markdown", "dot", "html"):
        out = io.StringIO()
        writer_for("matrix", fmt)(CONN, out, RenderOptions(command="matrix"))
        assert "a/y" in out.getvalue(), fmt


def test_port_matrix_only_for_json_and_a_grid_that_fits() -> None:
    assert port_matrix_wanted("json", 10_000)
    assert port_matrix_wanted("text", 40) and not port_matrix_wanted("text", 41)
    assert not any(port_matrix_wanted(fmt, 2) for fmt in ("csv", "markdown", "dot", "html"))
