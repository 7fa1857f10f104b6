"""``newsdesk train``: learn a classifier from labeled files and/or an unlabeled archive."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from newsdesk.cli.classify import CPUS_PER_WORKER, ENCODER_HELP, RAY_ADDRESS, WORKERS, Engine
from newsdesk.cli.exits import EXIT_USAGE, fail, reported
from newsdesk.cli.inputs import (
    FORMAT,
    ID_COLUMN,
    LABEL_COLUMN,
    LABELS_COLUMN,
    TEXT_COLUMN,
    TITLE_COLUMN,
    read_options,
)
from newsdesk.encoders.registry import DEFAULT_ENCODER
from newsdesk.errors import NewsdeskError
from newsdesk.io.readers import InputFormat

if TYPE_CHECKING:
    from newsdesk.classify.training import TrainedModel
    from newsdesk.encoders.cache import CachedEncoder
    from newsdesk.scale.ray_job import RaySettings


def register(app: typer.Typer) -> None:
    """Add the ``train`` command to ``app``."""
    app.command("train")(train)


def say(message: str) -> None:
    typer.echo(message, err=True)


def encoding_progress(done: int, total: int) -> None:
    say(f"  encoded {done}/{total}")


def train(
    data: list[Path] = typer.Argument(
        None, help="Labeled files (.jsonl, .csv, .tsv, .parquet, .gz), .txt folders, or - (stdin)."
    ),
    output: Path = typer.Option(..., "--output", "-o", help="Folder to write the model to."),
    taxonomy: str = typer.Option(
        None, "--taxonomy", "-t", help="Taxonomy YAML (default: bundled)."
    ),
    encoder: str = typer.Option(DEFAULT_ENCODER, "--encoder", "-e", help=ENCODER_HELP),
    label_column: str = LABEL_COLUMN,
    labels_column: str = LABELS_COLUMN,
    text_column: str = TEXT_COLUMN,
    title_column: str = TITLE_COLUMN,
    id_column: str = ID_COLUMN,
    format: InputFormat | None = FORMAT,
    taxonomy_from_labels: bool = typer.Option(
        False, help="Build the taxonomy from the labels found in DATA."
    ),
    unlabeled: Path = typer.Option(None, help="An archive without labels to self-train on."),
    unlabeled_limit: int = typer.Option(20000, help="Use at most this many unlabeled articles."),
    multi_label: bool = typer.Option(
        False, help="Several sections an article (from --labels-column)."
    ),
    head: str = typer.Option("auto", help="auto, prototype or linear."),
    sources: bool | None = typer.Option(
        None,
        "--sources/--no-sources",
        help="Learn each source's filing habits (the rows' 'source' field) beside the text. "
        "Default: on when at least half the articles name a source and there are two or more.",
    ),
    cache: bool = typer.Option(True, help="Cache embeddings on disk (NEWSDESK_CACHE_DIR)."),
    engine: Engine = typer.Option(
        Engine.LOCAL,
        "--engine",
        case_sensitive=False,
        help="local: encode in this process. ray: encode the articles on a Ray Data job "
        "into the embedding cache, then train here; needs newsdesk[scale].",
    ),
    ray_address: str | None = RAY_ADDRESS,
    workers: int = WORKERS,
    cpus_per_worker: int = CPUS_PER_WORKER,
) -> None:
    """Train a classifier and save it to --output (model.json + arrays.npz)."""
    from newsdesk.classify.options import TrainingOptions
    from newsdesk.classify.training import encoding_passes, train_classifier
    from newsdesk.scale.ray_job import RaySettings

    flags = (bool(data), unlabeled, taxonomy, taxonomy_from_labels, head, engine, cache)
    if problem := _flag_problem(*flags):
        fail(problem, EXIT_USAGE)
    start = time.perf_counter()
    with reported():
        reading = read_options(text_column, title_column, id_column, format)
        labels = {"label_column": label_column, "labels_column": labels_column}
        tax, labeled, archive, enc, base = load_inputs(
            data, taxonomy, taxonomy_from_labels, encoder, reading, labels, multi_label,
            unlabeled, unlabeled_limit, cache,
        )  # fmt: skip
        if engine is Engine.RAY:
            settings = RaySettings(
                workers=workers, cpus_per_worker=cpus_per_worker, address=ray_address
            )
            embed_on_ray(enc, encoder, encoding_passes(labeled, archive), settings)
        options = TrainingOptions(multi_label=multi_label, head=head, sources=sources)
        model = train_classifier(
            tax, enc, labeled, unlabeled=archive, options=options, progress=say, final_encoder=base
        )
        model.classifier.save(
            output,
            hyperparameters=model.hyperparameters,
            training=model.data,
            metrics=model.metrics,
        )
    say(f"{_summary(model, output)} in {time.perf_counter() - start:.1f}s")


def _summary(model: TrainedModel, output: Path) -> str:
    held_out = model.metrics
    summary = f"saved a {model.hyperparameters['head']} model to {output}"
    if "accuracy" in held_out:
        summary += (
            f" (held-out accuracy {held_out['accuracy']:.3f}, macro-F1 {held_out['macro_f1']:.3f},"
            f" ECE {held_out['ece']:.3f})"
        )
    return summary


def _flag_problem(  # type: ignore[no-untyped-def]
    labeled, unlabeled, taxonomy, taxonomy_from_labels, head, engine, cache
) -> str | None:
    """What is wrong with the command line, before anything is read."""
    if not labeled and unlabeled is None:
        return "give labeled files (DATA...) and/or --unlabeled ARCHIVE"
    if taxonomy and taxonomy_from_labels:
        return "use either --taxonomy or --taxonomy-from-labels, not both"
    if head not in ("auto", "prototype", "linear"):
        return f"--head must be auto, prototype or linear, not '{head}'"
    if engine is Engine.RAY and not cache:
        return "--engine ray encodes into the embedding cache; drop --no-cache"
    return None


def embed_on_ray(
    cache: CachedEncoder, encoder: str, passes: list[list[str]], settings: RaySettings
) -> None:
    """Fill ``cache`` with the vectors training will ask for, on a Ray Data job."""
    from newsdesk.scale.embed_job import fill_cache_with_ray

    count = sum(len(texts) for texts in passes)
    say(f"encoding {count} articles on Ray ({settings.workers} actors) into the embedding cache")
    result = fill_cache_with_ray(cache, encoder, passes, settings, progress=encoding_progress)
    say(
        f"encoded {result.texts} articles on Ray in {result.seconds:.1f}s "
        f"({result.rate:.1f} articles/s; Ray started in {result.startup_seconds:.1f}s); "
        f"the other {count - result.texts} were cached or repeats"
    )


def load_inputs(  # type: ignore[no-untyped-def]
    data, taxonomy, taxonomy_from_labels, encoder, reading, labels, multi_label, unlabeled,
    unlabeled_limit, cache,
):  # fmt: skip
    """Read the taxonomy, the labeled files, the archive and the (cached) encoder."""
    from newsdesk.encoders.cache import CachedEncoder
    from newsdesk.encoders.registry import get_encoder
    from newsdesk.io.labeled import read_labeled, read_unlabeled
    from newsdesk.taxonomy import Taxonomy, load_taxonomy

    labeled = None
    if data:
        labeled = read_labeled(data, **labels, **reading, multi_label=multi_label)
        say(f"read {len(labeled)} labeled articles" + (
            f" ({labeled.skipped} rows skipped)" if labeled.skipped else ""
        ))  # fmt: skip
    if taxonomy_from_labels:
        if labeled is None:
            raise NewsdeskError("--taxonomy-from-labels needs labeled files")
        tax = Taxonomy.from_labels(x for labels in labeled.labels for x in labels)
    else:
        tax = load_taxonomy(taxonomy)
    archive = None
    if unlabeled is not None:
        archive = read_unlabeled(unlabeled, **reading, limit=unlabeled_limit)
        say(f"read {len(archive)} unlabeled articles from {unlabeled}")
    base = get_encoder(encoder)
    enc = CachedEncoder(base, progress=encoding_progress) if cache else base
    return tax, labeled, archive, enc, base
