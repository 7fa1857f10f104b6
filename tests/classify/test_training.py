"""Training from each file kind, bad training data, saved models and their refusal."""

from __future__ import annotations

import gzip
import json
import random
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from newsdesk.classify import self_training, training
from newsdesk.classify.classifier import Classifier
from newsdesk.classify.dataset import LabeledArticles
from newsdesk.classify.folds import fit_linear
from newsdesk.classify.logistic import log_softmax
from newsdesk.classify.options import TrainingOptions
from newsdesk.classify.result import EncodedArticles
from newsdesk.classify.training import train_classifier
from newsdesk.classify.zero_shot import ZeroShotHead
from newsdesk.cli.app import app
from newsdesk.encoders.lexical import LexicalEncoder
from newsdesk.encoders.registry import register_encoder
from newsdesk.errors import MissingExtraError, ModelFormatError, ReaderError, TrainingError
from newsdesk.io.labeled import read_labeled
from newsdesk.taxonomy import load_taxonomy

DATA = Path(__file__).parents[1] / "data"
TAXONOMY = load_taxonomy(DATA / "tiny-taxonomy.yaml")
ENCODER = LexicalEncoder(dim=256)
register_encoder("lexical-256", lambda: ENCODER)
register_encoder("lexical-128", lambda: LexicalEncoder(dim=128))
runner = CliRunner()


def gz_copy(tmp_path: Path) -> Path:
    out = tmp_path / "labeled.jsonl.gz"
    with gzip.open(out, "wb") as handle:
        handle.write((DATA / "labeled.jsonl").read_bytes())
    return out


@pytest.mark.parametrize("kind", ["jsonl", "jsonl.gz", "csv"])
def test_train_from_each_file_kind(kind: str, tmp_path: Path) -> None:
    source = gz_copy(tmp_path) if kind == "jsonl.gz" else DATA / f"labeled.{kind}"
    out = tmp_path / "model"
    result = runner.invoke(
        app,
        ["train", str(source), "--output", str(out), "--taxonomy", str(DATA / "tiny-taxonomy.yaml"),
         "--encoder", "lexical-256", "--no-cache"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "saved a linear model" in result.output  # 8 examples a section: a linear head
    meta = json.loads((out / "model.json").read_text(encoding="utf-8"))
    assert meta["encoder"] == {"name": "lexical", "fingerprint": ENCODER.fingerprint, "dim": 256}
    assert meta["training"]["articles"] == 24
    assert meta["taxonomy"]["name"] == "tiny" and meta["format_version"] == 1
    clf = Classifier.load(out, encoder="lexical-256")
    assert (
        clf.classify("Players of the club team scored a goal in the league match").section
        == "Sports"
    )


def test_linear_head_with_calibration_and_saved_metrics(tmp_path: Path) -> None:
    data = read_labeled([DATA / "labeled.jsonl"])
    model = train_classifier(TAXONOMY, ENCODER, data, options=TrainingOptions(head="linear"))
    assert model.hyperparameters["head"] == "linear"
    assert model.metrics["accuracy"] >= 0.8 and 0 <= model.metrics["ece"] <= 1
    assert model.metrics["temperature"] > 0
    model.classifier.save(tmp_path / "m", metrics=model.metrics, training=data.summary())
    again = Classifier.load(tmp_path / "m", encoder="lexical-256")
    texts = [a.content for a in data.articles[:6]]
    np.testing.assert_array_equal(again.predict_proba(texts), model.classifier.predict_proba(texts))
    # the catch-all has no examples: its column is 0, every other row sums to 1
    probs = again.predict_proba(texts)
    assert probs[:, TAXONOMY.names.index("Other")].max() == 0
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-6)


def test_multi_label_training_reports_several_sections(tmp_path: Path) -> None:
    data = read_labeled([DATA / "multilabel.jsonl"], multi_label=True)
    model = train_classifier(TAXONOMY, ENCODER, data, options=TrainingOptions(multi_label=True))
    clf = model.classifier
    assert clf.multi_label and set(clf.thresholds) == set(TAXONOMY.names)
    assert "micro_f1" in model.metrics["multi_label"]
    calls = list(clf.classify_many(data.articles))
    assert all(c.sections and c.sections[0] == c.section for c in calls)
    assert any(len(c.sections or ()) > 1 for c in calls)


# the test files are a few dozen articles: a first round of 30% (6 pseudo-labels, halved for
# the agreement check) is a coin toss, so the rounds start at 60%
SMALL_ARCHIVE = TrainingOptions(self_training_min=1, self_training_shares=(0.6, 0.9))

TRAINED_KINDS = {
    "prototype": lambda data: train_classifier(TAXONOMY, ENCODER, data),
    "linear": lambda data: train_classifier(
        TAXONOMY, ENCODER, data, options=TrainingOptions(head="linear")
    ),
    "linear-no-prior": lambda data: train_classifier(
        TAXONOMY, ENCODER, data, options=TrainingOptions(head="linear", prior_weight=0)
    ),
    "self-trained": lambda data: train_classifier(
        TAXONOMY, ENCODER, None, unlabeled=data.articles, options=SMALL_ARCHIVE
    ),
    "self-trained+examples": lambda data: train_classifier(
        TAXONOMY, ENCODER, LabeledArticles(data.articles[:6], data.labels[:6]),
        unlabeled=data.articles[6:], options=SMALL_ARCHIVE,
    ),
}  # fmt: skip


@pytest.mark.parametrize("kind", list(TRAINED_KINDS))
def test_save_load_gives_identical_probabilities(kind: str, tmp_path: Path) -> None:
    data = read_labeled([DATA / "labeled.jsonl"])
    model = TRAINED_KINDS[kind](data)
    model.classifier.save(tmp_path / "m", hyperparameters=model.hyperparameters)
    loaded = Classifier.load(tmp_path / "m", encoder="lexical-256")
    assert loaded.taxonomy.names == TAXONOMY.names
    assert loaded.abstain_below == model.classifier.abstain_below
    expected = model.classifier.predict_proba(data.articles)
    np.testing.assert_array_equal(loaded.predict_proba(data.articles), expected)
    np.testing.assert_allclose(expected.sum(axis=1), 1.0, rtol=1e-6)
    calls = [c.section for c in loaded.classify_many(data.articles)]
    assert np.mean([c == t for c, t in zip(calls, data.primary, strict=True)]) >= 0.8


def test_few_examples_train_prototypes_and_more_train_a_linear_head() -> None:
    data = read_labeled([DATA / "labeled.jsonl"])
    few = [i for i, label in enumerate(data.primary) if data.primary[:i].count(label) < 2]
    two = LabeledArticles([data.articles[i] for i in few], [data.labels[i] for i in few])
    assert train_classifier(TAXONOMY, ENCODER, two).hyperparameters["head"] == "prototype"
    assert train_classifier(TAXONOMY, ENCODER, data).hyperparameters["head"] == "linear"


def test_linear_training_chooses_its_penalty_on_held_out_folds() -> None:
    data = read_labeled([DATA / "labeled.jsonl"])
    model = train_classifier(TAXONOMY, ENCODER, data, options=TrainingOptions(head="linear"))
    head = model.classifier.head
    hyper = model.hyperparameters
    grid = TrainingOptions().C_grid
    losses = hyper["held_out_log_loss"]
    # 24 articles: no n-grams; each C with the zero-shot offset, each C > 0 without it, and
    # at C = 0 the prior alone beside the prior with the example centroids
    assert set(losses) == {f"offset, no n-grams, C={c:g}" for c in grid} | {
        f"no offset, no n-grams, C={c:g}" for c in grid if c > 0
    } | {"offset, no n-grams, C=0, prior alone"}
    assert hyper["C"] == head.C
    assert (head.prior_ is not None) == hyper["zero_shot_offset"]
    chosen = f"{'offset' if hyper['zero_shot_offset'] else 'no offset'}, no n-grams, C={head.C:g}"
    # the simplest candidate not clearly worse than the best: never after the best in the order
    order = [f"offset, no n-grams, C={c:g}" for c in grid]
    order += [f"no offset, no n-grams, C={c:g}" for c in grid if c > 0]
    best = min((x for x in losses if not x.endswith("alone")), key=losses.__getitem__)
    assert order.index(chosen) <= order.index(best)
    kept = train_classifier(
        TAXONOMY, ENCODER, data, options=TrainingOptions(head="linear", prior_optional=False)
    )
    assert kept.classifier.head.prior_ is not None  # the zero-shot head is the offset
    assert all(name.startswith("offset") for name in kept.hyperparameters["held_out_log_loss"])
    without = train_classifier(
        TAXONOMY, ENCODER, data, options=TrainingOptions(head="linear", prior_weight=0)
    )
    assert without.classifier.head.prior_ is None
    assert all(  # C = 0 needs a prior
        name.startswith("no offset") and not name.endswith("C=0")
        for name in without.hyperparameters["held_out_log_loss"]
    )


def test_centroid_offset_for_few_examples_a_section_only() -> None:
    data = read_labeled([DATA / "labeled.jsonl"])
    few = train_classifier(TAXONOMY, ENCODER, data, options=TrainingOptions(head="linear"))
    assert few.classifier.head.centroids
    many = TrainingOptions(head="linear", centroids_max=1)  # as if the sections had hundreds
    recorded = {
        "few": few.hyperparameters["centroid_offset"],
        "many": train_classifier(TAXONOMY, ENCODER, data, options=many).hyperparameters[
            "centroid_offset"
        ],
    }
    assert recorded == {"few": True, "many": False}


def test_zero_shot_classifier_saves_and_loads(tmp_path: Path) -> None:
    clf = Classifier.zero_shot(TAXONOMY, ENCODER)
    clf.save(tmp_path / "zs")
    meta = json.loads((tmp_path / "zs" / "model.json").read_text(encoding="utf-8"))
    assert meta["head"]["kind"] == "zero-shot"
    texts = ["The striker scored a goal", "Shares fell as the bank raised interest rates"]
    np.testing.assert_array_equal(
        Classifier.load(tmp_path / "zs", encoder="lexical-256").predict_proba(texts),
        clf.predict_proba(texts),
    )


def test_self_training_from_the_taxonomy_alone() -> None:
    data = read_labeled([DATA / "labeled.jsonl"])
    model = train_classifier(
        TAXONOMY, ENCODER, None, unlabeled=data.articles, options=SMALL_ARCHIVE
    )
    assert model.hyperparameters["head"] == "self-trained"
    rounds = model.data["self_training"]["rounds"]
    assert len(rounds) == len(SMALL_ARCHIVE.self_training_shares)
    assert all(r["agreement"] >= SMALL_ARCHIVE.self_training_agreement for r in rounds)
    calls = [c.section for c in model.classifier.classify_many(data.articles)]
    assert np.mean([c == t for c, t in zip(calls, data.primary, strict=True)]) >= 0.7


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        (TrainingOptions(), "too small"),  # 30 articles a section by default
        (TrainingOptions(self_training_min=1, self_training_agreement=1.01), None),
    ],
)
def test_self_training_gates_fall_back_to_the_zero_shot_head(
    options: TrainingOptions, reason: str | None
) -> None:
    data = read_labeled([DATA / "labeled.jsonl"])
    model = train_classifier(TAXONOMY, ENCODER, None, unlabeled=data.articles, options=options)
    assert model.hyperparameters["head"] == "zero-shot"
    report = model.data["self_training"]
    assert report["kept"] == 0
    if reason:
        assert reason in report["declined"] and not report["rounds"]
    else:  # the first round was fitted, checked and dropped
        assert report["rounds"][0]["agreement"] < 1.01
    zero = Classifier.zero_shot(TAXONOMY, ENCODER)
    np.testing.assert_allclose(
        model.classifier.predict_proba(data.articles), zero.predict_proba(data.articles)
    )


def test_a_round_whose_pseudo_labels_name_one_section_is_dropped_not_fatal() -> None:
    data = read_labeled([DATA / "labeled.jsonl"])
    sports = [a for a, label in zip(data.articles, data.primary, strict=True) if label == "Sports"]
    model = train_classifier(TAXONOMY, ENCODER, None, unlabeled=sports, options=SMALL_ARCHIVE)
    (first,) = model.data["self_training"]["rounds"]
    assert first["dropped"] == "its pseudo-labels name fewer than two sections"
    assert model.hyperparameters["head"] == "zero-shot"


def test_with_examples_self_training_leans_on_the_examples_head_not_zero_shot(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, np.ndarray] = {}
    real = self_training.self_train

    def spy(archive, initial, prior, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen["initial"], seen["prior"] = initial, prior
        return real(archive, initial, prior, *args, **kwargs)

    monkeypatch.setattr(self_training, "self_train", spy)
    data = read_labeled([DATA / "labeled.jsonl"])
    examples = LabeledArticles(data.articles[:6], data.labels[:6])
    train_classifier(
        TAXONOMY, ENCODER, examples, unlabeled=data.articles[6:], options=SMALL_ARCHIVE
    )
    alone = train_classifier(TAXONOMY, ENCODER, examples).classifier  # the examples' head
    assert alone.head.kind == "prototype"
    np.testing.assert_allclose(
        np.exp(seen["prior"]), alone.predict_proba(data.articles[6:]), rtol=1e-6, atol=1e-12
    )
    train_classifier(TAXONOMY, ENCODER, None, unlabeled=data.articles[6:], options=SMALL_ARCHIVE)
    zero = Classifier.zero_shot(TAXONOMY, ENCODER).head
    expected = zero.decision_function(training._encode(ENCODER, data.articles[6:]))
    np.testing.assert_allclose(seen["prior"], log_softmax(expected / zero.temperature_), rtol=1e-6)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_labels_are_listed(tmp_path: Path) -> None:
    rows = [{"text": "rain tomorrow", "label": "Weather"}, {"text": "a goal", "label": "Sports"}]
    path = write(tmp_path, "x.jsonl", "\n".join(json.dumps(r) for r in rows))
    with pytest.raises(
        TrainingError,
        match=r"not sections of taxonomy 'tiny': 'Weather' \(1\).*--taxonomy-from-labels",
    ):
        train_classifier(TAXONOMY, ENCODER, read_labeled([path]))


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.jsonl", "")
    with pytest.raises(
        TrainingError, match=r"empty\.jsonl: no articles found \(the file is empty\)"
    ):
        read_labeled([path])


def test_one_class_only_is_an_error(tmp_path: Path) -> None:
    rows = [{"text": f"goal number {i}", "label": "Sports"} for i in range(3)]
    path = write(tmp_path, "one.jsonl", "\n".join(json.dumps(r) for r in rows))
    with pytest.raises(TrainingError, match=r"one section only \(Sports\).*at least two sections"):
        train_classifier(TAXONOMY, ENCODER, read_labeled([path]))


def test_missing_label_column_names_columns_and_flag(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "title,text,tag\nx,some text,Sports\n")
    with pytest.raises(
        TrainingError,
        match=r"column 'label' not found in .*a\.csv; columns are: tag, text, title; pass --label-column NAME",
    ):
        read_labeled([path])


def test_missing_text_column_names_the_flag_as_classify_does(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "title,body,label\nx,some text,Sports\n")
    with pytest.raises(ReaderError, match=r"column 'text' not found .*pass --text-column body"):
        read_labeled([path])


def test_cli_reports_bad_data_with_exit_code_1(tmp_path: Path) -> None:
    path = write(tmp_path, "a.csv", "title,text,tag\nx,some text,Sports\n")
    result = runner.invoke(
        app, ["train", str(path), "-o", str(tmp_path / "m"), "-e", "lexical-256"]
    )
    assert result.exit_code == 1
    assert "error: column 'label' not found" in result.output


def test_taxonomy_from_labels(tmp_path: Path) -> None:
    out = tmp_path / "m"
    result = runner.invoke(
        app,
        ["train", str(DATA / "labeled.csv"), "-o", str(out), "-e", "lexical-256",
         "--taxonomy-from-labels", "--no-cache"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    names = Classifier.load(out, encoder="lexical-256").taxonomy.names
    assert names == ["Economy", "Politics", "Sports"]


def test_model_refuses_another_encoder(tmp_path: Path) -> None:
    data = read_labeled([DATA / "labeled.jsonl"])
    train_classifier(TAXONOMY, ENCODER, data).classifier.save(tmp_path / "m")
    with pytest.raises(
        ModelFormatError, match=r"trained with encoder 'lexical' .*--encoder lexical"
    ):
        Classifier.load(tmp_path / "m", encoder="lexical-128")


class RebuiltLexical(LexicalEncoder):
    """A lexical encoder whose earlier build's fingerprint is that of ``ENCODER``."""

    @property
    def fingerprint(self) -> str:
        return ENCODER.fingerprint + ":rebuilt"

    @property
    def earlier_fingerprints(self) -> tuple[str, ...]:
        return (ENCODER.fingerprint,)


register_encoder("lexical-rebuilt", lambda: RebuiltLexical(dim=256))


def test_a_model_of_an_earlier_build_of_its_encoder_loads_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = read_labeled([DATA / "labeled.jsonl"])
    trained = train_classifier(TAXONOMY, ENCODER, data).classifier
    trained.save(tmp_path / "m")
    with caplog.at_level("WARNING", logger="newsdesk.classify.saved"):
        loaded = Classifier.load(tmp_path / "m", encoder="lexical-rebuilt")
    assert "trained with an earlier build of encoder 'lexical'" in caplog.text
    np.testing.assert_allclose(
        loaded.predict_proba(data.articles), trained.predict_proba(data.articles), atol=1e-6
    )
    loaded.save(tmp_path / "again")  # saved again, it records the build it now runs on
    meta = json.loads((tmp_path / "again" / "model.json").read_text(encoding="utf-8"))
    assert meta["encoder"]["fingerprint"] == ENCODER.fingerprint + ":rebuilt"


def test_model_refuses_another_format_version(tmp_path: Path) -> None:
    data = read_labeled([DATA / "labeled.jsonl"])
    train_classifier(TAXONOMY, ENCODER, data).classifier.save(tmp_path / "m")
    meta_path = tmp_path / "m" / "model.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["format_version"] = 99
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(
        ModelFormatError, match=r"format version 99, but this newsdesk reads version 1"
    ):
        Classifier.load(tmp_path / "m", encoder="lexical-256")
    shutil.rmtree(tmp_path / "m")
    with pytest.raises(ModelFormatError, match=r"not a newsdesk model \(no model\.json\)"):
        Classifier.load(tmp_path / "m")


def test_prediction_needs_neither_scikit_learn_nor_scipy(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    data = read_labeled([DATA / "labeled.jsonl"])
    model = train_classifier(TAXONOMY, ENCODER, data, options=TrainingOptions(head="linear"))
    model.classifier.save(tmp_path / "m")
    expected = model.classifier.predict_proba(data.articles[:4])
    for name in ("sklearn", "scipy", "scipy.sparse"):
        monkeypatch.setitem(__import__("sys").modules, name, None)  # importing them now fails
    loaded = Classifier.load(tmp_path / "m", encoder="lexical-256")
    np.testing.assert_array_equal(loaded.predict_proba(data.articles[:4]), expected)


def test_training_a_linear_head_needs_scipy_not_scikit_learn(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    data = read_labeled([DATA / "labeled.jsonl"])
    options = TrainingOptions(head="linear")
    monkeypatch.setitem(sys.modules, "sklearn", None)  # importing it now fails
    assert train_classifier(TAXONOMY, ENCODER, data, options=options).classifier.head.kind == (
        "linear"
    )
    monkeypatch.setitem(sys.modules, "scipy", None)
    with pytest.raises(MissingExtraError, match=r"scipy.*newsdesk\[train\]"):
        train_classifier(TAXONOMY, ENCODER, data, options=options)


def test_classify_cli_with_a_saved_model(tmp_path: Path) -> None:
    data = read_labeled([DATA / "labeled.jsonl"])
    trained = train_classifier(TAXONOMY, ENCODER, data).classifier
    trained.save(tmp_path / "m")
    text = data.articles[0].content  # a training article: the model files it right
    result = runner.invoke(
        app, ["classify", "--model", str(tmp_path / "m"), "-e", "lexical-256", text]
    )
    assert result.exit_code == 0, result.output
    call = json.loads(result.output.strip().splitlines()[-1])
    assert call["section"] == data.primary[0] and set(call["scores"]) == set(TAXONOMY.names)
    # the command gives the saved model's own probabilities
    expected = trained.classify(text).scores
    assert call["scores"] == pytest.approx(expected, abs=1e-4)


def test_examples_that_mislead_leave_the_zero_shot_ranking() -> None:
    """Labels shuffled at random teach nothing: the held-out folds must keep zero-shot."""
    data = read_labeled([DATA / "labeled.jsonl"])
    labels = list(data.labels)
    random.Random(0).shuffle(labels)
    train_rows, test_rows = range(0, len(data), 2), range(1, len(data), 2)
    train = LabeledArticles([data.articles[i] for i in train_rows], [labels[i] for i in train_rows])
    test = [data.articles[i] for i in test_rows]
    truth = [data.primary[i] for i in test_rows]

    def accuracy(clf: Classifier) -> float:
        calls = clf.classify_many(test)
        return float(np.mean([c.section == t for c, t in zip(calls, truth, strict=True)]))

    zero = accuracy(Classifier.zero_shot(TAXONOMY, ENCODER))
    model = train_classifier(TAXONOMY, ENCODER, train, options=TrainingOptions(head="linear"))
    assert model.hyperparameters["C"] == 0.0
    assert accuracy(model.classifier) >= zero
    trusting = TrainingOptions(head="linear", C_grid=(1.0,))  # the examples believed
    assert accuracy(train_classifier(TAXONOMY, ENCODER, train, options=trusting).classifier) < zero


def test_training_twice_gives_identical_models() -> None:
    # the held-out fits run on several threads: the result must not depend on their order
    data = read_labeled([DATA / "labeled.jsonl"])
    options = TrainingOptions(head="linear", lexical=True)
    first = train_classifier(TAXONOMY, ENCODER, data, options=options)
    second = train_classifier(TAXONOMY, ENCODER, data, options=options)
    assert first.hyperparameters == second.hyperparameters
    np.testing.assert_array_equal(
        first.classifier.predict_proba(data.articles),
        second.classifier.predict_proba(data.articles),
    )


def test_examples_count_at_the_strongest_penalty_where_the_lines_say_nothing() -> None:
    """Sections whose one line tells them apart no better than chance: at ``C = 0`` the
    examples' centroids (their scale fitted beside the prior's) must file what the prior
    alone cannot."""
    data = read_labeled([DATA / "labeled.jsonl"])
    blank = {"en": "the news of the day"}
    thin = replace(
        TAXONOMY, sections=tuple(replace(s, description=blank) for s in TAXONOMY.sections)
    )
    train_rows, test_rows = range(0, len(data), 2), range(1, len(data), 2)
    train = LabeledArticles(
        [data.articles[i] for i in train_rows], [data.labels[i] for i in train_rows]
    )
    test = [data.articles[i] for i in test_rows]
    truth = [data.primary[i] for i in test_rows]

    def accuracy(options: TrainingOptions) -> tuple[float, str]:
        model = train_classifier(thin, ENCODER, train, options=options)
        calls = model.classifier.classify_many(test)
        hits = np.mean([c.section == t for c, t in zip(calls, truth, strict=True)])
        return float(hits), model.hyperparameters["zero_penalty"]

    zero_penalty = TrainingOptions(head="linear", C_grid=(0.0,), prior_optional=False)
    with_examples, chosen = accuracy(zero_penalty)
    alone, chosen_alone = accuracy(replace(zero_penalty, centroids_at_zero=False))
    assert (chosen, chosen_alone) == ("prior and centroids", "prior alone")
    assert with_examples >= 0.8 > alone + 0.3
    with_bias = accuracy(replace(zero_penalty, zero_bias_penalty=1.0))
    assert with_bias[1] == "prior and centroids and bias" and with_bias[0] >= 0.8


def test_without_held_out_folds_the_saved_settings_are_the_ones_fitted() -> None:
    """One example a section leaves no fold to search on: the model records the penalty it
    was fitted with (a retrain's warm start starts from it), not the options' default."""
    data = read_labeled([DATA / "labeled.jsonl"])
    one_each: dict[str, int] = {}
    for i, label in enumerate(data.labels):
        one_each.setdefault(str(label), i)
    picked = sorted(one_each.values())
    examples = LabeledArticles([data.articles[i] for i in picked], [data.labels[i] for i in picked])
    options = TrainingOptions(head="linear")
    trained = train_classifier(TAXONOMY, ENCODER, examples, options=options)
    head = trained.classifier.head
    assert trained.hyperparameters["head"] == "linear"
    assert trained.hyperparameters["C"] == head.C != options.C
    assert trained.hyperparameters["zero_shot_offset"] is True


def test_only_the_scored_rows_judge_the_held_out_folds() -> None:
    """The desk's confident calls train but do not judge: the loss that chose the settings
    is the held-out loss of the scored rows (the editors' reviews), not of every row."""
    terse = load_taxonomy(DATA / "terse-taxonomy.yaml")
    data = read_labeled([DATA / "terse-archive.jsonl"])
    calls = list(Classifier.zero_shot(terse, ENCODER).classify_many(data.articles))
    by_confidence = sorted(range(len(data)), key=lambda i: -calls[i].confidence)
    anchors, reviewed = by_confidence[:90], by_confidence[90:130]
    rows = reviewed + anchors
    articles = [data.articles[i] for i in rows]
    primary = [data.primary[i] for i in reviewed] + [calls[i].section for i in anchors]
    scored = np.array([True] * len(reviewed) + [False] * len(anchors))
    X = EncodedArticles(articles, ENCODER.encode([a.content for a in articles]))
    y = np.array([terse.names.index(p) for p in primary])
    prior = ZeroShotHead().fit_taxonomy(terse, ENCODER)
    options = TrainingOptions(head="linear")

    def fit(mask: np.ndarray | None) -> tuple[np.ndarray, float]:
        _, logits, chosen = fit_linear(
            X, primary, y, terse.names, options, 5, prior, lambda _: None, mask
        )
        alone = ", prior alone" if chosen["zero_penalty"] == "prior alone" else ""
        (name,) = [  # the chosen candidate's name: its offset, n-gram weight and C
            x for x in chosen["held_out_log_loss"]
            if x.startswith("offset" if chosen["zero_shot_offset"] else "no offset")
            and x.endswith(f"C={chosen['C']:g}{alone}")
            and (chosen["lexical_weight"] is None or f"x{chosen['lexical_weight']:g}," in x)
        ]  # fmt: skip
        return -log_softmax(logits)[np.arange(len(y)), y], chosen["held_out_log_loss"][name]

    losses, recorded = fit(scored)
    assert recorded == pytest.approx(losses[scored].mean(), rel=1e-6)
    assert abs(losses[scored].mean() - losses.mean()) > 0.01  # the two readings differ here
    every, recorded_every = fit(None)
    assert recorded_every == pytest.approx(every.mean(), rel=1e-6)
    same, _ = fit(np.ones(len(y), dtype=bool))  # every row scored: as without a mask
    np.testing.assert_allclose(same, every)


def test_training_passes_the_scored_rows_to_the_folds_or_says_they_are_too_few() -> None:
    terse = load_taxonomy(DATA / "terse-taxonomy.yaml")
    data = read_labeled([DATA / "terse-archive.jsonl"])
    messages: list[str] = []

    def train(scored: int) -> dict:
        marks = [True] * scored + [False] * (len(data) - scored)
        labeled = LabeledArticles(data.articles, data.labels, scored=marks)
        options = TrainingOptions(head="linear", folds=3)
        trained = train_classifier(
            terse, ENCODER, labeled, options=options, progress=messages.append
        )
        return trained.hyperparameters

    assert train(30)["judged_rows"] == 30
    assert "judged on the held-out scores of 30 of 180 rows" in messages
    assert train(5)["judged_rows"] == 180  # fewer than two a fold: every row judges
    assert any("(only 5 rows are scored: too few to judge alone)" in m for m in messages)


def test_scored_marks_every_row_or_none() -> None:
    data = read_labeled([DATA / "labeled.jsonl"])
    with pytest.raises(ValueError, match="scored marks 2 rows but there are 24 articles"):
        LabeledArticles(data.articles, data.labels, scored=[True, False])
