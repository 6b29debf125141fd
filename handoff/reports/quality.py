"""Quality sampling (品質抽測): a supervisor draws random closed chats of an agent for a month and
scores each on the seed's etiquette checklist, 20 points per item.

The pre-check reads the agent's own messages and suggests each box — the supervisor confirms or
changes it; nothing is saved without them. Sampling is seedable so a draw can be repeated, and
skips chats already reviewed. Every function takes a SQLAlchemy connection (read or write).
"""
from __future__ import annotations

import json
import random
import re
from typing import Any

from sqlalchemy import Connection, insert, select, update

from bot.errors import HotlineError
from handoff.reports.figures import local_iso, month_bounds
from handoff.reports.monthly import CHECKLIST
from handoff.storage.schema import conversations, messages, quality_reviews, wrapups

POINTS_PER_ITEM = 20
LABELS = {"greeting": "問候（您好／很高興為您服務）", "confirmed_need": "確認民眾需求",
          "anything_else": "再度確認需求（還有其他問題需要為您服務嗎？）", "thanks": "致謝（謝謝）",
          "correct_answer": "答覆內容正確"}
_PATTERNS = {
    "greeting": re.compile(r"您好|你好|很高興為您服務"),
    "confirmed_need": re.compile(r"確認|請問您(是|要|的)|您是(說|要|想|指|問)|您的意思|您想(要)?(了解|知道|詢問|問)"
                                 r"|您要(詢問|問)|您的問題是|是不是|是否"),
    "anything_else": re.compile(r"還有(其他|什麼|甚麼|沒有)(問題|需要|可以|要)|其他問題需要|其他(需要|事項).{0,6}服務"),
    "thanks": re.compile(r"謝謝|感謝|多謝"),
}


class QualityError(HotlineError, ValueError):
    """A review request that cannot be done; ``status`` is the HTTP status that fits."""

    code = "quality"

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message, status=status)


def score(items: dict[str, bool]) -> int:
    """20 points per ticked checklist item: 0–100."""
    return POINTS_PER_ITEM * sum(1 for item in CHECKLIST if items.get(item))


def precheck(transcript: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A suggestion per checklist item from the agent's messages: ``{"suggested": bool | None,
    "evidence": text}``. ``correct_answer`` is suggested only when the agent inserted a KB answer
    (None otherwise: only a person can judge an answer typed by hand)."""
    said = [m for m in transcript if m.get("sender") == "agent"]
    result: dict[str, dict[str, Any]] = {}
    for item, pattern in _PATTERNS.items():
        hit = next((m["text"] for m in said if pattern.search(m["text"] or "")), None)
        result[item] = {"suggested": hit is not None, "evidence": hit[:120] if hit else None}
    kb_ids = [m["payload"]["kb_id"] for m in said
              if isinstance(m.get("payload"), dict) and m["payload"].get("kb_id")]
    result["correct_answer"] = ({"suggested": True, "evidence": f"插入知識庫答案 {', '.join(kb_ids)}"} if kb_ids
                                else {"suggested": None, "evidence": None})
    return result


def _pool(month: str, agent: str | None) -> Any:
    start, end = month_bounds(month)
    query = select(conversations.c.id).where(
        conversations.c.created_at >= start, conversations.c.created_at < end, conversations.c.citizen_turns >= 1,
        conversations.c.state == "closed", conversations.c.outcome == "agent_resolved",
        conversations.c.agent.is_not(None))
    return query.where(conversations.c.agent == agent) if agent else query


def agents(conn: Connection, month: str) -> list[dict[str, Any]]:
    """Agents with closed chats in the month: how many, how many reviewed, how many left to draw."""
    reviewed = {r.conversation_id for r in conn.execute(select(quality_reviews.c.conversation_id))}
    pool: dict[str, list[str]] = {}
    for cid, agent in conn.execute(select(conversations.c.id, conversations.c.agent)
                                   .where(conversations.c.id.in_(_pool(month, None)))):
        pool.setdefault(agent, []).append(cid)
    return [{"agent": agent, "closed_chats": len(ids), "reviewed": sum(1 for i in ids if i in reviewed),
             "unreviewed": sum(1 for i in ids if i not in reviewed)} for agent, ids in sorted(pool.items())]


def sample(conn: Connection, month: str, agent: str, size: int = 3, seed: int | None = None) -> list[dict[str, Any]]:
    """Up to ``size`` random closed chats of ``agent`` in ``month`` not reviewed yet (same seed,
    same pool → same draw)."""
    if not 1 <= size <= 50:
        raise QualityError("size must be between 1 and 50")
    reviewed = select(quality_reviews.c.conversation_id)
    ids = sorted(conn.execute(_pool(month, agent).where(conversations.c.id.not_in(reviewed))).scalars())
    drawn = random.Random(seed).sample(ids, min(size, len(ids)))
    return [summary(conn, cid) for cid in drawn]


def summary(conn: Connection, conversation_id: str) -> dict[str, Any]:
    row = conn.execute(select(conversations, wrapups.c.category, wrapups.c.summary)
                       .select_from(conversations.outerjoin(wrapups))
                       .where(conversations.c.id == conversation_id)).first()
    if row is None:
        raise QualityError(f"no conversation {conversation_id}", 404)
    return {"conversation_id": row.id, "agent": row.agent, "created_at": local_iso(row.created_at),
            "closed_at": local_iso(row.closed_at), "wait_seconds": row.wait_seconds, "outcome": row.outcome,
            "state": row.state, "category": row.category, "summary": row.summary}


def transcript(conn: Connection, conversation_id: str) -> dict[str, Any]:
    """The chat's messages, the pre-check suggestions and the saved review, if any."""
    info = summary(conn, conversation_id)
    said = [{"seq": m.seq, "sender": m.sender, "agent": m.agent, "text": m.text, "kind": m.kind,
             "payload": json.loads(m.payload) if m.payload else {}, "at": local_iso(m.created_at)}
            for m in conn.execute(select(messages).where(messages.c.conversation_id == conversation_id)
                                  .order_by(messages.c.seq))]
    return {**info, "messages": said, "precheck": precheck(said), "review": review_of(conn, conversation_id)}


def review_of(conn: Connection, conversation_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(quality_reviews).where(quality_reviews.c.conversation_id == conversation_id)).first()
    return _review(row) if row else None


def _review(row: Any) -> dict[str, Any]:
    review = dict(row._mapping)
    review.update({item: bool(review[item]) for item in CHECKLIST})
    review["created_at"] = local_iso(review["created_at"])
    return review


def save_review(conn: Connection, conversation_id: str, reviewer: str, items: dict[str, bool],
                comment: str | None, now: float) -> dict[str, Any]:
    """Score a closed, agent-handled chat; saving again replaces the earlier review of that chat."""
    chat = conn.execute(select(conversations.c.state, conversations.c.agent)
                        .where(conversations.c.id == conversation_id)).first()
    if chat is None:
        raise QualityError(f"no conversation {conversation_id}", 404)
    if chat.state != "closed" or not chat.agent:
        raise QualityError("only closed chats an agent handled can be reviewed", 409)
    values = {**{item: bool(items.get(item)) for item in CHECKLIST}, "agent": chat.agent, "reviewer": reviewer,
              "score": score(items), "comment": (comment or "").strip()[:2000] or None, "created_at": now}
    if conn.execute(select(quality_reviews.c.id).where(quality_reviews.c.conversation_id == conversation_id)).first():
        conn.execute(update(quality_reviews).where(quality_reviews.c.conversation_id == conversation_id).values(values))
    else:
        conn.execute(insert(quality_reviews).values(conversation_id=conversation_id, **values))
    review = review_of(conn, conversation_id)
    assert review is not None
    return review


def reviews(conn: Connection, month: str, agent: str | None = None) -> list[dict[str, Any]]:
    """Reviews of the month's chats (by the chat's creation time, as the monthly report counts them)."""
    start, end = month_bounds(month)
    query = (select(quality_reviews).join(conversations, conversations.c.id == quality_reviews.c.conversation_id)
             .where(conversations.c.created_at >= start, conversations.c.created_at < end,
                    conversations.c.citizen_turns >= 1)
             .order_by(quality_reviews.c.created_at.desc()))
    if agent:
        query = query.where(quality_reviews.c.agent == agent)
    return [_review(r) for r in conn.execute(query)]
