"""Articles with their calls, corrections and API keys.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "articles",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("url", sa.Text, nullable=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("lang", sa.String(16), nullable=True),
        sa.Column("published", sa.String(64), nullable=True),
        sa.Column("source", sa.String(255), nullable=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("filed_at", WHEN, nullable=False),
        sa.Column("section", sa.String(255), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("sections", sa.JSON, nullable=True),
        sa.Column("scores", sa.JSON, nullable=False),
        sa.Column("model_version", sa.String(255), nullable=False),
        sa.Column("corrected_section", sa.String(255), nullable=True),
        sa.Column("corrected_sections", sa.JSON, nullable=True),
        sa.Column("corrected_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_articles"),
        sa.UniqueConstraint("id", name="uq_articles_id"),
    )
    for column in ("lang", "content_hash", "filed_at", "section", "corrected_section"):
        op.create_index(f"ix_articles_{column}", "articles", [column])

    op.create_table(
        "corrections",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("article_seq", SEQ, nullable=False),
        sa.Column("section", sa.String(255), nullable=False),
        sa.Column("sections", sa.JSON, nullable=False),
        sa.Column("previous_section", sa.String(255), nullable=False),
        sa.Column("editor", sa.String(255), nullable=False),
        sa.Column("api_key", sa.String(255), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_corrections"),
        sa.ForeignKeyConstraint(
            ["article_seq"],
            ["articles.seq"],
            name="fk_corrections_article_seq_articles",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_corrections_article_seq", "corrections", ["article_seq"])

    op.create_table(
        "api_keys",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("prefix", sa.String(32), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("revoked_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_api_keys"),
        sa.UniqueConstraint("name", name="uq_api_keys_name"),
        sa.UniqueConstraint("prefix", name="uq_api_keys_prefix"),
    )


def downgrade() -> None:
    op.drop_table("api_keys")
    op.drop_table("corrections")
    op.drop_table("articles")
