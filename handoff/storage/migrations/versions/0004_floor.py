"""Contact-centre floor (issue 13): agent states, callbacks as work, records.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07

Idempotent like 0002: a database made by create_all from a schema.py that already has these
columns and tables is left as it is.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NEW_COLUMNS: dict[str, list[sa.Column]] = {
    "conversations": [sa.Column("number", sa.String(length=16), nullable=True),
                      sa.Column("first_reply_at", sa.Float(), nullable=True)],
    "callbacks": [sa.Column("number", sa.String(length=16), nullable=True),
                  sa.Column("due_at", sa.Float(), nullable=True),
                  sa.Column("claimed_by", sa.String(length=64), nullable=True),
                  sa.Column("claimed_at", sa.Float(), nullable=True),
                  sa.Column("closed_by", sa.String(length=64), nullable=True),
                  sa.Column("closed_at", sa.Float(), nullable=True)],
    "wrapups": [sa.Column("citizen_name", sa.String(length=100), nullable=True),
                sa.Column("citizen_phone", sa.String(length=40), nullable=True),
                sa.Column("answer", sa.Text(), nullable=True),
                sa.Column("faq_needed", sa.Boolean(), nullable=True),
                sa.Column("kb_draft_id", sa.String(length=64), nullable=True)],
}


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    tables = set(inspector.get_table_names())
    for table, columns in NEW_COLUMNS.items():
        present = {c["name"] for c in inspector.get_columns(table)}
        missing = [c for c in columns if c.name not in present]
        if missing:
            with op.batch_alter_table(table) as batch:  # batch mode: SQLite cannot ALTER every column kind
                for column in missing:
                    batch.add_column(column)
    if "agent_status" not in tables:
        op.create_table("agent_status",
                        sa.Column("username", sa.String(length=64), nullable=False),
                        sa.Column("state", sa.String(length=16), nullable=False),
                        sa.Column("reason", sa.String(length=100), nullable=True),
                        sa.Column("since", sa.Float(), nullable=False),
                        sa.Column("until", sa.Float(), nullable=True),
                        sa.PrimaryKeyConstraint("username"))
    if "callback_attempts" not in tables:
        op.create_table("callback_attempts",
                        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
                        sa.Column("callback_id", sa.Integer(), nullable=False),
                        sa.Column("agent", sa.String(length=64), nullable=False),
                        sa.Column("outcome", sa.String(length=16), nullable=False),
                        sa.Column("note", sa.Text(), nullable=True),
                        sa.Column("at", sa.Float(), nullable=False),
                        sa.ForeignKeyConstraint(["callback_id"], ["callbacks.id"]),
                        sa.PrimaryKeyConstraint("id"))
        op.create_index(op.f("ix_callback_attempts_callback_id"), "callback_attempts", ["callback_id"], unique=False)
    if "number_counters" not in tables:
        op.create_table("number_counters",
                        sa.Column("prefix", sa.String(length=16), nullable=False),
                        sa.Column("last", sa.Integer(), nullable=False),
                        sa.PrimaryKeyConstraint("prefix"))


def downgrade() -> None:
    op.drop_table("number_counters")
    op.drop_index(op.f("ix_callback_attempts_callback_id"), table_name="callback_attempts")
    op.drop_table("callback_attempts")
    op.drop_table("agent_status")
    for table, columns in NEW_COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_column(column.name)
