"""One serving process's model lifecycle: the active model, its background jobs, the watchers.

Built by the service's app factory; the review desk reaches it through the app. The service's
lifespan calls :meth:`ModelLifecycle.attach` once its model is loaded, then ``start`` and, at
the end, ``stop``.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from newsdesk.lifecycle.active import ActiveModel
from newsdesk.lifecycle.jobs import JobRunner, RetrainOptions
from newsdesk.lifecycle.queue_order import rerank_queue
from newsdesk.lifecycle.slot import ModelSlot, ServedModel
from newsdesk.lifecycle.watcher import RegistryWatcher
from newsdesk.store.engine import Store

__all__ = ["LifecycleOptions", "ModelLifecycle"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LifecycleOptions:
    """How retrains run, and how often a serving process looks for a model activated
    elsewhere and, with ``retrain.every`` set, whether a background retrain is due
    (``model_check_s``; 0 turns both off). A model that starts serving re-ranks the first
    ``rerank_window`` articles of the review queue (``None``: all; 0: none)."""

    retrain: RetrainOptions = field(default_factory=RetrainOptions)
    model_check_s: float = 5.0
    rerank_window: int | None = 5000


class ModelLifecycle:
    """The active model (``active``), the job runner (``jobs``), the registry watcher and
    the background retrainer (a watcher that checks whether a retrain is due)."""

    def __init__(self, store: Store, options: LifecycleOptions | None = None) -> None:
        options = options or LifecycleOptions()
        self.store = store
        self.active = ActiveModel(store)
        self.jobs = JobRunner(store, self.active, options.retrain)
        self.watcher = RegistryWatcher(self.active.sync_active, options.model_check_s)
        self.retrainer = RegistryWatcher(
            self._retrain_if_due,
            options.model_check_s if options.retrain.every > 0 else 0,
            "checking whether a background retrain is due",
        )
        self.rerank_window = options.rerank_window
        # one re-ranking at a time, beside the jobs (it only reads articles and writes ranks)
        self._reranker = ThreadPoolExecutor(1, thread_name_prefix="newsdesk-rerank")

    def _retrain_if_due(self) -> None:
        self.jobs.retrain_if_due()

    def attach(self, slot: ModelSlot, *, initial_path: Path | None) -> None:
        """Register the starting model, end jobs a restart interrupted, serve the active one.

        From then on every model swapped in re-ranks the review queue in the background.
        """
        self.active.attach(slot, initial_path=initial_path)
        self.jobs.end_interrupted()
        if self.rerank_window != 0:
            slot.on_swap(self._queue_rerank)

    def _queue_rerank(self, model: ServedModel) -> None:
        self._reranker.submit(self._rerank, model)

    def _rerank(self, model: ServedModel) -> None:
        try:
            rerank_queue(self.store, model, window=self.rerank_window)
        except Exception:  # the queue keeps its order; the next swap tries again
            log.exception("re-ranking the review queue with %s failed", model.version)

    async def start(self) -> None:
        await self.watcher.start()
        await self.retrainer.start()

    async def stop(self) -> None:
        await self.retrainer.stop()
        await self.watcher.stop()
        self.jobs.shutdown()
        self._reranker.shutdown(wait=False, cancel_futures=True)
