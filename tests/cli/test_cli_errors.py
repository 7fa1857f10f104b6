"""Every command reports an error one way: one ``error: ...`` line, then exit 1, 2 or 3."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from newsdesk.cli.app import app
from newsdesk.defaults import DEFAULT_DATABASE_URL

runner = CliRunner()
CLI = Path(__file__).resolve().parents[2] / "src" / "newsdesk" / "cli"
# cli/retrain.py moves into the model-lifecycle package on its own branch, its errors with it
MOVING = {"retrain.py"}


def test_only_exits_py_writes_error_lines() -> None:
    writers = sorted(
        path.name
        for path in CLI.glob("*.py")
        if path.name not in {"exits.py", *MOVING}
        and re.search(r"""echo\(f?["']error:|say\(f?["']error:""", path.read_text("utf-8"))
    )
    assert writers == []


def test_a_store_error_is_one_line_and_status_1(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"  # no tables: 'newsdesk db upgrade' never ran
    for command in (
        ["keys", "revoke", "nobody"],
        ["keys", "create", "--role", "reader"],
        ["users", "create", "nobody", "--password-stdin"],
    ):
        result = runner.invoke(app, [*command, "--database-url", url], input="a long password\n")
        assert result.exit_code == 1, (command, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), command
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), (command, result.output)


def test_a_wrong_command_line_is_status_2() -> None:
    result = runner.invoke(app, ["train", "--output", "nowhere"])
    assert result.exit_code == 2
    assert result.output.startswith("error: give labeled files")


def test_the_database_default_is_the_stores() -> None:
    result = runner.invoke(app, ["db", "upgrade", "--help"], env={"COLUMNS": "200"})
    assert DEFAULT_DATABASE_URL in result.output
