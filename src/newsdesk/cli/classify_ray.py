"""``newsdesk classify --engine ray``: the command-line side of the Ray Data job.

The contract is the local engine's: each rejected row on stderr and in ``--rejects``, exit 3
when rows were rejected, ``--resume`` finishes a killed job. Ray's own output (its start-up
lines, warnings, the workers' logs) goes to ``_ray.log`` in the output folder (for a remote
one, to a new temporary file whose path is printed) unless ``--verbose``, so that stderr
shows newsdesk's progress.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import TYPE_CHECKING, Any, TextIO

import typer

from newsdesk.classify.spec import ClassifierSpec
from newsdesk.cli.exits import EXIT_REJECTED, usage_error
from newsdesk.encoders.cache import CachedEncoder
from newsdesk.encoders.registry import DEFAULT_ENCODER
from newsdesk.errors import NewsdeskError
from newsdesk.io import JsonLinesWriter, Rejected, count_records
from newsdesk.io.readers import InputFormat, read_articles

if TYPE_CHECKING:
    from newsdesk.scale.ray_job import RaySettings

RAY_LOG = "_ray.log"  # a leading '_': readers of the output folder's Parquet files skip it


def classify_on_ray(
    inputs: list[str],
    output: str,
    spec: ClassifierSpec,
    settings: dict[str, Any],
    format: InputFormat | None,
    read_options: dict[str, Any],
    top_k: int,
    overwrite: bool,
    *,
    resume: bool = False,
    rejects: str | None = None,
    verbose: bool = False,
    adapt: bool = False,
    adapt_save: Path | None = None,
) -> None:
    """Run the job, with progress, rejects and a one-line summary on stderr.

    Exit 3 when rows were rejected, 2 on a usage error (a missing extra, unreadable inputs,
    a full output folder, a cluster that does not answer). With ``adapt``, the job files with
    a model adapted to the input (:func:`adapted_spec`), saved to ``adapt_save`` or a
    temporary folder.
    """

    if output == "-":
        if len(inputs) < 2:
            usage_error("--engine ray needs INPUT... OUTPUT_DIR (or --output OUTPUT_DIR)")
        inputs, output = inputs[:-1], inputs[-1]
    log_path = None if verbose else _log_path(output)
    try:
        from newsdesk.scale.cluster import stderr_to_file
        from newsdesk.scale.ray_job import RaySettings, classify_with_ray

        ray_settings = RaySettings(**settings, worker_logs=verbose)
        with ExitStack() as stack:
            err = stack.enter_context(stderr_to_file(log_path)) if log_path else sys.stderr
            report = stack.enter_context(_Report(err, inputs, format, read_options["text_column"]))
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
                resume=resume,
                on_resumed=report.resumed,
                on_block=report.block,
            )
    except NewsdeskError as exc:
        usage_error(str(exc))
    if rejects is not None:
        _write_rejects(rejects, result.rejects)
    resumed = f" after {result.resumed_rows} filed before" if result.resumed_rows else ""
    typer.echo(
        f"{result.rows} articles filed into {len(result.files)} Parquet files in {output}"
        f"{resumed} ({result.rate:.1f} articles/s; Ray started in "
        f"{result.startup_seconds:.1f}s{'; its log: ' + str(log_path) if log_path else ''})",
        err=True,
    )
    if result.rejected:
        typer.echo(f"{result.rejected} row(s) rejected", err=True)
        raise typer.Exit(EXIT_REJECTED)


def _log_path(output: str) -> Path:
    """``_ray.log`` in a local output folder; for a remote one, a new file of this user's in
    the temporary folder (a fixed name there would mix jobs, or write where another user's
    link points), whose path is printed at once so a failed job's log can be found."""
    if "://" in output:
        handle, name = tempfile.mkstemp(prefix="newsdesk-ray-", suffix=".log")
        os.close(handle)
        typer.echo(f"Ray's log: {name}", err=True)
        return Path(name)
    Path(output).mkdir(parents=True, exist_ok=True)
    return Path(output) / RAY_LOG


def _write_rejects(path: str, rejects: list[Rejected]) -> None:
    """Write every reject of the job, a resumed job's earlier ones included, afresh."""

    try:
        with JsonLinesWriter(path) as writer:
            for rejected in rejects:
                writer.write(rejected.to_dict())
    except OSError as exc:
        usage_error(f"cannot write {path}: {exc.strerror or exc}")


class _Report:
    """Rejects as they come, and progress: a bar on a terminal, else a line every so often."""

    EVERY_SECONDS = 30.0

    def __init__(
        self, err: TextIO, inputs: list[str], format: InputFormat | None, column: str
    ) -> None:
        self.err = err
        self.done = 0
        self.bar: Any = None
        self._said = time.monotonic()
        if err.isatty() and not any("://" in item for item in inputs):
            total = _count(inputs, format, column)
            if total:
                self.bar = typer.progressbar(length=total, label="classifying", file=err)

    def __enter__(self) -> _Report:
        if self.bar is not None:
            self.bar.__enter__()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc_info)

    def resumed(self, rows: int) -> None:
        self._advance(rows)

    def block(self, rows: int, rejects: list[Rejected]) -> None:
        for rejected in rejects:
            typer.echo(f"rejected {rejected}", file=self.err)
        self._advance(rows + len(rejects))

    def _advance(self, rows: int) -> None:
        self.done += rows
        if self.bar is not None:
            self.bar.update(rows)
        elif time.monotonic() - self._said >= self.EVERY_SECONDS:
            typer.echo(f"classifying: {self.done} rows done", file=self.err)
            self._said = time.monotonic()


def _count(inputs: list[str], format: InputFormat | None, column: str) -> int:
    from newsdesk.scale.inputs import resolve_inputs

    try:
        fmt, files = resolve_inputs(inputs, format)
        return sum(count_records(f, format=fmt, text_column=column) or 0 for f in files)
    except (NewsdeskError, OSError):  # the job itself says what is wrong with the inputs
        return 0


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
