from __future__ import annotations

import json

import numpy as np
import pytest

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.classify.result import EncodedArticles
from newsdesk.classify.zero_shot import (
    RICH,
    THIN,
    THIN_TEXTS,
    ZeroShotHead,
    described_by,
    is_thin,
    section_texts,
)
from newsdesk.encoders.registry import get_encoder
from newsdesk.errors import NotFittedError
from newsdesk.taxonomy import Section, Taxonomy

ALEPPO = Article(
    title="Syria: Rebel offensive on Aleppo intensifies, resulting in 130 deaths",
    text="In one of the most severe outbreaks of violence in recent years, rebel forces in Syria "
    "have captured an army base and seized control of at least 13 villages in the northern "
    "province of Aleppo. The Syrian Observatory for Human Rights reported that a surprise "
    "attack on the Syrian army led to fierce clashes, resulting in the deaths of 130 "
    "combatants and civilians. The offensive, launched by an alliance of opposition groups, "
    "is the largest in the region since a ceasefire brokered by Russia and Turkey in 2020. "
    "Government forces have responded with air strikes on rebel-held towns, and thousands of "
    "residents have fled towards the Turkish border.",
)
FLASH = Article(
    title="Car bomb kills 12 in Baghdad market",
    text="At least 12 people were killed and 30 wounded when a car bomb exploded at a crowded "
    "market in central Baghdad on Monday, police and medical sources said. No group has yet "
    "claimed the attack.",
)
OP_ED = Article(
    title="Why we must stop testing our children",
    text="I have taught for twenty years, and I think we have got it badly wrong. We should stop "
    "testing children every term. Why do we keep doing it? In my view the answer is fear: "
    "fear of league tables, fear of inspectors, fear of parents. It is time we said so. "
    "Our schools were never meant to be exam factories, and I believe most teachers agree. "
    "We owe our pupils better than this, and we should say it loudly.",
)
ARABIC_SPORTS = Article(
    title="المنتخب يفوز على منافسه ويتأهل إلى نهائي البطولة",
    text="فاز المنتخب الوطني لكرة القدم على نظيره بثلاثة أهداف مقابل هدف في المباراة التي جرت "
    "مساء أمس ضمن تصفيات كأس العالم، وسجل المهاجم هدفين في الشوط الثاني، ليتصدر الفريق "
    "مجموعته قبل جولة واحدة من النهاية. وأشاد المدرب بأداء اللاعبين.",
)
NO_SIGNAL = Article(title="Zorblat quexi", text="Fomp driddle wobbin krasto plimm yavver.")


@pytest.fixture(scope="module")
def e5() -> Classifier:
    """The default classifier, as a user gets it."""
    return Classifier.zero_shot()


def test_section_texts_give_one_prototype_per_sentence_and_keyword_group() -> None:
    section = Taxonomy.default()["Sports"]
    texts = section_texts(section)
    assert (
        "All sports: football, basketball, tennis, cricket, rugby, athletics, boxing, Formula One and the Olympics."
        in texts
    )
    assert any(t.startswith("جميع الرياضات") for t in texts)
    assert len(texts) >= 10


def test_probabilities_sum_to_one(e5: Classifier) -> None:
    probs = e5.predict_proba([ALEPPO, FLASH, OP_ED, ARABIC_SPORTS, NO_SIGNAL])
    assert probs.shape == (5, 12)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)
    assert (probs > 0).all()


def test_article_without_signal_falls_back_to_the_catch_all(e5: Classifier) -> None:
    prediction = e5.classify(NO_SIGNAL)
    assert prediction.section == "أخرى"
    assert prediction.confidence < 0.7


def test_bare_attack_flash_is_real_time_facts(e5: Classifier) -> None:
    assert len(FLASH.text.split()) < 60
    assert e5.classify(FLASH).section == "Real Time Facts"


def test_long_incident_report_is_not_a_flash(e5: Classifier) -> None:
    scores = e5.classify(ALEPPO).scores
    assert scores["Real Time Facts"] < 0.05


def test_op_ed_is_analysis(e5: Classifier) -> None:
    assert e5.classify(OP_ED).section == "Analysis"


def test_arabic_article_is_filed_right(e5: Classifier) -> None:
    assert e5.classify(ARABIC_SPORTS).section == "Sports"


def test_state_round_trip_gives_identical_probabilities(e5: Classifier) -> None:
    config, arrays = e5.head.get_state()
    config = json.loads(json.dumps(config))
    restored = ZeroShotHead().set_state(config, {k: v.copy() for k, v in arrays.items()})
    batch = e5.encode([ALEPPO, FLASH, OP_ED, ARABIC_SPORTS])
    np.testing.assert_array_equal(restored.predict_proba(batch), e5.head.predict_proba(batch))
    assert restored.classes_ == e5.taxonomy.names


def test_unfitted_head_raises() -> None:
    empty = EncodedArticles([ALEPPO], np.zeros((1, 8), dtype=np.float32))
    with pytest.raises(NotFittedError, match="not fitted yet"):
        ZeroShotHead().predict_proba(empty)


def test_taxonomy_without_catch_all_or_forms() -> None:
    taxonomy = Taxonomy.from_dict(
        {
            "name": "two",
            "sections": [
                {"name": "sport", "description": "Football matches, players and goals."},
                {"name": "money", "description": "Banks, markets, shares and prices."},
            ],
        }
    )
    clf = Classifier.zero_shot(taxonomy, encoder="lexical")
    assert clf.classify("The striker scored two goals in the football match.").section == "sport"
    assert (
        clf.classify("Shares fell as banks and markets priced in a rate rise.").section == "money"
    )


def test_multi_label_lists_the_primary_first(e5: Classifier) -> None:
    clf = Classifier(e5.taxonomy, e5.encoder, e5.head, multi_label=True, thresholds={})
    prediction = clf.classify(FLASH)
    assert prediction.sections is not None
    assert prediction.sections[0] == prediction.section


@pytest.mark.slow
def test_seed_article_is_news_and_politics_with_e5() -> None:
    clf = Classifier.zero_shot(encoder=get_encoder("e5-small"))
    prediction = clf.classify(ALEPPO)
    assert prediction.section == "News & Politics"
    assert prediction.scores["Real Time Facts"] < 0.2


@pytest.mark.slow
def test_arabic_articles_are_filed_right_with_e5() -> None:
    clf = Classifier.zero_shot(encoder="e5-small")
    assert clf.classify(ARABIC_SPORTS).section == "Sports"
    aleppo_ar = Article(
        title="سوريا: مقتل 130 شخصا في هجوم للمعارضة المسلحة على حلب",
        text="سيطرت فصائل المعارضة المسلحة على قاعدة للجيش السوري و13 قرية على الأقل في ريف حلب "
        "الشمالي، في أعنف هجوم منذ سنوات، وفق المرصد السوري لحقوق الإنسان. وأدت الاشتباكات "
        "العنيفة إلى مقتل 130 من المقاتلين والمدنيين، فيما ردت القوات الحكومية بغارات جوية على "
        "البلدات الخاضعة لسيطرة المعارضة، ونزح آلاف السكان باتجاه الحدود التركية. ويعد الهجوم "
        "الأكبر في المنطقة منذ اتفاق وقف إطلاق النار الذي رعته روسيا وتركيا عام 2020.",
    )
    assert clf.classify(aleppo_ar).section == "News & Politics"


def _one_line_taxonomy() -> Taxonomy:
    return Taxonomy.from_dict(
        {
            "name": "one-line",
            "sections": [
                {"name": "Sport", "description": "Matches, athletes and clubs."},
                {"name": "Economy", "description": {"ar": "الاقتصاد والأسواق والشركات"}},
                {"name": "War", "description": "Armed conflict and fighting."},
                {"name": "Other", "other": True},
            ],
        }
    )


def test_a_taxonomy_of_a_line_a_section_is_thin_and_a_described_one_is_not() -> None:
    assert is_thin(_one_line_taxonomy())
    assert not is_thin(Taxonomy.default())
    assert described_by(Taxonomy.default()["Sports"]) > THIN_TEXTS
    # two sentences and a keyword group are still a line or two; six are a description
    two = Section("Sport", description={"en": "Matches. Athletes."})
    assert described_by(two) == 2
    long = Section("Sport", description={"en": "A. B. C."}, keywords={"en": ["goal", "match"]})
    assert described_by(long) == 4


def _in_use(head: ZeroShotHead) -> dict[str, float]:
    return {name: head._constant(name) for name in RICH}


def test_thin_and_rich_taxonomies_get_their_own_constants_and_keep_given_ones() -> None:
    # the lexical encoder counts words: no label prompts, so the RICH constants
    lexical = ZeroShotHead().fit_taxonomy(_one_line_taxonomy(), get_encoder("lexical"))
    assert not lexical.thin_ and _in_use(lexical) == RICH
    e5 = get_encoder("e5-small")
    thin = ZeroShotHead().fit_taxonomy(_one_line_taxonomy(), e5)
    assert thin.thin_ and _in_use(thin) == THIN and thin.temperature_ == THIN["temperature"]
    rich = ZeroShotHead().fit_taxonomy(Taxonomy.default(), e5)
    assert not rich.thin_ and _in_use(rich) == RICH
    given = ZeroShotHead(scale=2.0, temperature=1.0).fit_taxonomy(_one_line_taxonomy(), e5)
    assert (given.scale, given.temperature) == (2.0, 1.0)  # parameters stay as given
    assert _in_use(given) == {**THIN, "scale": 2.0, "temperature": 1.0}
    config, arrays = thin.get_state()
    again = ZeroShotHead().set_state(json.loads(json.dumps(config)), arrays)
    assert again.thin_ and _in_use(again) == THIN
    articles = [ALEPPO, ARABIC_SPORTS]
    X = EncodedArticles(articles, e5.encode([a.content for a in articles]))
    np.testing.assert_allclose(again.predict_proba(X), thin.predict_proba(X), rtol=1e-6)


def test_a_head_saved_before_thin_taxonomies_loads_with_its_own_constants() -> None:
    e5 = get_encoder("e5-small")
    head = ZeroShotHead().fit_taxonomy(_one_line_taxonomy(), e5)
    config, arrays = head.get_state()
    # an earlier release saved every constant among the parameters, and no kind
    del config["thin"], config["constants"]
    config["params"].update(RICH)
    old = ZeroShotHead().set_state(config, arrays)
    assert not old.thin_ and _in_use(old) == RICH
    # fitted again, its constants are parameters it was given: they stay
    old.fit_taxonomy(_one_line_taxonomy(), e5)
    assert old.thin_ and _in_use(old) == RICH
