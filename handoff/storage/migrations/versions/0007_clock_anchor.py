"""One set clock for every process: the ``clock_anchors`` table (issue 12).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "clock_anchors" not in set(sa.inspect(op.get_bind()).get_table_names()):
        op.create_table("clock_anchors",
            sa.Column("setting", sa.String(length=64), nullable=False),
            sa.Column("anchor", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("setting"))


def downgrade() -> None:
    op.drop_table("clock_anchors")
