"""Evaluating a classifier on labeled articles, once or by stratified K-fold training."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from newsdesk.classify.classifier import Classifier
from newsdesk.classify.dataset import LabeledArticles
from newsdesk.classify.folds import stratified_folds
from newsdesk.classify.metrics import classification_metrics, multilabel_metrics
from newsdesk.classify.options import TrainingOptions
from newsdesk.classify.result import Prediction
from newsdesk.classify.training import check_labels, train_classifier
from newsdesk.encoders.base import Encoder
from newsdesk.taxonomy import Taxonomy

__all__ = ["cross_validate", "evaluate_articles", "misfiled", "score_predictions"]


def score_predictions(
    data: LabeledArticles, predictions: list[Prediction], taxonomy: Taxonomy, multi_label: bool
) -> dict[str, Any]:
    """Metrics of ``predictions`` (one an article of ``data``, same order)."""
    rows = [i for i, labels in enumerate(data.labels) if labels]
    metrics = classification_metrics(
        [data.labels[i][0] for i in rows],
        [predictions[i].section for i in rows],
        taxonomy.names,
        [predictions[i].confidence for i in rows],
    )
    if multi_label:
        metrics["multi_label"] = multilabel_metrics(
            [list(labels) for labels in data.labels],
            [list(p.sections or (p.section,)) for p in predictions],
            taxonomy.names,
        )
    metrics["misfiled"] = misfiled(data, predictions, multi_label)
    return metrics


def misfiled(
    data: LabeledArticles, predictions: list[Prediction], multi_label: bool = False
) -> list[dict[str, Any]]:
    """The articles filed wrong, the most confident first: what an editor reads next.

    A confident mistake is the costliest (it skips review) and the likeliest to be a wrong
    label or a section the taxonomy describes badly, so those lead. Multi-label calls are
    wrong when their set of sections differs from the labels'.
    """
    rows = []
    for article, labels, call in zip(data.articles, data.labels, predictions, strict=True):
        called = tuple(call.sections or (call.section,)) if multi_label else (call.section,)
        if not labels or (set(called) == set(labels) if multi_label else called[0] == labels[0]):
            continue
        rows.append(
            {
                "id": article.id,
                "title": article.title or " ".join(article.text.split()[:12]),
                "gold": ", ".join(labels) if multi_label else labels[0],
                "call": ", ".join(called),
                "confidence": round(float(call.confidence), 4),
            }
        )
    return sorted(rows, key=lambda row: -row["confidence"])


def evaluate_articles(classifier: Classifier, data: LabeledArticles) -> dict[str, Any]:
    """Classify ``data`` and score the calls against its labels."""
    predictions = list(classifier.classify_many(data.articles, batch_size=64))
    return score_predictions(data, predictions, classifier.taxonomy, classifier.multi_label)


def cross_validate(
    data: LabeledArticles,
    taxonomy: Taxonomy,
    encoder: Encoder,
    k: int,
    options: TrainingOptions | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Train on ``k - 1`` folds and classify the held-out fold, ``k`` times; score all calls."""
    options = options or TrainingOptions()
    check_labels(data, taxonomy)
    primary = np.array([taxonomy.names.index(p) if p else -1 for p in data.primary])
    folds = stratified_folds(primary, k, options.seed)
    predictions: list[Prediction | None] = [None] * len(data)
    for fold in range(k):
        if progress is not None:
            progress(f"fold {fold + 1} of {k}")
        train = np.flatnonzero(folds != fold)
        test = np.flatnonzero(folds == fold)
        part = LabeledArticles(
            [data.articles[i] for i in train], [data.labels[i] for i in train], data.sources
        )
        model = train_classifier(taxonomy, encoder, part, options=options)
        calls = model.classifier.classify_many([data.articles[i] for i in test], batch_size=64)
        for i, call in zip(test, calls, strict=True):
            predictions[i] = call
    done = [p for p in predictions if p is not None]
    metrics = score_predictions(data, done, taxonomy, options.multi_label)
    metrics["cv_folds"] = k
    return metrics
