"""The learning curve on the models page and the dashboard: inline SVG and a table."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.store import Store
from newsdesk.store.articles import add_correction
from ui.desk_fixtures import Labeled, seed

ARABIC_MODEL = "نموذج-<b>-2"  # a version with Arabic and markup in it


def review(store: Store, items: list[Labeled]) -> None:
    with store.write() as conn:
        for item in items:
            add_correction(conn, item.article.id or "", [item.label], editor="ann")


def test_before_any_review_the_pages_say_so(editor: tuple[TestClient, str]) -> None:
    client, _ = editor
    for url in ("/desk/models", "/desk/dashboard"):
        page = client.get(url).text
        assert 'id="learning-curve"' in page and "No article has been reviewed yet" in page
        assert "<polyline" not in page


def test_the_curve_draws_a_line_a_model_and_the_same_figures_as_a_table(
    editor: tuple[TestClient, str],
    seeded: Store,
    labeled: list[Labeled],
    lexical_classifier: Classifier,
) -> None:
    client, _ = editor
    later = [Article(text=i.article.text, title=i.article.title, id=f"again-{i.article.id}",
                     lang=i.article.lang) for i in labeled[:8]]  # fmt: skip
    seed(seeded, lexical_classifier, later, ARABIC_MODEL)
    review(seeded, labeled[:12])
    review(seeded, [Labeled(a, i.label) for a, i in zip(later, labeled[:8], strict=True)])
    calls = {i.article.id: p.section for i, p in zip(
        labeled, lexical_classifier.classify_many([i.article for i in labeled]), strict=True)}  # fmt: skip
    right = sum(calls[i.article.id] == i.label for i in labeled[:12])
    for url in ("/desk/models", "/desk/dashboard"):
        page = client.get(url).text
        section = page[page.index('id="learning-curve"') :]
        section = section[: section.index("</section>")]
        assert section.count("<polyline") == 2  # the seed model and the later one
        assert 'role="img"' in section and 'aria-labelledby="curve-title curve-desc"' in section
        assert 'dir="ltr"' in section  # the axes read left to right on any page
        assert "نموذج-&lt;b&gt;-2" in section and "<b>" not in section  # escaped, as text
        rows = re.findall(r'<tr data-model="([^"]*)">(.*?)</tr>', section, re.S)
        last_seed = [cells for model, cells in rows if model == "seed"][-1]
        numbers = re.findall(r'<td class="num">([^<]*)</td>', last_seed)
        assert numbers[:3] == ["12", "12", str(right)]  # after 12 reviews: 12 calls, right ones
        assert numbers[3] == f"{100 * right / 12:.1f}%"
        last_arabic = [c for m, c in rows if m == "نموذج-&lt;b&gt;-2"][-1]
        assert re.findall(r'<td class="num">([^<]*)</td>', last_arabic)[:2] == ["20", "8"]
