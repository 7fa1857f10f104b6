"""Training a classifier from examples, a labeled archive and/or an unlabeled archive.

The head is chosen by how much labeled data there is: with very few examples a section (or any
section without examples), a :class:`PrototypeHead` that leans on the taxonomy; with more, a
:class:`LinearHead` (:mod:`.folds`). An unlabeled archive adds self-training
(:mod:`.self_training`). Held-out scores (leave-one-out for prototypes, stratified folds for
linear heads) calibrate the temperature, tune the multi-label thresholds and the abstention
threshold, and give the metrics the model records.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from newsdesk.article import Article
from newsdesk.classify.calibration import fit_temperature, sigmoid, tune_abstention, tune_thresholds
from newsdesk.classify.classifier import Classifier
from newsdesk.classify.dataset import LabeledArticles
from newsdesk.classify.folds import fit_linear
from newsdesk.classify.heads import in_columns, softmax
from newsdesk.classify.linear import LinearHead
from newsdesk.classify.metrics import (
    classification_metrics,
    expected_calibration_error,
    multilabel_metrics,
)
from newsdesk.classify.options import TrainingOptions
from newsdesk.classify.prototype import PrototypeHead
from newsdesk.classify.result import EncodedArticles
from newsdesk.classify.self_training import self_train_from
from newsdesk.classify.zero_shot import ZeroShotHead
from newsdesk.encoders.base import Encoder
from newsdesk.errors import TrainingError
from newsdesk.taxonomy import Taxonomy

__all__ = ["TrainedModel", "check_labels", "encoding_passes", "train_classifier"]

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


@dataclass
class TrainedModel:
    """A trained classifier with what its training measured on held-out data."""

    classifier: Classifier
    metrics: dict[str, Any]
    hyperparameters: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)


def check_labels(data: LabeledArticles, taxonomy: Taxonomy) -> None:
    """Raise :class:`TrainingError` for labels that are not sections of ``taxonomy``."""
    unknown = Counter(x for labels in data.labels for x in labels if x not in taxonomy)
    if unknown:
        listed = ", ".join(f"'{x}' ({n})" for x, n in unknown.most_common())
        raise TrainingError(
            f"{len(unknown)} label(s) are not sections of taxonomy '{taxonomy.name}': {listed}; "
            f"its sections are: {', '.join(taxonomy.names)}. Fix the labels, give a taxonomy "
            "with these sections (--taxonomy FILE), or build one from the labels "
            "(--taxonomy-from-labels)"
        )


def _texts(articles: Sequence[Article]) -> list[str]:
    return [a.content for a in articles]


def _encode(encoder: Encoder, articles: Sequence[Article]) -> EncodedArticles:
    return EncodedArticles(list(articles), encoder.encode(_texts(articles)))


def encoding_passes(
    data: LabeledArticles | None, unlabeled: Sequence[Article] | None
) -> list[list[str]]:
    """The texts :func:`train_classifier` encodes as passages, one list an ``encode`` call,
    in its order: so another engine can fill the embedding cache training then reads."""
    passes = [_texts(data.articles)] if data is not None else []
    return passes + ([_texts(unlabeled)] if unlabeled else [])


def _choose_head(options: TrainingOptions, data: LabeledArticles, taxonomy: Taxonomy) -> str:
    if options.head != "auto":
        return options.head
    if options.multi_label:
        return "linear"
    counts = Counter(data.primary)
    other = taxonomy.other.name if taxonomy.other else None
    missing = [s for s in taxonomy.names if s not in counts and s != other]
    if missing or float(np.median(list(counts.values()))) < options.few_shot_max:
        return "prototype"
    return "linear"


def _held_out_metrics(
    logits: np.ndarray, y: np.ndarray, classes: list[str], temperature: float
) -> dict[str, Any]:
    probs = softmax(logits / temperature)
    pred = probs.argmax(axis=1)
    raw_conf = softmax(logits).max(axis=1)
    correct = pred == y
    report = classification_metrics(
        [classes[i] for i in y], [classes[i] for i in pred], classes, probs.max(axis=1)
    )
    return {
        "n": len(y),
        "accuracy": report["accuracy"],
        "macro_f1": report["macro_f1"],
        "ece": report["ece"],
        "ece_uncalibrated": expected_calibration_error(raw_conf, correct),
        "temperature": temperature,
    }


@dataclass
class _Examples:
    """The labeled articles as training reads them (all empty without labeled data)."""

    encoded: EncodedArticles | None = None
    y: Any = field(default_factory=list)  # a label each, or a list each when multi-label
    primary: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # -1: none
    summary: dict[str, Any] = field(default_factory=dict)  # recorded as the model's data


@dataclass
class _Fitted:
    """A head, its kind, and what its held-out scores gave (calibration, metrics)."""

    head: ZeroShotHead | PrototypeHead | LinearHead
    kind: str
    logits: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # held-out, classes'
    temperature: float = 1.0
    metrics: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    selected: dict[str, Any] = field(default_factory=dict)  # what a linear head's folds chose


def _examples(
    taxonomy: Taxonomy, encoder: Encoder, data: LabeledArticles | None, unlabeled: bool,
    options: TrainingOptions, say: Progress,
) -> _Examples:  # fmt: skip
    """Check and encode the labeled articles."""
    if data is None:
        return _Examples()
    check_labels(data, taxonomy)
    sections = Counter(x for labels in data.labels for x in labels)
    if len(sections) < 2 and not unlabeled:
        raise TrainingError(
            f"the training data has examples of one section only ({', '.join(sections)}); "
            "give examples of at least two sections, or add --unlabeled ARCHIVE"
        )
    summary = data.summary()
    say(f"encoding {len(data)} labeled articles with {encoder.name}")
    encoded = _encode(encoder, data.articles)
    primary = np.array([taxonomy.names.index(p) if p else -1 for p in data.primary])
    y = list(data.labels) if options.multi_label else data.primary
    return _Examples(encoded, y, primary, summary)


def _self_trained(
    taxonomy: Taxonomy, encoder: Encoder, examples: _Examples, unlabeled: Sequence[Article],
    options: TrainingOptions, say: Progress,
) -> _Fitted:  # fmt: skip
    """A head self-trained on ``unlabeled`` from the examples' head, or zero-shot without
    examples; the head it started from when self-training keeps nothing."""
    classes, labeled, y = taxonomy.names, examples.encoded, examples.y
    say(f"encoding {len(unlabeled)} unlabeled articles with {encoder.name}")
    archive = _encode(encoder, unlabeled)
    examples.summary["unlabeled_articles"] = len(unlabeled)
    zero_shot = ZeroShotHead().fit_taxonomy(taxonomy, encoder)
    start: PrototypeHead | None = None
    if labeled is not None:
        other = taxonomy.other.name if taxonomy.other else None
        start = PrototypeHead(options.prior_strength).fit(labeled, y, prior=zero_shot, other=other)
        start.calibrate(
            fit_temperature(
                start.loo_decision_function(labeled, y),
                examples.primary,
                pull=options.temperature_pull,
            )
        )
    # every round's labels lean on the examples' head (zero-shot corrected by the examples),
    # not on zero-shot alone: where the descriptions misfile most examples, a zero-shot prior
    # would teach the archive the descriptions' mistakes
    say(f"self-training on the archive ({len(options.self_training_shares)} rounds at most)")
    learned, report = self_train_from(
        start or zero_shot, archive, classes, options, labeled=labeled, labels=y or None
    )
    examples.summary["self_training"] = dict(report)
    if learned is None and start is not None:
        say("self-training kept nothing: the examples' prototype head is the model")
        return _Fitted(start, "prototype")
    if learned is None:
        say("self-training kept nothing: the zero-shot head is the model")
        return _Fitted(zero_shot, "zero-shot")
    scale = options.self_training_prior_weight
    fitted = _Fitted(
        learned.with_offset(zero_shot, scale) if scale > 0 else learned, "self-trained"
    )
    if labeled is not None:
        assert learned.classes_ is not None
        logits = in_columns(fitted.head.decision_function(labeled), learned.classes_, classes)
        fitted.temperature = fit_temperature(logits, examples.primary)
        fitted.metrics = _held_out_metrics(logits, examples.primary, classes, fitted.temperature)
        fitted.metrics["note"] = "measured on the labeled examples, which self-training also used"
    return fitted


def _supervised(
    taxonomy: Taxonomy, encoder: Encoder, data: LabeledArticles, examples: _Examples,
    options: TrainingOptions, say: Progress,
) -> _Fitted:  # fmt: skip
    """A prototype or linear head learned from the examples, with its held-out logits."""
    labeled, y = examples.encoded, examples.y
    assert labeled is not None
    kind = _choose_head(options, data, taxonomy)
    say(f"training a {kind} head on {len(data)} articles")
    zero_shot = ZeroShotHead().fit_taxonomy(taxonomy, encoder)
    if kind == "prototype":
        other = taxonomy.other.name if taxonomy.other else None
        head = PrototypeHead(options.prior_strength).fit(labeled, y, prior=zero_shot, other=other)
        say(
            f"zero-shot misfiles {head.misfiled_:.0%} of the examples, so they weigh "
            f"{head.alpha_:.2f} beside it (0 when it files them all right, at most 4)"
        )
        return _Fitted(head, kind, head.loo_decision_function(labeled, y))
    prior = zero_shot if options.prior_weight > 0 and not options.multi_label else None
    folds = options.folds or (5 if len(data) <= 2000 else 3 if len(data) <= 10000 else 2)
    smallest = min(Counter(data.primary).values())
    folds = max(2, min(folds, smallest)) if smallest >= 2 else 0
    if folds:
        say(f"held-out scores from {folds} folds (penalty and calibration)")
    scored = np.array(data.scored, dtype=bool) if len(data.scored) else None
    linear, logits, selected = fit_linear(
        labeled, y, examples.primary, taxonomy.names, options, folds, prior, say, scored
    )
    return _Fitted(linear, kind, logits, selected=selected)


def _calibrate(
    fitted: _Fitted, examples: _Examples, classes: list[str], options: TrainingOptions
) -> None:
    """The temperature and metrics from the held-out logits, and for a multi-label head the
    threshold a section that makes its held-out calls best."""
    logits, primary = fitted.logits, examples.primary
    has = primary >= 0  # multi-label rows may have no section at all
    pull = options.temperature_pull if fitted.kind == "prototype" else 0.0
    fitted.temperature = fit_temperature(logits[has], primary[has], pull=pull)
    fitted.metrics = _held_out_metrics(logits[has], primary[has], classes, fitted.temperature)
    if not options.multi_label:
        return
    y = examples.y
    truth = np.zeros((len(y), len(classes)), dtype=np.int8)
    for row, labels in enumerate(y):
        truth[row, [classes.index(x) for x in labels]] = 1
    tuned = tune_thresholds(sigmoid(logits), truth)
    fitted.thresholds = {c: float(t) for c, t in zip(classes, tuned, strict=True)}
    chosen = sigmoid(logits) >= tuned
    sets = [
        [classes[j] for j in np.flatnonzero(row)] or [classes[int(np.argmax(lg))]]
        for row, lg in zip(chosen, logits, strict=True)
    ]
    fitted.metrics["multi_label"] = {
        k: v for k, v in multilabel_metrics([list(t) for t in y], sets, classes).items()
        if k != "per_section"
    }  # fmt: skip


def _abstention(
    fitted: _Fitted, primary: np.ndarray, taxonomy: Taxonomy, options: TrainingOptions
) -> float:
    """The confidence below which the catch-all takes an article, tuned on enough held-out
    single-label calls (0: never)."""
    other = taxonomy.other
    if (
        other is None or not fitted.metrics or fitted.kind == "self-trained"
        or options.multi_label or len(fitted.logits) < options.abstain_min
    ):  # fmt: skip
        return 0.0
    probs = softmax(fitted.logits / fitted.temperature)
    abstain = tune_abstention(probs, primary, taxonomy.names.index(other.name))
    fitted.metrics["abstain_below"] = abstain
    return abstain


def train_classifier(
    taxonomy: Taxonomy,
    encoder: Encoder,
    data: LabeledArticles | None,
    *,
    unlabeled: Sequence[Article] | None = None,
    options: TrainingOptions | None = None,
    progress: Progress | None = None,
    final_encoder: Encoder | None = None,
) -> TrainedModel:
    """Train a classifier for ``taxonomy``; ``encoder`` may be a caching wrapper of
    ``final_encoder``, the encoder the returned classifier keeps."""
    options = options or TrainingOptions()
    say = progress or (lambda message: log.info("%s", message))
    if data is not None and len(data) == 0:
        raise TrainingError("no labeled articles to train on")
    if data is None and not unlabeled:
        raise TrainingError("nothing to train on: give labeled articles or an unlabeled archive")
    examples = _examples(taxonomy, encoder, data, bool(unlabeled), options, say)
    if unlabeled:
        fitted = _self_trained(taxonomy, encoder, examples, unlabeled, options, say)
    else:
        assert data is not None
        fitted = _supervised(taxonomy, encoder, data, examples, options, say)
        if len(fitted.logits):
            _calibrate(fitted, examples, taxonomy.names, options)
    if not isinstance(fitted.head, ZeroShotHead):  # it keeps its taxonomy fit's temperature
        fitted.head.calibrate(fitted.temperature)
    abstain = _abstention(fitted, examples.primary, taxonomy, options)
    classifier = Classifier(
        taxonomy, final_encoder or encoder, fitted.head,
        multi_label=options.multi_label, thresholds=fitted.thresholds, abstain_below=abstain,
    )  # fmt: skip
    hyper = options.to_dict() | {"head": fitted.kind}
    if fitted.kind == "linear":
        hyper |= fitted.selected | {"sources": bool(getattr(fitted.head, "sources", False))}
    return TrainedModel(classifier, fitted.metrics, hyper, examples.summary)
