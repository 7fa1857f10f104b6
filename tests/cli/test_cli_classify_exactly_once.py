"""``newsdesk classify --resume`` after SIGKILL: every row and every reject exactly once."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from newsdesk.cli.app import app
from newsdesk.io.parquet import iter_parquet_records, parquet_row_count

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


def with_bad_rows(path: Path, n: int, every: int = 7) -> Path:
    """``n`` articles, and a row the reader rejects after every ``every``-th."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            out.write(json.dumps({"id": f"n{i}", "text": f"Story {i} about the vote"}) + "\n")
            if i % every == every - 1:
                out.write('{"id": "bad", "text": \n' if i % 2 else '{"text": ""}\n')
    return path


def kill_after(sink: str, rows: int, *args: str, pause: float = 0.0) -> None:
    command = [sys.executable, "-c", KILLED_AFTER_ROWS, sink, str(rows), str(pause),
               "classify", "-e", "lexical", *args]  # fmt: skip
    process = subprocess.run(command, stderr=subprocess.DEVNULL, timeout=300)
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"


def test_rejects_are_written_once_after_a_kill_and_resume(tmp_path: Path) -> None:
    source = with_bad_rows(tmp_path / "in.jsonl", 2000)
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


def test_a_killed_parquet_run_keeps_all_but_its_last_seconds(tmp_path: Path) -> None:
    source = with_bad_rows(tmp_path / "in.jsonl", 600)
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
