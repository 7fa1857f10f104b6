"""``newsdesk classify`` with Parquet, and ``--resume`` after a killed run."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsdesk.cli.app import app
from newsdesk.io.parquet import iter_parquet_records

EXAMPLES = Path(__file__).parents[2] / "examples" / "articles.jsonl"
WORDS = [
    "rates",
    "match",
    "vote",
    "film",
    "virus",
    "album",
    "novel",
    "spy",
    "charity",
    "flood",
    "court",
    "market",
]


# the CLI in a process that SIGKILLs itself once it has written argv[1] output rows
KILLED_AFTER_ROWS = """
import os, signal, sys
from newsdesk.io.resume import JsonlSink
limit, written = int(sys.argv.pop(1)), [0]
write = JsonlSink.write
def write_then_die(self, rows):
    write(self, rows)
    written[0] += len(rows)
    if written[0] >= limit:
        os.kill(os.getpid(), signal.SIGKILL)
JsonlSink.write = write_then_die
from newsdesk.cli.app import main
main()
"""


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["classify", "--encoder", "lexical", *args])


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def many_articles(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            words = " ".join(WORDS[(i * k) % len(WORDS)] for k in range(1, 9))
            out.write(json.dumps({"id": f"n{i}", "text": f"Story {i}: {words}."}) + "\n")
    return path


def test_parquet_output_holds_the_json_lines_rows(tmp_path: Path) -> None:
    assert run(str(EXAMPLES), "-o", str(tmp_path / "a.jsonl"), "-k", "3").exit_code == 0
    assert run(str(EXAMPLES), "-o", str(tmp_path / "a.parquet"), "-k", "3").exit_code == 0
    assert list(iter_parquet_records(tmp_path / "a.parquet")) == jsonl(tmp_path / "a.jsonl")


def test_parquet_input_gives_the_same_predictions(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = jsonl(EXAMPLES)
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "articles.parquet")
    assert run(str(EXAMPLES), "-o", str(tmp_path / "from-jsonl.jsonl")).exit_code == 0
    result = run(str(tmp_path / "articles.parquet"), "-o", str(tmp_path / "from-pq.jsonl"))
    assert result.exit_code == 0, result.output
    assert jsonl(tmp_path / "from-pq.jsonl") == jsonl(tmp_path / "from-jsonl.jsonl")


def test_a_killed_run_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    source = many_articles(tmp_path / "in.jsonl", 3000)
    clean, killed = tmp_path / "clean.jsonl", tmp_path / "killed.jsonl"
    assert run(str(source), "-o", str(clean), "--batch-size", "20").exit_code == 0
    command = [sys.executable, "-c", KILLED_AFTER_ROWS, "500", "classify",
               str(source), "-e", "lexical", "-o", str(killed), "--batch-size", "20"]  # fmt: skip
    process = subprocess.run(command, stderr=subprocess.DEVNULL, timeout=300)
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    with killed.open("a", encoding="utf-8") as out:
        out.write('{"id": "n999", "sect')  # what a kill in the middle of a write leaves
    before = len(killed.read_text(encoding="utf-8").splitlines()) - 1
    assert 0 < before < 3000
    result = run(str(source), "-o", str(killed), "--batch-size", "20", "--resume")
    assert result.exit_code == 0, result.output
    assert jsonl(killed) == jsonl(clean)


def test_resume_on_another_input_is_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert run(str(EXAMPLES), "-o", str(out)).exit_code == 0
    other = many_articles(tmp_path / "other.jsonl", 20)
    result = run(str(other), "-o", str(out), "--resume")
    assert result.exit_code == 2
    assert "is it the same input?" in result.output


def test_resume_needs_an_output_file() -> None:
    result = run(str(EXAMPLES), "--resume")
    assert result.exit_code == 2 and "--resume needs an output file" in result.output


def test_resumed_run_does_not_report_old_rejects_again(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    good = [json.dumps({"id": f"g{i}", "text": f"text {i} about the vote"}) for i in range(6)]
    source.write_text("\n".join([good[0], "{bad", *good[1:]]) + "\n", encoding="utf-8")
    out, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    first = run(str(source), "-o", str(out), "--rejects", str(rejects))
    assert first.exit_code == 3
    lines = out.read_text(encoding="utf-8").splitlines()
    out.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")  # as if killed after 3 rows
    again = run(str(source), "-o", str(out), "--rejects", str(rejects), "--resume")
    assert again.exit_code == 0, again.output
    assert [r["id"] for r in jsonl(out)] == [f"g{i}" for i in range(6)]
    assert len(jsonl(rejects)) == 1


def test_parquet_without_pyarrow_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyarrow" else real(name, *a)
    )
    result = run(str(EXAMPLES), "-o", str(tmp_path / "a.parquet"))
    assert result.exit_code == 2
    assert "pip install 'newsdesk[ingest]'" in result.output
    assert not (tmp_path / "a.parquet").exists()
