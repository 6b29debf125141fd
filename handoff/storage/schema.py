"""Tables of the conversation store (SQLAlchemy Core). Times are epoch seconds (float), so SQLite
and PostgreSQL compare and subtract them alike."""
from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, Float, ForeignKey, Index, Integer, LargeBinary, MetaData, String,
                        Table, Text, UniqueConstraint, false)

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

# ---- cases escalated to agencies (後送案件), their audit trail and notifications (issue 6) ----------
agency_members = Table(
    # Which agency an "agency" role user acts for; kept apart from ``users`` so older databases
    # gain it by table creation alone.
    "agency_members", metadata,
    Column("username", String(64), ForeignKey("users.username"), primary_key=True),
    Column("agency", String(100), nullable=False, index=True),
)

cases = Table(
    # One row per case, the fields of the Taichung form 表1; times are epoch seconds.
    "cases", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("number", String(24), nullable=False, unique=True),
    Column("status", String(16), nullable=False, index=True),  # draft approved dispatched accepted returned replied closed
    Column("urgency", String(8), nullable=False, default="normal"),  # normal | urgent
    Column("conversation_id", String(40), ForeignKey("conversations.id")),
    Column("callback_id", Integer, ForeignKey("callbacks.id")),
    Column("receiver", String(64), nullable=False),  # the agent who recorded it
    Column("received_at", Float, nullable=False),
    Column("citizen_name", String(100), nullable=False),
    Column("citizen_contact", String(100), nullable=False),
    Column("consent", Boolean, nullable=False),
    Column("summary", Text, nullable=False),  # 人事時地物
    Column("category", String(100)),
    Column("agency", String(100), nullable=False, index=True),
    Column("approved_by", String(64)),
    Column("approved_at", Float),
    Column("dispatched_at", Float),
    Column("accepted_by", String(64)),
    Column("accepted_at", Float),
    Column("reply_due_at", Float),  # accepted_at + 24 h
    Column("resolve_due_at", Float),  # accepted_at + 7 days (normal) or 3 days (urgent)
    Column("replied_at", Float),
    Column("reply_text", Text),
    Column("closed_by", String(64)),
    Column("closed_at", Float),
    Column("general_answer", Boolean, nullable=False, default=False),
    Column("kb_draft_id", String(64)),
    Column("reminders", Integer, nullable=False, default=0),
    Column("escalated_at", Float),
    Column("return_reason", Text),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    # migration 0005 (issue 15): how the citizen hears back, and who notified the agency (通報機關)
    Column("notify_channel", String(8)),  # email | sms | none
    Column("citizen_email", String(200)),
    Column("citizen_phone", String(40)),
    Column("citizen_notified_at", Float),
    Column("reporting_agency", String(100)),
)

case_events = Table(
    # The audit trail: every transition, return reason, reminder and escalation.
    "case_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("at", Float, nullable=False),
    Column("actor", String(64), nullable=False),  # a username, or "system" for reminders
    Column("action", String(24), nullable=False),
    Column("note", Text),
)

notifications = Table(
    # What a staff user is told (shown in their page; also e-mailed when SMTP is configured).
    "notifications", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), ForeignKey("users.username"), nullable=False, index=True),
    Column("case_id", Integer, ForeignKey("cases.id")),
    Column("kind", String(24), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("read_at", Float),
    Column("emailed_at", Float),
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

# ---- after the chat (issue 15, migration 0005): agencies as data, citizen follow-up, scoring ------
agencies = Table(
    # Every agency a case can go to or a notice is sent to, with its designated contact (承辦窗口).
    "agencies", metadata,
    Column("name", String(100), primary_key=True),
    Column("contact_person", String(100)),
    Column("email", String(200)),
    Column("extension", String(40)),
    Column("active", Boolean, nullable=False, default=True),
    Column("updated_by", String(64)),
    Column("updated_at", Float, nullable=False),
)

citizen_notices = Table(
    # What the citizen was told about their case (e-mail or SMS), and whether it went out.
    "citizen_notices", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", Integer, ForeignKey("cases.id"), nullable=False, index=True),
    Column("channel", String(8), nullable=False),  # email | sms
    Column("address_masked", String(200), nullable=False),
    Column("kind", String(16), nullable=False),  # replied | closed
    Column("text", Text, nullable=False),
    Column("created_at", Float, nullable=False),
    Column("sent_at", Float),
    Column("error", Text),
)

case_surveys = Table(
    # The seed's 5-point satisfaction survey after a case (表1 滿意度調查), forwarded to the agency (表2).
    "case_surveys", metadata,
    Column("case_id", Integer, ForeignKey("cases.id"), primary_key=True),
    Column("score", Integer, nullable=False),  # 5 非常滿意 … 1 非常不滿意
    Column("comment", Text),
    Column("source", String(16), nullable=False),  # citizen (status page) | staff (phoned)
    Column("recorded_by", String(64)),
    Column("created_at", Float, nullable=False),
    Column("forwarded_at", Float),
)

spot_checks = Table(
    # 抽測 (the seed's 表3): a tester calls an agency; scored ±5 for the notifying and handling agency.
    "spot_checks", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tester", String(100), nullable=False),
    Column("called_at", Float, nullable=False),  # 發話時間
    Column("reporting_agency", String(100)),  # 受話人員機關 = 通報機關 (none: the handling agency took the call)
    Column("agency", String(100), nullable=False, index=True),  # 承辦機關
    Column("replied_at", Float),  # the handling agency's reply; none = never
    Column("survey_at", Float),  # the notifying agency's follow-up survey; none = never
    Column("score", Integer),  # 給予滿意度評分 1–5
    Column("note", Text),
    Column("recorded_by", String(64), nullable=False),
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

# ---- the model store's database backend (issue 17): content-addressed chunks -----------------------
model_chunks = Table(
    # File contents by SHA-256, cut in chunks (bytea on PostgreSQL, BLOB on SQLite); shared between versions.
    "model_chunks", metadata,
    Column("digest", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

model_files = Table(
    "model_files", metadata,
    Column("version", String(64), primary_key=True),
    Column("path", String(400), primary_key=True),  # relative to the version's directory
    Column("digest", String(64), nullable=False, index=True),
    Column("size", BigInteger, nullable=False),
)

model_versions = Table(
    # A version is listed only once all its files and chunks are stored (same transaction).
    "model_versions", metadata,
    Column("version", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("files", Integer, nullable=False),
    Column("created_at", Float, nullable=False),
)

model_deployed = Table(
    # The deployed pointer: one row (id 1); changes are also announced on the broker.
    "model_deployed", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", String(64), ForeignKey("model_versions.version"), nullable=False),
    Column("deployed_at", Float, nullable=False),
)

training_examples = Table(
    # Training-data edits made by the running service (labelled misses, approved drafts' examples);
    # ``hotline nlu-data export`` writes them to nlu_data/ YAML for version control.
    "training_examples", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("file", String(100), nullable=False),  # the nlu_data/ file they belong in
    Column("intent", String(64), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("created_at", Float, nullable=False),
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
