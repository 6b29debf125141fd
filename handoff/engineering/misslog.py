"""The miss log: every citizen turn the bot handled, with its prediction, text masked.

A turn is a *miss* when the bot fell back (low confidence, ambiguous, out of scope), when it led
to a handoff, or when the citizen marked the answer unhelpful (👎); when the citizen typed on
instead of picking one of the offered suggestions, the reason becomes ``suggestions_ignored``.
A request for a person (「轉真人」, intent ``ask_human``) is not a question and never a miss: it is
counted apart (``person_requests`` in the match-rate rows). Raw text never reaches this table:
only ``bot.pii.mask`` output does.
"""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, insert, select, update

from bot.hours import timestamp
from bot.intents import ASK_HUMAN, CHITCHAT_INTENTS, is_faq
from bot.pii import mask
from handoff.storage.database import Database
from handoff.storage.schema import turns


def is_question(intent: str, reason: str | None, text: str) -> bool:
    """Counts for the match rate: not chit-chat, not a request for a person, not a button press,
    not empty."""
    return (not text.startswith("/") and intent not in CHITCHAT_INTENTS and reason != "no_content"
            and not (intent == ASK_HUMAN and reason is None))


class MissLog:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, conversation_id: str, citizen_seq: int, reply_seq: int | None, text: str,
                     parse: dict[str, Any], answered: bool, model_version: str | None) -> int:
        reason = parse.get("fallback_reason")
        top: dict[str, Any] = (parse["intent_ranking"][0] if parse.get("intent_ranking")
                              else {"name": None, "confidence": 0.0})
        question = is_question(top["name"] or "", reason, text)
        miss = question and not answered and reason is not None
        row = {"conversation_id": conversation_id, "citizen_seq": citizen_seq, "reply_seq": reply_seq,
               "text_masked": mask(text)[:2000], "intent": top["name"], "confidence": top["confidence"],
               "ranking": json.dumps(parse.get("intent_ranking", [])[:3]), "fallback_reason": reason,
               "question": question, "answered": answered, "miss": miss, "miss_reason": reason if miss else None,
               "status": "open", "model_version": model_version, "created_at": timestamp()}

        def write(c: Connection) -> int:
            if text.startswith("/") and is_faq(text[1:]):  # a clicked suggestion labels the miss before it
                c.execute(update(turns).where(and_(turns.c.conversation_id == conversation_id, turns.c.miss,
                                                   turns.c.suggested_label.is_(None)))
                          .values(suggested_label=text[1:], label_source="suggestion_click"))
            elif not text.startswith("/"):  # typed on instead of picking one of the suggestions
                last = c.execute(select(turns.c.id).where(turns.c.conversation_id == conversation_id)
                                 .order_by(turns.c.id.desc()).limit(1)).scalar()
                if last is not None:
                    c.execute(update(turns).where(turns.c.id == last, turns.c.miss,
                                                  turns.c.fallback_reason.in_(("low_confidence", "ambiguous")))
                              .values(miss_reason="suggestions_ignored"))
            return int(c.execute(insert(turns).values(row).returning(turns.c.id)).scalar_one())

        return await self.db.write(write)

    async def mark_last_question(self, conversation_id: str, reason: str) -> None:
        """The latest question turn becomes a miss (a handoff followed it), unless the citizen's
        latest typed turn asked for a person: that handoff is a person request, not a bot miss."""
        def write(c: Connection) -> None:
            typed = c.execute(select(turns.c.intent, turns.c.fallback_reason)
                              .where(turns.c.conversation_id == conversation_id, ~turns.c.text_masked.startswith("/"))
                              .order_by(turns.c.id.desc()).limit(1)).first()
            if typed is not None and typed.intent == ASK_HUMAN and typed.fallback_reason is None:
                return
            last = c.execute(select(turns.c.id).where(turns.c.conversation_id == conversation_id, turns.c.question)
                             .order_by(turns.c.id.desc()).limit(1)).scalar()
            if last is not None:
                c.execute(update(turns).where(turns.c.id == last, turns.c.miss.is_(False))
                          .values(miss=True, miss_reason=reason))

        await self.db.write(write)

    async def mark_unhelpful(self, conversation_id: str, reply_seq: int) -> None:
        await self.db.write(lambda c: c.execute(
            update(turns).where(turns.c.conversation_id == conversation_id, turns.c.reply_seq == reply_seq)
            .values(miss=True, miss_reason="unhelpful")))

    async def suggest_label(self, conversation_id: str, kb_id: str) -> None:
        """An agent answered with a KB entry: that entry is the suggested label of the chat's misses."""
        await self.db.write(lambda c: c.execute(
            update(turns).where(turns.c.conversation_id == conversation_id, turns.c.miss,
                                turns.c.status == "open")
            .values(suggested_label=kb_id, label_source="agent_answer")))

    # review ---------------------------------------------------------------------------------
    async def open_misses(self, limit: int = 2000) -> list[dict[str, Any]]:
        rows = await self.db.read(lambda c: list(c.execute(
            select(turns).where(turns.c.miss, turns.c.status == "open").order_by(turns.c.id.desc()).limit(limit))))
        return [dict(r._mapping) for r in rows]

    async def get(self, ids: list[int]) -> list[dict[str, Any]]:
        rows = await self.db.read(lambda c: list(c.execute(select(turns).where(turns.c.id.in_(ids)))))
        return [dict(r._mapping) for r in rows]

    async def set_status(self, ids: list[int], status: str, label: str | None = None) -> int:
        return int(await self.db.write(lambda c: c.execute(
            update(turns).where(turns.c.id.in_(ids), turns.c.status == "open")
            .values(status=status, label=label)).rowcount))

    async def labelled(self) -> list[dict[str, Any]]:
        rows = await self.db.read(lambda c: list(c.execute(
            select(turns.c.text_masked, turns.c.label).where(turns.c.status == "labelled"))))
        return [{"text": r.text_masked, "intent": r.label} for r in rows]

    async def match_rate(self, period: str = "day", timezone: str = "Asia/Taipei") -> list[dict[str, Any]]:
        """智能問答匹配成功率 per day or month: answered question turns ÷ question turns."""
        rows = await self.db.read(lambda c: list(c.execute(
            select(turns.c.created_at, turns.c.answered, turns.c.question)
            .where(turns.c.question | ((turns.c.intent == ASK_HUMAN) & turns.c.fallback_reason.is_(None)
                                       & ~turns.c.text_masked.startswith("/"))))))
        zone = ZoneInfo(timezone)
        fmt = "%Y-%m-%d" if period == "day" else "%Y-%m"
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for created_at, answered, question in rows:
            key = datetime.fromtimestamp(created_at, zone).strftime(fmt)
            if question:
                counts[key][0] += 1
                counts[key][1] += int(bool(answered))
            else:
                counts[key][2] += 1
        return [{"period": k, "question_turns": q, "answered_turns": a,
                 "match_rate": round(a / q, 4), "person_requests": p}
                for k, (q, a, p) in sorted(counts.items()) if q]
