"""What the app holds while it runs: settings, store, classifier, queue, metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import Request

from newsdesk.classify.classifier import Classifier
from newsdesk.service.metrics import ServiceMetrics
from newsdesk.service.settings import Settings
from newsdesk.store.engine import Store

if TYPE_CHECKING:
    from newsdesk.service.auth import KeyCache
    from newsdesk.service.batching import ClassifyQueue

__all__ = ["ServiceState", "get_state"]


@dataclass
class ServiceState:
    """Built by :func:`newsdesk.service.create_app`; filled in by its lifespan."""

    settings: Settings
    metrics: ServiceMetrics
    keys: KeyCache
    store: Store
    classifier: Classifier | None = None
    queue: ClassifyQueue | None = None
    model_version: str = ""
    ready: bool = False
    problems: list[str] = field(default_factory=list)

    def running_queue(self) -> ClassifyQueue:
        if self.queue is None or self.classifier is None:
            raise RuntimeError("the classifier is not loaded yet")
        return self.queue


def get_state(request: Request) -> ServiceState:
    """The running app's state (a FastAPI dependency)."""
    state: ServiceState = request.app.state.newsdesk
    return state
