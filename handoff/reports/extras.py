"""Report sections added after the chat (issue 15): case satisfaction per agency, the special
(urgent / escalated) case summary (000 五(四) 「特殊(緊急)案件追蹤總結」), the citizens' comments
(回饋意見, 000 五(一) 「蒐集民眾回饋意見」), and the agency scores (``scoring.py``).

Each is computed from one connection and a period [start, end), like ``monthly.py``.
"""
from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from handoff.reports import scoring
from handoff.reports.figures import figure, local_iso, mean, rate
from handoff.storage.schema import case_surveys, cases, conversations, spot_checks, surveys


@dataclasses.dataclass
class CaseSurveyRow:
    agency: str = figure("承辦機關", "The handling agency of the surveyed cases.")
    responses: int = figure("案件滿意度回覆", "Case surveys (5-point, after the reply) taken in the period.")
    average_score: float | None = figure("案件平均分數", "Mean case survey score, 1 (非常不滿意) to 5 (非常滿意).")
    satisfied: int = figure("滿意以上", "Case surveys scored 4 or 5.")
    dissatisfied: int = figure("不滿意以下", "Case surveys scored 1 or 2 (「民眾表示不滿意」 in the seed's rules).")
    satisfied_share: float | None = figure("案件滿意度", "satisfied ÷ responses.")
    forwarded: int = figure("已轉知機關", "Surveys forwarded to the handling agency (表1 轉知承辦機關).")


@dataclasses.dataclass
class SpecialCase:
    number: str = figure("案號", "The case number.")
    agency: str = figure("承辦機關", "The agency the case is with.")
    urgency: str = figure("急件", "urgent or normal.")
    status: str = figure("狀態", "The case's status now.")
    received_at: str = figure("收件時間", "When the case was recorded (Asia/Taipei).")
    escalated: bool = figure("已陳報督導", "Escalated after two reminders.")
    replied: bool = figure("已回覆民眾", "The agency replied to the citizen.")
    closed_at: str | None = figure("結案時間", "When it was closed, if it was.")
    summary: str = figure("摘要", "The case summary (人事時地物), first 80 characters.")


@dataclasses.dataclass
class Comment:
    source: str = figure("來源", "chat (the chat survey's 回饋意見) or case (the case survey's comment).")
    at: str = figure("時間", "When it was given (Asia/Taipei).")
    score: int = figure("分數", "The score given with it (1–5).")
    reference: str = figure("對話／案號", "The chat's number or id, or the case number.")
    comment: str = figure("回饋意見", "The citizen's words.")


def _in(column: Any, start: float, end: float) -> Any:
    return and_(column >= start, column < end)


def case_survey_rows(conn: Connection, start: float, end: float) -> list[CaseSurveyRow]:
    rows = conn.execute(select(cases.c.agency, case_surveys.c.score, case_surveys.c.forwarded_at)
                        .join(cases, cases.c.id == case_surveys.c.case_id)
                        .where(_in(case_surveys.c.created_at, start, end))).all()
    grouped: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        grouped[r.agency].append(r)
    out = []
    for agency in sorted(grouped):
        mine = grouped[agency]
        satisfied = sum(1 for r in mine if r.score >= 4)
        out.append(CaseSurveyRow(agency=agency, responses=len(mine), average_score=mean([float(r.score) for r in mine]),
                                 satisfied=satisfied, dissatisfied=sum(1 for r in mine if r.score <= 2),
                                 satisfied_share=rate(satisfied, len(mine)),
                                 forwarded=sum(1 for r in mine if r.forwarded_at is not None)))
    return out


def special_cases(conn: Connection, start: float, end: float, timezone: str) -> list[SpecialCase]:
    """Urgent cases recorded in the period, and cases escalated in it."""
    rows = conn.execute(select(cases).where(or_(and_(cases.c.urgency == "urgent", _in(cases.c.received_at, start, end)),
                                                _in(cases.c.escalated_at, start, end)))
                        .order_by(cases.c.received_at, cases.c.id)).all()
    return [SpecialCase(number=r.number, agency=r.agency, urgency=r.urgency, status=r.status,
                        received_at=local_iso(r.received_at, timezone) or "", escalated=r.escalated_at is not None,
                        replied=r.replied_at is not None, closed_at=local_iso(r.closed_at, timezone),
                        summary=(r.summary or "")[:80]) for r in rows]


def comments(conn: Connection, start: float, end: float, timezone: str) -> list[Comment]:
    """Every comment of the period, oldest first: chat surveys of the period's chats (by the chat's
    created_at, like every chat figure) and case surveys (by the survey's time)."""
    chat = conn.execute(select(surveys.c.conversation_id, surveys.c.score, surveys.c.comment, surveys.c.created_at)
                        .join(conversations, conversations.c.id == surveys.c.conversation_id)
                        .where(_in(conversations.c.created_at, start, end), surveys.c.comment.is_not(None))).all()
    case = conn.execute(select(cases.c.number, case_surveys.c.score, case_surveys.c.comment, case_surveys.c.created_at)
                        .join(cases, cases.c.id == case_surveys.c.case_id)
                        .where(_in(case_surveys.c.created_at, start, end), case_surveys.c.comment.is_not(None))).all()
    out = [(r.created_at, Comment("chat", local_iso(r.created_at, timezone) or "", r.score, r.conversation_id,
                                  r.comment)) for r in chat if r.comment.strip()]
    out += [(r.created_at, Comment("case", local_iso(r.created_at, timezone) or "", r.score, r.number, r.comment))
            for r in case if r.comment.strip()]
    return [c for _, c in sorted(out, key=lambda pair: (pair[0], pair[1].reference))]


def case_scores(conn: Connection) -> dict[int, tuple[int, bool]]:
    """Case id → (survey score, forwarded) for every surveyed case (a survey may come in a later period)."""
    return {r.case_id: (int(r.score), r.forwarded_at is not None)
            for r in conn.execute(select(case_surveys.c.case_id, case_surveys.c.score, case_surveys.c.forwarded_at))}


def scores(conn: Connection, start: float, end: float, now: float) -> list[scoring.ScoreRow]:
    dispatched = conn.execute(select(cases).where(cases.c.dispatched_at.is_not(None),
                                                  _in(cases.c.dispatched_at, start, end))).all()
    accepted = conn.execute(select(cases).where(cases.c.accepted_at.is_not(None),
                                                _in(cases.c.accepted_at, start, end))).all()
    checks = conn.execute(select(spot_checks).where(_in(spot_checks.c.called_at, start, end))).all()
    return scoring.score(dispatched, accepted, checks, case_scores(conn), now)

