"""Stateless app servers (issue 17): the knowledge base, the model store and the service's
training-data edits move into the conversation database.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07

Each table is created only when absent (like 0001), so a database made by ``create_all`` from a
schema.py that already had them is simply recorded at 0006.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TABLES = ("kb_entry_history", "kb_changes", "kb_draft_examples", "kb_entries", "kb_revisions", "model_deployed",
          "model_files", "model_versions", "model_chunks", "training_examples")


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "kb_entries" not in existing:
        op.create_table("kb_entries",
            sa.Column("id", sa.String(length=64), nullable=False),
            sa.Column("category", sa.String(length=100), nullable=False),
            sa.Column("agency", sa.String(length=100), nullable=False),
            sa.Column("question", sa.Text(), nullable=False),
            sa.Column("answer", sa.Text(), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("revision", sa.Integer(), nullable=False),
            sa.Column("updated_at", sa.String(length=32), nullable=False),
            sa.PrimaryKeyConstraint("id"))
        op.create_index(op.f("ix_kb_entries_status"), "kb_entries", ["status"], unique=False)
    if "kb_revisions" not in existing:
        op.create_table("kb_revisions",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("created_at", sa.String(length=32), nullable=False),
            sa.Column("source", sa.String(length=200), nullable=False),
            sa.Column("author", sa.String(length=64), nullable=False),
            sa.Column("note", sa.Text(), nullable=False),
            sa.Column("added", sa.Integer(), nullable=False),
            sa.Column("changed", sa.Integer(), nullable=False),
            sa.Column("removed", sa.Integer(), nullable=False),
            sa.PrimaryKeyConstraint("id"))
    if "kb_entry_history" not in existing:
        op.create_table("kb_entry_history",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("revision", sa.Integer(), nullable=False),
            sa.Column("entry_id", sa.String(length=64), nullable=False),
            sa.Column("action", sa.String(length=16), nullable=False),
            sa.Column("category", sa.String(length=100), nullable=False),
            sa.Column("agency", sa.String(length=100), nullable=False),
            sa.Column("question", sa.Text(), nullable=False),
            sa.Column("answer", sa.Text(), nullable=False),
            sa.ForeignKeyConstraint(["revision"], ["kb_revisions.id"]),
            sa.PrimaryKeyConstraint("id"))
        op.create_index(op.f("ix_kb_entry_history_entry_id"), "kb_entry_history", ["entry_id"], unique=False)
        op.create_index(op.f("ix_kb_entry_history_revision"), "kb_entry_history", ["revision"], unique=False)
    if "kb_draft_examples" not in existing:
        op.create_table("kb_draft_examples",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("entry_id", sa.String(length=64), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("id"))
        op.create_index(op.f("ix_kb_draft_examples_entry_id"), "kb_draft_examples", ["entry_id"], unique=False)
    if "kb_changes" not in existing:
        op.create_table("kb_changes",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("entry_id", sa.String(length=64), nullable=False),
            sa.Column("kind", sa.String(length=8), nullable=False),
            sa.Column("category", sa.String(length=100), nullable=True),
            sa.Column("agency", sa.String(length=100), nullable=True),
            sa.Column("question", sa.Text(), nullable=True),
            sa.Column("answer", sa.Text(), nullable=True),
            sa.Column("base_revision", sa.Integer(), nullable=False),
            sa.Column("proposed_by", sa.String(length=64), nullable=True),
            sa.Column("proposed_at", sa.String(length=32), nullable=True),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("reviewed_by", sa.String(length=64), nullable=True),
            sa.Column("reviewed_at", sa.String(length=32), nullable=True),
            sa.Column("revision", sa.Integer(), nullable=True),
            sa.Column("note", sa.Text(), nullable=True),
            sa.PrimaryKeyConstraint("id"))
        op.create_index("ix_kb_changes_entry_status", "kb_changes", ["entry_id", "status"], unique=False)
    if "model_chunks" not in existing:
        op.create_table("model_chunks",
            sa.Column("digest", sa.String(length=64), nullable=False),
            sa.Column("seq", sa.Integer(), nullable=False),
            sa.Column("data", sa.LargeBinary(), nullable=False),
            sa.PrimaryKeyConstraint("digest", "seq"))
    if "model_files" not in existing:
        op.create_table("model_files",
            sa.Column("version", sa.String(length=64), nullable=False),
            sa.Column("path", sa.String(length=400), nullable=False),
            sa.Column("digest", sa.String(length=64), nullable=False),
            sa.Column("size", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("version", "path"))
        op.create_index(op.f("ix_model_files_digest"), "model_files", ["digest"], unique=False)
    if "model_versions" not in existing:
        op.create_table("model_versions",
            sa.Column("version", sa.String(length=64), nullable=False),
            sa.Column("size", sa.BigInteger(), nullable=False),
            sa.Column("files", sa.Integer(), nullable=False),
            sa.Column("created_at", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("version"))
    if "model_deployed" not in existing:
        op.create_table("model_deployed",
            sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("version", sa.String(length=64), nullable=False),
            sa.Column("deployed_at", sa.Float(), nullable=False),
            sa.ForeignKeyConstraint(["version"], ["model_versions.version"]),
            sa.PrimaryKeyConstraint("id"))
    if "training_examples" not in existing:
        op.create_table("training_examples",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("file", sa.String(length=100), nullable=False),
            sa.Column("intent", sa.String(length=64), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("created_at", sa.Float(), nullable=False),
            sa.PrimaryKeyConstraint("id"))
        op.create_index(op.f("ix_training_examples_intent"), "training_examples", ["intent"], unique=False)


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
