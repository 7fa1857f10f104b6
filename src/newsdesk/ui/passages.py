"""The passages that drove a call: each sentence scored alone by the same classifier.

A sentence is highlighted when, read on its own, it points to the chosen section more than
the article's other sentences do (the top few, above the median). This works for every head
and encoder, because it only asks the classifier for probabilities.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier

__all__ = ["Passage", "PassageCache", "score_passages", "split_passages"]

# Sentence ends in Latin and Arabic script (؟ Arabic question mark, ۔ Urdu full stop) followed
# by space, or line breaks; the punctuation and the space stay with the sentence before.
_BOUNDARY = re.compile(r"((?<=[.!?؟۔])\s+|\n+)")
MAX_PASSAGES = 80
MAX_HIGHLIGHTS = 3


@dataclass(frozen=True)
class Passage:
    """A piece of the article's text and how much it, alone, points to the section."""

    text: str
    score: float
    drove: bool


def split_passages(text: str) -> list[str]:
    """The text cut into sentences (whitespace kept, so joining them gives the text back)."""
    parts = _BOUNDARY.split(text)
    pieces = [
        parts[i] + (parts[i + 1] if i + 1 < len(parts) else "") for i in range(0, len(parts), 2)
    ]
    pieces = [piece for piece in pieces if piece]
    if len(pieces) > MAX_PASSAGES:
        pieces = [*pieces[: MAX_PASSAGES - 1], "".join(pieces[MAX_PASSAGES - 1 :])]
    return pieces


def score_passages(classifier: Classifier, text: str, section: str) -> list[Passage]:
    """Every passage of ``text`` with its probability of ``section``; the top ones marked."""
    pieces = split_passages(text)
    scored = [i for i, piece in enumerate(pieces) if len(piece.strip()) >= 3]
    if section not in classifier.taxonomy.names or not scored:
        return [Passage(piece, 0.0, False) for piece in pieces]
    column = classifier.taxonomy.names.index(section)
    probs = classifier.predict_proba([Article(text=pieces[i].strip()) for i in scored])[:, column]
    scores = np.zeros(len(pieces))
    scores[scored] = probs
    drove: set[int] = set()
    if len(scored) > 1:
        floor = float(np.median(probs))
        ranked = sorted(scored, key=lambda i: -scores[i])
        drove = {i for i in ranked[:MAX_HIGHLIGHTS] if scores[i] > floor}
    elif scored:
        drove = {scored[0]}
    return [
        Passage(p, float(s), i in drove)
        for i, (p, s) in enumerate(zip(pieces, scores, strict=True))
    ]


class PassageCache:
    """Scored passages by (model version, article, section), the most recent few hundred."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int, str], list[Passage]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, str]) -> list[Passage] | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, int, str], value: list[Passage]) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
