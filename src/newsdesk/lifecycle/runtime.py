"""One serving process's model lifecycle: the active model, its background jobs, the watchers.

Built by the service's app factory; the review desk reaches it through the app. The service's
lifespan calls :meth:`ModelLifecycle.attach` once its model is loaded, then ``start`` and, at
the end, ``stop``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from newsdesk.lifecycle.active import ActiveModel
from newsdesk.lifecycle.jobs import JobRunner, RetrainOptions
from newsdesk.lifecycle.slot import ModelSlot
from newsdesk.lifecycle.watcher import RegistryWatcher
from newsdesk.store.engine import Store

__all__ = ["LifecycleOptions", "ModelLifecycle"]


@dataclass(frozen=True)
class LifecycleOptions:
    """How retrains run, and how often a serving process looks for a model activated
    elsewhere and, with ``retrain.every`` set, whether a background retrain is due
    (``model_check_s``; 0 turns both off)."""

    retrain: RetrainOptions = field(default_factory=RetrainOptions)
    model_check_s: float = 5.0


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

    def _retrain_if_due(self) -> None:
        self.jobs.retrain_if_due()

    def attach(self, slot: ModelSlot, *, initial_path: Path | None) -> None:
        """Register the starting model, end jobs a restart interrupted, serve the active one."""
        self.active.attach(slot, initial_path=initial_path)
        self.jobs.end_interrupted()

    async def start(self) -> None:
        await self.watcher.start()
        await self.retrainer.start()

    async def stop(self) -> None:
        await self.retrainer.stop()
        await self.watcher.stop()
        self.jobs.shutdown()
