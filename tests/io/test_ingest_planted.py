from __future__ import annotations

from pathlib import Path

import pytest
from ingest_fixtures import build_site, check_ingest

SHARED = Path(__file__).parents[3] / "shared" / "data"
NEEDED = [SHARED / "bbc_news" / "train.jsonl", SHARED / "ant_multisource" / "train.jsonl.gz"]


@pytest.mark.skipif(
    not all(p.exists() for p in NEEDED),
    reason=f"needs the shared data sets beside the repository: {', '.join(map(str, NEEDED))}",
)
def test_planted_duplicates_are_caught_and_every_story_kept_once() -> None:
    site = build_site(SHARED, pages=40, duplicate_share=0.25, seed=3)
    result = check_ingest(site)
    assert result["planted_duplicates"] == 10
    assert result["failures"] == []
    assert result["stories_kept_once"] == result["distinct_stories"] == 30
    assert result["duplicates_missed"] == 0 and result["stories_lost"] == 0
    assert result["text_recall_min"] >= 0.9 and result["text_precision_min"] >= 0.9
