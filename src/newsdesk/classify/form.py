"""Form signals: how a piece is written, which topic embeddings do not see.

Two sections of the default taxonomy are forms rather than topics (a section's ``form`` in
the YAML): ``opinion`` (columns, commentary, explainers: Analysis) and ``flash`` (a bare
breaking bulletin of a few sentences: Real Time Facts). Embeddings of the title and lead say
what a piece is about; these features say how long it is and whether it argues, asks or
interprets, in English and Arabic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from newsdesk.article import Article
from newsdesk.classify.keywords import fold_text

__all__ = ["FORMS", "FormFeatures", "flash_shortness", "form_features", "opinion_score"]

FORMS = ("opinion", "flash")

# Quoted speech is a reporter's source talking, not the writer: it is removed before counting
# first-person cues ("I was terrified," she said).
_QUOTED = re.compile(r"[\"“«][^\"”»]{0,400}[\"”»]")
_WORDS = re.compile(r"[^\W_]+", re.UNICODE)

# Cues in the body, counted per 100 words (folded text: lower case, Arabic variants merged).
_EN_BODY = re.compile(
    r"\b(i|i'm|i've|i'd|me|my|myself|we|we're|we've|us|our|ourselves|should|ought|must|"
    r"perhaps|arguably|surely|indeed|in my view|i think|i believe|let us|let's|"
    r"the question is|it is time|it's time|why)\b"
)
_AR_BODY = re.compile(
    r"(?:^|\s)(?:و|ف)?(برايي|في رايي|اعتقد|اظن|اري ان|نحن|انا|علينا|لنا|ينبغي|يجب|لا بد|لابد|"
    r"لعل|ربما|لماذا|هكذا|بمعني اخر|والحال|الواقع ان|الحقيقه ان|لا شك|ليس من قبيل)"
    r"(?=\s|$)"
)
# Markers that settle it: a column's byline disclaimer, an "Analysis:" or "رأي:" label.
_EN_MARKERS = re.compile(
    r"^(analysis|opinion|comment|commentary|viewpoint|column|editorial|explainer|"
    r"letter from|view)\b|\bthe views expressed\b|\bthis article is by\b|\bop-ed\b"
)
_AR_MARKERS = re.compile(
    r"^(راي|تحليل|مقال|تعليق|وجهه نظر|قراءه)\s*[:|-]|بقلم|تكتب ل|يكتب ل|الاراء الوارده|"
    r"لا تعكس بالضروره|لا يعكس بالضروره|تعبر عن راي"
)
# A title that asks, or announces an explainer ("Brexit: What is the protocol?").
_EN_QUESTION_START = re.compile(
    r"^(?:[^:]{0,40}:\s*)?(why\b|what (is|are|does|do|next|went)\b|who (is|are)\b)"
)
_AR_QUESTION_START = re.compile(
    r"^(?:[^:]{0,40}:\s*)?(لماذا|ما هو|ما هي|ما الذي|من هو|من هي|ماذا بعد)"
)
# Attribution and datelines: the marks of a report (folded text).
_EN_REPORTING = re.compile(
    r"\b(said|says|told|according to|reported|announced|spokesman|spokeswoman|officials?|"
    r"police|reuters|afp|monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday)\b"
)
_AR_REPORTING = re.compile(
    r"(?:^|\s)(?:و|ف)?(قال|قالت|اعلن|اعلنت|افاد|افادت|ذكر|ذكرت|وفق|وفقا|بحسب|حسب|اكد|اكدت|"
    r"صرح|مصادر|مصدر|وكاله|اليوم|امس|الاثنين|الثلاثاء|الاربعاء|الخميس|الجمعه|السبت|الاحد|مراسل)"
    r"(?=\s|$)"
)


@dataclass(frozen=True)
class FormFeatures:
    """Per-article form measurements, one entry per article."""

    words: np.ndarray  # body length in words
    opinion: np.ndarray  # opinion/explainer cue score (0 = none)


def _body_words(article: Article) -> int:
    return len(article.text.split())


# Every English cue holds a Latin letter and every Arabic one an Arabic letter: a text
# without such letters is not searched for them (most articles are in one script).
_LATIN = re.compile("[a-z]")
_ARABIC = re.compile("[\u0600-\u06ff]")


def _count(text: str, english: re.Pattern[str], arabic: re.Pattern[str]) -> int:
    found = len(english.findall(text)) if _LATIN.search(text) else 0
    return found + (len(arabic.findall(text)) if _ARABIC.search(text) else 0)


def opinion_score(article: Article, total: int | None = None) -> float:
    """How much ``article`` reads as opinion or explanation rather than a report (about -3 to 7).

    Adds up: a label or byline marker ("Analysis:", "رأي:", "the views expressed...", 3); a
    title that asks a question or announces an explainer (1.5); the rate of first-person,
    modal and rhetorical cues outside quotes (up to 2); a lead without attribution or dateline
    (1, or minus up to 1.5 when the lead is full of "said" and weekdays); length (reports of
    under 120 words are rarely analysis: -1.5; pieces over 400 words: +0.5). ``total`` is
    the body's length in words, when the caller has counted it.
    """
    title = fold_text(article.title.strip())
    if total is None:
        total = _body_words(article)
    # only the first 400 words are read: fold no more text than they can take
    words = fold_text(article.text[:6000]).split()[:400]
    head = f"{title} {' '.join(words[:50])}"
    latin, arabic = _LATIN.search(head), _ARABIC.search(head)
    score = 0.0
    if (latin and (_EN_MARKERS.search(title) or _EN_MARKERS.search(head))) or (
        arabic and _AR_MARKERS.search(head)
    ):
        score += 3.0
    if (
        title.endswith(("?", "؟"))
        or _EN_QUESTION_START.match(title)
        or _AR_QUESTION_START.match(title)
    ):
        score += 1.5
    body = _QUOTED.sub(" ", " ".join(words))
    n_body = max(len(body.split()), 1)
    cues = _count(body, _EN_BODY, _AR_BODY)
    cues += body.count("?") + body.count("؟") + body.count("!")
    score += min(2.0, 1.5 * 100.0 * cues / n_body)
    lead = " ".join(words[:150])
    reporting = _count(lead, _EN_REPORTING, _AR_REPORTING)
    rate = 100.0 * reporting / max(min(len(words), 150), 1)  # words hold no spaces
    score += 1.0 if rate < 0.5 else -min(1.5, 0.5 * rate)
    if total < 120:
        score -= 1.5
    elif total > 400:
        score += 0.5
    return score


def flash_shortness(words: np.ndarray, limit: float = 60.0, softness: float = 10.0) -> np.ndarray:
    """Log-probability-like weight that a text of ``words`` words is flash-short (0 to -inf)."""
    return -np.logaddexp(0.0, (np.asarray(words, dtype=np.float64) - limit) / softness)


def form_features(articles: Sequence[Article]) -> FormFeatures:
    """Measure the form of every article."""
    words = [_body_words(a) for a in articles]
    return FormFeatures(
        words=np.array(words, dtype=np.float64),
        opinion=np.array(
            [opinion_score(a, n) for a, n in zip(articles, words, strict=True)], dtype=np.float64
        ),
    )
