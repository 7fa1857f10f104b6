"""``--engine ray --resume`` after SIGKILL: every row and every reject once, as the local engine.

Heavy (two Ray start-ups in processes of their own): marked ``ray``.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsdesk.cli.app import app
from newsdesk.io.parquet import iter_parquet_records
from services import need_ray

pytestmark = pytest.mark.ray

# the CLI in a process that saves a part after every block of groups and SIGKILLs itself
# once it has saved argv[1] parts
KILLED_AFTER_PARTS = """
import os, signal, sys
from newsdesk.scale.ray_output import RayOutput
limit = int(sys.argv.pop(1))
add, save = RayOutput.add, RayOutput.save
def add_and_save(self, block):
    found = add(self, block)
    self.save()
    return found
def save_then_die(self):
    save(self)
    if self._next >= limit:
        os.kill(os.getpid(), signal.SIGKILL)
RayOutput.add, RayOutput.save = add_and_save, save_then_die
from newsdesk.cli.app import main
main()
"""
NEWSDESK = "from newsdesk.cli.app import main; main()"


def test_a_killed_ray_job_resumes_with_every_row_and_reject_once(
    tmp_path: Path, with_bad_rows: Callable[[int], Path]
) -> None:
    need_ray()
    source = with_bad_rows(1200)
    local = CliRunner().invoke(app, ["classify", str(source), "-e", "lexical", "--batch-size",
                                     "20", "-o", str(tmp_path / "local.jsonl"),
                                     "--rejects", str(tmp_path / "local-rejects.jsonl")])  # fmt: skip
    assert local.exit_code == 3, local.output
    out, rejects = tmp_path / "filed", tmp_path / "rejects.jsonl"
    job = ["classify", "--engine", "ray", str(source), str(out), "-e", "lexical",
           "--batch-size", "20", "--workers", "1", "--rejects", str(rejects)]  # fmt: skip
    killed = subprocess.run([sys.executable, "-c", KILLED_AFTER_PARTS, "2", *job],
                            capture_output=True, text=True, timeout=300)  # fmt: skip
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(list(out.glob("part-*.parquet"))) == 2 and not rejects.exists()
    again = subprocess.run([sys.executable, "-c", NEWSDESK, *job, "--resume"],
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert again.returncode == 3, again.stderr
    rows = list(iter_parquet_records(out))
    expected = [json.loads(line) for line in (tmp_path / "local.jsonl").read_text().splitlines()]
    assert len(rows) == len({r["id"] for r in rows}) == 1200
    assert sorted(rows, key=lambda r: int(r["id"][1:])) == expected
    assert rejects.read_bytes() == (tmp_path / "local-rejects.jsonl").read_bytes()
    # stderr is newsdesk's: the rejects found after the resume point, then the summary
    said = again.stderr.splitlines()
    assert said[-1].endswith("row(s) rejected") and "articles filed" in said[-2]
    assert all(line.startswith("rejected ") for line in said[:-2]), again.stderr
    # Ray's own lines (its executor's progress, its warnings) went to the log instead
    ray_log = (out / "_ray.log").read_text(encoding="utf-8")
    assert "Dataset" in ray_log or "Ray" in ray_log, ray_log[:500]
