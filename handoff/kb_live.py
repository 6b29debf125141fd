"""The live side of KB upkeep: the running server answers with approved text at once, and agents
are told what changed (佈達) until each of them acknowledges it.

``LiveKB`` is the process's copy of the approved entries; an approval reloads it at once in every
process (a ``kb_changed`` control event), and ``watch_kb`` reloads it whenever the KB's revision
number moves without one (``hotline kb import``, or an event missed while the broker was away).
The KB and its announcements live in the conversation database, one transaction for both.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, insert, select

from handoff.storage.database import Database
from handoff.storage.schema import announcement_acks, announcements, users
from kb_sync.search import KBSearch
from kb_sync.store import KnowledgeBase
from kb_sync.upkeep import Approval

if TYPE_CHECKING:
    from handoff.services import Services

log = logging.getLogger(__name__)
ACK_ROLES = ("agent",)  # who is expected to acknowledge an announcement


# ---- the running server's copy of the KB ---------------------------------------------------------
class LiveKB:
    """The approved entries this process answers with, their search index and the KB revision they
    came from. ``entries`` is one dict for the process's lifetime (the bot's policy holds its
    ``get``); ``reload`` refreshes it in place under a lock, from any thread."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.entries: dict[str, dict[str, Any]] = {e["id"]: e for e in kb.entries()}
        self.search = KBSearch(list(self.entries.values()))
        self.version: int | None = None
        self._lock = threading.Lock()

    def reload(self) -> int:
        """Re-read the approved entries and rebuild the search index; returns how many are live."""
        with self._lock:
            version = self.kb.version()  # read first: a change landing meanwhile is picked up next time
            fresh = {e["id"]: e for e in self.kb.entries()}
            self.entries.update(fresh)
            for gone in [k for k in self.entries if k not in fresh]:
                self.entries.pop(gone, None)
            self.search = KBSearch(list(fresh.values()))
            self.version = version
            return len(self.entries)


async def watch_kb(services: Services, every: float = 5.0) -> None:
    """Reload when the KB's revision moved without a broker event (``hotline kb import`` run
    elsewhere, or an event missed while the broker was away)."""
    live, loop = services.live_kb, asyncio.get_running_loop()
    if live.version is None:
        live.version = await loop.run_in_executor(None, live.kb.version)
    while True:
        await asyncio.sleep(every)
        try:
            if await loop.run_in_executor(None, live.kb.version) != live.version:
                count = await loop.run_in_executor(None, live.reload)
                log.info("KB changed elsewhere: %d entries reloaded", count)
        except Exception:  # a database briefly unreachable must not stop the watcher
            log.exception("KB reload failed; retrying in %.0f s", every)


# ---- announcements (佈達) -------------------------------------------------------------------------
def compose(approval: Approval) -> tuple[str, str]:
    """Title and body of the announcement of one approval: the entry, the revision, what changed."""
    entry = approval.entry
    verb = "新增知識庫條目" if approval.action == "added" else "知識庫更新"
    title = f"{verb} {approval.entry_id}：{approval.summary}"[:200]
    lines = [f"問題：{entry['question']}", f"異動：{approval.summary}（第 {approval.revision} 版）"]
    for change in approval.changes:
        if change["field"] in ("category", "agency"):
            old = f"{change['before']} → " if change["before"] else ""
            lines.append(f"{change['label']}：{old}{change['after']}")
    lines.append(f"答案：{entry['answer']}")
    if approval.note:
        lines.append(f"說明：{approval.note}")
    return title, "\n".join(lines)


def record(conn: Connection, approval: Approval, created_by: str, now: float | None = None) -> dict[str, Any]:
    """Write the announcement of ``approval`` on ``conn`` — inside the approval's own transaction
    (``upkeep.approve(..., also=...)``), so an approved change is never left unannounced."""
    title, body = compose(approval)
    values = {"kb_id": approval.entry_id, "revision": approval.revision, "title": title, "body": body,
              "created_by": created_by, "created_at": now if now is not None else time.time()}
    result = conn.execute(insert(announcements).values(values))
    key = result.inserted_primary_key
    assert key is not None
    return {"id": int(key[0]), **values}


async def publish(db: Database, approval: Approval, created_by: str, now: float | None = None) -> dict[str, Any]:
    """The announcement of an approval made earlier, in a transaction of its own."""
    return await db.write(lambda c: record(c, approval, created_by, now))


async def for_user(db: Database, username: str, include_acked: bool = False) -> list[dict[str, Any]]:
    """Announcements made since the user's account existed, newest first, with ``acked_at``."""
    def q(c: Connection) -> list[dict[str, Any]]:
        since = c.execute(select(users.c.created_at).where(users.c.username == username)).scalar() or 0.0
        query = (select(announcements, announcement_acks.c.acked_at)
                 .outerjoin(announcement_acks, and_(announcement_acks.c.announcement_id == announcements.c.id,
                                                    announcement_acks.c.username == username))
                 .where(announcements.c.created_at >= since).order_by(announcements.c.id.desc()))
        if not include_acked:
            query = query.where(announcement_acks.c.acked_at.is_(None))
        return [dict(r._mapping) for r in c.execute(query)]

    return await db.read(q)


async def acknowledge(db: Database, announcement_id: int, username: str, now: float | None = None) -> float:
    """Record that ``username`` read the announcement (idempotent); returns when they first did."""
    def write(c: Connection) -> float:
        if c.execute(select(announcements.c.id).where(announcements.c.id == announcement_id)).first() is None:
            raise LookupError(f"no announcement {announcement_id}")
        done = c.execute(select(announcement_acks.c.acked_at).where(
            announcement_acks.c.announcement_id == announcement_id, announcement_acks.c.username == username)).scalar()
        if done is not None:
            return float(done)
        at = now if now is not None else time.time()
        c.execute(insert(announcement_acks).values(announcement_id=announcement_id, username=username, acked_at=at))
        return at

    return await db.write(write)


async def overview(db: Database, limit: int = 50) -> list[dict[str, Any]]:
    """Newest announcements with who acknowledged (and when) and which agents have not yet."""
    def q(c: Connection) -> list[dict[str, Any]]:
        rows = [dict(r._mapping) for r in c.execute(
            select(announcements).order_by(announcements.c.id.desc()).limit(limit))]
        if not rows:
            return []
        acks = c.execute(select(announcement_acks).where(
            announcement_acks.c.announcement_id.in_([r["id"] for r in rows]))
            .order_by(announcement_acks.c.acked_at)).all()
        staff = c.execute(select(users.c.username, users.c.created_at).where(users.c.role.in_(ACK_ROLES))
                          .order_by(users.c.username)).all()
        for row in rows:
            row["acks"] = [{"username": a.username, "acked_at": a.acked_at} for a in acks
                           if a.announcement_id == row["id"]]
            done = {a["username"] for a in row["acks"]}
            row["pending"] = [s.username for s in staff if s.created_at <= row["created_at"] and s.username not in done]
        return rows

    return await db.read(q)
