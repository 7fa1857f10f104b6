"""Training's hyper-parameters, and the linear heads they configure.

:class:`TrainingOptions` is recorded in the saved model, so it is a frozen value of plain
fields; the defaults of the heads' parameters are the heads' own (:mod:`.linear`,
:mod:`.prototype`), read from there so a head built by hand and a trained one start alike.
Every linear head training fits (on held-out folds, in self-training) is built by
:func:`linear_head`, from the options, through the head's parameters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from newsdesk.article import Article
from newsdesk.classify.linear import (
    DEFAULT_C,
    DEFAULT_LEXICAL_WEIGHT,
    DEFAULT_PRIOR_WEIGHT,
    LinearHead,
)
from newsdesk.classify.prototype import DEFAULT_PRIOR_STRENGTH

__all__ = ["TrainingOptions", "linear_head", "uses_sources"]


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
    # the first pseudo-labels spread over each article's nearest neighbours in the archive
    # (:mod:`.propagation`; 0 neighbours: each article's own reading) ...
    self_training_neighbours: int = 0
    self_training_spread: float = 0.5  # ... keeping 1 - this share of its own reading
    # further schedules of shares, each a self-training run of its own; the learned head is
    # then fitted on the runs' averaged reading of the archive (empty: one run)
    self_training_also: tuple[tuple[float, ...], ...] = ()
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def uses_sources(options: TrainingOptions, articles: Sequence[Article]) -> bool:
    """Whether a linear head learns each source's habits: as ``options.sources`` says, or
    (``None``) when at least half the articles name a source and there are two or more."""
    if options.sources is not None:
        return options.sources
    named = [a.source for a in articles if a.source]
    return len(named) * 2 >= len(articles) and len(set(named)) >= 2


def linear_head(
    options: TrainingOptions, n_articles: int, *, lexical: bool | None = None,
    C: float | None = None, prior_weight: float | None = None, sources: bool = False,
    centroids: bool = False,
) -> LinearHead:  # fmt: skip
    """An unfitted linear head with ``options``' parameters, the keywords overriding them;
    n-grams by ``options.lexical``, or (``None``) from ``options.lexical_min`` articles on."""
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
