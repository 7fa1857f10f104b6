"""``GET /v1/taxonomy``: the sections articles are filed into."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from newsdesk.service.dependencies import Reader, State

router = APIRouter(tags=["taxonomy"])


class SectionOut(BaseModel):
    name: str
    other: bool
    description: dict[str, str]
    keywords: dict[str, list[str]]
    examples: list[str]


class TaxonomyOut(BaseModel):
    name: str
    description: str
    multi_label: bool
    model_version: str
    sections: list[SectionOut]


@router.get("/v1/taxonomy", response_model=TaxonomyOut)
def get_taxonomy(state: State, _key: Reader) -> TaxonomyOut:
    """The served taxonomy, sections in the order of every ``scores`` object."""
    assert state.classifier is not None
    taxonomy = state.classifier.taxonomy
    return TaxonomyOut(
        name=taxonomy.name,
        description=taxonomy.description,
        multi_label=state.classifier.multi_label,
        model_version=state.model_version,
        sections=[
            SectionOut(
                name=s.name,
                other=s.other,
                description=dict(s.description),
                keywords={lang: list(words) for lang, words in s.keywords.items()},
                examples=list(s.examples),
            )
            for s in taxonomy.sections
        ],
    )
