"""What the case tests share: a real SQLite chat database with staff, agency users and a handled
conversation, a settable clock, and a recording SMTP server (aiosmtpd) on a free loopback port."""
from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller
from sqlalchemy import insert

from handoff.storage.database import Database
from handoff.storage.schema import agency_members, callbacks, conversations, messages, users, wrapups
from tests.servers import free_port

T = TypeVar("T")
TAIPEI = ZoneInfo("Asia/Taipei")
START = datetime(2023, 11, 30, 10, 0, tzinfo=TAIPEI).timestamp()  # 112-11-30, a Thursday morning
HOUR, DAY = 3600.0, 86400.0
STAFF = [("agent1", "agent", None), ("agent2", "agent", None), ("boss", "supervisor", None),
         ("chief", "supervisor", None), ("tax1", "agency", "財政部"), ("tax@mof.example", "agency", "財政部"),
         ("moi1", "agency", "內政部")]
KB_ENTRIES = {
    "ATM-001": {"id": "ATM-001", "category": "ATM領現", "agency": "金融監督管理委員會", "question": "ATM 何時可以領？"},
    "ATM-002": {"id": "ATM-002", "category": "ATM領現", "agency": "金融監督管理委員會", "question": "ATM 要帶什麼？"},
    "ATM-003": {"id": "ATM-003", "category": "ATM領現", "agency": "財政部", "question": "ATM 手續費？"},
    "REG-001": {"id": "REG-001", "category": "登記入帳", "agency": "財政部", "question": "去哪裡登記？"},
    "ELG-010": {"id": "ELG-010", "category": "發放對象與資格", "agency": "內政部", "question": "外籍配偶能領嗎？"},
}
CONVERSATION = "conv-handled-by-agent1"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


class Clock:
    """``now()`` for the case service, moved by hand."""

    def __init__(self, start: float = START) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> float:
        self.t += seconds
        return self.t


def seed(db: Database, password_hash: str = "x") -> None:
    """Staff and agency users, and a closed conversation agent1 handled: the bot answered with
    ATM-001, agent1 inserted ELG-010 (so 內政部 is the suggestion), a wrap-up and a callback."""
    now = time.time()

    def write(c: Any) -> None:
        for username, role, agency in STAFF:
            c.execute(insert(users).values(username=username, password_hash=password_hash, role=role,
                                           display_name=username, capacity=3, created_at=now))
            if agency:
                c.execute(insert(agency_members).values(username=username, agency=agency))
        c.execute(insert(conversations).values(
            id=CONVERSATION, token_hash="t", state="closed", channel="websocket", created_at=now, updated_at=now,
            agent="agent1", last_intent="ATM-001", dialogue="{}"))
        rows = [("citizen", "外配可以領嗎", None, None), ("bot", "答案", {"intent": "ATM-001"}, None),
                ("agent", "依規定…", {"kb_id": "ELG-010"}, "agent1")]
        for seq, (sender, text, payload, agent) in enumerate(rows, start=1):
            c.execute(insert(messages).values(conversation_id=CONVERSATION, seq=seq, sender=sender, text=text,
                                              payload=json.dumps(payload) if payload else None, agent=agent,
                                              created_at=now))
        c.execute(insert(wrapups).values(conversation_id=CONVERSATION, agent="agent1", category="外籍人士與陸港澳",
                                         summary="人：陳小姐 事：外籍配偶未收到 時：11/29", case_needed=True,
                                         created_at=now))
        c.execute(insert(callbacks).values(conversation_id=CONVERSATION, name="陳小姐", phone="0912345678",
                                           question="外籍配偶登記後沒入帳", consent=True, status="open",
                                           created_at=now))

    db.write_sync(write)


class Mailbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def wait(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.messages


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


def database(path: Path) -> Database:
    return Database(f"sqlite:///{path}")
