"""Passages that drove a call."""

from __future__ import annotations

from newsdesk.classify.classifier import Classifier
from newsdesk.ui.passages import PassageCache, score_passages, split_passages


def test_split_keeps_every_character() -> None:
    text = "First one. Second one!\n\nثالثة هنا؟ And the end"
    pieces = split_passages(text)
    assert "".join(pieces) == text
    assert len(pieces) == 4


def test_the_sports_sentence_drives_a_sports_call(lexical_classifier: Classifier) -> None:
    text = (
        "The weather was mild on Sunday. "
        "The team won the cup final after the coach changed the players at the match. "
        "Shops opened late."
    )
    passages = score_passages(lexical_classifier, text, "Sports")
    drove = [p.text for p in passages if p.drove]
    assert drove and "cup final" in drove[0]
    assert "".join(p.text for p in passages) == text


def test_the_sports_sentence_drives_an_arabic_sports_call(lexical_classifier: Classifier) -> None:
    text = (
        "كان الطقس معتدلا يوم الأحد. "
        "فاز الفريق بالكأس في المباراة النهائية بعد أن غير المدرب اللاعبين. "
        "فتحت المتاجر متأخرة."
    )
    passages = score_passages(lexical_classifier, text, "Sports")
    assert [p.text for p in passages if p.drove] == [passages[1].text]
    assert "بالكأس" in passages[1].text
    assert "".join(p.text for p in passages) == text


def test_unknown_section_marks_nothing(lexical_classifier: Classifier) -> None:
    passages = score_passages(lexical_classifier, "One. Two.", "Gossip")
    assert not any(p.drove for p in passages)


def test_cache_keeps_the_most_recent() -> None:
    cache = PassageCache(size=2)
    cache.put(("v", 1, "s"), [])
    cache.put(("v", 2, "s"), [])
    cache.get(("v", 1, "s"))
    cache.put(("v", 3, "s"), [])
    assert cache.get(("v", 2, "s")) is None and cache.get(("v", 1, "s")) == []
