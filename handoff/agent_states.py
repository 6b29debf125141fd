"""Agent states on the floor: ready, break (with a reason), after-chat work, offline.

Only a ready agent takes chats and counts in the citizens' wait estimate. After a chat an agent is
in after-chat work (``wrapup``) until they say they are ready, take the next chat, or the limit
(``wrapup_seconds``) runs out — evaluated when read, so no timer is needed in any process. The
state lives in the database, so every process and the supervisors' wallboard see the same floor;
``offline`` is also what anyone not connected anywhere is shown as.
"""
from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from bot.errors import HotlineError
from bot.hours import timestamp
from handoff.storage.database import Database
from handoff.storage.schema import agent_status

BREAK_REASONS = ("用餐", "休息", "會議", "教育訓練", "其他")


class AgentState(StrEnum):
    READY = "ready"
    BREAK = "break"
    WRAPUP = "wrapup"
    OFFLINE = "offline"


LABELS = {AgentState.READY: "就緒", AgentState.BREAK: "休息", AgentState.WRAPUP: "話後處理",
          AgentState.OFFLINE: "離線"}


class AgentStateError(HotlineError, ValueError):
    """A state change the server refuses; ``code`` goes into the error frame."""

    status = 409

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


def effective(row: dict[str, Any] | None, online: bool, now: float) -> dict[str, Any]:
    """The state to act on and show: offline when not connected; wrapup past its limit is ready."""
    if not online:
        return {"state": AgentState.OFFLINE, "reason": None, "since": (row or {}).get("since"), "until": None}
    if row is None:  # connected, never chose a state: logging in means ready
        return {"state": AgentState.READY, "reason": None, "since": None, "until": None}
    if row["state"] == AgentState.WRAPUP and row.get("until") is not None and row["until"] <= now:
        return {"state": AgentState.READY, "reason": None, "since": row["until"], "until": None}
    return {"state": AgentState(row["state"]), "reason": row.get("reason"), "since": row["since"],
            "until": row.get("until")}


class AgentStates:
    def __init__(self, db: Database, wrapup_seconds: float = 60.0) -> None:
        self.db, self.wrapup_seconds = db, wrapup_seconds

    async def rows(self) -> dict[str, dict[str, Any]]:
        return {r["username"]: r for r in await self.db.read(lambda c: [dict(r._mapping) for r in
                                                                       c.execute(select(agent_status))])}

    async def get(self, username: str) -> dict[str, Any] | None:
        row = await self.db.read(lambda c: c.execute(
            select(agent_status).where(agent_status.c.username == username)).first())
        return dict(row._mapping) if row else None

    async def set(self, username: str, state: str, reason: str | None = None) -> dict[str, Any]:
        """Record a state the agent chose (or after-chat work when a chat closes)."""
        try:
            target = AgentState(state)
        except ValueError as exc:
            raise AgentStateError("bad_state", f"unknown agent state '{state}' (ready, break, wrapup, offline)") from exc
        reason = (reason or "").strip()[:100] or None
        if target == AgentState.BREAK and not reason:
            raise AgentStateError("reason_required", "休息請選擇原因（例如 用餐、休息、會議）")
        now = timestamp()
        until = now + self.wrapup_seconds if target == AgentState.WRAPUP else None
        row = {"username": username, "state": target.value, "reason": reason if target == AgentState.BREAK else None,
               "since": now, "until": until}

        def write(c: Connection) -> None:
            c.execute(delete(agent_status).where(agent_status.c.username == username))
            c.execute(insert(agent_status).values(row))

        await self.db.write(write)
        return row
