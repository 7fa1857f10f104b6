"""``POST /v1/classify``: file articles without storing them."""

from __future__ import annotations

from fastapi import APIRouter

from newsdesk.service.dependencies import (
    ArticlesBody,
    Reader,
    State,
    articles_of,
    classify_articles,
)
from newsdesk.service.errors import ErrorBody
from newsdesk.service.schemas import PredictionBatch, PredictionOut

router = APIRouter(tags=["classify"])


@router.post(
    "/v1/classify",
    response_model=PredictionOut | PredictionBatch,
    responses={
        413: {"model": ErrorBody, "description": "Body or batch over the limit."},
        503: {"model": ErrorBody, "description": "Overloaded; see Retry-After."},
    },
)
async def classify(
    body: ArticlesBody, state: State, _key: Reader
) -> PredictionOut | PredictionBatch:
    """File one article or a batch (``{"articles": [...]}``) and return the calls; store nothing.

    The fields are those ``newsdesk classify`` prints: ``id``, ``section``, ``confidence``,
    ``lang``, ``scores`` (every section) and, for multi-label taxonomies, ``sections``.
    """
    articles, batch = articles_of(state, body)
    predictions = await classify_articles(state, articles)
    out = [PredictionOut(**p.to_dict()) for p in predictions]
    return PredictionBatch(predictions=out) if batch else out[0]
