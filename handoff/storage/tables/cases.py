"""Cases escalated to agencies (後送案件, issues 6 and 15): the cases, their audit trail,
notifications, agencies as data, citizen notices, case surveys and spot checks (抽測).

Times are epoch seconds (float), so SQLite and PostgreSQL compare and subtract them alike.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Integer, String, Table, Text

from kb_sync.tables import metadata

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
