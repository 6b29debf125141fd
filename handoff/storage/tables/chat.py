"""The chat record: conversations, their messages, the miss log (``turns``), callback requests,
surveys, wrap-ups, feedback, REST-channel senders, chat numbers and the clock's anchor.

Times are epoch seconds (float), so SQLite and PostgreSQL compare and subtract them alike.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from kb_sync.tables import metadata

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
    Column("number", String(16)),  # migration 0004: 1999-style number shown to the citizen (1151207-0001)
    Column("first_reply_at", Float),  # migration 0004: the agent's first message (answer speed)
    Column("pii_masked_at", Float),  # migration 0003: raw texts masked by the retention purge
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
    # migration 0004: callbacks as a work queue (open → claimed → closed; re-openable)
    Column("number", String(16)),
    Column("due_at", Float),
    Column("claimed_by", String(64)),
    Column("claimed_at", Float),
    Column("closed_by", String(64)),
    Column("closed_at", Float),
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
    # migration 0004: the rest of the seed's 表1 and the "needs a FAQ entry" tick
    Column("citizen_name", String(100)),
    Column("citizen_phone", String(40)),
    Column("answer", Text),
    Column("faq_needed", Boolean),
    Column("kb_draft_id", String(64)),
)

feedback = Table(
    "feedback", metadata,
    Column("conversation_id", String(40), ForeignKey("conversations.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("helpful", Boolean, nullable=False),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("conversation_id", "seq"),
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

rest_clients = Table(
    # REST-channel senders: where agent messages are pushed (Rasa's callback convention) and how far.
    "rest_clients", metadata,
    Column("conversation_id", String(40), ForeignKey("conversations.id"), primary_key=True),
    Column("sender", String(128), nullable=False),
    Column("callback_url", String(500)),
    Column("delivered_seq", Integer, nullable=False, default=0),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float),
    Column("last_error", Text),
    Column("created_at", Float, nullable=False),
)

number_counters = Table(
    # The last number given out per ROC date prefix (1151207), for chats and callbacks.
    "number_counters", metadata,
    Column("prefix", String(16), primary_key=True),
    Column("last", Integer, nullable=False),
)

clock_anchors = Table(
    # HOTLINE_CLOCK's anchor: the real moment (epoch seconds) a set clock value was first read, shared by
    # every process on this database and kept across restarts, so their records agree on the order.
    "clock_anchors", metadata,
    Column("setting", String(64), primary_key=True),
    Column("anchor", Float, nullable=False),
)
