"""Activating a model while the service files articles: nothing dropped, nothing mislabeled."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi.testclient import TestClient

from newsdesk.classify.classifier import Classifier
from newsdesk.store import KeyRole, Store, registry
from newsdesk.store import keys as key_repository
from newsdesk.store.articles import get_articles

CLIENTS = 6
EACH = 8
MOST = 200  # submissions a client makes at most while waiting to see the new model


def test_activation_under_concurrent_submissions(
    app_factory,  # type: ignore[no-untyped-def]
    database_url: str,
    lexical_classifier: Classifier,
    tmp_path: Path,
) -> None:
    store = Store(database_url)
    with store.write() as conn:
        _, key = key_repository.create_key(conn, KeyRole.EDITOR, name="cms")
    folder = lexical_classifier.save(tmp_path / "candidate")
    with store.write() as conn:
        registry.register_model(
            conn, "candidate", kind="retrained", status="ready", path=str(folder)
        )
    headers = {"Authorization": f"Bearer {key}"}
    halfway = threading.Barrier(CLIENTS + 1)

    with TestClient(app_factory()) as client:
        desk = client.app.state.desk  # type: ignore[attr-defined]
        first = desk.served_version

        desk.lifecycle.active.load("candidate")  # loaded beforehand: the switch itself is quick

        def submit(worker: int) -> list[tuple[int, str, str]]:
            answers: list[tuple[int, str, str]] = []
            for n in range(MOST):
                if n == EACH // 2:
                    halfway.wait(30)  # every client is mid-stream when the model switches
                # keep submitting (at least EACH) until this client has seen the new model
                if n >= EACH and answers[-1][2] == "candidate":
                    break
                body = {"id": f"w{worker}-{n}", "text": f"The striker scored goal {n} today."}
                response = client.post("/v1/articles", json=body, headers=headers)
                answers.append((response.status_code, body["id"], response.json()["model_version"]))
            return answers

        with ThreadPoolExecutor(CLIENTS) as pool:
            running = [pool.submit(submit, w) for w in range(CLIENTS)]
            halfway.wait(30)
            desk.lifecycle.active.activate("candidate", by="ann")
            answers = [answer for future in running for answer in future.result()]
        after = client.post("/v1/articles", json={"text": "Late news."}, headers=headers).json()
        ready = client.get("/readyz").json()

    assert all(status == 201 for status, _, _ in answers) and len(answers) >= CLIENTS * EACH
    assert {version for _, _, version in answers} == {first, "candidate"}
    for worker in range(CLIENTS):  # once a client saw the new model, it never saw the old
        seen = [
            version for _, article_id, version in answers if article_id.startswith(f"w{worker}-")
        ]
        assert seen[: EACH // 2] == [first] * (EACH // 2)
        assert seen[-1] == "candidate"
        assert first not in seen[seen.index("candidate") :]
    assert after["model_version"] == "candidate" and ready["model_version"] == "candidate"
    with store.read() as conn:
        stored = get_articles(conn, [article_id for _, article_id, _ in answers])
    # each article is stored once, under the version of the model that filed it
    assert {a: v for _, a, v in answers} == {a: s.model_version for a, s in stored.items()}
    store.dispose()


def test_a_sync_does_not_undo_an_activation_made_while_it_loaded(
    app_factory,  # type: ignore[no-untyped-def]
    database_url: str,
    lexical_classifier: Classifier,
    tmp_path: Path,
) -> None:
    store = Store(database_url)
    with store.write() as conn:
        for version in ("elsewhere", "here"):
            folder = lexical_classifier.save(tmp_path / version)
            registry.register_model(
                conn, version, kind="retrained", status="ready", path=str(folder)
            )
    with TestClient(app_factory()) as client:
        desk = client.app.state.desk  # type: ignore[attr-defined]
        with store.write() as conn:  # another process activates a model...
            registry.activate_model(conn, "elsewhere", by="cli:ann")
        load = desk.lifecycle.active.load

        def slow_load(version: str):  # type: ignore[no-untyped-def]
            model = load(version)
            if version == "elsewhere":  # ...and while this one loads it, an editor here
                desk.lifecycle.active.activate("here", by="ann")  # activates another
            return model

        desk.lifecycle.active.load = slow_load
        desk.lifecycle.active.sync_active()
        served = desk.served_version
    with store.read() as conn:
        active = registry.active_version(conn)
    assert (served, active) == ("here", "here")
    store.dispose()
