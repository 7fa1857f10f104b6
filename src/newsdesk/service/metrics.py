"""Prometheus metrics: requests and latencies by route, articles filed, the model in use."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from newsdesk.lifecycle.slot import ServedModel

__all__ = ["MetricsMiddleware", "ServiceMetrics"]

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ServiceMetrics:
    """One app's metrics, in a registry of its own (so several apps can live in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "newsdesk_http_requests",
            "HTTP requests answered.",
            ["method", "route", "status"],
            registry=r,
        )
        self.latency = Histogram(
            "newsdesk_http_request_duration_seconds",
            "Time to answer a request.",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.filed = Counter(
            "newsdesk_articles_filed",
            "Articles stored, by the section newsdesk filed them in.",
            ["section"],
            registry=r,
        )
        self.classified = Counter(
            "newsdesk_articles_classified", "Articles run through the classifier.", registry=r
        )
        self.batch_size = Histogram(
            "newsdesk_classify_batch_articles",
            "Articles per classifier call (micro-batches).",
            buckets=(1, 2, 4, 8, 16, 32, 64, 128),
            registry=r,
        )
        self.rejected = Counter(
            "newsdesk_overload_rejections",
            "Requests answered 503 because the queue was full.",
            registry=r,
        )
        self.queue = Gauge(
            "newsdesk_classify_queue_articles",
            "Articles waiting for or in classification.",
            registry=r,
        )
        self.model = Gauge(
            "newsdesk_model_info", "The model being served (value is always 1).",
            ["model_version", "encoder", "taxonomy"], registry=r,
        )  # fmt: skip

    def serving(self, model: ServedModel) -> None:
        """Point ``newsdesk_model_info`` at the model served now (after a start or a swap)."""
        self.model.clear()
        classifier = model.classifier
        self.model.labels(model.version, classifier.encoder.name, classifier.taxonomy.name).set(1)

    def on_batch(self, size: int) -> None:
        self.batch_size.observe(size)
        self.classified.inc(size)


class MetricsMiddleware:
    """Counts and times every HTTP request under its route template (``/v1/articles/{id}``)."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            route = scope.get("route")
            # The template without converters: /v1/articles/{article_id}, not the request path.
            path = getattr(route, "path_format", None) or "unmatched"
            method = scope["method"]
            self.metrics.requests.labels(method, path, str(status)).inc()
            self.metrics.latency.labels(method, path).observe(time.perf_counter() - start)
