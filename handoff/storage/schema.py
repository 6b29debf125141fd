"""Tables of the conversation database (SQLAlchemy Core), gathered in one ``metadata``: the target
of Alembic (``migrations/env.py``) and of ``copy.py``. Each area keeps its tables in its own module;
this module imports them all so ``metadata`` is complete, and re-exports every table by name.

    kb_sync/tables.py           the knowledge base (and ``metadata`` itself: kb_sync may not import handoff)
    tables/chat.py              conversations, messages, the miss log, callbacks, surveys, wrap-ups
    tables/staff.py             accounts, tokens, agent states, announcements, quality reviews
    tables/cases.py             後送案件, their events, notifications, agencies, spot checks
    tables/models.py            the model store and training-data edits
"""
from __future__ import annotations

from handoff.storage.tables.cases import (
    agencies,
    agency_members,
    case_events,
    case_surveys,
    cases,
    citizen_notices,
    notifications,
    spot_checks,
)
from handoff.storage.tables.chat import (
    callbacks,
    clock_anchors,
    conversations,
    feedback,
    messages,
    number_counters,
    rest_clients,
    surveys,
    turns,
    wrapups,
)
from handoff.storage.tables.models import model_chunks, model_deployed, model_files, model_versions, training_examples
from handoff.storage.tables.staff import (
    agent_status,
    announcement_acks,
    announcements,
    auth_tokens,
    callback_attempts,
    login_failures,
    quality_reviews,
    users,
)
from kb_sync.tables import kb_changes, kb_draft_examples, kb_entries, kb_entry_history, kb_revisions, metadata

__all__ = [
    "agencies",
    "agency_members",
    "agent_status",
    "announcement_acks",
    "announcements",
    "auth_tokens",
    "callback_attempts",
    "callbacks",
    "case_events",
    "case_surveys",
    "cases",
    "citizen_notices",
    "clock_anchors",
    "conversations",
    "feedback",
    "kb_changes",
    "kb_draft_examples",
    "kb_entries",
    "kb_entry_history",
    "kb_revisions",
    "login_failures",
    "messages",
    "metadata",
    "model_chunks",
    "model_deployed",
    "model_files",
    "model_versions",
    "notifications",
    "number_counters",
    "quality_reviews",
    "rest_clients",
    "spot_checks",
    "surveys",
    "training_examples",
    "turns",
    "users",
    "wrapups",
]
