"""A planted news web for ingestion tests and ``benchmarks/scale.py ingest``.

Real articles (BBC News in English, ANT in Arabic) are served as pages by a few local sites,
each with its own template, and listed in each site's RSS feed. A share of the pages are
planted duplicates of another site's story: the same text under another template, or an
edited copy (new headline, a wire prefix, a sentence dropped, a line added, Arabic spelling
variants). Ingesting the feeds must keep exactly one page of each story, with its text.
"""

from __future__ import annotations

import gzip
import html
import json
import random
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fixture_server import FixtureServer, Route

TEMPLATES = [
    ("Daily Example", "nav-main", "Subscribe to our newsletter for the latest headlines."),
    ("The Mirror Post", "menu", "Follow us on social media. Cookie settings. Privacy."),
    ("صحيفة المثال", "topbar", "جميع الحقوق محفوظة. سياسة الخصوصية."),
    ("Wire Digest", "header-links", "Advertisement. Most read. Sign in to comment."),
]


@dataclass
class Page:
    path: str
    story: int  # the index of the distinct story this page tells
    title: str
    text: str
    kind: str  # original, copy, edited


@dataclass
class Site:
    servers: list[FixtureServer]
    pages: dict[str, Page] = field(default_factory=dict)  # by URL
    stories: list[dict[str, Any]] = field(default_factory=list)

    @property
    def feeds(self) -> list[str]:
        return [server.url("/feed.xml") for server in self.servers]


def render(title: str, text: str, template: int, lang: str) -> str:
    name, nav_class, footer = TEMPLATES[template]
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} | {name}</title>"
        f'<meta property="og:title" content="{html.escape(title)}">'
        f'<meta property="og:site_name" content="{name}"></head><body>'
        f'<nav class="{nav_class}"><a href="/">Home</a> <a href="/world">World</a> '
        f'<a href="/business">Business</a> <a href="/sport">Sport</a></nav>'
        f"<header><p>{footer}</p></header><main><article><h1>{html.escape(title)}</h1>"
        f"{paragraphs}</article></main>"
        f'<aside><h3>Most read</h3><ul><li><a href="/x">Other story</a></li></ul></aside>'
        f"<footer><p>&copy; {name}. {footer}</p></footer></body></html>"
    )


def rss(server: FixtureServer, paths: list[str]) -> str:
    items = "".join(f"<item><title>story</title><link>{server.url(p)}</link></item>" for p in paths)
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'
    )


def edit(title: str, text: str, lang: str, rng: random.Random) -> tuple[str, str]:
    """An edited copy: another headline, a wire prefix, a sentence less, a line more."""
    sentences = re.split(r"(?<=[.!?؟])\s+", text)
    if len(sentences) > 6:
        del sentences[rng.randrange(1, len(sentences) - 1)]
    body = " ".join(sentences)
    if lang == "ar":
        body = body.replace("أ", "ا").replace("إ", "ا").replace("ة ", "ه ")
        return f"عاجل: {title}", f"(رويترز) - {body}\nتابعوا آخر الأخبار على موقعنا."
    return f"UPDATE: {title}", f"(Reuters) - {body}\nRead more stories like this on our site."


def load_stories(data: Path, n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` distinct long articles, half English (BBC News), half Arabic (ANT)."""
    rng = random.Random(seed)
    with (data / "bbc_news" / "train.jsonl").open(encoding="utf-8") as lines:
        english = [dict(json.loads(line), lang="en") for line in lines]
    with gzip.open(data / "ant_multisource" / "train.jsonl.gz", "rt", encoding="utf-8") as lines:
        arabic = [dict(json.loads(line), lang="ar") for line in lines]
    keep = [r for r in english + arabic if r.get("title") and len(r["text"].split()) >= 80]
    english = [r for r in keep if r["lang"] == "en"]
    arabic = [r for r in keep if r["lang"] == "ar"]
    rng.shuffle(english)
    rng.shuffle(arabic)
    return distinct(english, n - n // 2) + distinct(arabic, n // 2)


def distinct(rows: list[dict[str, Any]], n: int, overlap: float = 0.3) -> list[dict[str, Any]]:
    """The first ``n`` rows that repeat no earlier one (word 5-gram Jaccard >= ``overlap``).

    The source sets hold a few stories twice (BBC News has the same text under two
    headlines), which would count as stories wrongly merged; the margin below the
    deduplicator's threshold keeps the planted pages the only duplicates.
    """
    by_shingle: dict[str, list[int]] = {}
    sizes: list[int] = []
    kept: list[dict[str, Any]] = []
    for row in rows:
        if len(kept) == n:
            break
        words = _words(row["text"])
        grams = {" ".join(words[i : i + 5]) for i in range(max(1, len(words) - 4))}
        shared: dict[int, int] = {}
        for gram in grams:
            for other in by_shingle.get(gram, ()):
                shared[other] = shared.get(other, 0) + 1
        if any(k / (len(grams) + sizes[o] - k) >= overlap for o, k in shared.items()):
            continue
        for gram in grams:
            by_shingle.setdefault(gram, []).append(len(sizes))
        sizes.append(len(grams))
        kept.append(row)
    return kept


def build_site(
    data: Path, *, pages: int, duplicate_share: float, seed: int = 6, sites: int = 4
) -> Site:
    """Start ``sites`` local servers holding ``pages`` pages, ``duplicate_share`` of them planted."""
    rng = random.Random(seed)
    duplicates = round(pages * duplicate_share)
    stories = load_stories(data, pages - duplicates, seed)
    servers = [FixtureServer() for _ in range(sites)]
    site = Site(servers, stories=stories)
    listed: list[list[str]] = [[] for _ in range(sites)]

    def place(where: int, page: Page, lang: str) -> None:
        server = servers[where]
        server.routes[page.path] = Route(render(page.title, page.text, where, lang))
        site.pages[server.url(page.path)] = page
        listed[where].append(page.path)

    for i, story in enumerate(stories):
        place(
            i % sites,
            Page(f"/story/{i}", i, story["title"], story["text"], "original"),
            story["lang"],
        )
    for d in range(duplicates):
        i = rng.randrange(len(stories))
        story = stories[i]
        where = (i % sites + 1 + rng.randrange(sites - 1)) % sites
        if d % 2:
            title, text, kind = story["title"], story["text"], "copy"
        else:
            title, text = edit(story["title"], story["text"], story["lang"], rng)
            kind = "edited"
        place(where, Page(f"/dup/{d}", i, title, text, kind), story["lang"])
    for where, server in enumerate(servers):
        server.routes["/feed.xml"] = Route(
            rss(server, listed[where]), content_type="application/rss+xml"
        )
        server.__enter__()
    return site


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold())


def check_ingest(site: Site, *, encoder: str = "lexical") -> dict[str, Any]:
    """Ingest the site's feeds, classify, write JSON Lines; say what was kept, caught, lost."""
    from newsdesk.classify.classifier import Classifier
    from newsdesk.io.fetch import Fetcher
    from newsdesk.io.ingest import Ingester, IngestReport, IngestWriter, classify_and_write

    clf = Classifier.zero_shot(encoder=encoder)
    out = Path(tempfile.mkdtemp()) / "ingested.jsonl"
    writer = IngestWriter(out)
    report = IngestReport()
    began = time.perf_counter()
    allowed = [server.origin for server in site.servers]  # the planted sites, all on loopback
    with Fetcher(host_delay=0.0, timeout=30, total_timeout=60, allow_private=allowed) as fetcher:
        ingester = Ingester(fetcher, workers=len(site.servers))
        written = classify_and_write(
            ingester.feeds(site.feeds, report),
            lambda batch: [p.to_dict() for p in clf.classify_many(batch)],
            writer,
        )
    seconds = time.perf_counter() - began
    writer.close()
    for server in site.servers:
        server.__exit__()
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    kept: dict[int, list[str]] = {}
    recall, precision = [], []
    for row in rows:
        page = site.pages[row["url"]]
        kept.setdefault(page.story, []).append(page.kind)
        source, got = set(_words(page.text)), set(_words(row["text"]))
        recall.append(len(source & got) / max(1, len(source)))
        precision.append(len(source & got) / max(1, len(got)))
    planted = [p for p in site.pages.values() if p.kind != "original"]
    stories = len(site.stories)
    return {
        "pages": len(site.pages),
        "distinct_stories": stories,
        "planted_duplicates": len(planted),
        "planted_by_kind": {k: sum(p.kind == k for p in planted) for k in ("copy", "edited")},
        "articles_written": written,
        "stories_kept_once": sum(len(v) == 1 for v in kept.values()),
        "duplicates_missed": sum(len(v) - 1 for v in kept.values() if len(v) > 1),
        "stories_lost": stories - len(kept),  # merged into another story, or not extracted
        "duplicates_caught": dict(report.duplicates),
        "failures": report.failures,
        "text_recall_min": round(min(recall, default=0), 3),
        "text_recall_mean": round(sum(recall) / max(1, len(recall)), 3),
        "text_precision_min": round(min(precision, default=0), 3),
        "text_precision_mean": round(sum(precision) / max(1, len(precision)), 3),
        "titles_match": sum(row["title"] == site.pages[row["url"]].title for row in rows),
        "seconds": round(seconds, 1),
        "pages_per_second": round(len(site.pages) / seconds, 1),
    }
