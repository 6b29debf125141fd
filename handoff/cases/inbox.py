"""A staff user's case notifications: listing them and marking them read."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select, update

from handoff.cases.actors import Actor
from handoff.storage.database import Database
from handoff.storage.schema import cases, notifications


class NotificationInbox:
    """Part of ``CaseService``: what each staff user was told (handoff/cases/notify.py writes it)."""

    db: Database
    now: Callable[[], float]

    async def notifications(self, actor: Actor, unread_only: bool = False, limit: int = 100) -> list[dict[str, Any]]:
        def q(c: Connection) -> list[Any]:
            query = (select(notifications, cases.c.number)
                     .join(cases, cases.c.id == notifications.c.case_id, isouter=True)
                     .where(notifications.c.username == actor.username)
                     .order_by(notifications.c.id.desc()).limit(limit))
            if unread_only:
                query = query.where(notifications.c.read_at.is_(None))
            return list(c.execute(query))

        return [dict(r._mapping) for r in await self.db.read(q)]

    async def mark_read(self, actor: Actor, ids: list[int] | None = None) -> int:
        """Mark the actor's notifications read (all unread ones when ``ids`` is empty)."""
        def write(c: Connection) -> int:
            query = update(notifications).where(notifications.c.username == actor.username,
                                                notifications.c.read_at.is_(None))
            if ids:
                query = query.where(notifications.c.id.in_(ids))
            return int(c.execute(query.values(read_at=self.now())).rowcount)

        return await self.db.write(write)
