"""``POST /v1/articles/{id}/corrections``: an editor sets the right section(s)."""

from __future__ import annotations

from fastapi import APIRouter

from newsdesk.service.dependencies import Editor, State
from newsdesk.service.errors import ApiError, ErrorBody, FieldProblem
from newsdesk.service.routers.articles import ArticleId
from newsdesk.service.schemas import ArticleRecord, CorrectionIn
from newsdesk.store import articles as repository
from newsdesk.taxonomy import Taxonomy

router = APIRouter(tags=["corrections"])


@router.post(
    "/v1/articles/{article_id:path}/corrections",
    status_code=201,
    response_model=ArticleRecord,
    responses={404: {"model": ErrorBody, "description": "No article with this id."}},
)
def correct(article_id: ArticleId, body: CorrectionIn, state: State, key: Editor) -> ArticleRecord:
    """Record the right section (``section``, and more in ``sections`` if multi-label).

    The correction is kept with who made it (``editor``, else the key's name) and when; the
    original call and earlier corrections stay in the article's history.
    """
    assert state.classifier is not None
    chosen = body.chosen()
    _check_sections(body, chosen, state.classifier.taxonomy)
    with state.store.write() as conn:
        record = repository.add_correction(
            conn,
            article_id,
            chosen,
            editor=body.editor or key.name,
            api_key=key.name,
            note=body.note,
        )
    if record is None:
        raise ApiError(404, f"no article with id {article_id!r}")
    return ArticleRecord.of(record)


def _check_sections(body: CorrectionIn, chosen: list[str], taxonomy: Taxonomy) -> None:
    if not chosen:
        raise ApiError(
            422, "section: give the right section in 'section' (or 'sections')", field="section"
        )
    known = ", ".join(taxonomy.names)
    problems = []
    for name in chosen:
        if name not in taxonomy:
            if body.section == name:
                field = "section"
            else:
                field = f"sections[{(body.sections or []).index(name)}]"
            problems.append(
                FieldProblem(
                    field=field, message=f"unknown section {name!r}; sections are: {known}"
                )
            )
    if problems:
        error = ApiError(422, f"{problems[0].field}: {problems[0].message}")
        error.problems = problems
        raise error
