"""``newsdesk taxonomy check`` through Typer's runner."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from newsdesk.cli.app import app


def outlet(tmp_path: Path, sections: str) -> Path:
    path = tmp_path / "outlet.yaml"
    path.write_text(f"name: outlet\nsections:\n{sections}", encoding="utf-8")
    return path


def test_check_reports_every_problem_in_one_run(tmp_path: Path) -> None:
    path = outlet(
        tmp_path,
        "  - name: Sports\n    keywords: match\n"
        "  - name: Opinion\n    form: essay\n    description: Columns.\n"
        "  - name: Other\n    other: yes please\n",
    )
    result = CliRunner().invoke(app, ["taxonomy", "check", str(path)])
    assert result.exit_code == 1
    errors = result.stderr.splitlines()
    assert [line.split(": ")[2] for line in errors] == [
        "section 'Sports'",
        "section 'Opinion'",
        "section 'Other'",
    ]
    assert all(line.startswith(f"error: {path}: ") for line in errors)
    assert result.stdout == ""


def test_check_accepts_a_valid_file(tmp_path: Path) -> None:
    path = outlet(
        tmp_path, "  - name: Sports\n    description: Football.\n  - name: Other\n    other: true\n"
    )
    result = CliRunner().invoke(app, ["taxonomy", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{path}: ok, 2 sections (catch-all: Other)\n"
    assert result.stderr == ""  # nothing to warn of either


def test_check_warns_of_a_description_in_the_other_language(tmp_path: Path) -> None:
    path = outlet(
        tmp_path,
        '  - name: رياضة\n    description: {en: "مباريات كرة القدم", ar: "مباريات ورياضة"}\n'
        '  - name: Economy\n    description: {en: "Markets (IMF).", ar: "Markets and banks."}\n'
        '  - name: Culture\n    description: {en: "Books, the arts.", ar: "كتب وفنون (UNESCO)"}\n',
    )
    result = CliRunner().invoke(app, ["taxonomy", "check", str(path)])
    assert result.exit_code == 0, result.output  # a warning, not an error
    assert result.stdout == f"{path}: ok, 3 sections (catch-all: none)\n"
    assert result.stderr.splitlines() == [
        f"warning: {path}: section 'رياضة': the description for 'en' is written in Arabic "
        "script; move it under 'ar'",
        f"warning: {path}: section 'Economy': the description for 'ar' has no Arabic script; "
        "write it in Arabic, or move it under 'en'",
    ]
