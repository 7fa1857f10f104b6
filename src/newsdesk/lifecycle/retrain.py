"""Retraining from editors' corrections: data, held-out split, training, comparison, saving.

Every reviewed article (corrected or confirmed) becomes a labeled example: its text and the
editor's section(s). One in five is held out by a stable hash of its id, so every retrain
holds out the same articles and a candidate is always compared with the active model on
articles neither was trained on. The new model is saved in the models folder and registered
as a candidate; it serves only once an editor activates it.

Early on, editors have reviewed a handful of articles, too few for the trainer to learn a
section from (a few examples skew how it weighs each section, and the candidate files worse
than the model it replaces). So the newest unreviewed articles whose call was confident join
the training data, labeled with that call (``confident_per_section`` a section, at least
``confident_min`` sure): they anchor what each section already looks like, and the editors'
corrections move the sections they touch. Set ``confident_per_section=0`` to train on reviewed
articles alone.

A retrain after a few more corrections is quick: the vectors of what it trains on are kept
beside the models, and the active model's settings are reused while the data has grown little
(:mod:`newsdesk.lifecycle.warm_start`). Each retrained model records how many corrections
editors had made when it read them (``training["corrections"]``): the background retrainer
(:mod:`newsdesk.lifecycle.auto_retrain`) counts from there.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.classify.dataset import LabeledArticles
from newsdesk.classify.saved import read_model_json
from newsdesk.defaults import RETRAIN_CONFIDENT_MIN
from newsdesk.encoders.base import Encoder
from newsdesk.errors import NewsdeskError, TrainingError
from newsdesk.eval.metrics import classification_metrics
from newsdesk.lifecycle.slot import ServedModel
from newsdesk.lifecycle.warm_start import (
    SettingsSearch,
    cached_encoder,
    settings_search,
    with_encoder,
)
from newsdesk.store import registry
from newsdesk.store.engine import Store
from newsdesk.store.learning import corrections_made
from newsdesk.store.records import as_article
from newsdesk.store.review import confident_articles, reviewed_articles

if TYPE_CHECKING:
    from newsdesk.classify.training import TrainedModel

__all__ = [
    "CorrectedArticles",
    "RetrainResult",
    "TrainingData",
    "base_settings",
    "compare_models",
    "held_out",
    "read_confident",
    "read_corrected",
    "read_training_data",
    "retrain",
    "score",
]

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]
HOLD_OUT_ONE_IN = 5


def held_out(article_id: str) -> bool:
    """Whether an article is kept out of training (the same answer on every retrain)."""
    digest = hashlib.sha256(article_id.encode("utf-8")).digest()
    return digest[0] % HOLD_OUT_ONE_IN == 0


@dataclass(frozen=True)
class CorrectedArticles:
    """Reviewed articles and the sections editors gave them, primary first."""

    articles: list[Article]
    labels: list[tuple[str, ...]]

    def __len__(self) -> int:
        return len(self.articles)

    def split(self) -> tuple[CorrectedArticles, CorrectedArticles]:
        """(training, held-out) by :func:`held_out`."""
        parts: tuple[tuple[list[Article], list[tuple[str, ...]]], ...] = (([], []), ([], []))
        for article, labels in zip(self.articles, self.labels, strict=True):
            part = parts[1] if held_out(article.id or "") else parts[0]
            part[0].append(article)
            part[1].append(labels)
        return CorrectedArticles(*parts[0]), CorrectedArticles(*parts[1])

    def sections(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for labels in self.labels:
            counts[labels[0]] = counts.get(labels[0], 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def _article(row: Any) -> Article:
    """A stored article as training sees it (its source too: a model may learn its habits)."""
    return as_article(row)


def read_corrected(store: Store, sections: Sequence[str] | None = None) -> CorrectedArticles:
    """Every reviewed article with its editor's sections (unknown sections left out)."""
    known = set(sections) if sections is not None else None
    articles: list[Article] = []
    labels: list[tuple[str, ...]] = []
    with store.read() as conn:
        for row in reviewed_articles(conn):
            chosen = tuple(row.corrected_sections or (row.corrected_section,))
            if known is not None:
                chosen = tuple(s for s in chosen if s in known)
            if not chosen or not (row.text.strip() or row.title.strip()):
                continue
            articles.append(_article(row))
            labels.append(chosen)
    return CorrectedArticles(articles, labels)


def read_confident(
    store: Store, sections: Sequence[str], *, per_section: int, min_confidence: float
) -> CorrectedArticles:
    """The newest unreviewed articles called at least ``min_confidence`` sure, up to
    ``per_section`` a section, labeled with their call."""
    articles: list[Article] = []
    labels: list[tuple[str, ...]] = []
    if per_section <= 0:
        return CorrectedArticles(articles, labels)
    with store.read() as conn:
        for section in sections:
            for row in confident_articles(
                conn, section, min_confidence=min_confidence, limit=per_section
            ):
                if not (row.text.strip() or row.title.strip()):
                    continue
                articles.append(_article(row))
                labels.append(tuple(row.sections or (row.section,)))
    return CorrectedArticles(articles, labels)


def score(classifier: Classifier, data: CorrectedArticles) -> tuple[dict[str, Any], list[str]]:
    """Accuracy and macro-F1 of ``classifier``'s primary section on ``data``; its calls."""
    calls = [p.section for p in classifier.classify_many(data.articles)]
    truth = [labels[0] for labels in data.labels]
    return primary_metrics(truth, calls), calls


def primary_metrics(truth: Sequence[str], calls: Sequence[str]) -> dict[str, Any]:
    """Accuracy and macro-F1 (over the sections editors gave) of the calls' primary sections."""
    if not truth:
        return {"n": 0, "accuracy": None, "macro_f1": None}
    report = classification_metrics(truth, calls)
    return {"n": report["n"], "accuracy": report["accuracy"], "macro_f1": report["macro_f1"]}


def compare_models(
    candidate: Classifier, active: Classifier, data: CorrectedArticles
) -> dict[str, Any]:
    """Both models on the same held-out corrected articles, and where they differ."""
    cand_metrics, cand_calls = score(candidate, data)
    act_metrics, act_calls = score(active, data)
    fixed: list[dict[str, str]] = []
    broken: list[dict[str, str]] = []
    for article, labels, new, old in zip(
        data.articles, data.labels, cand_calls, act_calls, strict=True
    ):
        truth = labels[0]
        entry = {"id": article.id or "", "title": article.title[:200], "editor": truth}
        if new == truth != old:
            fixed.append(entry | {"active": old})
        elif old == truth != new:
            broken.append(entry | {"candidate": new})
    return {
        "n": len(data),
        "candidate": cand_metrics,
        "active": act_metrics,
        "fixed": fixed[:100],
        "broken": broken[:100],
        "fixed_count": len(fixed),  # the lists above stop at 100
        "broken_count": len(broken),
    }


@dataclass(frozen=True)
class RetrainResult:
    """What a retrain made: the registered candidate and its comparison."""

    version: str
    path: Path
    metrics: dict[str, Any]
    comparison: dict[str, Any]


def new_version() -> str:
    return "retrained-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")[:-3]


@dataclass(frozen=True)
class TrainingData:
    """What a retrain learns from: reviewed articles (less the held-out fifth), the confident
    calls that anchor the sections, and how many corrections editors had made by then."""

    training: CorrectedArticles
    held: CorrectedArticles
    anchors: CorrectedArticles
    corrections: int

    def labeled(self) -> LabeledArticles:
        """The training articles and the confident calls as the trainer takes them: only the
        reviews judge its held-out folds (the calls agree with the active model by
        construction)."""
        training, anchors = self.training, self.anchors
        return LabeledArticles(
            training.articles + anchors.articles,
            training.labels + anchors.labels,
            sources=["review desk: reviewed", "review desk: confident calls"],
            scored=[True] * len(training) + [False] * len(anchors),
        )

    def record(self, base_version: str) -> dict[str, Any]:
        """The registry's ``training`` entry of the model trained on it."""
        return {
            "articles": len(self.training),
            "held_out": len(self.held),
            "confident": len(self.anchors),
            "per_section": self.training.sections(),
            "base_version": base_version,
            "corrections": self.corrections,
        }


def read_training_data(
    store: Store, sections: Sequence[str], *, confident_per_section: int, confident_min: float,
    require_reviews: bool = True,
) -> TrainingData:  # fmt: skip
    """Every reviewed article, split, and the confident unreviewed calls (see the module's
    docstring); :class:`TrainingError` when no article has been reviewed yet, unless
    ``require_reviews`` is off (an adapting retrain learns from the stored articles too)."""
    with store.read() as conn:
        corrections = corrections_made(conn)
    data = read_corrected(store, sections)
    if not len(data) and not require_reviews:
        return TrainingData(data, data, data, corrections)
    if not len(data):
        raise TrainingError(
            "no reviewed articles yet: confirm or correct some calls on the review desk, "
            "then retrain"
        )
    training, held = data.split()
    if not len(training):
        training, held = data, CorrectedArticles([], [])
    reviewed = {article.id for article in data.articles}
    anchors = read_confident(
        store, sections, per_section=confident_per_section, min_confidence=confident_min
    )
    keep = [i for i, article in enumerate(anchors.articles) if article.id not in reviewed]
    anchors = CorrectedArticles(
        [anchors.articles[i] for i in keep], [anchors.labels[i] for i in keep]
    )
    return TrainingData(training, held, anchors, corrections)


def base_settings(store: Store, base: ServedModel, reviewed: int) -> SettingsSearch:
    """The training options a retrain from ``base`` on ``reviewed`` articles starts from
    (:func:`~newsdesk.lifecycle.warm_start.settings_search`)."""
    with store.read() as conn:
        record = registry.get_model(conn, base.version)
    hyper: dict[str, Any] | None = None
    if record is not None and record.path:
        try:
            hyper = read_model_json(record.path).get("hyperparameters")
        except (NewsdeskError, OSError) as exc:  # an unreadable base: search afresh
            log.warning("cannot read the settings of %s (%s)", base.version, exc)
    search = (record.training or {}).get("search") if record is not None else None
    multi_label = base.classifier.taxonomy.multi_label
    return settings_search(multi_label, reviewed, base.version, hyper, search)


def retrain(
    store: Store,
    base: ServedModel,
    models_dir: Path,
    *,
    by: str | None,
    progress: Progress | None = None,
    version: str | None = None,
    confident_per_section: int = 0,  # called alone: the reviewed articles only
    confident_min: float = RETRAIN_CONFIDENT_MIN,
    cache_embeddings: bool = True,
    warm_start: bool = True,
    adapt: bool = False,
) -> RetrainResult:
    """Train a candidate from every correction so far, compare it with ``base``, register it.

    ``base`` is the active model: the candidate keeps its taxonomy and encoder. Confidently
    called unreviewed articles join the training data (see the module's docstring). With
    ``cache_embeddings`` the vectors are kept beside the models, and with ``warm_start`` the
    base's settings are reused while the data has grown little (:mod:`.warm_start`). With
    ``adapt`` the candidate is then self-trained on the stored articles, the corrections as
    examples (:mod:`.store_adapt`); before any correction that adapts ``base`` itself. Raises
    :class:`TrainingError` when the corrections cannot train a model (none yet, one section),
    or when an adapting retrain before any correction has nothing to propose (no registry
    entry is left then, as none is made for a plain retrain with no review).
    """
    say = progress or (lambda share, message: log.info("%s", message))
    version = version or new_version()
    taxonomy = base.classifier.taxonomy
    say(0.02, "reading corrections and confidently called articles")
    data = read_training_data(
        store, taxonomy.names, confident_per_section=confident_per_section,
        confident_min=confident_min, require_reviews=not adapt,
    )  # fmt: skip
    search = (
        base_settings(store, base, len(data.training))
        if warm_start
        else settings_search(taxonomy.multi_label, len(data.training), base.version, None, None)
    )
    with store.write() as conn:
        registry.register_model(
            conn, version, kind="retrained", status="training", created_by=by,
            training=data.record(base.version) | {"search": search.record()},
        )  # fmt: skip
    encoder = base.classifier.encoder
    if cache_embeddings:
        encoder = cached_encoder(encoder, models_dir)
    try:
        path = Path(models_dir) / version
        trained = _train(base, data, search, encoder, say)
        if adapt:
            from newsdesk.lifecycle.store_adapt import adapt_trained

            trained = adapt_trained(trained, store, data.training.articles, data.training.labels,
                                    encoder, say, (data.held.articles, data.held.labels))  # fmt: skip
        metrics, comparison = _compare_save(base, trained, data, search, encoder, path, say)
        with store.write() as conn:
            registry.update_model(
                conn, version, status="ready", path=str(path.resolve()), metrics=metrics,
                comparison=comparison,
            )  # fmt: skip
    except Exception as exc:
        with store.write() as conn:
            if adapt and not len(data.training) and isinstance(exc, TrainingError):
                # nothing to propose: no candidate, as a plain retrain with no review makes none
                registry.remove_model(conn, version)
            else:
                registry.update_model(conn, version, status="failed", error=str(exc))
        raise
    say(1.0, f"model {version} is ready to compare and activate")
    return RetrainResult(version, path, metrics, comparison)


def _train(
    base: ServedModel, data: TrainingData, search: SettingsSearch, encoder: Encoder,
    say: Progress,
) -> TrainedModel:  # fmt: skip
    """The candidate trained on ``data`` encoding through ``encoder``; with no reviewed
    article to train on (an adapting retrain on day one), ``base`` as it is."""
    from newsdesk.classify.training import TrainedModel, train_classifier

    training, held, anchors = data.training, data.held, data.anchors
    if not len(training):
        say(0.1, "no reviewed articles yet: adapting the active model as it is")
        return TrainedModel(base.classifier, {}, {"head": base.classifier.head.kind}, {})
    reused = f", the settings of {search.warm_from}" if search.warm_from else ""
    say(
        0.1,
        f"training on {len(training)} reviewed articles ({len(held)} held out) and "
        f"{len(anchors)} confidently called ones{reused}",
    )
    steps = iter((0.25, 0.45, 0.6, 0.7, 0.75))
    return train_classifier(
        base.classifier.taxonomy,
        encoder,
        data.labeled(),
        options=search.options,
        progress=lambda message: say(next(steps, 0.78), message),
        final_encoder=base.classifier.encoder,
    )


def _compare_save(
    base: ServedModel, trained: TrainedModel, data: TrainingData, search: SettingsSearch,
    encoder: Encoder, path: Path, say: Progress,
) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """Compare ``trained`` with ``base`` on the held-out reviewed articles, save to ``path``."""
    held = data.held
    say(0.8, f"comparing with {base.version} on {len(held)} held-out corrected articles")
    comparison = compare_models(
        with_encoder(trained.classifier, encoder), with_encoder(base.classifier, encoder), held
    )
    comparison["active_version"] = base.version
    say(0.92, "saving the model")
    metrics = {"held_out": comparison["candidate"], "training": trained.metrics}
    trained.classifier.save(
        path,
        hyperparameters=trained.hyperparameters,
        training=trained.data | {"held_out_articles": len(held), "search": search.record()},
        metrics=metrics,
    )
    return metrics, comparison
