"""The :class:`Classifier`: an encoder, a taxonomy and a head, with the public API."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from itertools import chain, islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from newsdesk.article import Article, as_article
from newsdesk.classify.heads import Head
from newsdesk.classify.result import EncodedArticles, Prediction
from newsdesk.encoders.base import Encoder
from newsdesk.encoders.registry import get_encoder
from newsdesk.taxonomy import Taxonomy, load_taxonomy

if TYPE_CHECKING:
    from newsdesk.classify.adapt import AdaptationReport
    from newsdesk.classify.options import TrainingOptions

__all__ = ["Classifier"]

# articles classify_many reads ahead of the encoder at most (a few MB of full articles)
READ_AHEAD = 2048
# primary probabilities, and independent section probabilities from a multi-label head
_Scored = tuple[np.ndarray, np.ndarray | None]


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
        abstain_below: float = 0.0,
    ) -> None:
        self.taxonomy = taxonomy
        self.encoder = encoder
        self.head = head
        self.multi_label = multi_label
        self.thresholds = thresholds or {}
        self.abstain_below = abstain_below
        # what :meth:`adapt` did to make this classifier (None: it was not made by adapt)
        self.adaptation: AdaptationReport | None = None

    @classmethod
    def load(cls, path: str | Path, encoder: Encoder | str | None = None) -> Classifier:
        """A classifier saved by :meth:`save` (or ``newsdesk train``); see :mod:`.saved`."""
        from newsdesk.classify.saved import load_model

        saved = load_model(path, encoder=encoder)
        return cls(
            saved.taxonomy,
            saved.encoder,
            saved.head,
            multi_label=saved.multi_label,
            thresholds=saved.thresholds,
            abstain_below=saved.abstain_below,
        )

    def save(self, path: str | Path, **metadata: Any) -> Path:
        """Write this classifier to the folder ``path`` (``model.json`` + ``arrays.npz``).

        ``metadata`` may hold ``hyperparameters``, ``training`` and ``metrics`` dicts.
        """
        from newsdesk.classify.saved import save_model

        return save_model(self, path, **metadata)

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

    def adapt(
        self,
        articles: Sequence[Article | str],
        *,
        progress: Callable[[str], None] | None = None,
        options: TrainingOptions | None = None,
        examples: tuple[Sequence[Article | str], Sequence[str]] | None = None,
    ) -> Classifier:
        """A classifier adapted to ``articles``: self-trained on them, without labels.

        The articles are encoded once; a linear head is self-trained on them from this
        classifier's reading (its zero-shot head, or a trained model's head), as
        ``newsdesk train --unlabeled`` does. When the archive is too small or the pseudo-labels
        fail self-training's check, the returned classifier keeps this one's head. Either way
        its ``adaptation`` says what happened (:class:`~newsdesk.classify.adapt.AdaptationReport`),
        and it remembers the articles' embeddings, so filing them does not encode them again.
        ``options`` holds self-training's settings (default
        :data:`~newsdesk.classify.adapt.ADAPT_OPTIONS`); ``progress`` receives one line a step.
        ``examples`` (articles and their sections, such as editors' corrections) are learned
        beside the articles' own reading, weighing more.
        """
        from newsdesk.classify.adapt import adapt

        learned, encoder, report = adapt(
            self.head, self.encoder, self.taxonomy.names, articles,
            multi_label=self.multi_label, options=options, progress=progress, examples=examples,
        )  # fmt: skip
        if learned is None:  # this classifier's head, the encoder remembering the articles
            adapted = Classifier(
                self.taxonomy, encoder, self.head, multi_label=self.multi_label,
                thresholds=self.thresholds, abstain_below=self.abstain_below,
            )  # fmt: skip
        else:
            adapted = Classifier(self.taxonomy, encoder, learned)
        adapted.adaptation = report
        return adapted

    def encode(self, articles: Sequence[Article]) -> EncodedArticles:
        """Embed ``articles`` with this classifier's encoder."""
        vectors = self.encoder.encode([a.content for a in articles])
        return EncodedArticles(list(articles), vectors)

    def predict_proba(self, articles: Sequence[Article | str]) -> np.ndarray:
        """Probabilities, one row per article, one column per section in taxonomy order."""
        arts = [as_article(a) for a in articles]
        return self._ordered(self.head.predict_proba(self.encode(arts)))

    def _score(self, encoded: EncodedArticles) -> _Scored:
        """Primary probabilities and, for multi-label heads, independent section probabilities."""
        probs = self._ordered(self.head.predict_proba(encoded))
        label_proba = getattr(self.head, "predict_label_proba", None)
        if (
            self.multi_label
            and label_proba is not None
            and getattr(self.head, "multi_label", False)
        ):
            return probs, self._ordered(label_proba(encoded))
        return probs, None

    def classify(self, article: Article | str) -> Prediction:
        """File one article (or a bare text)."""
        return next(self.classify_many([article]))

    def classify_many(
        self, articles: Iterable[Article | str], batch_size: int = 32
    ) -> Iterator[Prediction]:
        """File many articles lazily, encoding ``batch_size`` at a time.

        Predictions come out in input order, each batch as soon as it is scored, so a long
        stream can be written out as it goes. Batches are encoded in order on a worker thread
        while this thread reads the next ones and scores and hands out those encoded
        (encoders spend their time in onnxruntime or BLAS, which release the GIL). While the
        encoder is busy (loading its model, at the start) this thread reads on, up to
        about :data:`READ_AHEAD` articles, and measures what the head measures from the texts
        alone (keywords, form), so that work overlaps the model's loading.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        iterator = iter(articles)
        batches = iter(lambda: [as_article(a) for a in islice(iterator, batch_size)], [])
        first = next(batches, None)
        if first is None:
            return
        second = next(batches, None)
        if second is None:  # one batch (one article, one service request): no worker thread
            yield from self._predictions(first, self._score(self.encode(first)))
            return
        ahead = max(2, READ_AHEAD // batch_size)  # batches read and not yet scored, at most
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdesk-encode") as pool:
            pending: deque[tuple[list[Article], Future[EncodedArticles], Any]] = deque()
            for batch in chain([first, second], batches):
                encoding = pool.submit(self.encode, batch)
                pending.append((batch, encoding, self._text_evidence(batch)))
                while len(pending) > 1 and (pending[0][1].done() or len(pending) > ahead):
                    yield from self._scored(*pending.popleft())
            while pending:
                yield from self._scored(*pending.popleft())

    def _text_evidence(self, articles: list[Article]) -> Any:
        """What the head (or its zero-shot prior) measures from the texts alone, or None."""
        for head in (self.head, getattr(self.head, "prior_", None)):
            measure = getattr(head, "text_evidence", None)
            if measure is not None:
                return measure(articles)
        return None

    def _scored(
        self, batch: list[Article], encoding: Future[EncodedArticles], text_evidence: Any
    ) -> Iterator[Prediction]:
        encoded = replace(encoding.result(), text_evidence=text_evidence)
        return self._predictions(batch, self._score(encoded))

    def _predictions(self, batch: list[Article], scored: _Scored) -> Iterator[Prediction]:
        probs, label_probs = scored
        for i, (article, row) in enumerate(zip(batch, probs, strict=True)):
            yield self._prediction(article, row, None if label_probs is None else label_probs[i])

    def _ordered(self, probs: np.ndarray) -> np.ndarray:
        """Reorder head columns (``head.classes_``) into taxonomy order."""
        classes = list(self.head.classes_)
        if classes == self.taxonomy.names:
            return probs
        # a learned head has no column for a section it saw no example of: probability 0
        out = np.zeros((len(probs), len(self.taxonomy.names)), dtype=probs.dtype)
        for j, name in enumerate(classes):
            out[:, self.taxonomy.names.index(name)] = probs[:, j]
        return out

    def _prediction(
        self, article: Article, row: np.ndarray, label_row: np.ndarray | None = None
    ) -> Prediction:
        names = self.taxonomy.names
        scores = {name: float(p) for name, p in zip(names, row, strict=True)}
        best = int(np.argmax(row))
        other = self.taxonomy.other
        if self.abstain_below > 0 and other is not None and row[best] < self.abstain_below:
            best = names.index(other.name)
        sections = None
        if self.multi_label:
            passing = (
                scores
                if label_row is None
                else dict(zip(names, map(float, label_row), strict=True))
            )
            chosen = [
                n for n in names if passing[n] >= self.thresholds.get(n, 0.5) and n != names[best]
            ]
            sections = (names[best], *sorted(chosen, key=lambda n: -passing[n]))
        return Prediction(
            id=article.id,
            section=names[best],
            confidence=float(row[best]),
            scores=scores,
            lang=article.lang,
            sections=sections,
        )
