"""`-V` and shell completion: the everyday polish of the command line."""

from __future__ import annotations

import os
import subprocess
import sys

from typer.testing import CliRunner

from verifier import __version__
from verifier.cli import app


def test_dash_v_prints_the_version(runner: CliRunner) -> None:
    for flag in ("-V", "--version"):
        result = runner.invoke(app, [flag])
        assert result.exit_code == 0 and result.stdout.strip() == f"netverify {__version__}"


def _complete(words: str, cword: int) -> list[str]:
    """What bash completion would offer, through the real console script's entry point."""
    env = {
        **os.environ,
        "COMP_WORDS": words,
        "COMP_CWORD": str(cword),
        "_NETVERIFY_COMPLETE": "complete_bash",
    }
    code = "from verifier.cli import main; main()"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False)
    return out.stdout.split()


def test_bash_completion_offers_commands_options_and_choices() -> None:
    assert _complete("netverify ch", 1) == ["check"]
    assert "--format" in _complete("netverify check --for", 2)
    assert {"text", "json", "sarif"} <= set(_complete("netverify check --format ", 3))


def test_show_completion_prints_a_script_for_the_shell(runner: CliRunner) -> None:
    result = runner.invoke(app, ["--show-completion", "bash"], prog_name="netverify")
    assert result.exit_code == 0
    assert "_NETVERIFY_COMPLETE" in result.stdout and "complete " in result.stdout
