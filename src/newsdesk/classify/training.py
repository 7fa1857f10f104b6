"""Training a classifier from examples, a labeled archive and/or an unlabeled archive.

The head is chosen by how much labeled data there is: with very few examples a section (or any
section without examples), a :class:`PrototypeHead` that leans on the taxonomy; with more, a
:class:`LinearHead`. An unlabeled archive adds self-training. Held-out scores (leave-one-out
for prototypes, stratified folds for linear heads) calibrate the temperature, tune the
multi-label thresholds and the abstention threshold, and give the metrics the model records.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from newsdesk.article import Article
from newsdesk.classify.calibration import fit_temperature, sigmoid, tune_abstention, tune_thresholds
from newsdesk.classify.classifier import Classifier
from newsdesk.classify.dataset import LabeledArticles
from newsdesk.classify.heads import softmax
from newsdesk.classify.linear import (
    DEFAULT_C,
    DEFAULT_LEXICAL_WEIGHT,
    DEFAULT_PRIOR_WEIGHT,
    Design,
    LinearHead,
)
from newsdesk.classify.logistic import LogisticFit, log_softmax
from newsdesk.classify.metrics import (
    classification_metrics,
    expected_calibration_error,
    multilabel_metrics,
)
from newsdesk.classify.prototype import DEFAULT_PRIOR_STRENGTH, PrototypeHead
from newsdesk.classify.result import EncodedArticles
from newsdesk.classify.self_training import SelfTrainingReport, self_train
from newsdesk.classify.zero_shot import ZeroShotHead
from newsdesk.encoders.base import Encoder
from newsdesk.encoders.onnx_text import available_cores
from newsdesk.errors import TrainingError
from newsdesk.taxonomy import Taxonomy

__all__ = [
    "TrainedModel",
    "TrainingOptions",
    "encoding_passes",
    "self_train_from",
    "starting_point",
    "stratified_folds",
    "train_classifier",
    "uses_sources",
]

log = logging.getLogger(__name__)
Progress = Callable[[str], None]


@dataclass(frozen=True)
class TrainingOptions:
    """Hyper-parameters of training; all are recorded in the saved model."""

    multi_label: bool = False
    head: str = "auto"  # auto | prototype | linear
    # below this median of examples a section, prototypes: the linear head's held-out folds
    # are then too small to choose its penalty well (the figures: docs/training.md)
    few_shot_max: int = 8
    prior_strength: float = DEFAULT_PRIOR_STRENGTH
    # a prototype head's scores are zero-shot logits (temperature 1): fitting the temperature,
    # its log is drawn toward 0 as hard as this many held-out articles (few examples all filed
    # right would otherwise make every call certain)
    temperature_pull: float = 10.0
    C: float = DEFAULT_C  # penalty 1 / C on the features; with C_grid, only above grid_max articles
    C_grid: tuple[float, ...] = (0.0, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)  # chosen on held-out folds
    one_standard_error: bool = True  # the strongest penalty within noise of the best, not the best
    grid_max: int = 30000  # articles x sections above which C alone (each fit costs seconds)
    lexical: bool | None = None  # n-gram features; None: from lexical_min articles on
    lexical_min: int = 100  # below this, n-grams add little to the embedding
    lexical_weight: float = DEFAULT_LEXICAL_WEIGHT  # n-grams against the embedding, without folds
    lexical_weights: tuple[float, ...] = (16.0, 64.0)  # chosen on held-out folds with C
    prior_weight: float = DEFAULT_PRIOR_WEIGHT  # zero-shot log-probabilities as the offset (0: off)
    prior_optional: bool = True  # held-out folds may drop the offset (when examples beat it)
    char_ngrams: tuple[int, int] | None = None
    sources: bool | None = None  # cross n-grams with articles' sources; None: when they vary
    centroids: bool = True  # example centroids' scores as a second offset (single-label) ...
    centroids_max: int = 200  # ... up to this median of examples a section (then W learns it)
    centroids_at_zero: bool = True  # C = 0 fits the centroid offset's scale beside the prior's
    zero_bias_penalty: float | None = None  # and the bias under this penalty (None: held at 0)
    folds: int | None = None  # held-out folds for calibration (None: by data size)
    abstain_min: int = 200  # held-out articles needed to tune abstention (fewer: too noisy)
    self_training_shares: tuple[float, ...] = (0.3, 0.6, 0.9)
    self_training_lexical: bool | None = None
    self_training_C: float = 0.1
    self_training_min: int = 30  # archive articles a section below which it is not used
    self_training_agreement: float = 0.85  # held-out agreement a round must reach
    # the prior's log-probabilities count this much beside the learned head's, in each
    # round's relabelling and in the final head (its offset scale)
    self_training_prior_weight: float = 1.0
    self_training_agree: bool = True  # rounds after the first: only labels the prior gives too
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TrainedModel:
    """A trained classifier with what its training measured on held-out data."""

    classifier: Classifier
    metrics: dict[str, Any]
    hyperparameters: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)


def stratified_folds(y: Sequence[int] | np.ndarray, k: int, seed: int = 0) -> np.ndarray:
    """A fold number for each row, each class spread evenly over the ``k`` folds."""
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    folds = np.zeros(len(y), dtype=np.int64)
    offset = 0
    for label in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == label))
        folds[rows] = (np.arange(len(rows)) + offset) % k
        offset += len(rows)
    return folds


def without_fallback(head: ZeroShotHead) -> ZeroShotHead:
    """A copy of ``head`` whose catch-all wins only by its own description, never by default.

    Self-training seeds from it: the articles that fall to the catch-all only because no
    section stands out are the least certain ones, not examples of a topic.
    """
    config, arrays = head.get_state()
    config = config | {"params": config["params"] | {"fallback": -np.inf}}
    return ZeroShotHead().set_state(config, arrays)


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


def uses_sources(options: TrainingOptions, articles: Sequence[Article]) -> bool:
    """Whether a linear head learns each source's habits: as ``options.sources`` says, or
    (``None``) when at least half the articles name a source and there are two or more."""
    if options.sources is not None:
        return options.sources
    named = [a.source for a in articles if a.source]
    return len(named) * 2 >= len(articles) and len(set(named)) >= 2


def _linear(
    options: TrainingOptions, n_articles: int, *, lexical: bool | None = None,
    C: float | None = None, prior_weight: float | None = None, sources: bool = False,
    centroids: bool = False,
) -> LinearHead:  # fmt: skip
    if lexical is None:
        lexical = options.lexical
    if lexical is None:
        lexical = n_articles >= options.lexical_min
    return LinearHead(
        C=options.C if C is None else C,
        lexical=lexical,
        lexical_weight=options.lexical_weight,
        prior_weight=options.prior_weight if prior_weight is None else prior_weight,
        char_ngrams=options.char_ngrams,
        multi_label=options.multi_label,
        sources=sources and lexical,
        centroids=centroids,
        centroids_at_zero=options.centroids_at_zero,
        zero_bias_penalty=options.zero_bias_penalty,
    )


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


def _columns(classes: Sequence[str], head_classes: Sequence[str]) -> list[int]:
    return [list(classes).index(c) for c in head_classes]


def _held_out_loss(logits: np.ndarray, target: np.ndarray, multi_label: bool) -> np.ndarray:
    """Log loss of each row's held-out ``logits`` (head columns) against a 0/1 ``target``."""
    if multi_label:
        return np.mean(np.logaddexp(0.0, logits) - target * logits, axis=1)
    return -(log_softmax(logits) * target).sum(axis=1)


def _one_standard_error(grid: list[Any], losses: dict[Any, np.ndarray]) -> Any:
    """The first of ``grid`` (simplest first: the strongest penalty) whose held-out loss is
    within one standard error of the best's (paired by article): a smaller gain is noise, and
    zero-shot's reading, which the penalty keeps, is not."""
    best = min(grid, key=lambda c: float(losses[c].mean()))
    for c in grid:  # strongest penalty first
        diff = losses[c] - losses[best]
        if float(diff.mean()) <= float(diff.std()) / np.sqrt(max(len(diff) - 1, 1)):
            return c
    return best


def _fit_linear(
    X: EncodedArticles, y: Sequence[Any], primary: np.ndarray, classes: list[str],
    options: TrainingOptions, folds: int, prior: ZeroShotHead | None, say: Progress,
) -> tuple[LinearHead, np.ndarray, dict[str, Any]]:  # fmt: skip
    """A linear head and its held-out logits (``classes`` columns; empty without folds).

    The penalty, the n-gram block's weight and whether the zero-shot offset stays are chosen
    on the same held-out folds that calibrate. Candidates run from the simplest to the most
    free: with the offset before without it, lighter n-grams before heavier, the strongest
    penalty first (``C = 0``: the zero-shot prior recalibrated); each fold fits a candidate's
    ``C`` grid from the strongest penalty to the weakest, each fit starting from the last, and
    the first candidate within one standard error of the lowest held-out log loss wins, so the
    examples are used only where they beat the simpler reading clearly. (With many examples
    the offset scale grows to fit the training part and hurts: folds see that.)
    Features are computed once; other weights of the n-gram block are that block rescaled;
    only the example centroids' scores (up to ``centroids_max`` a section) are recomputed
    for each fold from its training part.
    """
    counts = np.bincount(primary[primary >= 0])
    few = float(np.median(counts[counts > 0])) <= options.centroids_max
    head = _linear(
        options, len(X), sources=uses_sources(options, X.articles),
        centroids=options.centroids and few,
    )  # fmt: skip
    design = head.design(X, y, classes=classes, prior=prior)
    assert head.classes_ is not None
    small = len(X) * len(head.classes_) <= options.grid_max
    grid = sorted(options.C_grid) if small else [options.C]
    with_prior = prior is not None and head.prior_ is not None
    weights = sorted(options.lexical_weights) if head.lexical and folds else [head.lexical_weight]
    Candidate = tuple[bool, float, float]  # (zero-shot offset kept, n-gram weight, C)
    candidates: list[Candidate] = []
    for keep in [True, False] if with_prior and options.prior_optional else [with_prior]:
        for weight in weights:
            candidates += [(keep, weight, c) for c in grid if c > 0 or keep] or [
                (keep, weight, options.C)
            ]

    def variant(keep: bool, weight: float) -> Design:
        sparse = design.sparse
        if sparse is not None and weight != head.lexical_weight:
            sparse = sparse * np.float32(weight / head.lexical_weight)
        return replace(design, sparse=sparse, offset=design.offset if keep else None)

    if not folds:  # too few examples a section to hold any out: the weakest penalty
        c = grid[-1] if grid[-1] > 0 or with_prior else options.C
        fitted = _adopt(head, design, with_prior, head.lexical_weight, c, None)
        return fitted, np.zeros((0, len(classes))), {}
    held = {cand: np.zeros(design.target.shape) for cand in candidates}
    # where C = 0 fits more than the prior's scale, the prior alone is fitted beside it
    alone_too = (head.centroids and head.centroids_at_zero) or head.zero_bias_penalty is not None
    alone = {c[:2]: np.zeros(design.target.shape) for c in candidates if c[2] == 0 and alone_too}
    fold_of = stratified_folds(primary, folds, options.seed)
    last: dict[Candidate, LogisticFit] = {}  # the last fold's fit: the final fit starts there

    def chain(keep: bool, weight: float, fold: int) -> None:
        """One fold's fits of one candidate group, the penalty grid warm-started in order."""
        test = np.flatnonzero(fold_of == fold)
        part, held_out = variant(keep, weight).split(np.flatnonzero(fold_of != fold), test)
        init = None
        for cand in [x for x in candidates if x[:2] == (keep, weight)]:
            init = head.solve(part, cand[2], init)
            held[cand][test] = held_out.logits(init)
            if cand[2] == 0 and cand[:2] in alone:
                prior_only = head.solve(part, 0.0, prior_alone=True)
                alone[cand[:2]][test] = held_out.logits(prior_only)
            if fold == folds - 1:
                last[cand] = init

    # the chains are independent and their sparse products release the GIL: one a core
    # (BLAS held to one thread meanwhile, so the chains do not fight over the cores)
    jobs = [
        (*group, fold)
        for group in dict.fromkeys(c[:2] for c in candidates)
        for fold in range(folds)
    ]
    with (
        threadpool_limits(1, user_api="blas"),
        ThreadPoolExecutor(min(len(jobs), available_cores())) as pool,
    ):
        for done in [pool.submit(chain, *job) for job in jobs]:
            done.result()
    rows = {c: _held_out_loss(held[c], design.target, options.multi_label) for c in candidates}
    losses = {c: float(v.mean()) for c, v in rows.items()}
    best = (
        _one_standard_error(candidates, rows)
        if options.one_standard_error
        else min(candidates, key=losses.__getitem__)
    )
    keep, weight, c = best
    # C = 0 with the examples' centroids, or the prior alone where that is no worse held out
    # (examples that teach nothing must not move zero-shot's ranking)
    alone_losses = {
        group: float(_held_out_loss(v, design.target, options.multi_label).mean())
        for group, v in alone.items()
    }
    prior_alone = c == 0 and best[:2] in alone and alone_losses[best[:2]] <= losses[best]
    if prior_alone:
        held[best] = alone[best[:2]]
        head.set_params(centroids_at_zero=False, zero_bias_penalty=None)
    if len(candidates) > 1:
        say(
            f"chosen on held-out folds: C={c:g}, n-gram weight {weight:g}, zero-shot offset "
            f"{'kept' if keep else 'dropped'}{' alone' if prior_alone else ''} "
            f"(log loss {alone_losses[best[:2]] if prior_alone else losses[best]:.3f}; "
            f"{len(candidates)} candidates)"
        )
    _adopt(head, variant(keep, weight), keep, weight, c, last[best])
    logits = np.full((len(X), len(classes)), -30.0)
    logits[:, _columns(classes, head.classes_)] = held[best]
    chosen = {
        "C": c,
        "lexical_weight": weight if head.lexical else None,
        "zero_shot_offset": keep,
        "centroid_offset": head.centroids,
        "zero_penalty": _zero_penalty(head) if c == 0 else None,
        "held_out_log_loss": {_name(cand, head.lexical): v for cand, v in losses.items()}
        | {f"{_name((*g, 0.0), head.lexical)}, prior alone": v for g, v in alone_losses.items()},
    }
    return head, logits, chosen


def _zero_penalty(head: LinearHead) -> str:
    """What a head fitted at ``C = 0`` learned: the prior's scale alone, or beside it the
    example centroids' scale and/or a bias."""
    extra = ["centroids"] if head.centroids and head.centroids_at_zero else []
    extra += ["bias"] if head.zero_bias_penalty is not None else []
    return f"prior and {' and '.join(extra)}" if extra else "prior alone"


def _name(candidate: tuple[bool, float, float], lexical: bool) -> str:
    keep, weight, c = candidate
    ngrams = f"n-grams x{weight:g}" if lexical else "no n-grams"
    return f"{'offset' if keep else 'no offset'}, {ngrams}, C={c:g}"


def _adopt(
    head: LinearHead, design: Design, keep: bool, weight: float, c: float,
    init: LogisticFit | None,
) -> LinearHead:  # fmt: skip
    """Fit ``head`` on all of ``design`` (one candidate's) and take the weights."""
    head.set_params(C=c, lexical_weight=weight)
    return head.adopt(head.solve(design, c, init=init), offset=keep)


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


def starting_point(
    head: ZeroShotHead | LinearHead | PrototypeHead,
    archive: EncodedArticles,
    classes: Sequence[str],
) -> tuple[np.ndarray, np.ndarray]:
    """Self-training's first pseudo-label probabilities and its prior's log-probabilities on
    ``archive`` (``classes`` columns), read from ``head``.

    A zero-shot head seeds from its copy without the catch-all's default win
    (:func:`without_fallback`); any other head (the examples' prototypes, a trained model's
    head) seeds from its own calibrated probabilities, which are also the prior.
    """
    if isinstance(head, ZeroShotHead):
        evidence = head.evidence(archive)  # keyword hits measured once, for both heads
        first = without_fallback(head)
        initial = softmax(first.combine(evidence) / first.temperature)
        return initial, log_softmax(head.combine(evidence) / head.temperature)
    assert head.classes_ is not None
    logits = np.full((len(archive), len(classes)), -30.0)
    logits[:, _columns(classes, head.classes_)] = head.decision_function(archive)
    prior_log_probs = log_softmax(logits / head.temperature_)
    return np.exp(prior_log_probs), prior_log_probs


def self_train_from(
    start: ZeroShotHead | LinearHead | PrototypeHead,
    archive: EncodedArticles,
    classes: Sequence[str],
    options: TrainingOptions,
    *,
    labeled: EncodedArticles | None = None,
    labels: Sequence[Any] | None = None,
) -> tuple[LinearHead | None, SelfTrainingReport]:
    """Self-train a linear head on ``archive`` from ``start``'s reading of it
    (:func:`~newsdesk.classify.self_training.self_train`, with ``options``' settings);
    ``newsdesk train --unlabeled`` and :meth:`Classifier.adapt` both learn through it."""
    initial, prior_log_probs = starting_point(start, archive, classes)
    return self_train(
        archive, initial, prior_log_probs, classes,
        lambda: _linear(
            options, len(archive), lexical=options.self_training_lexical,
            C=options.self_training_C, prior_weight=0.0,
        ),
        labeled=labeled, labels=labels, shares=options.self_training_shares,
        min_per_section=options.self_training_min,
        min_agreement=options.self_training_agreement,
        prior_weight=options.self_training_prior_weight,
        agree_with_prior=options.self_training_agree, seed=options.seed,
    )  # fmt: skip


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
    classes = taxonomy.names
    other = taxonomy.other.name if taxonomy.other else None
    summary: dict[str, Any] = {}
    labeled: EncodedArticles | None = None
    primary = np.zeros(0, dtype=np.int64)
    if data is not None:
        check_labels(data, taxonomy)
        sections = Counter(x for labels in data.labels for x in labels)
        if len(sections) < 2 and not unlabeled:
            raise TrainingError(
                f"the training data has examples of one section only ({', '.join(sections)}); "
                "give examples of at least two sections, or add --unlabeled ARCHIVE"
            )
        summary = data.summary()
        say(f"encoding {len(data)} labeled articles with {encoder.name}")
        labeled = _encode(encoder, data.articles)
        primary = np.array([classes.index(p) if p else -1 for p in data.primary])
    y: list[Any] = [] if data is None else (
        list(data.labels) if options.multi_label else data.primary
    )  # fmt: skip
    metrics: dict[str, Any] = {}
    thresholds: dict[str, float] = {}
    temperature = 1.0
    head: Any
    selected: dict[str, Any] = {}  # what the held-out folds chose for a linear head
    if unlabeled:
        say(f"encoding {len(unlabeled)} unlabeled articles with {encoder.name}")
        archive = _encode(encoder, unlabeled)
        summary["unlabeled_articles"] = len(unlabeled)
        zero_shot = ZeroShotHead().fit_taxonomy(taxonomy, encoder)
        start: PrototypeHead | None = None
        if labeled is not None:
            start = PrototypeHead(options.prior_strength).fit(
                labeled, y, prior=zero_shot, other=other
            )
            start.calibrate(
                fit_temperature(
                    start.loo_decision_function(labeled, y), primary, pull=options.temperature_pull
                )
            )
        # every round's labels lean on the examples' head (zero-shot corrected by the
        # examples), not on zero-shot alone: where the descriptions misfile most examples,
        # a zero-shot prior would teach the archive the descriptions' mistakes
        say(f"self-training on the archive ({len(options.self_training_shares)} rounds at most)")
        learned, report = self_train_from(
            start or zero_shot, archive, classes, options, labeled=labeled, labels=y or None
        )
        summary["self_training"] = dict(report)
        if learned is not None:
            scale = options.self_training_prior_weight
            head = learned.with_offset(zero_shot, scale) if scale > 0 else learned
            kind = "self-trained"
        elif start is not None:
            say("self-training kept nothing: the examples' prototype head is the model")
            head, kind = start, "prototype"
        else:
            say("self-training kept nothing: the zero-shot head is the model")
            head, kind = zero_shot, "zero-shot"
        if labeled is not None and kind == "self-trained":
            logits = np.full((len(labeled), len(classes)), -30.0)
            logits[:, _columns(classes, head.classes_)] = head.decision_function(labeled)
            temperature = fit_temperature(logits, primary)
            metrics = _held_out_metrics(logits, primary, classes, temperature)
            metrics["note"] = "measured on the labeled examples, which self-training also used"
    else:
        assert labeled is not None and data is not None
        kind = _choose_head(options, data, taxonomy)
        say(f"training a {kind} head on {len(data)} articles")
        zero_shot = ZeroShotHead().fit_taxonomy(taxonomy, encoder)
        if kind == "prototype":
            head = PrototypeHead(options.prior_strength).fit(
                labeled, y, prior=zero_shot, other=other
            )
            say(
                f"zero-shot misfiles {head.misfiled_:.0%} of the examples, so they weigh "
                f"{head.alpha_:.2f} beside it (0 when it files them all right, at most 4)"
            )
            logits = head.loo_decision_function(labeled, y)
        else:
            prior = zero_shot if options.prior_weight > 0 and not options.multi_label else None
            folds = options.folds or (5 if len(data) <= 2000 else 3 if len(data) <= 10000 else 2)
            smallest = min(Counter(data.primary).values())
            folds = max(2, min(folds, smallest)) if smallest >= 2 else 0
            if folds:
                say(f"held-out scores from {folds} folds (penalty and calibration)")
            head, logits, selected = _fit_linear(
                labeled, y, primary, classes, options, folds, prior, say
            )
        if len(logits):
            has = primary >= 0  # multi-label rows may have no section at all
            pull = options.temperature_pull if kind == "prototype" else 0.0
            temperature = fit_temperature(logits[has], primary[has], pull=pull)
            metrics = _held_out_metrics(logits[has], primary[has], classes, temperature)
            if options.multi_label:
                truth = np.zeros((len(y), len(classes)), dtype=np.int8)
                for row, labels in enumerate(y):
                    truth[row, [classes.index(x) for x in labels]] = 1
                tuned = tune_thresholds(sigmoid(logits), truth)
                thresholds = {c: float(t) for c, t in zip(classes, tuned, strict=True)}
                chosen = sigmoid(logits) >= tuned
                sets = [
                    [classes[j] for j in np.flatnonzero(row)] or [classes[int(np.argmax(lg))]]
                    for row, lg in zip(chosen, logits, strict=True)
                ]
                metrics["multi_label"] = {
                    k: v for k, v in multilabel_metrics([list(t) for t in y], sets, classes).items()
                    if k != "per_section"
                }  # fmt: skip
    if kind != "zero-shot":  # a zero-shot head keeps the temperature its taxonomy fit gave it
        head.calibrate(temperature)
    abstain = 0.0
    if (
        other is not None and metrics and kind != "self-trained" and not options.multi_label
        and len(logits) >= options.abstain_min
    ):  # fmt: skip
        probs = softmax(logits / temperature)
        abstain = tune_abstention(probs, primary, classes.index(other))
        metrics["abstain_below"] = abstain
    classifier = Classifier(
        taxonomy, final_encoder or encoder, head,
        multi_label=options.multi_label, thresholds=thresholds, abstain_below=abstain,
    )  # fmt: skip
    hyper = options.to_dict() | {"head": kind}
    if kind == "linear":
        hyper |= selected | {"sources": bool(getattr(head, "sources", False))}
    return TrainedModel(classifier, metrics, hyper, summary)
