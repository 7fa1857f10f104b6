from __future__ import annotations

import pytest

from newsdesk.classify.label_prompts import label_prompts, readable_name
from newsdesk.classify.zero_shot import ZeroShotHead
from newsdesk.encoders.lexical import LexicalEncoder
from newsdesk.encoders.registry import get_encoder
from newsdesk.taxonomy import Section, Taxonomy


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("middleEast", "middle East"),
        ("internationalNews", "international News"),
        ("ARTS & CULTURE", "arts & culture"),
        ("science/technology", "science and technology"),
        ("Cloak & Dagger", "Cloak & Dagger"),
        ("أخرى", "أخرى"),
    ],
)
def test_readable_name_turns_identifiers_into_words(name: str, words: str) -> None:
    assert readable_name(name) == words


def test_prompts_wrap_the_name_and_a_short_line_in_the_line_language() -> None:
    english = label_prompts(Section("sport", description={"en": "Sport."}))
    assert english[0] == "sport"
    assert "News about sport." in english
    assert "This article is about sport." in english
    arabic = label_prompts(Section("economy", description={"ar": "اقتصاد"}))
    assert "أخبار اقتصاد" in arabic
    assert "مقال عن اقتصاد" in arabic
    assert "News about economy." in arabic  # the name is English


def test_a_long_description_is_not_wrapped() -> None:
    line = "Central banks, interest rates, inflation, markets, companies and trade deals."
    prompts = label_prompts(Section("Economy", description={"en": line}))
    assert not any(line.rstrip(".").lower() in p for p in prompts)
    assert prompts[:2] == ["Economy", "News about economy."]


class SentenceReader(LexicalEncoder):
    """Stands in for an encoder that reads sentences (e5, USE): the lexical one counts words."""

    bag_of_words = False


def test_prompts_join_each_section_s_own_texts() -> None:
    rich = " ".join(f"Sentence number {i} about markets." for i in range(5))
    taxonomy = Taxonomy(
        name="t",
        sections=(
            Section("business", description={"en": rich}),
            Section("sport", description={"en": "Games and athletes."}),
            Section("Other", other=True),
        ),
    )
    head = ZeroShotHead(prompts=True).fit_taxonomy(taxonomy, SentenceReader())
    counts = [int((head.owners_ == k).sum()) for k in range(3)]
    assert counts[0] == 5 + 3  # its sentences, the name and the name in two templates
    assert counts[1] == 1 + 3 + 2  # its line, the name in three forms, the line in two
    assert counts[2] == 1  # a catch-all known by its name alone stays that way
    plain = ZeroShotHead(prompts=False).fit_taxonomy(taxonomy, SentenceReader())
    assert [int((plain.owners_ == k).sum()) for k in range(3)] == [5, 1, 1]
    # a bag of words would only gain the templates' words: no prompts for it
    words = ZeroShotHead(prompts=True).fit_taxonomy(taxonomy, get_encoder("lexical"))
    assert [int((words.owners_ == k).sum()) for k in range(3)] == [5, 1, 1]
