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
from pathlib import Path
from typing import Any, TextIO

import typer

from newsdesk.classify.spec import ClassifierSpec
from newsdesk.errors import NewsdeskError
from newsdesk.io import JsonLinesWriter, Rejected, count_records
from newsdesk.io.readers import InputFormat

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
) -> None:
    """Run the job, with progress, rejects and a one-line summary on stderr.

    Exit 3 when rows were rejected, 2 on a usage error (a missing extra, unreadable inputs,
    a full output folder, a cluster that does not answer).
    """
    from newsdesk.cli.classify import EXIT_REJECTED, usage_error

    if output == "-":
        if len(inputs) < 2:
            usage_error("--engine ray needs INPUT... OUTPUT_DIR (or --output OUTPUT_DIR)")
        inputs, output = inputs[:-1], inputs[-1]
    log_path = None if verbose else _log_path(output)
    try:
        from newsdesk.scale.cluster import stderr_to_file
        from newsdesk.scale.ray_job import RaySettings, classify_with_ray

        with ExitStack() as stack:
            err = stack.enter_context(stderr_to_file(log_path)) if log_path else sys.stderr
            report = stack.enter_context(_Report(err, inputs, format, read_options["text_column"]))
            result = classify_with_ray(
                inputs,
                output,
                spec,
                RaySettings(**settings, worker_logs=verbose),
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
    from newsdesk.cli.classify import usage_error

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
