"""How to build a classifier from command-line settings, as a value that can travel.

The CLI builds its classifier from a :class:`ClassifierSpec`, and so does every Ray worker,
so a job filed on a cluster uses exactly the classifier the single-process command would.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsdesk.classify.classifier import Classifier
from newsdesk.encoders.base import DEFAULT_ENCODER

__all__ = ["ClassifierSpec"]


@dataclass(frozen=True)
class ClassifierSpec:
    """A saved model (``model``), or a zero-shot classifier for ``taxonomy``, on ``encoder``.

    A saved model knows its encoder: ``encoder`` replaces it only when it is not the default.
    ``multi_label`` turns multi-label output on (it never turns a model's setting off).
    """

    taxonomy: str = "default"
    encoder: str = DEFAULT_ENCODER
    model: str | None = None
    multi_label: bool = False

    def build(self) -> Classifier:
        if self.model is not None:
            override = None if self.encoder == DEFAULT_ENCODER else self.encoder
            clf = Classifier.load(self.model, encoder=override)
            clf.multi_label = clf.multi_label or self.multi_label
            return clf
        return Classifier.zero_shot(
            self.taxonomy, self.encoder, multi_label=True if self.multi_label else None
        )
