"""Raw-transcript retention: a purge that masks the personal data in old closed conversations.

After ``HOTLINE_RAW_RETENTION_DAYS`` (counted from when the chat closed) every message text, the
callback name/phone/question, the survey comment and the wrap-up's free text of the chat are
replaced by their masked form (bot/pii.py); the callback's name becomes 「[姓名]」. Rows, counters,
sequence numbers, intents, scores and times stay, so reports and the match rate do not change.
Each conversation is purged once (``conversations.pii_masked_at``). Every server process runs the
purge every ``PURGE_EVERY_SECONDS`` (idempotent, so several processes may); ``purge_sync`` runs it once.
"""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from bot.hours import timestamp
from bot.pii import mask
from handoff.storage.database import Database
from handoff.storage.schema import callbacks, conversations, messages, surveys, wrapups

if TYPE_CHECKING:
    from handoff.services import Services

log = logging.getLogger(__name__)
PURGE_EVERY_SECONDS = 3600.0
BATCH = 200


def _mask_or_none(value: Any) -> Any:
    return mask(value) if isinstance(value, str) else value


def _purge_one(c: Connection, conversation_id: str, now: float) -> None:
    for row in c.execute(select(messages.c.id, messages.c.text).where(messages.c.conversation_id == conversation_id)):
        masked = mask(row.text)
        if masked != row.text:
            c.execute(update(messages).where(messages.c.id == row.id).values(text=masked))
    for cb in c.execute(select(callbacks.c.id, callbacks.c.question, callbacks.c.phone)
                         .where(callbacks.c.conversation_id == conversation_id)):
        c.execute(update(callbacks).where(callbacks.c.id == cb.id).values(
            name="[姓名]", phone=mask(cb.phone) if cb.phone else cb.phone, question=mask(cb.question)))
    for survey in c.execute(select(surveys.c.comment).where(surveys.c.conversation_id == conversation_id)):
        c.execute(update(surveys).where(surveys.c.conversation_id == conversation_id)
                  .values(comment=_mask_or_none(survey.comment)))
    wrapup_columns = {col.name for col in wrapups.columns}
    text_columns = [name for name in ("summary", "answer", "citizen_phone") if name in wrapup_columns]
    for wrapup in c.execute(select(*(wrapups.c[name] for name in text_columns))
                         .where(wrapups.c.conversation_id == conversation_id)):
        values: dict[str, str | None] = {name: _mask_or_none(wrapup._mapping[name]) for name in text_columns}
        if "citizen_name" in wrapup_columns:
            values["citizen_name"] = None
        c.execute(update(wrapups).where(wrapups.c.conversation_id == conversation_id).values(values))
    c.execute(update(conversations).where(conversations.c.id == conversation_id).values(pii_masked_at=now))


def purge_sync(db: Database, retention_days: float, now: float | None = None) -> int:
    """Mask every closed conversation older than the retention; returns how many were purged."""
    now = timestamp() if now is None else now
    cutoff = now - retention_days * 86400
    purged = 0
    while True:
        ids = db.read_sync(lambda c: [r.id for r in c.execute(
            select(conversations.c.id).where(conversations.c.state == "closed", conversations.c.closed_at < cutoff,
                                             conversations.c.pii_masked_at.is_(None)).limit(BATCH))])
        if not ids:
            return purged
        for conversation_id in ids:
            db.write_sync(lambda c, cid=conversation_id: _purge_one(c, cid, now))  # type: ignore[misc]
        purged += len(ids)


async def retention_watch(services: Services) -> None:
    """The server's purge loop; failures are logged and retried at the next round."""
    settings = services.settings
    while True:
        try:
            count = await asyncio.get_running_loop().run_in_executor(
                None, purge_sync, services.db, settings.raw_retention_days)
            if count:
                log.info("retention: masked the raw texts of %d closed conversations", count)
        except Exception:
            log.exception("retention purge failed; retrying in %.0f s", PURGE_EVERY_SECONDS)
        await asyncio.sleep(PURGE_EVERY_SECONDS)
