"""Hardening (issue 12): disabled users; when a conversation's raw text was masked (retention).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _columns(table: str) -> set[str]:
    return {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade() -> None:
    # Idempotent: a database made by create_all from a schema.py that already has them is left alone.
    if "disabled" not in _columns("users"):
        with op.batch_alter_table("users") as batch:
            batch.add_column(sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()))
    if "pii_masked_at" not in _columns("conversations"):
        with op.batch_alter_table("conversations") as batch:
            batch.add_column(sa.Column("pii_masked_at", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations") as batch:
        batch.drop_column("pii_masked_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled")
