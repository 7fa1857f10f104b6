"""``GET /v1/stats``: counts by section and language, correction rate, agreement."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from newsdesk.service.dependencies import Reader, State
from newsdesk.store.stats import store_stats

router = APIRouter(tags=["stats"])


class StatsOut(BaseModel):
    articles: int
    by_section: dict[str, int] = Field(description="Articles by newsdesk's call.")
    by_label: dict[str, int] = Field(description="Articles by label (correction, else call).")
    by_lang: dict[str, int]
    corrected: int = Field(description="Articles with at least one correction.")
    corrections: int
    correction_rate: float | None = Field(description="corrected / articles.")
    agreement: float | None = Field(
        description="Share of corrected articles whose correction kept newsdesk's call."
    )
    model_version: str


@router.get("/v1/stats", response_model=StatsOut)
def get_stats(state: State, _key: Reader) -> StatsOut:
    """Figures over every stored article."""
    with state.store.read() as conn:
        figures = store_stats(conn)
    return StatsOut(**figures.to_dict(), model_version=state.model_version)
