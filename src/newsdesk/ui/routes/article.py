"""One article: its text, every section's probability, the passages behind the call, and
the editor's decision (confirm, or correct with a key a section)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from newsdesk.store.articles import add_correction, get_article
from newsdesk.store.records import KeyRole, StoredArticle, as_article
from newsdesk.store.review import QueueFilter, article_id_by_seq, queue_page
from newsdesk.ui.auth import (
    DeskError,
    DeskState,
    Editor,
    FormVisit,
    PageVisit,
    Reader,
)
from newsdesk.ui.desk import Desk
from newsdesk.ui.pages import redirect, render
from newsdesk.ui.passages import score_passages
from newsdesk.ui.routes.queue import queue_filter
from newsdesk.ui.templating import shortcut_keys

router = APIRouter(prefix="/desk", include_in_schema=False)


def _load(desk: Desk, seq: int) -> StoredArticle:
    with desk.store.read() as conn:
        article_id = article_id_by_seq(conn, seq)
        found = get_article(conn, article_id) if article_id is not None else None
    if found is None:
        raise DeskError(404, f"no article number {seq}; it may have been deleted")
    return found


def _query(where: QueueFilter) -> str:
    query = where.to_query()
    return f"?{urlencode(query)}" if query else ""


@router.get("/articles/{seq}")
async def article_page(
    request: Request,
    seq: int,
    current: PageVisit,
    user: Reader,
    desk: DeskState,
    where: Annotated[QueueFilter, Depends(queue_filter)],
) -> Response:
    article = await run_in_threadpool(_load, desk, seq)
    taxonomy = desk.slot.current.classifier.taxonomy
    sections = taxonomy.names
    scores = [(name, float(article.scores.get(name, 0.0))) for name in sections]
    context = {
        "nav": "queue",
        "article": article,
        "scores": scores,
        "sections": sections,
        "keys": shortcut_keys(sections),
        "multi_label": taxonomy.multi_label,
        "call_sections": list(article.sections or (article.section,)),
        "can_decide": user.can(KeyRole.EDITOR),
        "query": where.to_query(),
        "back": "/desk/queue" + _query(where),
    }
    return render(request, "article.html", context, current)


@router.get("/articles/{seq}/passages")
async def article_passages(
    request: Request,
    seq: int,
    current: PageVisit,
    user: Reader,
    desk: DeskState,
) -> Response:
    """The text with the passages behind the call marked, and the active model's own call."""
    article = await run_in_threadpool(_load, desk, seq)
    model = desk.slot.current

    def work() -> tuple[list, object]:
        key = (model.version, seq, article.section)
        passages = desk.passages.get(key)
        if passages is None:
            passages = score_passages(model.classifier, article.text, article.section)
            desk.passages.put(key, passages)
        live = model.classifier.classify(as_article(article, source=False))
        return passages, live

    passages, live = await run_in_threadpool(work)
    context = {"article": article, "passages": passages, "live": live, "model": model.version}
    return render(request, "_passages.html", context, current)


@router.post("/articles/{seq}/decision")
async def decide(
    request: Request,
    seq: int,
    current: FormVisit,
    user: Editor,
    desk: DeskState,
    action: Annotated[str, Form()] = "correct",
    section: Annotated[list[str] | None, Form()] = None,
    f_section: Annotated[str | None, Form()] = None,
    f_lang: Annotated[str | None, Form()] = None,
    f_source: Annotated[str | None, Form()] = None,
    f_since: Annotated[str | None, Form()] = None,
    f_until: Annotated[str | None, Form()] = None,
) -> Response:
    """Record a confirmation or a correction, then open the next article of the queue."""
    where = queue_filter(f_section, f_lang, f_source, f_since, f_until)
    taxonomy = desk.slot.current.classifier.taxonomy
    names = taxonomy.names
    article = await run_in_threadpool(_load, desk, seq)
    called = list(article.sections or (article.section,))
    if action == "confirm":
        chosen = called
        note: str | None = "confirmed"
    elif action == "correct":
        picked = list(dict.fromkeys(s for s in section or [] if s))
        unknown = [s for s in picked if s not in names]
        if not picked or unknown:
            raise DeskError(
                422,
                f"unknown section(s) {', '.join(map(repr, unknown))}; pick from: {', '.join(names)}"
                if unknown
                else "pick at least one section",
            )
        if len(picked) > 1 and not taxonomy.multi_label:
            raise DeskError(422, f"{taxonomy.name} files an article under one section; pick one")
        # Checkboxes arrive in taxonomy order: the call's sections the editor kept go first,
        # so keeping the call's primary section is not recorded as a change of it.
        chosen = [s for s in called if s in picked] + [s for s in picked if s not in called]
        note = "confirmed" if chosen == called else None
    else:
        raise DeskError(422, f"unknown action {action!r}; use confirm or correct")

    def write() -> int | None:
        with desk.store.write() as conn:
            add_correction(conn, article.id, chosen, editor=user.name, note=note)
        with desk.store.read() as conn:
            items, _ = queue_page(conn, where, limit=1, exclude=article.id)
        return items[0].seq if items else None

    following = await run_in_threadpool(write)
    target = f"/desk/articles/{following}" if following else "/desk/queue"
    return redirect(request, target + _query(where), current)
