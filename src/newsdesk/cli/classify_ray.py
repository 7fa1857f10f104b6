"""``newsdesk classify --engine ray``: the command-line side of the Ray Data job."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import typer

from newsdesk.classify.spec import ClassifierSpec
from newsdesk.encoders.base import DEFAULT_ENCODER
from newsdesk.encoders.cache import CachedEncoder
from newsdesk.errors import NewsdeskError
from newsdesk.io.readers import InputFormat, read_articles


def classify_on_ray(
    inputs: list[str],
    output: str,
    spec: ClassifierSpec,
    settings: dict[str, Any],
    format: InputFormat | None,
    read_options: dict[str, Any],
    top_k: int,
    overwrite: bool,
) -> None:
    """Run the job and print a one-line summary on stderr; usage errors exit 2."""
    from newsdesk.cli.classify import usage_error

    if output == "-":
        if len(inputs) < 2:
            usage_error("--engine ray needs INPUT... OUTPUT_DIR (or --output OUTPUT_DIR)")
        inputs, output = inputs[:-1], inputs[-1]
    try:
        from newsdesk.scale.ray_job import RaySettings, classify_with_ray

        result = classify_with_ray(
            inputs,
            output,
            spec,
            RaySettings(**settings),
            format=format,
            read_options=read_options,
            top_k=top_k or None,
            overwrite=overwrite,
        )
    except NewsdeskError as exc:  # a missing extra, unreadable inputs, a full output folder
        usage_error(str(exc))
    typer.echo(
        f"{result.rows} articles filed into {len(result.files)} Parquet files in {output} "
        f"({result.rate:.1f} articles/s; Ray started in {result.startup_seconds:.1f}s)",
        err=True,
    )


def adapt_then_classify_on_ray(
    inputs: list[str],
    output: str,
    spec: ClassifierSpec,
    settings: dict[str, Any],
    format: InputFormat | None,
    read_options: dict[str, Any],
    top_k: int,
    overwrite: bool,
    adapt_save: Path | None,
) -> None:
    """``--adapt --engine ray``: the articles are encoded on Ray into the embedding cache,
    adapted to on the driver (which reads them from the cache), and filed on Ray by actors
    that load the adapted model and read the vectors from the same cache.

    The adapted model is written to ``adapt_save`` or a temporary folder: actors on other
    machines need it (and the cache) on a shared file system, or they encode again.
    """
    from newsdesk.cli.classify import usage_error
    from newsdesk.cli.classify_adapt import adapt_and_report, save_adapted, say

    if output == "-":
        if len(inputs) < 2:
            usage_error("--engine ray needs INPUT... OUTPUT_DIR (or --output OUTPUT_DIR)")
        inputs, output = inputs[:-1], inputs[-1]
    try:
        from newsdesk.scale.embed_job import fill_cache_with_ray
        from newsdesk.scale.inputs import resolve_inputs
        from newsdesk.scale.ray_job import RaySettings

        fmt, files = resolve_inputs(list(inputs), format)
        articles = [
            article for path in files for article in read_articles(path, format=fmt, **read_options)
        ]
        clf = replace(spec, cached=True).build()
        cache = clf.encoder
        assert isinstance(cache, CachedEncoder)
        ray_settings = RaySettings(**settings)
        say(f"encoding {len(articles)} articles on Ray ({ray_settings.workers} actors)")
        # the name actors build the encoder from: the model's own unless one is named
        name = spec.encoder if spec.model is None or spec.encoder != DEFAULT_ENCODER else None
        encoded = fill_cache_with_ray(
            cache, name or cache.name, [[a.content for a in articles]], ray_settings
        )
        say(f"encoded {encoded.texts} articles on Ray in {encoded.seconds:.1f}s")
        with TemporaryDirectory(prefix="newsdesk-adapted-") as temporary:
            adapted = adapt_and_report(clf, articles)
            folder = save_adapted(adapted, clf, adapt_save or Path(temporary))
            filing = replace(spec, model=str(folder), cached=True)
            classify_on_ray(
                inputs, output, filing, settings, format, read_options, top_k, overwrite
            )
    except NewsdeskError as exc:
        usage_error(str(exc))
