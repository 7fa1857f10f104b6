from __future__ import annotations

import json

from fastapi.testclient import TestClient

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.taxonomy import Taxonomy
from service.conftest import Keys


def submit(client: TestClient, keys: Keys, body: object) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = client.post("/v1/articles", json=body, headers=keys.header("editor"))
    return response.status_code, response.json()


def test_submit_files_and_stores_an_article(
    client: TestClient, keys: Keys, classifier: Classifier
) -> None:
    article = {"id": "a-1", "title": "Cup final", "text": "The striker scored twice.", "lang": "en"}
    status, body = submit(client, keys, article)
    expected = classifier.classify(Article(**article))  # type: ignore[arg-type]
    assert status == 201
    assert body["status"] == "created"
    assert (body["id"], body["section"], body["label"]) == (
        "a-1",
        expected.section,
        expected.section,
    )
    assert body["confidence"] == round(expected.confidence, 4)
    assert list(body["scores"]) == Taxonomy.default().names
    assert body["corrected"] is False and body["model_version"].startswith("zero-shot:default@")


def test_resubmitting_returns_the_stored_record(client: TestClient, keys: Keys) -> None:
    first = submit(client, keys, {"id": "a-1", "text": "Rates rise at the central bank."})
    again = submit(client, keys, {"id": "a-1", "text": "Edited text, same id."})
    assert (first[0], again[0]) == (201, 200)
    assert again[1]["status"] == "existing"
    assert again[1]["filed_at"] == first[1]["filed_at"]
    page = client.get("/v1/articles", headers=keys.header("reader")).json()
    assert [a["id"] for a in page["articles"]] == ["a-1"]
    full = client.get("/v1/articles/a-1", headers=keys.header("reader")).json()
    assert full["text"] == "Rates rise at the central bank."  # the stored record, unchanged


def test_without_an_id_articles_are_matched_on_url_then_content(
    client: TestClient, keys: Keys
) -> None:
    by_url = submit(client, keys, {"url": "https://news.example/1", "text": "First version"})
    by_url_again = submit(client, keys, {"url": "https://news.example/1", "text": "Second"})
    by_text = submit(client, keys, {"title": "T", "text": "Same   words here"})
    by_text_again = submit(client, keys, {"title": "T", "text": "Same words here"})
    assert by_url[1]["id"] == by_url_again[1]["id"] and by_url[1]["id"].startswith("url:")
    assert by_text[1]["id"] == by_text_again[1]["id"] and by_text[1]["id"].startswith("sha256:")
    assert [s for s, _ in (by_url, by_url_again, by_text, by_text_again)] == [201, 200, 201, 200]
    stats = client.get("/v1/stats", headers=keys.header("reader")).json()
    assert stats["articles"] == 2


def test_a_batch_reports_created_and_existing_per_article(client: TestClient, keys: Keys) -> None:
    submit(client, keys, {"id": "old", "text": "Filed yesterday."})
    batch = {
        "articles": [
            {"id": "old", "text": "Filed yesterday."},
            {"id": "n1", "text": "Election results are in."},
            {"id": "n2", "text": "A new album tops the charts."},
            {"id": "n1", "text": "The same article twice in one batch."},
        ]
    }
    status, body = submit(client, keys, batch)
    assert status == 201
    assert [(a["id"], a["status"]) for a in body["articles"]] == [
        ("old", "existing"),
        ("n1", "created"),
        ("n2", "created"),
        ("n1", "existing"),
    ]
    assert (body["created"], body["existing"]) == (2, 2)
    status, body = submit(client, keys, batch)
    assert status == 200 and body["created"] == 0


def test_get_one_article_with_scores_and_correction_history(client: TestClient, keys: Keys) -> None:
    submit(client, keys, {"id": "x/1", "text": "Spies and covert operations."})
    editor = keys.header("editor")
    first = client.post(
        "/v1/articles/x/1/corrections", json={"section": "News & Politics"}, headers=editor
    )
    second = client.post(
        "/v1/articles/x/1/corrections",
        json={
            "section": "Cloak & Dagger",
            "sections": ["News & Politics"],
            "editor": "Amal",
            "note": "spy story",
        },
        headers=editor,
    )
    assert (first.status_code, second.status_code) == (201, 201)
    record = client.get("/v1/articles/x/1", headers=keys.header("reader")).json()
    assert record["label"] == "Cloak & Dagger"
    assert record["labels"] == ["Cloak & Dagger", "News & Politics"]
    assert record["corrected"] is True
    history = record["corrections"]
    assert [c["editor"] for c in history] == ["editor-key", "Amal"]
    assert [c["api_key"] for c in history] == ["editor-key", "editor-key"]
    assert history[1]["previous_section"] == "News & Politics"
    assert history[0]["previous_section"] == record["section"]  # the original call, kept
    assert history[1]["note"] == "spy story"
    assert len(record["scores"]) == 12 and abs(sum(record["scores"].values()) - 1) < 0.01


def test_corrections_refuse_unknown_sections_and_articles(client: TestClient, keys: Keys) -> None:
    submit(client, keys, {"id": "a", "text": "Some story."})
    editor = keys.header("editor")
    bad = client.post("/v1/articles/a/corrections", json={"section": "Sprots"}, headers=editor)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "section"
    assert "unknown section 'Sprots'; sections are: Art, Causes" in bad.json()["message"]
    bad_extra = client.post(
        "/v1/articles/a/corrections",
        json={"section": "Art", "sections": ["Art", "Nope"]},
        headers=editor,
    )
    assert bad_extra.status_code == 422 and bad_extra.json()["errors"][0]["field"] == "sections[1]"
    empty = client.post("/v1/articles/a/corrections", json={}, headers=editor)
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "section"
    missing = client.post("/v1/articles/nope/corrections", json={"section": "Art"}, headers=editor)
    assert missing.status_code == 404 and "no article with id 'nope'" in missing.json()["message"]
    record = client.get("/v1/articles/a", headers=keys.header("reader")).json()
    assert record["corrections"] == []  # the refused corrections stored nothing


def test_get_unknown_article_is_404(client: TestClient, keys: Keys) -> None:
    response = client.get("/v1/articles/nope", headers=keys.header("reader"))
    assert response.status_code == 404
    assert response.json() == {"status": 404, "message": "no article with id 'nope'", "errors": []}


def test_list_pages_with_a_cursor_and_filters(client: TestClient, keys: Keys) -> None:
    texts = [f"Story number {i} about the economy and markets." for i in range(7)]
    body = {"articles": [{"id": f"p{i}", "text": t, "lang": "en"} for i, t in enumerate(texts)]}
    submit(client, keys, body)
    submit(client, keys, {"id": "ar1", "text": "فاز المنتخب بالكأس", "lang": "ar"})
    client.post(
        "/v1/articles/p3/corrections", json={"section": "Health"}, headers=keys.header("editor")
    )
    reader = keys.header("reader")
    seen: list[str] = []
    url = "/v1/articles?limit=3"
    while url:
        page = client.get(url, headers=reader).json()
        seen += [a["id"] for a in page["articles"]]
        url = f"/v1/articles?limit=3&cursor={page['next_cursor']}" if page["next_cursor"] else ""
    assert seen == ["ar1", "p6", "p5", "p4", "p3", "p2", "p1", "p0"]

    def ids(query: str) -> list[str]:
        response = client.get(f"/v1/articles?{query}", headers=reader)
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()["articles"]]

    assert ids("lang=ar") == ["ar1"]
    assert ids("corrected=true") == ["p3"]
    assert "p3" not in ids("corrected=false")
    assert ids("section=Health") == ["p3"]
    assert ids("q=number%205") == ["p5"]
    assert ids("since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z") == []
    assert len(ids("min_confidence=0&max_confidence=1")) == 8


def test_list_refuses_bad_cursors_and_limits(client: TestClient, keys: Keys) -> None:
    reader = keys.header("reader")
    bad_cursor = client.get("/v1/articles?cursor=garbage", headers=reader)
    assert bad_cursor.status_code == 400 and bad_cursor.json()["errors"][0]["field"] == "cursor"
    too_many = client.get("/v1/articles?limit=5000", headers=reader)
    assert too_many.status_code == 422
    assert too_many.json()["errors"][0] == {
        "field": "limit",
        "message": "limit: 5000 is more than the page limit of 200",
        "limit": 200,
    }
    bad_range = client.get("/v1/articles?min_confidence=2", headers=reader)
    assert bad_range.status_code == 422
    assert bad_range.json()["errors"][0]["field"] == "min_confidence"
    assert bad_range.json()["errors"][0]["limit"] == 1


def test_export_gives_training_lines_with_corrections_first_choice(
    client: TestClient, keys: Keys
) -> None:
    submit(client, keys, {"articles": [
        {"id": "e1", "title": "Rates", "text": "The central bank raised rates.", "lang": "en"},
        {"id": "e2", "text": "The team won the final.", "lang": "en"},
    ]})  # fmt: skip
    client.post(
        "/v1/articles/e2/corrections",
        json={"section": "Sports", "sections": ["Sports", "News & Politics"]},
        headers=keys.header("editor"),
    )
    response = client.get("/v1/export", headers=keys.header("reader"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    assert [line["id"] for line in lines] == ["e1", "e2"]
    for line in lines:
        assert {"id", "title", "text", "lang", "label", "labels"} <= set(line)
        assert line["label"] in Taxonomy.default()
        assert line["labels"][0] == line["label"]
    assert lines[0]["title"] == "Rates" and lines[0]["label_source"] == "call"
    assert lines[1]["label"] == "Sports" and lines[1]["labels"] == ["Sports", "News & Politics"]
    assert lines[1]["label_source"] == "correction"
    only_corrected = client.get("/v1/export?corrected=true", headers=keys.header("reader"))
    assert [json.loads(x)["id"] for x in only_corrected.text.splitlines()] == ["e2"]
