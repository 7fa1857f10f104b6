"""The :class:`Article` value, text normalization and offline language identification."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from newsdesk.characters import control_character, unusable_character
from newsdesk.errors import ArticleError

__all__ = [
    "LANG_PATTERN",
    "NO_CONTROL_PATTERN",
    "NO_NUL_PATTERN",
    "VISIBLE_PATTERN",
    "Article",
    "as_article",
    "detect_language",
    "is_blank",
    "language_code",
    "normalize_arabic",
    "normalize_text",
    "unusable_character",
]

# What an edge may take in. The same patterns are declared in the service's OpenAPI schema, so
# clients and the service agree on them character for character.
NO_NUL_PATTERN = r"^[^\x00]*$"
"""No NUL: PostgreSQL text cannot hold one, and SQLite cuts a ``LIKE`` pattern at it."""
LANG_PATTERN = r"^[A-Za-z]{2,8}([-_][A-Za-z0-9]{1,8}){0,3}$"
"""A language tag (``en``, ``ar``, ``pt-BR``, ``zh_Hant``): letters, digits and dashes only.

Python code checks it with ``fullmatch``: in Python's ``re`` a ``$`` also matches before a final
newline, which the schema's pattern (and pydantic) refuse.
"""
_BLANK_CHARS = (  # escapes, not the characters: the pattern is also read by JSON Schema tools
    r"\x00-\x20\x7f-\xa0\xad\u034f\u061c\u115f\u1160\u1680\u180e"
    r"\u2000-\u200f\u2028-\u202f\u205f-\u2064\u2066-\u206f\u3000\u3164\ufeff\uffa0"
)
VISIBLE_PATTERN = f"[^{_BLANK_CHARS}]"
"""One character that shows: not whitespace, a control character, a zero-width or direction
mark."""
NO_CONTROL_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]*$"
"""No control character (C0, DEL, C1): what names a thing (an id, a section, a source) in a URL
or a filter never holds one."""
_VISIBLE = re.compile(VISIBLE_PATTERN)
_LANG = re.compile(LANG_PATTERN)
_STRING_FIELDS = ("text", "title", "id", "lang", "url", "published", "source")


def is_blank(text: str) -> bool:
    """Whether ``text`` shows nothing: only whitespace, zero-width or direction marks."""
    return _VISIBLE.search(text) is None


def language_code(value: str | None) -> str | None:
    """The primary subtag of a language tag, lower-cased: ``pt-BR`` -> ``pt``.

    ``None`` when ``value`` is no language tag at all, so that a feed's broken ``<language>``
    is dropped rather than stored.
    """
    if value is None or not _LANG.fullmatch(value.strip()):
        return None
    return value.strip().replace("_", "-").split("-")[0].lower()


@dataclass(frozen=True)
class Article:
    """One news article. Only ``text`` is required; ``title`` is kept apart from the body.

    ``lang`` is an ISO 639-1 code (``en``, ``ar``, ``fr``...) or ``None`` when unknown; readers
    fill it by detection when the input does not say.
    """

    text: str
    title: str = ""
    id: str | None = None
    lang: str | None = None
    url: str | None = None
    published: str | None = None
    source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        for name in _STRING_FIELDS:
            value = getattr(self, name)
            if value is None and name not in ("text", "title"):
                continue
            if not isinstance(value, str):
                raise ArticleError(f"article {name} must be a string, got {type(value).__name__}")
            problem = unusable_character(value)
            if problem:
                raise ArticleError(f"article {name} holds {problem}")
        if self.id is not None and (control := control_character(self.id)) is not None:
            raise ArticleError(
                f"article id holds {control}; an id names the article in URLs and filters, so "
                "it cannot hold one"
            )
        if self.lang is not None and not _LANG.fullmatch(self.lang):
            raise ArticleError(
                f"article lang {self.lang!r} is not a language code such as en, ar or pt-BR"
            )
        if is_blank(self.text) and is_blank(self.title):
            raise ArticleError("article has no text: both 'text' and 'title' are empty")

    @property
    def content(self) -> str:
        """Title and body as one string, the title first on its own line."""
        title = self.title.strip()
        body = self.text.strip()
        return f"{title}\n{body}" if title and body else (title or body)

    @property
    def content_hash(self) -> str:
        """A stable SHA-256 of the whitespace-normalized title and text."""
        norm = " ".join(self.content.split())
        return hashlib.sha256(norm.encode("utf-8")).hexdigest()

    @property
    def key(self) -> str:
        """The identity used for de-duplication: the id, else the URL, else the content hash."""
        return self.id or self.url or f"sha256:{self.content_hash}"

    def with_lang(self, lang: str | None) -> Article:
        """A copy with ``lang`` set."""
        return replace(self, lang=lang)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; empty optional fields are left out."""
        out: dict[str, Any] = {"id": self.id, "title": self.title, "text": self.text}
        for name in ("lang", "url", "published", "source"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


# --- normalization ----------------------------------------------------------------------------

_ARABIC_FOLD: dict[int, str | None] = {
    **{cp: None for cp in range(0x064B, 0x0660)},  # tashkeel: fathatan .. wavy hamza below
    **{cp: None for cp in range(0x06D6, 0x06EE)},  # Quranic annotation marks
    0x0610: None, 0x0611: None, 0x0612: None, 0x0613: None, 0x0614: None, 0x0615: None,
    0x0616: None, 0x0617: None, 0x0618: None, 0x0619: None, 0x061A: None,
    0x0670: None,  # superscript alef
    0x0640: None,  # tatweel
    ord("أ"): "ا", ord("إ"): "ا", ord("آ"): "ا", ord("ٱ"): "ا",
    ord("ى"): "ي",
    ord("ی"): "ي", ord("ک"): "ك",  # Persian yeh and keheh, common in web-typed Arabic
}  # fmt: skip
_TAA_MARBUTA = {ord("ة"): "ه"}
_DIGITS = {**{0x0660 + i: str(i) for i in range(10)}, **{0x06F0 + i: str(i) for i in range(10)}}
_INVISIBLE = dict.fromkeys([0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF, 0x00AD])
_QUOTES = {0x2019: "'", 0x2018: "'", 0x02BC: "'", 0x201C: '"', 0x201D: '"'}
_TEXT_FOLD = {**_ARABIC_FOLD, **_TAA_MARBUTA, **_DIGITS, **_INVISIBLE, **_QUOTES}
_LATIN_MARKS = re.compile("[\u0300-\u036f]+")
_SPACES = re.compile(r"\s+")


def normalize_arabic(text: str, *, taa_marbuta: bool = True) -> str:
    """Fold Arabic spelling variants that carry no meaning for matching.

    Removes diacritics (tashkeel, Quranic marks, superscript alef) and tatweel, writes every
    alef with hamza or madda as bare alef (أ إ آ ٱ -> ا), alef maqsura as yaa (ى -> ي), Persian
    yeh/keheh as Arabic yaa/kaf, and, unless ``taa_marbuta=False``, taa marbuta as haa (ة -> ه).
    Other text passes through unchanged.
    """
    table = {**_ARABIC_FOLD, **_TAA_MARBUTA} if taa_marbuta else _ARABIC_FOLD
    return text.translate(table)


def normalize_text(text: str) -> str:
    """The form texts are compared in for keyword matching: not for display.

    Unicode NFKC, case folding, Latin accents removed (``élection`` -> ``election``), Arabic
    folded by :func:`normalize_arabic`, Arabic-Indic digits as ASCII, curly quotes straight,
    invisible marks (zero-width joiners, direction marks, soft hyphens) dropped, and runs of
    whitespace collapsed to one space.
    """
    text = unicodedata.normalize("NFKC", text).casefold().translate(_TEXT_FOLD)
    if not text.isascii():
        text = unicodedata.normalize(
            "NFC", _LATIN_MARKS.sub("", unicodedata.normalize("NFD", text))
        )
    return _SPACES.sub(" ", text).strip()


# --- language identification -------------------------------------------------------------------

# Frequent function words: they make up a third of running text in these languages. A word in
# several lists counts for each of them, split evenly, so shared words ("de", "in") weigh less.
_STOPWORD_LISTS = {
    "en": "the and of to in on a is that for it with as was are be by this have from at or an"
    " but not they which has were been their will would its he she said after who more than"
    " also about into there when had his her we you our could should these those do no so if"
    " up out can just how what why over all one us i my me your new",
    "fr": "le la les de des du un une et à en est dans pour pas sur au aux avec ce cette il elle"
    " ils sont ont été par plus mais ou nous vous leur leurs ses son sa qui que d l qu était"
    " être comme selon aussi entre après où lors dont on se contre ne y",
    "es": "el la los las de del y en que por con para un una es se su sus al lo como más pero"
    " este esta fue ha han muy sin desde hasta ya donde cuando también entre sobre según",
    "de": "der die das und in ist nicht ein eine zu den dem des mit auf für von sich auch es im"
    " sie wird wurde werden sind bei nach aus um am oder aber als hat haben dass noch nur",
    "it": "il la di che e è in per non del della dei delle sono con si gli nel nella anche ha"
    " come più questo questa ma da al alla stato essere un una degli",
    "pt": "o a os as de do da dos das em no na nos um uma e que não com para por mais como foi"
    " ao é são também seu sua pelo pela ele ela",
    "nl": "de het een en van in is dat niet op te zijn voor met die ook maar bij aan om er wordt"
    " werd worden naar heeft hebben nog dan deze wat",
}


def _stopword_weights() -> dict[str, dict[str, float]]:
    langs_of: dict[str, list[str]] = {}
    for lang, words in _STOPWORD_LISTS.items():
        for word in set(words.split()):
            langs_of.setdefault(word, []).append(lang)
    return {word: {lang: 1.0 / len(langs) for lang in langs} for word, langs in langs_of.items()}


_STOPWORD_WEIGHTS = _stopword_weights()
_PERSIAN_WORDS = frozenset(["است", "را", "که", "می", "این", "های", "برای", "شد", "شده", "یک"])
_URDU_WORDS = frozenset(["ہے", "کے", "کی", "میں", "اور", "سے", "کا", "نے", "ہیں"])

# Runs rather than single characters: one match a word keeps the count cheap.
_SCRIPTS: dict[str, re.Pattern[str]] = {
    "arabic": re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]+"),
    "latin": re.compile("[A-Za-z\u00c0-\u024f]+"),
    "hebrew": re.compile("[\u0590-\u05ff]+"),
    "greek": re.compile("[\u0370-\u03ff]+"),
    "kana": re.compile("[\u3040-\u30ff]+"),
    "han": re.compile("[\u4e00-\u9fff]+"),
    "hangul": re.compile("[\uac00-\ud7af]+"),
    "thai": re.compile("[\u0e00-\u0e7f]+"),
}
_SINGLE_LANGUAGE_SCRIPTS = {"hebrew": "he", "greek": "el", "hangul": "ko", "thai": "th"}
_WORD = re.compile(r"[^\W\d]+")  # letter runs; [^\W\d_] is 40x slower in re
_SAMPLE_CHARS = 3000


def detect_language(text: str) -> str | None:
    """Guess the ISO 639-1 code of ``text`` offline, or ``None`` when unsure.

    The script decides first: text that is mostly Arabic script is ``ar`` (``fa`` or ``ur`` when
    Persian or Urdu function words show), Hebrew, Greek, Korean, Thai, Japanese and Chinese
    scripts give ``he``, ``el``, ``ko``, ``th``, ``ja`` and ``zh``. Latin-script text is told
    apart by its function words (``en``, ``fr``, ``es``, ``de``, ``it``, ``pt``, ``nl``):
    no hit, a single hit that another language shares, or a near tie between two
    languages, gives ``None``. Only the first
    3,000 characters are read, so the cost is the same for any length.
    """
    sample = text[:_SAMPLE_CHARS]
    words = _WORD.findall(sample)
    letters = sum(map(len, words))
    if letters < 3:
        return None
    counts: dict[str, int] = {}
    for script, pattern in _SCRIPTS.items():  # Arabic and Latin first: most texts stop there
        counts[script] = sum(map(len, pattern.findall(sample)))
        if script == "arabic" and counts[script] >= 0.5 * letters:
            return _arabic_script_language(words)
        if script == "latin" and counts[script] >= 0.5 * letters:
            return _latin_language(sample)
    script = max(counts, key=lambda s: counts[s])
    if counts[script] < 0.5 * letters:
        return None
    if script in ("kana", "han"):
        return "ja" if counts["kana"] > 0.1 * counts[script] else "zh"
    return _SINGLE_LANGUAGE_SCRIPTS[script]


def _arabic_script_language(words: list[str]) -> str:
    for lang, markers in (("fa", _PERSIAN_WORDS), ("ur", _URDU_WORDS)):
        if sum(w in markers for w in words) >= max(2, 0.05 * len(words)):
            return lang
    return "ar"


def _latin_language(sample: str) -> str | None:
    words = Counter(_WORD.findall(sample.casefold()))
    hits = dict.fromkeys(_STOPWORD_LISTS, 0.0)
    for word in words.keys() & _STOPWORD_WEIGHTS.keys():
        for lang, weight in _STOPWORD_WEIGHTS[word].items():
            hits[lang] += weight * words[word]
    ranked = sorted(hits, key=lambda lang: -hits[lang])
    best, second = hits[ranked[0]], hits[ranked[1]]
    # a headline may hold a single function word: enough when no other language has one
    if best < 1 or (best < 2 and second > 0) or best < 1.25 * second:
        return None
    return ranked[0]


def as_article(item: Article | str) -> Article:
    """Accept an :class:`Article` or a bare text; ``lang`` is detected when not given."""
    article = item if isinstance(item, Article) else Article(text=item)
    return article if article.lang else article.with_lang(detect_language(article.content))
