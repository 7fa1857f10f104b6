"""``newsdesk classify`` end to end through Typer's runner, with the fast ``lexical`` encoder."""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from newsdesk.cli import classify as classify_cli
from newsdesk.cli.app import app
from newsdesk.io.resume import JsonlSink
from newsdesk.taxonomy import Taxonomy

EXAMPLES = Path(__file__).parents[2] / "examples" / "articles.jsonl"
SECTIONS = Taxonomy.default().names
EN = "The government said on Monday that the election will be held in May."
AR = "أعلنت الحكومة أن الانتخابات ستجرى في شهر مايو المقبل."


def run(*args: str, input: str | bytes | None = None) -> Result:
    return CliRunner().invoke(app, ["classify", "--encoder", "lexical", *args], input=input)


def lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        json.dumps({"id": "a", "text": EN}).encode()
        + b"\n{broken\n"
        + json.dumps({"title": "no text"}).encode()
        + b'\n{"text": "caf\xe9"}\n'
        + json.dumps({"id": "b", "text": AR}, ensure_ascii=False).encode()
        + b"\n"
    )
    return path


def test_classifies_the_examples(tmp_path: Path) -> None:
    result = run(str(EXAMPLES))
    assert result.exit_code == 0, result.output
    rows = lines(result.stdout)
    source = lines(EXAMPLES.read_text(encoding="utf-8"))
    assert [r["id"] for r in rows] == [s["id"] for s in source]
    assert {r["lang"] for r in rows} == {"en", "ar"}
    for row in rows:
        assert list(row["scores"]) == SECTIONS
        assert sum(row["scores"].values()) == pytest.approx(1.0, abs=2e-3)
        assert row["section"] in SECTIONS
        assert row["confidence"] == row["scores"][row["section"]]
        assert "sections" not in row and "top" not in row
    assert result.stderr == ""


def test_rejected_rows_exit_3_and_are_reported_with_file_and_line(tmp_path: Path) -> None:
    path = bad_file(tmp_path)
    rejects = tmp_path / "rejects.jsonl"
    result = run(str(path), "--rejects", str(rejects))
    assert result.exit_code == 3
    assert [r["id"] for r in lines(result.stdout)] == ["a", "b"]
    assert result.stderr.splitlines() == [
        f"rejected {path}:2: invalid JSON: Expecting property name enclosed in double quotes (column 2)",
        f"rejected {path}:3: no 'text' field; fields are: title; pass --text-column title",
        f"rejected {path}:4: undecodable bytes: not UTF-8 (byte 0xe9)",
        "3 row(s) rejected",
    ]
    written = lines(rejects.read_text(encoding="utf-8"))
    assert [(r["source"], r["line"]) for r in written] == [
        (str(path), 2),
        (str(path), 3),
        (str(path), 4),
    ]
    assert written[0] == {
        "source": str(path),
        "line": 2,
        "reason": "invalid JSON: Expecting property name enclosed in double quotes (column 2)",
        "raw": "{broken",
    }


def test_csv_without_text_column_is_a_usage_error_before_any_row(tmp_path: Path) -> None:
    csv_path = tmp_path / "articles.csv"
    csv_path.write_text("title,body,tag\nT,Some body,x\n", encoding="utf-8")
    result = run(EN, str(csv_path))
    assert result.exit_code == 2
    assert result.stdout == ""  # checked before the text given first was classified
    assert result.stderr == (
        f"error: column 'text' not found in {csv_path}; columns are: title, body, tag; "
        "pass --text-column body\n"
    )
    fixed = run(str(csv_path), "--text-column", "body", "--id-column", "tag")
    assert fixed.exit_code == 0 and [r["id"] for r in lines(fixed.stdout)] == ["x"]


def test_garbage_gz_input_is_one_not_gzip_error(tmp_path: Path) -> None:
    path = tmp_path / "garbage.jsonl.gz"
    path.write_bytes(b"\xed\x83\xd4 noise\n" * 5)
    result = run(str(path))
    assert result.exit_code == 2
    assert result.stderr.count("not gzip") == 1 and "undecodable" not in result.stderr


def test_output_file(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    result = run(str(EXAMPLES), "--output", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert len(lines(out.read_text(encoding="utf-8"))) == len(EXAMPLES.read_text().splitlines())
    gz = tmp_path / "out.jsonl.gz"
    assert run(EN, "-o", str(gz)).exit_code == 0
    assert lines(gzip.decompress(gz.read_bytes()).decode())[0]["id"] == "arg:1"


def test_top_k(tmp_path: Path) -> None:
    (row,) = lines(run(EN, "--top-k", "3").stdout)
    top = row["top"]
    assert len(top) == 3 and top[0]["section"] == row["section"]
    assert [t["score"] for t in top] == sorted((t["score"] for t in top), reverse=True)


def test_multi_label(tmp_path: Path) -> None:
    (row,) = lines(run(EN, "--multi-label").stdout)
    assert row["sections"][0] == row["section"]
    assert set(row["sections"]) <= set(SECTIONS)


def test_quoted_texts_get_ids_and_languages() -> None:
    result = run(EN, AR)
    assert [(r["id"], r["lang"]) for r in lines(result.stdout)] == [
        ("arg:1", "en"),
        ("arg:2", "ar"),
    ]


def test_stdin_when_no_input_is_given_and_with_dash() -> None:
    feed = (
        json.dumps({"id": "s1", "text": EN}) + "\n" + json.dumps({"text": AR}, ensure_ascii=False)
    )
    implicit = run(input=feed)
    explicit = run("-", input=feed)
    assert implicit.exit_code == explicit.exit_code == 0
    assert [r["id"] for r in lines(implicit.stdout)] == ["s1", "stdin:2"]
    assert implicit.stdout == explicit.stdout
    plain = run("-", input=f"Headline\n\n{EN}")
    assert [r["id"] for r in lines(plain.stdout)] == ["stdin"]


def test_no_input_on_a_terminal_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(classify_cli, "stdin_is_terminal", lambda: True)
    result = run()
    assert result.exit_code == 2
    assert result.stderr == "error: no input; give a quoted text, a file, or '-' to read stdin\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.jsonl"], "error: no such file: missing.jsonl"),
        (["data/"], "error: no such file: data"),
        (
            ["--no-such-flag"],
            "error: No such option: --no-such-flag (see 'newsdesk classify --help')",
        ),
        (["--top-k", "-1", EN], "error: Invalid value for '--top-k'"),
        (["--format", "xml", EN], "error: Invalid value for '--format'"),
        (
            ["--taxonomy", "nope", EN],
            "error: taxonomy 'nope' is neither a file nor a bundled taxonomy",
        ),
        (["--encoder", "nope", EN], "error: unknown encoder 'nope'"),
        (["-", "-"], "error: '-' (stdin) can be given only once"),
        ([EN, "  "], "error: INPUT 2 is an empty text"),
        (
            [EN, "--output", "/nonexistent/dir/out.jsonl"],
            "error: cannot write /nonexistent/dir/out.jsonl",
        ),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(message), result.stderr


def test_bad_taxonomy_file_is_a_usage_error(tmp_path: Path) -> None:
    bad = tmp_path / "tax.yaml"
    bad.write_text("name: t\nsections: [\n", encoding="utf-8")
    result = run(EN, "--taxonomy", str(bad))
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {bad}:") and "invalid YAML" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "classifying" not in run(str(EXAMPLES)).stderr
    monkeypatch.setattr(classify_cli, "stderr_is_terminal", lambda: True)
    assert "classifying" in run(str(EXAMPLES)).stderr  # the bar's label
    assert "classifying" not in run(EN).stderr  # a single article gets no bar


def test_output_is_flushed_every_batch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    seen: list[int] = []  # lines readable in the file after each write
    original = JsonlSink.write

    def counting_write(self: JsonlSink, rows: Sequence[dict[str, Any]]) -> None:
        original(self, rows)
        seen.append(len(out.read_text(encoding="utf-8").splitlines()))

    monkeypatch.setattr(JsonlSink, "write", counting_write)
    result = run(str(EXAMPLES), "--batch-size", "5", "-o", str(out))
    assert result.exit_code == 0
    assert seen[:2] == [5, 10]
