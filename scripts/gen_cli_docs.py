"""Regenerate the command reference in docs/cli.md from ``netverify --help``.

    python scripts/gen_cli_docs.py          # rewrite docs/cli.md in place
    python scripts/gen_cli_docs.py --check  # exit 1 if docs/cli.md is stale (tests/project/test_docs.py does this)

Only the part of docs/cli.md between the BEGIN/END markers is generated: one section per
command (in the order ``netverify --help`` lists them) holding that command's ``--help``,
rendered at a fixed width of 100 columns so the output does not depend on the terminal.
Everything outside the markers is written by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer  # noqa: TID251 - renders the CLI's own --help

ROOT = Path(__file__).resolve().parents[1]
CLI_MD = ROOT / "docs" / "cli.md"
BEGIN = "<!-- BEGIN GENERATED: scripts/gen_cli_docs.py — edit the --help texts, then rerun -->"
END = "<!-- END GENERATED -->"
WIDTH = 100


def _context(command: Any, name: str, parent: Any = None) -> Any:
    # typer vendors its own click: build contexts through the command's own context class.
    settings = {**command.context_settings, "terminal_width": WIDTH, "max_content_width": WIDTH}
    return command.context_class(command, info_name=name, parent=parent, **settings)


def _help(command: Any, name: str, parent: Any = None) -> str:
    return str(command.get_help(_context(command, name, parent))).rstrip()


def reference() -> str:
    """The generated block (markers included)."""
    sys.path.insert(0, str(ROOT))
    from verifier.cli import app

    root: Any = typer.main.get_command(app)
    root_ctx = _context(root, "netverify")
    parts = [
        BEGIN,
        "",
        "## Reference: `netverify --help`",
        "",
        "```text",
        _help(root, "netverify"),
        "```",
        "",
    ]
    for name in root.list_commands(root_ctx):
        command = root.get_command(root_ctx, name)
        if command is None or command.hidden:
            continue
        parts += [f"### `netverify {name} --help`", "", "```text", _help(command, name, root_ctx), "```", ""]
    parts.append(END)
    return "\n".join(parts)


def render(current: str) -> str:
    """``current`` with its generated block replaced (or appended when it has none)."""
    block = reference()
    if BEGIN in current and END in current:
        head, rest = current.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        return head + block + tail
    return current.rstrip("\n") + "\n\n" + block + "\n"


def main(argv: list[str]) -> int:
    current = CLI_MD.read_text(encoding="utf-8")
    fresh = render(current)
    if "--check" in argv:
        if fresh != current:
            print(f"{CLI_MD} is stale: run python scripts/gen_cli_docs.py", file=sys.stderr)
            return 1
        return 0
    CLI_MD.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
