from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from newsdesk.article import Article
from newsdesk.errors import ReaderError
from newsdesk.io.parquet import iter_parquet_records
from newsdesk.io.resume import JsonlSink, ParquetSink, open_sink, skip_done, write_predictions

ARTICLES = [Article(text=f"story number {i}", id=f"a{i}") for i in range(10)]


def predict(batch: Iterable[Article]) -> list[dict[str, Any]]:
    rows = []
    for article in batch:
        n = int(article.id[1:])  # type: ignore[index]
        scores = {"Sports": round(n / 10, 4), "Health": round(1 - n / 10, 4)}
        best = max(scores, key=lambda k: scores[k])
        rows.append(
            {
                "id": article.id,
                "section": best,
                "confidence": scores[best],
                "lang": "en",
                "scores": scores,
            }
        )
    return rows


def predict_stream(articles: Iterator[Article]) -> Iterator[dict[str, Any]]:
    for article in articles:
        yield from predict([article])


class Crash(Exception):
    pass


def crashing(after: int):  # type: ignore[no-untyped-def]
    """A prediction stream that dies after ``after`` rows, as a killed process would."""

    def predict_then_crash(articles: Iterator[Article]) -> Iterator[dict[str, Any]]:
        for n, row in enumerate(predict_stream(articles)):
            if n == after:
                raise Crash
            yield row

    return predict_then_crash


def read_rows(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        return list(iter_parquet_records(path))
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("name", ["out.jsonl", "out.parquet"])
def test_a_crashed_run_resumes_without_loss_or_duplicates(tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    sink = open_sink(out)
    if isinstance(sink, ParquetSink):
        sink.rows_per_part = 3
    with pytest.raises(Crash):
        write_predictions(ARTICLES, crashing(after=5), sink, batch_size=2)
    if out.suffix == ".jsonl":
        with out.open("a", encoding="utf-8") as fh:
            fh.write('{"id": "a4", "sec')  # a line torn by the kill
    resumed = open_sink(out, resume=True)
    assert resumed.done in (3, 4) and resumed.last_id == f"a{resumed.done - 1}"
    written = write_predictions(ARTICLES, predict_stream, resumed, batch_size=2)
    assert written == 10 - resumed.done
    assert read_rows(out) == predict(ARTICLES)


def test_jsonl_resume_of_a_finished_file_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    write_predictions(ARTICLES, predict_stream, open_sink(out))
    assert write_predictions(ARTICLES, predict_stream, open_sink(out, resume=True)) == 0
    assert read_rows(out) == predict(ARTICLES)


def test_parquet_resume_of_a_finished_file_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    write_predictions(ARTICLES, predict_stream, open_sink(out))
    assert write_predictions(ARTICLES, predict_stream, open_sink(out, resume=True)) == 0
    assert read_rows(out) == predict(ARTICLES)
    assert not (tmp_path / "out.parquet.parts").exists()


def test_parquet_parts_are_whole_or_absent(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    sink = ParquetSink(out, rows_per_part=4)
    sink.write(predict(ARTICLES[:5]))  # one part of 5 rows written, nothing buffered
    (out.parent / "out.parquet.parts" / "part-000001.tmp").write_bytes(b"PAR1 torn")
    resumed = ParquetSink(out, resume=True)
    assert (resumed.done, resumed.last_id) == (5, "a4")
    assert not list((out.parent / "out.parquet.parts").glob("*.tmp"))


def test_resume_refuses_another_input(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    write_predictions(ARTICLES[:4], predict_stream, open_sink(out))
    other = [Article(text="x", id=f"b{i}") for i in range(10)]
    with pytest.raises(ReaderError, match="has id 'a3' but input article 4 has id 'b3'"):
        list(skip_done(other, open_sink(out, resume=True)))
    with pytest.raises(ReaderError, match="input has only 2"):
        list(skip_done(ARTICLES[:2], open_sink(out, resume=True)))


def test_resume_needs_a_file() -> None:
    with pytest.raises(ReaderError, match="needs an output file"):
        open_sink("-", resume=True)


def test_jsonl_sink_without_resume_starts_afresh(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text('{"id": "old"}\n', encoding="utf-8")
    sink = JsonlSink(out)
    sink.write(predict(ARTICLES[:1]))
    sink.close()
    assert [r["id"] for r in read_rows(out)] == ["a0"]


def test_parquet_join_gathers_small_parts_into_large_row_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.parquet as pq

    monkeypatch.setattr(ParquetSink, "JOIN_ROWS", 4)
    out = tmp_path / "out.parquet"
    sink = ParquetSink(out, rows_per_part=1)
    write_predictions(ARTICLES, predict_stream, sink, batch_size=1)  # ten parts of one row
    groups = pq.ParquetFile(str(out)).metadata
    assert [groups.row_group(i).num_rows for i in range(groups.num_row_groups)] == [4, 4, 2]
    assert read_rows(out) == predict(ARTICLES)
