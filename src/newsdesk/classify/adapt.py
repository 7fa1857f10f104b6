"""Adapting a classifier to the articles it is given: self-training on them, without labels.

A taxonomy written as one short line a section reads an outlet's articles only roughly, but
the articles themselves cluster by topic. :func:`adapt` encodes them once, self-trains a
linear head on them from the classifier's own reading (zero-shot, or a trained model's head:
:func:`~newsdesk.classify.training.self_train_from`, the machinery of
``newsdesk train --unlabeled``), and returns a classifier with the learned head, or with the
head it had when self-training's gates refuse the archive. The returned classifier remembers
the embeddings, so filing the same articles afterwards does not encode them again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from newsdesk.article import Article
from newsdesk.classify.training import TrainingOptions
from newsdesk.encoders.remembered import RememberedEncoder

if TYPE_CHECKING:
    from newsdesk.classify.classifier import Classifier

__all__ = ["ADAPT_LIMIT", "ADAPT_OPTIONS", "AdaptationReport", "adapt"]

log = logging.getLogger(__name__)

# articles self-training learns from at most (an even sample of a larger input); each round
# fits two linear heads on them, so the cost grows with this, and a few thousand articles a
# section already show their sections' shape
ADAPT_LIMIT = 20000
# self-training's settings for adaptation, chosen by leave-one-set-out over the development
# sets with one-line taxonomies (benchmarks/tune_adapt.py): the taxonomy only seeds the first
# pseudo-labels; later rounds, and the adapted head, follow what the articles bear out
ADAPT_OPTIONS = TrainingOptions(self_training_prior_weight=0.0, self_training_agree=False)


@dataclass(frozen=True)
class AdaptationReport:
    """What adaptation did: the rounds kept and what the last kept round learned from, or
    why the classifier kept its head (``kept_head_because``)."""

    articles: int  # articles self-training read
    start: str  # the head adaptation started from: its kind
    rounds: tuple[dict[str, Any], ...] = ()
    kept_rounds: int = 0
    learned_from: dict[str, int] = field(default_factory=dict)  # pseudo-labels a section
    kept_head_because: str | None = None
    seconds: float = 0.0  # self-training's time, encoding excluded

    @property
    def adapted(self) -> bool:
        """Whether the classifier files with a newly learned head."""
        return self.kept_head_because is None

    def summary(self) -> str:
        """One line for a person: what was learned from how much, or why nothing was."""
        if not self.adapted:
            return f"adaptation kept the {self.start} head: {self.kept_head_because}"
        sections = ", ".join(f"{name} {n}" for name, n in self.learned_from.items())
        return (
            f"adapted the {self.start} head to {self.articles} articles in {self.seconds:.1f}s: "
            f"{self.kept_rounds} of {len(self.rounds)} self-training rounds kept, the last "
            f"learned from {sum(self.learned_from.values())} articles ({sections})"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"adapted": self.adapted}


def _gate_failure(rounds: Sequence[dict[str, Any]], min_agreement: float) -> str:
    """Why the first round was dropped, in words."""
    first = rounds[0]
    if "dropped" in first:
        return f"round 1 was dropped: {first['dropped']}"
    return (
        f"round 1 failed the check: a head fitted on half of its {first['pseudo_labels']} "
        f"pseudo-labels reproduced {first['agreement']:.0%} of the other half's "
        f"({min_agreement:.0%} needed), so they are the taxonomy's guesses, not a pattern "
        "in these articles"
    )


def _sample(count: int, limit: int) -> np.ndarray:
    """Up to ``limit`` positions spread evenly over ``count``."""
    if count <= limit:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, limit).round().astype(np.int64))


def adapt(
    classifier: Classifier,
    articles: Sequence[Article | str],
    *,
    options: TrainingOptions | None = None,
    progress: Callable[[str], None] | None = None,
    limit: int = ADAPT_LIMIT,
) -> Classifier:
    """See :meth:`Classifier.adapt`."""
    from newsdesk.classify.classifier import Classifier, as_article
    from newsdesk.classify.linear import LinearHead
    from newsdesk.classify.prototype import PrototypeHead
    from newsdesk.classify.training import self_train_from
    from newsdesk.classify.zero_shot import ZeroShotHead

    options = options or ADAPT_OPTIONS
    say = progress or (lambda message: log.info("%s", message))
    head = classifier.head
    chosen = _sample(len(articles), limit)
    arts = [as_article(articles[i]) for i in chosen]
    kept = AdaptationReport(articles=len(arts), start=head.kind)
    if classifier.multi_label:
        reason = "multi-label classifiers are not adapted (self-training learns one section each)"
        return _keep(classifier, kept, reason)
    if not isinstance(head, ZeroShotHead | LinearHead | PrototypeHead):
        return _keep(classifier, kept, f"a '{head.kind}' head cannot be adapted")
    say(f"encoding {len(arts)} articles with {classifier.encoder.name} to adapt to them")
    encoded = classifier.encode(arts)
    remembered = RememberedEncoder(
        classifier.encoder, [a.content for a in arts], encoded.embeddings
    )
    say(f"self-training on them ({len(options.self_training_shares)} rounds at most)")
    began = time.perf_counter()
    classes = classifier.taxonomy.names
    learned, trace = self_train_from(head, encoded, classes, options)
    rounds: tuple[dict[str, Any], ...] = tuple(cast(list[dict[str, Any]], trace["rounds"]))
    kept_rounds = cast(int, trace["kept"])
    report = AdaptationReport(
        articles=len(arts),
        start=head.kind,
        rounds=rounds,
        kept_rounds=kept_rounds,
        learned_from=dict(rounds[kept_rounds - 1]["per_section"]) if kept_rounds else {},
        seconds=time.perf_counter() - began,
    )
    if learned is None:
        reason = str(
            trace.get("declined") or _gate_failure(rounds, options.self_training_agreement)
        )
        return _keep(classifier, report, reason, remembered)
    prior = head if isinstance(head, ZeroShotHead) else head.prior_
    weight = options.self_training_prior_weight
    if prior is not None and weight > 0:  # a trained head's zero-shot offset, if it kept one
        learned.with_offset(prior, weight)
    adapted = Classifier(classifier.taxonomy, remembered, learned)
    adapted.adaptation = report
    return adapted


def _keep(
    classifier: Classifier,
    report: AdaptationReport,
    reason: str,
    encoder: RememberedEncoder | None = None,
) -> Classifier:
    """A copy of ``classifier`` with its own head (and ``encoder``, when the articles were
    encoded), and the reason it was kept."""
    from newsdesk.classify.classifier import Classifier

    log.info("adaptation kept the %s head: %s", report.start, reason)
    out = Classifier(
        classifier.taxonomy,
        classifier.encoder if encoder is None else encoder,
        classifier.head,
        multi_label=classifier.multi_label, thresholds=classifier.thresholds,
        abstain_below=classifier.abstain_below,
    )  # fmt: skip
    out.adaptation = replace(report, kept_head_because=reason)
    return out
