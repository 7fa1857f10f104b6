"""Learning from an archive without labels: label confidently, learn, repeat, and check.

The first pseudo-labels come from a head that needs no archive labels (zero-shot from the
taxonomy, or prototypes from a few examples). Each round keeps the most confident share of each
predicted section (so no section is drowned by a frequent one), and, without examples, only
the articles whose label the last round and the zero-shot head agree on; it trains a linear
head on those plus any real examples, and relabels the archive with the product of that head
and the prior head (the learned head's log-probabilities are added to the prior's): the
zero-shot head, so that the taxonomy stays a prior, or with examples the examples' head.

Self-training can drift: a wrong section learned confidently spreads. Two gates stop it. An
archive with fewer than ``min_per_section`` articles a section is too small to learn from, and
every round is first fitted on half of its pseudo-labels and must reproduce the other half's
from the embedding and n-grams alone (``min_agreement``): pseudo-labels that the features do not
bear out are the taxonomy's guesses, not a pattern to learn. A round that fails is dropped with
the rounds after it. When no round
passes, the result is ``None``: keep the zero-shot head.

:func:`self_train_from` seeds it from a head (:func:`starting_point`) with the settings of
:class:`~newsdesk.classify.options.TrainingOptions`: ``newsdesk train --unlabeled`` and
:meth:`Classifier.adapt <newsdesk.classify.classifier.Classifier.adapt>` both learn through it.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np

from newsdesk.classify.heads import in_columns, softmax
from newsdesk.classify.linear import LinearHead
from newsdesk.classify.logistic import log_softmax
from newsdesk.classify.options import TrainingOptions, linear_head
from newsdesk.classify.propagation import spread_labels
from newsdesk.classify.prototype import PrototypeHead
from newsdesk.classify.result import EncodedArticles
from newsdesk.classify.zero_shot import ZeroShotHead

__all__ = [
    "MIN_BEYOND_CHANCE",
    "SelfTrainingReport",
    "beyond_chance",
    "confident_subset",
    "failure",
    "self_train",
    "self_train_from",
    "starting_point",
    "without_fallback",
]

log = logging.getLogger(__name__)

# a round's pseudo-labels must be reproduced this far beyond chance (Cohen's kappa), besides
# ``min_agreement``: a reading that files nearly everything under one section is reproduced
# "well" by a head that does the same. Not tuned: healthy rounds on the development sets sit
# far above it (benchmarks/adapt.py prints each set's lowest)
MIN_BEYOND_CHANCE = 0.5
# a real example weighs as much as this many pseudo-labeled articles
LABELED_WEIGHT = 3.0


def confident_subset(probs: np.ndarray, share: float) -> np.ndarray:
    """Rows whose prediction is among the ``share`` most confident of its predicted column."""
    pred = probs.argmax(axis=1)
    conf = probs.max(axis=1)
    chosen: list[np.ndarray] = []
    for column in np.unique(pred):
        rows = np.flatnonzero(pred == column)
        keep = max(1, round(share * len(rows)))
        chosen.append(rows[np.argsort(-conf[rows])[:keep]])
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)


class SelfTrainingReport(dict[str, object]):
    """What self-training did, round by round (recorded in the saved model)."""


def _full(head: LinearHead, X: EncodedArticles, classes: Sequence[str]) -> np.ndarray:
    """The head's log-probabilities in ``classes`` order (``-30`` for sections it lacks)."""
    assert head.classes_ is not None
    return in_columns(log_softmax(head.decision_function(X)), head.classes_, classes)


def _check(
    archive: EncodedArticles, rows: np.ndarray, pseudo: np.ndarray, half: np.ndarray,
    classes: Sequence[str], make_head: Callable[[], LinearHead], round_number: int,
) -> dict[str, Any]:  # fmt: skip
    """A round's entry in the report: learn from one half of its pseudo-labels (``half``) and
    measure how many of the other half's the features reproduce (``agreement``)."""
    if len(set(pseudo[half])) < 2:  # nothing to tell apart: the archive reads as one section
        why = "its pseudo-labels name fewer than two sections"
        log.info("self-training round %d dropped: %s", round_number, why)
        return {"round": round_number, "pseudo_labels": len(rows), "dropped": why, "agreement": 0.0}
    check = make_head().fit(archive.subset(rows[half]), list(pseudo[half]), classes=classes)
    heard = _full(check, archive.subset(rows[~half]), classes)  # the examples' own reading
    reproduced = np.array(classes)[heard.argmax(axis=1)]
    return {
        "round": round_number,
        "pseudo_labels": len(rows),
        "agreement": float(np.mean(reproduced == pseudo[~half])),
        "beyond_chance": beyond_chance(reproduced, pseudo[~half]),
        "per_section": {c: int(n) for c, n in Counter(pseudo).most_common()},
    }


def beyond_chance(calls: np.ndarray, labels: np.ndarray) -> float:
    """Cohen's kappa of ``calls`` against ``labels``: their agreement beyond what filing
    everything under the sections in the same proportions would reach (1: all, 0: none)."""
    observed = float(np.mean(calls == labels))
    sections = np.unique(np.concatenate([calls, labels]))
    expected = sum(float(np.mean(calls == s) * np.mean(labels == s)) for s in sections)
    return 0.0 if expected >= 1.0 else (observed - expected) / (1.0 - expected)


def failure(entry: dict[str, Any], min_agreement: float) -> str | None:
    """Why a round's check fails (``None``: it passes): its pseudo-labels are not reproduced
    from the features often enough, or only by calling nearly everything one section."""
    if "dropped" in entry:
        return str(entry["dropped"])
    if entry["agreement"] < min_agreement:
        return f"held-out agreement {entry['agreement']:.1%} < {min_agreement:.0%}"
    if entry["beyond_chance"] < MIN_BEYOND_CHANCE:
        return (
            f"held-out agreement {entry['agreement']:.1%} is only {entry['beyond_chance']:.2f} "
            f"beyond chance (< {MIN_BEYOND_CHANCE}): nearly every pseudo-label is one section"
        )
    return None


def _with_examples(
    data: EncodedArticles, targets: list[Any], weights: np.ndarray, labeled: EncodedArticles,
    labels: Sequence[str], labeled_weight: float,
) -> tuple[EncodedArticles, list[Any], np.ndarray]:  # fmt: skip
    """A round's pseudo-labeled articles joined by the real examples, which weigh more."""
    data = EncodedArticles(
        [*data.articles, *labeled.articles],
        np.vstack([data.embeddings, labeled.embeddings]),
    )
    weights = np.concatenate([weights, np.full(len(labels), labeled_weight)])
    return data, [*targets, *labels], weights


def self_train(
    archive: EncodedArticles,
    initial_probs: np.ndarray,
    prior_log_probs: np.ndarray,
    classes: Sequence[str],
    make_head: Callable[[], LinearHead],
    *,
    labeled: EncodedArticles | None = None,
    labels: Sequence[str] | None = None,
    shares: Sequence[float] = (0.3, 0.6, 0.9),
    labeled_weight: float = LABELED_WEIGHT,
    min_per_section: int = 30,
    min_agreement: float = 0.85,
    prior_weight: float = 1.0,
    agree_with_prior: bool = True,
    seed: int = 0,
) -> tuple[LinearHead | None, SelfTrainingReport]:
    """A linear head learned from ``archive`` (columns of the arrays in ``classes`` order).

    ``initial_probs`` give the first pseudo-labels, ``prior_log_probs`` the prior head's
    log-probabilities on the archive (zero-shot's, or with examples the examples' head's),
    which every round's labels are the product with (the prior raised to ``prior_weight``).
    Without examples, rounds after the first learn only from the articles whose label the
    prior gives too, unless ``agree_with_prior`` is off. Returns
    ``(None, report)`` when the gates leave nothing learned.
    """
    report = SelfTrainingReport(rounds=[], kept=0)
    if len(archive) < min_per_section * len(classes):
        report["declined"] = (
            f"an archive of {len(archive)} articles is too small for {len(classes)} sections "
            f"(self-training needs {min_per_section} a section)"
        )
        log.info("self-training declined: %s", report["declined"])
        return None, report
    rng = np.random.default_rng(seed)
    prior_pred = prior_log_probs.argmax(axis=1)
    probs = initial_probs
    head: LinearHead | None = None
    has_labels = labeled is not None and labels is not None and len(labels) > 0
    for round_number, share in enumerate(shares, start=1):
        rows = confident_subset(probs, share)
        if round_number > 1 and not has_labels and agree_with_prior:  # the taxonomy's reading
            rows = rows[probs[rows].argmax(axis=1) == prior_pred[rows]]
        pseudo = np.array([classes[i] for i in probs[rows].argmax(axis=1)], dtype=object)
        half = rng.permutation(len(rows)) < len(rows) // 2
        entry = _check(archive, rows, pseudo, half, classes, make_head, round_number)
        report["rounds"].append(entry)  # type: ignore[attr-defined]
        why = failure(entry, min_agreement)
        if why is not None:
            log.info("self-training round %d dropped: %s", round_number, why)
            break
        data, targets, weights = archive.subset(rows), list(pseudo), np.ones(len(rows))
        if has_labels:
            assert labeled is not None and labels is not None
            data, targets, weights = _with_examples(
                data, targets, weights, labeled, labels, labeled_weight
            )
        head = make_head().fit(data, targets, classes=classes, sample_weight=weights)
        probs = softmax(_full(head, archive, classes) + prior_weight * prior_log_probs)
        report["kept"] = round_number
        log.info(
            "self-training round %d: %d pseudo-labels, held-out agreement %.1f%%",
            round_number, len(rows), 100 * entry["agreement"],
        )  # fmt: skip
    return head, report


def without_fallback(head: ZeroShotHead) -> ZeroShotHead:
    """A copy of ``head`` whose catch-all wins only by its own description, never by default.

    Self-training seeds from it: the articles that fall to the catch-all only because no
    section stands out are the least certain ones, not examples of a topic.
    """
    config, arrays = head.get_state()
    config = config | {"params": config["params"] | {"fallback": -np.inf}}
    return ZeroShotHead().set_state(config, arrays)


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
        initial = softmax(first.combine(evidence) / first.temperature_)
        return initial, log_softmax(head.combine(evidence) / head.temperature_)
    assert head.classes_ is not None
    logits = in_columns(head.decision_function(archive), head.classes_, classes)
    prior_log_probs = log_softmax(logits / head.temperature_)
    return np.exp(prior_log_probs), prior_log_probs


def _first_check(
    archive: EncodedArticles, probs: np.ndarray, classes: Sequence[str],
    make_head: Callable[[], LinearHead], options: TrainingOptions,
) -> dict[str, Any] | None:  # fmt: skip
    """The first round's check on ``probs`` as they are: its report entry when it fails
    (labelled ``before_spreading``), ``None`` when it passes."""
    rows = confident_subset(probs, options.self_training_shares[0])
    pseudo = np.array([classes[i] for i in probs[rows].argmax(axis=1)], dtype=object)
    half = np.random.default_rng(options.seed).permutation(len(rows)) < len(rows) // 2
    entry = _check(archive, rows, pseudo, half, classes, make_head, 1)
    if failure(entry, options.self_training_agreement) is None:
        return None
    log.info("self-training declined: the reading before spreading failed round 1's check")
    return entry | {"before_spreading": True}


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
    (:func:`self_train`, with ``options``' settings); the first pseudo-labels are spread over
    the archive's neighbour graph when ``options.self_training_neighbours`` is set.

    With ``options.self_training_also``, a run follows for each further schedule of shares,
    and the head is fitted on every article with the section the runs' averaged
    probabilities give it (the examples beside them): self-training drifts differently under
    each schedule, and on a small archive one run's drift is as large as its gain, so their
    average reads the archive more steadily than either.
    """
    reading = _Reading(*starting_point(start, archive, classes), archive, options)
    head, report = _one_run(reading, classes, options, labeled=labeled, labels=labels)
    if not options.self_training_also or head is None:
        return head, report
    heads, runs = [head], []
    for shares in options.self_training_also:
        schedule = replace(options, self_training_shares=shares, self_training_also=())
        other, trace = _one_run(reading, classes, schedule, labeled=labeled, labels=labels)
        runs.append({"shares": list(shares), "kept": trace["kept"], "learned": other is not None})
        if other is not None:
            heads.append(other)
    report["also"] = runs
    if len(heads) == 1:
        return head, report
    averaged = np.mean([softmax(_full(h, archive, classes)) for h in heads], axis=0)
    pseudo = np.array([classes[i] for i in averaged.argmax(axis=1)], dtype=object)
    data, targets, weights = archive, list(pseudo), np.ones(len(archive))
    if labeled is not None and labels is not None and len(labels) > 0:
        data, targets, weights = _with_examples(
            data, targets, weights, labeled, labels, LABELED_WEIGHT
        )
    combined = _make_head(options, archive)().fit(
        data, targets, classes=classes, sample_weight=weights
    )
    report["combined"] = {
        "runs": len(heads),
        "per_section": {c: int(n) for c, n in Counter(pseudo).most_common()},
    }
    return combined, report


def _make_head(options: TrainingOptions, archive: EncodedArticles) -> Callable[[], LinearHead]:
    """The linear head every self-training round fits (no zero-shot offset of its own)."""
    return partial(
        linear_head, options, len(archive), lexical=options.self_training_lexical,
        C=options.self_training_C, prior_weight=0.0,
    )  # fmt: skip


class _Reading:
    """The starting head's reading of the archive, shared by every run: its first
    pseudo-label probabilities, the prior's log-probabilities, and (made once, when a run
    first asks) those probabilities spread over the archive's neighbour graph."""

    def __init__(
        self, initial: np.ndarray, prior_log_probs: np.ndarray, archive: EncodedArticles,
        options: TrainingOptions,
    ) -> None:  # fmt: skip
        self.initial, self.prior_log_probs, self.archive = initial, prior_log_probs, archive
        self._options = options
        self._spread: np.ndarray | None = None

    def spread(self) -> np.ndarray:
        if self._spread is None:
            self._spread = spread_labels(
                self.archive.embeddings, self.initial,
                neighbours=self._options.self_training_neighbours,
                spread=self._options.self_training_spread,
            )  # fmt: skip
        return self._spread


def _one_run(
    reading: _Reading,
    classes: Sequence[str],
    options: TrainingOptions,
    *,
    labeled: EncodedArticles | None = None,
    labels: Sequence[Any] | None = None,
) -> tuple[LinearHead | None, SelfTrainingReport]:
    """One self-training run under ``options.self_training_shares``."""
    archive, initial, prior_log_probs = reading.archive, reading.initial, reading.prior_log_probs
    make_head = _make_head(options, archive)

    def run(first: np.ndarray) -> tuple[LinearHead | None, SelfTrainingReport]:
        return self_train(
            archive, first, prior_log_probs, classes, make_head,
            labeled=labeled, labels=labels, shares=options.self_training_shares,
            min_per_section=options.self_training_min,
            min_agreement=options.self_training_agreement,
            prior_weight=options.self_training_prior_weight,
            agree_with_prior=options.self_training_agree, seed=options.seed,
        )  # fmt: skip

    if not options.self_training_neighbours or len(archive) < options.self_training_min * len(
        classes
    ):
        return run(initial)
    # spread labels agree with the features by construction: the reading itself must pass
    # the first round's check first, or an off-topic archive would pass it
    entry = _first_check(archive, initial, classes, make_head, options)
    if entry is not None:
        return None, SelfTrainingReport(rounds=[entry], kept=0)
    head, report = run(reading.spread())
    report["spread"] = head is not None
    if head is None:  # spreading blurred sections the reading kept apart: learn from the reading
        log.info("self-training: the spread labels failed the check; starting from the reading")
        head, report = run(initial)
        report["spread"] = False
    return head, report
