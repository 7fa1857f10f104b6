from __future__ import annotations

import numpy as np
import pytest

from newsdesk.article import Article
from newsdesk.io.dedup import (
    Deduplicator,
    DuplicateKind,
    MinHasher,
    canonical_url,
    normalize_text,
    shingles,
)

WIRE = (
    "The central bank kept its benchmark interest rate unchanged at 4.5% on Thursday, saying "
    "that inflation had eased for a third month in a row but that it was too early to declare "
    "victory over rising prices. Policymakers voted seven to two to hold rates, with two "
    "members of the committee preferring a quarter-point cut. Markets had expected the "
    "decision, and the currency moved little after the announcement. Consumer prices rose "
    "2.3% in the year to October, down from 2.6% in September."
)
OTHER = (
    "The central bank raised its benchmark interest rate to 5% on Thursday, saying that "
    "inflation had risen for a third month in a row. The finance ministry welcomed the move "
    "and said the budget would be revised next spring. Analysts said mortgage costs would "
    "climb, and house prices could fall in the coming months as buyers wait for clarity on "
    "what the bank does next. Unemployment held at 4.1% in the quarter."
)
AR = (
    "تأهل المنتخب الوطني لكرة القدم إلى المباراة النهائية للبطولة الإقليمية بعد فوزه على "
    "منافسه بهدفين مقابل هدف واحد في مباراة مثيرة أقيمت مساء الاثنين على الملعب الدولي أمام "
    "أكثر من أربعين ألف متفرج وسجل المهاجم هدف الفوز في الدقيقة الثامنة والثمانين"
)


@pytest.mark.parametrize("shared", [100, 250, 400])
def test_minhash_estimates_the_jaccard_similarity(shared: int) -> None:
    # two sets of 500 items sharing ``shared``: Jaccard = shared / (1000 - shared)
    a = {f"w{i}" for i in range(500)}
    b = {f"w{i}" for i in range(500 - shared, 1000 - shared)}
    hasher = MinHasher(num_perm=256)
    estimate = float(np.mean(hasher.signature(a) == hasher.signature(b)))
    assert abs(estimate - shared / (1000 - shared)) < 0.08


def test_normalize_text_folds_arabic_variants_and_punctuation() -> None:
    assert normalize_text("أَحْمَد إلى مدرسـة، ١٢") == normalize_text("احمد الي مدرسه 12")
    assert normalize_text("Hello, WORLD!") == "hello world"


def test_shingles_of_short_text_is_one_shingle() -> None:
    assert shingles("Rates on hold", size=5) == {"rates on hold"}
    assert len(shingles(WIRE, size=5)) > 50


def test_canonical_url_drops_tracking_and_fragment() -> None:
    a = canonical_url("HTTPS://News.Example.org:443/a?utm_source=x&id=3#top")
    assert a == "https://news.example.org/a?id=3"


def test_same_url_is_a_duplicate() -> None:
    dedup = Deduplicator()
    assert dedup.add(Article(text=WIRE, url="https://a.example/x?utm_medium=rss")) is None
    match = dedup.add(Article(text=OTHER, url="https://a.example/x"))
    assert match is not None and match.kind is DuplicateKind.URL


def test_same_content_under_another_url_is_a_duplicate() -> None:
    dedup = Deduplicator()
    dedup.add(Article(text=WIRE, title="Rates held", url="https://a.example/1"))
    match = dedup.add(Article(text=WIRE + "  ", title="Rates  held", url="https://b.example/2"))
    assert match is not None and match.kind is DuplicateKind.CONTENT
    assert match.key == "https://a.example/1"


def test_wire_story_edited_on_another_site_is_a_near_duplicate() -> None:
    dedup = Deduplicator()
    dedup.add(Article(text=WIRE, title="Rates held", id="site-a"))
    edited = "(Reuters) - " + WIRE.replace("Thursday", "Thursday morning") + " Read more on B."
    match = dedup.add(Article(text=edited, title="Bank holds fire", id="site-b"))
    assert match is not None and match.kind is DuplicateKind.NEAR
    assert match.key == "site-a" and match.similarity >= 0.6


def test_distinct_stories_on_the_same_topic_are_kept() -> None:
    dedup = Deduplicator()
    assert dedup.add(Article(text=WIRE, id="a")) is None
    assert dedup.add(Article(text=OTHER, id="b")) is None
    assert len(dedup) == 2


def test_arabic_copy_differing_in_spelling_variants_is_a_duplicate() -> None:
    dedup = Deduplicator()
    dedup.add(Article(text=AR, id="ar-1"))
    variant = AR.replace("إلى", "الى").replace("المباراة", "المباراه").replace("أكثر", "اكثر")
    match = dedup.add(Article(text=variant + " (رويترز)", id="ar-2"))
    assert match is not None and match.kind in (DuplicateKind.CONTENT, DuplicateKind.NEAR)


def test_short_flashes_are_only_matched_exactly() -> None:
    dedup = Deduplicator()
    dedup.add(Article(text="Explosion reported in the city centre", id="1"))
    assert dedup.add(Article(text="Explosion reported in the old city", id="2")) is None


def test_check_does_not_remember() -> None:
    dedup = Deduplicator()
    article = Article(text=WIRE, id="a")
    assert dedup.check(article) is None
    assert dedup.check(article) is None
    assert len(dedup) == 0


def test_bands_must_divide_permutations() -> None:
    with pytest.raises(ValueError, match="multiple of bands"):
        Deduplicator(num_perm=100, bands=32)
