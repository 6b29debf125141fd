"""Agencies as data: the ``agencies`` table (name, contact person, e-mail, extension, active).

Seeded with every agency the seeds name — 000 二 (the 全民共享普發現金推動小組's 主辦 and 協辦
機關, 國庫署 of 000 一, and the two companies) — and every agency the KB names (the KB spells some
differently, e.g. 「交通部/中華郵政」, 「農業委員會」; both spellings are kept, a supervisor can
deactivate one). Seeding only adds missing rows, so a supervisor's edits are never overwritten.

Who is told what, from this table:

- escalation of a case (催辦兩次仍未辦理) → the case agency's contact e-mail, besides the page
  notifications to supervisors and the agency's users;
- a closed case → the Treasury's (財政部國庫署) contact e-mail: 000 六(二) 「客服公司應於案件結案時
  通知國庫署」.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from handoff.cases.lifecycle import CaseError
from handoff.storage.database import Database
from handoff.storage.schema import agencies, agency_members

TREASURY = "財政部國庫署"
SEEDED: tuple[str, ...] = (
    # 000 一: the Treasury runs the hotline for 財政部
    "財政部", TREASURY,
    # 000 二: 協辦機關
    "行政院新聞傳播處", "國家發展委員會", "數位發展部", "內政部", "交通部", "金融監督管理委員會", "外交部",
    "外交部以外因公派駐國外機關", "法務部", "衛生福利部", "行政院農業委員會", "勞動部", "原住民族委員會", "經濟部",
    "財金資訊股份有限公司", "第一線客服團隊", "關貿網路股份有限公司",
)
EDITABLE = ("contact_person", "email", "extension", "active")
LIMITS = {"name": 100, "contact_person": 100, "email": 200, "extension": 40}
ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")


def ensure_rows(c: Connection, names: Iterable[str], now: float) -> int:
    """Add a row (active, no contact yet) for each name not in the table; returns how many."""
    have = {r[0] for r in c.execute(select(agencies.c.name))}
    added = 0
    for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        if name not in have:
            c.execute(insert(agencies).values(name=name[:100], active=True, updated_at=now))
            added += 1
    return added


def contact_email(c: Connection, name: str | None) -> str | None:
    """The agency's contact e-mail when the agency is active and has one."""
    if not name:
        return None
    row = c.execute(select(agencies.c.email, agencies.c.active).where(agencies.c.name == name)).first()
    return str(row.email) if row is not None and row.active and row.email else None


class AgencyBook:
    """Reads and edits the agencies table; seeds it on first use in each process."""

    def __init__(self, db: Database, kb_entries: Callable[[], Mapping[str, Mapping[str, Any]]],
                 now: Callable[[], float]) -> None:
        self.db, self.kb_entries, self.now = db, kb_entries, now
        self._seeded = False

    async def ensure(self) -> None:
        if self._seeded:
            return
        kb_names = [str(e["agency"]) for e in self.kb_entries().values() if e.get("agency")]

        def write(c: Connection) -> None:
            members = [r[0] for r in c.execute(select(agency_members.c.agency).distinct())]
            ensure_rows(c, [*SEEDED, *kb_names, *members], self.now())

        try:
            await self.db.write(write)
        except IntegrityError:  # another process seeded the same rows at the same moment: theirs stand
            pass
        self._seeded = True

    async def names(self) -> list[str]:
        return [a["name"] for a in await self.list(active_only=True)]

    @staticmethod
    def clean(fields: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for key in EDITABLE:
            if key not in fields or fields[key] is None:
                continue
            if key == "active":
                values[key] = bool(fields[key])
                continue
            value = str(fields[key]).strip()
            if len(value) > LIMITS[key]:
                raise CaseError("too_long", f"{key} is longer than {LIMITS[key]} characters", 422)
            if key == "email" and value and not ADDRESS.match(value):
                raise CaseError("bad_email", f"{value!r} is not an e-mail address", 422)
            values[key] = value or None
        return values

    async def create(self, by: str, name: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        name = (name or "").strip()
        if not name or len(name) > LIMITS["name"]:
            raise CaseError("bad_name", "an agency needs a name of 1–100 characters", 422)
        values = self.clean(fields)
        await self.ensure()

        def write(c: Connection) -> dict[str, Any]:
            if c.execute(select(agencies.c.name).where(agencies.c.name == name)).first() is not None:
                raise CaseError("exists", f"agency {name!r} already exists; edit it instead", 409)
            row = {"name": name, "active": True, **values, "updated_by": by, "updated_at": self.now()}
            c.execute(insert(agencies).values(row))
            return row

        return await self.db.write(write)

    async def update(self, by: str, name: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        values = self.clean(fields)
        await self.ensure()

        def write(c: Connection) -> dict[str, Any]:
            done = c.execute(update(agencies).where(agencies.c.name == name)
                             .values(**values, updated_by=by, updated_at=self.now()))
            if not done.rowcount:
                raise CaseError("not_found", f"no agency named {name!r}", 404)
            return dict(c.execute(select(agencies).where(agencies.c.name == name)).one()._mapping)

        return await self.db.write(write)

    # Last in the class: the method's name would shadow the builtin in the annotations after it.
    async def list(self, active_only: bool = False) -> list[dict[str, Any]]:
        await self.ensure()

        def q(c: Connection) -> list[dict[str, Any]]:
            query = select(agencies).order_by(agencies.c.name)
            if active_only:
                query = query.where(agencies.c.active.is_(True))
            return [dict(r._mapping) for r in c.execute(query)]

        return await self.db.read(q)
