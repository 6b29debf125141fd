"""1999-style reference numbers for chats and callbacks (1151207-0001), told to the citizen.

The date part is the cases' own ``case_number_prefix`` (ROC year, month, day in Asia/Taipei), so a
chat, its callback and any case raised from them read alike; the serial comes from one counter row
per day, taken under a row lock, so two processes never hand out the same number.
"""
from __future__ import annotations

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from handoff.cases.service import case_number_prefix
from handoff.storage.schema import number_counters


def next_number(c: Connection, ts: float) -> str:
    """The next number of the day of ``ts``, inside the caller's transaction."""
    prefix = case_number_prefix(ts)
    row = c.execute(select(number_counters.c.last).where(number_counters.c.prefix == prefix)
                    .with_for_update()).first()
    if row is None:
        try:
            with c.begin_nested():  # two processes opening the day at once: one insert wins
                c.execute(insert(number_counters).values(prefix=prefix, last=1))
            return f"{prefix}-0001"
        except IntegrityError:
            row = c.execute(select(number_counters.c.last).where(number_counters.c.prefix == prefix)
                            .with_for_update()).first()
    serial = int(row.last) + 1  # type: ignore[union-attr]
    c.execute(update(number_counters).where(number_counters.c.prefix == prefix).values(last=serial))
    return f"{prefix}-{serial:04d}"
