"""Which articles ``misfiled`` lists, and in what order."""

from __future__ import annotations

from newsdesk.article import Article
from newsdesk.classify.dataset import LabeledArticles
from newsdesk.classify.result import Prediction
from newsdesk.eval.evaluate import misfiled


def call(section: str, confidence: float, sections: tuple[str, ...] | None = None) -> Prediction:
    return Prediction(None, section, confidence, {section: confidence}, sections=sections)


def test_single_label_compares_the_primary_section_and_skips_unlabeled() -> None:
    data = LabeledArticles(
        [
            Article(text="a", title="A", id="1"),
            Article(text="b c", id="2"),
            Article(text="d", id="3"),
        ],
        [("Sports", "Economy"), ("Economy",), ()],
    )
    rows = misfiled(data, [call("Economy", 0.6), call("Sports", 0.9), call("Sports", 0.99)])
    assert rows == [
        {"id": "2", "title": "b c", "gold": "Economy", "call": "Sports", "confidence": 0.9},
        {"id": "1", "title": "A", "gold": "Sports", "call": "Economy", "confidence": 0.6},
    ]


def test_multi_label_compares_the_sets_of_sections() -> None:
    data = LabeledArticles(
        [Article(text="a", id="1"), Article(text="b", id="2")],
        [("Sports", "Economy"), ("Sports", "Economy")],
    )
    calls = [call("Economy", 0.8, ("Economy", "Sports")), call("Sports", 0.7, ("Sports",))]
    rows = misfiled(data, calls, multi_label=True)
    assert [(r["id"], r["gold"], r["call"]) for r in rows] == [("2", "Sports, Economy", "Sports")]
