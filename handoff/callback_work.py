"""Callbacks as a work queue: open → claimed → closed (re-openable), every call attempt recorded.

A callback falls due when staffed hours next begin (the hub sets ``due_at``); the list is by due
time. Claiming is a conditional update, so two agents never work one callback. "No answer" puts it
back in the queue an hour later for anyone to try again; "reached" and "wrong number" keep it with
the agent, who closes it (a case can be raised from it through the cases API, ``callback_id``).
"""
from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from bot.errors import HotlineError
from handoff.storage.database import Database
from handoff.storage.schema import callback_attempts, callbacks, cases

OUTCOMES = {"reached": "已聯繫", "no_answer": "未接聽", "wrong_number": "號碼錯誤"}
RETRY_SECONDS = 3600.0
STATUSES = ("open", "claimed", "closed")


class CallbackError(HotlineError):
    """A refused callback action; ``code`` is stable for clients, ``status`` the HTTP status."""

    def __init__(self, code: str, message: str, status: int = 409) -> None:
        super().__init__(message, code=code, status=status)


class CallbackWork:
    def __init__(self, db: Database, now: Any = time.time) -> None:
        self.db, self.now = db, now

    async def list(self, status: str | None = None) -> list[dict[str, Any]]:
        """Callbacks by due time (open and claimed first when no status is given), with attempts
        and the case raised from each."""
        if status is not None and status not in (*STATUSES, "all"):
            raise CallbackError("bad_status", f"status must be one of {', '.join(STATUSES)} or all", 422)

        def q(c: Connection) -> list[dict[str, Any]]:
            query = select(callbacks).order_by(callbacks.c.due_at.asc().nulls_first(), callbacks.c.id)
            if status is None:
                query = query.where(callbacks.c.status != "closed")
            elif status != "all":
                query = query.where(callbacks.c.status == status)
            rows = [dict(r._mapping) for r in c.execute(query)]
            ids = [r["id"] for r in rows]
            tries: dict[int, list[dict[str, Any]]] = {}
            linked: dict[int, str] = {}
            if ids:
                for a in c.execute(select(callback_attempts).where(callback_attempts.c.callback_id.in_(ids))
                                   .order_by(callback_attempts.c.at)):
                    tries.setdefault(a.callback_id, []).append(dict(a._mapping))
                for k in c.execute(select(cases.c.callback_id, cases.c.number).where(cases.c.callback_id.in_(ids))):
                    linked[k.callback_id] = k.number
            return [{**r, "attempts": tries.get(r["id"], []), "case_number": linked.get(r["id"])} for r in rows]

        return await self.db.read(q)

    async def get(self, callback_id: int) -> dict[str, Any]:
        found = [r for r in await self.list("all") if r["id"] == callback_id]
        if not found:
            raise CallbackError("not_found", f"callback {callback_id} not found", 404)
        return found[0]

    async def _change(self, callback_id: int, check: Any, values: dict[str, Any],
                      attempt: dict[str, Any] | None = None) -> dict[str, Any]:
        def write(c: Connection) -> None:
            row = c.execute(select(callbacks).where(callbacks.c.id == callback_id).with_for_update()).first()
            if row is None:
                raise CallbackError("not_found", f"callback {callback_id} not found", 404)
            check(dict(row._mapping))
            c.execute(update(callbacks).where(callbacks.c.id == callback_id).values(values))
            if attempt:
                c.execute(insert(callback_attempts).values(callback_id=callback_id, **attempt))

        await self.db.write(write)
        return await self.get(callback_id)

    async def claim(self, callback_id: int, username: str) -> dict[str, Any]:
        def check(row: dict[str, Any]) -> None:
            if row["status"] == "closed":
                raise CallbackError("closed", "this callback is closed; re-open it first")
            if row["status"] == "claimed" and row["claimed_by"] != username:
                raise CallbackError("claimed", f"already claimed by {row['claimed_by']}")

        return await self._change(callback_id, check, {"status": "claimed", "claimed_by": username,
                                                       "claimed_at": self.now()})

    def _mine(self, username: str, role: str) -> Any:
        def check(row: dict[str, Any]) -> None:
            if row["status"] != "claimed":
                raise CallbackError("not_claimed", "claim the callback before recording a call or closing it")
            if row["claimed_by"] != username and role != "supervisor":
                raise CallbackError("claimed", f"claimed by {row['claimed_by']}")
        return check

    async def attempt(self, callback_id: int, username: str, role: str, outcome: str,
                      note: str | None = None) -> dict[str, Any]:
        if outcome not in OUTCOMES:
            raise CallbackError("bad_outcome", f"outcome must be one of {', '.join(OUTCOMES)}", 422)
        now = self.now()
        values: dict[str, Any] = {}
        if outcome == "no_answer":  # back in the queue, due again later, for anyone
            values = {"status": "open", "claimed_by": None, "claimed_at": None, "due_at": now + RETRY_SECONDS}
        return await self._change(callback_id, self._mine(username, role), values or {"claimed_at": now},
                                  {"agent": username, "outcome": outcome, "note": (note or "").strip()[:1000] or None,
                                   "at": now})

    async def close(self, callback_id: int, username: str, role: str) -> dict[str, Any]:
        return await self._change(callback_id, self._mine(username, role),
                                  {"status": "closed", "closed_by": username, "closed_at": self.now()})

    async def reopen(self, callback_id: int, username: str) -> dict[str, Any]:
        def check(row: dict[str, Any]) -> None:
            if row["status"] != "closed":
                raise CallbackError("not_closed", "only a closed callback can be re-opened")

        return await self._change(callback_id, check, {"status": "open", "closed_by": None, "closed_at": None,
                                                       "claimed_by": None, "claimed_at": None, "due_at": self.now()})

    async def open_count(self) -> int:
        return int(await self.db.read(lambda c: c.execute(
            select(func.count()).select_from(callbacks).where(callbacks.c.status != "closed")).scalar_one()))
