from __future__ import annotations

import json
import time
from pathlib import Path

from fixture_server import FixtureServer, Route
from typer.testing import CliRunner

from newsdesk.cli.app import app
from newsdesk.io.dedup import canonical_url
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


def fetcher(server: FixtureServer) -> Fetcher:
    # the slow page waits 10 s: far past the 3 s timeout, even on a busy test machine
    return Fetcher(
        timeout=3.0, total_timeout=30.0, retries=1, backoff=0.01, host_delay=0.0,
        allow_private=[server.origin],
    )  # fmt: skip


def test_feeds_yield_each_linked_article_once() -> None:
    with site() as server, fetcher(server) as f:
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
    with site() as server, fetcher(server) as f:
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
                "--timeout", "3", "--host-delay", "0", "--allow-private", server.origin]  # fmt: skip
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
                "-o", str(out), "-e", "lexical", "--host-delay", "0",
                "--allow-private", server.origin]  # fmt: skip
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    assert "1 unchanged" in result.output  # the second round got a 304


def test_ingest_exits_1_when_everything_fails(tmp_path: Path) -> None:
    with site() as server:
        args = ["ingest", "feed", server.url("/broken.xml"), "-o", str(tmp_path / "x.jsonl"),
                "-e", "lexical", "--host-delay", "0", "--allow-private", server.origin]  # fmt: skip
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
                "--database-url", url, "-e", "lexical", "--timeout", "3", "--host-delay", "0",
                "--allow-private", server.origin]  # fmt: skip
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


def big_feed(server: FixtureServer, count: int) -> Route:
    """A feed of ``count`` items, newest first, each linking to a page of this server."""
    items = "".join(
        f"<item><title>story {i}</title><link>{server.url(f'/story/{i}')}</link></item>"
        for i in range(count)
    )
    rss = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    )
    return Route(rss, content_type="application/rss+xml", etag='"big"')


def story_page(number: int) -> Route:
    """An article page whose words no other story page shares (so none is a near-duplicate)."""
    words = [f"w{number}x{i}" for i in range(80)]
    text = ". ".join(" ".join(words[i : i + 10]) for i in range(0, 80, 10))
    return Route(
        f"<html><body><article><h1>Story {number}</h1><p>{text}.</p></article></body></html>"
    )


def story_hits(server: FixtureServer) -> list[str]:
    return [path for path, _ in server.hits if path.startswith("/story/")]


def test_max_items_caps_each_poll_and_leaves_the_rest_for_the_next() -> None:
    with site() as server, fetcher(server) as f:
        server.routes["/big.xml"] = big_feed(server, 5)
        server.routes.update({f"/story/{i}": story_page(i) for i in range(5)})
        ingester = Ingester(f, max_items=2)
        rounds = []
        for _ in range(4):
            report = IngestReport()
            list(ingester.feeds([server.url("/big.xml")], report))
            rounds.append((report.pages, report.held_back, report.feeds_unchanged))
    # the feed is read whole again while items wait (a 304 would hide them), then conditionally
    assert rounds == [(2, 3, 0), (2, 1, 0), (1, 0, 0), (0, 0, 1)]
    assert story_hits(server) == [f"/story/{i}" for i in range(5)]  # newest first, each once


def test_max_items_fetches_a_failed_page_again_only_in_the_room_new_items_leave() -> None:
    with site() as server, fetcher(server) as f:
        server.routes["/big.xml"] = big_feed(server, 3)
        server.routes.update({f"/story/{i}": story_page(i) for i in (1, 2)})  # 0 answers 404
        ingester = Ingester(f, max_items=1)
        for _ in range(4):
            list(ingester.feeds([server.url("/big.xml")], IngestReport()))
    assert story_hits(server) == ["/story/0", "/story/1", "/story/2", "/story/0"]


def test_a_periodic_run_remembers_a_bounded_number_of_tried_pages() -> None:
    with site() as server, fetcher(server) as f:
        ingester = Ingester(f, max_tried=3)
        for poll in range(4):  # as --every does: new failing pages each round
            urls = [server.url(f"/gone/{poll}/{i}") for i in range(2)]
            list(ingester.pages(urls, IngestReport()))
    last = [server.url(f"/gone/{r}/{i}") for r, i in ((2, 1), (3, 0), (3, 1))]
    assert list(ingester._tried) == [canonical_url(url) for url in last]


def test_feed_links_to_another_private_host_are_refused() -> None:
    inside = FixtureServer({"/secret": Route(EN)})
    with inside, site() as server, fetcher(server) as f:
        server.routes["/leaky.xml"] = Route(
            f'<rss version="2.0"><channel><title>t</title><item><title>x</title>'
            f"<link>{inside.url('/secret')}</link></item></channel></rss>",
            content_type="application/rss+xml",
        )
        report = IngestReport()
        articles = list(Ingester(f).feeds([server.url("/leaky.xml")], report))
    assert articles == [] and inside.hits == []
    ((where, reason),) = report.failures
    assert where == inside.url("/secret") and f"{inside.origin} is not a public" in reason


def test_ingest_feed_cli_reports_progress_and_each_skipped_url_once(tmp_path: Path) -> None:
    with site() as server:
        server.routes["/big.xml"] = big_feed(server, 6)  # the story pages answer 404
        args = ["ingest", "feed", server.url("/big.xml"), "--max-items", "4",
                "-o", str(tmp_path / "x.jsonl"), "-e", "lexical", "--host-delay", "0",
                "--allow-private", server.origin]  # fmt: skip
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output  # the feed itself was read
    for i in range(4):
        assert result.stderr.count(server.url(f"/story/{i}")) == 1, result.stderr
    assert server.url("/story/4") not in result.stderr  # left for the next poll
    assert "4/4 pages" in result.stderr
    assert "2 feed items left for the next round" in result.stderr


def test_ingest_page_cli_gives_up_on_a_trickling_server_at_the_deadline(tmp_path: Path) -> None:
    with site(**{"/loris": Route(trickle=0.2)}) as server:
        args = ["ingest", "page", server.url("/loris"), "-o", str(tmp_path / "x.jsonl"),
                "-e", "lexical", "--timeout", "2", "--total-timeout", "1", "--host-delay", "0",
                "--allow-private", server.origin]  # fmt: skip
        began = time.monotonic()
        result = CliRunner().invoke(app, args)
        took = time.monotonic() - began
    assert result.exit_code == 1
    assert f"skipped {server.url('/loris')}: took longer than 1s in total" in result.stderr
    assert took < 15  # the model loads in a few seconds; the server would trickle for 180 s


def test_ingest_cli_refuses_a_bad_allow_private_entry() -> None:
    args = ["ingest", "page", "http://example.org/", "--allow-private", "10.0.0.0/33",
            "-e", "lexical"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert "cannot allow '10.0.0.0/33': not a network" in result.stderr


def test_a_page_is_decoded_with_the_charset_of_its_http_header() -> None:
    html = (DATA / "article_ar.html").read_text(encoding="utf-8")
    html = html.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))  # not in windows-1256
    # the page's own label is wrong, but Latin-1 decodes any byte: only the header can tell
    html = html.replace('<meta charset="utf-8">', '<meta charset="iso-8859-1">')
    page = Route(html.encode("cp1256"), content_type="text/html; charset=windows-1256")
    with site(**{"/ar-1256": page}) as server, fetcher(server) as f:
        (article,) = Ingester(f).pages([server.url("/ar-1256")], IngestReport())
    assert article.title == "المنتخب يتأهل إلى نهائي البطولة بعد فوز مثير"
    assert article.lang == "ar"
