"""``newsdesk classify --engine ray``: the command-line side of the Ray Data job."""

from __future__ import annotations

from typing import Any

import typer

from newsdesk.classify.spec import ClassifierSpec
from newsdesk.errors import NewsdeskError
from newsdesk.io.readers import InputFormat


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
