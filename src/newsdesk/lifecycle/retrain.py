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
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.defaults import RETRAIN_CONFIDENT_MIN
from newsdesk.errors import TrainingError
from newsdesk.eval.metrics import classification_metrics
from newsdesk.lifecycle.slot import ServedModel
from newsdesk.store import registry
from newsdesk.store.engine import Store
from newsdesk.store.records import as_article
from newsdesk.store.review import confident_articles, reviewed_articles

__all__ = [
    "CorrectedArticles",
    "RetrainResult",
    "compare_models",
    "held_out",
    "read_confident",
    "read_corrected",
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
) -> RetrainResult:
    """Train a candidate from every correction so far, compare it with ``base``, register it.

    ``base`` is the active model: the candidate keeps its taxonomy and encoder. Confidently
    called unreviewed articles join the training data (see the module's docstring). Raises
    :class:`TrainingError` when the corrections cannot train a model (none yet, one section).
    """
    from newsdesk.classify.dataset import LabeledArticles
    from newsdesk.classify.training import TrainingOptions, train_classifier

    say = progress or (lambda share, message: log.info("%s", message))
    version = version or new_version()
    taxonomy = base.classifier.taxonomy
    say(0.02, "reading corrections")
    data = read_corrected(store, taxonomy.names)
    if not len(data):
        raise TrainingError(
            "no reviewed articles yet: confirm or correct some calls on the review desk, "
            "then retrain"
        )
    training, held = data.split()
    if not len(training):
        training, held = data, CorrectedArticles([], [])
    say(0.05, "reading confidently called articles")
    reviewed = {article.id for article in data.articles}
    anchors = read_confident(
        store, taxonomy.names, per_section=confident_per_section, min_confidence=confident_min
    )
    keep = [i for i, article in enumerate(anchors.articles) if article.id not in reviewed]
    anchors = CorrectedArticles(
        [anchors.articles[i] for i in keep], [anchors.labels[i] for i in keep]
    )
    with store.write() as conn:
        registry.register_model(
            conn,
            version,
            kind="retrained",
            status="training",
            created_by=by,
            training={
                "articles": len(training),
                "held_out": len(held),
                "confident": len(anchors),
                "per_section": training.sections(),
                "base_version": base.version,
            },
        )
    try:
        say(
            0.1,
            f"training on {len(training)} reviewed articles ({len(held)} held out) and "
            f"{len(anchors)} confidently called ones",
        )
        steps = iter((0.25, 0.45, 0.6, 0.7, 0.75))
        trained = train_classifier(
            taxonomy,
            base.classifier.encoder,
            LabeledArticles(
                training.articles + anchors.articles,
                training.labels + anchors.labels,
                sources=["review desk: reviewed", "review desk: confident calls"],
            ),
            options=TrainingOptions(multi_label=taxonomy.multi_label),
            progress=lambda message: say(next(steps, 0.78), message),
        )
        say(0.8, f"comparing with {base.version} on {len(held)} held-out corrected articles")
        comparison = compare_models(trained.classifier, base.classifier, held)
        comparison["active_version"] = base.version
        say(0.92, "saving the model")
        path = Path(models_dir) / version
        metrics = {"held_out": comparison["candidate"], "training": trained.metrics}
        trained.classifier.save(
            path,
            hyperparameters=trained.hyperparameters,
            training=trained.data | {"held_out_articles": len(held)},
            metrics=metrics,
        )
        with store.write() as conn:
            registry.update_model(
                conn,
                version,
                status="ready",
                path=str(path.resolve()),
                metrics=metrics,
                comparison=comparison,
            )
    except Exception as exc:
        with store.write() as conn:
            registry.update_model(conn, version, status="failed", error=str(exc))
        raise
    say(1.0, f"model {version} is ready to compare and activate")
    return RetrainResult(version, path, metrics, comparison)
