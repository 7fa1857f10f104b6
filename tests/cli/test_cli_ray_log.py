"""Where ``classify --engine ray`` puts Ray's own output when the output folder is remote."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from newsdesk.cli.classify_ray import RAY_LOG, _log_path


def test_a_remote_output_gets_a_log_file_of_its_own_in_the_temp_folder() -> None:
    first, second = _log_path("s3://bucket/out"), _log_path("s3://bucket/out")
    try:
        assert first != second  # two jobs, or two users, never share (or hijack) one
        for path in (first, second):
            assert path.parent == Path(tempfile.gettempdir())
            assert path.name.startswith("newsdesk-ray-") and path.suffix == ".log"
            assert path.exists() and path.stat().st_mode & 0o077 == 0  # the user's own
    finally:
        for path in (first, second):
            os.unlink(path)


def test_a_local_output_keeps_its_log_in_the_folder(tmp_path: Path) -> None:
    assert _log_path(str(tmp_path / "out")) == tmp_path / "out" / RAY_LOG
