from __future__ import annotations

import numpy as np

from newsdesk.article import Article
from newsdesk.classify.form import flash_shortness, form_features, opinion_score

FLASH = Article(
    title="Bomb kills 12 at Baghdad market",
    text="At least 12 people were killed and 30 wounded when a car bomb exploded at a crowded "
    "market in central Baghdad on Monday, police and medical sources said. No group has "
    "claimed responsibility for the attack.",
)
REPORT = Article(
    title="Parliament passes the budget",
    text="Parliament approved the budget on Tuesday after a long debate. " * 12,
)
OP_ED = Article(
    title="Why we must rethink our schools",
    text="I have taught for twenty years, and I think we have got it badly wrong. We should "
    "stop testing children every term. Why do we keep doing it? In my view the answer is fear.",
)
AR_OP_ED = Article(
    title="رأي: لماذا فشلت الحكومة؟",
    text="لا بد من الاعتراف بأن الحكومة فشلت في إدارة الأزمة، وأعتقد أن علينا أن نسأل لماذا. "
    "ينبغي أن نراجع السياسات التي أوصلتنا إلى هنا.",
)


def test_opinion_cues_in_english_and_arabic() -> None:
    assert opinion_score(OP_ED) > 2.5
    assert opinion_score(AR_OP_ED) > 2.5
    assert opinion_score(REPORT) < 0.0
    assert opinion_score(FLASH) < 0.5


def test_quoted_first_person_is_not_opinion() -> None:
    quoted = Article(
        title="Flood hits town",
        text='Water rose overnight. "I lost everything, my house and my car," said one '
        'resident. "We have nowhere to go," said another.',
    )
    assert opinion_score(quoted) < 0.5


def test_flash_shortness_damps_long_texts() -> None:
    short, long = flash_shortness(np.array([35.0, 400.0]))
    assert short > -0.1
    assert long < -30


def test_form_features_measure_body_length() -> None:
    features = form_features([FLASH, REPORT])
    assert features.words.tolist() == [len(FLASH.text.split()), len(REPORT.text.split())]
