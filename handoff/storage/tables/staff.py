"""Staff: accounts and tokens, login failures (the throttle every process shares), agent states, callback attempts, KB announcements (佈達) and their
acknowledgement, quality reviews.

Times are epoch seconds (float), so SQLite and PostgreSQL compare and subtract them alike.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Integer, String, Table, Text, false

from kb_sync.tables import metadata

login_failures = Table(
    # Failed logins per username (kind "user", casefolded) and per client address (kind "address"),
    # in the shared database so N app servers behind nginx throttle as one (handoff/security.py).
    "login_failures", metadata,
    Column("kind", String(8), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("last", Float, nullable=False),
)

users = Table(
    "users", metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", String(100), nullable=False),
    Column("role", String(16), nullable=False),
    Column("display_name", String(100)),
    Column("capacity", Integer, nullable=False, default=3),
    Column("created_at", Float, nullable=False),
    Column("email", String(200)),  # migration 0002: where case notifications are e-mailed
    Column("disabled", Boolean, nullable=False, default=False, server_default=false()),  # migration 0003
)

auth_tokens = Table(
    "auth_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(64), ForeignKey("users.username"), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)

# ---- the contact-centre floor (issue 13): agent states, callback attempts, daily numbers -------------
agent_status = Table(
    # ready | break (with reason) | wrapup (after-chat work, until ``until``) | offline
    "agent_status", metadata,
    Column("username", String(64), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("reason", String(100)),
    Column("since", Float, nullable=False),
    Column("until", Float),
)

callback_attempts = Table(
    "callback_attempts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("callback_id", Integer, ForeignKey("callbacks.id"), nullable=False, index=True),
    Column("agent", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),  # reached | no_answer | wrong_number
    Column("note", Text),
    Column("at", Float, nullable=False),
)

# ---- knowledge-base announcements to agents (佈達) and their acknowledgement (issue 6) -----------
announcements = Table(
    "announcements", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kb_id", String(64), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
)

announcement_acks = Table(
    "announcement_acks", metadata,
    Column("announcement_id", Integer, ForeignKey("announcements.id"), primary_key=True),
    Column("username", String(64), ForeignKey("users.username"), primary_key=True),
    Column("acked_at", Float, nullable=False),
)

# ---- quality sampling on the seed's etiquette checklist (issue 6) ----------------------------------
quality_reviews = Table(
    "quality_reviews", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(40), ForeignKey("conversations.id"), nullable=False, unique=True),
    Column("agent", String(64), nullable=False, index=True),
    Column("reviewer", String(64), nullable=False),
    Column("greeting", Boolean, nullable=False),
    Column("confirmed_need", Boolean, nullable=False),
    Column("anything_else", Boolean, nullable=False),
    Column("thanks", Boolean, nullable=False),
    Column("correct_answer", Boolean, nullable=False),
    Column("score", Integer, nullable=False),  # 0–100: 20 points per checklist item
    Column("comment", Text),
    Column("created_at", Float, nullable=False),
)
