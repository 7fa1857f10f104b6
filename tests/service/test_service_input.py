"""Input that once reached the encoders or the database raw: every such request is a 4xx."""

from __future__ import annotations

import base64
import json

import pytest
from fastapi.testclient import TestClient

from service.conftest import Keys

SURROGATE = "abc \ud800 def"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"


def post_raw(client: TestClient, path: str, body: object, key: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    """POST ``body`` as JSON with ASCII escapes, the way a lone surrogate travels."""
    response = client.post(
        path,
        content=json.dumps(body).encode("ascii"),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    return response.status_code, response.json()


def stored_count(client: TestClient, keys: Keys) -> int:
    stats = client.get("/v1/stats", headers=keys.header("reader"))
    count: int = stats.json()["articles"]
    return count


BAD_BODIES = [
    ("text", {"id": "s1", "text": SURROGATE}),
    ("text", {"text": SURROGATE}),  # no id: the content hash is the next thing to fail
    ("title", {"id": "s1", "title": SURROGATE, "text": "fine"}),
    ("articles[1].text", {"articles": [{"text": "fine"}, {"id": "s2", "text": SURROGATE}]}),
    ("text", {"id": "n1", "text": "a\x00b"}),
    ("title", {"id": "n1", "title": "a\x00b", "text": "fine"}),
    ("id", {"id": "a\x00b", "text": "fine"}),
    ("source", {"id": "n1", "text": "fine", "source": "a\x00b"}),
    ("url", {"id": "n1", "text": "fine", "url": "https://x.example/\x00"}),
    ("lang", {"id": "l1", "text": "fine", "lang": "en\u0001"}),
    ("text", {"id": "z1", "text": ZERO_WIDTH}),
    ("text", {"id": "z1", "title": ZERO_WIDTH, "text": "\u00a0" + ZERO_WIDTH}),
    # control characters show nothing, and an id that holds one cannot be reached by URL
    ("text", {"id": "c1", "title": "\u0001\u0002", "text": "\u0003\u0004\u001f\u0085"}),
    ("id", {"id": "d2\n", "text": "fine"}),
    ("id", {"id": "d2\u001b[31m", "text": "fine"}),
]


@pytest.mark.parametrize("path", ["/v1/articles", "/v1/classify"])
@pytest.mark.parametrize(("field", "body"), BAD_BODIES)
def test_unusable_characters_in_an_article_are_a_422_naming_the_field(
    client: TestClient, keys: Keys, path: str, field: str, body: object
) -> None:
    status, answer = post_raw(client, path, body, keys.editor)
    assert status == 422, answer
    assert field in [problem["field"] for problem in answer["errors"]], answer
    assert stored_count(client, keys) == 0


def test_the_error_says_what_is_wrong_with_the_character(client: TestClient, keys: Keys) -> None:
    _, surrogate = post_raw(client, "/v1/classify", {"text": SURROGATE}, keys.reader)
    assert "lone surrogate" in surrogate["message"] and "position 4" in surrogate["message"]
    _, nul = post_raw(client, "/v1/classify", {"text": "ab\x00"}, keys.reader)
    assert "NUL" in nul["message"]
    _, blank = post_raw(client, "/v1/classify", {"text": ZERO_WIDTH}, keys.reader)
    assert "no text" in blank["message"]


def test_nul_in_a_key_name_or_a_correction_is_a_422(client: TestClient, keys: Keys) -> None:
    status, answer = post_raw(client, "/v1/keys", {"role": "reader", "name": "a\x00"}, keys.admin)
    assert (status, answer["errors"][0]["field"]) == (422, "name")
    post_raw(client, "/v1/articles", {"id": "a1", "text": "Rates rise."}, keys.editor)
    for body in ({"section": "Art\x00"}, {"section": "Art", "editor": "\x00"}):
        status, _ = post_raw(client, "/v1/articles/a1/corrections", body, keys.editor)
        assert status == 422


@pytest.mark.parametrize(
    "url",
    [
        "/v1/articles/a%00b",
        "/v1/articles/a%00b/corrections",
        "/v1/keys/a%00b",
        "/v1/articles?section=%00",
        "/v1/articles?lang=%00",
        "/v1/articles?q=ab%00zz",
        "/v1/export?q=%00",
        "/desk/queue?source=%00",
        "/desk/queue?section=%00",
    ],
)
def test_nul_in_a_path_or_query_is_a_400(client: TestClient, keys: Keys, url: str) -> None:
    method = "POST" if url.endswith("corrections") else "DELETE" if "keys" in url else "GET"
    response = client.request(method, url, headers=keys.header("admin"))
    assert response.status_code == 400, response.text
    assert "NUL" in response.json()["message"]


def test_nul_in_the_sign_in_name_is_a_400(client: TestClient) -> None:
    response = client.post("/desk/signin", data={"name": "ed\x00itor", "password": "x"})
    assert response.status_code == 400


def test_an_over_long_cursor_is_a_400(client: TestClient, keys: Keys) -> None:
    huge = base64.urlsafe_b64encode(b"seq:" + b"9" * 30).decode().rstrip("=")
    for cursor in (huge, "bm9wZQ", ""):
        response = client.get(f"/v1/articles?cursor={cursor}", headers=keys.header("reader"))
        assert response.status_code == 400, response.text
        assert response.json()["errors"][0]["field"] == "cursor"


def test_a_lang_filter_must_be_a_language_code(client: TestClient, keys: Keys) -> None:
    bad = client.get("/v1/articles?lang=en%01", headers=keys.header("reader"))
    good = client.get("/v1/articles?lang=pt-BR", headers=keys.header("reader"))
    assert (bad.status_code, good.status_code) == (422, 200)


def test_export_refuses_a_number_for_a_date(client: TestClient, keys: Keys) -> None:
    response = client.get("/v1/export?until=0.5", headers=keys.header("reader"))
    assert response.status_code == 422
    iso = client.get("/v1/export?until=2030-01-01T00:00:00Z", headers=keys.header("reader"))
    assert iso.status_code == 200
    for number in ("0", "1738281600", "2025"):
        response = client.get(f"/v1/articles?since={number}", headers=keys.header("reader"))
        assert response.status_code == 422, number


@pytest.mark.parametrize("path", ["/v1/articles", "/v1/export"])
def test_a_date_without_a_time_is_a_filter_from_midnight(
    client: TestClient, keys: Keys, path: str
) -> None:
    submit = client.post(
        "/v1/articles", json={"articles": [{"id": "d1", "text": "The team won the final."}]},
        headers=keys.header("editor"),
    )  # fmt: skip
    assert submit.status_code in (200, 201), submit.text
    reader = keys.header("reader")
    assert client.get(f"{path}?since=2000-01-31", headers=reader).status_code == 200
    assert "d1" in client.get(f"{path}?since=2000-01-31", headers=reader).text
    assert "d1" not in client.get(f"{path}?until=2000-01-31", headers=reader).text


@pytest.mark.parametrize("path", ["/v1/articles", "/v1/export"])
def test_a_filter_given_twice_is_a_422(client: TestClient, keys: Keys, path: str) -> None:
    response = client.get(f"{path}?section=Art&section=Sport", headers=keys.header("reader"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "section"
