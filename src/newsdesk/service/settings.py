"""Service settings: flags of ``newsdesk serve`` or ``NEWSDESK_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from newsdesk.encoders.registry import DEFAULT_ENCODER
from newsdesk.store.engine import DEFAULT_DATABASE_URL, Store

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Everything the service is configured by; each field is also ``NEWSDESK_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", extra="ignore", frozen=True)

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL, description="sqlite:///FILE or postgresql://…"
    )
    model: Path | None = Field(
        default=None, description="A saved model folder (from newsdesk train)."
    )
    taxonomy: str | None = Field(
        default=None, description="A taxonomy YAML file for zero-shot filing."
    )
    encoder: str = Field(
        default=DEFAULT_ENCODER, description="The encoder of a zero-shot classifier."
    )
    database_connect_timeout_s: float = Field(
        default=5.0,
        gt=0,
        description="Longest wait to connect to PostgreSQL, start-up exchange included.",
    )
    database_statement_timeout_s: float = Field(
        default=30.0, gt=0, description="Longest a PostgreSQL statement may run."
    )
    database_pool_timeout_s: float = Field(
        default=10.0, gt=0, description="Longest a request waits for a pooled connection."
    )
    unavailable_retry_after_s: int = Field(
        default=5,
        ge=0,
        description="Retry-After sent with a 503 when the database is out of reach.",
    )
    host: str = "127.0.0.1"
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of the reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto headers are believed; empty: none (the "
        "client's own address counts, whatever it sends).",
    )
    port: int = Field(default=8000, ge=0, le=65535)

    # Limits on what one request may carry.
    max_body_bytes: int = Field(
        default=4_000_000, gt=0, description="Largest request body, in bytes."
    )
    max_batch: int = Field(default=64, gt=0, description="Most articles in one request.")
    max_text_chars: int = Field(
        default=100_000, gt=0, description="Longest article text, in characters."
    )
    max_title_chars: int = Field(default=1_000, gt=0, description="Longest title, in characters.")
    max_page: int = Field(default=200, gt=0, description="Most articles in one page of a list.")

    # Classification work: a bounded queue feeding a few worker threads.
    classify_batch_size: int = Field(
        default=4, gt=0, description="Most articles encoded together (e5 costs more a text past 4)."
    )
    classify_workers: int = Field(default=1, gt=0, description="Threads running the classifier.")
    max_pending: int = Field(
        default=256,
        gt=0,
        description="Articles waiting for classification before new work gets 503.",
    )
    retry_after_s: int = Field(default=1, ge=0, description="Retry-After sent with a 503.")
    key_cache_s: float = Field(
        default=5.0, ge=0, description="How long a checked API key is trusted."
    )

    def open_store(self) -> Store:
        """The store at ``database_url`` with these settings' timeouts."""
        return Store(
            self.database_url,
            connect_timeout_s=self.database_connect_timeout_s,
            statement_timeout_s=self.database_statement_timeout_s,
            pool_timeout_s=self.database_pool_timeout_s,
        )

    @model_validator(mode="after")
    def _check(self) -> Settings:
        if self.model is not None and self.taxonomy is not None:
            raise ValueError(
                "give either a saved model (--model / NEWSDESK_MODEL) or a taxonomy "
                "(--taxonomy / NEWSDESK_TAXONOMY), not both: a saved model has its taxonomy"
            )
        if self.max_pending < self.max_batch:
            raise ValueError(
                f"max_pending ({self.max_pending}) must be at least max_batch ({self.max_batch}), "
                "or a full batch could never be classified"
            )
        return self
