"""``GET /v1/queue``: the articles waiting for review, in the desk's order, for a CMS plugin.

The order is the review desk's own: the page is read by :func:`newsdesk.store.review.queue_page`,
the function the desk's queue page calls, so the two never disagree. Reading it needs a
``reader`` key, like every other read of articles.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from newsdesk.article import LANG_PATTERN, NO_CONTROL_PATTERN
from newsdesk.service.dependencies import Reader, State
from newsdesk.service.errors import ApiError, check_page_limit
from newsdesk.service.state import ServiceState
from newsdesk.store.queue_cursor import MAX_TOKEN_CHARS, decode_queue_key, encode_queue_key
from newsdesk.store.review import QueueFilter, QueueItem, queue_page

router = APIRouter(tags=["queue"])

DEFAULT_LIMIT = 20


class QueuedArticle(BaseModel):
    """An article waiting for review: what an editor needs to decide whether to open it."""

    id: str
    title: str
    section: str = Field(description="newsdesk's call.")
    confidence: float = Field(description="How sure the call is, 0 to 1.")
    lang: str | None = Field(description="Its language; 'ar' and others read right to left.")
    source: str | None
    url: str | None
    filed_at: datetime

    @classmethod
    def of(cls, item: QueueItem) -> QueuedArticle:
        return cls(
            id=item.id,
            title=item.title,
            section=item.section,
            confidence=round(item.confidence, 4),
            lang=item.lang,
            source=item.source,
            url=item.url,
            filed_at=item.filed_at,
        )


class QueuePage(BaseModel):
    """One page of the review queue."""

    articles: list[QueuedArticle]
    next: str | None = Field(
        description="Pass as 'after' for the next page; null on the last page."
    )


def _utf8_query(request: Request) -> None:
    # Starlette reads a broken escape (%ED%A0%80, a lone surrogate's bytes) as U+FFFD, so a
    # filter would quietly search for something else: refuse it instead.
    raw = request.scope.get("query_string", b"").decode("latin-1")
    try:
        parse_qsl(raw, keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise ApiError(
            400,
            "query: a value is not UTF-8 (a lone surrogate or a broken %-escape); "
            "percent-encode UTF-8 text",
            field="query",
        ) from None
    for name in request.query_params:
        given = len(request.query_params.getlist(name))
        if given > 1:
            raise ApiError(422, f"{name}: given {given} times; give it once", field=name)


def queue_filter(
    request: Request,
    section: str | None = Query(
        None,
        min_length=1,
        max_length=255,
        pattern=NO_CONTROL_PATTERN,
        description="Only calls of this section.",
    ),
    lang: str | None = Query(None, max_length=16, pattern=LANG_PATTERN),
    source: str | None = Query(None, min_length=1, max_length=255, pattern=NO_CONTROL_PATTERN),
) -> QueueFilter:
    """The filters of the queue; each may be given once."""
    _utf8_query(request)
    return QueueFilter(section=section, lang=lang, source=source)


@router.get("/v1/queue", response_model=QueuePage)
async def review_queue(
    request: Request,
    _key: Reader,  # first: a request without a key is a 401 whatever its query
    where: Annotated[QueueFilter, Depends(queue_filter)],
    state: State,
    limit: int = Query(
        DEFAULT_LIMIT, ge=1, description="Page size (at most the server's max_page)."
    ),
    after: str | None = Query(
        None,
        min_length=1,
        max_length=MAX_TOKEN_CHARS,
        description="The 'next' of the previous page; any other value is a 400.",
    ),
) -> QueuePage:
    """The articles waiting for review, the one an editor should check first first.

    The order is the review desk's queue order; reviewed articles leave the queue, so a
    plugin that pages with ``after`` while editors work never shows one twice.
    """
    if "limit" not in request.query_params:  # the default, on a server with smaller pages
        limit = min(limit, state.settings.max_page)
    check_page_limit(limit, state.settings.max_page)
    try:
        key = decode_queue_key(after) if after is not None else None
    except ValueError as exc:
        raise ApiError(400, str(exc), field="after") from None
    items, more = await run_in_threadpool(_read, state, where, limit, key)
    return QueuePage(
        articles=[QueuedArticle.of(item) for item in items],
        next=encode_queue_key(more) if more is not None else None,
    )


def _read(
    state: ServiceState, where: QueueFilter, limit: int, key: tuple[float, int] | None
) -> tuple[list[QueueItem], tuple[float, int] | None]:
    with state.store.read() as conn:
        return queue_page(conn, where, limit=limit, after=key)
