"""Login failures in the shared database: one throttle for every app server (issue 12's gap).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "login_failures" not in set(sa.inspect(op.get_bind()).get_table_names()):
        op.create_table("login_failures",
            sa.Column("kind", sa.String(length=8), nullable=False),
            sa.Column("key", sa.String(length=200), nullable=False),
            sa.Column("count", sa.Integer(), nullable=False),
            sa.Column("last", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("kind", "key"))


def downgrade() -> None:
    op.drop_table("login_failures")
