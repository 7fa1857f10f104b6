"""``newsdesk train`` and ``evaluate`` read every input ``classify`` reads, the same way."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from newsdesk.cli.app import app
from newsdesk.encoders.lexical import LexicalEncoder
from newsdesk.encoders.registry import register_encoder

DATA = Path(__file__).parents[1] / "data"
TAXONOMY = str(DATA / "tiny-taxonomy.yaml")
register_encoder("lexical-256", lambda: LexicalEncoder(dim=256))
runner = CliRunner()


def _rows() -> list[dict[str, str]]:
    lines = (DATA / "labeled.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def _train(*args: str, input: str | None = None) -> tuple[int, str, dict]:  # type: ignore[type-arg]
    out = Path(args[-1])
    result = runner.invoke(
        app,
        ["train", *args[:-1], "--taxonomy", TAXONOMY, "-e", "lexical-256", "--no-cache",
         "--output", str(out)],
        input=input,
    )  # fmt: skip
    meta = json.loads((out / "model.json").read_text("utf-8")) if result.exit_code == 0 else {}
    return result.exit_code, result.output, meta


def test_train_reads_parquet_with_renamed_columns(tmp_path: Path) -> None:
    import pyarrow as pa  # in the test extra, through newsdesk[ingest]
    import pyarrow.parquet as pq

    rows = [{"headline": r["title"], "body": r["text"], "label": r["label"]} for r in _rows()]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "labeled.parquet")
    code, output, meta = _train(
        str(tmp_path / "labeled.parquet"), "--text-column", "body", "--title-column", "headline",
        str(tmp_path / "m"),
    )  # fmt: skip
    assert code == 0, output
    assert meta["training"]["articles"] == 24 and meta["training"]["skipped_rows"] == 0


def test_train_reads_tsv_and_stdin(tmp_path: Path) -> None:
    rows = _rows()
    tsv = tmp_path / "labeled.tsv"
    tsv.write_text(
        "text\ttitle\tlabel\n"
        + "".join(f"{r['text']}\t{r['title']}\t{r['label']}\n" for r in rows),
        encoding="utf-8",
    )
    code, output, meta = _train(str(tsv), str(tmp_path / "from-tsv"))
    assert code == 0, output
    assert meta["training"]["articles"] == 24
    jsonl = (DATA / "labeled.jsonl").read_text(encoding="utf-8")
    code, output, meta = _train("-", str(tmp_path / "from-stdin"), input=jsonl)
    assert code == 0, output
    assert meta["training"]["articles"] == 24 and meta["training"]["files"] == ["-"]


def test_train_reports_each_rejected_row_and_goes_on(tmp_path: Path) -> None:
    lines = (DATA / "labeled.jsonl").read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([lines[0], "{not json", *lines[1:], '{"label": "Sports"}']) + "\n")
    code, output, meta = _train(str(bad), str(tmp_path / "m"))
    assert code == 0, output
    assert f"rejected {bad}:2: invalid JSON" in output
    assert f"rejected {bad}:26: no 'text' field" in output
    assert meta["training"]["articles"] == 24 and meta["training"]["skipped_rows"] == 2


def test_evaluate_reads_parquet_and_reports_rejects(tmp_path: Path) -> None:
    import pyarrow as pa  # in the test extra, through newsdesk[ingest]
    import pyarrow.parquet as pq

    rows = [{"story": r["text"], "label": r["label"]} for r in _rows()]
    rows.append({"story": "", "label": "Sports"})
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "dev.parquet")
    result = runner.invoke(
        app,
        ["evaluate", str(tmp_path / "dev.parquet"), "--taxonomy", TAXONOMY, "-e", "lexical-256",
         "--text-column", "story", "--format", "parquet"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "rejected" in result.output and "dev.parquet:25: empty 'story'" in result.output
    assert "articles: 24" in result.output
