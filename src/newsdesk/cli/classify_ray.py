"""``newsdesk classify --engine ray``: the command-line side of the Ray Data job."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING, Any

import typer

from newsdesk.classify.spec import ClassifierSpec
from newsdesk.encoders.base import DEFAULT_ENCODER
from newsdesk.encoders.cache import CachedEncoder
from newsdesk.errors import NewsdeskError
from newsdesk.io.readers import InputFormat, read_articles

if TYPE_CHECKING:
    from newsdesk.scale.ray_job import RaySettings


def classify_on_ray(
    inputs: list[str],
    output: str,
    spec: ClassifierSpec,
    settings: dict[str, Any],
    format: InputFormat | None,
    read_options: dict[str, Any],
    top_k: int,
    overwrite: bool,
    adapt: bool = False,
    adapt_save: Path | None = None,
) -> None:
    """Run the job and print a one-line summary on stderr; usage errors exit 2.

    With ``adapt``, the job files with a model adapted to the input (:func:`adapted_spec`),
    saved to ``adapt_save`` or a temporary folder.
    """
    from newsdesk.cli.classify import usage_error

    if output == "-":
        if len(inputs) < 2:
            usage_error("--engine ray needs INPUT... OUTPUT_DIR (or --output OUTPUT_DIR)")
        inputs, output = inputs[:-1], inputs[-1]
    try:
        from newsdesk.scale.ray_job import RaySettings, classify_with_ray

        ray_settings = RaySettings(**settings)
        with ExitStack() as stack:
            if adapt:
                folder = adapt_save or Path(
                    stack.enter_context(TemporaryDirectory(prefix="newsdesk-adapted-"))
                )
                spec = adapted_spec(inputs, spec, ray_settings, format, read_options, folder)
            result = classify_with_ray(
                inputs,
                output,
                spec,
                ray_settings,
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


def adapted_spec(
    inputs: list[str],
    spec: ClassifierSpec,
    settings: RaySettings,
    format: InputFormat | None,
    read_options: dict[str, Any],
    folder: Path,
) -> ClassifierSpec:
    """Adapt ``spec``'s classifier to ``inputs`` and save it to ``folder``: the articles are
    encoded on Ray into the embedding cache, and adapted to here (reading the cache).

    The returned spec loads the adapted model and reads the vectors from the same cache, so
    the actors filing the input do not encode it again; actors on other machines need the
    folder and the cache on a shared file system, or they encode again.
    """
    from newsdesk.cli.classify_adapt import adapt_and_report, save_adapted, say
    from newsdesk.scale.embed_job import fill_cache_with_ray
    from newsdesk.scale.inputs import resolve_inputs

    fmt, files = resolve_inputs(list(inputs), format)
    articles = [a for path in files for a in read_articles(path, format=fmt, **read_options)]
    clf = replace(spec, cached=True).build()
    cache = clf.encoder
    assert isinstance(cache, CachedEncoder)
    say(f"encoding {len(articles)} articles on Ray ({settings.workers} actors)")
    # the name actors build the encoder from: the model's own unless one is named
    name = spec.encoder if spec.model is None or spec.encoder != DEFAULT_ENCODER else None
    encoded = fill_cache_with_ray(
        cache, name or cache.name, [[a.content for a in articles]], settings
    )
    say(f"encoded {encoded.texts} articles on Ray in {encoded.seconds:.1f}s")
    save_adapted(adapt_and_report(clf, articles), clf, folder)
    return replace(spec, model=str(folder), cached=True)
