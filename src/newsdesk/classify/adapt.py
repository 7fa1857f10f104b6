"""Adapting a classifier to the articles it is given: self-training on them, without labels.

A taxonomy written as one short line a section reads an outlet's articles only roughly, but
the articles themselves cluster by topic. :func:`adapt` encodes them once, self-trains a
linear head on them from the classifier's own reading (zero-shot, or a trained model's head:
:func:`~newsdesk.classify.self_training.self_train_from`, the machinery of
``newsdesk train --unlabeled``), and returns the learned head, or none when self-training's
gates refuse the archive (:meth:`Classifier.adapt` then keeps the classifier's head), with an
encoder that remembers the embeddings, so filing the same articles afterwards does not encode
them again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, cast

import numpy as np

from newsdesk.article import Article, as_article
from newsdesk.classify.heads import Head
from newsdesk.classify.linear import LinearHead
from newsdesk.classify.options import TrainingOptions
from newsdesk.classify.result import EncodedArticles
from newsdesk.encoders.base import Encoder
from newsdesk.encoders.remembered import RememberedEncoder

__all__ = ["ADAPT_LIMIT", "ADAPT_OPTIONS", "AdaptationReport", "adapt"]

log = logging.getLogger(__name__)

# articles self-training learns from at most (an even sample of a larger input); each round
# fits two linear heads on them, so the cost grows with this, and a few thousand articles a
# section already show their sections' shape
ADAPT_LIMIT = 20000
# self-training's settings for adaptation, chosen by leave-one-set-out over the development
# sets with one-line taxonomies (benchmarks/tune_adapt.py): the taxonomy seeds the first
# pseudo-labels, spread first over each article's nearest neighbours among the articles (an
# article whose closest neighbours read as one section probably is of it too); later rounds
# learn only the labels the taxonomy's own reading gives too, and the adapted head carries no
# zero-shot offset; a second run in smaller steps drifts differently, and the head learns
# the two runs' averaged reading
ADAPT_OPTIONS = TrainingOptions(
    self_training_prior_weight=0.0,
    self_training_agree=True,
    self_training_neighbours=10,
    self_training_spread=0.7,
    self_training_also=((0.2, 0.4, 0.6, 0.8, 1.0),),
)


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
    examples: int = 0  # labeled articles self-training learned from beside them
    runs: int = 1  # self-training runs whose averaged reading the head learned
    other_runs: tuple[dict[str, Any], ...] = ()  # the further runs: shares, rounds kept

    @property
    def adapted(self) -> bool:
        """Whether the classifier files with a newly learned head."""
        return self.kept_head_because is None

    def summary(self) -> str:
        """One line for a person: what was learned from how much, or why nothing was."""
        if not self.adapted:
            return f"adaptation kept the {self.start} head: {self.kept_head_because}"
        sections = ", ".join(f"{name} {n}" for name, n in self.learned_from.items())
        labeled = f" and {self.examples} labeled ones" if self.examples else ""
        learned = (
            f"the last learned from {sum(self.learned_from.values())} articles ({sections})"
            if self.runs == 1
            else f"the head learned {self.runs} runs' averaged reading of "
            f"{sum(self.learned_from.values())} articles ({sections})"
        )
        kept = " and ".join(
            [f"{self.kept_rounds} of {len(self.rounds)}"]
            + [f"{run['kept']} of {len(run['shares'])}" for run in self.other_runs]
        )
        return (
            f"adapted the {self.start} head to {self.articles} articles{labeled} in "
            f"{self.seconds:.1f}s: {kept} self-training rounds kept, {learned}"
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"adapted": self.adapted}


def _gate_failure(rounds: Sequence[dict[str, Any]], min_agreement: float) -> str:
    """Why the first round was dropped, in words."""
    first = rounds[0]
    if "dropped" in first:
        return f"round 1 was dropped: {first['dropped']}"
    if first["agreement"] >= min_agreement:  # reproduced, but only by filing all as one
        return (
            f"round 1 failed the check: its {first['pseudo_labels']} pseudo-labels put nearly "
            f"every article in one section ({first['beyond_chance']:.2f} beyond chance), so "
            "the taxonomy does not tell these articles apart"
        )
    return (
        f"round 1 failed the check: a head fitted on half of its {first['pseudo_labels']} "
        f"pseudo-labels reproduced {first['agreement']:.1%} of the other half's "
        f"({min_agreement:.0%} needed), so they are the taxonomy's guesses, not a pattern "
        "in these articles"
    )


def _sample(count: int, limit: int) -> np.ndarray:
    """Up to ``limit`` positions spread evenly over ``count``."""
    if count <= limit:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, limit).round().astype(np.int64))


def adapt(
    head: Head,
    encoder: Encoder,
    classes: list[str],
    articles: Sequence[Article | str],
    *,
    multi_label: bool = False,
    options: TrainingOptions | None = None,
    progress: Callable[[str], None] | None = None,
    limit: int = ADAPT_LIMIT,
    examples: tuple[Sequence[Article | str], Sequence[str]] | None = None,
) -> tuple[LinearHead | None, Encoder, AdaptationReport]:
    """The head learned from ``articles`` (``None``: keep ``head``), the encoder to file them
    with, and the report; see :meth:`Classifier.adapt`. ``examples`` (articles and their
    sections) join every round's pseudo-labels, weighing more, and lift the rule that later
    rounds learn only the labels the starting head gives too."""
    from newsdesk.classify.prototype import PrototypeHead
    from newsdesk.classify.self_training import self_train_from
    from newsdesk.classify.zero_shot import ZeroShotHead

    options = options or ADAPT_OPTIONS
    say = progress or (lambda message: log.info("%s", message))
    chosen = _sample(len(articles), limit)
    arts = [as_article(articles[i]) for i in chosen]
    kept = AdaptationReport(articles=len(arts), start=head.kind)
    if multi_label:
        reason = "multi-label classifiers are not adapted (self-training learns one section each)"
        return _keep(encoder, kept, reason)
    if not isinstance(head, ZeroShotHead | LinearHead | PrototypeHead):
        return _keep(encoder, kept, f"a '{head.kind}' head cannot be adapted")
    say(f"encoding {len(arts)} articles with {encoder.name} to adapt to them")
    encoded = EncodedArticles(arts, encoder.encode([a.content for a in arts]))
    remembered = RememberedEncoder(encoder, [a.content for a in arts], encoded.embeddings)
    labeled, labels = _encoded_examples(encoder, classes, examples)
    schedules = [options.self_training_shares, *options.self_training_also]
    rounds_at_most = " and ".join(str(len(shares)) for shares in schedules)
    runs = f" in {len(schedules)} runs" if len(schedules) > 1 else ""
    say(f"self-training on them{runs} ({rounds_at_most} rounds at most)")
    began = time.perf_counter()
    learned, trace = self_train_from(
        head, encoded, classes, options, labeled=labeled, labels=labels
    )
    rounds: tuple[dict[str, Any], ...] = tuple(cast(list[dict[str, Any]], trace["rounds"]))
    kept_rounds = cast(int, trace["kept"])
    combined = cast(dict[str, Any] | None, trace.get("combined"))
    if combined is not None:  # several runs: the head learned their averaged reading
        learned_from = dict(combined["per_section"])
    else:
        learned_from = dict(rounds[kept_rounds - 1]["per_section"]) if kept_rounds else {}
    report = AdaptationReport(
        articles=len(arts),
        start=head.kind,
        rounds=rounds,
        kept_rounds=kept_rounds,
        learned_from=learned_from,
        seconds=time.perf_counter() - began,
        examples=len(labels or ()),
        runs=int(combined["runs"]) if combined is not None else 1,
        other_runs=tuple(cast(list[dict[str, Any]], trace.get("also", []))),
    )
    if learned is None:
        reason = str(
            trace.get("declined") or _gate_failure(rounds, options.self_training_agreement)
        )
        return _keep(remembered, report, reason)
    prior = head if isinstance(head, ZeroShotHead) else head.prior_
    weight = options.self_training_prior_weight
    if prior is not None and weight > 0:  # a trained head's zero-shot offset, if it kept one
        learned.with_offset(prior, weight)
    return learned, remembered, report


def _encoded_examples(
    encoder: Encoder,
    classes: Sequence[str],
    examples: tuple[Sequence[Article | str], Sequence[str]] | None,
) -> tuple[EncodedArticles | None, list[str] | None]:
    """The labeled examples (articles or texts, and their sections; any iterables) encoded,
    with their sections (``None, None`` without any); :class:`ValueError` for a section the
    classifier does not have, or for anything but two parts of the same length."""
    if examples is None:
        return None, None
    try:
        texts, sections = examples
    except (TypeError, ValueError):
        raise ValueError("examples are two parts: (articles, their sections)") from None
    if isinstance(texts, str) or isinstance(sections, str):
        raise ValueError("examples are two lists, (articles, their sections), not strings")
    found, labels = [as_article(a) for a in texts], [str(label) for label in sections]
    if not found and not labels:
        return None, None
    if len(found) != len(labels):
        raise ValueError(f"{len(found)} examples but {len(labels)} sections")
    unknown = sorted(set(labels) - set(classes))
    if unknown:
        raise ValueError(f"examples name sections the classifier does not have: {unknown}")
    return EncodedArticles(found, encoder.encode([a.content for a in found])), labels


def _keep(
    encoder: Encoder, report: AdaptationReport, reason: str
) -> tuple[None, Encoder, AdaptationReport]:
    """No head learned: ``encoder`` (remembering the articles, when they were encoded), and
    the reason the classifier keeps its head."""
    log.info("adaptation kept the %s head: %s", report.start, reason)
    return None, encoder, replace(report, kept_head_because=reason)
