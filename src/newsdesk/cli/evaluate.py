"""``newsdesk evaluate``: measure a model (or zero-shot, or K-fold training) on labeled data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from newsdesk.cli.exits import EXIT_USAGE, fail
from newsdesk.cli.inputs import (
    FORMAT,
    ID_COLUMN,
    LABEL_COLUMN,
    LABELS_COLUMN,
    TEXT_COLUMN,
    TITLE_COLUMN,
    read_options,
)
from newsdesk.errors import NewsdeskError
from newsdesk.io.readers import InputFormat


def register(app: typer.Typer) -> None:
    """Add the ``evaluate`` command to ``app``."""
    app.command("evaluate")(evaluate)


def say(message: str) -> None:
    typer.echo(message, err=True)


def evaluate(
    data: Path = typer.Argument(
        ..., help="A labeled file (.jsonl, .csv, .tsv, .parquet, .gz), .txt folder, or - (stdin)."
    ),
    model: Path = typer.Option(None, "--model", "-m", help="A model folder from newsdesk train."),
    taxonomy: str = typer.Option(
        None, "--taxonomy", "-t", help="Evaluate zero-shot (or --cv) with this taxonomy."
    ),
    taxonomy_from_labels: bool = typer.Option(False, help="With --cv: taxonomy from the labels."),
    encoder: str = typer.Option(
        None, "--encoder", "-e", help="Encoder name (default: the model's, or e5-small)."
    ),
    report: Path = typer.Option(
        None, "--report", help="Write metrics.json and report.html (with the misfiled) here."
    ),
    cv: int = typer.Option(None, "--cv", help="Stratified K-fold training and evaluation on DATA."),
    label_column: str = LABEL_COLUMN,
    labels_column: str = LABELS_COLUMN,
    text_column: str = TEXT_COLUMN,
    title_column: str = TITLE_COLUMN,
    id_column: str = ID_COLUMN,
    format: InputFormat | None = FORMAT,
    multi_label: bool = typer.Option(False, help="Score several sections an article."),
    cache: bool = typer.Option(True, help="Cache embeddings on disk (with --cv)."),
) -> None:
    """Print accuracy, macro-F1, per-section figures and calibration error for DATA."""
    if model is not None and (taxonomy or taxonomy_from_labels or cv):
        fail(
            "--model evaluates a trained model; do not combine it with --taxonomy or --cv",
            EXIT_USAGE,
        )
    if model is None and not (taxonomy or taxonomy_from_labels):
        fail("give --model DIR, or --taxonomy FILE (zero-shot, or with --cv K)", EXIT_USAGE)
    if cv is not None and cv < 2:
        fail("--cv needs at least 2 folds", EXIT_USAGE)
    try:
        reading = read_options(text_column, title_column, id_column, format)
        labels = {"label_column": label_column, "labels_column": labels_column}
        metrics = run(
            data, model, taxonomy, taxonomy_from_labels, encoder, cv, reading, labels,
            multi_label, cache,
        )  # fmt: skip
    except NewsdeskError as exc:
        fail(exc)
    typer.echo(render_table(metrics))
    if report is not None:
        from newsdesk.eval.report import write_report

        page = write_report(metrics, report, title=f"newsdesk evaluation: {data.name}")
        say(f"wrote {report / 'metrics.json'} and {page} ({len(metrics['misfiled'])} misfiled)")


def run(  # type: ignore[no-untyped-def]
    data, model, taxonomy, taxonomy_from_labels, encoder, cv, reading, labels, multi_label,
    cache,
) -> dict[str, Any]:  # fmt: skip
    from newsdesk.classify.classifier import Classifier
    from newsdesk.classify.options import TrainingOptions
    from newsdesk.encoders.cache import CachedEncoder
    from newsdesk.encoders.registry import get_encoder
    from newsdesk.eval.evaluate import cross_validate, evaluate_articles
    from newsdesk.io.labeled import read_labeled
    from newsdesk.taxonomy import Taxonomy, load_taxonomy

    if model is not None:
        clf = Classifier.load(model, encoder=encoder)
        multi_label = multi_label or clf.multi_label
    read = read_labeled([data], **labels, **reading, multi_label=multi_label)
    about: dict[str, Any] = {"data": str(data), "articles": len(read)}
    if model is not None:
        about |= {"model": str(model), "encoder": clf.encoder.name}
        metrics = evaluate_articles(clf, read)
    else:
        tax = (
            Taxonomy.from_labels(x for labels in read.labels for x in labels)
            if taxonomy_from_labels
            else load_taxonomy(taxonomy)
        )
        base = get_encoder(encoder)
        about |= {"taxonomy": tax.name, "encoder": base.name}
        if cv:
            enc = CachedEncoder(base) if cache else base
            options = TrainingOptions(multi_label=multi_label)
            metrics = cross_validate(read, tax, enc, cv, options, progress=say)
            about["mode"] = f"{cv}-fold cross-validation"
        else:
            about["mode"] = "zero-shot"
            metrics = evaluate_articles(
                Classifier.zero_shot(tax, base, multi_label=multi_label), read
            )
    metrics["about"] = about
    return metrics


def render_table(metrics: dict[str, Any]) -> str:
    """The metrics as a plain-text summary and per-section table."""
    lines = [f"articles: {metrics['n']}  accuracy: {metrics['accuracy']:.3f}  "
             f"macro-F1: {metrics['macro_f1']:.3f}  ECE: {metrics.get('ece', 0.0):.3f}"]  # fmt: skip
    multi = metrics.get("multi_label")
    if multi:
        lines.append(
            f"multi-label: micro-F1 {multi['micro_f1']:.3f}  macro-F1 {multi['macro_f1']:.3f}  "
            f"subset accuracy {multi['subset_accuracy']:.3f}"
        )
    width = max(len(name) for name in metrics["per_section"]) + 2
    lines.append(f"{'section':<{width}}precision  recall     F1  support")
    for name, row in metrics["per_section"].items():
        lines.append(
            f"{name:<{width}}{row['precision']:>9.3f}{row['recall']:>8.3f}{row['f1']:>7.3f}"
            f"{row['support']:>9d}"
        )
    return "\n".join(lines)
