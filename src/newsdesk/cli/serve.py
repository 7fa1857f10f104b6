"""``newsdesk serve``: run the newsroom service (needs the ``service`` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from newsdesk.cli.exits import EXIT_USAGE, fail
from newsdesk.defaults import DEFAULT_DATABASE_URL
from newsdesk.encoders.registry import DEFAULT_ENCODER


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to ``app``."""
    app.command("serve")(serve)


def serve(
    host: str = typer.Option(None, "--host", help="Address to listen on [127.0.0.1]."),
    port: int = typer.Option(None, "--port", help="Port to listen on [8000]."),
    model: Path = typer.Option(None, "--model", help="A saved model folder (newsdesk train)."),
    taxonomy: str = typer.Option(None, "--taxonomy", help="A taxonomy YAML, filed zero-shot."),
    encoder: str = typer.Option(
        None, "--encoder", help=f"Encoder for zero-shot [{DEFAULT_ENCODER}]."
    ),
    database_url: str = typer.Option(
        None, "--database-url", help=f"sqlite:///FILE or postgresql://… [{DEFAULT_DATABASE_URL}]."
    ),
    retrain_every: int = typer.Option(
        None,
        "--retrain-every",
        help="Retrain in the background after this many new corrections "
        "(NEWSDESK_RETRAIN_EVERY) [0: only when an editor asks].",
    ),
    retrain_activate_margin: float = typer.Option(
        None,
        "--retrain-activate-margin",
        help="Activate such a retrain when it beats the active model by this much held-out "
        "accuracy, 0.02 = two points (NEWSDESK_RETRAIN_ACTIVATE_MARGIN) [unset: suggest only].",
    ),
    retrain_adapt: bool = typer.Option(
        None,
        "--retrain-adapt/--no-retrain-adapt",
        help="Retrains also self-train on the stored articles, as newsdesk retrain --adapt "
        "(NEWSDESK_RETRAIN_ADAPT) [off].",
        show_default=False,
    ),
    log_level: str = typer.Option("info", help="uvicorn's log level."),
) -> None:
    """Serve the HTTP API. Flags override NEWSDESK_* environment variables."""
    from newsdesk.errors import NewsdeskError

    try:
        from pydantic import ValidationError

        from newsdesk.server import DeskSettings, Settings, create_app
        from newsdesk.store.migrate import check_schema
    except ImportError as exc:
        fail(exc)
    flags: dict[str, Any] = {
        "host": host,
        "port": port,
        "model": model,
        "taxonomy": taxonomy,
        "encoder": encoder,
        "database_url": database_url,
    }
    try:
        settings = Settings(**{k: v for k, v in flags.items() if v is not None})
        desk_flags: dict[str, Any] = {
            "retrain_every": retrain_every,
            "retrain_activate_margin": retrain_activate_margin,
            "retrain_adapt": retrain_adapt,
        }
        # the review desk's settings: NEWSDESK_* variables, and these flags
        desk = DeskSettings(**{k: v for k, v in desk_flags.items() if v is not None})
    except ValidationError as exc:
        messages = "; ".join(
            f"{e['loc'][0]} (NEWSDESK_{str(e['loc'][0]).upper()}): {e['msg']}"
            if e["loc"]
            else e["msg"]
            for e in exc.errors()
        )
        fail(f"{messages}", EXIT_USAGE)
    try:
        app = create_app(settings, desk=desk)
        check_schema(app.state.newsdesk.store)
    except NewsdeskError as exc:
        fail(exc)

    import uvicorn

    # The app applies forwarded headers itself, from NEWSDESK_TRUSTED_PROXIES only: uvicorn's
    # own default would believe any X-Forwarded-For sent from 127.0.0.1.
    uvicorn.run(
        app, host=settings.host, port=settings.port, log_level=log_level, proxy_headers=False
    )
