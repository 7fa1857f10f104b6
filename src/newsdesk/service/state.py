"""What the app holds while it runs: settings, store, classifier, queue, metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from fastapi import Request

from newsdesk.classify.classifier import Classifier
from newsdesk.lifecycle.slot import ModelSlot
from newsdesk.service.key_cache import KeyCache
from newsdesk.service.metrics import ServiceMetrics
from newsdesk.service.settings import Settings
from newsdesk.store.engine import Store

if TYPE_CHECKING:
    from newsdesk.service.batching import ClassifyQueue

__all__ = ["ServiceState", "get_state"]


@dataclass
class ServiceState:
    """Built by :func:`newsdesk.service.create_app`; filled in by its lifespan.

    The model is held in ``slot`` (the review desk swaps it while the service runs):
    ``classifier`` and ``model_version`` read the model served now.
    """

    settings: Settings
    metrics: ServiceMetrics
    keys: KeyCache
    store: Store
    slot: ModelSlot | None = None
    queue: ClassifyQueue | None = None
    ready: bool = False

    @property
    def classifier(self) -> Classifier | None:
        return self.slot.current.classifier if self.slot is not None else None

    @property
    def model_version(self) -> str:
        return self.slot.current.version if self.slot is not None else ""

    def running_queue(self) -> ClassifyQueue:
        if self.queue is None or self.classifier is None:
            raise RuntimeError("the classifier is not loaded yet")
        return self.queue


def get_state(request: Request) -> ServiceState:
    """The running app's state (a FastAPI dependency)."""
    state: ServiceState = request.app.state.newsdesk
    return state
