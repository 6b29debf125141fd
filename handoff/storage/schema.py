"""Tables of the conversation store (SQLAlchemy Core). Times are epoch seconds (float), so SQLite
and PostgreSQL compare and subtract them alike."""
from __future__ import annotations

from sqlalchemy import (Boolean, Column, Float, ForeignKey, Integer, MetaData, String, Table, Text,
                        UniqueConstraint)

metadata = MetaData()

conversations = Table(
    "conversations", metadata,
    Column("id", String(40), primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("channel", String(16), nullable=False, default="websocket"),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Column("queued_at", Float),
    Column("front_of_queue", Boolean, nullable=False, default=False),
    Column("assigned_at", Float),
    Column("closed_at", Float),
    Column("agent", String(64)),
    Column("outcome", String(24)),
    Column("last_intent", String(64)),
    Column("dialogue", Text, nullable=False, default="{}"),
    Column("citizen_turns", Integer, nullable=False, default=0),
    Column("bot_turns", Integer, nullable=False, default=0),
    Column("agent_turns", Integer, nullable=False, default=0),
    Column("answered_turns", Integer, nullable=False, default=0),
    Column("wait_seconds", Float),
    Column("survey_score", Integer),
)

messages = Table(
    "messages", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(40), ForeignKey("conversations.id"), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("sender", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("kind", String(24)),
    Column("payload", Text),
    Column("agent", String(64)),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("conversation_id", "seq"),
)

callbacks = Table(
    "callbacks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(40), ForeignKey("conversations.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("phone", String(40), nullable=False),
    Column("question", Text, nullable=False),
    Column("consent", Boolean, nullable=False),
    Column("status", String(16), nullable=False, default="open"),
    Column("created_at", Float, nullable=False),
)

surveys = Table(
    "surveys", metadata,
    Column("conversation_id", String(40), ForeignKey("conversations.id"), primary_key=True),
    Column("score", Integer, nullable=False),
    Column("comment", Text),
    Column("created_at", Float, nullable=False),
)

wrapups = Table(
    "wrapups", metadata,
    Column("conversation_id", String(40), ForeignKey("conversations.id"), primary_key=True),
    Column("agent", String(64), nullable=False),
    Column("category", String(100)),
    Column("summary", Text),
    Column("case_needed", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
)

feedback = Table(
    "feedback", metadata,
    Column("conversation_id", String(40), ForeignKey("conversations.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("helpful", Boolean, nullable=False),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("conversation_id", "seq"),
)

users = Table(
    "users", metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", String(100), nullable=False),
    Column("role", String(16), nullable=False),
    Column("display_name", String(100)),
    Column("capacity", Integer, nullable=False, default=3),
    Column("created_at", Float, nullable=False),
)

auth_tokens = Table(
    "auth_tokens", metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("username", String(64), ForeignKey("users.username"), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
)

turns = Table(
    # The miss log: one row per citizen turn the bot handled, text masked (bot/pii.py).
    "turns", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("conversation_id", String(40), ForeignKey("conversations.id"), nullable=False, index=True),
    Column("citizen_seq", Integer, nullable=False),
    Column("reply_seq", Integer),
    Column("text_masked", Text, nullable=False),
    Column("intent", String(64)),
    Column("confidence", Float),
    Column("ranking", Text),
    Column("fallback_reason", String(24)),
    Column("question", Boolean, nullable=False),
    Column("answered", Boolean, nullable=False),
    Column("miss", Boolean, nullable=False, index=True),
    Column("miss_reason", String(24)),
    Column("suggested_label", String(64)),
    Column("label_source", String(24)),
    Column("status", String(16), nullable=False, default="open"),
    Column("label", String(64)),
    Column("model_version", String(40)),
    Column("created_at", Float, nullable=False),
)
