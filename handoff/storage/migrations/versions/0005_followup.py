"""After the chat (issue 15): agencies, citizen follow-up, case surveys, spot checks, REST clients.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

Idempotent like 0002: a table or column already there (a database made by ``create_all`` from a
schema.py that had it) is left alone. ALTERs run in SQLite batch mode.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

CASE_COLUMNS = (
    ("notify_channel", sa.String(length=8)),
    ("citizen_email", sa.String(length=200)),
    ("citizen_phone", sa.String(length=40)),
    ("citizen_notified_at", sa.Float()),
    ("reporting_agency", sa.String(length=100)),
)
TABLES = ("agencies", "citizen_notices", "case_surveys", "spot_checks", "rest_clients")


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    existing = set(inspector.get_table_names())
    have = {c["name"] for c in inspector.get_columns("cases")}
    missing = [(name, kind) for name, kind in CASE_COLUMNS if name not in have]
    if missing:
        with op.batch_alter_table("cases") as batch:
            for name, kind in missing:
                batch.add_column(sa.Column(name, kind, nullable=True))
    if "agencies" not in existing:
        op.create_table("agencies",
            sa.Column("name", sa.String(length=100), nullable=False),
            sa.Column("contact_person", sa.String(length=100), nullable=True),
            sa.Column("email", sa.String(length=200), nullable=True),
            sa.Column("extension", sa.String(length=40), nullable=True),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.Column("updated_by", sa.String(length=64), nullable=True),
            sa.Column("updated_at", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("name"))
    if "citizen_notices" not in existing:
        op.create_table("citizen_notices",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("case_id", sa.Integer(), nullable=False),
            sa.Column("channel", sa.String(length=8), nullable=False),
            sa.Column("address_masked", sa.String(length=200), nullable=False),
            sa.Column("kind", sa.String(length=16), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("created_at", sa.Float(), nullable=False),
            sa.Column("sent_at", sa.Float(), nullable=True),
            sa.Column("error", sa.Text(), nullable=True),
            sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
            sa.PrimaryKeyConstraint("id"))
        op.create_index(op.f("ix_citizen_notices_case_id"), "citizen_notices", ["case_id"], unique=False)
    if "case_surveys" not in existing:
        op.create_table("case_surveys",
            sa.Column("case_id", sa.Integer(), nullable=False),
            sa.Column("score", sa.Integer(), nullable=False),
            sa.Column("comment", sa.Text(), nullable=True),
            sa.Column("source", sa.String(length=16), nullable=False),
            sa.Column("recorded_by", sa.String(length=64), nullable=True),
            sa.Column("created_at", sa.Float(), nullable=False),
            sa.Column("forwarded_at", sa.Float(), nullable=True),
            sa.ForeignKeyConstraint(["case_id"], ["cases.id"]),
            sa.PrimaryKeyConstraint("case_id"))
    if "spot_checks" not in existing:
        op.create_table("spot_checks",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("tester", sa.String(length=100), nullable=False),
            sa.Column("called_at", sa.Float(), nullable=False),
            sa.Column("reporting_agency", sa.String(length=100), nullable=True),
            sa.Column("agency", sa.String(length=100), nullable=False),
            sa.Column("replied_at", sa.Float(), nullable=True),
            sa.Column("survey_at", sa.Float(), nullable=True),
            sa.Column("score", sa.Integer(), nullable=True),
            sa.Column("note", sa.Text(), nullable=True),
            sa.Column("recorded_by", sa.String(length=64), nullable=False),
            sa.Column("created_at", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("id"))
        op.create_index(op.f("ix_spot_checks_agency"), "spot_checks", ["agency"], unique=False)
    if "rest_clients" not in existing:
        op.create_table("rest_clients",
            sa.Column("conversation_id", sa.String(length=40), nullable=False),
            sa.Column("sender", sa.String(length=128), nullable=False),
            sa.Column("callback_url", sa.String(length=500), nullable=True),
            sa.Column("delivered_seq", sa.Integer(), nullable=False),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("next_attempt_at", sa.Float(), nullable=True),
            sa.Column("last_error", sa.Text(), nullable=True),
            sa.Column("created_at", sa.Float(), nullable=False),
            sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"]),
            sa.PrimaryKeyConstraint("conversation_id"))


def downgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for table in reversed(TABLES):
        if table in existing:
            op.drop_table(table)
    with op.batch_alter_table("cases") as batch:
        for name, _ in reversed(CASE_COLUMNS):
            batch.drop_column(name)
