"""Retraining that adapts: the candidate self-trained on the stored articles, with the editors'
corrections as examples (``newsdesk retrain --adapt``).

A plain retrain learns from the reviewed articles and a few hundred confident calls; the other
stored articles, thousands of them, teach it nothing. Adaptation (:meth:`Classifier.adapt
<newsdesk.classify.classifier.Classifier.adapt>`, what ``classify --adapt`` does to a file)
reads them too: it self-trains a head on the newest stored articles from the retrained
model's reading, the corrections joining every round as examples that weigh more. Before any
correction it adapts the active model itself, so a newsroom that starts from one line a
section can propose an adapted model on day one.

It costs a self-training run on up to :data:`~newsdesk.classify.adapt.ADAPT_LIMIT` articles
(seconds to tens of seconds on two cores, the first time plus encoding the store once), so
it is an option of the retrain, not every retrain's default. When self-training's checks
refuse the store (too few articles a section, pseudo-labels that the features do not bear
out) the candidate is the retrained model, and the report says why; before any correction
there is then nothing to propose, and the retrain fails with that reason, leaving no entry in
the registry (as a plain retrain with no review leaves none).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from newsdesk.article import Article
from newsdesk.classify.adapt import ADAPT_LIMIT, AdaptationReport
from newsdesk.classify.calibration import fit_temperature
from newsdesk.classify.classifier import Classifier
from newsdesk.classify.linear import LinearHead
from newsdesk.classify.options import TrainingOptions
from newsdesk.encoders.base import Encoder
from newsdesk.errors import TrainingError
from newsdesk.lifecycle.warm_start import with_encoder
from newsdesk.store.engine import Store
from newsdesk.store.records import as_article
from newsdesk.store.review import newest_articles

if TYPE_CHECKING:
    from newsdesk.classify.training import TrainedModel

__all__ = ["adapt_to_store", "adapt_trained"]

log = logging.getLogger(__name__)

# what a retrain's metrics (the registry, ``newsdesk retrain``'s summary) say of adaptation
BRIEF = ("adapted", "articles", "examples", "kept_head_because")


def adapt_to_store(
    classifier: Classifier,
    store: Store,
    corrections: tuple[Sequence[Article], Sequence[tuple[str, ...]]],
    encoder: Encoder,
    *,
    limit: int = ADAPT_LIMIT,
    progress: Callable[[str], None] | None = None,
    calibrate_on: tuple[Sequence[Article], Sequence[tuple[str, ...]]] | None = None,
) -> tuple[Classifier, AdaptationReport]:
    """``classifier`` adapted to the ``limit`` newest stored articles, ``corrections``
    (reviewed articles and their sections; the primary one counts) as examples, encoding
    through ``encoder`` (a cache of the classifier's own); the classifier it returns keeps
    ``classifier``'s encoder. Returns ``classifier`` itself, with the report saying why, when
    self-training keeps nothing.

    The self-trained head's confidence is fitted to ``calibrate_on`` (the held-out reviewed
    articles: a temperature, which moves no call, so the comparison on them stays fair);
    without any, its probabilities are the head's own, which run high."""
    with store.read() as conn:
        stored = [as_article(row) for row in newest_articles(conn, limit=limit)]
    found, sections = corrections
    examples = (found, [labels[0] for labels in sections]) if len(found) else None
    adapted = with_encoder(classifier, encoder).adapt(stored, examples=examples, progress=progress)
    report = adapted.adaptation
    assert report is not None
    log.info("%s", report.summary())
    if not report.adapted:
        return classifier, report
    if calibrate_on is not None and len(calibrate_on[0]):
        _calibrate(adapted, *calibrate_on)
    return Classifier(classifier.taxonomy, classifier.encoder, adapted.head), report


def _calibrate(
    adapted: Classifier, articles: Sequence[Article], sections: Sequence[tuple[str, ...]]
) -> None:
    """Fit the adapted head's temperature to the reviewed ``articles``' primary sections."""
    head = adapted.head
    if not isinstance(head, LinearHead) or head.classes_ is None:
        return
    classes = list(head.classes_)
    rows = [i for i, labels in enumerate(sections) if labels and labels[0] in classes]
    if not rows:
        return
    logits = head.decision_function(adapted.encode([articles[i] for i in rows]))
    y = np.array([classes.index(sections[i][0]) for i in rows])
    temperature = fit_temperature(logits, y, pull=TrainingOptions().temperature_pull)
    head.calibrate(temperature)
    log.info("adapted head calibrated on %d reviewed articles: temperature %.2f", len(rows),
             temperature)  # fmt: skip


def adapt_trained(
    trained: TrainedModel, store: Store, reviewed: Sequence[Article],
    sections: Sequence[tuple[str, ...]], encoder: Encoder, say: Callable[[float, str], None],
    held: tuple[Sequence[Article], Sequence[tuple[str, ...]]] | None = None,
) -> TrainedModel:  # fmt: skip
    """A retrain's ``trained`` candidate adapted to the stored articles (:func:`adapt_to_store`)
    with the ``reviewed`` training articles and their ``sections`` as examples, its confidence
    fitted to the ``held`` out ones: what adaptation did is in its hyper-parameters, and in
    brief in its training metrics (``adaptation``)."""
    from newsdesk.classify.training import TrainedModel

    say(0.78, "adapting to the stored articles")
    classifier, report = adapt_to_store(
        trained.classifier, store, (reviewed, sections), encoder,
        progress=lambda message: say(0.79, message), calibrate_on=held,
    )  # fmt: skip
    say(0.8, report.summary())
    if not report.adapted and not len(reviewed):  # the candidate would be the active model
        raise TrainingError(
            "no reviewed articles yet, and adaptation kept the active model as it is "
            f"({report.kept_head_because}): nothing to propose; store more articles, or "
            "confirm or correct some calls on the review desk, then retrain"
        )
    done = report.to_dict()
    hyper = trained.hyperparameters | {"adaptation": done}
    if report.adapted and not len(reviewed):  # day one: the head is adaptation's alone
        hyper["head"] = "self-trained"
    brief = {key: done[key] for key in BRIEF}
    metrics = trained.metrics | {"adaptation": brief}
    if report.adapted and "temperature" in metrics:  # the trained head's: now the adapted one's
        metrics["temperature"] = getattr(classifier.head, "temperature_", 1.0)
    return TrainedModel(classifier, metrics, hyper, trained.data)
