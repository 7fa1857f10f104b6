"""A simulated newsroom on a real store: filing, an oracle editor's corrections, retrains.

Everything goes through the functions the desk and the ingest call: ``insert_filed`` files,
``add_correction`` records what the editor decided (as the desk's decision route does),
``lifecycle.retrain.retrain`` trains the candidate (with the desk's confident-call anchors, and
with ``adapt`` self-trained on the stored articles as ``retrain --adapt`` does) and the
candidate is activated as an editor would after comparing it.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import select

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.classify.training import TrainingOptions, train_classifier
from newsdesk.defaults import RETRAIN_CONFIDENT_MIN, RETRAIN_CONFIDENT_PER_SECTION
from newsdesk.encoders.base import Encoder
from newsdesk.errors import TrainingError
from newsdesk.lifecycle.active import register_start
from newsdesk.lifecycle.loading import model_version
from newsdesk.lifecycle.queue_order import rerank_queue
from newsdesk.lifecycle.retrain import read_training_data, retrain
from newsdesk.lifecycle.slot import ServedModel, load_saved
from newsdesk.lifecycle.store_adapt import adapt_to_store
from newsdesk.store import registry
from newsdesk.store.articles import FiledArticle, add_correction, insert_filed
from newsdesk.store.engine import Store
from newsdesk.store.migrate import upgrade
from newsdesk.store.tables import articles as articles_table
from newsdesk.taxonomy import Taxonomy

log = logging.getLogger(__name__)

EDITOR = "oracle"
# The desk's trainer with fewer candidates on fewer folds: the full grid costs about a minute
# a retrain on two cores, too slow for the thousands of retrains of a whole run.
FAST_OPTIONS = TrainingOptions(
    C_grid=(0.0, 0.003, 0.03, 0.3), lexical_weights=(16.0,), prior_optional=False, folds=3
)


def filed_store(
    folder: Path, taxonomy: Taxonomy, encoder: Encoder, items: list[Article], *,
    adapted: bool = False,
) -> tuple[Path, ServedModel]:  # fmt: skip
    """A SQLite store under ``folder`` with every article filed, in order: zero-shot, or
    (``adapted``) by the zero-shot classifier adapted to those articles (``--adapt``)."""
    path = folder / "template.db"
    store = Store(f"sqlite:///{path}")
    upgrade(store)
    classifier = Classifier.zero_shot(taxonomy, encoder)
    if adapted:
        classifier = classifier.adapt(items)
        log.warning("%s", classifier.adaptation.summary() if classifier.adaptation else "")
    base = ServedModel(classifier, model_version(classifier))
    with store.write() as conn:
        register_start(conn, base.version, None, note="editor loop", take_over=True)
    predictions = list(classifier.classify_many(items, batch_size=256))
    for start in range(0, len(items), 500):
        with store.write() as conn:
            insert_filed(
                conn,
                [
                    FiledArticle(a, p, base.version)
                    for a, p in zip(
                        items[start : start + 500], predictions[start : start + 500], strict=True
                    )
                ],
            )
    store.dispose()
    return path, base


@dataclass
class Newsroom:
    """One run of the loop: a copy of the filed store, the active model, what was reviewed."""

    template: Path
    base: ServedModel
    items: list[Article]
    gold: list[str]
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="editor-loop-")))
    reviewed: set[int] = field(default_factory=set)
    retrain_seconds: list[float] = field(default_factory=list)
    failed_retrains: int = 0
    trainer: str = "desk"
    rerank: bool = False  # re-rank the store's queue after each activation, as the desk does
    adapt: bool = False  # retrains adapt to the stored articles (``retrain --adapt``)

    def __post_init__(self) -> None:
        shutil.copy(self.template, self.folder / "desk.db")
        self.store = Store(f"sqlite:///{self.folder / 'desk.db'}")
        self.index = {a.id: i for i, a in enumerate(self.items)}
        with self.store.read() as conn:
            rows = conn.execute(select(articles_table.c.id, articles_table.c.section))
            self.calls = {self.index[r.id]: r.section for r in rows}

    def close(self) -> None:
        self.store.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    def correct(self, picked: list[int]) -> int:
        """The oracle confirms or corrects ``picked``; how many calls it changed."""
        changed = 0
        with self.store.write() as conn:
            for i in picked:
                call, truth = self.calls[i], self.gold[i]
                note = "confirmed" if call == truth else None
                add_correction(conn, self.items[i].id or "", [truth], editor=EDITOR, note=note)
                changed += call != truth
        self.reviewed.update(picked)
        return changed

    def retrain(self) -> None:
        """Retrain and activate the candidate (the editor trusts it)."""
        started = time.perf_counter()
        try:
            if self.trainer == "fast":
                self._fast_retrain()
                self.retrain_seconds.append(time.perf_counter() - started)
                self._rerank()
                return
            outcome = retrain(
                self.store,
                self.base,
                self.folder / "models",
                by=EDITOR,
                confident_per_section=RETRAIN_CONFIDENT_PER_SECTION,
                confident_min=RETRAIN_CONFIDENT_MIN,
                adapt=self.adapt,
            )
        except TrainingError as exc:  # the desk shows the error and keeps its model
            log.warning("retrain failed: %s", exc)
            self.failed_retrains += 1
            return
        self.base = load_saved(outcome.version, str(outcome.path), self.base.classifier.encoder)
        with self.store.write() as conn:
            registry.activate_model(conn, outcome.version, by=EDITOR, note="editor loop")
        self.retrain_seconds.append(time.perf_counter() - started)
        self._rerank()

    def _rerank(self) -> None:
        if self.rerank:
            rerank_queue(self.store, self.base, window=None)

    def waiting(self) -> list[int]:
        """Positions of the articles nobody reviewed."""
        return [i for i in range(len(self.items)) if i not in self.reviewed]

    def probabilities(self, positions: list[int]) -> np.ndarray:
        """The active model's probabilities (taxonomy order) for ``positions``."""
        return self.base.classifier.predict_proba([self.items[i] for i in positions])

    def accuracy(self, positions: list[int], probs: np.ndarray) -> float:
        names = self.base.classifier.taxonomy.names
        calls = [names[j] for j in probs.argmax(axis=1)]
        return float(np.mean([c == self.gold[i] for c, i in zip(calls, positions, strict=True)]))

    def _fast_retrain(self) -> None:
        """``retrain``'s training data (reviewed articles less the held-out fifth, and the
        confident calls) through the same trainer, with a smaller hyper-parameter grid."""
        taxonomy = self.base.classifier.taxonomy
        data = read_training_data(
            self.store,
            taxonomy.names,
            confident_per_section=RETRAIN_CONFIDENT_PER_SECTION,
            confident_min=RETRAIN_CONFIDENT_MIN,
        )
        training, held = data.training, data.held
        encoder = self.base.classifier.encoder
        trained = train_classifier(taxonomy, encoder, data.labeled(), options=FAST_OPTIONS)
        classifier = trained.classifier
        if self.adapt:  # as retrain(adapt=True) does after training
            classifier, _ = adapt_to_store(
                classifier, self.store, (training.articles, training.labels), encoder,
                calibrate_on=(held.articles, held.labels),
            )  # fmt: skip
        self.base = ServedModel(classifier, f"fast-{len(self.reviewed)}")
