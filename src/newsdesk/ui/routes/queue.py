"""The review queue: unreviewed articles, the least decided calls first."""

from __future__ import annotations

import base64
import math
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from newsdesk.store.articles import MAX_SEQ
from newsdesk.store.review import QueueFilter, queue_page, queue_size
from newsdesk.ui.auth import (
    DeskError,
    DeskState,
    PageVisit,
    Reader,
)
from newsdesk.ui.pages import redirect, render
from newsdesk.ui.templating import shortcut_keys

router = APIRouter(prefix="/desk", include_in_schema=False)


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise DeskError(400, f"{name} must be a date such as 2025-01-31, got {value!r}") from None


def queue_filter(
    section: str | None = None,
    lang: str | None = None,
    source: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> QueueFilter:
    """The queue's filters from the query string (a dependency)."""
    return QueueFilter(
        section=section or None,
        lang=lang or None,
        source=source or None,
        since=_date(since, "since"),
        until=_date(until, "until"),
    )


def encode_after(key: tuple[float, int] | None) -> str | None:
    if key is None:
        return None
    return base64.urlsafe_b64encode(f"{key[0]!r}:{key[1]}".encode()).decode().rstrip("=")


def decode_after(value: str | None) -> tuple[float, int] | None:
    if not value:
        return None
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        margin, _, seq = text.partition(":")
        key = float(margin), int(seq)
        if not (math.isfinite(key[0]) and 0 <= key[1] <= MAX_SEQ):
            raise ValueError
        return key
    except ValueError:
        raise DeskError(400, "invalid page link; go back to the first page") from None


@router.get("")
async def desk_home(request: Request) -> Response:
    return redirect(request, "/desk/queue")


@router.get("/queue")
async def queue(
    request: Request,
    current: PageVisit,
    user: Reader,
    desk: DeskState,
    where: Annotated[QueueFilter, Depends(queue_filter)],
    after: str | None = None,
) -> Response:
    key = decode_after(after)

    def read() -> tuple[list, tuple[float, int] | None, int]:
        with desk.store.read() as conn:
            items, more = queue_page(conn, where, limit=desk.settings.queue_page_size, after=key)
            return items, more, queue_size(conn, where)

    items, more, waiting = await run_in_threadpool(read)
    choices = await run_in_threadpool(desk.filter_choices)
    sections = desk.slot.current.classifier.taxonomy.names
    context = {
        "nav": "queue",
        "items": items,
        "waiting": waiting,
        "where": where,
        "query": where.to_query(),
        "next_after": encode_after(more),
        "first_page": key is None,
        "sections": sections,
        "keys": shortcut_keys(sections),
        "langs": choices["langs"],
        "sources": choices["sources"],
    }
    return render(request, "queue.html", context, current)
