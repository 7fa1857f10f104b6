"""The Python API around ``Classifier.classify`` and ``classify_many`` (lexical encoder)."""

from __future__ import annotations

import numpy as np
import pytest

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier

TEXTS = [
    "The government said on Monday that the election will be held in May.",
    "أعلنت الحكومة أن الانتخابات ستجرى في شهر مايو المقبل.",
    "The striker scored twice as the club won the league title on Sunday.",
    "Le gouvernement a annoncé que les élections auront lieu en mai.",
    "ok",
]


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return Classifier.zero_shot(encoder="lexical")


def test_bare_texts_get_a_detected_language(clf: Classifier) -> None:
    assert [p.lang for p in clf.classify_many(TEXTS)] == ["en", "ar", "en", "fr", None]
    assert clf.classify(Article(text=TEXTS[0], lang="xx")).lang == "xx"


def test_batches_do_not_change_the_results(clf: Classifier) -> None:
    one = list(clf.classify_many(TEXTS, batch_size=1))
    many = list(clf.classify_many(iter(TEXTS), batch_size=64))
    assert [p.section for p in one] == [p.section for p in many]
    for a, b in zip(one, many, strict=True):
        assert a.scores == pytest.approx(b.scores, abs=1e-6)


def test_probabilities_sum_to_one(clf: Classifier) -> None:
    probs = clf.predict_proba(TEXTS)
    assert probs.shape == (len(TEXTS), len(clf.taxonomy))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-6)
    for p in clf.classify_many(TEXTS):
        assert sum(p.scores.values()) == pytest.approx(1.0, abs=1e-6)
        assert p.confidence == p.scores[p.section]


def test_batch_size_must_be_positive(clf: Classifier) -> None:
    with pytest.raises(ValueError, match="batch_size must be at least 1, got 0"):
        list(clf.classify_many(TEXTS, batch_size=0))


def test_reading_goes_on_while_the_encoder_is_busy_up_to_the_read_ahead(
    clf: Classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first batch's encoding waits (as for a model loading) until the reader has read
    five batches: the reader reads on, up to READ_AHEAD articles, and no further, and
    measures the texts' keywords and form as it reads."""
    import threading

    from newsdesk.classify import classifier as module

    monkeypatch.setattr(module, "READ_AHEAD", 8)  # batches of 2: 4 read ahead, at most
    read_enough = threading.Event()
    encode = clf.encode

    def slow_start(articles):  # type: ignore[no-untyped-def]
        assert read_enough.wait(timeout=60), "the reader stopped while the encoder was busy"
        return encode(articles)

    monkeypatch.setattr(clf, "encode", slow_start)
    measured: list[int] = []  # batches whose keywords and form were measured
    measure = clf.head.text_evidence  # type: ignore[attr-defined]

    def text_evidence(articles):  # type: ignore[no-untyped-def]
        measured.append(len(articles))
        return measure(articles)

    monkeypatch.setattr(clf.head, "text_evidence", text_evidence)
    read: list[int] = []

    def articles():  # type: ignore[no-untyped-def]
        for i in range(20):
            read.append(i)
            if len(read) == 10:
                read_enough.set()
            yield Article(text=TEXTS[i % len(TEXTS)], id=f"a{i}", lang="en")

    found = clf.classify_many(articles(), batch_size=2)
    first = next(found)
    assert len(read) == 10  # five batches: the one being scored and four read ahead
    assert measured == [2] * 5  # measured as they were read, while the encoder was busy
    rest = list(found)
    assert measured == [2] * 10  # once a batch: scoring did not measure them again
    assert [p.id for p in [first, *rest]] == [f"a{i}" for i in range(20)]
    monkeypatch.undo()
    expected = list(clf.classify_many(articles(), batch_size=20))
    # the same calls; scores equal but for float32 rounding, which BLAS does by batch shape
    assert [p.section for p in [first, *rest]] == [p.section for p in expected]
    assert [p.scores for p in [first, *rest]] == [
        pytest.approx(p.scores, rel=1e-5, abs=1e-9) for p in expected
    ]
