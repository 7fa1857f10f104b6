from __future__ import annotations

import gzip
import io
import json
import logging
import sys
import tracemalloc
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from newsdesk.article import Article
from newsdesk.errors import ReaderError
from newsdesk.io.readers import check_source, count_records, read_articles
from newsdesk.io.records import Rejected

EN = "The government said on Monday that the election will be held in May."
AR = "أعلنت الحكومة أن الانتخابات ستجرى في شهر مايو المقبل."


def read(path: Path | str, **options: object) -> tuple[list[Article], list[Rejected]]:
    rejected: list[Rejected] = []
    articles = list(read_articles(path, on_reject=rejected.append, **options))  # type: ignore[arg-type]
    return articles, rejected


def jsonl(*rows: object) -> bytes:
    return b"".join(
        (row if isinstance(row, bytes) else json.dumps(row, ensure_ascii=False).encode()) + b"\n"
        for row in rows
    )


# --- JSON Lines ---------------------------------------------------------------------------------


def test_jsonl_rows_become_articles(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(
        jsonl(
            {
                "id": 7,
                "title": "Election date",
                "text": EN,
                "url": "https://x.test/1",
                "label": "p",
            },
            {"text": AR, "lang": "AR", "date": "2024-05-01", "source": "wire"},
        )
    )
    (first, second), rejected = read(path)
    assert rejected == []
    assert (first.id, first.title, first.text, first.lang, first.url) == (
        "7", "Election date", EN, "en", "https://x.test/1"
    )  # fmt: skip
    assert first.extra == {"label": "p"}
    # no id: name and line; a given lang is kept (lower-cased), a date is the publication date
    assert (second.id, second.lang, second.published, second.source) == (
        "feed.jsonl:2", "ar", "2024-05-01", "wire"
    )  # fmt: skip


def test_jsonl_every_bad_row_is_rejected_with_its_line_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(
        jsonl(
            {"text": EN},
            b"{not json",
            b"[1, 2]",
            b'"just a string"',
            {"title": "t", "body": "the text is here"},
            {"text": 42},
            {"text": "   "},
            b'{"text": "caf\xe9 au lait"}',
            {"text": EN, "title": {"nested": True}},
            {"text": AR},
        )
    )
    articles, rejected = read(path)
    assert [a.id for a in articles] == ["bad.jsonl:1", "bad.jsonl:10"]
    assert [(r.line, r.reason) for r in rejected] == [
        (2, "invalid JSON: Expecting property name enclosed in double quotes (column 2)"),
        (3, "expected a JSON object, got an array"),
        (4, "expected a JSON object, got a string"),
        (5, "no 'text' field; fields are: title, body; pass --text-column body"),
        (6, "'text' is a number, expected a string"),
        (7, "empty 'text'"),
        (8, "undecodable bytes: not UTF-8 (byte 0xe9)"),
        (9, "'title' is an object, expected a string"),
    ]
    assert all(r.source == str(path) for r in rejected)
    assert rejected[0].raw == "{not json"
    assert rejected[6].raw == '{"text": "caf\ufffd au lait"}'
    assert (
        str(rejected[0])
        == f"{path}:2: invalid JSON: Expecting property name enclosed in double quotes (column 2)"
    )


def test_jsonl_blank_lines_are_not_rows(tmp_path: Path) -> None:
    path = tmp_path / "gaps.jsonl"
    path.write_bytes(b"\n" + jsonl({"text": EN}) + b"  \n\r\n" + jsonl({"text": AR}))
    articles, rejected = read(path)
    assert [a.id for a in articles] == ["gaps.jsonl:2", "gaps.jsonl:5"]
    assert rejected == []
    assert count_records(path) == 2


def test_rejects_are_logged_without_a_handler(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "one.jsonl"
    path.write_bytes(b"oops\n")
    with caplog.at_level(logging.WARNING, logger="newsdesk.io.readers"):
        assert list(read_articles(path)) == []
    assert f"rejected {path}:1: invalid JSON" in caplog.text


def test_lang_detection_can_be_turned_off(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(jsonl({"text": EN}))
    (article,), _ = read(path, detect_lang=False)
    assert article.lang is None


def test_configurable_field_names_in_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(jsonl({"uid": "x1", "headline": "H", "body": EN}))
    (article,), _ = read(path, text_column="body", title_column="headline", id_column="uid")
    assert (article.id, article.title, article.text) == ("x1", "H", EN)


# --- gzip ---------------------------------------------------------------------------------------


def test_jsonl_gz_reads_like_jsonl(tmp_path: Path) -> None:
    data = jsonl({"id": "a", "text": EN}, b"bad", {"text": AR})
    (tmp_path / "feed.jsonl").write_bytes(data)
    (tmp_path / "feed.jsonl.gz").write_bytes(gzip.compress(data))
    plain, plain_rejected = read(tmp_path / "feed.jsonl")
    packed, packed_rejected = read(tmp_path / "feed.jsonl.gz")
    assert [(a.text, a.lang) for a in packed] == [(a.text, a.lang) for a in plain]
    assert [a.id for a in packed] == ["a", "feed.jsonl.gz:3"]
    assert [(r.line, r.reason) for r in packed_rejected] == [
        (r.line, r.reason) for r in plain_rejected
    ]


def test_gzip_is_recognised_by_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "feed.jsonl"
    path.write_bytes(gzip.compress(jsonl({"text": EN})))
    (article,), _ = read(path)
    assert article.text == EN


def test_truncated_gzip_keeps_rows_before_and_rejects_the_rest(tmp_path: Path) -> None:
    rows = [{"text": f"{EN} Row {i}."} for i in range(300)]
    packed = gzip.compress(jsonl(*rows))
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(packed[: len(packed) // 2])
    articles, rejected = read(path)
    assert 0 < len(articles) < 300
    assert [a.text for a in articles] == [r["text"] for r in rows[: len(articles)]]
    (last,) = rejected[-1:]
    assert "the rest of the input is lost" in last.reason
    assert last.line is not None and last.line > len(articles)


# --- CSV ----------------------------------------------------------------------------------------


def test_csv_default_columns(tmp_path: Path) -> None:
    path = tmp_path / "articles.csv"
    path.write_text(
        f'id,title,text,section\n1,First,"{EN}",politics\n,Second,"{AR}\nsecond line",\n',
        encoding="utf-8",
    )
    (first, second), rejected = read(path)
    assert rejected == []
    assert (first.id, first.title, first.lang, first.extra) == (
        "1",
        "First",
        "en",
        {"section": "politics"},
    )
    # a quoted field over two lines: the id names the line the row starts on
    assert (second.id, second.text) == ("articles.csv:3", f"{AR}\nsecond line")


def test_csv_configurable_columns_and_bom(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes("\ufeffuid,headline,body\nk9,Title,".encode() + EN.encode() + b"\n")
    (article,), _ = read(path, text_column="body", title_column="headline", id_column="uid")
    assert (article.id, article.title, article.text) == ("k9", "Title", EN)


def test_csv_without_the_text_column_names_columns_and_flag(tmp_path: Path) -> None:
    path = tmp_path / "articles.csv"
    path.write_text("title,body,tag\nT,Some body text,x\n", encoding="utf-8")
    expected = (
        f"column 'text' not found in {path}; columns are: title, body, tag; pass --text-column body"
    )
    with pytest.raises(ReaderError, match=f"^{expected.replace('.', '[.]')}$"):
        read_articles(path)  # raised on the call, before any row is read


def test_csv_missing_column_guess_falls_back_to_the_longest_value(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("a,b\nshort,a much longer cell of text\n", encoding="utf-8")
    with pytest.raises(ReaderError, match=r"columns are: a, b; pass --text-column b$"):
        read_articles(path)


def test_csv_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(
        b"id,title,text\n"
        b"1,ok," + EN.encode() + b"\n"
        b"2,too few\n"
        b"3,x,y,z\n"
        b"4,bytes,caf\xe9\n"
        b"5,empty,\n"
        b"6,fine," + EN.encode() + b"\n"
    )
    articles, rejected = read(path)
    assert [a.id for a in articles] == ["1", "6"]
    assert [(r.line, r.reason) for r in rejected] == [
        (3, "row has 2 fields, the header has 3"),
        (4, "row has 4 fields, the header has 3"),
        (5, "undecodable bytes: not UTF-8 (byte 0xe9)"),
        (6, "empty 'text'"),
    ]
    assert rejected[0].raw == "2,too few"


def test_empty_csv_is_a_reader_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(
        ReaderError, match=r"empty\.csv is empty; a CSV file starts with a header row"
    ):
        read_articles(path)


def test_tsv_and_csv_gz(tmp_path: Path) -> None:
    (tmp_path / "a.tsv").write_text(f"title\ttext\nT\t{EN}\n", encoding="utf-8")
    (tmp_path / "b.csv.gz").write_bytes(gzip.compress(f"text\n{AR}\n".encode()))
    (tsv,), _ = read(tmp_path / "a.tsv")
    (gz,), _ = read(tmp_path / "b.csv.gz")
    assert (tsv.title, tsv.text, gz.text, gz.id) == ("T", EN, AR, "b.csv.gz:2")


# --- .txt files and folders ---------------------------------------------------------------------


def test_txt_first_line_is_the_title_when_a_blank_line_follows(tmp_path: Path) -> None:
    (tmp_path / "titled.txt").write_text(f"Election date set\n\n{EN}\nMore.\n", encoding="utf-8")
    (tmp_path / "plain.txt").write_text(f"{EN}\nSecond line.\n", encoding="utf-8")
    (titled,), _ = read(tmp_path / "titled.txt")
    (plain,), _ = read(tmp_path / "plain.txt")
    assert (titled.id, titled.title, titled.text, titled.lang) == (
        "titled.txt", "Election date set", f"{EN}\nMore.", "en"
    )  # fmt: skip
    assert (plain.title, plain.text) == ("", f"{EN}\nSecond line.")


def test_txt_bad_files(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text(" \n\n", encoding="utf-8")
    (tmp_path / "latin1.txt").write_bytes(b"line one\nline two caf\xe9\n")
    assert read(tmp_path / "empty.txt") == (
        [],
        [Rejected(str(tmp_path / "empty.txt"), None, "empty file")],
    )
    _, (bad,) = read(tmp_path / "latin1.txt")
    assert (bad.line, bad.reason) == (2, "undecodable bytes: not UTF-8 (byte 0xe9)")


def test_folder_of_txt_files(tmp_path: Path) -> None:
    (tmp_path / "b.txt").write_text(AR, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text(EN, encoding="utf-8")
    (tmp_path / "notes.md").write_text("ignored", encoding="utf-8")
    articles, _ = read(tmp_path)
    assert [(a.id, a.lang) for a in articles] == [("b.txt", "ar"), ("sub/a.txt", "en")]
    assert count_records(tmp_path) == 2


def test_folder_without_txt_files(tmp_path: Path) -> None:
    with pytest.raises(ReaderError, match=r"no \.txt files in this folder"):
        read_articles(tmp_path)


# --- stdin --------------------------------------------------------------------------------------


def feed_stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


def test_stdin_json_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    feed_stdin(monkeypatch, b"\n" + jsonl({"text": EN}, b"nope", {"id": "z", "text": AR}))
    articles, rejected = read("-")
    assert [(a.id, a.lang) for a in articles] == [("stdin:2", "en"), ("z", "ar")]
    assert [(r.source, r.line) for r in rejected] == [("<stdin>", 3)]
    assert count_records("-") is None


def test_stdin_plain_text_is_one_article(monkeypatch: pytest.MonkeyPatch) -> None:
    feed_stdin(monkeypatch, f"Headline\n\n{EN}\n{EN}\n".encode())
    (article,), _ = read("-")
    assert (article.id, article.title, article.text) == ("stdin", "Headline", f"{EN}\n{EN}")


def test_stdin_format_can_be_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    feed_stdin(monkeypatch, f"text,title\n{EN},T\n".encode())
    (article,), _ = read("-", format="csv")
    assert (article.title, article.id) == ("T", "stdin:2")


def test_empty_stdin_has_no_articles(monkeypatch: pytest.MonkeyPatch) -> None:
    feed_stdin(monkeypatch, b"\n \n")
    assert read("-") == ([], [])


def test_gzip_on_stdin_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    feed_stdin(monkeypatch, gzip.compress(jsonl({"text": EN})))
    with pytest.raises(ReaderError, match="stdin is gzip-compressed; decompress it first"):
        read_articles("-")


# --- whole inputs -------------------------------------------------------------------------------


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ReaderError, match=r"no such file: .*nope\.jsonl"):
        read_articles(tmp_path / "nope.jsonl")
    (tmp_path / "data.xml").write_text("<a/>", encoding="utf-8")
    with pytest.raises(
        ReaderError, match=r"cannot tell the format of .*data\.xml from its name.*--format"
    ):
        check_source(tmp_path / "data.xml")
    with pytest.raises(
        ReaderError, match="unknown input format 'xml'; use one of jsonl, csv, tsv, txt"
    ):
        read_articles(tmp_path / "data.xml", format="xml")
    (article,), _ = read(tmp_path / "data.xml", format="txt")
    assert article.text == "<a/>"


def test_count_records_counts_articles_and_rejects(tmp_path: Path) -> None:
    path = tmp_path / "mix.jsonl"
    path.write_bytes(jsonl({"text": EN}, b"bad", {"text": ""}, {"text": AR}))
    articles, rejected = read(path)
    assert count_records(path) == len(articles) + len(rejected) == 4


def test_reading_streams_instead_of_loading_the_file(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    row = json.dumps({"text": EN * 100}).encode() + b"\n"  # ~7 kB a row
    with path.open("wb") as out:
        for _ in range(3000):  # ~21 MB
            out.write(row)
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_articles(path, detect_lang=False))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 3000
    assert peak < 2_000_000, peak


# --- inputs that are broken as a whole ----------------------------------------------------------


def test_unterminated_json_string_is_reported_as_unterminated(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl"
    path.write_bytes(b'{"id": "x", "text": "abc\n')
    _, (rejected,) = read(path)
    assert rejected.reason == "invalid JSON: Unterminated string starting at (column 21)"


def test_gz_file_that_is_not_gzip_is_refused_once(tmp_path: Path) -> None:
    path = tmp_path / "garbage.jsonl.gz"
    path.write_bytes(bytes(range(7, 256)) * 4 + b"\n" * 3)  # no gzip magic, several lines
    with pytest.raises(ReaderError, match=r"garbage\.jsonl\.gz: not gzip"):
        check_source(path)
    with pytest.raises(ReaderError, match=r"garbage\.jsonl\.gz: not gzip"):
        read_articles(path)


def test_gzip_magic_with_a_corrupt_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.jsonl.gz"
    path.write_bytes(b"\x1f\x8b\x00not a deflate stream at all\n")
    with pytest.raises(ReaderError, match=r"corrupt\.jsonl\.gz: not gzip \("):
        check_source(path)


def test_check_source_reads_the_csv_header(tmp_path: Path) -> None:
    path = tmp_path / "articles.csv"
    path.write_text("title,body\nT,Some body text\n", encoding="utf-8")
    with pytest.raises(ReaderError, match=r"columns are: title, body; pass --text-column body$"):
        check_source(path)
    check_source(path, text_column="body")  # the right column: no error


def test_check_source_closes_the_csv_file_it_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closed by check_source itself, not left to whenever the half-read lines are collected
    (at once on CPython, which this test defers by keeping the CSV readers alive)."""
    import csv

    from newsdesk.io import readers

    opened: list[BinaryIO] = []
    kept: list[object] = []
    real_open, real_reader = readers._open_binary, csv.reader

    def open_binary(path: Path) -> BinaryIO:
        opened.append(real_open(path))
        return opened[-1]

    def reader(*args: Any, **kwargs: Any) -> Any:
        kept.append(real_reader(*args, **kwargs))
        return kept[-1]

    monkeypatch.setattr(readers, "_open_binary", open_binary)
    monkeypatch.setattr(csv, "reader", reader)
    path = tmp_path / "articles.csv"
    path.write_text("title,body\nT,Some body text\n", encoding="utf-8")
    check_source(path, text_column="body")
    with pytest.raises(ReaderError, match="column 'text' not found"):
        check_source(path)
    assert len(opened) == 2 and all(stream.closed for stream in opened)


def test_missing_text_column_without_a_guess_still_names_the_flag(tmp_path: Path) -> None:
    path = tmp_path / "empty_cells.csv"
    path.write_text("a,b\n,\n", encoding="utf-8")
    with pytest.raises(ReaderError, match=r"columns are: a, b; pass --text-column NAME$"):
        check_source(path)


def test_rows_with_unusable_characters_are_rejected_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "odd.jsonl"
    rows = [
        {"id": "s", "text": "abc \ud800 def"},
        {"id": "n", "text": "a\x00b"},
        {"id": "z", "text": "\u200b\u200c"},
        {"id": "l", "text": EN, "lang": "en\u0001"},
        {"id": "ok", "text": EN},
    ]
    path.write_bytes(b"".join(json.dumps(row).encode() + b"\n" for row in rows))
    articles, rejected = read(path)
    assert [a.id for a in articles] == ["ok"]
    assert [(r.line, r.reason.split(" (")[0]) for r in rejected] == [
        (1, "article text holds a lone surrogate"),
        (2, "article text holds a NUL character"),
        (3, "article has no text: both 'text' and 'title' are empty"),
        (4, "article lang 'en\\x01' is not a language code such as en, ar or pt-BR"),
    ]
