"""How fast the review desk's pages render with a large store (default 100,000 articles).

Seeds a database with bulk inserts (random calls over the twelve default sections, filed over
the last 100 days, one in twenty reviewed), starts the service in-process with the lexical
encoder, signs an editor in, and times each page through the test client: the server's time
plus a negligible in-process transport. Prints a table of median and p95 milliseconds, and
the query plans of the queue and of a section page.

    python benchmarks/pages.py [--articles 100000] [--repeat 20]
    python benchmarks/pages.py --database-url postgresql://postgres@127.0.0.1:5432/test

A SQLite file in a temporary folder by default; with a PostgreSQL URL the articles go into a
schema of their own, dropped at the end.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from newsdesk.classify.classifier import Classifier
from newsdesk.server import Settings, create_app
from newsdesk.store import KeyRole, Store
from newsdesk.store import users as user_repository
from newsdesk.store.engine import normalize_url
from newsdesk.store.migrate import upgrade
from newsdesk.store.queue_order import filing_priority, is_random_pick
from newsdesk.store.tables import articles, corrections
from newsdesk.ui import DeskSettings

WORDS = [
    "government",
    "election",
    "market",
    "bank",
    "health",
    "hospital",
    "museum",
    "concert",
    "novel",
    "spy",
    "attack",
    "team",
    "match",
    "goal",
    "minister",
    "parliament",
    "prices",
    "inflation",
    "vaccine",
    "exhibition",
    "album",
    "festival",
    "poetry",
    "charity",
    "campaign",
    "analysis",
    "opinion",
    "intelligence",
    "agents",
    "breaking",
    "explosion",
    "coach",
    "stadium",
    "الحكومة",
    "الانتخابات",
    "السوق",
    "البنك",
    "الصحة",
    "المستشفى",
    "المتحف",
    "الحفل",
    "الرواية",
    "المباراة",
]
SOURCES = [f"Source {i}" for i in range(40)]
BUDGET_MS = 300.0


def seed(store: Store, sections: list[str], n: int, rng: random.Random) -> float:
    """Insert ``n`` articles (and corrections for 5% of them); return the seconds it took."""
    start = time.perf_counter()
    now = datetime.now(UTC)
    batch: list[dict] = []
    fixes: list[dict] = []
    with store.write() as conn:
        for i in range(n):
            weights = [rng.gammavariate(0.3, 1.0) for _ in sections]
            total = sum(weights) or 1.0
            scores = {s: w / total for s, w in zip(sections, weights, strict=True)}
            ranked = sorted(scores.values(), reverse=True)
            call = max(scores, key=scores.__getitem__)
            lang = "ar" if i % 3 == 0 else "en"
            filed = now - timedelta(minutes=rng.randrange(100 * 24 * 60))
            reviewed = i % 20 == 0
            corrected = rng.choice(sections) if reviewed else None
            batch.append(
                {
                    "id": f"bench-{i}",
                    "url": f"https://example.org/{i}",
                    "title": " ".join(rng.choices(WORDS, k=8)),
                    "text": " ".join(rng.choices(WORDS, k=140)) + ".",
                    "lang": lang,
                    "published": filed.date().isoformat(),
                    "source": rng.choice(SOURCES),
                    "content_hash": f"{i:064d}",
                    "filed_at": filed,
                    "section": call,
                    "confidence": ranked[0],
                    "margin": ranked[0] - ranked[1],
                    "priority": filing_priority(f"bench-{i}", ranked[0] - ranked[1]),
                    "random_pick": is_random_pick(f"bench-{i}"),
                    "sections": None,
                    "scores": scores,
                    "model_version": "bench",
                    "corrected_section": corrected,
                    "corrected_sections": [corrected] if corrected else None,
                    "corrected_at": filed + timedelta(hours=1) if corrected else None,
                }
            )
            if reviewed:
                fixes.append(
                    {
                        "article_seq": i + 1,
                        "section": corrected,
                        "sections": [corrected],
                        "previous_section": call,
                        "editor": "bench",
                        "created_at": filed + timedelta(hours=1),
                    }
                )
            if len(batch) == 5000:
                conn.execute(articles.insert(), batch)
                batch = []
        if batch:
            conn.execute(articles.insert(), batch)
        conn.execute(corrections.insert(), fixes)
    # What a database that has been running a while has: statistics, and on PostgreSQL a
    # visibility map (autovacuum's), without which counts cannot read an index alone.
    if store.is_sqlite:
        with store.write() as conn:
            conn.execute(text("ANALYZE"))
    else:
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - start


def timed(client: TestClient, path: str, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path)
        out.append(1000 * (time.perf_counter() - start))
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return out


@contextmanager
def bench_database(url: str | None, folder: Path) -> Iterator[str]:
    """A fresh database: a SQLite file in ``folder``, or a new schema of the PostgreSQL ``url``."""
    if url is None or url.startswith("sqlite"):
        yield url or f"sqlite:///{folder / 'bench.db'}"
        return
    schema = f"newsdesk_pages_{uuid.uuid4().hex[:10]}"
    engine = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options={quote(f'-csearch_path={schema}')}"
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def print_plans(store: Store) -> None:
    """How the database answers the queue's and a section page's queries."""
    explain = "EXPLAIN QUERY PLAN" if store.is_sqlite else "EXPLAIN"
    for label, sql in (
        (
            "queue",
            "SELECT seq FROM articles WHERE corrected_at IS NULL ORDER BY priority, seq LIMIT 26",
        ),
        (
            "section page (call side)",
            "SELECT seq FROM articles WHERE section = 'Music' AND corrected_section IS NULL "
            "AND confidence >= 0.6 ORDER BY seq DESC LIMIT 50",
        ),
    ):
        with store.read() as conn:
            plan = conn.execute(text(f"{explain} {sql}")).all()
        print(f"plan, {label}: " + " / ".join(str(row[-1]).strip() for row in plan))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL URL (default: a temporary SQLite file)"
    )
    args = parser.parse_args()
    rng = random.Random(0)
    with (
        tempfile.TemporaryDirectory() as folder,
        bench_database(args.database_url, Path(folder)) as url,
    ):
        store = Store(url)
        upgrade(store)
        classifier = Classifier.zero_shot(encoder="lexical")
        seconds = seed(store, classifier.taxonomy.names, args.articles, rng)
        with store.write() as conn:
            user_repository.create_user(conn, "bench", "bench-password", KeyRole.EDITOR)
        print(f"seeded {args.articles:,} articles in {seconds:.1f} s ({store!r})")
        print_plans(store)
        app = create_app(
            Settings(database_url=url, encoder="lexical"),  # type: ignore[call-arg]
            classifier=classifier,
            store=store,
            desk=DeskSettings(session_secret="bench", models_dir=Path(folder) / "models"),
        )
        with TestClient(app, base_url="https://testserver") as client:
            page = client.get("/desk/signin").text
            token = re.search(r'name="csrf_token" value="([^"]+)"', page)
            assert token
            client.post(
                "/desk/signin",
                data={"name": "bench", "password": "bench-password", "csrf_token": token[1]},
            )
            queue = client.get("/desk/queue").text
            seq = re.search(r'data-seq="(\d+)"', queue)
            after = re.search(r'after=([^"&]+)', queue)
            assert seq and after
            pages = {
                "queue": "/desk/queue",
                "queue, next page": f"/desk/queue?after={after[1]}",
                "queue, section + lang": "/desk/queue?section=Music&lang=ar",
                "queue, source + dates": "/desk/queue?source=Source%207&since=2020-01-01",
                "article": f"/desk/articles/{seq[1]}",
                "article passages": f"/desk/articles/{seq[1]}/passages",
                "dashboard": "/desk/dashboard",
                "models": "/desk/models",
                "section page": "/sections/music",
                "section feed": "/feeds/music.xml",
                "feeds.opml": "/feeds.opml",
            }
            print(f"\n{'page':<24}{'median ms':>10}{'p95 ms':>10}  under {BUDGET_MS:.0f} ms")
            worst = 0.0
            for name, path in pages.items():
                times = sorted(timed(client, path, args.repeat))
                p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
                worst = max(worst, p95)
                ok = "yes" if p95 < BUDGET_MS else "NO"
                print(f"{name:<24}{statistics.median(times):>10.1f}{p95:>10.1f}  {ok}")
            print(f"\nslowest p95: {worst:.1f} ms over {args.articles:,} articles")
        store.dispose()


if __name__ == "__main__":
    main()
