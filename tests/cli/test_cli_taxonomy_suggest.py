"""``newsdesk taxonomy suggest`` end to end with the ``lexical`` encoder."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import replace
from pathlib import Path

from typer.testing import CliRunner, Result

from newsdesk.cli.app import app
from newsdesk.taxonomy import load_taxonomy

sys.path.insert(0, str(Path(__file__).parents[1] / "classify"))
from test_suggest import AR_TOPICS, EN_TOPICS, archive, cooking, taxonomy


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["taxonomy", "suggest", "--encoder", "lexical", *args])


def write_archive(path: Path) -> Path:
    articles = archive(EN_TOPICS, "en") + archive(AR_TOPICS, "ar") + cooking(12)
    rows = [{"id": a.id, "title": a.title, "text": a.text} for a in articles]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return path


def write_taxonomy(path: Path) -> Path:
    """The English tiny taxonomy, with Arabic lines where the Arabic archive has a topic."""
    english = taxonomy(EN_TOPICS, "en")
    sections = [
        replace(s, description={**s.description, "ar": AR_TOPICS[s.name][0]})
        if s.name in AR_TOPICS
        else s
        for s in english.sections
    ]
    path.write_text(replace(english, sections=tuple(sections)).to_yaml(), encoding="utf-8")
    return path


def test_suggested_yaml_passes_taxonomy_check_and_report_is_written(tmp_path: Path) -> None:
    data = write_archive(tmp_path / "archive.jsonl")
    tax = write_taxonomy(tmp_path / "terse.yaml")
    out, report = tmp_path / "suggested.yaml", tmp_path / "suggest.html"
    result = run(str(data), "--taxonomy", str(tax), "-o", str(out), "--report", str(report))
    assert result.exit_code == 0, result.output
    assert "suggested from" in result.output and "draft section" in result.output
    check = CliRunner().invoke(app, ["taxonomy", "check", str(out)])
    assert check.exit_code == 0, check.output
    suggested = load_taxonomy(out)
    assert suggested.names == load_taxonomy(tax).names
    assert suggested["Sports"].keywords.get("en")  # English cues added
    assert suggested["Sports"].keywords.get("ar")  # and Arabic ones, under their language
    assert suggested["Sports"].examples
    page = report.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "Sports" in page


def test_empty_archive_exits_2_with_a_reason(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    tax = write_taxonomy(tmp_path / "terse.yaml")
    result = run(str(empty), "--taxonomy", str(tax), "-o", str(tmp_path / "out.yaml"))
    assert result.exit_code == 2
    assert "archive holds no articles" in result.output
    assert not (tmp_path / "out.yaml").exists()


def test_unreadable_taxonomy_exits_2_naming_the_file(tmp_path: Path) -> None:
    data = write_archive(tmp_path / "archive.jsonl")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsections: [\n", encoding="utf-8")
    result = run(str(data), "--taxonomy", str(bad), "-o", str(tmp_path / "out.yaml"))
    assert result.exit_code == 2
    assert "bad.yaml" in result.output and "invalid YAML" in result.output
    missing = run(str(data), "--taxonomy", str(tmp_path / "nope.yaml"), "-o", "x.yaml")
    assert missing.exit_code == 2 and "taxonomy file not found" in missing.output


def test_missing_archive_file_exits_2(tmp_path: Path) -> None:
    tax = write_taxonomy(tmp_path / "terse.yaml")
    result = run(str(tmp_path / "none.jsonl"), "--taxonomy", str(tax), "-o", "x.yaml")
    assert result.exit_code == 2
    assert "none.jsonl" in result.output


def test_csv_archive_with_its_text_in_another_column(tmp_path: Path) -> None:
    articles = archive(EN_TOPICS, "en") + archive(AR_TOPICS, "ar")
    data = tmp_path / "archive.csv"
    with data.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "title", "body"])
        writer.writerows([a.id, a.title, a.text] for a in articles)
    tax = write_taxonomy(tmp_path / "terse.yaml")
    out = tmp_path / "out.yaml"
    result = run(str(data), "--text-column", "body", "--taxonomy", str(tax), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"suggested from {len(articles)} articles" in result.output
