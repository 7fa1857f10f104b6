"""How to build a classifier from command-line settings, as a value that can travel.

The CLI builds its classifier from a :class:`ClassifierSpec`, and so does every Ray worker,
so a job filed on a cluster uses exactly the classifier the single-process command would.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsdesk.classify.classifier import Classifier
from newsdesk.encoders.registry import DEFAULT_ENCODER, get_encoder

__all__ = ["ClassifierSpec"]


@dataclass(frozen=True)
class ClassifierSpec:
    """A zero-shot classifier for ``taxonomy`` on ``encoder``, or the trained ``model``.

    A ``model`` folder (from ``newsdesk train``) brings its own taxonomy and encoder;
    ``encoder`` then overrides the model's only when it is not the default.
    ``multi_label`` turns multi-label output on (otherwise the taxonomy decides). ``threads``
    caps the encoder's threads: a Ray actor given one core runs one thread, not one a core
    of the machine it shares with other actors. ``cached`` reads and writes the article
    vectors through the on-disk embedding cache, so a job whose articles were encoded
    beforehand (``classify --adapt --engine ray``) does not encode them again.
    """

    taxonomy: str = "default"
    encoder: str = DEFAULT_ENCODER
    multi_label: bool = False
    threads: int | None = None
    model: str | None = None
    cached: bool = False

    def build(self) -> Classifier:
        """Load the taxonomy and encoder (or the model) and return the classifier."""
        clf = self._build()
        if self.cached:
            from newsdesk.encoders.cache import CachedEncoder

            clf.encoder = CachedEncoder(clf.encoder)
        return clf

    def _build(self) -> Classifier:
        if self.model is not None:
            # the model's own encoder runs with its default threads (``threads`` applies to
            # an encoder named here)
            override = None
            if self.encoder != DEFAULT_ENCODER:
                override = get_encoder(self.encoder, threads=self.threads)
            clf = Classifier.load(self.model, encoder=override)
            clf.multi_label = clf.multi_label or self.multi_label
            return clf
        encoder = get_encoder(self.encoder, threads=self.threads)
        multi_label = True if self.multi_label else None
        return Classifier.zero_shot(self.taxonomy, encoder, multi_label=multi_label)
