"""Metrics against hand-computed values; the HTML report; evaluate through the CLI."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from newsdesk.classify.metrics import classification_metrics, multilabel_metrics
from newsdesk.cli.app import app
from newsdesk.encoders.lexical import LexicalEncoder
from newsdesk.encoders.registry import register_encoder
from newsdesk.eval.report import render_html, write_report

DATA = Path(__file__).parents[1] / "data"
register_encoder("lexical-256", lambda: LexicalEncoder(dim=256))
runner = CliRunner()

TRUTH = ["a", "a", "b", "b", "c"]
PRED = ["a", "b", "b", "b", "a"]
CONF = [0.9, 0.6, 0.8, 0.7, 0.5]


def test_single_label_metrics_by_hand() -> None:
    m = classification_metrics(TRUTH, PRED, ["a", "b", "c"], CONF)
    assert m["accuracy"] == pytest.approx(3 / 5)
    # a: tp 1, fp 1, fn 1 -> 0.5/0.5/0.5; b: tp 2, fp 1, fn 0 -> 2/3, 1, 0.8; c: all 0
    assert m["per_section"]["a"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert m["per_section"]["b"]["precision"] == pytest.approx(2 / 3)
    assert m["per_section"]["b"]["f1"] == pytest.approx(0.8)
    assert m["per_section"]["c"]["f1"] == 0.0
    assert m["macro_f1"] == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    assert m["confusion"] == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    # each article alone in its bin: |1-.9| + |0-.6| + |1-.8| + |1-.7| + |0-.5| = 1.7
    assert m["ece"] == pytest.approx(1.7 / 5)


def test_multi_label_metrics_by_hand() -> None:
    m = multilabel_metrics([["a", "b"], ["b"]], [["a"], ["b", "c"]])
    # tp 2 (a, b), fp 1 (c), fn 1 (b): micro P = R = F1 = 2/3
    assert m["micro_f1"] == pytest.approx(2 / 3)
    assert m["subset_accuracy"] == 0.0
    # per section F1: a 1.0, b 2/3 (P 1, R 1/2), c 0 (no support: not in the macro mean)
    assert m["macro_f1"] == pytest.approx((1.0 + 2 / 3) / 2)


def test_report_is_self_contained_with_both_figures(tmp_path: Path) -> None:
    m = classification_metrics(TRUTH, PRED, ["a", "b", "c"], CONF)
    page = write_report(m, tmp_path, title="test <report>")
    html = page.read_text(encoding="utf-8")
    assert "test &lt;report&gt;" in html and "60.0%" in html
    images = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    assert len(images) == 2
    confusion, reliability = (base64.b64decode(i).decode("utf-8") for i in images)
    assert confusion.startswith("<svg") and ">2</text>" in confusion
    assert "accuracy" in reliability and "<rect" in reliability
    assert not re.search(r'(src|href)="https?:', html)  # nothing fetched from the network
    assert json.loads((tmp_path / "metrics.json").read_text())["accuracy"] == 0.6
    assert 'class="weak"' in render_html(m)  # sections with F1 < 0.6 are marked


def test_evaluate_cli_cross_validation_with_report(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["evaluate", str(DATA / "labeled.jsonl"), "--taxonomy", str(DATA / "tiny-taxonomy.yaml"),
         "--cv", "3", "--encoder", "lexical-256", "--report", str(tmp_path / "r")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["cv_folds"] == 3 and metrics["n"] == 24 and metrics["accuracy"] >= 0.8
    assert "accuracy:" in result.output and "Sports" in result.output
    assert (tmp_path / "r" / "report.html").is_file()


def test_evaluate_cli_with_a_trained_model(tmp_path: Path) -> None:
    train = runner.invoke(
        app,
        ["train", str(DATA / "labeled.jsonl"), "-o", str(tmp_path / "m"), "-e", "lexical-256",
         "-t", str(DATA / "tiny-taxonomy.yaml")],
    )  # fmt: skip
    assert train.exit_code == 0, train.output
    result = runner.invoke(
        app,
        [
            "evaluate",
            str(DATA / "labeled.csv"),
            "--model",
            str(tmp_path / "m"),
            "-e",
            "lexical-256",
        ],
    )
    assert result.exit_code == 0, result.output
    assert re.search(r"accuracy: (0\.9|1\.0)", result.output)


def test_evaluate_cli_usage_errors() -> None:
    result = runner.invoke(app, ["evaluate", str(DATA / "labeled.jsonl")])
    assert result.exit_code == 2 and "give --model DIR, or --taxonomy FILE" in result.output


def test_evaluate_cli_cross_validation_lists_unknown_labels(tmp_path: Path) -> None:
    rows = [{"text": f"goal {i}", "label": "Sports"} for i in range(3)]
    rows += [{"text": f"rain {i}", "label": "Weather"} for i in range(3)]
    path = tmp_path / "x.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    result = runner.invoke(
        app,
        ["evaluate", str(path), "-t", str(DATA / "tiny-taxonomy.yaml"), "--cv", "3",
         "-e", "lexical-256", "--no-cache"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "error: 1 label(s) are not sections of taxonomy 'tiny': 'Weather' (3)" in result.output


def test_evaluate_report_lists_the_misfiled_most_confident_first(tmp_path: Path) -> None:
    data = tmp_path / "test.jsonl"
    rows = [
        {"id": "s1", "title": "Cup final", "text": "Sports: match, team, players, league and championship.",
         "label": "Sports"},
        {"id": "m1", "title": "Cup <final>", "text": "Sports: match, team, players, league and championship.",
         "label": "Economy"},
        {"id": "m2", "title": "", "text": "The team won the league title after a long match "
         "season of goals and tournament play", "label": "Economy"},
    ]  # fmt: skip
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = runner.invoke(
        app,
        ["evaluate", str(data), "--taxonomy", str(DATA / "tiny-taxonomy.yaml"),
         "--encoder", "lexical-256", "--report", str(tmp_path / "r")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    misfiled = json.loads((tmp_path / "r" / "metrics.json").read_text())["misfiled"]
    # m1 names the Sports description's words, m2 only a few: m1 is the confident mistake
    assert [(m["id"], m["gold"], m["call"]) for m in misfiled] == [
        ("m1", "Economy", "Sports"),
        ("m2", "Economy", "Sports"),
    ]
    assert misfiled[0]["confidence"] > misfiled[1]["confidence"] > 0
    # an article without a title is named by its first twelve words
    titles = [m["title"] for m in misfiled]
    assert titles == ["Cup <final>", "The team won the league title after a long match season of"]
    html = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "Misfiled articles (2)" in html
    assert "<td>Cup &lt;final&gt;</td><td>Economy</td><td>Sports</td>" in html
    assert "(2 misfiled)" in result.output
