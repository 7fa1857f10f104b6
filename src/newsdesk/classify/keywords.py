"""Keyword evidence: which of a section's keywords occur in an article's title and lead.

Matching is done on folded text (case, Arabic diacritics, tatweel, alef/yaa/taa-marbuta
variants) and tolerates the clitics Arabic glues to the front of a word (و ف ب ل ك and the
article ال), so the keyword ``اقتصاد`` matches ``والاقتصاد`` and ``بالاقتصاد``. English words
match with or without a plural ``s``. Multi-word keywords match as consecutive words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

__all__ = ["KeywordMatcher", "fold_text", "keyword_key", "read_words", "word_forms"]

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_FOLD = {
    **{cp: None for cp in range(0x064B, 0x0660)},  # tashkeel
    0x0670: None,  # superscript alef
    0x0640: None,  # tatweel
    ord("أ"): "ا",
    ord("إ"): "ا",
    ord("آ"): "ا",
    ord("ٱ"): "ا",
    ord("ى"): "ي",
    ord("ة"): "ه",
    ord("ی"): "ي",
    ord("ک"): "ك",
}
# Longest first: a word is tried with each prefix that leaves at least three letters.
_ARABIC_PREFIXES = ("وبال", "وال", "بال", "كال", "فال", "ولل", "لل", "ال", "و", "ف", "ب", "ل", "ك")


# str.translate looks each character of a non-ASCII text up in a dict (~0.15 us a character:
# most of the time spent scoring an Arabic article); a regex that deletes and one replace a
# variant, each a single pass in C, give the same text about four times faster.
_FOLD_DELETE = re.compile("[" + "".join(chr(cp) for cp, to in _FOLD.items() if to is None) + "]")
_FOLD_REPLACE = tuple((chr(cp), to) for cp, to in _FOLD.items() if to is not None)


def fold_text(text: str) -> str:
    """Case-folded text with Arabic spelling variants merged (for matching, not display)."""
    text = text.casefold()
    if text.isascii():  # nothing to merge
        return text
    text = _FOLD_DELETE.sub("", text)
    for variant, to in _FOLD_REPLACE:  # no variant is another's replacement: order is free
        if variant in text:
            text = text.replace(variant, to)
    return text


def _is_arabic(word: str) -> bool:
    return "\u0600" <= word[0] <= "\u06ff"


def _singular(word: str) -> str:
    """An English plural's singular, roughly (charities -> charity, taxes -> tax)."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if (len(word) > 4 and word.endswith("es") and word[-3] in "sxz") or word.endswith(
        ("ches", "shes")
    ):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=65536)
def word_forms(word: str) -> frozenset[str]:
    """The forms of one folded word that a keyword may match: itself and its bare stems."""
    forms = {word}
    if _is_arabic(word):
        for prefix in _ARABIC_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                forms.add(word[len(prefix) :])
    else:
        forms.add(_singular(word))
    return frozenset(forms)


def keyword_key(word: str) -> str:
    """The canonical form a keyword word is stored under: without ال, in the singular."""
    if _is_arabic(word):
        for prefix in ("ال", "لل"):
            if word.startswith(prefix) and len(word) - len(prefix) >= 3:
                return word[len(prefix) :]
        return word
    return _singular(word)


def read_words(text: str, max_words: int = 150) -> list[str]:
    """The first ``max_words`` words of ``text`` that a :class:`KeywordMatcher` reads.

    They are case-folded and stripped of Arabic marks but keep their letter variants (``ة``,
    ``أ``), so they can be shown to a reader; ``fold_text`` of one is the word matched.
    """
    text = _FOLD_DELETE.sub("", text[: max_words * 12].casefold())
    return _TOKEN.findall(text)[:max_words]


class KeywordMatcher:
    """Counts, for every section, how many of its distinct keywords an article contains."""

    def __init__(self, keywords: Sequence[Sequence[str]], max_words: int = 150) -> None:
        self.keywords = [list(words) for words in keywords]
        self.max_words = max_words
        # first word of a keyword -> [(section, keyword id, remaining words)]
        self._index: dict[str, list[tuple[int, int, tuple[str, ...]]]] = {}
        kid = 0
        for section, words in enumerate(self.keywords):
            for keyword in words:
                parts = tuple(keyword_key(w) for w in _TOKEN.findall(fold_text(keyword)))
                if parts:
                    self._index.setdefault(parts[0], []).append((section, kid, parts[1:]))
                    kid += 1

    def count(self, texts: Sequence[str]) -> np.ndarray:
        """``(len(texts), n_sections)`` numbers of distinct keywords found in each text."""
        out = np.zeros((len(texts), len(self.keywords)), dtype=np.float32)
        for row, text in enumerate(texts):
            # words and the spaces between them rarely average 12 characters: fold only the
            # part that is read
            words = _TOKEN.findall(fold_text(text[: self.max_words * 12]))[: self.max_words]
            forms = [word_forms(w) for w in words]
            found: set[tuple[int, int]] = set()
            for pos, options in enumerate(forms):
                for form in options:
                    for section, kid, rest in self._index.get(form, ()):
                        if self._follows(forms, pos + 1, rest):
                            found.add((section, kid))
            for section, _ in found:
                out[row, section] += 1.0
        return out

    @staticmethod
    def _follows(forms: list[frozenset[str]], start: int, rest: tuple[str, ...]) -> bool:
        if start + len(rest) > len(forms):
            return False
        return all(part in forms[start + i] for i, part in enumerate(rest))
