"""Shared pieces of the routers: typed dependencies, request bodies, classification."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Body, Depends
from pydantic import Discriminator, Tag

from newsdesk.article import Article, detect_language
from newsdesk.classify.result import Prediction
from newsdesk.service.auth import require_role
from newsdesk.service.batching import Overloaded
from newsdesk.service.errors import ApiError
from newsdesk.service.limits import check_articles
from newsdesk.service.schemas import ArticleBatch, ArticleIn
from newsdesk.service.state import ServiceState, get_state
from newsdesk.store.records import ApiKey, KeyRole

__all__ = [
    "Admin",
    "ArticlesBody",
    "Editor",
    "Reader",
    "State",
    "articles_of",
    "classify_articles",
    "classify_articles_versioned",
]

State = Annotated[ServiceState, Depends(get_state)]
Reader = Annotated[ApiKey, Depends(require_role(KeyRole.READER))]
Editor = Annotated[ApiKey, Depends(require_role(KeyRole.EDITOR))]
Admin = Annotated[ApiKey, Depends(require_role(KeyRole.ADMIN))]


def _body_kind(value: Any) -> str:
    return "batch" if isinstance(value, dict) and "articles" in value else "single"


ArticlesBody = Annotated[
    Annotated[ArticleIn, Tag("single")] | Annotated[ArticleBatch, Tag("batch")],
    Discriminator(_body_kind),
    Body(
        openapi_examples={
            "one": {
                "summary": "One article",
                "value": {"id": "a-1", "title": "Rates rise", "text": "The central bank..."},
            },
            "batch": {
                "summary": "A batch",
                "value": {"articles": [{"id": "a-1", "text": "..."}, {"id": "a-2", "text": "..."}]},
            },
        }
    ),
]


def articles_of(state: ServiceState, body: ArticleIn | ArticleBatch) -> tuple[list[Article], bool]:
    """The request's articles (limits checked) and whether it was a batch."""
    batch = isinstance(body, ArticleBatch)
    items = body.articles if isinstance(body, ArticleBatch) else [body]
    check_articles(items, state.settings, batch=batch)
    articles = [item.to_article() for item in items]
    articles = [a if a.lang else a.with_lang(detect_language(a.content)) for a in articles]
    return articles, batch


async def classify_articles(state: ServiceState, articles: Sequence[Article]) -> list[Prediction]:
    """Predictions through the bounded queue; 503 with ``Retry-After`` when it is full."""
    predictions, _ = await classify_articles_versioned(state, articles)
    return predictions


async def classify_articles_versioned(
    state: ServiceState, articles: Sequence[Article]
) -> tuple[list[Prediction], str]:
    """Predictions and the version of the model that made them (models swap while serving)."""
    try:
        return await state.running_queue().classify_versioned(articles)
    except Overloaded as exc:
        state.metrics.rejected.inc()
        wait = state.settings.retry_after_s
        raise ApiError(
            503,
            f"the classifier is busy ({exc}); retry in {wait} s",
            headers={"Retry-After": str(wait)},
        ) from None
