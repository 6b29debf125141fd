"""Failed logins in the shared database, so every app server behind the proxy throttles as one
(an attacker spreading attempts over N processes gets no more tries than against one)."""
from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from handoff.security import Failures
from handoff.storage.database import Database
from handoff.storage.schema import login_failures

FORGET_AFTER_SECONDS = 86_400.0  # rows untouched for a day are dropped (now and then, on a write)
KEY_LENGTH = 200


class SQLLoginFailures:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._writes = 0

    async def get(self, kind: str, key: str) -> Failures | None:
        def read(c: Connection) -> Failures | None:
            row = c.execute(select(login_failures.c.count, login_failures.c.last).where(
                login_failures.c.kind == kind, login_failures.c.key == key[:KEY_LENGTH])).first()
            return Failures(int(row[0]), float(row[1])) if row else None

        return await self.db.read(read)

    async def add(self, kind: str, key: str, now: float) -> None:
        key = key[:KEY_LENGTH]

        def bump(c: Connection) -> int:
            return c.execute(update(login_failures).where(login_failures.c.kind == kind, login_failures.c.key == key)
                             .values(count=login_failures.c.count + 1, last=now)).rowcount

        def write(c: Connection) -> None:
            if not bump(c):
                c.execute(insert(login_failures).values(kind=kind, key=key, count=1, last=now))
            self._writes += 1
            if self._writes % 500 == 0:  # a username spray leaves many rows: forget the stale ones
                c.execute(delete(login_failures).where(login_failures.c.last < now - FORGET_AFTER_SECONDS))

        try:
            await self.db.write(write)
        except IntegrityError:  # another process inserted the first failure at the same moment
            await self.db.write(bump)

    async def clear(self, kind: str, key: str) -> None:
        await self.db.write(lambda c: c.execute(delete(login_failures).where(
            login_failures.c.kind == kind, login_failures.c.key == key[:KEY_LENGTH])))
