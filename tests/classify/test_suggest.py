"""``suggest``: keywords, examples, pairs, rare sections and drafts from tiny planted archives."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
import yaml

from newsdesk.article import Article
from newsdesk.classify.keywords import KeywordMatcher
from newsdesk.classify.suggest import SuggestSettings, suggest_taxonomy
from newsdesk.classify.suggest_report import suggestions_html, suggestions_yaml
from newsdesk.encoders.lexical import LexicalEncoder
from newsdesk.errors import ArticleError
from newsdesk.taxonomy import Section, Taxonomy

ENCODER = LexicalEncoder(dim=512)

EN_TOPICS = {
    "Sports": (
        "sport match team players league",
        "goalkeeper striker penalty stadium coach referee",
    ),
    "Economy": ("economy markets banks prices trade", "inflation shares investors bond currency"),
    "Politics": ("politics elections parliament government", "senator ballot minister coalition"),
}
AR_TOPICS = {
    "Sports": ("رياضة مباراة فريق", "المنتخب الملعب المدرب الهدف حارس الدوري"),
    "Economy": ("اقتصاد أسواق بنوك", "التضخم الأسهم المستثمرين العملة البورصة الأسعار"),
}
COOKING = "recipe oven flour butter sugar bake dough"


def taxonomy(topics: dict[str, tuple[str, str]], lang: str, other: bool = True) -> Taxonomy:
    sections = [Section(name, description={lang: line}) for name, (line, _) in topics.items()]
    if other:
        sections.append(Section("Other", other=True))
    return Taxonomy(name="tiny", sections=tuple(sections))


def archive(
    topics: dict[str, tuple[str, str]], lang: str, per_topic: int = 30, seed: int = 0
) -> list[Article]:
    """Articles mixing a topic's line words, its own cue words and filler shared by all."""
    rng = random.Random(seed)
    filler = "today report week people city" if lang == "en" else "اليوم تقرير الأسبوع الناس"
    out = []
    for name, (line, cues) in topics.items():
        for i in range(per_topic):
            words = rng.sample(line.split(), 2) + rng.sample(cues.split(), 3) + filler.split()
            rng.shuffle(words)
            title = " ".join(words[:4])
            out.append(Article(text=" ".join(words), title=title, id=f"{name}{i}", lang=lang))
    return out


def cooking(n: int, seed: int = 1) -> list[Article]:
    rng = random.Random(seed)
    return [
        Article(
            text=" ".join(rng.sample(COOKING.split(), 5)),
            title=" ".join(rng.sample(COOKING.split(), 3)),
            id=f"cook{i}",
            lang="en",
        )
        for i in range(n)
    ]


def test_english_keywords_are_each_sections_own_cue_words() -> None:
    found = suggest_taxonomy(archive(EN_TOPICS, "en"), taxonomy(EN_TOPICS, "en"), ENCODER)
    for section in found.sections[:3]:
        cues = set(EN_TOPICS[section.name][1].split())
        words = {k.word for k in section.keywords}
        assert words, section.name
        assert words <= cues | set(EN_TOPICS[section.name][0].split()), section.name
        assert all(
            k.lang == "en" and 3 <= k.articles <= section.confident for k in section.keywords
        )
    assert found.sections[3].keywords == ()  # the catch-all learns nothing


def test_arabic_keywords_are_matched_by_the_keyword_matcher() -> None:
    articles = archive(AR_TOPICS, "ar")
    found = suggest_taxonomy(articles, taxonomy(AR_TOPICS, "ar"), ENCODER)
    sports = found.sections[0]
    words = [k.word for k in sports.keywords]
    assert "المنتخب" in words or "منتخب" in words
    assert not any(w.startswith("ال") and w[2:] in words for w in words)  # no doubled forms
    matcher = KeywordMatcher([words])
    texts = [f"{a.title}\n{a.text}" for a in articles if a.id.startswith("Sports")]
    assert matcher.count(texts).sum() > 0
    for keyword in sports.keywords:  # each count is what the matcher itself finds
        hits = KeywordMatcher([[keyword.word]]).count(texts)
        assert 0 < keyword.articles <= int((hits > 0).sum())


def test_examples_are_headlines_of_the_section_articles() -> None:
    articles = archive(EN_TOPICS, "en")
    found = suggest_taxonomy(
        articles, taxonomy(EN_TOPICS, "en"), ENCODER, SuggestSettings(examples=2)
    )
    titles = {a.id.rstrip("0123456789") + "|" + a.title for a in articles}
    for section in found.sections[:3]:
        assert len(section.examples) == 2
        assert all(f"{section.name}|{e}" in titles for e in section.examples)


def test_suggested_taxonomy_adds_keywords_and_examples_but_no_drafts() -> None:
    tax = taxonomy(EN_TOPICS, "en")
    found = suggest_taxonomy(archive(EN_TOPICS, "en") + cooking(12), tax, ENCODER)
    suggested = found.suggested_taxonomy()
    assert suggested.names == tax.names
    assert suggested["Sports"].description == tax["Sports"].description
    assert list(suggested["Sports"].keywords["en"]) == [k.word for k in found.sections[0].keywords]
    assert suggested["Sports"].examples == found.sections[0].examples


def test_planted_off_taxonomy_cluster_becomes_a_draft_section() -> None:
    tax = taxonomy(EN_TOPICS, "en")
    found = suggest_taxonomy(archive(EN_TOPICS, "en") + cooking(12), tax, ENCODER)
    assert len(found.drafts) == 1
    draft = found.drafts[0]
    assert draft.articles >= 10
    assert {k.word for k in draft.keywords} <= set(COOKING.split())
    assert len(draft.keywords) >= 3
    plain = suggest_taxonomy(archive(EN_TOPICS, "en"), tax, ENCODER)
    assert plain.drafts == ()


def test_rare_sections_and_confusable_pairs() -> None:
    topics = {**EN_TOPICS, "Weather": ("weather forecast rain storms", "unused words here")}
    tax = taxonomy(topics, "en")
    articles = archive(EN_TOPICS, "en")
    # articles torn between Economy and Politics (two words of each line): the archive
    # cannot tell those two apart
    economy, politics = (
        " ".join(EN_TOPICS[name][0].split()[:2]) for name in ("Economy", "Politics")
    )
    mixed = [Article(text=f"{economy} {politics} n{i}", id=f"m{i}") for i in range(10)]
    found = suggest_taxonomy(articles + mixed, tax, ENCODER)
    assert [s.name for s in found.sections if s.rare] == ["Weather"]
    assert ("Economy", "Politics") in {(p.first, p.second) for p in found.pairs}
    pair = next(p for p in found.pairs if {p.first, p.second} == {"Economy", "Politics"})
    assert pair.articles >= 5
    assert {"economy", "elections"} <= set(pair.shared)


def test_suggested_yaml_loads_as_the_suggested_taxonomy() -> None:
    tax = taxonomy(EN_TOPICS, "en")
    found = suggest_taxonomy(archive(EN_TOPICS, "en") + cooking(12), tax, ENCODER)
    text = suggestions_yaml(found)
    assert Taxonomy.from_dict(yaml.safe_load(text)) == found.suggested_taxonomy()
    assert "# suggested: in" in text
    assert '#   - "recipe"' in text or "draft: " in text  # the draft is there, commented out


def test_html_report_escapes_hostile_text_and_marks_direction() -> None:
    hostile = '<script>alert("x")</script>'
    topics = {
        f"Sports {hostile}": EN_TOPICS["Sports"],
        "Economy": EN_TOPICS["Economy"],
    }
    articles = archive(topics, "en")
    articles = [
        Article(text=a.text, title=f"{a.title} {hostile}", id=a.id, lang=a.lang) for a in articles
    ]
    page = suggestions_html(suggest_taxonomy(articles, taxonomy(topics, "en"), ENCODER))
    assert "<script" not in page
    assert "&lt;script&gt;" in page
    assert 'dir="auto"' in page
    assert "http://" not in page and "https://" not in page


def test_empty_archive_is_refused_with_a_reason() -> None:
    with pytest.raises(ArticleError, match="archive holds no articles"):
        suggest_taxonomy([], taxonomy(EN_TOPICS, "en"), ENCODER)


def test_existing_keywords_and_examples_are_kept_and_not_suggested_twice() -> None:
    tax = taxonomy(EN_TOPICS, "en")
    sports = replace(tax["Sports"], keywords={"en": ("Penalties",)}, examples=("A cup final.",))
    tax = replace(tax, sections=(sports, *tax.sections[1:]))
    found = suggest_taxonomy(archive(EN_TOPICS, "en"), tax, ENCODER)
    keywords = found.suggested_taxonomy()["Sports"].keywords["en"]
    assert keywords[0] == "Penalties"
    assert "penalty" in {k.word for k in found.sections[0].keywords}
    assert "penalty" not in keywords  # "Penalties" is the same keyword for the matcher
    assert found.suggested_taxonomy()["Sports"].examples[0] == "A cup final."
    assert Taxonomy.from_dict(yaml.safe_load(suggestions_yaml(found))) == found.suggested_taxonomy()
