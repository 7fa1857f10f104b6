from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterable, Iterator

import httpx
import pytest

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.classify.result import Prediction
from newsdesk.service import create_app
from newsdesk.service.batching import ClassifyQueue, Overloaded
from service.conftest import Keys, settings_for


class GatedClassifier(Classifier):
    """The lexical classifier, held at a gate so tests can fill the queue behind it."""

    def __init__(self, inner: Classifier) -> None:
        super().__init__(inner.taxonomy, inner.encoder, inner.head)
        self.gate = threading.Event()
        self.entered = threading.Event()
        self.calls: list[int] = []

    def classify_many(
        self, articles: Iterable[Article | str], batch_size: int = 32
    ) -> Iterator[Prediction]:
        batch = list(articles)
        self.calls.append(len(batch))
        self.entered.set()
        assert self.gate.wait(30), "the test never opened the gate"
        return super().classify_many(batch, batch_size)


def articles(n: int, prefix: str = "t") -> list[Article]:
    return [Article(text=f"story {prefix}{i}", id=f"{prefix}{i}") for i in range(n)]


async def wait_for(event: threading.Event) -> None:
    """Until ``event`` is set (set by the queue's worker thread); fails after 30 s."""
    assert await asyncio.to_thread(event.wait, 30), "timed out"


async def until_pending(queue: ClassifyQueue, count: int) -> None:
    """Let the other tasks run (no clock involved) until ``count`` articles are queued."""
    for _ in range(1000):
        if queue.pending == count:
            return
        await asyncio.sleep(0)  # a yield to the event loop, not a wait
    raise AssertionError(f"{queue.pending} articles queued, expected {count}")


def test_waiting_requests_are_classified_together(classifier: Classifier) -> None:
    gated = GatedClassifier(classifier)

    async def scenario() -> list[list[Prediction]]:
        queue = ClassifyQueue(gated, batch_size=32, max_pending=100)
        await queue.start()
        first = asyncio.create_task(queue.classify(articles(1, "first")))
        await wait_for(gated.entered)  # the worker is busy with the first request
        rest = [asyncio.create_task(queue.classify(articles(1, f"r{i}-"))) for i in range(5)]
        await until_pending(queue, 6)
        gated.gate.set()
        results = await asyncio.gather(first, *rest)
        await queue.stop()
        return results

    results = asyncio.run(scenario())
    assert gated.calls == [1, 5]  # the five waiting requests went through as one batch
    assert [r[0].id for r in results] == ["first0"] + [f"r{i}-0" for i in range(5)]


def test_a_full_queue_raises_overloaded_at_once(classifier: Classifier) -> None:
    gated = GatedClassifier(classifier)

    async def scenario() -> Overloaded:
        queue = ClassifyQueue(gated, batch_size=4, max_pending=6)
        await queue.start()
        busy = asyncio.create_task(queue.classify(articles(4, "a")))
        await wait_for(gated.entered)
        waiting = asyncio.create_task(queue.classify(articles(2, "b")))
        await until_pending(queue, 6)
        with pytest.raises(Overloaded) as refused:
            await queue.classify(articles(1, "c"))
        assert queue.pending == 6
        gated.gate.set()
        await asyncio.gather(busy, waiting)
        assert queue.pending == 0
        assert len(await queue.classify(articles(3, "d"))) == 3  # room again
        await queue.stop()
        return refused.value

    refused = asyncio.run(scenario())
    assert (refused.pending, refused.limit) == (6, 6)


def test_a_failing_classifier_fails_only_its_batch(classifier: Classifier) -> None:
    class Broken(Classifier):
        def classify_many(self, articles, batch_size=32):  # type: ignore[no-untyped-def]
            raise RuntimeError("encoder crashed")

    async def scenario() -> None:
        queue = ClassifyQueue(Broken(classifier.taxonomy, classifier.encoder, classifier.head))
        await queue.start()
        with pytest.raises(RuntimeError, match="encoder crashed"):
            await queue.classify(articles(2))
        assert queue.pending == 0
        await queue.stop()

    asyncio.run(scenario())


def test_overload_is_503_with_retry_after(
    database_url: str, classifier: Classifier, keys: Keys
) -> None:
    gated = GatedClassifier(classifier)
    settings = settings_for(database_url, max_batch=4, max_pending=4, retry_after_s=3)
    app = create_app(settings, classifier=gated)

    async def scenario() -> tuple[list[int], httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://test") as client,
        ):
            editor = keys.header("editor")
            batch = {"articles": [{"text": f"story {i}", "id": f"o{i}"} for i in range(4)]}
            busy = asyncio.create_task(client.post("/v1/articles", json=batch, headers=editor))
            await wait_for(gated.entered)
            refused = await client.post("/v1/articles", json={"text": "one more"}, headers=editor)
            classify_refused = await client.post(
                "/v1/classify", json={"text": "and another"}, headers=keys.header("reader")
            )
            gated.gate.set()
            done = await busy
            metrics = await client.get("/metrics")
            assert "newsdesk_overload_rejections_total 2.0" in metrics.text
            return [done.status_code, classify_refused.status_code], refused

    statuses, refused = asyncio.run(scenario())
    assert statuses == [201, 503]
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == "3"
    assert "the classifier is busy (4 articles are waiting" in refused.json()["message"]
