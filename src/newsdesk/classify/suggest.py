"""Suggestions for a taxonomy, read from an unlabeled archive of the outlet's own articles.

A new outlet writes one line a section. Its archive knows more: filed zero-shot with that
taxonomy, the articles each section wins with confidence share words that the other sections'
articles do not use, and their headlines show what the section holds. :func:`suggest_taxonomy`
files the archive once and returns, per section, those words (per language, with how many
confident articles each is found in) and a few typical headlines, and for the taxonomy as a
whole the pairs of sections the archive cannot tell apart, the sections almost nothing falls
into and the groups of articles that fit no section (drafts of a missing section).

Words are ranked by a log-odds ratio with an informative Beta prior (the binary form of Monroe,
Colaresi and Quinn's "Fightin' Words"): the odds that a section's confident article contains
the word against the odds that another section's does, shrunk toward the word's rate in the
whole archive and divided by its standard error, so a word seen in three articles cannot
outrank one seen in thirty by chance. Words are counted the way :class:`KeywordMatcher` reads
them (the same window of the title and lead, Arabic folded and its clitics stripped, English
plurals merged): a suggested keyword is one the matcher finds in the articles it was counted
in, and the counts reported are the matcher's own.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from newsdesk.article import Article, detect_language
from newsdesk.classify.keywords import (
    KeywordMatcher,
    fold_text,
    keyword_key,
    read_words,
    word_forms,
)
from newsdesk.classify.result import EncodedArticles
from newsdesk.classify.zero_shot import ZeroShotHead
from newsdesk.encoders.base import Encoder, normalize_rows
from newsdesk.errors import ArticleError
from newsdesk.taxonomy import Taxonomy

__all__ = [
    "ConfusablePair",
    "DraftSection",
    "Keyword",
    "ScoredArchive",
    "SectionSuggestion",
    "SuggestSettings",
    "TaxonomySuggestions",
    "score_archive",
    "suggest",
    "suggest_taxonomy",
]

logger = logging.getLogger(__name__)

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
)
_STOPWORDS = frozenset(fold_text(w) for w in _STOPWORD_TEXT.split())
_HAS_DIGIT = re.compile(r"\d")
_ARABIC_LETTER = re.compile("[\u0600-\u06ff]")
_HEADLINE_WORDS = 20


@dataclass(frozen=True)
class SuggestSettings:
    """The constants of :func:`suggest`; see ``docs/taxonomy-suggest.md`` for how they were set.

    ``confident_share``: of the articles a section wins, the most confident share learns its
    words and headlines (the rest may be another section's). ``keywords``: words suggested per
    section and language. ``examples``: headlines suggested per section. ``min_score``: the
    least log-odds z a suggested word needs. ``rare_share``: a section winning less than this
    share of an even split of the archive is reported as rare. ``pair_ratio`` and
    ``pair_share``: an article is torn between its two best sections when the second has at
    least ``pair_ratio`` of the first's probability; a pair is reported when at least
    ``pair_share`` of the smaller section's articles are torn that way. ``unfit_quantile``:
    an article fits no section when its closest label text is further than this quantile of
    the confidently filed articles'. ``group_share``: a draft section needs at least this share
    of the archive (and five articles).
    """

    confident_share: float = 1.0
    keywords: int = 24
    examples: int = 6
    min_score: float = 2.0
    min_articles: int = 3
    max_article_share: float = 0.4
    prior_articles: float = 10.0
    rare_share: float = 0.2
    pair_ratio: float = 0.5
    pair_share: float = 0.25
    unfit_quantile: float = 0.1
    group_share: float = 0.02
    shared_terms: int = 8


@dataclass(frozen=True)
class Keyword:
    """A suggested keyword: the word, its language and the articles it was found in."""

    word: str
    lang: str
    articles: int  # of the section's (or group's) articles that learned it
    score: float  # the log-odds z


@dataclass(frozen=True)
class SectionSuggestion:
    """What the archive suggests for one section."""

    name: str
    won: int  # articles filed here
    confident: int  # of those, the ones that learned keywords and examples
    keywords: tuple[Keyword, ...] = ()
    examples: tuple[str, ...] = ()
    rare: bool = False


@dataclass(frozen=True)
class ConfusablePair:
    """Two sections that many articles fall between, and the words those articles share."""

    first: str
    second: str
    articles: int
    shared: tuple[str, ...]


@dataclass(frozen=True)
class DraftSection:
    """A group of articles that fit no section well: a candidate for a missing section."""

    name: str
    articles: int
    keywords: tuple[Keyword, ...]
    headlines: tuple[str, ...]


@dataclass(frozen=True)
class TaxonomySuggestions:
    """Everything :func:`suggest` found; :meth:`suggested_taxonomy` applies the safe part."""

    taxonomy: Taxonomy
    articles: int
    sections: tuple[SectionSuggestion, ...]
    pairs: tuple[ConfusablePair, ...]
    drafts: tuple[DraftSection, ...]
    settings: SuggestSettings = field(default_factory=SuggestSettings)

    def suggested_taxonomy(self) -> Taxonomy:
        """The taxonomy with the suggested keywords and examples added to each section.

        Draft sections are left out: a new section needs a name and a decision.
        """
        sections = []
        for section, found in zip(self.taxonomy.sections, self.sections, strict=True):
            keywords = {lang: list(words) for lang, words in section.keywords.items()}
            known = {keyword_key(fold_text(w)) for words in keywords.values() for w in words}
            for keyword in found.keywords:
                if keyword_key(fold_text(keyword.word)) not in known:
                    keywords.setdefault(keyword.lang, []).append(keyword.word)
            examples = list(section.examples)
            examples += [e for e in found.examples if e not in examples]
            sections.append(
                replace(
                    section,
                    keywords={lang: tuple(words) for lang, words in keywords.items()},
                    examples=tuple(examples),
                )
            )
        return replace(self.taxonomy, sections=tuple(sections))


@dataclass(frozen=True)
class ScoredArchive:
    """An archive filed zero-shot once: what every setting of :func:`suggest` reads."""

    taxonomy: Taxonomy
    articles: tuple[Article, ...]
    embeddings: np.ndarray  # (articles, dim), unit rows
    probs: np.ndarray  # (articles, sections), taxonomy order
    fit: np.ndarray  # (articles,): cosine to the closest label text
    terms: tuple[frozenset[str], ...]  # per article, the keyword keys the matcher would find
    shown: dict[str, str]  # keyword key -> the spelling most seen in the archive


def suggest_taxonomy(
    articles: Iterable[Article],
    taxonomy: Taxonomy,
    encoder: Encoder,
    settings: SuggestSettings | None = None,
) -> TaxonomySuggestions:
    """File ``articles`` zero-shot with ``taxonomy`` and read suggestions from the result."""
    return suggest(score_archive(articles, taxonomy, encoder), settings)


def score_archive(
    articles: Iterable[Article], taxonomy: Taxonomy, encoder: Encoder
) -> ScoredArchive:
    """Encode and file ``articles`` once, and index the words the keyword matcher reads."""
    arts = tuple(a if a.lang else a.with_lang(_language(a.content)) for a in articles)
    if not arts:
        raise ArticleError(
            "the archive holds no articles; give files with at least one article a "
            "section (a few hundred give useful suggestions)"
        )
    head = ZeroShotHead().fit_taxonomy(taxonomy, encoder)
    embeddings = encoder.encode([a.content for a in arts])
    probs = head.predict_proba(EncodedArticles(list(arts), embeddings))
    fit = (embeddings @ head.label_vectors_.T).max(axis=1)
    terms, shown = _index_terms(arts)
    return ScoredArchive(taxonomy, arts, embeddings, probs, fit, terms, shown)


def _language(text: str) -> str:
    """The article's language; when detection is unsure, its script's main language.

    Keywords are listed under a language in the taxonomy: a short or odd text still belongs
    under ``ar`` or ``en`` rather than under an unknown code.
    """
    detected = detect_language(text)
    if detected:
        return detected
    return "ar" if _ARABIC_LETTER.search(text) else "en"


def _index_terms(articles: Sequence[Article]) -> tuple[tuple[frozenset[str], ...], dict[str, str]]:
    """Per article, the single-word keyword keys a :class:`KeywordMatcher` would find in it.

    A key is a form of a word that is its own keyword key (no ``ال``, singular): the keyword
    ``key`` matches exactly the articles whose set holds it. Arabic forms are suffixes of the
    word they come from, so the spelling shown keeps the word's own letters.
    """
    spellings: Counter[tuple[str, str]] = Counter()
    terms = []
    for article in articles:
        found: set[str] = set()
        for word in read_words(f"{article.title}\n{article.text}"):
            if _HAS_DIGIT.search(word):
                continue
            folded = fold_text(word)
            for form in word_forms(folded):
                if len(form) < 3 or form in _STOPWORDS or keyword_key(form) != form:
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


def suggest(archive: ScoredArchive, settings: SuggestSettings | None = None) -> TaxonomySuggestions:
    """Keywords, examples, confusable pairs, rare sections and drafts from a filed archive."""
    s = settings or SuggestSettings()
    taxonomy, probs = archive.taxonomy, archive.probs
    n, k_sections = probs.shape
    winner = probs.argmax(axis=1)
    confident = _confident(probs, winner, s.confident_share)
    even_split = n / k_sections
    sections = []
    for k, section in enumerate(taxonomy.sections):
        won = int((winner == k).sum())
        mine = [i for i in confident if winner[i] == k]
        rest = [i for i in confident if winner[i] != k]
        keywords: tuple[Keyword, ...] = ()
        examples: tuple[str, ...] = ()
        if not section.other and mine:
            keywords = _keywords(archive, mine, rest, s, s.keywords)
            examples = _typical_headlines(archive, mine, s.examples)
        rare = not section.other and won < s.rare_share * even_split
        sections.append(SectionSuggestion(section.name, won, len(mine), keywords, examples, rare))
    pairs = _confusable_pairs(archive, winner, s)
    drafts = _drafts(archive, confident, s)
    logger.info("suggestions from %d articles: %d pairs, %d drafts", n, len(pairs), len(drafts))
    return TaxonomySuggestions(taxonomy, n, tuple(sections), pairs, drafts, s)


def _confident(probs: np.ndarray, winner: np.ndarray, share: float) -> list[int]:
    """Per section, the most confident ``share`` of the articles it wins (at least one)."""
    chosen: list[int] = []
    for k in range(probs.shape[1]):
        idx = np.flatnonzero(winner == k)
        if len(idx):
            order = idx[np.argsort(-probs[idx, k], kind="stable")]
            chosen += order[: max(1, math.ceil(share * len(idx)))].tolist()
    return sorted(chosen)


def _keywords(
    archive: ScoredArchive, inside: list[int], outside: list[int], s: SuggestSettings, limit: int
) -> tuple[Keyword, ...]:
    """Up to ``limit`` words a language that set ``inside`` apart from ``outside``."""
    langs = Counter(archive.articles[i].lang or "und" for i in inside)
    found: list[Keyword] = []
    for lang, _ in langs.most_common():
        same = [i for i, a in enumerate(archive.articles) if (a.lang or "und") == lang]
        mine = [i for i in inside if (archive.articles[i].lang or "und") == lang]
        theirs = [i for i in outside if (archive.articles[i].lang or "und") == lang]
        ranked = _log_odds(archive.terms, mine, theirs, same, s)
        found += [
            Keyword(archive.shown.get(key, key), lang, count, z)
            for key, count, z in _without_variants(ranked)[:limit]
        ]
    return tuple(_matched(archive, inside, found))


def _log_odds(
    terms: Sequence[frozenset[str]],
    inside: list[int],
    outside: list[int],
    background: list[int],
    s: SuggestSettings,
) -> list[tuple[str, int, float]]:
    """``(key, articles inside holding it, z)``, best first, for the keys that pass."""
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
    return ranked


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


def _matched(archive: ScoredArchive, inside: list[int], found: list[Keyword]) -> list[Keyword]:
    """The keywords with the number of ``inside`` articles the matcher finds each in."""
    if not found:
        return []
    matcher = KeywordMatcher([[k.word] for k in found])
    hits = matcher.count(
        [f"{archive.articles[i].title}\n{archive.articles[i].text}" for i in inside]
    )
    counts = (hits > 0).sum(axis=0)
    return [replace(k, articles=int(c)) for k, c in zip(found, counts, strict=True) if c > 0]


def headline(article: Article) -> str:
    """An article's title, or the first words of its text when it has none."""
    if article.title.strip():
        return " ".join(article.title.split())
    words = article.text.split()
    return " ".join(words[:_HEADLINE_WORDS]) + (" ..." if len(words) > _HEADLINE_WORDS else "")


def _typical_headlines(archive: ScoredArchive, inside: list[int], limit: int) -> tuple[str, ...]:
    """Headlines of the articles closest to the centre of ``inside``, languages in turn."""
    if limit <= 0:
        return ()
    vectors = archive.embeddings[inside]
    centre = normalize_rows(vectors.mean(axis=0, keepdims=True))[0]
    order = [inside[j] for j in np.argsort(-(vectors @ centre), kind="stable")]
    by_lang: dict[str, list[int]] = {}
    for i in order:
        by_lang.setdefault(archive.articles[i].lang or "und", []).append(i)
    queues = sorted(by_lang.values(), key=len, reverse=True)
    chosen: list[str] = []
    while len(chosen) < limit and any(queues):
        for queue in queues:
            while queue:
                text = headline(archive.articles[queue.pop(0)])
                if text not in chosen:
                    chosen.append(text)
                    break
            if len(chosen) == limit:
                break
    return tuple(chosen)


def _confusable_pairs(
    archive: ScoredArchive, winner: np.ndarray, s: SuggestSettings
) -> tuple[ConfusablePair, ...]:
    probs = archive.probs
    names = archive.taxonomy.names
    top = np.argsort(-probs, axis=1, kind="stable")[:, :2]
    first = probs[np.arange(len(probs)), top[:, 0]]
    second = probs[np.arange(len(probs)), top[:, 1]]
    torn: dict[tuple[int, int], list[int]] = {}
    for i in np.flatnonzero(second >= s.pair_ratio * first):
        a, b = sorted(top[i].tolist())
        torn.setdefault((a, b), []).append(int(i))
    everyone = list(range(len(probs)))
    pairs = []
    for (a, b), idx in sorted(torn.items(), key=lambda item: -len(item[1])):
        smaller = min(int((winner == a).sum()), int((winner == b).sum()))
        if len(idx) < max(s.min_articles, s.pair_share * smaller):
            continue
        rest = sorted(set(everyone) - set(idx))
        ranked = _log_odds(archive.terms, idx, rest, everyone, replace(s, min_score=0.0))
        shared = tuple(archive.shown.get(key, key) for key, _, _ in _without_variants(ranked))
        pairs.append(ConfusablePair(names[a], names[b], len(idx), shared[: s.shared_terms]))
    return tuple(pairs)


def _drafts(
    archive: ScoredArchive, confident: list[int], s: SuggestSettings
) -> tuple[DraftSection, ...]:
    """Groups of articles further from every label text than nearly all filed ones."""
    n = len(archive.articles)
    threshold = float(np.quantile(archive.fit[confident], s.unfit_quantile))
    unfit = np.flatnonzero(archive.fit < threshold)
    min_group = max(5, math.ceil(s.group_share * n))
    if len(unfit) < min_group:
        return ()
    winner = archive.probs.argmax(axis=1)
    sections = [[i for i in confident if winner[i] == k] for k in range(archive.probs.shape[1])]
    clusters = _kmeans(archive.embeddings[unfit], min(4, len(unfit) // min_group))
    everyone = set(range(n))

    def words_of(members: list[int]) -> tuple[Keyword, ...]:
        return _keywords(archive, members, sorted(everyone - set(members)), s, s.keywords)

    groups: list[tuple[list[int], tuple[Keyword, ...]]] = []
    for c in np.argsort(-np.bincount(clusters), kind="stable"):
        members = unfit[clusters == c].tolist()
        if _explained(archive, members, sections):
            continue
        words = words_of(members)
        top = {k.word for k in words[:5]}
        # k-means may cut one topic in two: parts led by the same words are one group
        same = next(
            (j for j, (_, w) in enumerate(groups) if len(top & {k.word for k in w[:5]}) >= 2), None
        )
        if same is not None:
            members = groups[same][0] + members
            groups[same] = (members, words_of(members))
        else:
            groups.append((members, words))
    drafts = []
    for members, keywords in groups:
        if len(members) < min_group:
            continue
        if len(keywords) < 3:  # no words of its own: a residue, not a topic
            continue
        name = " / ".join(k.word for k in keywords[:3])
        headlines = _typical_headlines(archive, members, max(s.examples, 3))
        drafts.append(DraftSection(name, len(members), keywords, headlines))
    return tuple(sorted(drafts, key=lambda d: -d.articles))


def _explained(archive: ScoredArchive, members: list[int], sections: list[list[int]]) -> bool:
    """Whether the group's centre sits as close to a section's confident articles as they do.

    Articles far from every label text may still be one section's plainer articles; a new
    topic is a group whose centre is further from each section's centre than that section's
    typical confident article.
    """
    centre = normalize_rows(archive.embeddings[members].mean(axis=0, keepdims=True))[0]
    for inside in sections:
        if len(inside) < 2:
            continue
        vectors = archive.embeddings[inside]
        own = normalize_rows(vectors.mean(axis=0, keepdims=True))[0]
        if float(centre @ own) >= float(np.median(vectors @ own)):
            return True
    return False


def _kmeans(vectors: np.ndarray, k: int, rounds: int = 20) -> np.ndarray:
    """Cluster unit ``vectors`` by cosine (k-means++ start, fixed seed: same input, same groups)."""
    k = max(1, min(k, len(vectors)))
    rng = np.random.default_rng(0)
    centres = [vectors[rng.integers(len(vectors))]]
    for _ in range(1, k):
        distance = np.maximum(1.0 - (vectors @ np.array(centres).T).max(axis=1), 0.0)
        total = distance.sum()
        pick = (
            rng.choice(len(vectors), p=distance / total)
            if total > 0
            else rng.integers(len(vectors))
        )
        centres.append(vectors[pick])
    centre = np.array(centres)
    labels = np.zeros(len(vectors), dtype=np.int64)
    for _ in range(rounds):
        labels = (vectors @ centre.T).argmax(axis=1)
        for c in range(k):
            if (labels == c).any():
                centre[c] = normalize_rows(vectors[labels == c].mean(axis=0, keepdims=True))[0]
    return labels
