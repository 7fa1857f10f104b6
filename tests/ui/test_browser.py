"""The editor's walk in a real browser: Playwright driving Debian's Chromium, headless.

Sign in, open the queue, correct three articles by keyboard, confirm two, see the dashboard
counts change, retrain, activate the new model, and see a previously wrong article filed
right. A screenshot of each page is saved under the test's tmp_path, and axe-core checks each
page it shows (no serious or critical violation). The server is a real
uvicorn on 127.0.0.1 (a free port), with the lexical encoder and SQLite in tmp_path.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsdesk.classify.classifier import Classifier
from newsdesk.lifecycle.retrain import held_out
from newsdesk.server import create_app
from newsdesk.store import Store
from newsdesk.store.review import article_seq
from newsdesk.ui.templating import shortcut_keys
from services import missing
from ui.axe_check import assert_accessible, axe_report, serious_violations
from ui.desk_fixtures import PASSWORD, Labeled, desk_settings, seed, service_settings
from ui.test_xss import EVIL

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(autouse=True)
def _chromium() -> None:
    if not Path(CHROMIUM).exists():
        missing(f"Debian's Chromium not found at {CHROMIUM}", "apt-get install chromium")


def look(page, path: Path) -> None:  # type: ignore[no-untyped-def]
    """Screenshot the page to ``path`` and check it with axe (see ``axe_check``)."""
    page.screenshot(path=str(path), full_page=True)
    assert_accessible(page, path.stem)


@pytest.fixture
def server(
    tmp_path: Path, database_url: str, labeled: list[Labeled], lexical_classifier: Classifier
) -> Iterator[str]:
    """A real uvicorn on a loopback socket bound here, so it takes connections at once:
    they wait in the socket's backlog until the service has started."""
    import uvicorn

    store = Store(database_url)
    seed(store, lexical_classifier, [item.article for item in labeled] + [EVIL], "seed")
    store.dispose()
    app = create_app(
        service_settings(database_url),
        classifier=lexical_classifier,
        desk=desk_settings(tmp_path, public_min_confidence=0.0),
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(30)
        sock.close()


def check_learning_curve(page: Any, *, models: int, shot: Path) -> None:
    """The curve is drawn (a line a reviewed model), its table opens, and on a right-to-left
    page its axes still read left to right."""
    chart = page.locator("#learning-curve svg[role=img]")
    assert chart.is_visible()
    assert page.locator("#learning-curve polyline").count() == models
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    page.click("#learning-curve summary")
    assert page.is_visible("#curve-table") and page.locator("#curve-table tbody tr").count() >= 1
    page.evaluate("document.documentElement.dir = 'rtl'")  # as an Arabic page sets it
    direction = "e => getComputedStyle(e).direction"
    assert page.eval_on_selector("#learning-curve figure", direction) == "ltr"
    label = page.locator("#learning-curve svg text").first.bounding_box()  # the "0%" label
    line = page.locator("#learning-curve polyline").first.bounding_box()
    assert label is not None and line is not None
    assert label["x"] + label["width"] <= line["x"]  # left of the lines, not flipped
    assert page.eval_on_selector("#learning-curve ul.legend", direction) == "ltr"
    page.screenshot(path=str(shot), full_page=True)
    page.evaluate("document.documentElement.dir = 'ltr'")


def test_editor_walk(
    server: str,
    tmp_path: Path,
    database_url: str,
    labeled: list[Labeled],
    lexical_classifier: Classifier,
) -> None:
    from playwright.sync_api import sync_playwright

    shots = tmp_path / "screenshots"
    shots.mkdir()
    calls = {
        item.article.id: p.section
        for item, p in zip(
            labeled, lexical_classifier.classify_many([i.article for i in labeled]), strict=True
        )
    }
    wrong = [
        i for i in labeled if calls[i.article.id] != i.label and not held_out(i.article.id or "")
    ]
    right = [i for i in labeled if calls[i.article.id] == i.label]
    assert len(wrong) >= 3 and len(right) >= 2, "the fixture needs 3 wrong and 2 right calls"
    to_correct, to_confirm = wrong[:3], right[:2]
    store = Store(database_url)
    with store.read() as conn:
        seqs = {i.article.id: article_seq(conn, i.article.id or "") for i in labeled}
        evil_seq = article_seq(conn, "evil-1")
    keys = shortcut_keys(lexical_classifier.taxonomy.names)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

        # Sign in (the queue sends us to the sign-in form first).
        page.goto(f"{server}/desk/queue")
        assert "/desk/signin" in page.url
        look(page, shots / "01-signin.png")
        page.fill("input[name=name]", "editor")
        page.fill("input[name=password]", PASSWORD)
        page.click("#signin button[type=submit]")
        page.wait_for_url("**/desk/queue")
        assert page.locator("li.item").count() == 25
        look(page, shots / "02-queue.png")
        page.click("li.item:first-child a.title")
        page.wait_for_selector("#article")
        assert "/desk/articles/" in page.url

        page.goto(f"{server}/desk/dashboard")
        assert page.inner_text("#count-reviewed") == "0"
        look(page, shots / "03-dashboard-before.png")

        # Correct three articles and confirm two, by keyboard.
        for n, item in enumerate(to_correct + to_confirm):
            page.goto(f"{server}/desk/articles/{seqs[item.article.id]}")
            page.wait_for_selector("#text[data-loaded='1']")
            if n == 0:
                assert page.locator("mark.drove").count() >= 1
                look(page, shots / "04-article.png")
            before = page.url
            page.keyboard.press("Enter" if item in to_confirm else keys[item.label])
            page.wait_for_url(lambda url, before=before: url != before)
            assert "/desk/articles/" in page.url  # the next article of the queue opened

        page.goto(f"{server}/desk/dashboard")
        assert page.inner_text("#count-reviewed") == "5"
        assert page.inner_text("#count-changed") == "3"
        look(page, shots / "05-dashboard-after.png")
        check_learning_curve(page, models=1, shot=shots / "05b-learning-curve-rtl.png")

        # Retrain in the background, then activate the new model.
        page.goto(f"{server}/desk/models")
        page.click("#retrain")
        page.wait_for_selector("tr[data-version^='retrained-'] button.activate", timeout=120_000)
        look(page, shots / "06-models-trained.png")
        version = page.get_attribute("tr[data-version^='retrained-']", "data-version")
        page.click("tr[data-version^='retrained-'] button.activate")
        page.wait_for_selector(f"tr.active[data-version='{version}']")
        assert page.inner_text("#active-version") == version
        look(page, shots / "07-models-activated.png")
        assert page.locator("#learning-curve polyline").count() == 1  # on the models page too

        # A previously wrong article is now filed right by the active model.
        refiled = []
        for item in to_correct:
            page.goto(f"{server}/desk/articles/{seqs[item.article.id]}")
            page.wait_for_selector("#live-call")
            live = page.locator(".passages")
            assert live.get_attribute("data-live-model") == version
            if live.get_attribute("data-live-section") == item.label:
                refiled.append(item.article.id)
                if len(refiled) == 1:
                    look(page, shots / "08-article-refiled.png")
        assert refiled, "the new model files none of the corrected articles as the editor did"

        # Hostile text stays text: no script ran, no dialog opened.
        page.goto(f"{server}/desk/articles/{evil_seq}")
        page.wait_for_selector("#text[data-loaded='1']")
        assert page.title() != "pwned" and not dialogs
        assert "<script>" in page.inner_text("h1")
        assert page.locator("a[href^='javascript'], img, [onerror], #article script").count() == 0
        look(page, shots / "09-hostile.png")

        # The public section page: Arabic articles right-to-left.
        page.goto(f"{server}/sections/sports")
        assert page.locator("#articles li[dir=rtl][lang=ar]").count() >= 1
        look(page, shots / "10-section.png")
        browser.close()

    assert len(list(shots.glob("*.png"))) == 11


def test_enter_on_a_focused_section_button_files_it_there(
    server: str, database_url: str, labeled: list[Labeled], lexical_classifier: Classifier
) -> None:
    """Keyboard users Tab to a section and press Enter: that section, not a confirmation."""
    from playwright.sync_api import sync_playwright

    from newsdesk.store.articles import get_article

    item = next(i for i in labeled if i.article.lang == "ar")
    call = lexical_classifier.classify(item.article).section
    other = next(name for name in lexical_classifier.taxonomy.names if name != call)
    store = Store(database_url)
    with store.read() as conn:
        seq = article_seq(conn, item.article.id or "")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(f"{server}/desk/signin")
        page.fill("input[name=name]", "editor")
        page.fill("input[name=password]", PASSWORD)
        page.click("#signin button[type=submit]")
        page.wait_for_url("**/desk/queue")
        page.goto(f"{server}/desk/articles/{seq}")
        before = page.url
        page.focus(f'#correct-form button[value="{other}"]')
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: url != before)
        browser.close()
    with store.read() as conn:
        found = get_article(conn, item.article.id or "")
    store.dispose()
    assert found is not None and found.corrected_section == other


def test_every_page_passes_axe_in_english_and_arabic(
    server: str, database_url: str, labeled: list[Labeled]
) -> None:
    """The pages the walk does not show, Arabic ones among them, with no request leaving the
    test's server (axe comes from the installed package, not from the network)."""
    from playwright.sync_api import sync_playwright

    store = Store(database_url)
    with store.read() as conn:
        arabic = [article_seq(conn, i.article.id or "") for i in labeled if i.article.lang == "ar"]
    store.dispose()
    elsewhere: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route(
            lambda url: not url.startswith(server),
            lambda route: (elsewhere.append(route.request.url), route.abort()),
        )
        page.goto(f"{server}/desk/signin")
        page.fill("input[name=name]", "editor")
        page.fill("input[name=password]", "not the password")
        page.click("#signin button[type=submit]")
        page.wait_for_selector(".error")
        assert_accessible(page, "sign-in refused")
        page.fill("input[name=name]", "editor")
        page.fill("input[name=password]", PASSWORD)
        page.click("#signin button[type=submit]")
        page.wait_for_url("**/desk/queue")
        page.goto(f"{server}/desk/queue?lang=ar")
        assert page.locator("li.item a.title[dir=rtl][lang=ar]").count() == len(arabic)
        assert_accessible(page, "queue of Arabic articles")
        page.goto(f"{server}/desk/articles/{arabic[0]}")
        page.wait_for_selector("#text[data-loaded='1']")
        assert page.evaluate("getComputedStyle(document.querySelector('h1')).direction") == "rtl"
        assert_accessible(page, "an Arabic article")
        page.goto(f"{server}/desk/models")
        page.click("#models a[href^='/desk/models/']")
        page.wait_for_url("**/desk/models/*")
        assert_accessible(page, "a model")
        for path, status in (
            ("/sections", 200),
            ("/sections/sports", 200),
            ("/sections/nope", 404),
        ):
            response = page.goto(f"{server}{path}")
            assert response is not None and response.status == status, path
            assert_accessible(page, path)
        browser.close()
    assert not elsewhere, f"pages asked for something outside the test's server: {elsewhere}"


def test_the_axe_check_names_each_rule_impact_and_element(server: str) -> None:
    """The check can fail: a page made to break two rules is reported rule by rule."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.goto(f"{server}/sections")
        page.evaluate(
            """() => {
                const faint = document.createElement('p');
                faint.id = 'faint';
                faint.style.color = '#bbb';
                faint.textContent = 'hard to read';
                const button = document.createElement('button');
                button.id = 'nameless';
                document.querySelector('main').append(faint, button);
            }"""
        )
        found = serious_violations(page)
        browser.close()
    report = axe_report(found)
    assert {v["id"] for v in found} == {"color-contrast", "button-name"}, report
    assert "color-contrast (serious)" in report and "#faint" in report
    assert "button-name (critical)" in report and "#nameless" in report
