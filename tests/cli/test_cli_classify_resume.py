"""``newsdesk classify`` with Parquet, and ``--resume`` after a killed run: every row and every
reject exactly once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsdesk.cli.app import app
from newsdesk.io.parquet import iter_parquet_records, parquet_row_count

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


# the CLI in a process that SIGKILLs itself once its sink was handed argv[2] rows; argv[1]
# names the sink class, and each write sleeps argv[3] seconds (a slow encoder)
KILLED_AFTER_ROWS = """
import os, signal, sys, time
from newsdesk.io import resume
sink = getattr(resume, sys.argv.pop(1))
limit, pause, written = int(sys.argv.pop(1)), float(sys.argv.pop(1)), [0]
write = sink.write
def write_then_die(self, rows):
    time.sleep(pause)
    write(self, rows)
    written[0] += len(rows)
    if written[0] >= limit:
        os.kill(os.getpid(), signal.SIGKILL)
sink.write = write_then_die
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


def kill_after(sink: str, rows: int, *args: str, pause: float = 0.0) -> None:
    command = [sys.executable, "-c", KILLED_AFTER_ROWS, sink, str(rows), str(pause),
               "classify", "-e", "lexical", *args]  # fmt: skip
    process = subprocess.run(command, stderr=subprocess.DEVNULL, timeout=300)
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"


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
    kill_after("JsonlSink", 500, str(source), "-o", str(killed), "--batch-size", "20")
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


def test_rejects_are_written_once_after_a_kill_and_resume(
    tmp_path: Path, with_bad_rows: Callable[[int], Path]
) -> None:
    source = with_bad_rows(2000)
    clean = run(str(source), "-o", str(tmp_path / "clean.jsonl"),
                "--rejects", str(tmp_path / "clean-rejects.jsonl"), "--batch-size", "20")  # fmt: skip
    assert clean.exit_code == 3, clean.output
    expected = jsonl(tmp_path / "clean-rejects.jsonl")
    assert len(expected) == 2000 // 7
    out, rejects = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl"
    kill_after("JsonlSink", 500, str(source), "-o", str(out), "--rejects", str(rejects),
               "--batch-size", "20")  # fmt: skip
    assert len(jsonl(rejects)) > 500 // 7  # the reader ran ahead of the rows written
    again = run(str(source), "-o", str(out), "--rejects", str(rejects), "--resume",
                "--batch-size", "20")  # fmt: skip
    assert again.exit_code == 3, again.output
    assert jsonl(out) == jsonl(tmp_path / "clean.jsonl")
    assert jsonl(rejects) == expected


def test_a_killed_parquet_run_keeps_all_but_its_last_seconds(
    tmp_path: Path, with_bad_rows: Callable[[int], Path]
) -> None:
    source = with_bad_rows(600)
    out, rejects = tmp_path / "out.parquet", tmp_path / "rejects.jsonl"
    # 20 rows every 0.25 s: killed after 5 s of work, before 20,000 rows or 60 s
    kill_after("ParquetSink", 400, str(source), "-o", str(out), "--rejects", str(rejects),
               "--batch-size", "20", pause=0.25)  # fmt: skip
    parts = sorted((tmp_path / "out.parquet.parts").glob("part-*.parquet"))
    assert sum(parquet_row_count(p) for p in parts) >= 400 - 3 * 20 / 0.25
    again = run(str(source), "-o", str(out), "--rejects", str(rejects), "--resume",
                "--batch-size", "20")  # fmt: skip
    assert again.exit_code == 3, again.output
    clean = run(str(source), "-o", str(tmp_path / "clean.parquet"),
                "--rejects", str(tmp_path / "clean-rejects.jsonl"), "--batch-size", "20")  # fmt: skip
    assert clean.exit_code == 3, clean.output
    assert list(iter_parquet_records(out)) == list(iter_parquet_records(tmp_path / "clean.parquet"))
    assert jsonl(rejects) == jsonl(tmp_path / "clean-rejects.jsonl")
