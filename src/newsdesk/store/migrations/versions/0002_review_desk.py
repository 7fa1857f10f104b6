"""The review desk: users, model registry, desk jobs, the queue's margin column, indexes.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("session_epoch", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("disabled_at", WHEN, nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_users"),
        sa.UniqueConstraint("name", name="uq_users_name"),
    )
    op.create_table(
        "models",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("version", sa.String(255), nullable=False),
        sa.Column("path", sa.Text, nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("created_by", sa.String(255), nullable=True),
        sa.Column("metrics", sa.JSON, nullable=True),
        sa.Column("comparison", sa.JSON, nullable=True),
        sa.Column("training", sa.JSON, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_models"),
        sa.UniqueConstraint("version", name="uq_models_version"),
    )
    op.create_table(
        "model_activations",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("version", sa.String(255), nullable=False),
        sa.Column("activated_at", WHEN, nullable=False),
        sa.Column("activated_by", sa.String(255), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_model_activations"),
    )
    op.create_table(
        "desk_jobs",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Float, nullable=False, server_default="0"),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("model_version", sa.String(255), nullable=True),
        sa.Column("created_by", sa.String(255), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.Column("result", sa.JSON, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_desk_jobs"),
    )
    # Plain ALTER TABLE (SQLite has it natively): a batch copy of ``articles`` would cascade.
    op.add_column("articles", sa.Column("margin", sa.Float, nullable=True))
    # Articles filed before this revision: the margin is computed in Python from their
    # scores (portable JSON handling), in chunks.
    _fill_margins()
    unreviewed = sa.text("corrected_at IS NULL")  # see newsdesk.store.desk_tables
    op.create_index(
        "ix_articles_review",
        "articles",
        ["margin", "seq"],
        postgresql_where=unreviewed,
        sqlite_where=unreviewed,
    )
    op.create_index("ix_articles_reviewed_calls", "articles", ["corrected_section", "section"])
    op.create_index(
        "ix_articles_filed_sections", "articles", ["filed_at", "section", "corrected_section"]
    )
    op.create_index("ix_articles_source", "articles", ["source"])


def _fill_margins() -> None:
    conn = op.get_bind()
    articles = sa.table(
        "articles", sa.column("seq", SEQ), sa.column("scores", sa.JSON), sa.column("margin")
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(articles.c.seq, articles.c.scores)
            .where(articles.c.seq > last)
            .order_by(articles.c.seq)
            .limit(1000)
        ).all()
        if not rows:
            return
        for seq, scores in rows:
            top = [*sorted((scores or {}).values(), reverse=True)[:2], 0.0, 0.0]
            conn.execute(
                sa.update(articles)
                .where(articles.c.seq == seq)
                .values(margin=float(top[0]) - float(top[1]))
            )
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_articles_source", table_name="articles")
    op.drop_index("ix_articles_filed_sections", table_name="articles")
    op.drop_index("ix_articles_reviewed_calls", table_name="articles")
    op.drop_index("ix_articles_review", table_name="articles")
    op.drop_column("articles", "margin")
    op.drop_table("desk_jobs")
    op.drop_table("model_activations")
    op.drop_table("models")
    op.drop_table("users")
