"""Every route and every error status against a real ``newsdesk serve`` on a loopback port.

The TestClient tests check the details; these check that the same answers come over a socket
from the served process (uvicorn, the body limit on real chunks, headers, streaming export).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from openapi_spec_validator import validate

from newsdesk.store import Store, migrate
from service.conftest import Keys, make_keys
from service_process import ServiceProcess

pytestmark = pytest.mark.timeout(300)

SERVER_ENV = {
    "NEWSDESK_ENCODER": "lexical",
    "NEWSDESK_MAX_BODY_BYTES": "20000",
    "NEWSDESK_MAX_BATCH": "8",
    "NEWSDESK_MAX_PENDING": "16",
    "NEWSDESK_MAX_TEXT_CHARS": "5000",
    "NEWSDESK_KEY_CACHE_S": "0",
}


@contextmanager
def serve(database_url: str, log: Path, **env: str) -> Iterator[ServiceProcess]:
    server = ServiceProcess(database_url, log, {**SERVER_ENV, **env})
    server.start(timeout=120)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def live(database_url: str, tmp_path: Path) -> Iterator[tuple[httpx.Client, Keys]]:
    keys = make_keys(database_url)
    with (
        serve(database_url, tmp_path / "server.log") as server,
        httpx.Client(base_url=server.url, timeout=60) as client,
    ):
        yield client, keys


def test_every_route_over_a_socket(live: tuple[httpx.Client, Keys]) -> None:
    client, keys = live
    reader, editor, admin = keys.header("reader"), keys.header("editor"), keys.header("admin")

    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200
    validate(client.get("/openapi.json").json())

    call = client.post("/v1/classify", json={"id": "c1", "text": "The striker scored twice."})
    assert call.status_code == 401
    call = client.post(
        "/v1/classify", json={"id": "c1", "text": "The striker scored twice."}, headers=reader
    )
    assert call.status_code == 200, call.text
    assert {"id", "section", "confidence", "lang", "scores"} <= set(call.json())

    article = {"id": "live-1", "title": "Rates rise", "text": "The central bank raised rates."}
    assert client.post("/v1/articles", json=article, headers=reader).status_code == 403
    first = client.post("/v1/articles", json=article, headers=editor)
    again = client.post("/v1/articles", json=article, headers=editor)
    assert (first.status_code, again.status_code) == (201, 200)
    assert (first.json()["status"], again.json()["status"]) == ("created", "existing")
    batch = {"articles": [{"id": f"live-{i}", "text": f"Match report number {i}."} for i in (2, 3)]}
    assert client.post("/v1/articles", json=batch, headers=editor).json()["created"] == 2

    page = client.get("/v1/articles", params={"limit": 2}, headers=reader).json()
    rest = client.get(
        "/v1/articles", params={"limit": 2, "cursor": page["next_cursor"]}, headers=reader
    ).json()
    assert [a["id"] for a in page["articles"] + rest["articles"]] == ["live-3", "live-2", "live-1"]
    assert rest["next_cursor"] is None

    fixed = client.post(
        "/v1/articles/live-1/corrections",
        json={"section": "Economy - Finance", "editor": "Amal"},
        headers=editor,
    )
    assert fixed.status_code == 201, fixed.text
    one = client.get("/v1/articles/live-1", headers=reader).json()
    assert one["label"] == "Economy - Finance" and one["corrections"][0]["editor"] == "Amal"
    assert len(one["scores"]) == 12
    assert client.get("/v1/articles/nope", headers=reader).status_code == 404
    unknown = client.post(
        "/v1/articles/live-1/corrections", json={"section": "Gardening"}, headers=editor
    )
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "section"

    assert len(client.get("/v1/taxonomy", headers=reader).json()["sections"]) == 12
    stats = client.get("/v1/stats", headers=reader).json()
    assert stats["articles"] == 3 and stats["corrections"] == 1
    exported = [json.loads(line) for line in client.get("/v1/export", headers=reader).iter_lines()]
    assert [line["id"] for line in exported] == ["live-1", "live-2", "live-3"]
    assert exported[0]["label"] == "Economy - Finance"

    made = client.post("/v1/keys", json={"role": "reader", "name": "cms"}, headers=admin)
    assert made.status_code == 201
    assert client.get("/v1/keys", headers=editor).status_code == 403
    assert "cms" in [k["name"] for k in client.get("/v1/keys", headers=admin).json()]
    assert client.delete("/v1/keys/cms", headers=admin).status_code == 200
    assert client.get("/v1/stats", headers={"X-API-Key": made.json()["key"]}).status_code == 401

    metrics = client.get("/metrics").text
    assert 'newsdesk_articles_filed_total{section="' in metrics
    assert "newsdesk_model_info{" in metrics


def test_bad_input_over_a_socket(live: tuple[httpx.Client, Keys]) -> None:
    client, keys = live
    editor = {**keys.header("editor"), "content-type": "application/json"}

    too_big = client.post("/v1/articles", json={"text": "x" * 30_000}, headers=editor)
    assert too_big.status_code == 413
    assert too_big.json()["errors"] == [
        {"field": "body", "message": too_big.json()["message"], "limit": 20000}
    ]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must hold on the stream
        yield b'{"text": "'
        for _ in range(30):
            yield b"y" * 1000
        yield b'"}'

    streamed = client.post("/v1/articles", content=chunks(), headers=editor)
    assert streamed.status_code == 413

    nine = {"articles": [{"text": f"story {i}"} for i in range(9)]}
    over = client.post("/v1/articles", json=nine, headers=editor)
    assert over.status_code == 413 and over.json()["errors"][0]["limit"] == 8

    long_text = client.post("/v1/articles", json={"text": "z" * 6000}, headers=editor)
    assert long_text.status_code == 422
    assert long_text.json()["errors"][0] == {
        "field": "text",
        "message": "6000 characters, more than the limit of 5000",
        "limit": 5000,
    }
    broken = client.post("/v1/articles", content=b'{"text": "unclosed', headers=editor)
    assert broken.status_code == 422 and "JSON" in broken.json()["message"]
    half = {"articles": [{"id": "ok-1", "text": "fine"}, {"id": "bad", "text": "z" * 6000}]}
    assert client.post("/v1/articles", json=half, headers=editor).status_code == 422
    assert client.get("/v1/stats", headers=keys.header("reader")).json()["articles"] == 0


def test_overload_over_a_socket_is_503_with_retry_after(tmp_path: Path) -> None:
    # The answer does not depend on the database: SQLite only.
    database_url = f"sqlite:///{tmp_path / 'newsdesk.db'}"
    store = Store(database_url)
    migrate.upgrade(store)
    store.dispose()
    keys = make_keys(database_url)
    # Long texts keep the lexical classifier busy while the next requests arrive.
    filler = " ".join(f"word{j} market election match concert" for j in range(700))
    answers: list[httpx.Response] = []
    lock = threading.Lock()
    with serve(
        database_url,
        tmp_path / "server.log",
        NEWSDESK_MAX_PENDING="8",
        NEWSDESK_MAX_TEXT_CHARS="100000",
        NEWSDESK_MAX_BODY_BYTES="4000000",
        NEWSDESK_RETRY_AFTER_S="2",
    ) as server:
        url = f"{server.url}/v1/classify"

        def send(number: int) -> None:
            body = {"articles": [{"text": f"{filler} {number} {i}"} for i in range(8)]}
            response = httpx.post(url, json=body, headers=keys.header("reader"), timeout=120)
            with lock:
                answers.append(response)

        senders = [threading.Thread(target=send, args=(n,)) for n in range(8)]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join(120)
    statuses = sorted(r.status_code for r in answers)
    assert len(statuses) == 8 and set(statuses) <= {200, 503}, statuses
    assert 200 in statuses and 503 in statuses, statuses
    for refused in (r for r in answers if r.status_code == 503):
        assert refused.headers["retry-after"] == "2"
        assert "the classifier is busy" in refused.json()["message"]
