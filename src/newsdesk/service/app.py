"""The app factory: ``create_app(settings)`` builds the FastAPI app with one router a resource.

The HTTP API alone; :func:`newsdesk.server.create_app` adds the review desk.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from newsdesk import __version__
from newsdesk.classify.classifier import Classifier
from newsdesk.lifecycle.active import starting_version
from newsdesk.lifecycle.loading import load_classifier, warm_up
from newsdesk.lifecycle.runtime import LifecycleOptions, ModelLifecycle
from newsdesk.lifecycle.slot import ModelSlot, ServedModel
from newsdesk.service.auth import KeyCache
from newsdesk.service.batching import ClassifyQueue
from newsdesk.service.contract import install_contract
from newsdesk.service.errors import ErrorBody, install_error_handlers
from newsdesk.service.limits import BodyLimitMiddleware
from newsdesk.service.metrics import MetricsMiddleware, ServiceMetrics
from newsdesk.service.nul_guard import RefuseNulMiddleware
from newsdesk.service.routers import (
    articles,
    classify,
    corrections,
    export,
    health,
    keys,
    queue,
    stats,
    taxonomy,
)
from newsdesk.service.settings import Settings
from newsdesk.service.state import ServiceState
from newsdesk.store.engine import Store
from newsdesk.store.migrate import check_schema

__all__ = ["create_app"]

log = logging.getLogger(__name__)

_DESCRIPTION = """\
Files news articles into an outlet's sections and keeps them, with editors' corrections.

Every route but `/healthz`, `/readyz` and `/metrics` needs an API key
(`Authorization: Bearer <key>` or `X-API-Key: <key>`): `reader` keys read, `editor` keys also
submit and correct, `admin` keys also manage keys. Errors are JSON:
`{"status", "message", "errors": [{"field", "message", "limit"}]}`.
"""


# the error answers every route may give, for the OpenAPI schema
_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {
        "model": ErrorBody,
        "description": "Malformed request: a body that is not UTF-8 text (or nests too "
        "deeply to be read), an invalid page cursor, a NUL character in the path, query or "
        "form, or a query value that is not UTF-8.",
    },
    401: {"model": ErrorBody, "description": "Missing, invalid or revoked API key."},
    403: {"model": ErrorBody, "description": "The key's role does not allow this."},
    422: {"model": ErrorBody, "description": "Invalid request; `errors` names fields."},
}


def _lifespan(
    state: ServiceState, models: ModelLifecycle, classifier: Classifier | None, *, own_store: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The app's start and stop: the schema checked, the model loaded and warmed, the queue
    and the model's lifecycle started; all stopped (and ``own_store`` closed) at the end."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings, metrics = state.settings, state.metrics
        await run_in_threadpool(check_schema, state.store)
        served: Classifier = (
            classifier
            if classifier is not None
            else await run_in_threadpool(load_classifier, settings)
        )
        await run_in_threadpool(warm_up, served)
        version = await run_in_threadpool(starting_version, state.store, served, settings.model)
        state.slot = ModelSlot(ServedModel(served, version))
        state.slot.on_swap(metrics.serving)
        metrics.serving(state.slot.current)
        state.queue = ClassifyQueue(
            state.slot,
            batch_size=settings.classify_batch_size,
            max_pending=settings.max_pending,
            workers=settings.classify_workers,
            on_batch=metrics.on_batch,
        )
        metrics.queue.set_function(lambda: state.queue.pending if state.queue else 0)
        await state.queue.start()
        # Registers this model, or swaps in the one editors activated.
        await run_in_threadpool(models.attach, state.slot, initial_path=settings.model)
        await models.start()
        state.ready = True
        log.info("newsdesk service ready: model %s, store %r", state.model_version, state.store)
        try:
            yield
        finally:
            state.ready = False
            await models.stop()
            await state.queue.stop()
            if own_store:
                state.store.dispose()

    return lifespan


def create_app(
    settings: Settings | None = None,
    *,
    classifier: Classifier | None = None,
    store: Store | None = None,
    lifecycle: LifecycleOptions | None = None,
) -> FastAPI:
    """Build the service. ``classifier`` and ``store`` replace the ones ``settings`` name.

    The model's lifecycle (registration, activations, retrain jobs, the registry watcher) is
    configured by ``lifecycle``; it is ``app.state.lifecycle``.

    The store's schema is checked and the model loaded when the app starts (its lifespan),
    once; a database on an old schema stops the start with a message to run
    ``newsdesk db upgrade``.
    """
    settings = settings or Settings()
    metrics = ServiceMetrics()
    state = ServiceState(
        settings=settings,
        metrics=metrics,
        keys=KeyCache(settings.key_cache_s),
        store=store or settings.open_store(),
    )
    models = ModelLifecycle(state.store, lifecycle)

    app = FastAPI(
        title="newsdesk",
        version=__version__,
        description=_DESCRIPTION,
        lifespan=_lifespan(state, models, classifier, own_store=store is None),
        responses=_ERROR_RESPONSES,
    )
    app.state.newsdesk = state
    app.state.lifecycle = models
    install_error_handlers(app)
    for router in (
        classify.router,
        articles.router,
        corrections.router,
        queue.router,
        taxonomy.router,
        stats.router,
        export.router,
        keys.router,
        health.router,
    ):
        app.include_router(router)
    install_contract(app, state)
    # Added last = outermost: metrics see every answer, the 413s of the body limit included.
    app.add_middleware(RefuseNulMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    if settings.trusted_proxies.strip():
        # Outermost of all: every part of the app sees the client the proxy names.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)
    return app
