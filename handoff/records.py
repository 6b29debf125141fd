"""Conversation records: the seed's 表1 (受理民眾案件紀錄表) for every chat that reached the queue.

One row per chat: its 1999-style number, 受話時間 (when an agent took it, else when it queued),
the citizen's name and phone when given (wrap-up, else a callback), the question summary, the
answer, who handled it, the category, whether a FAQ entry is needed, and the case raised from it.
Agents see the records of chats they handled; supervisors see all (handoff/access.py).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, exists, func, or_, select

from handoff.storage.database import Database
from handoff.storage.schema import callbacks, cases, conversations, messages, surveys, wrapups

TAIPEI = ZoneInfo("Asia/Taipei")
TABLE1 = [("number", "編號"), ("received_at", "受話時間"), ("citizen_name", "民眾姓名"), ("citizen_phone", "聯絡電話"),
          ("summary", "問題摘要"), ("answer", "答覆內容"), ("agent", "處理人員"), ("category", "類別"),
          ("faq_needed", "需新增FAQ"), ("case_number", "後送案件"), ("survey_score", "滿意度"), ("outcome", "結果")]
LIMIT = 500
OUTCOMES = {"agent_resolved": "客服人員結案", "abandoned": "民眾離開", "citizen_left": "民眾結束對話",
            "bot_resolved": "智能客服解決"}


@dataclass(frozen=True)
class RecordQuery:
    date_from: date | None = None
    date_to: date | None = None
    number: str | None = None
    agent: str | None = None
    category: str | None = None
    text: str | None = None


def _day_start(day: date) -> float:
    return datetime.combine(day, dtime(0), TAIPEI).timestamp()


def local_time(ts: float | None) -> str:
    return datetime.fromtimestamp(ts, TAIPEI).strftime("%Y-%m-%d %H:%M:%S") if ts else ""


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class Records:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def search(self, query: RecordQuery, user: dict[str, Any]) -> list[dict[str, Any]]:
        def q(c: Connection) -> list[dict[str, Any]]:
            received = func.coalesce(conversations.c.assigned_at, conversations.c.queued_at)
            case_number = (select(cases.c.number).where(cases.c.conversation_id == conversations.c.id)
                           .order_by(cases.c.id).limit(1).scalar_subquery())
            callback_name = (select(callbacks.c.name).where(callbacks.c.conversation_id == conversations.c.id)
                             .order_by(callbacks.c.id.desc()).limit(1).scalar_subquery())
            callback_phone = (select(callbacks.c.phone).where(callbacks.c.conversation_id == conversations.c.id)
                              .order_by(callbacks.c.id.desc()).limit(1).scalar_subquery())
            stmt = (select(conversations.c.id.label("conversation_id"), conversations.c.number,
                           received.label("received_at"), conversations.c.state, conversations.c.outcome,
                           conversations.c.survey_score, func.coalesce(wrapups.c.agent, conversations.c.agent)
                           .label("agent"), wrapups.c.category, wrapups.c.summary, wrapups.c.answer,
                           func.coalesce(wrapups.c.citizen_name, callback_name).label("citizen_name"),
                           func.coalesce(wrapups.c.citizen_phone, callback_phone).label("citizen_phone"),
                           wrapups.c.faq_needed, wrapups.c.kb_draft_id, wrapups.c.case_needed,
                           case_number.label("case_number"))
                    .select_from(conversations.outerjoin(wrapups, wrapups.c.conversation_id == conversations.c.id))
                    .where(conversations.c.queued_at.is_not(None)))
            if user["role"] != "supervisor":
                stmt = stmt.where(or_(conversations.c.agent == user["username"], wrapups.c.agent == user["username"]))
            if query.date_from:
                stmt = stmt.where(received >= _day_start(query.date_from))
            if query.date_to:
                stmt = stmt.where(received < _day_start(query.date_to + timedelta(days=1)))
            if query.number:
                stmt = stmt.where(conversations.c.number.like(_like(query.number.strip()), escape="\\"))
            if query.agent:
                stmt = stmt.where(func.coalesce(wrapups.c.agent, conversations.c.agent) == query.agent.strip())
            if query.category:
                stmt = stmt.where(wrapups.c.category == query.category.strip())
            if query.text:
                pattern = _like(query.text.strip())
                said = exists().where(and_(messages.c.conversation_id == conversations.c.id,
                                           messages.c.text.like(pattern, escape="\\")))
                stmt = stmt.where(or_(wrapups.c.summary.like(pattern, escape="\\"),
                                      wrapups.c.answer.like(pattern, escape="\\"), said))
            rows = c.execute(stmt.order_by(received.desc()).limit(LIMIT))
            return [{**dict(r._mapping), "received_local": local_time(r.received_at)} for r in rows]

        return await self.db.read(q)

    async def detail(self, conversation_id: str) -> dict[str, Any] | None:
        """One record with its transcript, wrap-up, survey, callbacks and cases."""
        def q(c: Connection) -> dict[str, Any] | None:
            conv = c.execute(select(conversations).where(conversations.c.id == conversation_id)).first()
            if conv is None:
                return None
            one = lambda table, col: c.execute(select(table).where(col == conversation_id)).first()
            wrap, survey = one(wrapups, wrapups.c.conversation_id), one(surveys, surveys.c.conversation_id)
            return {"conversation": {k: v for k, v in conv._mapping.items() if k not in ("token_hash", "dialogue")},
                    "transcript": [{k: r._mapping[k] for k in ("seq", "sender", "text", "kind", "agent", "created_at")}
                                   for r in c.execute(select(messages).where(messages.c.conversation_id == conversation_id)
                                                      .order_by(messages.c.seq))],
                    "wrapup": dict(wrap._mapping) if wrap else None,
                    "survey": dict(survey._mapping) if survey else None,
                    "callbacks": [dict(r._mapping) for r in c.execute(
                        select(callbacks).where(callbacks.c.conversation_id == conversation_id))],
                    "cases": [{"id": r.id, "number": r.number, "status": r.status, "agency": r.agency}
                              for r in c.execute(select(cases).where(cases.c.conversation_id == conversation_id))]}

        return await self.db.read(q)


def _cell(row: dict[str, Any], key: str) -> Any:
    if key == "received_at":
        return local_time(row["received_at"])
    if key == "faq_needed":
        return "是" if row.get("faq_needed") else "否"
    if key == "outcome":
        return OUTCOMES.get(row.get("outcome") or "", row.get("outcome") or "處理中")
    value = row.get(key)
    return "" if value is None else value


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([label for _key, label in TABLE1])
    for row in rows:
        writer.writerow([_cell(row, key) for key, _label in TABLE1])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 CSV as UTF-8


def to_xlsx(rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "表1 受理紀錄"
    sheet.append([label for _key, label in TABLE1])
    for row in rows:
        sheet.append([_cell(row, key) for key, _label in TABLE1])
    for column, width in zip("ABCDEFGHIJKL", (14, 20, 10, 14, 40, 40, 10, 12, 10, 14, 8, 14)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
