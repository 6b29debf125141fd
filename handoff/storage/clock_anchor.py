"""``HOTLINE_CLOCK`` shared by every process on one database.

A set clock starts at its value when it is first read. Each process reading it at its own start
would disagree with the others by their start-up gaps (queue order across app servers) and jump
back after a restart. The first process records the real moment (the anchor) per setting; every
later one, and every restart, reads the same anchor. Change the setting to start the clock again.
"""
from __future__ import annotations

import time

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from bot.hours import Clock, OffsetClock, SystemClock, parse_clock_setting
from handoff.storage.database import Database
from handoff.storage.schema import clock_anchors


def shared_clock(db: Database, setting: str | None) -> Clock:
    """The process's clock: real time without a setting, else the setting anchored in ``db``."""
    if not (setting or "").strip():
        return SystemClock()
    start, anchor = parse_clock_setting(setting or "")
    if anchor is not None:  # given explicitly: nothing to share
        return OffsetClock(start, anchor)
    key = start.isoformat()[:64]

    def anchor_of(c: Connection) -> float | None:
        return c.execute(select(clock_anchors.c.anchor).where(clock_anchors.c.setting == key)).scalar()

    def record(c: Connection) -> float:
        found = anchor_of(c)
        if found is None:
            c.execute(insert(clock_anchors).values(setting=key, anchor=time.time()))
            found = anchor_of(c)
        return float(found)  # type: ignore[arg-type]

    try:
        return OffsetClock(start, db.write_sync(record))
    except IntegrityError:  # another process recorded it first: read theirs
        return OffsetClock(start, float(db.read_sync(anchor_of)))  # type: ignore[arg-type]
