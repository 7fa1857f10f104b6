"""``GET /v1/queue``: the review desk's queue for machines (order, filters, roles, paging)."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from newsdesk.classify.classifier import Classifier
from newsdesk.service import create_app
from newsdesk.store import Store
from newsdesk.store.queue_cursor import decode_queue_key, encode_queue_key
from newsdesk.store.review import QueueFilter, queue_page
from service.conftest import Keys, settings_for

ARTICLES = [
    {"id": "e1", "title": "Rates rise", "text": "The central bank raised rates.", "lang": "en"},
    {"id": "e2", "title": "Cup final", "text": "The striker scored twice.", "lang": "en"},
    {"id": "e3", "title": "New novel", "text": "A poet's novel tops the charts.", "lang": "en"},
    {"id": "e4", "title": "Vaccine", "text": "Doctors test a new vaccine.", "lang": "en"},
    {"id": "e5", "title": "Election", "text": "Voters go to the polls.", "lang": "en"},
    {"id": "a1", "title": "فاز المنتخب بالكأس", "text": "سجل المهاجم هدفين.", "lang": "ar"},
    {"id": "a2", "title": "رفع البنك المركزي الفائدة", "text": "ارتفع التضخم.", "lang": "ar"},
    {"id": "a3", "title": "رواية جديدة", "text": "تتصدر رواية الشاعر المبيعات.", "lang": "ar"},
]
WIRE = {"e1", "e2", "a1"}  # these come from source "wire", the rest from "desk"


def fill(client: TestClient, keys: Keys) -> None:
    batch = [{**a, "source": "wire" if a["id"] in WIRE else "desk"} for a in ARTICLES]
    stored = client.post("/v1/articles", json={"articles": batch}, headers=keys.header("editor"))
    assert stored.status_code == 201, stored.text


def desk_order(database_url: str, where: QueueFilter | None = None) -> list[str]:
    """The queue as the desk reads it: the store's own function, one big page."""
    store = Store(database_url)
    try:
        with store.read() as conn:
            items, _ = queue_page(conn, where or QueueFilter(), limit=1_000)
    finally:
        store.dispose()
    return [item.id for item in items]


def walk(client: TestClient, query: str, key: dict[str, str]) -> list[dict]:  # type: ignore[type-arg]
    """Every article of the queue, a page at a time, following ``next``."""
    seen: list[dict] = []  # type: ignore[type-arg]
    url = f"/v1/queue?{query}"
    while url:
        response = client.get(url, headers=key)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["articles"]) <= int(query.split("limit=")[1].split("&")[0])
        seen += page["articles"]
        url = f"/v1/queue?{query}&after={page['next']}" if page["next"] else ""
    return seen


def test_pages_follow_the_desks_order_and_leave_reviewed_articles_out(
    client: TestClient, keys: Keys, database_url: str
) -> None:
    fill(client, keys)
    corrected = client.post(
        "/v1/articles/e3/corrections", json={"section": "Art"}, headers=keys.header("editor")
    )
    assert corrected.status_code == 201
    expected = desk_order(database_url)
    assert sorted(expected) == sorted(a["id"] for a in ARTICLES if a["id"] != "e3")
    for limit in (1, 3, 7, 50):
        seen = walk(client, f"limit={limit}", keys.header("reader"))
        assert [a["id"] for a in seen] == expected, limit


def test_each_article_comes_with_its_call_and_confidence(
    client: TestClient, keys: Keys, database_url: str
) -> None:
    fill(client, keys)
    (first,) = client.get("/v1/queue?limit=1", headers=keys.header("reader")).json()["articles"]
    stored = client.get(f"/v1/articles/{first['id']}", headers=keys.header("reader")).json()
    assert {k: first[k] for k in ("id", "title", "section", "confidence", "lang", "source")} == {
        k: stored[k] for k in ("id", "title", "section", "confidence", "lang", "source")
    }
    assert first["id"] == desk_order(database_url)[0]


def test_arabic_titles_come_back_whole(client: TestClient, keys: Keys) -> None:
    fill(client, keys)
    response = client.get("/v1/queue?lang=ar&limit=10", headers=keys.header("reader"))
    assert response.headers["content-type"].startswith("application/json")
    titles = {a["id"]: a["title"] for a in response.json()["articles"]}
    assert titles == {a["id"]: a["title"] for a in ARTICLES if a["lang"] == "ar"}


@pytest.mark.parametrize(
    ("query", "where"),
    [
        ("lang=ar", QueueFilter(lang="ar")),
        ("lang=en&source=wire", QueueFilter(lang="en", source="wire")),
        ("source=desk", QueueFilter(source="desk")),
    ],
)
def test_filters_keep_the_desks_order(
    client: TestClient, keys: Keys, database_url: str, query: str, where: QueueFilter
) -> None:
    fill(client, keys)
    seen = walk(client, f"limit=2&{query}", keys.header("reader"))
    assert [a["id"] for a in seen] == desk_order(database_url, where)
    assert seen and all(
        (where.lang in (None, a["lang"])) and (where.source in (None, a["source"])) for a in seen
    )


def test_the_section_filter_takes_the_call(client: TestClient, keys: Keys) -> None:
    fill(client, keys)
    reader = keys.header("reader")
    everything = client.get("/v1/queue?limit=50", headers=reader).json()["articles"]
    section = everything[0]["section"]
    only = walk(client, f"limit=2&section={section.replace('&', '%26')}", reader)
    assert [a["id"] for a in only] == [a["id"] for a in everything if a["section"] == section]
    none = client.get("/v1/queue?section=No%20such%20section", headers=reader).json()
    assert none == {"articles": [], "next": None}


def test_readers_and_up_may_read_the_queue(client: TestClient, keys: Keys) -> None:
    fill(client, keys)
    for role in ("reader", "editor", "admin"):
        assert client.get("/v1/queue", headers=keys.header(role)).status_code == 200, role
    anonymous = client.get("/v1/queue")
    assert anonymous.status_code == 401 and "missing API key" in anonymous.json()["message"]
    forged = client.get("/v1/queue", headers={"X-API-Key": "nd_not-a-key"})
    assert forged.status_code == 401 and "invalid or revoked" in forged.json()["message"]
    # a bad query without a key is answered as a request without a key
    for query in ("section=a&section=b", "section=%ED%A0%80", "source=%01"):
        assert client.get(f"/v1/queue?{query}").status_code == 401, query


def test_pages_are_no_longer_than_the_servers_max_page(
    database_url: str, classifier: Classifier, keys: Keys
) -> None:
    app = create_app(settings_for(database_url, max_page=3), classifier=classifier)
    with TestClient(app) as client:
        fill(client, keys)
        reader = keys.header("reader")
        default = client.get("/v1/queue", headers=reader).json()
        assert len(default["articles"]) == 3 and default["next"]
        too_long = client.get("/v1/queue?limit=4", headers=reader).json()
        assert too_long["errors"][0] == {
            "field": "limit",
            "message": "limit: 4 is more than the page limit of 3",
            "limit": 3,
        }


def _token(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


BAD_QUERIES = [
    ("limit=0", 422, "limit"),
    ("limit=-3", 422, "limit"),
    ("limit=many", 422, "limit"),
    ("limit=1.5", 422, "limit"),
    ("limit=201", 422, "limit"),  # over the server's max_page
    ("limit=99999999999999999999999", 422, "limit"),
    ("after=garbage", 400, "after"),
    ("after=", 422, "after"),
    ("after=" + _token("nan:3"), 400, "after"),
    ("after=" + _token("0.5:99999999999999999999"), 400, "after"),
    ("after=" + _token("0.5:-1"), 400, "after"),
    ("after=%D8%A8%D8%A7%D8%A8", 400, "after"),  # Arabic letters, not a token
    ("after=" + "A" * 200, 422, "after"),
    ("section=Sport%01", 422, "section"),
    ("section=a%1Bb", 422, "section"),
    ("source=wire%7F", 422, "source"),
    ("source=%C2%85", 422, "source"),  # a C1 control (NEL)
    ("section=%00", 400, "query"),
    ("source=wi%00re", 400, "query"),
    ("section=%ED%A0%80", 400, "query"),  # a lone surrogate's UTF-8 bytes
    ("source=%FF", 400, "query"),
    ("lang=e%20n", 422, "lang"),
    ("lang=%D8%B9%D8%B1", 422, "lang"),
    ("lang=en%0A", 422, "lang"),
    ("section=" + "x" * 256, 422, "section"),
    ("section=", 422, "section"),
    ("lang=ar&lang=en", 422, "lang"),
]


@pytest.mark.parametrize(("query", "status", "field"), BAD_QUERIES)
def test_bad_input_is_a_clear_4xx_naming_the_parameter(
    client: TestClient, keys: Keys, query: str, status: int, field: str
) -> None:
    fill(client, keys)
    response = client.get(f"/v1/queue?{query}", headers=keys.header("reader"))
    body = response.json()
    assert (response.status_code, body["status"]) == (status, status), body
    assert field in [problem["field"] for problem in body["errors"]], body


def test_a_page_token_stands_for_the_key_it_was_made_of() -> None:
    for key in [(0.0, 1), (0.125, 42), (-1e-9, 2**63 - 1), (1.0, 0)]:
        assert decode_queue_key(encode_queue_key(key)) == key
    with pytest.raises(ValueError, match="pass the 'next' of the previous page"):
        decode_queue_key(_token("inf:1"))
