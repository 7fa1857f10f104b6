"""``GET /v1/export``: calls and corrections as JSON Lines for ``newsdesk train``."""

from __future__ import annotations

import json
from collections.abc import Iterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from newsdesk.service.dependencies import Reader, State
from newsdesk.service.routers.articles import Filter
from newsdesk.service.state import ServiceState
from newsdesk.store import articles as repository
from newsdesk.store.records import ArticleFilter, StoredArticle

router = APIRouter(tags=["export"])


def export_line(record: StoredArticle) -> dict[str, object]:
    """One training example: ``label`` is the latest correction, else newsdesk's call."""
    return {
        "id": record.id,
        "title": record.title,
        "text": record.text,
        "lang": record.lang,
        "label": record.label,
        "labels": list(record.labels),
        "label_source": "correction" if record.corrected_section else "call",
        "confidence": round(record.confidence, 4),
        "model_version": record.model_version,
    }


@router.get(
    "/v1/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "JSON Lines."}},
)
def export(where: Filter, state: State, _key: Reader) -> StreamingResponse:
    """Every matching article as one JSON line, oldest first, for ``newsdesk train``.

    Each line has ``id``, ``title``, ``text``, ``lang``, ``label`` (the primary section) and
    ``labels``, plus ``label_source`` (``correction`` or ``call``). ``?corrected=true`` exports
    only editor-checked labels; ``?min_confidence=`` keeps only confident calls.
    """
    return StreamingResponse(
        _lines(state, where),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="newsdesk-export.jsonl"'},
    )


def _lines(state: ServiceState, where: ArticleFilter, chunk: int = 500) -> Iterator[str]:
    # A connection a chunk: the response is written from several threads, one at a time.
    after = 0
    while True:
        with state.store.read() as conn:
            records = repository.articles_after(conn, where, after=after, limit=chunk)
        if not records:
            return
        yield "".join(json.dumps(export_line(r), ensure_ascii=False) + "\n" for r in records)
        after = records[-1].seq
