from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.conftest import Keys

ROUTES_BY_ROLE = [
    ("post", "/v1/classify", {"text": "x"}, "reader"),
    ("get", "/v1/articles", None, "reader"),
    ("get", "/v1/articles/a", None, "reader"),
    ("get", "/v1/taxonomy", None, "reader"),
    ("get", "/v1/stats", None, "reader"),
    ("get", "/v1/export", None, "reader"),
    ("get", "/v1/queue", None, "reader"),
    ("post", "/v1/articles", {"text": "x"}, "editor"),
    ("post", "/v1/articles/a/corrections", {"section": "Art"}, "editor"),
    ("get", "/v1/keys", None, "admin"),
    ("post", "/v1/keys", {"role": "reader"}, "admin"),
    ("delete", "/v1/keys/some-name", None, "admin"),
]


@pytest.mark.parametrize(("method", "path", "body", "role"), ROUTES_BY_ROLE)
def test_every_route_needs_a_key(
    client: TestClient, keys: Keys, method: str, path: str, body: object, role: str
) -> None:
    kwargs = {"json": body} if body is not None else {}
    missing = client.request(method, path, **kwargs)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "missing API key" in missing.json()["message"]
    wrong = client.request(method, path, headers={"X-API-Key": "nd_0000_nope"}, **kwargs)
    assert wrong.status_code == 401 and wrong.json()["message"] == "invalid or revoked API key"


@pytest.mark.parametrize(("method", "path", "body", "role"), ROUTES_BY_ROLE)
def test_roles_below_the_route_get_403(
    client: TestClient, keys: Keys, method: str, path: str, body: object, role: str
) -> None:
    kwargs = {"json": body} if body is not None else {}
    order = ["reader", "editor", "admin"]
    for lower in order[: order.index(role)]:
        response = client.request(method, path, headers=keys.header(lower), **kwargs)
        assert response.status_code == 403, (lower, response.text)
        assert f"needs a key with the '{role}' role" in response.json()["message"]
    allowed = client.request(method, path, headers=keys.header(role), **kwargs)
    assert allowed.status_code not in (401, 403)


def test_keys_work_in_either_header(client: TestClient, keys: Keys) -> None:
    assert client.get("/v1/stats", headers={"X-API-Key": keys.reader}).status_code == 200
    assert client.get("/v1/stats", headers=keys.header("reader")).status_code == 200


def test_admins_make_and_revoke_keys(client: TestClient, keys: Keys) -> None:
    admin = keys.header("admin")
    made = client.post("/v1/keys", json={"role": "editor", "name": "cms"}, headers=admin)
    assert made.status_code == 201
    new_key = made.json()["key"]
    assert made.json()["role"] == "editor"
    ok = client.post("/v1/articles", json={"text": "x y z"}, headers={"X-API-Key": new_key})
    assert ok.status_code == 201
    again = client.post("/v1/keys", json={"role": "editor", "name": "cms"}, headers=admin)
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "name"
    listed = client.get("/v1/keys", headers=admin).json()
    assert "cms" in [k["name"] for k in listed]
    assert all("key" not in k for k in listed)
    assert client.delete("/v1/keys/cms", headers=admin).json()["revoked_at"] is not None
    assert client.delete("/v1/keys/nobody", headers=admin).status_code == 404
    refused = client.post("/v1/articles", json={"text": "x"}, headers={"X-API-Key": new_key})
    assert refused.status_code == 401
    bad_role = client.post("/v1/keys", json={"role": "owner"}, headers=admin)
    assert bad_role.status_code == 422 and bad_role.json()["errors"][0]["field"] == "role"


def test_a_body_over_the_limit_is_413_naming_the_limit(
    database_url: str, classifier: object, keys: Keys
) -> None:
    from newsdesk.service import create_app
    from service.conftest import settings_for

    app = create_app(settings_for(database_url, max_body_bytes=2000), classifier=classifier)  # type: ignore[arg-type]
    with TestClient(app) as client:
        big = client.post(
            "/v1/classify", json={"text": "word " * 1000}, headers=keys.header("reader")
        )
        chunked = client.post(
            "/v1/classify",
            content=iter([b'{"text": "', b"w" * 3000, b'"}']),
            headers={**keys.header("reader"), "content-type": "application/json"},
        )
        small = client.post(
            "/v1/classify", json={"text": "word " * 10}, headers=keys.header("reader")
        )
    for response in (big, chunked):
        assert response.status_code == 413
        assert response.json()["errors"] == [
            {
                "field": "body",
                "message": "request body is larger than the limit of 2000 bytes",
                "limit": 2000,
            }
        ]
    assert small.status_code == 200


def test_a_batch_over_the_limit_is_413(client: TestClient, keys: Keys) -> None:
    body = {"articles": [{"text": f"story {i}"} for i in range(9)]}  # the client allows 8
    for path, role in (("/v1/classify", "reader"), ("/v1/articles", "editor")):
        response = client.post(path, json=body, headers=keys.header(role))
        assert response.status_code == 413
        problem = response.json()["errors"][0]
        assert (problem["field"], problem["limit"]) == ("articles", 8)
        assert "9 articles in one request, more than the limit of 8" in response.json()["message"]
    stats = client.get("/v1/stats", headers=keys.header("reader")).json()
    assert stats["articles"] == 0


def test_over_long_texts_are_422_naming_field_and_limit(
    database_url: str, classifier: object, keys: Keys
) -> None:
    from newsdesk.service import create_app
    from service.conftest import settings_for

    settings = settings_for(database_url, max_text_chars=50, max_title_chars=10)
    app = create_app(settings, classifier=classifier)  # type: ignore[arg-type]
    body = {"articles": [{"text": "short"}, {"text": "x" * 51, "title": "a very long title"}]}
    with TestClient(app) as client:
        response = client.post("/v1/articles", json=body, headers=keys.header("editor"))
        stats = client.get("/v1/stats", headers=keys.header("reader")).json()
    assert response.status_code == 422
    assert [(p["field"], p["limit"]) for p in response.json()["errors"]] == [
        ("articles[1].text", 50),
        ("articles[1].title", 10),
    ]
    assert stats["articles"] == 0  # nothing of the refused batch was stored


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        (b'{"text": "unterminated', "body", "the body is not valid JSON: Unterminated string"),
        (b'{"text": ""}', "text", "article has no text"),
        (b'{"txt": "typo"}', "txt", "Extra inputs are not permitted"),
        (b'{"articles": []}', "articles", "at least 1 item"),
        (b'{"articles": [{"text": 5}]}', "articles[0].text", "valid string"),
        (b"[1, 2]", "body", ""),
    ],
)
def test_malformed_requests_are_422_naming_the_field(
    client: TestClient, keys: Keys, body: bytes, field: str, message: str
) -> None:
    response = client.post(
        "/v1/classify",
        content=body,
        headers={**keys.header("reader"), "content-type": "application/json"},
    )
    assert response.status_code == 422, response.text
    problems = response.json()["errors"]
    assert problems[0]["field"] == field
    assert message in problems[0]["message"]


# the routes that read an article from the body
ARTICLE_ROUTES = ("/v1/classify", "/v1/articles")


def _raw_posts(client: TestClient, keys: Keys, body: bytes) -> list[Any]:
    """``body`` as it is, posted to both routes that read an article, as an editor."""
    headers = {**keys.header("editor"), "content-type": "application/json"}
    return [client.post(path, content=body, headers=headers) for path in ARTICLE_ROUTES]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            b'{"text": "unterminated',
            "the body is not valid JSON: Unterminated string starting at line 1 column 10",
        ),
        (
            '{"title": "الاقتصاد",\n "text": "ينمو" "lang": "ar"}'.encode(),
            "the body is not valid JSON: Expecting ',' delimiter at line 2 column 17",
        ),
        (
            b'{"text": "ok",}',
            "the body is not valid JSON: Expecting property name enclosed in double quotes at "
            "line 1 column 15",
        ),
    ],
)
def test_a_body_that_is_not_json_says_why_and_where(
    client: TestClient, keys: Keys, body: bytes, message: str
) -> None:
    for response in _raw_posts(client, keys, body):
        assert response.status_code == 422, response.text
        assert response.json()["message"] == message  # the reason in full, with its place
        assert response.json()["errors"] == [{"field": "body", "message": message, "limit": None}]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b'{"text": "caf\xe9"}', "byte 0xE9 at offset 13 (invalid continuation byte)"),
        ('{"text": "الاقتصاد ينمو"}'.encode("cp1256"), "byte 0xC7 at offset 10"),
        (b'\xff{"text": "x"}', "byte 0xFF at offset 0 (invalid start byte)"),
    ],
)
def test_a_body_that_is_not_utf8_is_a_400_that_says_so(
    client: TestClient, keys: Keys, body: bytes, message: str
) -> None:
    for response in _raw_posts(client, keys, body):
        assert response.status_code == 400, response.text
        said = response.json()["message"]
        assert said.startswith("the body is not UTF-8 text: ") and message in said
        assert said.endswith("; send JSON encoded as UTF-8")
        assert response.json()["errors"][0]["field"] == "body"


def test_a_body_nested_too_deeply_is_a_400_that_says_so(client: TestClient, keys: Keys) -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    response = client.post(
        "/v1/classify",
        content=body,
        headers={**keys.header("reader"), "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["message"] == "the body nests arrays or objects too deeply to be read"


def test_unknown_routes_and_methods_answer_json(client: TestClient) -> None:
    missing = client.get("/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["status"] == 404
    wrong_method = client.put("/v1/stats")
    assert wrong_method.status_code == 405 and wrong_method.json()["status"] == 405
