"""Sign-in state shared by every service process: ``signin_attempts`` and ``desk_secrets``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signin_attempts",
        sa.Column("key", sa.String(320), nullable=False),
        sa.Column("window_start", sa.Float, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("locked_until", sa.Float, nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_signin_attempts"),
    )
    op.create_table(
        "desk_secrets",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_desk_secrets"),
    )


def downgrade() -> None:
    op.drop_table("desk_secrets")
    op.drop_table("signin_attempts")
