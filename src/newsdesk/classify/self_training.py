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
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

from newsdesk.classify.heads import softmax
from newsdesk.classify.linear import LinearHead
from newsdesk.classify.logistic import log_softmax
from newsdesk.classify.result import EncodedArticles

__all__ = ["SelfTrainingReport", "confident_subset", "self_train"]

log = logging.getLogger(__name__)


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
    out = np.full((len(X), len(classes)), -30.0)
    out[:, [list(classes).index(c) for c in head.classes_]] = log_softmax(head.decision_function(X))
    return out


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
    labeled_weight: float = 3.0,
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
        if len(set(pseudo[half])) < 2:  # nothing to tell apart: the archive reads as one section
            why = "its pseudo-labels name fewer than two sections"
            dropped = {"round": round_number, "pseudo_labels": len(rows), "dropped": why}
            report["rounds"].append(dropped | {"agreement": 0.0})  # type: ignore[attr-defined]
            log.info("self-training round %d dropped: %s", round_number, why)
            break
        # the check: learn from one half, predict the other half's pseudo-labels
        check = make_head().fit(archive.subset(rows[half]), list(pseudo[half]), classes=classes)
        heard = _full(check, archive.subset(rows[~half]), classes)  # the examples' own reading
        agreement = float(np.mean(np.array(classes)[heard.argmax(axis=1)] == pseudo[~half]))
        entry = {
            "round": round_number,
            "pseudo_labels": len(rows),
            "agreement": agreement,
            "per_section": {c: int(n) for c, n in Counter(pseudo).most_common()},
        }
        report["rounds"].append(entry)  # type: ignore[attr-defined]
        if agreement < min_agreement:
            log.info(
                "self-training round %d dropped: held-out agreement %.1f%% < %.0f%%",
                round_number, 100 * agreement, 100 * min_agreement,
            )  # fmt: skip
            break
        data = archive.subset(rows)
        targets = list(pseudo)
        weights = np.ones(len(rows))
        if has_labels:
            assert labeled is not None and labels is not None
            data = EncodedArticles(
                [*data.articles, *labeled.articles],
                np.vstack([data.embeddings, labeled.embeddings]),
            )
            targets = [*targets, *labels]
            weights = np.concatenate([weights, np.full(len(labels), labeled_weight)])
        head = make_head().fit(data, targets, classes=classes, sample_weight=weights)
        probs = softmax(_full(head, archive, classes) + prior_weight * prior_log_probs)
        report["kept"] = round_number
        log.info(
            "self-training round %d: %d pseudo-labels, held-out agreement %.1f%%",
            round_number, len(rows), 100 * agreement,
        )  # fmt: skip
    return head, report
