"""A bounded queue in front of the classifier, with opportunistic micro-batching.

Classification is CPU-bound and releases the GIL (onnxruntime, numpy), so it runs on a few
dedicated threads rather than on the event loop. Requests queue their articles; a worker takes
everything waiting (up to ``batch_size`` articles) and encodes it as one batch, so 20 clients
posting one article each cost a few batched encoder calls rather than 20 single ones. Nothing
waits for a batch to fill: a lone request is classified at once.

The queue is bounded in articles (``max_pending``, counting those being classified): past it,
:meth:`ClassifyQueue.classify` raises :class:`Overloaded` at once, which the service answers
with 503 and ``Retry-After`` instead of letting latency grow without bound.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.classify.result import Prediction
from newsdesk.lifecycle.slot import ModelSlot, ServedModel

__all__ = ["ClassifyQueue", "Overloaded"]

log = logging.getLogger(__name__)


class Overloaded(Exception):
    """The queue is full; retry later."""

    def __init__(self, pending: int, limit: int) -> None:
        super().__init__(f"{pending} articles are waiting for classification (limit {limit})")
        self.pending = pending
        self.limit = limit


@dataclass
class _Job:
    articles: Sequence[Article]
    future: asyncio.Future[tuple[list[Prediction], str]]


class ClassifyQueue:
    """Runs ``classifier`` on worker threads for concurrent callers, batching their articles.

    ``classifier`` is a fixed classifier, or a :class:`ModelSlot` whose model may be swapped
    while the queue runs: each batch is classified by one model from start to end.
    """

    def __init__(
        self,
        classifier: Classifier | ModelSlot,
        *,
        batch_size: int = 32,
        max_pending: int = 256,
        workers: int = 1,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self.slot = (
            classifier
            if isinstance(classifier, ModelSlot)
            else ModelSlot(ServedModel(classifier, ""))
        )
        self.batch_size = batch_size
        self.max_pending = max_pending
        self.workers = workers
        self.pending = 0
        self._on_batch = on_batch
        self._queue: asyncio.Queue[_Job] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._executor: ThreadPoolExecutor | None = None

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="newsdesk-classify")
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self.workers)]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)

    @property
    def classifier(self) -> Classifier:
        """The classifier new batches are given to."""
        return self.slot.current.classifier

    async def classify(self, articles: Sequence[Article]) -> list[Prediction]:
        """Predictions for ``articles``, in order; :class:`Overloaded` when the queue is full."""
        predictions, _ = await self.classify_versioned(articles)
        return predictions

    async def classify_versioned(self, articles: Sequence[Article]) -> tuple[list[Prediction], str]:
        """Predictions and the version of the model that made them (one model a batch)."""
        if self._queue is None:
            raise RuntimeError("ClassifyQueue.start() was not called")
        if not articles:
            return [], self.slot.current.version
        if self.pending + len(articles) > self.max_pending:
            raise Overloaded(self.pending, self.max_pending)
        self.pending += len(articles)
        job = _Job(articles, asyncio.get_running_loop().create_future())
        self._queue.put_nowait(job)
        try:
            return await job.future
        finally:
            self.pending -= len(articles)

    async def _work(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            jobs = [await self._queue.get()]
            size = len(jobs[0].articles)
            while size < self.batch_size and not self._queue.empty():
                job = self._queue.get_nowait()
                jobs.append(job)
                size += len(job.articles)
            jobs = [job for job in jobs if not job.future.done()]  # callers that gave up
            if not jobs:
                continue
            batch = [article for job in jobs for article in job.articles]
            model = self.slot.current  # one model for the whole batch, even across a swap
            try:
                predictions = await loop.run_in_executor(
                    self._executor, self._predict, model.classifier, batch
                )
            except Exception as exc:
                log.exception("classification of %d articles failed", len(batch))
                for job in jobs:
                    if not job.future.done():
                        job.future.set_exception(exc)
                continue
            start = 0
            for job in jobs:
                end = start + len(job.articles)
                if not job.future.done():
                    job.future.set_result((predictions[start:end], model.version))
                start = end

    def _predict(self, classifier: Classifier, batch: list[Article]) -> list[Prediction]:
        if self._on_batch is not None:
            self._on_batch(len(batch))
        return list(classifier.classify_many(batch, batch_size=self.batch_size))
