"""Notifications about cases: a ``notifications`` row per recipient (shown in their page) and,
when ``HOTLINE_SMTP_HOST`` is set, an e-mail too.

Rows are written inside the caller's transaction (``add``), so a notification exists exactly when
the change it reports was committed. E-mail goes out afterwards (``deliver``) on a worker thread
with the standard library's smtplib; ``emailed_at`` marks what was sent. A failed delivery is
logged and leaves ``emailed_at`` empty — the page still shows the notification.

The users table has no e-mail column: a user is e-mailed when their username, or else their display
name, is an e-mail address (e.g. ``hotline user add tax@mof.example --role agency --agency 財政部``).
"""
from __future__ import annotations

import asyncio
import logging
import re
import smtplib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from sqlalchemy import Connection, insert, select, update

from handoff.cases.background import BackgroundSends
from handoff.storage.database import Database
from handoff.storage.schema import agency_members, notifications, users

log = logging.getLogger(__name__)
ADDRESS = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
SUPERVISORS, AGENCY = "supervisors", "agency"


@dataclass(frozen=True)
class MailConfig:
    host: str = ""
    port: int = 25
    sender: str = "hotline@localhost"
    public_url: str = "http://127.0.0.1:8000"
    timeout: float = 10.0

    @classmethod
    def from_settings(cls, settings: Any) -> MailConfig:
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.public_url.rstrip("/"))


def address_of(user: Mapping[str, Any]) -> str | None:
    """The user's e-mail (``hotline user add --email``), else a username or display name that is one."""
    for value in (user.get("email"), user.get("username"), user.get("display_name")):
        if value and ADDRESS.match(value):
            return str(value)
    return None


PEOPLE = (users.c.username, users.c.display_name, users.c.role, users.c.email)


def recipients(conn: Connection, audiences: Iterable[str], agency: str | None) -> list[dict[str, Any]]:
    """Users to tell: every supervisor and/or the agency users of ``agency`` (no one twice)."""
    found: dict[str, dict[str, Any]] = {}
    for audience in audiences:
        if audience == SUPERVISORS:
            query = select(*PEOPLE).where(users.c.role == "supervisor")
        elif audience == AGENCY and agency:
            query = (select(*PEOPLE)
                     .join(agency_members, agency_members.c.username == users.c.username)
                     .where(agency_members.c.agency == agency, users.c.role == "agency"))
        else:
            continue
        for row in conn.execute(query.order_by(users.c.username)):
            found.setdefault(row.username, dict(row._mapping))
    return list(found.values())


class Notifier(BackgroundSends):
    def __init__(self, db: Database, mail: MailConfig | None = None) -> None:
        super().__init__()
        self.db = db
        self.mail = mail or MailConfig()

    def add(self, conn: Connection, case: Mapping[str, Any], kind: str, text: str, audiences: Iterable[str],
            at: float, exclude: str | None = None) -> list[dict[str, Any]]:
        """Insert one notification per recipient (inside the caller's transaction), except the user
        who caused it; returns what ``deliver`` needs."""
        out = []
        for user in recipients(conn, audiences, case.get("agency")):
            if user["username"] == exclude:
                continue
            row = {"username": user["username"], "case_id": case["id"], "kind": kind, "text": text, "created_at": at}
            row["id"] = conn.execute(insert(notifications).values(row).returning(notifications.c.id)).scalar_one()
            out.append({**row, "role": user["role"], "address": address_of(user), "number": case.get("number")})
        return out

    @staticmethod
    def external(case: Mapping[str, Any], kind: str, text: str, address: str | None,
                 at: float) -> list[dict[str, Any]]:
        """An e-mail to a configured recipient who is not a user (an agency's contact, 國庫署):
        no notification row, so ``id`` is None and nothing marks it e-mailed."""
        if not address:
            return []
        return [{"id": None, "username": None, "case_id": case["id"], "kind": kind, "text": text, "created_at": at,
                 "role": "contact", "address": address, "number": case.get("number")}]

    def deliver(self, rows: list[dict[str, Any]]) -> None:
        """Send the e-mails for ``rows`` in the background (nothing when SMTP is not configured)."""
        rows = [r for r in rows if r.get("address")]
        if self.mail.host and rows:
            self.spawn(self._send(rows))

    async def _send(self, rows: list[dict[str, Any]]) -> None:
        try:
            sent = await asyncio.to_thread(self._send_sync, rows)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("case notification e-mail to %s:%s failed: %s", self.mail.host, self.mail.port, exc)
            return
        if sent:
            at = max(r["created_at"] for r in rows)
            await self.db.write(lambda c: c.execute(
                update(notifications).where(notifications.c.id.in_(sent)).values(emailed_at=at)))

    def _send_sync(self, rows: list[dict[str, Any]]) -> list[int]:
        sent = []
        with smtplib.SMTP(self.mail.host, self.mail.port, timeout=self.mail.timeout) as smtp:
            for row in rows:
                try:
                    smtp.send_message(self.message(row))
                except smtplib.SMTPRecipientsRefused as exc:
                    log.warning("notification %s: recipient %s refused: %s", row["id"], row["address"], exc)
                    continue
                if row["id"] is not None:
                    sent.append(int(row["id"]))
        return sent

    def message(self, row: Mapping[str, Any]) -> EmailMessage:
        page = "/agency" if row.get("role") in ("agency", "contact") else "/supervisor"
        message = EmailMessage()
        message["From"] = self.mail.sender
        message["To"] = row["address"]
        message["Subject"] = f"[普發現金客服] 後送案件 {row.get('number') or ''}：{row['text'][:60]}"
        message.set_content(f"{row['text']}\n\n請登入處理：{self.mail.public_url}{page}\n\n"
                            "（本信由全民共享普發現金客服系統自動寄出，請勿直接回覆。）\n")
        return message

