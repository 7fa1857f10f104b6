"""The word side of ``taxonomy suggest``: which keywords an article holds, and which set it apart.

Words are counted the way :class:`KeywordMatcher` reads them (the same window of the title and
lead, Arabic folded and its clitics stripped, English plurals merged), so a word suggested from
these counts is a keyword the matcher finds in the articles it was counted in.

Words are ranked by a log-odds ratio with an informative Beta prior (the binary form of Monroe,
Colaresi and Quinn's "Fightin' Words"): the odds that an article of one group contains the
word against the odds that an article of the other does, shrunk toward the word's rate in the
whole archive and divided by its standard error, so a word seen in three articles cannot
outrank one seen in thirty by chance.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from newsdesk.article import Article
from newsdesk.classify.keywords import (
    KeywordMatcher,
    fold_text,
    keyword_key,
    read_words,
    word_forms,
)

__all__ = ["TermOptions", "article_text", "distinctive_terms", "index_terms", "matched_counts"]

# Function words that the contrast alone may let through in a small archive.
_STOPWORD_TEXT = (
    "the and of to in on a is that for it with as was are be by this have from at or an but"
    " not they which has were been their will would its he she said says after who more than"
    " also about into there when had his her we you our could should these those do no so if"
    " up out can just how what why over all one us i my me your new them him being while"
    " where then some other any such only very most many much may might must did does per say"
    " في من على إلى الى عن أن ان إن مع هذا هذه ذلك التي الذي الذين كان كانت قد لا ما لم لن"
    " بعد قبل بين حتى أو او ثم كما وقال قال وقد وفي وهو وهي هو هي عند منذ خلال حيث أي كل غير"
    " إلا عليه عليها فيه فيها منه منها له لها به بها يكون تكون ليس أيضا اليوم وأن وان"
    " كذلك لكن ولكن أكثر عدة ذلك أنه إنه لدى أمام ضد نحو حول دون عبر أمس"
)
_STOPWORDS = frozenset(fold_text(w) for w in _STOPWORD_TEXT.split())
_CLITICS = "وفبلك"
_HAS_DIGIT = re.compile(r"\d")


@dataclass(frozen=True)
class TermOptions:
    """When a word may be suggested: in at least ``min_articles`` of the group, in at most
    ``max_article_share`` of the archive, and with a log-odds z of at least ``min_score``
    under a prior worth ``prior_articles`` articles."""

    min_score: float
    min_articles: int
    max_article_share: float
    prior_articles: float


def _is_function_word(form: str) -> bool:
    """A stopword, or an Arabic stopword with a one-letter clitic (``وكل``, ``فهو``)."""
    return form in _STOPWORDS or (form[0] in _CLITICS and form[1:] in _STOPWORDS)


def article_text(article: Article) -> str:
    """The text the zero-shot head matches keywords in."""
    return f"{article.title}\n{article.text}"


def index_terms(articles: Sequence[Article]) -> tuple[tuple[frozenset[str], ...], dict[str, str]]:
    """Per article, the single-word keyword keys a :class:`KeywordMatcher` would find in it.

    A key is a form of a word that is its own keyword key (no ``ال``, singular): the keyword
    ``key`` matches exactly the articles whose set holds it. Arabic forms are suffixes of the
    word they come from, so the spelling shown keeps the word's own letters.
    """
    spellings: Counter[tuple[str, str]] = Counter()
    terms = []
    for article in articles:
        found: set[str] = set()
        for word in read_words(article_text(article)):
            if _HAS_DIGIT.search(word):
                continue
            folded = fold_text(word)
            for form in word_forms(folded):
                if len(form) < 3 or keyword_key(form) != form or _is_function_word(form):
                    continue
                found.add(form)
                arabic = form != folded and folded.endswith(form)
                spellings[form, word[-len(form) :] if arabic else word] += 1
        terms.append(frozenset(found))
    shown: dict[str, str] = {}
    for (key, spelling), _ in spellings.most_common():
        if key not in shown and keyword_key(fold_text(spelling)) == key:
            shown[key] = spelling
    return tuple(terms), shown


def distinctive_terms(
    terms: Sequence[frozenset[str]],
    inside: list[int],
    outside: list[int],
    background: list[int],
    s: TermOptions,
) -> list[tuple[str, int, float]]:
    """``(key, articles inside holding it, z)``, best first, for the keys that pass.

    ``inside`` is contrasted with ``outside``; ``background`` (usually every article of the
    language) gives each word's prior rate. Keys that only repeat a better one are dropped.
    """
    n_in, n_out, n_bg = len(inside), len(outside), max(len(background), 1)
    y_in = Counter(t for i in inside for t in terms[i])
    y_out = Counter(t for i in outside for t in terms[i])
    y_bg = Counter(t for i in background for t in terms[i])
    ranked = []
    for key, a_in in y_in.items():
        rate = y_bg[key] / n_bg
        if a_in < s.min_articles or rate > s.max_article_share:
            continue
        prior_yes = s.prior_articles * rate
        prior_no = s.prior_articles - prior_yes
        a_out = y_out[key]
        cells = (
            a_in + prior_yes,
            n_in - a_in + prior_no,
            a_out + prior_yes,
            n_out - a_out + prior_no,
        )
        delta = math.log(cells[0] / cells[1]) - math.log(cells[2] / cells[3])
        z = delta / math.sqrt(sum(1.0 / c for c in cells))
        if z >= s.min_score:
            ranked.append((key, a_in, z))
    ranked.sort(key=lambda r: (-r[2], r[0]))
    return _without_variants(ranked)


def _without_variants(ranked: list[tuple[str, int, float]]) -> list[tuple[str, int, float]]:
    """Drop keys that only repeat another one.

    An Arabic word yields its clitic-stripped forms as keys too (``بريطانيا`` gives
    ``ريطانيا``): a key seen almost only inside a longer candidate is that word's fragment and
    gives way to it; a key whose own stripped form was already chosen adds nothing.
    """
    count = {key: a for key, a, _ in ranked}
    fragments = set()
    for key, a, _ in ranked:
        for form in word_forms(key) - {key}:
            if form in count and a >= 0.9 * count[form]:
                fragments.add(form)
    chosen: list[tuple[str, int, float]] = []
    taken: set[str] = set()
    for key, a, z in ranked:
        if key in fragments or (word_forms(key) - {key}) & taken:
            continue
        chosen.append((key, a, z))
        taken.add(key)
    return chosen


def matched_counts(texts: Sequence[str], words: Sequence[str]) -> list[int]:
    """For each word, the number of ``texts`` a :class:`KeywordMatcher` finds it in."""
    if not words:
        return []
    hits = KeywordMatcher([[w] for w in words]).count(texts)
    return [int(c) for c in (hits > 0).sum(axis=0)]
