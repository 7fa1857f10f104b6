from __future__ import annotations

from pathlib import Path

from ingest_fixtures import build_site, check_ingest

SHARED = Path(__file__).parents[3] / "shared" / "data"


def test_planted_duplicates_are_caught_and_every_story_kept_once() -> None:
    site = build_site(SHARED, pages=40, duplicate_share=0.25, seed=3)
    result = check_ingest(site)
    assert result["planted_duplicates"] == 10
    assert result["failures"] == []
    assert result["stories_kept_once"] == result["distinct_stories"] == 30
    assert result["duplicates_missed"] == 0 and result["stories_lost"] == 0
    assert result["text_recall_min"] >= 0.9 and result["text_precision_min"] >= 0.9
