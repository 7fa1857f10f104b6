"""Queue ordering, filters and pagination; the correction flow through the test client."""

from __future__ import annotations

import base64
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from newsdesk.classify.classifier import Classifier
from newsdesk.store import Store
from newsdesk.store.articles import get_article
from newsdesk.store.review import (
    QueueFilter,
    article_seq,
    margin_of,
    queue_page,
    queue_size,
    review_counts,
)
from newsdesk.taxonomy import Section, Taxonomy
from ui.desk_fixtures import Labeled, seed, sign_in

_ITEM = re.compile(r'<li class="item" data-seq="(\d+)">')


def test_margin_is_the_lead_over_the_runner_up() -> None:
    assert margin_of({"a": 0.5, "b": 0.3, "c": 0.2}) == 0.5 - 0.3
    assert margin_of({"a": 1.0}) == 1.0
    assert margin_of({}) == 0.0


def test_queue_puts_the_least_decided_first_and_pages_by_key(
    seeded: Store, labeled: list[Labeled]
) -> None:
    with seeded.read() as conn:
        everything, _ = queue_page(conn, QueueFilter(), limit=100)
        priorities = [item.priority for item in everything]
        assert priorities == sorted(priorities) and len(everything) == len(labeled)
        margins = [item.margin for item in everything if not item.random_pick]
        assert margins == sorted(margins)
        first, after = queue_page(conn, QueueFilter(), limit=10)
        second, _ = queue_page(conn, QueueFilter(), limit=10, after=after)
    assert [i.seq for i in first + second] == [i.seq for i in everything[:20]]


def test_queue_filters(seeded: Store, labeled: list[Labeled]) -> None:
    today = datetime.now(UTC).date()  # the queue's dates are UTC days
    with seeded.read() as conn:
        arabic, _ = queue_page(conn, QueueFilter(lang="ar"), limit=100)
        assert arabic and {i.lang for i in arabic} == {"ar"}
        some = arabic[0].section
        by_section, _ = queue_page(conn, QueueFilter(section=some), limit=100)
        assert by_section and {i.section for i in by_section} == {some}
        sourced, _ = queue_page(conn, QueueFilter(source="Flash"), limit=100)
        assert [i.id for i in sourced] == ["d18"]
        assert queue_size(conn, QueueFilter(since=today)) == len(labeled)
        assert queue_size(conn, QueueFilter(until=today - timedelta(days=1))) == 0


def test_queue_page_lists_in_margin_order_and_filters(
    editor: tuple[TestClient, str], labeled: list[Labeled]
) -> None:
    client, _ = editor
    page = client.get("/desk/queue")
    shown = [int(s) for s in _ITEM.findall(page.text)]
    assert len(shown) == min(len(labeled), 25)  # one page
    filtered = client.get("/desk/queue", params={"lang": "ar"}).text
    assert 0 < len(_ITEM.findall(filtered)) < len(shown)
    assert client.get("/desk/queue", params={"since": "yesterday"}).status_code == 400


def test_correct_then_confirm_opens_the_next_article(
    editor: tuple[TestClient, str], seeded: Store, labeled: list[Labeled]
) -> None:
    client, token = editor
    with seeded.read() as conn:
        (first, second), _ = queue_page(conn, QueueFilter(), limit=2)
    target = "Sports" if first.section != "Sports" else "Music"
    response = client.post(
        f"/desk/articles/{first.seq}/decision",
        data={"csrf_token": token, "action": "correct", "section": target},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/desk/articles/{second.seq}"
    response = client.post(
        f"/desk/articles/{second.seq}/decision",
        data={"csrf_token": token, "action": "confirm"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with seeded.read() as conn:
        corrected = get_article(conn, first.id)
        confirmed = get_article(conn, second.id)
        counts = review_counts(conn)
        assert queue_size(conn, QueueFilter()) == len(labeled) - 2
    assert corrected is not None and corrected.corrected_section == target
    assert corrected.section == first.section  # the original call is kept
    assert corrected.corrections[0].editor == "editor"
    assert confirmed is not None and confirmed.corrected_section == second.section
    assert confirmed.corrections[0].note == "confirmed"
    assert counts.total_reviewed == 2 and counts.total_changed == 1
    dashboard = client.get("/desk/dashboard").text
    assert 'id="count-reviewed">2<' in dashboard and 'id="count-changed">1<' in dashboard


def test_next_article_keeps_the_filters(editor: tuple[TestClient, str], seeded: Store) -> None:
    client, token = editor
    with seeded.read() as conn:
        (first, second), _ = queue_page(conn, QueueFilter(lang="ar"), limit=2)
    response = client.post(
        f"/desk/articles/{first.seq}/decision",
        data={"csrf_token": token, "action": "confirm", "f_lang": "ar"},
        follow_redirects=False,
    )
    assert response.headers["location"] == f"/desk/articles/{second.seq}?lang=ar"


def test_unknown_section_is_refused(editor: tuple[TestClient, str], seeded: Store) -> None:
    client, token = editor
    with seeded.read() as conn:
        seq = article_seq(conn, "d01")
    response = client.post(
        f"/desk/articles/{seq}/decision",
        data={"csrf_token": token, "action": "correct", "section": "Gossip"},
    )
    assert response.status_code == 422
    assert "Gossip" in response.text


def test_csrf_less_decision_is_refused(editor: tuple[TestClient, str], seeded: Store) -> None:
    client, _ = editor
    with seeded.read() as conn:
        seq = article_seq(conn, "d01")
    for data in ({"action": "confirm"}, {"action": "confirm", "csrf_token": "forged"}):
        response = client.post(f"/desk/articles/{seq}/decision", data=data)
        assert response.status_code == 403
    with seeded.read() as conn:
        found = get_article(conn, "d01")
    assert found is not None and found.corrected_section is None


def test_reader_cannot_correct(client: TestClient, seeded: Store) -> None:
    token = sign_in(client, "reader")
    with seeded.read() as conn:
        seq = article_seq(conn, "d01")
    response = client.post(
        f"/desk/articles/{seq}/decision",
        data={"csrf_token": token, "action": "correct", "section": "Sports"},
    )
    assert response.status_code == 403
    assert "editor" in response.text
    with seeded.read() as conn:
        found = get_article(conn, "d01")
    assert found is not None and found.corrected_section is None


def test_signed_out_post_is_refused(client: TestClient, seeded: Store) -> None:
    with seeded.read() as conn:
        seq = article_seq(conn, "d01")
    page = client.get("/desk/signin")
    from ui.desk_fixtures import csrf_of

    response = client.post(
        f"/desk/articles/{seq}/decision",
        data={"csrf_token": csrf_of(page.text), "action": "confirm"},
    )
    assert response.status_code == 401


@pytest.fixture
def multi_label() -> Classifier:
    """A zero-shot classifier over the default taxonomy made multi-label."""
    taxonomy = replace(Taxonomy.default(), multi_label=True)
    return Classifier.zero_shot(taxonomy, encoder="lexical")


def test_a_multi_label_taxonomy_picks_several_sections(
    app_factory,  # type: ignore[no-untyped-def]
    database_url: str,
    labeled: list[Labeled],
    multi_label: Classifier,
) -> None:
    classifier = multi_label
    store = Store(database_url)
    seed(store, classifier, [labeled[0].article], "multi")
    with store.read() as conn:
        seq = article_seq(conn, labeled[0].article.id or "")
    with TestClient(app_factory(classifier=classifier), base_url="https://testserver") as client:
        token = sign_in(client)
        page = client.get(f"/desk/articles/{seq}").text
        assert 'type="checkbox" name="section"' in page and 'id="save-sections"' in page
        response = client.post(
            f"/desk/articles/{seq}/decision",
            data={"csrf_token": token, "action": "correct", "section": ["Art", "Causes"]},
            follow_redirects=False,
        )
    assert response.status_code == 303
    with store.read() as conn:
        found = get_article(conn, labeled[0].article.id or "")
    assert found is not None and found.corrected_sections == ("Art", "Causes")
    store.dispose()


def test_keeping_the_calls_sections_in_a_multi_label_pick_keeps_its_primary(
    app_factory,  # type: ignore[no-untyped-def]
    database_url: str,
    labeled: list[Labeled],
    multi_label: Classifier,
) -> None:
    classifier, taxonomy = multi_label, multi_label.taxonomy
    names = taxonomy.names
    # an English and an Arabic article called under a section that is not the taxonomy's first
    chosen = [
        next(i for i in labeled if i.article.lang == lang and i.label != names[0])
        for lang in ("en", "ar")
    ]
    store = Store(database_url)
    seed(store, classifier, [i.article for i in chosen], "multi")
    checked = []
    with TestClient(app_factory(classifier=classifier), base_url="https://testserver") as client:
        token = sign_in(client)
        for item in chosen:
            article_id = item.article.id or ""
            with store.read() as conn:
                seq = article_seq(conn, article_id)
                call = get_article(conn, article_id)
            assert call is not None
            primary = call.section
            if primary == names[0]:
                continue  # nothing earlier in taxonomy order to add
            # the editor keeps the call's primary and ticks a section listed before it: the
            # form sends the checkboxes in taxonomy order
            ticked = [names[0], primary]
            response = client.post(
                f"/desk/articles/{seq}/decision",
                data={"csrf_token": token, "action": "correct", "section": ticked},
                follow_redirects=False,
            )
            assert response.status_code == 303
            with store.read() as conn:
                found = get_article(conn, article_id)
            assert found is not None
            assert found.corrected_section == primary, item.article.lang
            assert set(found.corrected_sections or ()) == {names[0], primary}
            assert found.corrected_sections is not None
            assert found.corrected_sections[0] == primary
            checked.append(item.article.lang)
        assert checked == ["en", "ar"]  # both calls had a section before theirs to tick
        with store.read() as conn:
            changed = review_counts(conn).changed
        assert sum(changed.values()) == 0  # no call's primary section was changed
    store.dispose()


def test_a_single_label_taxonomy_refuses_several_sections(
    editor: tuple[TestClient, str], seeded: Store
) -> None:
    client, token = editor
    with seeded.read() as conn:
        seq = article_seq(conn, "d01")
    response = client.post(
        f"/desk/articles/{seq}/decision",
        data={"csrf_token": token, "action": "correct", "section": ["Sports", "Health"]},
    )
    assert response.status_code == 422
    assert "one section" in response.text
    with seeded.read() as conn:
        found = get_article(conn, "d01")
    assert found is not None and found.corrected_section is None


@pytest.mark.parametrize(
    ("size", "multi"), [(25, True), (40, True), (40, False)], ids=["25-multi", "40-multi", "40"]
)
def test_no_section_key_clashes_with_a_command_key_in_a_wide_taxonomy(
    app_factory,  # type: ignore[no-untyped-def]
    database_url: str,
    labeled: list[Labeled],
    size: int,
    multi: bool,
) -> None:
    sections = tuple(
        Section(f"Desk {n}" if n % 2 else f"قسم {n}", description={"en": f"news of beat {n}"})
        for n in range(size)
    )
    classifier = Classifier.zero_shot(
        Taxonomy(name="wide", sections=sections, multi_label=multi), encoder="lexical"
    )
    store = Store(database_url)
    seed(store, classifier, [labeled[0].article], "wide")
    with store.read() as conn:
        seq = article_seq(conn, labeled[0].article.id or "")
    with TestClient(app_factory(classifier=classifier), base_url="https://testserver") as client:
        sign_in(client)
        page = client.get(f"/desk/articles/{seq}")
    assert page.status_code == 200  # sections past the last key are still listed
    keys = re.findall(r'data-key="([^"]*)"', page.text)
    # one key for each of the first 34 sections, and one for each command
    assert len(keys) == len(set(keys)) == min(size, 34) + (2 if multi else 1)
    assert keys.count("Enter") == 1 and ("s" in keys) == multi
    if multi:
        assert re.search(r'id="save-sections" data-key="s"', page.text)
    assert page.text.count('name="section" value="') == size


def test_a_forged_page_link_is_a_400(editor: tuple[TestClient, str]) -> None:
    client, _ = editor
    for key in (b"0.5:" + b"9" * 30, b"inf:3", b"nan:3", b"0.5:-1"):
        after = base64.urlsafe_b64encode(key).decode().rstrip("=")
        response = client.get(f"/desk/queue?after={after}")
        assert response.status_code == 400, key
        assert "invalid page link" in response.text


def test_the_dashboard_estimates_accuracy_from_the_random_picks_editors_reviewed(
    editor: tuple[TestClient, str], seeded: Store
) -> None:
    client, token = editor
    before = client.get("/desk/dashboard").text
    assert 'id="estimate-accuracy">–<' in before and "one article in 5" in before
    with seeded.read() as conn:
        waiting, _ = queue_page(conn, QueueFilter(), limit=1000)
    picks = [item for item in waiting if item.random_pick][:2]
    assert len(picks) == 2
    for item, action in zip(picks, ("confirm", "correct"), strict=True):
        other = "Sports" if item.section != "Sports" else "Music"
        data = {"csrf_token": token, "action": action}
        if action == "correct":
            data["section"] = other
        response = client.post(
            f"/desk/articles/{item.seq}/decision", data=data, follow_redirects=False
        )
        assert response.status_code == 303
    after = client.get("/desk/dashboard").text
    assert 'id="estimate-accuracy">50%<' in after  # one call of two was right
    assert "from the last 2 random picks" in after
