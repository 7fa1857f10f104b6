"""``newsdesk classify --adapt``: stdin, --adapt-save then --model, a trained --model, --resume."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_cli_classify_resume import kill_after
from typer.testing import CliRunner

from newsdesk.cli.app import app
from newsdesk.io.readers import read_articles

DATA = Path(__file__).parents[1] / "data"
ARCHIVE = DATA / "terse-archive.jsonl"  # three topics; one article in four names its section
TERSE = str(DATA / "terse-taxonomy.yaml")
LABELS = {
    json.loads(line)["id"]: json.loads(line)["label"]
    for line in ARCHIVE.read_text(encoding="utf-8").splitlines()
}


def run(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(app, ["classify", "--encoder", "lexical", *args], input=input)


def rows(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def accuracy(predictions: list[dict[str, Any]]) -> float:
    assert [p["id"] for p in predictions] == list(LABELS)
    return sum(p["section"] == LABELS[p["id"]] for p in predictions) / len(predictions)


def test_adapt_reads_stdin_and_files_better_than_zero_shot() -> None:
    stdin = ARCHIVE.read_text(encoding="utf-8")
    plain = run("-t", TERSE, "-", input=stdin)
    adapted = run("-t", TERSE, "--adapt", "-", input=stdin)
    assert plain.exit_code == 0 and adapted.exit_code == 0, adapted.output
    assert "adapted the zero-shot head to 180 articles" in adapted.stderr
    assert "self-training on them in 2 runs (3 and 5 rounds at most)" in adapted.stderr
    assert "the head learned 2 runs' averaged reading of 180 articles" in adapted.stderr
    assert accuracy(rows(plain.stdout)) < 0.6
    assert accuracy(rows(adapted.stdout)) >= 0.85


def test_adapt_save_writes_a_model_that_files_the_same(tmp_path: Path) -> None:
    model = tmp_path / "adapted"
    first = run("-t", TERSE, "--adapt", "--adapt-save", str(model), str(ARCHIVE))
    assert first.exit_code == 0, first.output
    assert f"saved the adapted model to {model}" in first.stderr
    meta = json.loads((model / "model.json").read_text(encoding="utf-8"))
    assert meta["training"]["adaptation"]["adapted"] is True
    again = run("--model", str(model), str(ARCHIVE))
    assert again.exit_code == 0, again.output
    assert rows(again.stdout) == rows(first.stdout)


def test_adapt_save_needs_adapt(tmp_path: Path) -> None:
    result = run("-t", TERSE, "--adapt-save", str(tmp_path / "m"), str(ARCHIVE))
    assert result.exit_code == 2
    assert "error: --adapt-save needs --adapt" in result.output


def test_adapting_a_trained_model(tmp_path: Path) -> None:
    labeled = tmp_path / "few.jsonl"
    lines = ARCHIVE.read_text(encoding="utf-8").splitlines()
    firsts = {json.loads(line)["label"]: line for line in reversed(lines)}  # one a section
    labeled.write_text("\n".join(firsts.values()) + "\n", encoding="utf-8")
    model = tmp_path / "model"
    trained = CliRunner().invoke(app, [
        "train", str(labeled), "-o", str(model), "-t", TERSE, "-e", "lexical", "--no-cache",
    ])  # fmt: skip
    assert trained.exit_code == 0, trained.output
    result = run("--model", str(model), "--adapt", str(ARCHIVE))
    assert result.exit_code == 0, result.output
    assert "adapted the prototype head to 180 articles" in result.stderr
    assert accuracy(rows(result.stdout)) >= 0.85


def test_too_small_an_input_is_filed_with_the_head_and_the_reason() -> None:
    few = "\n".join(ARCHIVE.read_text(encoding="utf-8").splitlines()[:20])
    result = run("-t", TERSE, "--adapt", "-", input=few)
    assert result.exit_code == 0, result.output
    assert "adaptation kept the zero-shot head: an archive of 20 articles is too small" in (
        result.stderr
    )
    assert len(rows(result.stdout)) == 20


def test_a_killed_adapt_run_resumes_with_the_same_adapted_head(tmp_path: Path) -> None:
    clean, killed = tmp_path / "clean.jsonl", tmp_path / "killed.jsonl"
    first = run("-t", TERSE, "--adapt", str(ARCHIVE), "-o", str(clean), "--batch-size", "20")
    assert first.exit_code == 0, first.output
    kill_after("JsonlSink", 60, str(ARCHIVE), "-t", TERSE, "--adapt", "-o", str(killed),
               "--batch-size", "20")  # fmt: skip
    assert (tmp_path / "killed.jsonl.adapted" / "model.json").is_file()
    result = run("-t", TERSE, "--adapt", str(ARCHIVE), "-o", str(killed), "--batch-size", "20",
                 "--resume")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "filing with the adapted model of the interrupted run" in result.stderr
    assert rows(killed.read_text(encoding="utf-8")) == rows(clean.read_text(encoding="utf-8"))
    assert not (tmp_path / "killed.jsonl.adapted").exists()  # the run is complete


def test_resume_with_adapt_on_rows_filed_without_it_is_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    assert run("-t", TERSE, str(ARCHIVE), "-o", str(out)).exit_code == 0
    out.write_text("\n".join(out.read_text().splitlines()[:5]) + "\n", encoding="utf-8")
    result = run("-t", TERSE, "--adapt", str(ARCHIVE), "-o", str(out), "--resume")
    assert result.exit_code == 2
    assert "already holds 5 rows, but no adapted model was saved beside it" in result.output


class RayStandIn:
    """The two Ray jobs of ``--adapt --engine ray``, run in this process: what each is given."""

    def __init__(self) -> None:
        self.encoded: list[str] = []
        self.filed: list[dict[str, Any]] = []
        self.spec: Any = None

    def fill_cache(self, cache: Any, encoder: str, passes: Any, settings: Any) -> Any:
        from newsdesk.scale.embed_job import EmbedJobResult

        assert encoder == "lexical"
        for texts in passes:
            self.encoded += texts
            cache.encode(texts)  # what the actors store in the cache
        return EmbedJobResult(len(self.encoded), 1, 0.1, 0.0)

    def classify(self, inputs: list[str], output: str, spec: Any, *args: Any, **kw: Any) -> Any:
        from newsdesk.scale.ray_job import RayJobResult

        self.spec = spec
        clf = spec.build()  # as each actor builds it
        articles = [a for path in inputs for a in read_articles(path)]
        self.filed = [p.to_dict() for p in clf.classify_many(articles)]
        return RayJobResult(len(self.filed), [output], 0.1, 0.0)


def test_adapt_on_ray_encodes_there_adapts_here_and_files_there_with_the_adapted_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsdesk.scale import embed_job, ray_job

    ray = RayStandIn()
    monkeypatch.setattr(embed_job, "fill_cache_with_ray", ray.fill_cache)
    monkeypatch.setattr(ray_job, "classify_with_ray", ray.classify)
    local = run("-t", TERSE, "--adapt", str(ARCHIVE))
    saved = tmp_path / "adapted"
    result = run("-t", TERSE, "--adapt", "--adapt-save", str(saved), "--engine", "ray",
                 str(ARCHIVE), str(tmp_path / "out"))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "encoding 180 articles on Ray" in result.stderr
    assert "adapted the zero-shot head to 180 articles" in result.stderr
    assert len(ray.encoded) == 180
    assert ray.spec.model == str(saved) and ray.spec.cached  # the actors read the vectors
    assert ray.filed == rows(local.stdout)
