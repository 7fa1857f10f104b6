from __future__ import annotations

import json
from pathlib import Path

from fixture_server import FixtureServer, Route
from typer.testing import CliRunner

from newsdesk.cli.app import app
from newsdesk.io.fetch import Fetcher
from newsdesk.io.ingest import Ingester, IngestReport

DATA = Path(__file__).parent.parent / "data" / "ingest"
EN = (DATA / "article_en.html").read_text(encoding="utf-8")
AR = (DATA / "article_ar.html").read_text(encoding="utf-8")


def site(**extra: Route) -> FixtureServer:
    server = FixtureServer()
    rss = (DATA / "feed_rss.xml").read_text(encoding="utf-8")
    server.routes.update(
        {
            "/feed.xml": Route(
                rss.replace("{base}", server.base), content_type="application/rss+xml"
            ),
            "/broken.xml": Route(
                (DATA / "feed_broken.xml").read_bytes(), content_type="application/rss+xml"
            ),
            "/economy/rates-hold": Route(EN),
            "/sport/final": Route(AR),
            # the same wire story on a second site, with its own header and footer
            "/mirror/rates": Route(EN.replace("Example News", "Mirror Daily")),
            "/login": Route((DATA / "no_article.html").read_bytes()),
            "/error": Route("oops", status=500),
            "/slow": Route(EN, delay=10.0),
            "/loop": Route(status=302, headers={"Location": "/loop"}),
            **extra,
        }
    )
    return server


def fetcher() -> Fetcher:
    # the slow page waits 10 s: far past the 3 s timeout, even on a busy test machine
    return Fetcher(timeout=3.0, total_timeout=30.0, retries=1, backoff=0.01, host_delay=0.0)


def test_feeds_yield_each_linked_article_once() -> None:
    with site() as server, fetcher() as f:
        ingester = Ingester(f)
        report = IngestReport()
        urls = [server.url("/feed.xml"), server.url("/broken.xml"), server.url("/nowhere.xml")]
        articles = list(ingester.feeds(urls, report))
        again = list(ingester.feeds([server.url("/feed.xml")], IngestReport()))
    assert [a.title for a in articles] == [
        "Central bank holds rates as inflation cools",
        "المنتخب يتأهل إلى نهائي البطولة بعد فوز مثير",
    ]
    assert [a.lang for a in articles] == ["en", "ar"]
    assert articles[0].url == server.url("/economy/rates-hold")
    assert [where for where, _ in report.failures] == [urls[1], urls[2]]
    assert again == []  # already seen: not fetched again
    assert sum(1 for path, _ in server.hits if path == "/economy/rates-hold") == 1


def test_failing_pages_are_reported_and_skipped() -> None:
    paths = ["/login", "/error", "/slow", "/loop", "/economy/rates-hold", "/mirror/rates"]
    with site() as server, fetcher() as f:
        report = IngestReport()
        articles = list(Ingester(f, workers=2).pages([server.url(p) for p in paths], report))
    assert [a.url for a in articles] == [server.url("/economy/rates-hold")]
    reasons = dict(report.failures)
    assert "no article text" in reasons[server.url("/login")]
    assert "HTTP 500" in reasons[server.url("/error")]
    assert "timed out" in reasons[server.url("/slow")] or "longer" in reasons[server.url("/slow")]
    assert "redirect" in reasons[server.url("/loop")]
    assert sum(report.duplicates.values()) == 1  # the mirrored wire story
    assert report.articles == 1 and report.pages == 6


def test_ingest_page_cli_writes_classified_json_lines(tmp_path: Path) -> None:
    out = tmp_path / "ingested.jsonl"
    with site() as server:
        args = ["ingest", "page", server.url("/economy/rates-hold"), server.url("/error"),
                str(DATA / "article_ar.html"), "-o", str(out), "-e", "lexical",
                "--timeout", "3", "--host-delay", "0"]  # fmt: skip
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
        rerun = CliRunner().invoke(app, args)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2  # the rerun wrote nothing new
    assert {r["lang"] for r in rows} == {"en", "ar"}
    assert all(r["section"] in r["scores"] and 0 <= r["confidence"] <= 1 for r in rows)
    assert "skipped " + server.url("/error") in result.output
    assert "2 articles already in" in rerun.output


def test_ingest_feed_cli_polls_with_every(tmp_path: Path) -> None:
    out = tmp_path / "feed.jsonl"
    with site() as server:
        server.routes["/feed.xml"].etag = '"v1"'
        args = ["ingest", "feed", server.url("/feed.xml"), "--every", "0.001", "--rounds", "2",
                "-o", str(out), "-e", "lexical", "--host-delay", "0"]  # fmt: skip
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    assert "1 unchanged" in result.output  # the second round got a 304


def test_ingest_exits_1_when_everything_fails(tmp_path: Path) -> None:
    with site() as server:
        args = ["ingest", "feed", server.url("/broken.xml"), "-o", str(tmp_path / "x.jsonl"),
                "-e", "lexical", "--host-delay", "0"]  # fmt: skip
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert "not a readable feed" in result.output


def test_ingest_page_cli_stores_in_the_service_database(tmp_path: Path) -> None:
    from newsdesk.store import Store
    from newsdesk.store.tables import articles

    url = f"sqlite:///{tmp_path / 'news.db'}"
    unready = CliRunner().invoke(app, ["ingest", "page", str(DATA / "article_ar.html"),
                                       "--database-url", url, "-e", "lexical"])  # fmt: skip
    assert unready.exit_code == 2
    assert "newsdesk db upgrade" in unready.output
    assert CliRunner().invoke(app, ["db", "upgrade", "--database-url", url]).exit_code == 0
    with site() as server:
        args = ["ingest", "page", server.url("/economy/rates-hold"), str(DATA / "article_ar.html"),
                "--database-url", url, "-e", "lexical", "--timeout", "3", "--host-delay", "0"]  # fmt: skip
        first = CliRunner().invoke(app, args)
        # the same wire story on another site, and both pages again: nothing new is stored
        again = CliRunner().invoke(app, [*args, server.url("/mirror/rates")])
    assert first.exit_code == 0, first.output
    assert "2 new articles stored" in first.output
    assert "{" not in first.stdout  # no JSON lines on stdout when storing
    assert again.exit_code == 0, again.output
    assert "0 new articles stored" in again.output
    store = Store(url)
    with store.read() as conn:
        rows = conn.execute(articles.select()).mappings().all()
    store.dispose()
    assert sorted(r["lang"] for r in rows) == ["ar", "en"]
    assert all(r["section"] in r["scores"] for r in rows)
