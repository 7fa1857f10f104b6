"""Every command's ``--help`` in an 80-column terminal: whole option names, extras as written."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

from newsdesk.cli.app import app


def commands(group: TyperGroup, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if isinstance(command, TyperGroup):
            found += commands(command, path)
        else:
            found.append(path)
    return found


ROOT = typer.main.get_command(app)
assert isinstance(ROOT, TyperGroup)
COMMANDS = commands(ROOT)


def option_names(path: tuple[str, ...]) -> list[str]:
    command: Any = ROOT
    for name in path:
        command = command.commands[name]
    options = [p for p in command.params if p.param_type_name == "option"]
    return [name for p in options for name in (*p.opts, *p.secondary_opts)]


def help_text(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_walk_finds_the_command_groups() -> None:
    assert {("classify",), ("train",), ("taxonomy", "check"), ("db", "upgrade")} <= set(COMMANDS)
    assert "--no-taxonomy-from-labels" in option_names(("train",))


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_shows_every_option_name_whole_at_80_columns(path: tuple[str, ...]) -> None:
    text = help_text(path)
    names = option_names(path)
    missing = [n for n in names if n not in text]
    assert missing == []
    assert max(len(line) for line in text.splitlines()) <= 80


@pytest.mark.parametrize("command", ["classify", "train"])
def test_help_names_the_scale_extra_literally(command: str) -> None:
    assert "newsdesk[scale]" in " ".join(help_text((command,)).split())
