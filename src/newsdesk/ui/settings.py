"""Settings of the review desk and the public section pages (``NEWSDESK_*`` variables)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from newsdesk.defaults import (
    DEFAULT_MODELS_DIR,
    RETRAIN_ACTIVATE_MARGIN,
    RETRAIN_CONFIDENT_MIN,
    RETRAIN_CONFIDENT_PER_SECTION,
    RETRAIN_EVERY,
)

__all__ = ["DeskSettings"]


class DeskSettings(BaseSettings):
    """Everything the desk is configured by; each field is also ``NEWSDESK_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", extra="ignore", frozen=True)

    session_secret: str | None = Field(
        default=None,
        description="Key that signs session cookies; without one the first service process "
        "makes a random key and keeps it with the sign-in state (the database, or Redis), "
        "where every other process finds it.",
    )
    cookie_secure: bool = Field(
        default=True,
        description="Send the session cookie over HTTPS only (turn off for plain-HTTP tests).",
    )
    session_hours: float = Field(default=12.0, gt=0, description="How long a sign-in lasts.")
    signin_max_failures: int = Field(
        default=5,
        gt=0,
        description="Sign-in attempts for one account, or from one address, within "
        "signin_window_s after which further attempts wait signin_lockout_s (counted "
        "across every service process; a successful sign-in clears its account's count).",
    )
    signin_window_s: float = Field(
        default=900.0, gt=0, description="The window sign-in attempts are counted in."
    )
    signin_lockout_s: float = Field(
        default=900.0, gt=0, description="How long sign-in is refused after too many attempts."
    )
    redis_url: str | None = Field(
        default=None,
        description="redis://host:6379/0: keep sign-in attempts and the made session key in "
        "Redis instead of the database.",
    )
    redis_prefix: str = Field(
        default="newsdesk:{signin}:",
        min_length=1,
        description="Start of every key the desk keeps in Redis; keep its {hash tag} for a "
        "Redis Cluster. Deployments sharing one Redis database each need their own.",
    )
    public_min_confidence: float = Field(
        default=0.6,
        ge=0.0,
        le=1.0,
        description="Least confidence of a call for an unreviewed article to be published on "
        "its section's page and feed (reviewed articles always are).",
    )
    models_dir: Path = Field(
        default=DEFAULT_MODELS_DIR, description="Folder where retrained models are saved."
    )
    retrain_confident_per_section: int = Field(
        default=RETRAIN_CONFIDENT_PER_SECTION,
        ge=0,
        description="Newest unreviewed articles a section, confidently called, that join a "
        "retrain's training data labeled with their call (0: reviewed articles only).",
    )
    retrain_confident_min: float = Field(
        default=RETRAIN_CONFIDENT_MIN,
        ge=0.0,
        le=1.0,
        description="Least confidence of a call for its article to join a retrain's data.",
    )
    retrain_every: int = Field(
        default=RETRAIN_EVERY,
        ge=0,
        description="Retrain in the background once this many corrections have come since the "
        "last retrain (checked every model_check_s; 0: only when an editor asks).",
    )
    retrain_activate_margin: float | None = Field(
        default=RETRAIN_ACTIVATE_MARGIN,
        ge=0.0,
        le=1.0,
        description="Activate a background retrain's candidate when its accuracy on the "
        "held-out reviewed articles beats the active model's by at least this (0.02: two "
        "points); unset, it is only suggested on the models page.",
    )
    retrain_adapt: bool = Field(
        default=False,
        description="Every retrain (an editor's or the background one) then self-trains its "
        "candidate on the newest stored articles, the corrections as examples (newsdesk "
        "retrain --adapt): slower, best from a one-line-a-section taxonomy.",
    )
    queue_page_size: int = Field(
        default=25, gt=0, le=500, description="Articles on a page of the queue."
    )
    rerank_window: int = Field(
        default=5000,
        ge=0,
        description="Articles at the head of the review queue that a model re-ranks when it "
        "starts serving (one classification each, in the background); 0 turns this off.",
    )
    feed_size: int = Field(
        default=50, gt=0, le=500, description="Articles in a section page and feed."
    )
    dashboard_days: int = Field(default=30, gt=0, le=366, description="Days the dashboard charts.")
    model_check_s: float = Field(
        default=5.0,
        ge=0,
        description="How often the service looks for a model activated elsewhere (another "
        "worker, or 'newsdesk models activate'); 0 turns this off.",
    )
