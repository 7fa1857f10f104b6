from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.classify.result import EncodedArticles
from newsdesk.errors import ModelFormatError
from newsdesk.lifecycle.loading import load_classifier
from newsdesk.service import Settings, create_app
from newsdesk.store import SchemaOutdatedError, Store
from service.conftest import Keys, settings_for


def test_classify_returns_the_cli_fields_and_stores_nothing(
    client: TestClient, keys: Keys, classifier: Classifier
) -> None:
    reader = keys.header("reader")
    one = client.post(
        "/v1/classify", json={"id": "c1", "text": "The striker scored twice."}, headers=reader
    )
    assert one.status_code == 200
    expected = classifier.classify(Article(text="The striker scored twice.", id="c1")).to_dict()
    assert one.json() == {**expected, "sections": None}
    batch = client.post(
        "/v1/classify",
        json={
            "articles": [
                {"text": "Rates rise."},
                {"title": "Flu season", "text": "Hospitals fill."},
            ]
        },
        headers=reader,
    )
    predictions = batch.json()["predictions"]
    assert [p["section"] for p in predictions] == [
        p.section
        for p in classifier.classify_many(
            [Article(text="Rates rise."), Article(title="Flu season", text="Hospitals fill.")]
        )
    ]
    assert client.get("/v1/stats", headers=reader).json()["articles"] == 0


def test_taxonomy_lists_the_served_sections(client: TestClient, keys: Keys) -> None:
    body = client.get("/v1/taxonomy", headers=keys.header("reader")).json()
    assert body["name"] == "default"
    assert [s["name"] for s in body["sections"]][:3] == ["Art", "Causes", "Analysis"]
    assert [s["name"] for s in body["sections"] if s["other"]] == ["أخرى"]
    assert body["sections"][0]["description"]["ar"]
    assert body["model_version"].endswith("lexical-v1-2048")


def test_stats_count_articles_corrections_and_agreement(client: TestClient, keys: Keys) -> None:
    editor = keys.header("editor")
    filed = client.post(
        "/v1/articles",
        json={"articles": [
            {"id": "1", "text": "Rates rise.", "lang": "en"},
            {"id": "2", "text": "الفائدة ترتفع", "lang": "ar"},
            {"id": "3", "text": "Cup final.", "lang": "en"},
        ]},
        headers=editor,
    ).json()["articles"]  # fmt: skip
    client.post("/v1/articles/1/corrections", json={"section": filed[0]["section"]}, headers=editor)
    other = "Music" if filed[1]["section"] != "Music" else "Art"
    client.post("/v1/articles/2/corrections", json={"section": other}, headers=editor)
    stats = client.get("/v1/stats", headers=keys.header("reader")).json()
    assert stats["articles"] == 3
    assert stats["by_lang"] == {"ar": 1, "en": 2}
    assert sum(stats["by_section"].values()) == 3
    assert stats["by_label"][other] >= 1
    assert (stats["corrected"], stats["corrections"]) == (2, 2)
    assert stats["correction_rate"] == pytest.approx(2 / 3)
    assert stats["agreement"] == 0.5


def test_health_ready_and_metrics_need_no_key(client: TestClient, keys: Keys) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"
    client.post(
        "/v1/articles", json={"id": "m1", "text": "Rates rise."}, headers=keys.header("editor")
    )
    client.get("/v1/articles/m1", headers=keys.header("reader"))
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert (
        'newsdesk_http_requests_total{method="POST",route="/v1/articles",status="201"} 1.0' in text
    )
    assert 'route="/v1/articles/{article_id}"' in text  # the route template, not the path
    assert "newsdesk_articles_filed_total{section=" in text
    assert 'newsdesk_model_info{encoder="lexical"' in text
    assert "newsdesk_http_request_duration_seconds_bucket" in text
    assert "newsdesk_classify_queue_articles 0.0" in text


def test_readyz_is_503_when_the_database_is_gone(
    database_url: str, classifier: Classifier, keys: Keys
) -> None:
    app = create_app(settings_for(database_url), classifier=classifier)
    with TestClient(app) as client:
        app.state.newsdesk.store = Store("sqlite:////nonexistent/dir/newsdesk.db")
        response = client.get("/readyz")
    assert response.status_code == 503
    assert "cannot reach the database" in response.json()["problems"]
    assert response.headers["Retry-After"] == "5"


def test_the_openapi_schema_is_valid_and_documents_every_route(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    validate(schema)
    assert set(schema["paths"]) >= {
        "/v1/classify",
        "/v1/articles",
        "/v1/articles/{article_id}",
        "/v1/articles/{article_id}/corrections",
        "/v1/taxonomy",
        "/v1/stats",
        "/v1/export",
        "/v1/queue",
        "/healthz",
        "/readyz",
        "/metrics",
    }
    assert {"HTTPBearer", "APIKeyHeader"} <= set(schema["components"]["securitySchemes"])
    submit = schema["paths"]["/v1/articles"]["post"]
    assert {"201", "200", "401", "403", "413", "422", "503"} <= set(submit["responses"])


def test_the_service_refuses_an_old_schema(empty_database_url: str, classifier: Classifier) -> None:
    app = create_app(settings_for(empty_database_url), classifier=classifier)
    with pytest.raises(SchemaOutdatedError, match="run: newsdesk db upgrade"), TestClient(app):
        pass


def test_settings_come_from_newsdesk_environment_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NEWSDESK_DATABASE_URL", "sqlite:///elsewhere.db")
    monkeypatch.setenv("NEWSDESK_MAX_BATCH", "16")
    settings = Settings()
    assert (settings.database_url, settings.max_batch) == ("sqlite:///elsewhere.db", 16)
    assert Settings(max_batch=4).max_batch == 4  # explicit values (flags) win
    with pytest.raises(ValueError, match=r"either a saved model .* or a taxonomy"):
        Settings(model=tmp_path, taxonomy="default")
    with pytest.raises(ValueError, match=r"max_pending \(8\) must be at least max_batch \(16\)"):
        Settings(max_pending=8)


def test_serving_a_folder_that_holds_no_model_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ModelFormatError, match=r"not a newsdesk model .*newsdesk train DATA"):
        load_classifier(Settings(model=tmp_path))


def test_a_taxonomy_file_is_served_zero_shot(tmp_path: Path) -> None:
    path = tmp_path / "desk.yaml"
    path.write_text(
        "name: desk\nsections:\n  - name: Money\n    description: markets and banks\n"
        "  - name: Games\n    description: football and sport\n",
        encoding="utf-8",
    )
    classifier = load_classifier(Settings(taxonomy=str(path), encoder="lexical"))
    assert classifier.taxonomy.names == ["Money", "Games"]


def test_the_encoder_is_warmed_up_before_the_service_is_ready(
    database_url: str, classifier: Classifier
) -> None:
    encoded: list[int] = []

    class Recording(Classifier):
        def encode(self, articles: Sequence[Article]) -> EncodedArticles:
            encoded.append(len(articles))
            return super().encode(articles)

    recording = Recording(classifier.taxonomy, classifier.encoder, classifier.head)
    app = create_app(settings_for(database_url), classifier=recording)
    assert encoded == []
    with TestClient(app) as client:
        assert encoded == [1]  # before any request: the first one does not load the runtime
        assert client.get("/readyz").status_code == 200
