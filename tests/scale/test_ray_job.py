"""The Ray engine on a small input: a local Ray started once for the module (marked ``ray``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from newsdesk.cli.app import app
from newsdesk.errors import ReaderError
from newsdesk.io.parquet import iter_parquet_records
from services import need_ray

pytestmark = pytest.mark.ray

DATA = Path(__file__).parent.parent / "data"
EXAMPLES = Path(__file__).parents[2] / "examples" / "articles.jsonl"


@pytest.fixture(scope="module")
def articles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example articles and the language fixtures (rows without ids), one bad row."""
    folder = tmp_path_factory.mktemp("in")
    rows = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines()]
    rows += [
        {"text": json.loads(line)["text"]}  # no id: the reader names it FILE:LINE
        for line in (DATA / "langid.jsonl").read_text().splitlines()
    ]
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    lines.insert(5, '{"text": ')  # rejected by both engines
    path = folder / "articles.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def local_rows(tmp_path: Path, source: Path, *extra: str) -> dict[str, dict[str, Any]]:
    out = tmp_path / "local.jsonl"
    result = CliRunner().invoke(
        app, ["classify", str(source), "-e", "lexical", "-o", str(out), *extra]
    )
    assert result.exit_code == 3, result.output  # the bad row
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    return {r["id"]: r for r in rows}


def ray_rows(folder: Path) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in iter_parquet_records(folder)}


def test_ray_output_equals_the_local_cli_output(
    local_ray: None, articles: Path, tmp_path: Path
) -> None:
    out, rejects = tmp_path / "filed", tmp_path / "ray-rejects.jsonl"
    args = ["classify", "--engine", "ray", str(articles), str(out), "-e", "lexical"]
    result = CliRunner().invoke(app, [*args, "--workers", "2", "--rejects", str(rejects)])
    assert result.exit_code == 3, result.output
    assert "32 articles filed" in result.output and "1 row(s) rejected" in result.output
    assert f"rejected {articles}:6: invalid JSON" in result.output
    expected = local_rows(tmp_path, articles, "--rejects", str(tmp_path / "rejects.jsonl"))
    assert len(expected) == 32 and "articles.jsonl:26" in expected
    assert ray_rows(out) == expected
    assert rejects.read_bytes() == (tmp_path / "rejects.jsonl").read_bytes()


def test_ray_reads_parquet_and_folders_and_keeps_top_k(
    local_ray: None, articles: Path, tmp_path: Path
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [json.loads(line) for line in EXAMPLES.read_text(encoding="utf-8").splitlines()]
    folder = tmp_path / "archive"
    folder.mkdir()
    pq.write_table(pa.Table.from_pylist(rows[:6]), folder / "part-a.parquet")
    pq.write_table(pa.Table.from_pylist(rows[6:]), folder / "part-b.parquet")
    out = tmp_path / "filed"
    args = ["classify", "--engine", "ray", str(folder), "-o", str(out), "-e", "lexical", "-k", "2"]
    assert CliRunner().invoke(app, args).exit_code == 0
    filed = ray_rows(out)
    assert set(filed) == {r["id"] for r in rows}
    assert all(
        len(r["top"]) == 2 and r["top"][0]["section"] == r["section"] for r in filed.values()
    )
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 2 and "already holds" in again.output


def test_ray_job_refuses_mixed_or_missing_inputs(tmp_path: Path) -> None:
    from newsdesk.scale.inputs import resolve_inputs

    (tmp_path / "a.jsonl").write_text("{}\n")
    (tmp_path / "b.parquet").write_bytes(b"")
    with pytest.raises(ReaderError, match="mix formats"):
        resolve_inputs([str(tmp_path)])
    with pytest.raises(ReaderError, match="does not exist"):
        resolve_inputs([str(tmp_path / "nope.jsonl")])
    kind, files = resolve_inputs([str(tmp_path / "*.jsonl")])
    assert (kind, files) == ("jsonl", [str(tmp_path / "a.jsonl")])


def test_read_task_rows_are_the_cli_encoder_batches(articles: Path) -> None:
    need_ray()
    import io

    from newsdesk.io.readers import read_articles
    from newsdesk.scale.datasource import ArticleDatasource, articles_from_row

    source = ArticleDatasource([str(articles)], format="jsonl", group_rows=5, block_groups=2)
    stream = io.BytesIO(articles.read_bytes())
    blocks = list(source._read_stream(stream, str(articles)))
    groups = [articles_from_row(row) for block in blocks for row in block.to_pylist()]
    assert [len(b) for b in blocks] == [2, 2, 2, 1] and [len(g) for g in groups[-2:]] == [5, 2]
    expected = list(read_articles(articles))  # 32 articles, the bad row rejected
    assert [a.id for g in groups for a in g] == [a.id for a in expected]
    assert [g[0].id for g in groups] == [a.id for a in expected[::5]]


def test_read_task_rows_carry_their_rejects_and_skip_done_groups(tmp_path: Path) -> None:
    need_ray()
    import io

    from newsdesk.scale.datasource import ArticleDatasource

    lines = [json.dumps({"id": f"a{i}", "text": f"story {i}"}) for i in range(6)]
    lines[2:2] = ['{"text": ']  # read with the first group (a0, a1, a2)
    lines += ['{"text": ""}']  # after the last article: a group of no articles
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def rows(**done: set[int]) -> list[dict[str, Any]]:
        source = ArticleDatasource(
            [str(path)], format="jsonl", group_rows=3, done={str(path): g for g in done.values()}
        )
        stream = io.BytesIO(path.read_bytes())
        return [r for b in source._read_stream(stream, str(path)) for r in b.to_pylist()]

    found = rows()
    assert [(r["file"], r["group"], r["id"]) for r in found] == [
        (str(path), 0, ["a0", "a1", "a2"]),
        (str(path), 1, ["a3", "a4", "a5"]),
        (str(path), 2, []),
    ]
    assert [[json.loads(j)["line"] for j in r["rejects"]] for r in found] == [[3], [], [8]]
    assert [r["group"] for r in rows(done={0, 2})] == [1]


def test_the_address_check_lets_a_real_ray_cluster_through(local_ray: None) -> None:
    import ray

    from newsdesk.scale.cluster import check_ray_address

    gcs = ray.get_runtime_context().gcs_address
    assert check_ray_address(gcs) == gcs
