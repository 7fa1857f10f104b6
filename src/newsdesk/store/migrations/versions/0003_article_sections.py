"""Multi-label articles on each of their sections' pages: the ``article_sections`` table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "article_sections",
        sa.Column("article_seq", SEQ, nullable=False),
        sa.Column("section", sa.String(255), nullable=False),
        sa.Column("score", sa.Float, nullable=True),
        sa.PrimaryKeyConstraint("article_seq", "section", name="pk_article_sections"),
        sa.ForeignKeyConstraint(
            ["article_seq"],
            ["articles.seq"],
            name="fk_article_sections_article_seq_articles",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_article_sections_section", "article_sections", ["section", "article_seq"])
    _fill()


def _fill() -> None:
    """The other sections of articles filed before this revision: the editor's when corrected
    (no score), else the call's with their scores; read in chunks, in Python (portable JSON)."""
    conn = op.get_bind()
    articles = sa.table(
        "articles",
        sa.column("seq", SEQ),
        sa.column("section"),
        sa.column("sections", sa.JSON),
        sa.column("scores", sa.JSON),
        sa.column("corrected_section"),
        sa.column("corrected_sections", sa.JSON),
    )
    target = sa.table(
        "article_sections", sa.column("article_seq"), sa.column("section"), sa.column("score")
    )
    multi = sa.or_(articles.c.sections.is_not(None), articles.c.corrected_sections.is_not(None))
    last = 0
    while True:
        rows = conn.execute(
            sa.select(articles)
            .where(articles.c.seq > last, multi)
            .order_by(articles.c.seq)
            .limit(1000)
        ).all()
        if not rows:
            return
        values: list[dict[str, Any]] = []
        for row in rows:
            scores: dict[str, float] = {}  # an editor's sections have none
            if row.corrected_section is not None:
                primary, names = row.corrected_section, row.corrected_sections
            else:
                primary, names, scores = row.section, row.sections, row.scores or {}
            values += [
                {"article_seq": row.seq, "section": name, "score": scores.get(name)}
                for name in dict.fromkeys(names or ())
                if name != primary
            ]
        if values:
            conn.execute(target.insert(), values)
        last = rows[-1].seq


def downgrade() -> None:
    op.drop_index("ix_article_sections_section", table_name="article_sections")
    op.drop_table("article_sections")
