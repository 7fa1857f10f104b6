"""What makes a retrain after a few corrections fast: cached embeddings and the last model's settings.

A retrain encodes what it trains on (the reviewed articles and the confidently called ones)
and compares the candidate on the held-out reviewed articles. The vectors of an encoder whose
fingerprint fixes its output (``cacheable``) are kept in an on-disk cache beside the models
(``<models folder>/embeddings``, one SQLite file an encoder), so the next retrain encodes only
the articles it has not seen: the new corrections and the newly filed confident calls. No
schema change: the store keeps texts, the cache keeps vectors, keyed by the text.

Most of a linear head's training time is the search of its settings (penalty, n-gram weight,
zero-shot offset) on held-out folds. Ten corrections more rarely change what that search
finds, so a retrain starts from the active model's settings: its n-gram weight and offset, and
its penalty with the one on either side of it (the folds still choose among those three, and
calibrate the temperature), until the reviewed articles it trains on have grown by
:data:`SEARCH_AGAIN_GROWTH` since the last full search; then it searches again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsdesk.classify.classifier import Classifier
from newsdesk.encoders.base import Encoder
from newsdesk.encoders.cache import CachedEncoder

if TYPE_CHECKING:
    from newsdesk.classify.options import TrainingOptions

__all__ = [
    "EMBEDDINGS_FOLDER",
    "SEARCH_AGAIN_GROWTH",
    "SettingsSearch",
    "cached_encoder",
    "neighbours",
    "settings_search",
    "with_encoder",
]

log = logging.getLogger(__name__)

EMBEDDINGS_FOLDER = "embeddings"  # inside the models folder
# the reviewed training articles may grow this much before the settings are searched again
SEARCH_AGAIN_GROWTH = 1.25


def cached_encoder(encoder: Encoder, models_dir: Path) -> Encoder:
    """``encoder`` through the embedding cache beside the models, when its vectors may be kept
    (``cacheable``: same fingerprint, same vectors); otherwise ``encoder`` itself."""
    if not getattr(encoder, "cacheable", False):
        return encoder
    return CachedEncoder(encoder, Path(models_dir) / EMBEDDINGS_FOLDER)


def with_encoder(classifier: Classifier, encoder: Encoder) -> Classifier:
    """``classifier`` encoding through ``encoder`` (a cache of its own encoder)."""
    return Classifier(
        classifier.taxonomy,
        encoder,
        classifier.head,
        multi_label=classifier.multi_label,
        thresholds=classifier.thresholds,
        abstain_below=classifier.abstain_below,
    )


@dataclass(frozen=True)
class SettingsSearch:
    """The training options of a retrain, and what to record of how they were chosen.

    ``searched_on``: reviewed training articles at the last full search; ``warm_from``: the
    model whose settings were reused (``None``: searched now).
    """

    options: TrainingOptions
    searched_on: int
    warm_from: str | None = None

    def record(self) -> dict[str, Any]:
        return {"searched_on": self.searched_on, "warm_from": self.warm_from}


def neighbours(c: float, grid: tuple[float, ...]) -> tuple[float, ...]:
    """``c`` and the penalties beside it on ``grid``: new corrections move the best penalty a
    step at most, and three fits cost little more than one."""
    ordered = sorted(grid)
    if c not in ordered:
        return (c,)
    at = ordered.index(c)
    return tuple(ordered[max(at - 1, 0) : at + 2])


def settings_search(
    multi_label: bool,
    reviewed: int,
    base_version: str,
    base_hyperparameters: dict[str, Any] | None,
    base_search: dict[str, Any] | None,
) -> SettingsSearch:
    """Options for a retrain on ``reviewed`` reviewed training articles from the base model's
    saved ``hyperparameters`` and its recorded search (``None``: none known, search now)."""
    from newsdesk.classify.options import TrainingOptions  # the trainer loads on first use

    full = SettingsSearch(TrainingOptions(multi_label=multi_label), searched_on=reviewed)
    hyper = base_hyperparameters or {}
    searched_on = int((base_search or {}).get("searched_on") or 0)
    if hyper.get("head") != "linear" or "C" not in hyper or searched_on <= 0:
        return full
    if "judged_rows" not in hyper:  # chosen before the editors' reviews alone judged
        return full
    if reviewed > searched_on * SEARCH_AGAIN_GROWTH:
        log.info("searching the settings again: %d reviewed articles, %d at the last search",
                 reviewed, searched_on)  # fmt: skip
        return full
    c = float(hyper["C"])
    weight = hyper.get("lexical_weight")
    defaults = TrainingOptions()
    options = TrainingOptions(
        multi_label=multi_label,
        C=c if c > 0 else defaults.C,
        C_grid=neighbours(c, defaults.C_grid),
        lexical_weights=(float(weight),) if weight else defaults.lexical_weights,
        prior_optional=False,
        prior_weight=defaults.prior_weight if hyper.get("zero_shot_offset", True) else 0.0,
    )
    return SettingsSearch(options, searched_on=searched_on, warm_from=base_version)
