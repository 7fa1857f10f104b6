"""The composition root: the HTTP API with the review desk mounted on it.

``newsdesk serve`` runs what :func:`create_app` builds. The service and the desk do not import
each other: both reach the model's lifecycle (``newsdesk.lifecycle``), and this module, above
both, wires them together.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from newsdesk.classify.classifier import Classifier
from newsdesk.lifecycle.jobs import RetrainOptions
from newsdesk.lifecycle.runtime import LifecycleOptions
from newsdesk.service import Settings
from newsdesk.service import create_app as create_service
from newsdesk.store.engine import Store
from newsdesk.ui import DeskSettings, mount_desk

__all__ = ["DeskSettings", "Settings", "create_app", "lifecycle_options"]


def lifecycle_options(desk: DeskSettings) -> LifecycleOptions:
    """The lifecycle's options, from the desk's settings (``NEWSDESK_*`` variables)."""
    return LifecycleOptions(
        retrain=RetrainOptions(
            models_dir=desk.models_dir,
            confident_per_section=desk.retrain_confident_per_section,
            confident_min=desk.retrain_confident_min,
            every=desk.retrain_every,
            activate_margin=desk.retrain_activate_margin,
            adapt=desk.retrain_adapt,
        ),
        model_check_s=desk.model_check_s,
        rerank_window=desk.rerank_window,
    )


def create_app(
    settings: Settings | None = None,
    *,
    classifier: Classifier | None = None,
    store: Store | None = None,
    desk: DeskSettings | None = None,
) -> FastAPI:
    """The service (see :func:`newsdesk.service.create_app`) with the review desk's pages,
    the public sections and feeds, configured by ``desk`` (default: ``NEWSDESK_*``)."""
    desk = desk or DeskSettings()
    app = create_service(
        settings, classifier=classifier, store=store, lifecycle=lifecycle_options(desk)
    )
    review_desk = mount_desk(app, app.state.newsdesk.store, desk, app.state.lifecycle)
    service_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_lifespan(app):
            # the session key is made now, at start-up, rather than by the first visitor
            await run_in_threadpool(lambda: review_desk.signer)
            yield

    app.router.lifespan_context = lifespan
    return app
