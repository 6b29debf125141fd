"""Tables of the knowledge base in the conversation database (issue 17, migration 0006): current
entries, revisions, the history of each entry, draft examples and the review log.

``metadata`` is the conversation database's one ``MetaData``: it is created here, in the lowest
package that owns tables, and ``handoff/storage/schema.py`` adds the other tables to it (Alembic's
target). Times here are ISO strings (as ``hotline kb export`` writes them), not epoch seconds.
"""
from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

# ---- the knowledge base, its revisions, drafts and review log (issue 17, migration 0006) -----------
# Times here are ISO strings (as ``hotline kb export`` writes them), not epoch seconds.
kb_entries = Table(
    # Current state: approved entries, drafts awaiting review, rejected drafts (ids never reused).
    "kb_entries", metadata,
    Column("id", String(64), primary_key=True),
    Column("category", String(100), nullable=False),
    Column("agency", String(100), nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("status", String(16), nullable=False, index=True),  # approved | draft | rejected
    Column("revision", Integer, nullable=False),
    Column("updated_at", String(32), nullable=False),
)

kb_revisions = Table(
    # One per import or approved edit; the KB's version is the newest id.
    "kb_revisions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", String(32), nullable=False),
    Column("source", String(200), nullable=False),
    Column("author", String(64), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("added", Integer, nullable=False, default=0),
    Column("changed", Integer, nullable=False, default=0),
    Column("removed", Integer, nullable=False, default=0),
)

kb_entry_history = Table(
    # What each revision added, changed or removed, with the entry's full text at that revision.
    "kb_entry_history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("revision", Integer, ForeignKey("kb_revisions.id"), nullable=False, index=True),
    Column("entry_id", String(64), nullable=False, index=True),
    Column("action", String(16), nullable=False),
    Column("category", String(100), nullable=False),
    Column("agency", String(100), nullable=False),
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
)

kb_draft_examples = Table(
    # Citizen phrasings attached to a draft (masked misses); they become training examples on approval.
    "kb_draft_examples", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", String(64), nullable=False, index=True),
    Column("text", Text, nullable=False),
)

kb_changes = Table(
    # The review log: pending edits of approved entries (one per entry) and every decision.
    "kb_changes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", String(64), nullable=False),
    Column("kind", String(8), nullable=False),  # new | edit
    Column("category", String(100)),
    Column("agency", String(100)),
    Column("question", Text),
    Column("answer", Text),
    Column("base_revision", Integer, nullable=False, default=0),
    Column("proposed_by", String(64)),
    Column("proposed_at", String(32)),
    Column("status", String(16), nullable=False),  # pending | approved | rejected
    Column("reviewed_by", String(64)),
    Column("reviewed_at", String(32)),
    Column("revision", Integer),
    Column("note", Text),
    Index("ix_kb_changes_entry_status", "entry_id", "status"),
)
