"""``newsdesk classify --adapt``: adapt the classifier to the input, then file the input with it.

The input is read once into memory (stdin included), encoded once, self-trained on, and filed
from memory with the vectors already computed. When the output is a file, the adapted model
is saved beside it (``OUTPUT.adapted/``) before any row is written, so that ``--resume``
files the rest with the very same head instead of adapting again to what is left; the folder
is removed when the run ends.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import typer

from newsdesk.article import Article
from newsdesk.classify.classifier import Classifier
from newsdesk.errors import ModelFormatError


def say(message: str) -> None:
    typer.echo(message, err=True)


def resume_folder(output: str) -> Path | None:
    """Where a run writing ``output`` keeps its adapted model for ``--resume`` (None: stdout)."""
    return None if output == "-" else Path(f"{output}.adapted")


def adapted_classifier(
    clf: Classifier,
    articles: Iterator[Article],
    *,
    output: str,
    written: int,
    save: Path | None,
) -> tuple[Classifier, Iterator[Article]]:
    """The classifier to file with and the articles to file.

    ``written`` is how many rows a resumed ``output`` already holds: a resumed run loads the
    adapted model its first run saved, and reads the input as a plain run does.
    """
    from newsdesk.cli.exits import usage_error

    state = resume_folder(output)
    if state is not None and (state / "model.json").is_file():
        try:
            resumed = Classifier.load(state, encoder=clf.encoder)
        except ModelFormatError as exc:
            usage_error(f"{exc}; delete {state} and run again without --resume")
        resumed.multi_label = clf.multi_label
        say(f"filing with the adapted model of the interrupted run ({state})")
        return resumed, articles
    if written:
        usage_error(
            f"{output} already holds {written} rows, but no adapted model was saved beside it "
            f"({state}): they were not filed with --adapt. Resume without --adapt, or write "
            "to a new --output"
        )
    held = list(articles)
    adapted = adapt_and_report(clf, held)
    if state is not None:
        save_adapted(adapted, clf, state)
    if save is not None:
        save_adapted(adapted, clf, save)
        say(f"saved the adapted model to {save} (use it with --model {save})")
    return adapted, iter(held)


def adapt_and_report(clf: Classifier, articles: list[Article]) -> Classifier:
    """``clf`` adapted to ``articles``, with its progress and what it did on stderr."""
    adapted = clf.adapt(articles, progress=say)
    assert adapted.adaptation is not None
    say(adapted.adaptation.summary())
    return adapted


def save_adapted(adapted: Classifier, clf: Classifier, folder: Path) -> Path:
    """Save the classifier ``clf`` was adapted to, with what adaptation did, to ``folder``."""
    report = adapted.adaptation
    assert report is not None
    kind = "self-trained" if report.adapted else clf.head.kind
    return adapted.save(
        folder, hyperparameters={"head": kind}, training={"adaptation": report.to_dict()}
    )


def finish(output: str) -> None:
    """The run is complete: the adapted model kept for ``--resume`` is no longer needed."""
    state = resume_folder(output)
    if state is not None and state.is_dir():
        shutil.rmtree(state)
