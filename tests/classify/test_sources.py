"""Sources: a feed's own filing habits, learned by crossing n-grams with ``Article.source``."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.classify.dataset import LabeledArticles
from newsdesk.classify.features import HashedNgrams, ngram_buckets, tag_bucket
from newsdesk.classify.linear import LinearHead
from newsdesk.classify.options import TrainingOptions, uses_sources
from newsdesk.classify.result import EncodedArticles
from newsdesk.classify.training import train_classifier
from newsdesk.encoders.lexical import LexicalEncoder
from newsdesk.io.labeled import read_labeled
from newsdesk.taxonomy import load_taxonomy

DATA = Path(__file__).parents[1] / "data"
TAXONOMY = load_taxonomy(DATA / "tiny-taxonomy.yaml")
ENCODER = LexicalEncoder(dim=256)


def test_tags_cross_words_and_add_an_indicator_of_value_one() -> None:
    plain = ngram_buckets("Gulf summit in Riyadh", bits=16)
    crossed = ngram_buckets("Gulf summit in Riyadh", bits=16, tag="Wire A")
    assert set(plain) < set(crossed)  # the words stay; crossed copies are added
    assert len(crossed) == len(plain) + 4  # one crossed bucket a word (bigrams are not crossed)
    other = ngram_buckets("Gulf summit in Riyadh", bits=16, tag="wire   a")  # same source
    assert other.tolist() == crossed.tolist()
    assert ngram_buckets("x", bits=16, tag="   ").tolist() == ngram_buckets("x", bits=16).tolist()
    ngrams = HashedNgrams(bits=16)
    texts = ["Gulf summit in Riyadh", "Match in Doha", "Prices in Cairo"]
    tags: list[str | None] = ["Wire A", "Wire B", None]
    rows = ngrams.fit_transform(texts, tags).to_csr().toarray()
    for i, tag in enumerate(tags[:2]):
        assert rows[i, tag_bucket(str(tag), 16)] == 1.0
        words = rows[i].copy()
        words[tag_bucket(str(tag), 16)] = 0
        assert abs(np.linalg.norm(words) - 1) < 1e-5  # the indicator is outside the norm
    assert abs(np.linalg.norm(rows[2]) - 1) < 1e-5  # no source: words only
    untagged = ngrams.transform(texts[2:]).to_csr().toarray()
    np.testing.assert_allclose(untagged[0], rows[2])


def habit_data(n: int = 240, seed: int = 0) -> LabeledArticles:
    """Gulf stories: wire A files them under Politics, wire B under Economy; the words alone
    cannot tell which, the source can."""
    rng = random.Random(seed)
    words = [
        "gulf",
        "summit",
        "riyadh",
        "doha",
        "talks",
        "oil",
        "ministers",
        "delegation",
        "visit",
        "region",
    ]
    sport = [
        "match",
        "goal",
        "league",
        "players",
        "coach",
        "stadium",
        "cup",
        "team",
        "season",
        "club",
    ]
    articles, labels = [], []
    for i in range(n):
        if i % 3 == 2:
            text, label, source = " ".join(rng.choices(sport, k=12)), "Sports", "Wire C"
        else:
            source = "Wire A" if i % 3 == 0 else "Wire B"
            label = "Politics" if source == "Wire A" else "Economy"
            text = " ".join(rng.choices(words, k=12))
        articles.append(Article(text=text, title="", id=f"h{i}", source=source))
        labels.append((label,))
    return LabeledArticles(articles, labels)


def encoded(data: LabeledArticles) -> EncodedArticles:
    return EncodedArticles(data.articles, ENCODER.encode([a.content for a in data.articles]))


def test_a_head_with_sources_learns_each_feeds_habit_and_saves_it() -> None:
    train, test = habit_data(240, 0), habit_data(300, 1)
    X, T = encoded(train), encoded(test)
    truth = np.array(test.primary)
    gulf = truth != "Sports"
    accuracy = {}
    for sources in (False, True):
        head = LinearHead(C=1.0, lexical_weight=16, sources=sources).fit(
            X, train.primary, classes=TAXONOMY.names
        )
        pred = np.array(head.classes_)[head.predict_proba(T).argmax(axis=1)]
        accuracy[sources] = float((pred == truth)[gulf].mean())
        if sources:
            config, arrays = head.get_state()
            assert config["sources"] is True
            again = LinearHead().set_state(json.loads(json.dumps(config)), arrays)
            np.testing.assert_array_equal(again.predict_proba(T), head.predict_proba(T))
    assert accuracy[True] >= 0.95  # Gulf stories filed as each wire files them
    assert accuracy[False] <= 0.75  # the words alone: near a coin toss


def test_sources_are_used_when_the_training_data_has_several() -> None:
    data = habit_data(240)
    assert uses_sources(TrainingOptions(), data.articles)
    assert not uses_sources(TrainingOptions(sources=False), data.articles)
    one = [Article(text=a.text, source="Wire A") for a in data.articles]
    assert not uses_sources(TrainingOptions(), one)
    none = [Article(text=a.text) for a in data.articles]
    assert not uses_sources(TrainingOptions(), none)
    assert uses_sources(TrainingOptions(sources=True), none)  # asked for: on (nothing to learn)
    model = train_classifier(TAXONOMY, ENCODER, data, options=TrainingOptions(head="linear"))
    assert model.hyperparameters["sources"] is True
    clf: Classifier = model.classifier
    a = clf.classify(Article(text="gulf summit riyadh talks oil delegation", source="Wire A"))
    b = clf.classify(Article(text="gulf summit riyadh talks oil delegation", source="Wire B"))
    assert (a.section, b.section) == ("Politics", "Economy")


def test_training_files_carry_source_url_and_date(tmp_path: Path) -> None:
    path = tmp_path / "labeled.jsonl"
    rows = [
        {"text": "Match report", "label": "Sports", "source": " Wire A ", "url": "https://x/1",
         "date": "2018-02-18"},
        {"text": "Budget talks", "label": "Economy", "source": ""},
    ]  # fmt: skip
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    data = read_labeled([path])
    first, second = data.articles
    assert (first.source, first.url, first.published) == ("Wire A", "https://x/1", "2018-02-18")
    assert (second.source, second.url, second.published) == (None, None, None)


def test_train_cli_sources_flag(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from newsdesk.cli.app import app
    from newsdesk.encoders.registry import register_encoder

    register_encoder("lexical-256-sources", lambda: ENCODER)
    data = habit_data(240)
    path = tmp_path / "wires.jsonl"
    rows = [
        {"id": a.id, "text": a.text, "source": a.source, "label": labels[0]}
        for a, labels in zip(data.articles, data.labels, strict=True)
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    recorded = {}
    for flag in ("--sources", "--no-sources"):
        out = tmp_path / flag.strip("-")
        result = CliRunner().invoke(
            app,
            ["train", str(path), "--output", str(out), "--taxonomy",
             str(DATA / "tiny-taxonomy.yaml"), "--encoder", "lexical-256-sources", "--no-cache",
             "--head", "linear", flag],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        meta = json.loads((out / "model.json").read_text(encoding="utf-8"))
        recorded[flag] = meta["hyperparameters"]["sources"]
    assert recorded == {"--sources": True, "--no-sources": False}
