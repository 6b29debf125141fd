"""After the chat, on a real server (uvicorn on loopback) with a real SMTP server (aiosmtpd): the
agency's reply reaches the citizen by e-mail; the public status page answers the right number +
digits only and is rate-limited; the citizen's survey is forwarded; supervisors edit agencies;
a REST-channel client with a callback URL receives the agent's reply (signed) at a local receiver
and can fetch it without one."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from handoff.auth import hash_password
from tests.chat_client import Agent
from tests.conftest import OPEN_CLOCK
from tests.handoff.case_support import CONVERSATION, database, seed, smtp_server
from tests.handoff.test_cases_api import CaseServer, own_project
from tests.servers import running_server

SECRET = "shared-secret-for-tests"
RATE = 6


@pytest.fixture(scope="module")
def server(kb_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CaseServer]:
    home = tmp_path_factory.mktemp("followup_api")
    own_project(kb_project, home)
    path = home / "var" / "chat.db"
    db = database(path)
    seed(db, hash_password("password1"))
    db.close()
    with smtp_server() as (mailbox, port):
        env = {"HOTLINE_CLOCK": OPEN_CLOCK, "HOTLINE_SMTP_HOST": "127.0.0.1", "HOTLINE_SMTP_PORT": str(port),
               "HOTLINE_CASE_SWEEP_SECONDS": "0", "HOTLINE_PUBLIC_URL": "https://hotline.example.org",
               "HOTLINE_STATUS_RATE_LIMIT": str(RATE), "HOTLINE_REST_CALLBACK_SECRET": SECRET,
               "HOTLINE_REST_CALLBACK_SECONDS": "0.2"}
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


def replied_case(server: CaseServer, contact: str, **extra: Any) -> dict[str, Any]:
    agent, boss, tax = server.client("agent1"), server.client("boss"), server.client("tax1")
    case = ok(agent.post("/api/cases", json={"conversation_id": CONVERSATION, "citizen_name": "陳小姐",
                                             "citizen_contact": contact, "consent": True, "agency": "財政部",
                                             "summary": "人：陳小姐 事：入帳查詢", **extra}), 201)
    ok(boss.post(f"/api/cases/{case['id']}/approve"))
    ok(boss.post(f"/api/cases/{case['id']}/dispatch"))
    ok(tax.post(f"/api/cases/{case['id']}/accept"))
    ok(tax.post(f"/api/cases/{case['id']}/reply", json={"text": "已於 11/30 補發，請查詢帳戶。"}))
    return case


def test_reply_reaches_the_citizen_by_email_and_the_status_page_shows_it(server: CaseServer) -> None:
    case = replied_case(server, "陳小姐 04-2222-3456", notify_channel="email", citizen_email="chen@example.com",
                        citizen_phone="04-2222-3456")
    mail = [m for m in server.mailbox.wait(3) if m["To"] == "chen@example.com"]
    assert len(mail) == 1 and "已於 11/30 補發" in mail[0].get_body().get_content()  # type: ignore[union-attr]
    public = httpx.Client(base_url=server.url)
    server.clients.append(public)
    assert public.get("/case-status").status_code == 200
    shown = ok(public.get("/api/case-status", params={"number": case["number"], "digits": "3456"}))
    assert shown == {"number": case["number"], "status": "相關機關已回覆", "reply": "已於 11/30 補發，請查詢帳戶。",
                     "survey_open": True}
    wrong = public.get("/api/case-status", params={"number": case["number"], "digits": "3457"})
    assert wrong.status_code == 404 and "陳小姐" not in wrong.text and "財政部" not in wrong.text
    ok(public.post("/api/case-status/survey", json={"number": case["number"], "digits": "3456", "score": 4,
                                                     "comment": "謝謝協助"}), 201)
    survey = server.rows("select score, comment, source, forwarded_at is not null from case_surveys")
    assert survey == [(4, "謝謝協助", "citizen", 1)]
    record = ok(server.client("boss").get(f"/api/cases/{case['id']}"))
    assert record["survey"]["score"] == 4 and record["survey"]["forwarded_at"] is not None
    assert [(n["channel"], n["kind"], n["address_masked"], n["sent_at"] is not None) for n in record["notices"]] == [
        ("email", "replied", "[email]", True)]
    agent = server.client("agent1")
    again = agent.post(f"/api/cases/{case['id']}/survey", json={"score": 5})
    assert again.status_code == 409 and again.headers["X-Error-Code"] == "already_surveyed"
    assert server.client("tax1").post(f"/api/cases/{case['id']}/survey", json={"score": 5}).status_code == 403


def test_the_status_page_is_rate_limited(server: CaseServer) -> None:
    public = httpx.Client(base_url=server.url)
    server.clients.append(public)
    codes = [public.get("/api/case-status", params={"number": "1151130-9999", "digits": f"{i:04d}"}).status_code
             for i in range(RATE + 2)]
    limited = codes.index(429)  # other tests of this module may have used part of this minute's budget
    assert 1 <= limited <= RATE and set(codes[:limited]) == {404} and set(codes[limited:]) == {429}
    refused = public.post("/api/case-status/survey", json={"number": "1151130-9999", "digits": "0000", "score": 5})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"


def test_supervisors_edit_agencies_and_others_cannot(server: CaseServer) -> None:
    boss, agent, tax = server.client("boss"), server.client("agent1"), server.client("tax1")
    names = [a["name"] for a in ok(agent.get("/api/agencies"))]
    assert {"原住民族委員會", "經濟部", "行政院新聞傳播處", "關貿網路股份有限公司", "財政部國庫署"} <= set(names)
    edited = ok(boss.patch("/api/agencies/經濟部", json={"contact_person": "林科長", "email": "lin@moea.example",
                                                       "extension": "5321"}))
    assert edited["email"] == "lin@moea.example" and edited["updated_by"] == "boss"
    assert boss.patch("/api/agencies/經濟部", json={"email": "nope"}).status_code == 422
    assert boss.patch("/api/agencies/不存在機關", json={"extension": "1"}).status_code == 404
    assert agent.patch("/api/agencies/經濟部", json={"extension": "1"}).status_code == 403
    assert tax.post("/api/agencies", json={"name": "新機關"}).status_code == 403
    ok(boss.post("/api/agencies", json={"name": "行政院主計總處", "email": "dgbas@example.gov"}), 201)


class Receiver(BaseHTTPRequestHandler):
    """A REST client's callback endpoint on loopback: the first post fails (503), so the retry is seen."""

    received: list[tuple[dict[str, str], bytes]] = []
    failures = 1

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if Receiver.failures > 0:
            Receiver.failures -= 1
            self.send_response(503)
        else:
            Receiver.received.append(({k: v for k, v in self.headers.items()}, body))
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


def test_a_rest_client_with_a_callback_url_receives_the_agent_reply(server: CaseServer) -> None:
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    sender = "rest-client-callback"
    try:
        first = ok(httpx.post(f"{server.url}/webhooks/rest/webhook", json={"sender": sender, "message": "/handoff_yes"}))
        assert first  # the bot's own answer comes back in the response
        ok(httpx.post(f"{server.url}/webhooks/rest/callback",
                      json={"sender": sender, "url": f"http://127.0.0.1:{receiver.server_port}/hook"}))
        agent = Agent(server.url, "agent1")
        try:
            agent.send(type="status", state="ready")
            agent.send(type="accept")
            conversation_id = agent.wait_type("assigned")["conversation_id"]
            agent.send(type="message", conversation_id=conversation_id, text="您好，我是客服人員，請問您的問題？")
            end = time.monotonic() + 15.0
            while time.monotonic() < end and not any("請問您的問題" in b.decode() for _, b in Receiver.received):
                time.sleep(0.1)
        finally:
            agent.close()
    finally:
        receiver.shutdown()
        receiver.server_close()
    texts = [json.loads(body)["text"] for _, body in Receiver.received]
    assert "您好，我是客服人員，請問您的問題？" in texts  # delivered after the first post failed (503) and was retried
    assert texts[0].startswith("客服人員 agent1 已加入對話")  # in order, after the retry
    headers, body = next((h, b) for h, b in Receiver.received if "請問您的問題" in b.decode())
    assert json.loads(body)["recipient_id"] == sender
    expected = hmac.new(SECRET.encode(), headers["X-Hotline-Timestamp"].encode() + b"." + body, hashlib.sha256)
    assert headers["X-Hotline-Signature"] == "sha256=" + expected.hexdigest()
    fetched = ok(httpx.get(f"{server.url}/webhooks/rest/messages", params={"sender": sender, "after": 0}))
    assert [m["text"] for m in fetched if m["sender"] == "agent"] == ["您好，我是客服人員，請問您的問題？"]
    assert httpx.get(f"{server.url}/webhooks/rest/messages", params={"sender": "nobody"}).status_code == 404


def test_spot_checks_are_recorded_and_scored_in_the_period_report(server: CaseServer) -> None:
    boss, agent = server.client("boss"), server.client("agent1")
    check = {"tester": "志工乙", "called_at": "2026-11-20T10:00:00+08:00", "agency": "衛生福利部",
             "reporting_agency": "經濟部", "replied_at": "2026-11-20T15:00:00+08:00", "score": 4}
    assert agent.post("/api/spot-checks", json=check).status_code == 403
    assert boss.post("/api/spot-checks", json={**check, "called_at": "2026-11-20T10:00:00"}).status_code == 422
    saved = ok(boss.post("/api/spot-checks", json=check), 201)
    assert saved["recorded_by"] == "boss" and saved["survey_at"] is None
    assert [c["tester"] for c in ok(boss.get("/api/spot-checks", params={"month": "2026-11"}))] == ["志工乙"]
    week = ok(boss.get("/api/reports/period", params={"kind": "week", "value": "2026-W47"}))
    scores = {row["agency"]: row for row in week["scores"]}
    assert scores["衛生福利部"]["spot_response_plus"] == 1 and scores["衛生福利部"]["points"] == 5
    assert scores["經濟部"]["spot_report_minus"] == 1 and scores["經濟部"]["points"] == -5  # no follow-up survey
    assert week["period"] == "week" and len(week["daily"]) == 7
    assert boss.get("/api/reports/period", params={"kind": "week", "value": "2026-47"}).status_code == 422
    assert agent.get("/api/reports/period", params={"kind": "day", "value": "2026-11-20"}).status_code == 403
    export = boss.get("/api/reports/period/export", params={"kind": "year", "value": "2026", "format": "csv"})
    assert export.status_code == 200 and "hotline-report-2026.csv" in export.headers["content-disposition"]
    assert "ranking,衛生福利部.points,5" in export.content.decode("utf-8-sig")
