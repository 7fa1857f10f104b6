"""Each desk page renders through the test client, with what it must show."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update

from newsdesk.store import Store
from newsdesk.store.review import QueueFilter, queue_page
from newsdesk.store.tables import articles
from ui.desk_fixtures import Labeled, sign_in


def first_seq(store: Store) -> int:
    with store.read() as conn:
        items, _ = queue_page(conn, QueueFilter(), limit=1)
    return items[0].seq


def test_pages_need_sign_in(client: TestClient) -> None:
    for path in ("/desk/queue", "/desk/dashboard", "/desk/models", "/desk/articles/1"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/desk/signin?next=")


def test_signin_page_sets_a_secure_httponly_samesite_cookie(client: TestClient) -> None:
    response = client.get("/desk/signin")
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.text
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_queue_page(editor: tuple[TestClient, str], labeled: list[Labeled]) -> None:
    client, _ = editor
    page = client.get("/desk/queue")
    assert page.status_code == 200
    assert f"{len(labeled)} waiting" in page.text
    assert 'class="bar"' in page.text  # confidence bars
    assert 'dir="rtl" lang="ar"' in page.text  # Arabic leads right-to-left


def test_article_page_and_passages(editor: tuple[TestClient, str], seeded: Store) -> None:
    client, _ = editor
    seq = first_seq(seeded)
    page = client.get(f"/desk/articles/{seq}")
    assert page.status_code == 200
    assert page.text.count('class="bar"') >= 12  # every section's probability
    assert 'data-key="1"' in page.text and 'data-key="Enter"' in page.text
    fragment = client.get(f"/desk/articles/{seq}/passages")
    assert fragment.status_code == 200
    assert 'class="drove"' in fragment.text
    assert "Active model" in fragment.text


def store_old_lang(store: Store, seq: int, lang: str) -> None:
    """A lang stored before the service refused what is no language tag."""
    with store.write() as conn:
        conn.execute(update(articles).where(articles.c.seq == seq).values(lang=lang))


def test_article_stored_with_an_old_unchecked_lang_still_shows(
    editor: tuple[TestClient, str], seeded: Store
) -> None:
    client, _ = editor
    seq = first_seq(seeded)
    store_old_lang(seeded, seq, "en\u0001")
    assert client.get(f"/desk/articles/{seq}").status_code == 200
    fragment = client.get(f"/desk/articles/{seq}/passages")
    assert fragment.status_code == 200 and "Active model" in fragment.text


def test_dashboard_page(editor: tuple[TestClient, str], labeled: list[Labeled]) -> None:
    client, _ = editor
    page = client.get("/desk/dashboard")
    assert page.status_code == 200
    assert f'id="count-filed">{len(labeled)}<' in page.text
    assert 'id="count-reviewed">0<' in page.text
    assert "<svg" in page.text


def test_models_page(editor: tuple[TestClient, str]) -> None:
    client, _ = editor
    page = client.get("/desk/models")
    assert page.status_code == 200
    assert "initial" in page.text and "badge" in page.text
    assert 'id="retrain"' in page.text


def test_reader_sees_pages_but_no_decision_buttons(client: TestClient, seeded: Store) -> None:
    sign_in(client, "reader")
    page = client.get(f"/desk/articles/{first_seq(seeded)}")
    assert page.status_code == 200
    assert 'id="confirm"' not in page.text
    assert 'id="retrain"' not in client.get("/desk/models").text


def test_public_pages_need_no_sign_in(client: TestClient) -> None:
    index = client.get("/sections")
    assert index.status_code == 200
    assert "/feeds/cloak-dagger.xml" in index.text
    page = client.get("/sections/news-politics")
    assert page.status_code == 200
    assert client.get("/sections/nope").status_code == 404


def test_unknown_article_is_a_404_page(editor: tuple[TestClient, str]) -> None:
    client, _ = editor
    response = client.get("/desk/articles/999999")
    assert response.status_code == 404
    assert "no article number 999999" in response.text


def test_out_of_range_numbers_in_urls_are_404_pages(editor: tuple[TestClient, str]) -> None:
    client, _ = editor
    huge = 2**64  # more than a 64-bit row number holds
    for path in (
        f"/desk/articles/{huge}",
        f"/desk/articles/{huge}/passages",
        f"/desk/jobs/{huge}",
        "/desk/articles/-1",
        "/desk/articles/0",
    ):
        response = client.get(path)
        assert response.status_code == 404, path


def test_times_are_shown_in_utc_and_say_so() -> None:
    from datetime import datetime, timedelta, timezone

    from newsdesk.ui.templating import build_templates

    when = build_templates().env.filters["when"]
    riyadh = timezone(timedelta(hours=3))
    assert when(datetime(2025, 3, 2, 2, 30, tzinfo=riyadh)) == "2025-03-01 23:30 UTC"
    assert when(None) == ""
