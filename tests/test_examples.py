"""The bundled ``examples/articles.jsonl`` that the README's first command classifies."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsdesk.io.readers import read_articles
from newsdesk.io.records import Rejected

EXAMPLES = Path(__file__).parents[1] / "examples" / "articles.jsonl"
SEED_REPORT = (
    "Syria: Rebel offensive on Aleppo intensifies, resulting in 130 deaths. In one of the most "
    "severe outbreaks of violence in recent years, rebel forces in Syria have captured an army "
    "base and seized control of at least 13 villages in the northern province of Aleppo. The "
    "Syrian Observatory for Human Rights reported that a surprise attack on the Syrian army led "
    "to fierce clashes, resulting in the deaths of 130 combatants and civilians."
)


def test_examples_read_cleanly_in_english_and_arabic() -> None:
    rejected: list[Rejected] = []
    articles = list(read_articles(EXAMPLES, on_reject=rejected.append))
    assert rejected == []
    assert 8 <= len(articles) <= 12
    assert len({a.id for a in articles}) == len(articles)
    langs = [a.lang for a in articles]
    assert langs.count("en") >= 4 and langs.count("ar") >= 4


def test_examples_hold_the_seed_report() -> None:
    contents = [" ".join(a.content.replace("\n", ". ", 1).split()) for a in read_articles(EXAMPLES)]
    assert any(c.startswith(SEED_REPORT) for c in contents)


@pytest.mark.slow
def test_seed_report_is_filed_under_news_and_politics() -> None:
    from newsdesk.classify.classifier import Classifier

    seed = next(a for a in read_articles(EXAMPLES) if a.title.startswith("Syria: Rebel offensive"))
    assert Classifier.zero_shot().classify(seed).section == "News & Politics"
