"""The cases REST API on a real server (uvicorn on loopback) with its own SQLite chat database and
KB copy, and a real SMTP server (aiosmtpd): an agent records a case from a chat they handled, the
supervisor approves and dispatches it, the agency (e-mailed) accepts, replies, the supervisor
closes it with a general answer that becomes a KB draft; another agency's case is refused; the
server's own sweep sends a reminder."""
from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import insert

from handoff.auth import hash_password
from handoff.storage.schema import cases
from tests.chat_client import login
from tests.conftest import OPEN_CLOCK
from tests.handoff.case_support import CONVERSATION, Mailbox, database, seed, smtp_server
from tests.servers import copy_kb, running_server

CITIZEN = {"citizen_name": "陳小姐", "citizen_contact": "0912345678", "consent": True,
           "summary": "人：陳小姐 事：外籍配偶登記後未入帳 時：11/29 地：臺中 物：居留證", "urgency": "urgent"}
OVERDUE_NUMBER = "1151128-0001"


@dataclass
class CaseServer:
    url: str
    home: Path
    db: Path
    mailbox: Mailbox
    clients: list[httpx.Client] = field(default_factory=list)

    def client(self, username: str) -> httpx.Client:
        """A logged-in client, closed after the test."""
        client = httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {login(self.url, username)}"},
                              timeout=10)
        self.clients.append(client)
        return client

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with contextlib.closing(sqlite3.connect(self.db, timeout=10)) as con:
            return con.execute(sql, params).fetchall()


def own_project(kb_project: Path, home: Path) -> None:
    """Config, training data and models shared read-only; the KB copied (a case adds a draft to it)."""
    for name in ("config.yml", "nlu_data", "models"):
        (home / name).symlink_to(kb_project / name)
    (home / "var").mkdir()
    copy_kb(kb_project / "var" / "chat.db", home / "var" / "chat.db")


@pytest.fixture(scope="module")
def server(kb_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaseServer]:
    home = tmp_path_factory.mktemp("cases_api")
    own_project(kb_project, home)
    path = home / "var" / "chat.db"
    db = database(path)
    seed(db, hash_password("password1"))
    now = time.time()
    # an accept deadline already past on the server's clock (OPEN_CLOCK = 2026-11-30 10:00 +08:00):
    # the server's own sweep must remind 財政部 without anyone asking
    dispatched = datetime.fromisoformat(OPEN_CLOCK).timestamp() - 30 * 3600
    db.write_sync(lambda c: c.execute(insert(cases).values(
        number=OVERDUE_NUMBER, status="dispatched", urgency="normal", receiver="agent1", received_at=dispatched,
        citizen_name="林先生", citizen_contact="0922000000", consent=True, summary="逾期未受理的案件",
        agency="財政部", dispatched_at=dispatched, general_answer=False, reminders=0, created_at=now,
        updated_at=now)))
    db.close()
    with smtp_server() as (mailbox, port):
        env = {"HOTLINE_CLOCK": OPEN_CLOCK, "HOTLINE_SMTP_HOST": "127.0.0.1", "HOTLINE_SMTP_PORT": str(port),
               "HOTLINE_CASE_SWEEP_SECONDS": "0.5", "HOTLINE_PUBLIC_URL": "https://hotline.example.org"}
        with running_server(home, env=env) as url:
            yield CaseServer(url, home, path, mailbox)


@pytest.fixture(autouse=True)
def close_clients(server: CaseServer) -> Iterator[None]:
    yield
    while server.clients:
        server.clients.pop().close()


def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def test_the_whole_case_journey_over_rest(server: CaseServer) -> None:
    agent, boss, moi = server.client("agent1"), server.client("boss"), server.client("moi1")
    prefill = ok(agent.get("/api/cases/prefill", params={"conversation_id": CONVERSATION}))
    assert prefill["agency"] == "內政部" and "財政部" in prefill["agencies"]  # the KB entry agent1 inserted
    case = ok(agent.post("/api/cases", json={"conversation_id": CONVERSATION, **CITIZEN}), 201)
    assert case["status"] == "draft" and case["agency"] == "內政部" and case["number"].startswith("1151130-")
    assert [n["kind"] for n in ok(boss.get("/api/notifications", params={"unread": True}))][:1] == ["created"]

    edited = ok(boss.patch(f"/api/cases/{case['id']}", json={"summary": CITIZEN["summary"] + "（督導補充）"}))
    assert edited["summary"].endswith("（督導補充）")
    ok(boss.post(f"/api/cases/{case['id']}/approve"))
    dispatched = ok(boss.post(f"/api/cases/{case['id']}/dispatch", json={"agency": "財政部"}))
    assert dispatched["agency"] == "財政部" and dispatched["deadlines"][0]["name"] == "accept"

    tax = server.client("tax@mof.example")
    mail = [m for m in server.mailbox.wait(2) if case["number"] in m["Subject"]]
    assert mail and mail[0]["To"] == "tax@mof.example"
    assert "https://hotline.example.org/agency" in mail[0].get_body().get_content()  # type: ignore[union-attr]
    returned = ok(tax.post(f"/api/cases/{case['id']}/return", json={"reason": "外籍配偶業務屬內政部"}))
    assert returned["status"] == "returned"
    ok(boss.post(f"/api/cases/{case['id']}/redispatch", json={"agency": "內政部"}))

    assert ok(moi.post(f"/api/cases/{case['id']}/accept"))["status"] == "accepted"
    accepted = ok(moi.get(f"/api/cases/{case['id']}"))
    assert accepted["resolve_due_at"] - accepted["accepted_at"] == 3 * 86400  # urgent
    assert accepted["reply_due_at"] - accepted["accepted_at"] == 24 * 3600
    ok(moi.post(f"/api/cases/{case['id']}/reply", json={"text": "已協助補登並電話告知陳小姐。"}))
    closed = ok(boss.post(f"/api/cases/{case['id']}/close",
                          json={"general_answer": True, "faq_question": "外籍配偶登記後沒有入帳怎麼辦？"}))
    assert closed["status"] == "closed" and closed["kb_draft_id"].startswith("DRAFT-")
    with contextlib.closing(sqlite3.connect(server.home / "var" / "chat.db")) as kb:
        assert kb.execute("select question, answer, status from kb_entries where id=?", (closed["kb_draft_id"],)).fetchone() \
            == ("外籍配偶登記後沒有入帳怎麼辦？", "已協助補登並電話告知陳小姐。", "draft")
    actions = [e["action"] for e in ok(boss.get(f"/api/cases/{case['id']}"))["events"]]
    assert actions == ["created", "edit", "approve", "dispatch", "return", "redispatch", "accept", "reply", "close",
                       "kb_draft"]
    assert case["id"] in [c["id"] for c in ok(boss.get("/api/cases", params={"status": "closed"}))]


def test_another_agencys_case_is_refused(server: CaseServer) -> None:
    agent, boss, moi, tax = (server.client(u) for u in ("agent1", "boss", "moi1", "tax1"))
    case = ok(agent.post("/api/cases", json={"conversation_id": CONVERSATION, **CITIZEN, "agency": "財政部"}), 201)
    assert moi.get(f"/api/cases/{case['id']}").status_code == 404  # a draft: not even 財政部 sees it yet
    ok(boss.post(f"/api/cases/{case['id']}/approve"))
    ok(boss.post(f"/api/cases/{case['id']}/dispatch"))
    assert ok(tax.get(f"/api/cases/{case['id']}"))["agency"] == "財政部"
    for response in (moi.get(f"/api/cases/{case['id']}"), moi.post(f"/api/cases/{case['id']}/accept"),
                     moi.post(f"/api/cases/{case['id']}/reply", json={"text": "x"})):
        assert response.status_code == 404 and response.headers["x-error-code"] == "not_found"
    assert case["id"] not in [c["id"] for c in ok(moi.get("/api/cases"))]
    assert {c["agency"] for c in ok(tax.get("/api/cases"))} == {"財政部"}
    refused = tax.post(f"/api/cases/{case['id']}/approve")
    assert refused.status_code == 403 and refused.headers["x-error-code"] == "forbidden"


def test_agents_are_limited_to_their_own_chats_and_cases(server: CaseServer) -> None:
    agent1, agent2 = server.client("agent1"), server.client("agent2")
    created = ok(agent1.post("/api/cases", json={"conversation_id": CONVERSATION, **CITIZEN}), 201)
    refused = agent2.post("/api/cases", json={"conversation_id": CONVERSATION, **CITIZEN})
    assert refused.status_code == 403 and "handled the conversation" in refused.json()["detail"]
    assert agent2.get(f"/api/cases/{created['id']}").status_code == 404
    assert created["id"] not in [c["id"] for c in ok(agent2.get("/api/cases"))]
    no_consent = agent1.post("/api/cases", json={"conversation_id": CONVERSATION, **CITIZEN, "consent": False})
    assert no_consent.status_code == 422 and no_consent.headers["x-error-code"] == "consent_required"
    assert agent1.post(f"/api/cases/{created['id']}/approve").status_code == 403
    assert httpx.get(f"{server.url}/api/cases").status_code == 401


def test_the_servers_sweep_reminds_the_agency_and_marks_read(server: CaseServer) -> None:
    tax = server.client("tax1")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        notes = [n for n in ok(tax.get("/api/notifications", params={"unread": True}))
                 if n["number"] == OVERDUE_NUMBER]
        if notes:
            break
        time.sleep(0.2)
    assert [n["kind"] for n in notes] == ["overdue"] and "催辦第 1 次" in notes[0]["text"]
    assert server.rows("select reminders from cases where number=?", OVERDUE_NUMBER) == [(1,)]
    assert ok(tax.post("/api/notifications/read", json={"ids": [notes[0]["id"]]})) == {"marked": 1}
    assert all(n["id"] != notes[0]["id"] for n in ok(tax.get("/api/notifications", params={"unread": True})))
    mails = [m for m in server.mailbox.wait(1) if OVERDUE_NUMBER in m["Subject"]]
    assert mails and mails[0]["To"] == "tax@mof.example"
