"""``/v1/articles``: submit articles to be filed and stored; list and read them."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BeforeValidator
from starlette.concurrency import run_in_threadpool
from starlette.convertors import Convertor, register_url_convertor

from newsdesk.article import LANG_PATTERN, NO_NUL_PATTERN, Article
from newsdesk.service.dependencies import (
    ArticlesBody,
    Editor,
    Reader,
    State,
    articles_of,
    classify_articles_versioned,
)
from newsdesk.service.errors import ApiError, ErrorBody, check_page_limit
from newsdesk.service.schemas import (
    ArticlePage,
    ArticleRecord,
    ArticleSummary,
    SubmitBatchResult,
    SubmitResult,
)
from newsdesk.service.state import ServiceState
from newsdesk.store import articles as repository
from newsdesk.store.records import ArticleFilter, StoredArticle

router = APIRouter(tags=["articles"])


@router.post(
    "/v1/articles",
    status_code=201,
    response_model=SubmitResult | SubmitBatchResult,
    response_description="Stored now: a SubmitResult for one article, a SubmitBatchResult "
    "for a batch (where at least one article is new).",
    responses={
        200: {
            "model": SubmitResult | SubmitBatchResult,
            "description": "Stored before: the stored record (SubmitResult) for one article, "
            "a SubmitBatchResult for a batch whose every article was stored before.",
        },
        413: {"model": ErrorBody, "description": "Body or batch over the limit."},
        503: {"model": ErrorBody, "description": "Overloaded; see Retry-After."},
    },
)
async def submit(
    body: ArticlesBody, state: State, _key: Editor, response: Response
) -> SubmitResult | SubmitBatchResult:
    """File and store one article or a batch; resubmitting returns the stored record.

    Articles are matched on their ``id``, else their ``url``, else a hash of title and text:
    one already stored is not classified again, and comes back with ``status: existing``. A
    batch is stored all or nothing: when any part fails, none of it is stored, so the same
    batch can simply be sent again.
    """
    articles, batch = articles_of(state, body)
    ids = [repository.record_id(a) for a in articles]
    known = await run_in_threadpool(_existing, state, ids)
    fresh: dict[str, Article] = {}
    for record_id, article in zip(ids, articles, strict=True):
        if record_id not in known:
            fresh.setdefault(record_id, article)
    predictions, version = await classify_articles_versioned(state, list(fresh.values()))
    filed = [
        repository.FiledArticle(article, prediction, version)
        for article, prediction in zip(fresh.values(), predictions, strict=True)
    ]
    created, records = await run_in_threadpool(_store, state, filed, ids)
    for record_id in created:
        state.metrics.filed.labels(records[record_id].section).inc()
    results = []
    for record_id in ids:
        results.append(SubmitResult.of_submit(records[record_id], record_id in created))
        created.discard(record_id)  # a repeat later in the same batch is "existing"
    response.status_code = 201 if any(r.status == "created" for r in results) else 200
    if not batch:
        return results[0]
    new = sum(r.status == "created" for r in results)
    return SubmitBatchResult(created=new, existing=len(results) - new, articles=results)


def _existing(state: ServiceState, ids: list[str]) -> set[str]:
    with state.store.read() as conn:
        return repository.existing_ids(conn, ids)


def _store(
    state: ServiceState, filed: list[repository.FiledArticle], ids: list[str]
) -> tuple[set[str], dict[str, StoredArticle]]:
    with state.store.write() as conn:
        created = repository.insert_filed(conn, filed)
        return created, repository.get_articles(conn, ids)


_DATE_TIME = re.compile(r"\d{4}-\d\d-\d\d([Tt ]\d\d:\d\d(:\d\d(\.\d+)?)?([Zz]|[+-]\d\d:\d\d)?)?")


def _date_time(value: object) -> object:
    # pydantic alone reads "0.5" as a Unix time; the schema promises ISO 8601, where a date
    # alone (midnight) is as valid as a date-time
    if isinstance(value, str) and not _DATE_TIME.fullmatch(value):
        raise ValueError(
            "expected an ISO 8601 date or date-time such as 2025-01-31 or 2025-01-31T00:00:00Z"
        )
    return value


DateTime = Annotated[datetime, BeforeValidator(_date_time)]


def article_filter(
    request: Request,
    section: str | None = Query(
        None,
        max_length=255,
        pattern=NO_NUL_PATTERN,
        description="The label: latest correction, else the call.",
    ),
    lang: str | None = Query(None, max_length=16, pattern=LANG_PATTERN),
    min_confidence: float | None = Query(None, ge=0, le=1),
    max_confidence: float | None = Query(None, ge=0, le=1),
    corrected: bool | None = Query(None, description="Only corrected (true) or uncorrected."),
    since: DateTime | None = Query(None, description="Filed at or after (ISO 8601)."),
    until: DateTime | None = Query(None, description="Filed before (ISO 8601)."),
    q: str | None = Query(
        None, min_length=1, max_length=200, pattern=NO_NUL_PATTERN, description="Text search."
    ),
) -> ArticleFilter:
    """The filters shared by the list and the export.

    Each is one value: a repeated one (``?section=a&section=b``) is refused rather than read
    as its last value, which would filter on something other than what was asked.
    """
    for name in request.query_params:
        given = len(request.query_params.getlist(name))
        if given > 1:
            raise ApiError(422, f"{name}: given {given} times; give it once", field=name)
    return ArticleFilter(
        section=section,
        lang=lang,
        min_confidence=min_confidence,
        max_confidence=max_confidence,
        corrected=corrected,
        since=since,
        until=until,
        query=q,
    )


Filter = Annotated[ArticleFilter, Depends(article_filter)]


@router.get("/v1/articles", response_model=ArticlePage)
def list_articles(
    where: Filter,
    state: State,
    _key: Reader,
    limit: int = Query(50, ge=1, description="Page size (at most the server's max_page)."),
    cursor: str | None = Query(
        None,
        description="The next_cursor of the previous page; any other value is a 400.",
    ),
) -> ArticlePage:
    """Stored articles, newest first, a page at a time."""
    check_page_limit(limit, state.settings.max_page)
    try:
        with state.store.read() as conn:
            page, next_cursor = repository.list_articles(conn, where, limit=limit, cursor=cursor)
    except ValueError as exc:
        raise ApiError(400, str(exc), field="cursor") from None
    return ArticlePage(articles=[ArticleSummary.of(r) for r in page], next_cursor=next_cursor)


class ArticleIdConvertor(Convertor[str]):
    """An article id in a path: any characters, slashes too, but not ending in ``/corrections``.

    Without the exception ``/v1/articles/a/corrections`` would read the article with id
    ``a/corrections`` on GET, and a 405 there would say GET is allowed.
    """

    regex = r"(?:(?!/corrections$).)+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("article_id", ArticleIdConvertor())
ArticleId = Annotated[str, Path(pattern=NO_NUL_PATTERN)]


@router.get(
    "/v1/articles/{article_id:article_id}",
    response_model=ArticleRecord,
    responses={404: {"model": ErrorBody, "description": "No article with this id."}},
)
def get_article(article_id: ArticleId, state: State, _key: Reader) -> ArticleRecord:
    """One stored article: text, every section's score, and its correction history."""
    with state.store.read() as conn:
        record = repository.get_article(conn, article_id)
    if record is None:
        raise ApiError(404, f"no article with id {article_id!r}")
    return ArticleRecord.of(record)
