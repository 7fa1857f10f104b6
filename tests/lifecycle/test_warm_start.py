"""A retrain after a few corrections: cached embeddings, and the active model's settings."""

from __future__ import annotations

from pathlib import Path

from lifecycle.newsroom import CountingEncoder, articles, correct, file_all, zero_shot
from newsdesk.classify.classifier import Classifier
from newsdesk.lifecycle.retrain import RetrainResult, retrain
from newsdesk.lifecycle.slot import ServedModel
from newsdesk.lifecycle.warm_start import (
    EMBEDDINGS_FOLDER,
    SEARCH_AGAIN_GROWTH,
    neighbours,
    settings_search,
)
from newsdesk.store import Store, registry

LINEAR = {
    "head": "linear", "C": 0.1, "lexical_weight": 64.0, "zero_shot_offset": False,
    "judged_rows": 80,
}  # fmt: skip


def test_neighbours_on_the_grid() -> None:
    grid = (0.0, 0.003, 0.01, 0.1)
    assert neighbours(0.0, grid) == (0.0, 0.003)
    assert neighbours(0.01, grid) == (0.003, 0.01, 0.1)
    assert neighbours(0.1, grid) == (0.01, 0.1)
    assert neighbours(0.5, grid) == (0.5,)  # a penalty the grid does not hold: alone


def test_no_settings_known_means_a_full_search() -> None:
    for hyper, search in [(None, None), ({"head": "prototype"}, {"searched_on": 50}),
                          (LINEAR, None), (LINEAR, {"searched_on": 0}),
                          # chosen before the reviews alone judged the folds
                          ({k: v for k, v in LINEAR.items() if k != "judged_rows"},
                           {"searched_on": 50})]:  # fmt: skip
        found = settings_search(False, 50, "base", hyper, search)
        assert found.warm_from is None and found.searched_on == 50
        assert len(found.options.C_grid) > 1 and found.options.prior_optional


def test_the_base_settings_are_reused_until_the_data_grows() -> None:
    warm = settings_search(False, 110, "base", LINEAR, {"searched_on": 100})
    assert warm.warm_from == "base" and warm.searched_on == 100  # counted from the last search
    assert warm.options.C_grid == (0.03, 0.1, 0.3)  # the base's penalty and its neighbours
    assert warm.options.lexical_weights == (64.0,)
    assert warm.options.prior_weight == 0.0  # the base dropped the zero-shot offset
    grown = int(100 * SEARCH_AGAIN_GROWTH) + 1
    again = settings_search(False, grown, "base", LINEAR, {"searched_on": 100})
    assert again.warm_from is None and again.searched_on == grown
    kept = settings_search(True, 100, "b", LINEAR | {"zero_shot_offset": True}, {"searched_on": 90})
    assert kept.options.prior_weight > 0 and not kept.options.prior_optional
    assert kept.options.multi_label


def _retrain(store: Store, base: ServedModel, models: Path, **options: bool) -> RetrainResult:
    return retrain(store, base, models, by="ann", **options)  # type: ignore[arg-type]


def _search(store: Store, version: str) -> dict:
    with store.read() as conn:
        record = registry.get_model(conn, version)
    assert record is not None and record.training is not None
    return dict(record.training["search"])


def test_a_second_retrain_encodes_only_the_new_corrections(tmp_path: Path) -> None:
    encoder = CountingEncoder()
    items, labels = articles(90)
    store = file_all(tmp_path, zero_shot(encoder), items, "zero-shot")
    models = tmp_path / "models"
    ids = [a.id or "" for a in items]
    correct(store, labels, ids[:45])
    encoder.passages = 0
    first = _retrain(store, ServedModel(zero_shot(encoder), "zero-shot"), models)
    assert encoder.passages >= 45  # every reviewed article (training and held out) once
    assert list((models / EMBEDDINGS_FOLDER).glob("*.sqlite"))
    assert _search(store, first.version)["warm_from"] is None  # nothing to start from

    correct(store, labels, ids[45:48])
    active = ServedModel(Classifier.load(first.path, encoder=encoder), first.version)
    encoder.passages = 0
    second = _retrain(store, active, models)
    assert encoder.passages == 3  # the three new corrections, nothing else
    assert _search(store, second.version)["warm_from"] == first.version
    assert second.metrics["training"]["accuracy"] is not None

    encoder.passages = 0
    _retrain(store, active, models, cache_embeddings=False, warm_start=False)
    assert encoder.passages >= 48  # as before the cache: everything encoded again
    store.dispose()


def test_grown_data_searches_the_settings_again(tmp_path: Path) -> None:
    items, labels = articles(90)
    store = file_all(tmp_path, zero_shot(), items, "zero-shot")
    models = tmp_path / "models"
    ids = [a.id or "" for a in items]
    correct(store, labels, ids[:45])
    first = _retrain(store, ServedModel(zero_shot(), "zero-shot"), models)
    searched = _search(store, first.version)["searched_on"]
    correct(store, labels, ids[45:])  # twice the reviewed articles
    active = ServedModel(Classifier.load(first.path, encoder="lexical"), first.version)
    second = _retrain(store, active, models)
    search = _search(store, second.version)
    assert search["warm_from"] is None and search["searched_on"] > searched * SEARCH_AGAIN_GROWTH
    store.dispose()


def test_a_retrain_judges_its_folds_on_the_reviewed_articles_alone(tmp_path: Path) -> None:
    """The confident calls join the training data but not the judging: the folds' choice is
    recorded as made on the reviewed training articles."""
    from newsdesk.classify.saved import read_model_json

    encoder = CountingEncoder()
    items, labels = articles(90)
    store = file_all(tmp_path, zero_shot(encoder), items, "zero-shot")
    correct(store, labels, [a.id or "" for a in items[:45]])
    base = ServedModel(zero_shot(encoder), "zero-shot")
    outcome = retrain(
        store, base, tmp_path / "models", by="ann", confident_per_section=10, confident_min=0.0
    )
    with store.read() as conn:
        record = registry.get_model(conn, outcome.version)
    assert record is not None and record.training is not None
    training = record.training
    assert training["confident"] > 0  # confident calls trained
    hyper = read_model_json(outcome.path)["hyperparameters"]
    assert hyper["head"] == "linear"
    assert hyper["judged_rows"] == training["articles"]  # only the reviewed ones judged
