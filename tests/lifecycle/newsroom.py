"""A tiny synthetic newsroom: three sections with words of their own, English and Arabic.

Each article draws most of its words from its section's list, so a model trained on editors'
labels files them right, while a taxonomy whose descriptions swap the sections' words
(``misleading=True``) makes a zero-shot model file them wrong: the right answer is known.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.encoders.base import Encoder, Role
from newsdesk.encoders.lexical import LexicalEncoder
from newsdesk.store import Store
from newsdesk.store.articles import FiledArticle, add_correction, insert_filed
from newsdesk.store.migrate import upgrade
from newsdesk.taxonomy import Section, Taxonomy

_LINES = {
    "sport": "football match goal team league coach player stadium "
    "كرة مباراة هدف فريق دوري مدرب لاعب ملعب",
    "business": "market shares bank profit investors trade company economy "
    "سوق أسهم بنك أرباح مستثمرون تجارة شركة اقتصاد",
    "science": "research scientists study laboratory discovery experiment physics biology "
    "بحث علماء دراسة مختبر اكتشاف تجربة فيزياء أحياء",
    "common": "the said on in a of today week في من على قال",
}
WORDS = {name: line.split() for name, line in _LINES.items() if name != "common"}
SECTIONS = list(WORDS)
COMMON = _LINES["common"].split()


def taxonomy(*, misleading: bool = False) -> Taxonomy:
    """The three sections, described by their own words (or, misleading, the next one's)."""
    described = SECTIONS[1:] + SECTIONS[:1] if misleading else SECTIONS
    return Taxonomy(
        name="synthetic",
        sections=tuple(
            Section(
                name=name,
                description={"en": " ".join(WORDS[words][:8]), "ar": " ".join(WORDS[words][8:])},
            )
            for name, words in zip(SECTIONS, described, strict=True)
        ),
    )


def articles(count: int, seed: int = 0) -> tuple[list[Article], dict[str, str]]:
    """``count`` articles, the sections in turn, every other one Arabic; their labels by id."""
    rng = random.Random(seed)
    out: list[Article] = []
    labels: dict[str, str] = {}
    for i in range(count):
        section = SECTIONS[i % len(SECTIONS)]
        arabic = i % 2 == 1
        own = [w for w in WORDS[section] if w.isascii() != arabic]
        words = rng.choices(own, k=10) + rng.choices(COMMON, k=4)
        rng.shuffle(words)
        article_id = f"{section}-{i}"
        text = " ".join(words)
        out.append(Article(text=text, title=" ".join(words[:4]), id=article_id,
                           lang="ar" if arabic else "en"))  # fmt: skip
        labels[article_id] = section
    return out, labels


class CountingEncoder:
    """The lexical encoder, marked cacheable, counting the passages it encodes (and keeping
    their texts)."""

    name = "counting-lexical"
    cacheable = True
    bag_of_words = True

    def __init__(self) -> None:
        self.inner = LexicalEncoder()
        self.dim = self.inner.dim
        self.passages = 0
        self.texts: list[str] = []

    @property
    def fingerprint(self) -> str:
        return "counting-" + self.inner.fingerprint

    def encode(self, texts: Sequence[str], role: Role = Role.PASSAGE) -> np.ndarray:
        if role is Role.PASSAGE:
            self.passages += len(texts)
            self.texts += list(texts)
        return self.inner.encode(texts, role)


def file_all(folder: Path, classifier: Classifier, items: list[Article], version: str) -> Store:
    """A SQLite store in ``folder`` with ``items`` filed by ``classifier`` as ``version``."""
    store = Store(f"sqlite:///{folder / 'desk.db'}")
    upgrade(store)
    calls = list(classifier.classify_many(items))
    with store.write() as conn:
        insert_filed(conn, [FiledArticle(a, p, version) for a, p in zip(items, calls, strict=True)])
    return store


def correct(store: Store, labels: dict[str, str], ids: Sequence[str]) -> None:
    """Editors give the articles ``ids`` the sections ``labels`` says."""
    with store.write() as conn:
        for article_id in ids:
            add_correction(conn, article_id, [labels[article_id]], editor="ann")


def zero_shot(encoder: Encoder | str = "lexical", *, misleading: bool = False) -> Classifier:
    return Classifier.zero_shot(taxonomy(misleading=misleading), encoder=encoder)
