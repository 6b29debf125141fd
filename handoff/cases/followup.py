"""Telling the citizen how their case went (000 附件2: 「客服人員直接回答民眾」), through the channel
chosen when the case was made: e-mail (smtplib, as staff notifications) or SMS through a small
sender interface.

A ``citizen_notices`` row is written inside the transaction of the change it reports (reply or
close), with the address masked; the message goes out afterwards and ``sent_at`` / ``error`` record
the result — a failed delivery loses nothing, the row and the public status page still hold it.

SMS: :class:`SmsSender` has one method; :class:`LoggingSmsSender` (the default) writes the message
to the log with the number masked. A real provider is one class with ``send`` and is named by
``HOTLINE_SMS_SENDER=package.module:ClassName`` (built with no arguments).
"""
from __future__ import annotations

import asyncio
import importlib
import logging
import re
import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any, Protocol

from sqlalchemy import Connection, insert, update

from bot.pii import mask
from handoff.cases.background import BackgroundSends
from handoff.cases.lifecycle import CaseError
from handoff.cases.notify import ADDRESS, MailConfig
from handoff.storage.database import Database
from handoff.storage.schema import cases, citizen_notices

log = logging.getLogger(__name__)
CHANNELS = ("email", "sms", "none")
PHONE = re.compile(r"^\+?[\d\s()-]{8,20}$")
SMS_REPLY_CHARS = 60


class SmsSender(Protocol):
    def send(self, phone: str, text: str) -> None:
        """Send ``text`` to ``phone``; raise ``OSError`` (or a subclass) when it did not go out."""


class LoggingSmsSender:
    """The default: no provider, the message is logged with the number masked."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        self.sent.append((phone, text))
        log.info("SMS to %s: %s", mask(phone), text)


def sms_sender_from(spec: str) -> SmsSender:
    """``logging`` (or empty) → LoggingSmsSender; ``module:Class`` → that class, built without arguments."""
    if not spec or spec == "logging":
        return LoggingSmsSender()
    module, _, name = spec.partition(":")
    try:
        return getattr(importlib.import_module(module), name)()  # type: ignore[no-any-return]
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValueError(f"HOTLINE_SMS_SENDER={spec!r}: cannot load it ({exc}); give 'logging' or "
                         "'package.module:ClassName'") from exc


def digits(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


def choose_channel(channel: str | None, email: str | None, phone: str | None,
                   contact: str | None) -> tuple[str, str | None, str | None]:
    """The channel and addresses of a new case. Without an explicit channel it is guessed from the
    free-text contact: an e-mail address → email, a phone number → sms, else none."""
    email = (email or "").strip() or None
    phone = (phone or "").strip() or None
    contact = (contact or "").strip()
    if email is None and ADDRESS.match(contact):
        email = contact
    if phone is None and PHONE.match(contact) and len(digits(contact)) >= 8:
        phone = contact
    if channel is None:
        channel = "email" if email else "sms" if phone else "none"
    if channel not in CHANNELS:
        raise CaseError("bad_channel", f"notify_channel must be one of {', '.join(CHANNELS)}", 422)
    if channel == "email" and not (email and ADDRESS.match(email)):
        raise CaseError("email_required", "notify_channel email needs citizen_email (an e-mail address)", 422)
    if channel == "sms" and not (phone and PHONE.match(phone) and len(digits(phone)) >= 8):
        raise CaseError("phone_required", "notify_channel sms needs citizen_phone (a phone number)", 422)
    return channel, email, phone


def notice_text(case: Mapping[str, Any], kind: str, public_url: str, sms: bool) -> str:
    status_url = f"{public_url}/case-status"
    if kind == "replied":
        reply = str(case.get("reply_text") or "")
        if sms and len(reply) > SMS_REPLY_CHARS:
            reply = reply[:SMS_REPLY_CHARS] + "…"
        return (f"【普發現金客服】您的案件 {case['number']} 已由{case['agency']}回覆：{reply}"
                f" 查詢案件：{status_url}")
    return (f"【普發現金客服】您的案件 {case['number']} 已結案。歡迎以案號及電話末四碼至 {status_url} "
            "查詢回覆並為本次服務評分（1–5 分）。")


class CitizenNotifier(BackgroundSends):
    def __init__(self, db: Database, mail: MailConfig | None = None, sms: SmsSender | None = None) -> None:
        super().__init__()
        self.db, self.mail = db, mail or MailConfig()
        self.sms = sms if sms is not None else LoggingSmsSender()

    def add(self, c: Connection, case: Mapping[str, Any], kind: str, at: float) -> list[dict[str, Any]]:
        """Record what the citizen is told (inside the caller's transaction); ``deliver`` sends it."""
        channel = case.get("notify_channel")
        address = case.get("citizen_email") if channel == "email" else case.get("citizen_phone")
        if channel not in ("email", "sms") or not address:
            return []
        text = notice_text(case, kind, self.mail.public_url, channel == "sms")
        row = {"case_id": case["id"], "channel": channel, "address_masked": mask(str(address)), "kind": kind,
               "text": text, "created_at": at}
        row["id"] = c.execute(insert(citizen_notices).values(row).returning(citizen_notices.c.id)).scalar_one()
        return [{**row, "address": str(address), "number": case.get("number")}]

    def deliver(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.spawn(self._send(rows))

    async def _send(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            error: str | None = None
            try:
                await asyncio.to_thread(self._send_one, row)
            except (OSError, smtplib.SMTPException, CaseError) as exc:
                error = str(exc)[:500] or type(exc).__name__
                log.warning("citizen notice %s (%s to %s) failed: %s", row["id"], row["channel"],
                            row["address_masked"], error)
            at = row["created_at"]

            def write(c: Connection, row: dict[str, Any] = row, error: str | None = error, at: float = at) -> None:
                c.execute(update(citizen_notices).where(citizen_notices.c.id == row["id"])
                          .values(sent_at=None if error else at, error=error))
                if not error:
                    c.execute(update(cases).where(cases.c.id == row["case_id"]).values(citizen_notified_at=at))

            await self.db.write(write)

    def _send_one(self, row: Mapping[str, Any]) -> None:
        if row["channel"] == "sms":
            self.sms.send(row["address"], row["text"])
            return
        if not self.mail.host:
            raise CaseError("no_smtp", "HOTLINE_SMTP_HOST is not set: the e-mail to the citizen was not sent")
        message = EmailMessage()
        message["From"] = self.mail.sender
        message["To"] = row["address"]
        message["Subject"] = f"[普發現金客服] 您的案件 {row.get('number') or ''} 處理結果"
        message.set_content(f"{row['text']}\n\n（本信由全民共享普發現金客服系統自動寄出，請勿直接回覆。）\n")
        with smtplib.SMTP(self.mail.host, self.mail.port, timeout=self.mail.timeout) as smtp:
            smtp.send_message(message)
