"""``newsdesk retrain`` and ``newsdesk models list|activate|rollback``: learning from the desk."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from newsdesk.cli.db import DATABASE_URL
from newsdesk.cli.exits import fail
from newsdesk.defaults import (
    DEFAULT_MODELS_DIR,
    RETRAIN_CONFIDENT_MIN,
    RETRAIN_CONFIDENT_PER_SECTION,
)
from newsdesk.encoders.registry import DEFAULT_ENCODER
from newsdesk.errors import NewsdeskError

if TYPE_CHECKING:
    from newsdesk.store import Store

models_app = typer.Typer(
    help="The model registry: list, activate, roll back.", no_args_is_help=True
)

MODELS_DIR = typer.Option(
    DEFAULT_MODELS_DIR,
    "--models-dir",
    envvar="NEWSDESK_MODELS_DIR",
    help="Folder where retrained models are saved.",
)


# the columns of ``newsdesk models list``, its header line
MODEL_COLUMNS = ("version", "kind", "status", "accuracy", "mark")


def register(app: typer.Typer) -> None:
    """Add ``retrain`` and the ``models`` group to ``app``."""
    app.command("retrain")(retrain)
    app.add_typer(models_app, name="models")


def retrain(
    database_url: str = DATABASE_URL,
    models_dir: Path = MODELS_DIR,
    model: Path = typer.Option(
        None, "--model", envvar="NEWSDESK_MODEL", help="Base model when none is active yet."
    ),
    taxonomy: str = typer.Option(
        None,
        "--taxonomy",
        envvar="NEWSDESK_TAXONOMY",
        help="Base taxonomy (zero-shot): the one the service was started with.",
    ),
    encoder: str = typer.Option(
        DEFAULT_ENCODER,
        "--encoder",
        envvar="NEWSDESK_ENCODER",
        help="Encoder of a zero-shot base: the one the service was started with.",
    ),
    confident_per_section: int = typer.Option(
        RETRAIN_CONFIDENT_PER_SECTION,
        "--confident-per-section",
        envvar="NEWSDESK_RETRAIN_CONFIDENT_PER_SECTION",
        help="Newest confidently called unreviewed articles a section that join the training "
        "data, labeled with their call (0: reviewed articles only).",
    ),
    confident_min: float = typer.Option(
        RETRAIN_CONFIDENT_MIN,
        "--confident-min",
        envvar="NEWSDESK_RETRAIN_CONFIDENT_MIN",
        help="Least confidence of such a call.",
    ),
    adapt: bool = typer.Option(
        False,
        "--adapt",
        help="Then self-train the candidate on the newest stored articles (up to 20,000), "
        "the corrections as examples; before any correction, adapt the active model itself. "
        "Slower (one to two minutes on 10,000 stored articles), and best from a one-line-a-section "
        "taxonomy.",
    ),
) -> None:
    """Train a candidate model from every correction; it serves once an editor activates it.

    The candidate keeps the active model's taxonomy and encoder, and is compared with it on
    the corrected articles held out from training. Prints the comparison as JSON.
    """
    from newsdesk.lifecycle.active import base_model
    from newsdesk.lifecycle.loading import SpecFlags
    from newsdesk.lifecycle.retrain import retrain as run_retrain
    from newsdesk.store import Store
    from newsdesk.store.migrate import check_schema

    try:
        store = Store(database_url)
        check_schema(store)
        spec = SpecFlags(model=model, taxonomy=taxonomy, encoder=encoder)
        base = base_model(store, spec, note="newsdesk retrain")
        outcome = run_retrain(
            store,
            base,
            models_dir,
            by=f"cli:{getpass.getuser()}",
            confident_per_section=confident_per_section,
            confident_min=confident_min,
            adapt=adapt,
            progress=lambda share, message: typer.echo(f"[{share:4.0%}] {message}", err=True),
        )
    except NewsdeskError as exc:
        fail(exc)
    summary = {
        "version": outcome.version,
        "path": str(outcome.path),
        "compared_with": base.version,
        "held_out": outcome.comparison["n"],
        "candidate": outcome.comparison["candidate"],
        "active": outcome.comparison["active"],
        "fixed": len(outcome.comparison["fixed"]),
        "broken": len(outcome.comparison["broken"]),
    }
    if "adaptation" in outcome.metrics["training"]:
        summary["adaptation"] = outcome.metrics["training"]["adaptation"]
    typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    typer.echo(f"activate it with: newsdesk models activate {outcome.version}", err=True)


@models_app.command("list")
def list_models(database_url: str = DATABASE_URL) -> None:
    """Registered models, newest first: version, kind, status, held-out accuracy, and a mark:
    ``active``, or ``rollback`` on the model ``newsdesk models rollback`` would activate.

    Tab-separated, under a header line naming the columns."""
    from newsdesk.store import Store, registry

    try:
        with Store(database_url).read() as conn:
            active = registry.active_version(conn)
            previous = registry.previous_version(conn)
            records = registry.list_models(conn)
    except NewsdeskError as exc:
        fail(exc)
    marks = {active: "active", previous: "rollback"}
    typer.echo("\t".join(MODEL_COLUMNS))
    for m in records:
        accuracy = ""
        if m.comparison and m.comparison.get("n"):
            accuracy = f"{m.comparison['candidate']['accuracy']:.3f}"
        mark = marks.get(m.version, "")
        typer.echo(f"{m.version}\t{m.kind}\t{m.status}\t{accuracy}\t{mark}".rstrip())


@models_app.command("activate")
def activate(
    version: str = typer.Argument(..., help="The model version to serve."),
    database_url: str = DATABASE_URL,
) -> None:
    """Make a model the active one; running services switch to it within seconds.

    The model is loaded first, as a service loads it: one that cannot be loaded is refused.
    """
    from newsdesk.store import Store

    try:
        _activate(Store(database_url), version, note=None)
    except NewsdeskError as exc:
        fail(exc)
    typer.echo(f"{version} is the active model")


def _activate(store: Store, version: str, *, note: str | None) -> None:
    """Record ``version`` as the active model once it has loaded; :class:`NewsdeskError` else."""
    from newsdesk.lifecycle.active import activate_stored

    record = activate_stored(store, version, by=f"cli:{getpass.getuser()}", note=note)
    if not record.path:
        typer.echo(
            f"warning: model {version!r} has no saved folder (a zero-shot starting model): "
            "only a service started on it can serve it",
            err=True,
        )


@models_app.command("rollback")
def rollback(database_url: str = DATABASE_URL) -> None:
    """Activate the model that was active before the current one.

    Each roll-back goes one step further back in the activation history; ``models list``
    marks the model the next one would activate.
    """
    from newsdesk.lifecycle.active import rollback_target
    from newsdesk.store import Store, registry

    try:
        store = Store(database_url)
        previous = rollback_target(store)
        _activate(store, previous, note=registry.ROLLBACK_NOTE)
    except NewsdeskError as exc:
        fail(exc)
    typer.echo(f"rolled back to {previous}")
