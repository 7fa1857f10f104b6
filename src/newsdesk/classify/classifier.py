"""The :class:`Classifier`: an encoder, a taxonomy and a head, with the public API."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from pathlib import Path

import numpy as np

from newsdesk.article import Article, detect_language
from newsdesk.classify.heads import Head
from newsdesk.classify.result import EncodedArticles, Prediction
from newsdesk.encoders.base import Encoder, get_encoder
from newsdesk.taxonomy import Taxonomy, load_taxonomy

__all__ = ["Classifier"]


def as_article(item: Article | str) -> Article:
    """Accept an :class:`Article` or a bare text; ``lang`` is detected when not given."""
    article = item if isinstance(item, Article) else Article(text=item)
    return article if article.lang else article.with_lang(detect_language(article.content))


class Classifier:
    """Files articles into a taxonomy's sections.

    Build one with :meth:`zero_shot` (no labeled data) or :meth:`load` (a trained model)::

        clf = Classifier.zero_shot()
        clf.classify("Rebel forces captured an army base near Aleppo...").section
    """

    def __init__(
        self,
        taxonomy: Taxonomy,
        encoder: Encoder,
        head: Head,
        *,
        multi_label: bool = False,
        thresholds: dict[str, float] | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.encoder = encoder
        self.head = head
        self.multi_label = multi_label
        self.thresholds = thresholds or {}

    @classmethod
    def zero_shot(
        cls,
        taxonomy: Taxonomy | str | Path | None = None,
        encoder: Encoder | str | None = None,
        *,
        multi_label: bool | None = None,
    ) -> Classifier:
        """A classifier that needs no labeled data: sections are known by their descriptions."""
        from newsdesk.classify.zero_shot import ZeroShotHead

        tax = load_taxonomy(taxonomy)
        enc = get_encoder(encoder)
        head = ZeroShotHead().fit_taxonomy(tax, enc)
        return cls(
            tax, enc, head, multi_label=tax.multi_label if multi_label is None else multi_label
        )

    def encode(self, articles: Sequence[Article]) -> EncodedArticles:
        """Embed ``articles`` with this classifier's encoder."""
        vectors = self.encoder.encode([a.content for a in articles])
        return EncodedArticles(list(articles), vectors)

    def predict_proba(self, articles: Sequence[Article | str]) -> np.ndarray:
        """Probabilities, one row per article, one column per section in taxonomy order."""
        arts = [as_article(a) for a in articles]
        return self._ordered(self.head.predict_proba(self.encode(arts)))

    def classify(self, article: Article | str) -> Prediction:
        """File one article (or a bare text)."""
        return next(self.classify_many([article]))

    def classify_many(
        self, articles: Iterable[Article | str], batch_size: int = 32
    ) -> Iterator[Prediction]:
        """File many articles lazily, encoding ``batch_size`` at a time.

        Predictions come out in input order, each batch as soon as it is scored, so a long
        stream can be written out as it goes. Each batch is encoded and scored on a worker
        thread while this thread reads the next batch and hands out the previous one's
        predictions (encoders spend their time in onnxruntime or BLAS, which release the GIL).
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        iterator = iter(articles)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdesk-encode") as pool:
            pending: tuple[list[Article], Future[np.ndarray]] | None = None
            while batch := [as_article(a) for a in islice(iterator, batch_size)]:
                scoring = pool.submit(self.predict_proba, batch)
                if pending is not None:
                    yield from self._predictions(pending[0], pending[1].result())
                pending = (batch, scoring)
            if pending is not None:
                yield from self._predictions(pending[0], pending[1].result())

    def _predictions(self, batch: list[Article], probs: np.ndarray) -> Iterator[Prediction]:
        for article, row in zip(batch, probs, strict=True):
            yield self._prediction(article, row)

    def _ordered(self, probs: np.ndarray) -> np.ndarray:
        """Reorder head columns (``head.classes_``) into taxonomy order."""
        classes = list(self.head.classes_)
        if classes == self.taxonomy.names:
            return probs
        index = [classes.index(name) for name in self.taxonomy.names]
        return probs[:, index]

    def _prediction(self, article: Article, row: np.ndarray) -> Prediction:
        names = self.taxonomy.names
        scores = {name: float(p) for name, p in zip(names, row, strict=True)}
        best = int(np.argmax(row))
        sections = None
        if self.multi_label:
            chosen = [
                n for n in names if scores[n] >= self.thresholds.get(n, 0.5) and n != names[best]
            ]
            sections = (names[best], *sorted(chosen, key=lambda n: -scores[n]))
        return Prediction(
            id=article.id,
            section=names[best],
            confidence=float(row[best]),
            scores=scores,
            lang=article.lang,
            sections=sections,
        )
