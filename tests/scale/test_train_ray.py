"""``newsdesk train --engine ray``: the embedding pass on Ray gives the model of a local run."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from newsdesk.classify.classifier import Classifier
from newsdesk.cli.app import app

pytestmark = pytest.mark.ray

DATA = Path(__file__).parent.parent / "data"
TEXTS = [
    "Players of the club team scored a goal in the league match",
    "The central bank raised interest rates as exports slowed",
    "لاعبو الفريق سجلوا هدفين في مباراة الدوري",
    "البنك المركزي يرفع أسعار الفائدة مع تباطؤ الصادرات",
]


def train(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch, *extra: str) -> str:
    """Train on the labeled fixture plus an archive, with a fresh embedding cache."""
    monkeypatch.setenv("NEWSDESK_CACHE_DIR", str(tmp_path / f"cache-{name}"))
    result = CliRunner().invoke(
        app,
        ["train", str(DATA / "labeled.jsonl"), "-o", str(tmp_path / name), "-e", "lexical",
         "-t", str(DATA / "tiny-taxonomy.yaml"), "--unlabeled", str(DATA / "multilabel.jsonl"),
         *extra],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return result.output


def progress(output: str) -> list[str]:
    """The ``done/total`` of each progress line of the embedding cache."""
    return [line.split()[-1] for line in output.splitlines() if line.startswith("  encoded ")]


def cached_keys(folder: Path) -> int:
    (db_path,) = (folder / "embeddings").glob("*.sqlite")
    with sqlite3.connect(db_path) as db:
        return int(db.execute("SELECT count(*) FROM vectors").fetchone()[0])


def test_training_on_ray_saves_the_model_of_a_local_run(
    local_ray: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = train(tmp_path, "local", monkeypatch)
    on_ray = train(tmp_path, "ray", monkeypatch, "--engine", "ray", "--workers", "2")
    assert "encoding 48 articles on Ray (2 actors)" in on_ray
    ray_job, ray_training = on_ray.split(" articles on Ray in ")
    # the local run encoded the articles (24 labeled, the archive's new ones) and then the
    # taxonomy's texts; training after the Ray job found every article in the cache
    local_batches = progress(local)
    assert len(local_batches) > 2 and progress(ray_training) == local_batches[2:]
    new = int(local_batches[0].split("/")[1]) + int(local_batches[1].split("/")[1])
    assert ray_job.endswith(f"encoded {new}") and progress(ray_job)[-1] == f"{new}/{new}"
    assert cached_keys(tmp_path / "cache-ray") == cached_keys(tmp_path / "cache-local")

    with np.load(tmp_path / "local" / "arrays.npz") as a, np.load(tmp_path / "ray" / "arrays.npz") as b:  # fmt: skip
        assert sorted(a.files) == sorted(b.files) and a.files
        for name in a.files:
            np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    meta = [json.loads((tmp_path / m / "model.json").read_text("utf-8")) for m in ("local", "ray")]
    assert meta[0].pop("created") and meta[1].pop("created")  # when it was saved
    assert meta[0] == meta[1]
    found = [
        Classifier.load(tmp_path / m, encoder="lexical").classify_many(TEXTS)
        for m in ("local", "ray")
    ]
    for x, y in zip(*found, strict=True):
        assert x.section == y.section and x.scores == y.scores


def test_training_on_ray_needs_the_cache(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["train", str(DATA / "labeled.jsonl"), "-o", str(tmp_path / "m"), "-e", "lexical",
         "--engine", "ray", "--no-cache"],
    )  # fmt: skip
    assert result.exit_code == 2 and "drop --no-cache" in result.output
