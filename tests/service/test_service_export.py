"""``GET /v1/export`` -> ``newsdesk train`` -> ``newsdesk serve --model``: the round trip."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from newsdesk.classify.classifier import Classifier
from newsdesk.io import read_articles
from newsdesk.service import create_app
from service.conftest import Keys, settings_for

SPORTS = [
    "The striker scored twice as the home side won the cup final.",
    "The champions lost their away match after a late penalty.",
    "The tennis star reached the semi-final without dropping a set.",
    "The coach named his squad for the world cup qualifiers.",
]
ECONOMY = [
    "The central bank raised interest rates as inflation stayed high.",
    "Stock markets fell after the quarterly earnings disappointed investors.",
    "The budget deficit widened as tax revenue dropped this year.",
    "Oil prices rose and the currency weakened against the dollar.",
]


def file_and_correct(client: TestClient, keys: Keys) -> None:
    """Store eight articles and correct each to its true section, as editors would."""
    rows = [(f"sp{i}", t, "Sports") for i, t in enumerate(SPORTS)]
    rows += [(f"ec{i}", t, "Economy - Finance") for i, t in enumerate(ECONOMY)]
    body = {"articles": [{"id": i, "text": t, "lang": "en"} for i, t, _ in rows]}
    assert client.post("/v1/articles", json=body, headers=keys.header("editor")).status_code == 201
    for article_id, _, section in rows:
        fixed = client.post(
            f"/v1/articles/{article_id}/corrections",
            json={"section": section},
            headers=keys.header("editor"),
        )
        assert fixed.status_code == 201, fixed.text


def export_to(client: TestClient, keys: Keys, path: Path) -> Path:
    response = client.get("/v1/export?corrected=true", headers=keys.header("reader"))
    assert response.status_code == 200
    path.write_text(response.text, encoding="utf-8")
    return path


def test_export_reads_back_as_the_corrected_articles(
    client: TestClient, keys: Keys, tmp_path: Path
) -> None:
    file_and_correct(client, keys)
    exported = list(read_articles(export_to(client, keys, tmp_path / "export.jsonl")))
    assert [a.id for a in exported] == [f"sp{i}" for i in range(4)] + [f"ec{i}" for i in range(4)]
    assert [a.extra["label"] for a in exported] == ["Sports"] * 4 + ["Economy - Finance"] * 4
    assert exported[0].text == SPORTS[0] and exported[0].lang == "en"
    assert {a.extra["label_source"] for a in exported} == {"correction"}


@pytest.mark.skipif(
    importlib.util.find_spec("newsdesk.cli.train") is None,
    reason="'newsdesk train' (newsdesk.cli.train, issue #3) is not in this build",
)
def test_export_trains_a_model_the_service_then_serves(
    client: TestClient, keys: Keys, database_url: str, tmp_path: Path
) -> None:
    from newsdesk.cli.app import app as cli

    file_and_correct(client, keys)
    export = export_to(client, keys, tmp_path / "export.jsonl")
    model = tmp_path / "model"
    trained = CliRunner().invoke(
        cli,
        ["train", str(export), "-o", str(model), "-e", "lexical", "--no-cache",
         "--taxonomy-from-labels"],
    )  # fmt: skip
    assert trained.exit_code == 0, trained.output
    saved = Classifier.load(model)  # type: ignore[attr-defined]
    assert sorted(saved.taxonomy.names) == ["Economy - Finance", "Sports"]

    app = create_app(settings_for(database_url, model=model))
    with TestClient(app) as served:
        call = served.post(
            "/v1/classify",
            json={"articles": [{"text": SPORTS[0]}, {"text": ECONOMY[0]}]},
            headers=keys.header("reader"),
        )
        ready = served.get("/readyz").json()
    assert call.status_code == 200, call.text
    assert [p["section"] for p in call.json()["predictions"]] == ["Sports", "Economy - Finance"]
    assert ready["model_version"].startswith("model:")
