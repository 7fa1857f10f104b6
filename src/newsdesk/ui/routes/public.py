"""The public, read-only side: a page and an Atom feed a section, and an OPML list of feeds.

No sign-in. Only articles an editor filed or confirmed, or whose call is at least
``public_min_confidence`` sure, appear; a correction moves an article to its new section.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from newsdesk.store.review import QueueItem, section_articles
from newsdesk.ui.auth import DeskError, DeskState
from newsdesk.ui.desk import Desk
from newsdesk.ui.feeds import atom_feed, opml
from newsdesk.ui.pages import render
from newsdesk.ui.templating import section_slug

router = APIRouter(include_in_schema=False)


def _sections(desk: Desk) -> dict[str, str]:
    """Slug -> section name, in taxonomy order."""
    return {section_slug(name): name for name in desk.slot.current.classifier.taxonomy.names}


def _section(desk: Desk, slug: str) -> str:
    found = _sections(desk).get(slug)
    if found is None:
        raise DeskError(404, f"no section {slug!r}; see /sections for the list")
    return found


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _urls(base: str, slug: str) -> tuple[str, str]:
    """A section's feed and page URLs, the slug percent-encoded (Arabic slugs are not ASCII)."""
    path = quote(slug, safe="")
    return f"{base}/feeds/{path}.xml", f"{base}/sections/{path}"


async def _items(desk: Desk, section: str) -> list[QueueItem]:
    def read() -> list[QueueItem]:
        with desk.store.read() as conn:
            return section_articles(
                conn,
                section,
                min_confidence=desk.settings.public_min_confidence,
                limit=desk.settings.feed_size,
            )

    return await run_in_threadpool(read)


@router.get("/sections")
async def sections_index(request: Request, desk: DeskState) -> Response:
    context = {"sections": list(_sections(desk).items()), "outlet": _outlet(desk)}
    return render(request, "sections.html", context)


@router.get("/sections/{slug}")
async def section_page(request: Request, slug: str, desk: DeskState) -> Response:
    section = _section(desk, slug)
    items = await _items(desk, section)
    context = {
        "section": section,
        "slug": slug,
        "items": items,
        "sections": list(_sections(desk).items()),
        "outlet": _outlet(desk),
    }
    return render(request, "section.html", context)


@router.get("/feeds/{slug}.xml")
async def section_feed(request: Request, slug: str, desk: DeskState) -> Response:
    section = _section(desk, slug)
    items = await _items(desk, section)
    feed_url, page_url = _urls(_base(request), slug)
    body = atom_feed(
        section=section, items=items, feed_url=feed_url, page_url=page_url, outlet=_outlet(desk)
    )
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/feeds.opml")
async def feeds_opml(request: Request, desk: DeskState) -> Response:
    base = _base(request)
    feeds = [(name, *_urls(base, slug)) for slug, name in _sections(desk).items()]
    body = opml(title=f"{_outlet(desk)}: section feeds", feeds=feeds)
    return Response(body, media_type="text/x-opml; charset=utf-8")


def _outlet(desk: Desk) -> str:
    return desk.slot.current.classifier.taxonomy.name
