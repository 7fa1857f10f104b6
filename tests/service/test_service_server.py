"""Against a real server: SIGKILL in the middle of batch submissions, restart, resubmit."""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path

import httpx
import pytest

from service.conftest import make_keys
from service_process import ServiceProcess

pytestmark = pytest.mark.timeout(600)

BATCHES = 6
BATCH_SIZE = 40


def batch(number: int) -> dict[str, list[dict[str, str]]]:
    # Long texts keep the (model-free) classifier busy long enough to kill it mid-way.
    filler = " ".join(f"word{j} market election match concert" for j in range(300))
    return {
        "articles": [
            {
                "id": f"b{number}-{i}",
                "title": f"Story {number}-{i}",
                "text": f"{filler} {number} {i}",
            }
            for i in range(BATCH_SIZE)
        ]
    }


def test_sigkill_mid_batch_then_resubmit_stores_each_article_once(
    database_url: str, tmp_path: Path
) -> None:
    keys = make_keys(database_url)
    headers = keys.header("editor")
    server = ServiceProcess(database_url, tmp_path / "server.log", {"NEWSDESK_ENCODER": "lexical"})
    server.start(timeout=120)
    try:
        stored = threading.Event()  # a batch was stored and answered

        def send(number: int) -> None:
            with contextlib.suppress(httpx.TransportError):  # killed under this request
                response = httpx.post(
                    f"{server.url}/v1/articles", json=batch(number), headers=headers, timeout=120
                )
                if response.is_success:
                    stored.set()

        senders = [threading.Thread(target=send, args=(n,)) for n in range(BATCHES)]
        for sender in senders:
            sender.start()
        assert stored.wait(120), "no batch was stored"
        server.kill()
        for sender in senders:
            sender.join(60)
        before_restart = server.stored_articles()
        assert 0 < before_restart < BATCHES * BATCH_SIZE, "the kill did not land mid-way"
        assert before_restart % BATCH_SIZE == 0  # batches are all or nothing

        server.start(timeout=120)
        created = 0
        with httpx.Client(base_url=server.url, headers=headers, timeout=120) as client:
            for number in range(BATCHES):
                response = client.post("/v1/articles", json=batch(number))
                assert response.status_code in (200, 201), response.text
                body = response.json()
                assert body["created"] + body["existing"] == BATCH_SIZE
                created += body["created"]
            export = client.get("/v1/export", headers=keys.header("reader")).text.splitlines()
        ids = [json.loads(line)["id"] for line in export]
        assert created == BATCHES * BATCH_SIZE - before_restart  # none lost
        assert len(ids) == len(set(ids)) == BATCHES * BATCH_SIZE  # none duplicated
        assert set(ids) == {f"b{n}-{i}" for n in range(BATCHES) for i in range(BATCH_SIZE)}
    finally:
        server.stop()
