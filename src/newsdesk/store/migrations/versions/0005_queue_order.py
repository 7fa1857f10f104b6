"""The review queue's teaching order: ``priority``, random picks, the ranking model's call.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from newsdesk.store.queue_order import filing_priority, is_random_pick

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UNREVIEWED = sa.text("corrected_at IS NULL")  # see newsdesk.store.desk_tables


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite has it natively): a batch copy of ``articles`` would cascade.
    op.add_column("articles", sa.Column("priority", sa.Float, nullable=True))
    op.add_column(
        "articles",
        sa.Column("random_pick", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.add_column("articles", sa.Column("ranked_section", sa.String(255), nullable=True))
    op.add_column("articles", sa.Column("ranked_by", sa.String(255), nullable=True))
    _fill_priorities()
    op.drop_index("ix_articles_review", table_name="articles")
    op.create_index(
        "ix_articles_review",
        "articles",
        ["priority", "seq"],
        postgresql_where=UNREVIEWED,
        sqlite_where=UNREVIEWED,
    )
    # partial: see newsdesk.store.desk_tables (the same condition as the estimate's query)
    op.create_index(
        "ix_articles_random_picks",
        "articles",
        ["corrected_at"],
        postgresql_where=sa.text("random_pick IS true"),
        sqlite_where=sa.text("random_pick IS 1"),
    )


def _fill_priorities() -> None:
    """Articles filed before this revision: random picks and priorities from their ids and
    margins, in chunks."""
    conn = op.get_bind()
    articles = sa.table(
        "articles",
        sa.column("seq", SEQ),
        sa.column("id", sa.String),
        sa.column("margin", sa.Float),
        sa.column("confidence", sa.Float),
        sa.column("priority", sa.Float),
        sa.column("random_pick", sa.Boolean),
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(articles.c.seq, articles.c.id, articles.c.margin, articles.c.confidence)
            .where(articles.c.seq > last)
            .order_by(articles.c.seq)
            .limit(1000)
        ).all()
        if not rows:
            return
        for seq, key, margin, confidence in rows:
            conn.execute(
                sa.update(articles)
                .where(articles.c.seq == seq)
                .values(
                    priority=filing_priority(key, margin if margin is not None else confidence),
                    random_pick=is_random_pick(key),
                )
            )
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index("ix_articles_random_picks", table_name="articles")
    op.drop_index("ix_articles_review", table_name="articles")
    op.create_index(
        "ix_articles_review",
        "articles",
        ["margin", "seq"],
        postgresql_where=UNREVIEWED,
        sqlite_where=UNREVIEWED,
    )
    for column in ("ranked_by", "ranked_section", "random_pick", "priority"):
        op.drop_column("articles", column)
