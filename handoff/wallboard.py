"""The supervisors' live wallboard: the floor now and today so far (Asia/Taipei day).

Answer speed is the seed's (004) measure for a phone ringing, carried over to chat: the wait from
joining the queue to the agent's first message, in the bands ≤7 s (best), ≤15 s (next best),
≤31 s, and over 31 s (worst). Abandonment = chats that queued today and were abandoned.
"""
from __future__ import annotations

from datetime import datetime
from datetime import time as dtime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from bot.hours import timestamp
from handoff.agent_states import LABELS, AgentState
from handoff.storage.schema import callbacks, conversations, surveys

if TYPE_CHECKING:
    from handoff.hub import Hub

TAIPEI = ZoneInfo("Asia/Taipei")
BANDS = [("le7", "≤7 秒", 7.0), ("le15", "≤15 秒", 15.0), ("le31", "≤31 秒", 31.0), ("gt31", ">31 秒", float("inf"))]


def band_of(seconds: float) -> str:
    return next(key for key, _label, limit in BANDS if seconds <= limit)


def day_start(now: float) -> float:
    return datetime.combine(datetime.fromtimestamp(now, TAIPEI).date(), dtime(0), TAIPEI).timestamp()


async def snapshot(hub: Hub, now: float | None = None) -> dict[str, Any]:
    now = now or timestamp()
    start = day_start(now)
    waiting = await hub.queue.waiting()
    floor = await hub.agent_floor()

    def q(c: Connection) -> dict[str, Any]:
        queued = list(c.execute(select(conversations.c.queued_at).where(conversations.c.state == "queued")))
        answered = list(c.execute(select(conversations.c.queued_at, conversations.c.first_reply_at).where(
            conversations.c.first_reply_at >= start, conversations.c.queued_at.is_not(None))))
        entered = c.execute(select(func.count()).select_from(conversations).where(
            conversations.c.queued_at >= start)).scalar_one()
        abandoned = c.execute(select(func.count()).select_from(conversations).where(
            conversations.c.queued_at >= start, conversations.c.outcome == "abandoned")).scalar_one()
        scores = [r[0] for r in c.execute(select(surveys.c.score).where(surveys.c.created_at >= start))]
        open_callbacks = c.execute(select(func.count()).select_from(callbacks).where(
            callbacks.c.status != "closed")).scalar_one()
        return {"queued_at": [r[0] for r in queued if r[0]], "answers": [r[1] - r[0] for r in answered],
                "entered": entered, "abandoned": abandoned, "scores": scores, "open_callbacks": open_callbacks}

    facts = await hub.store.db.read(q)
    bands = {key: 0 for key, _label, _limit in BANDS}
    for seconds in facts["answers"]:
        bands[band_of(max(0.0, seconds))] += 1
    scores = facts["scores"]
    by_state = {state.value: 0 for state in AgentState}
    for row in floor.values():
        by_state[row["state"]] += 1
    return {
        "type": "wallboard", "at": now,
        "waiting": len(waiting),
        "longest_wait_seconds": round(now - min(facts["queued_at"]), 1) if facts["queued_at"] else 0,
        "agents": [{"username": name, "state": row["state"], "label": LABELS[AgentState(row["state"])],
                    "reason": row.get("reason"), "since": row.get("since")} for name, row in floor.items()],
        "agents_by_state": by_state,
        "answer_bands": [{"key": key, "label": label, "count": bands[key]} for key, label, _limit in BANDS],
        "answered_today": len(facts["answers"]),
        "queued_today": facts["entered"], "abandoned_today": facts["abandoned"],
        "abandonment_rate": round(facts["abandoned"] / facts["entered"], 4) if facts["entered"] else None,
        "surveys_today": len(scores),
        "satisfaction_rate": round(sum(1 for s in scores if s >= 4) / len(scores), 4) if scores else None,
        "average_score": round(sum(scores) / len(scores), 2) if scores else None,
        "open_callbacks": facts["open_callbacks"],
    }
