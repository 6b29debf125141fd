"""Agencies as data in the browser, against a real server, database and SMTP server (aiosmtpd): a
supervisor edits 財政部's contact on the 機關 tab; the deadline sweep then escalates a 財政部 case
that was reminded twice, and the escalation e-mail goes to the address just entered. Also the
public case-status page: a citizen looks up a replied case and rates it."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect
from sqlalchemy import insert

from handoff.auth import hash_password
from handoff.cases.deadlines import accept_due, step_key
from handoff.storage.schema import case_events, cases
from tests.chat_client import Agent, login
from tests.conftest import OPEN_CLOCK
from tests.handoff.case_support import Mailbox, database, seed, smtp_server
from tests.servers import running_server
from tests.web.cases_web import new_context, staff_login  # noqa: F401  (new_context: a fixture)
from tests.web.support import AXE_JS, Server, Widget, run_axe, serious

pytestmark = pytest.mark.slow
OVERDUE = "1151128-0007"
REPLIED = "1151129-0003"
NEW_CONTACT = "window.new@mof.example"


@pytest.fixture(scope="module")
def served(kb_project: Path) -> Iterator[tuple[Server, Mailbox]]:
    """A 財政部 case dispatched 40 h before the server's clock and already reminded twice (the next
    sweep escalates it), and a replied case for the status page."""
    path = kb_project / "var" / "web-agency-contact.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = database(path)
    seed(db, hash_password("password1"))
    clock = datetime.fromisoformat(OPEN_CLOCK).timestamp()
    dispatched = clock - 40 * 3600
    due = accept_due(dispatched)

    def write(c: object) -> None:
        case_id = c.execute(insert(cases).values(  # type: ignore[attr-defined]
            number=OVERDUE, status="dispatched", urgency="normal", receiver="agent1", received_at=dispatched,
            citizen_name="林先生", citizen_contact="0922000000", consent=True, summary="逾期未受理的案件",
            agency="財政部", dispatched_at=dispatched, general_answer=False, reminders=2, created_at=dispatched,
            updated_at=dispatched)).inserted_primary_key[0]
        for stage, at in (("overdue-1", due), ("overdue-2", due + 4 * 3600)):
            c.execute(insert(case_events).values(  # type: ignore[attr-defined]
                case_id=case_id, at=at, actor="system", action="reminder", note=f"{step_key('accept', due, stage)} 催辦"))
        c.execute(insert(cases).values(  # type: ignore[attr-defined]
            number=REPLIED, status="replied", urgency="normal", receiver="agent1", received_at=clock - 20 * 3600,
            citizen_name="陳小姐", citizen_contact="0912-345-678", citizen_phone="0912-345-678", notify_channel="sms",
            consent=True, summary="入帳查詢", agency="內政部", dispatched_at=clock - 19 * 3600,
            accepted_at=clock - 18 * 3600, replied_at=clock - 2 * 3600, reply_text="已補登，11/30 入帳。",
            general_answer=False, reminders=0, created_at=clock, updated_at=clock))

    db.write_sync(write)
    db.close()
    with smtp_server() as (mailbox, port):
        env = {"HOTLINE_CLOCK": OPEN_CLOCK, "HOTLINE_DATABASE_URL": f"sqlite:///{path}", "HOTLINE_SMTP_HOST": "127.0.0.1",
               "HOTLINE_SMTP_PORT": str(port), "HOTLINE_CASE_SWEEP_SECONDS": "0"}
        with running_server(kb_project, env=env) as url:
            yield Server(url, path), mailbox


def test_supervisor_edits_the_contact_and_the_escalation_goes_there(
        served: tuple[Server, Mailbox], new_context: Callable[..., BrowserContext], artifacts: Path) -> None:
    server, mailbox = served
    boss = new_context().new_page()
    staff_login(boss, server.url, "/supervisor", "boss")
    boss.get_by_role("tab", name="機關").click()
    panel = boss.get_by_role("tabpanel", name="機關")
    row = panel.get_by_role("row").filter(has=boss.get_by_role("rowheader", name="財政部", exact=True))
    expect(row).to_have_count(1)
    row.get_by_label("財政部 聯絡人").fill("王科長")
    row.get_by_label("財政部 電子郵件").fill(NEW_CONTACT)
    row.get_by_label("財政部 電話／分機").fill("02-2322-8000#123")
    row.get_by_role("button", name="儲存 財政部").click()
    expect(panel.get_by_role("row").filter(has=boss.get_by_role("rowheader", name="財政部", exact=True))).to_contain_text("boss")
    assert server.wait_rows("select contact_person, email, extension, updated_by from agencies where name='財政部' "
                            "and updated_by is not null") == [("王科長", NEW_CONTACT, "02-2322-8000#123", "boss")]
    boss.screenshot(path=str(artifacts / "agencies-tab.png"), full_page=True)
    if AXE_JS.exists():
        assert serious(run_axe(boss)) == [], "supervisor agencies tab"

    boss.get_by_role("tab", name="後送案件").click()
    boss.get_by_role("tabpanel", name="後送案件").get_by_role("button", name="立即檢查期限").click()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not any(NEW_CONTACT in e.rcpt_tos for e in mailbox.envelopes):
        time.sleep(0.1)
    sent = [m for e, m in zip(mailbox.envelopes, mailbox.messages) if NEW_CONTACT in e.rcpt_tos]
    assert len(sent) == 1 and OVERDUE in sent[0]["Subject"] and "經催辦兩次仍未受理" in sent[0]["Subject"]
    assert server.wait_rows("select escalated_at is not null from cases where number=?", OVERDUE) == [(1,)]


def test_a_citizen_looks_up_a_replied_case_and_rates_it(
        served: tuple[Server, Mailbox], new_context: Callable[..., BrowserContext], artifacts: Path) -> None:
    server, _ = served
    page = new_context().new_page()
    page.goto(server.url + "/case-status")
    page.get_by_label("案號").fill(REPLIED)
    page.get_by_label("電話末四碼").fill("5679")
    page.get_by_role("button", name="查詢").click()
    expect(page.get_by_role("alert")).to_contain_text("查無此案件")
    page.get_by_label("電話末四碼").fill("5678")
    page.get_by_role("button", name="查詢").click()
    expect(page.locator("#r-status")).to_have_text("相關機關已回覆")
    expect(page.locator("#r-reply")).to_have_text("已補登，11/30 入帳。")
    expect(page.locator("#result")).not_to_contain_text("陳小姐")
    page.get_by_label("滿意", exact=True).check()
    page.get_by_label("回饋意見（選填）").fill("謝謝幫忙")
    page.get_by_role("button", name="送出評分").click()
    expect(page.get_by_role("status")).to_contain_text("謝謝您的評分")
    page.screenshot(path=str(artifacts / "case-status.png"), full_page=True)
    assert server.wait_rows("select score, comment, source from case_surveys") == [(4, "謝謝幫忙", "citizen")]
    if AXE_JS.exists():
        assert serious(run_axe(page)) == [], "public case-status page"


def test_the_chat_survey_takes_a_comment_that_reaches_the_report(
        served: tuple[Server, Mailbox], new_context: Callable[..., BrowserContext], artifacts: Path) -> None:
    server, _ = served
    widget = Widget(new_context().new_page(), server.url).visit().open()
    widget.ask("我想找真人客服")
    expect(widget.log).to_contain_text("轉接")
    handoff = widget.button("真人客服").or_(widget.button("是，轉接真人客服")).first
    if handoff.count():
        handoff.click()
    agent = Agent(server.url, "agent2")
    try:
        agent.send(type="status", state="ready")
        agent.send(type="accept")
        conversation_id = agent.wait_type("assigned")["conversation_id"]
        agent.send(type="close", conversation_id=conversation_id, wrapup={})
        survey = widget.log.get_by_role("group", name="請為本次服務評分")
        expect(survey.get_by_role("button")).to_have_count(5)
        survey.get_by_label("回饋意見（選填）").fill("客服很有耐心，謝謝")
        widget.page.screenshot(path=str(artifacts / "widget-survey-comment.png"))
        survey.get_by_role("button", name="滿意", exact=True).click()
        assert server.wait_rows("select score, comment from surveys where conversation_id=?", conversation_id) == [
            (4, "客服很有耐心，謝謝")]
    finally:
        agent.close()
    boss = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {login(server.url, 'boss')}"})
    with boss:
        created = server.rows("select created_at from conversations where id=?", conversation_id)[0][0]
        day = datetime.fromtimestamp(created, ZoneInfo("Asia/Taipei")).date().isoformat()
        report = boss.get("/api/reports/period", params={"kind": "day", "value": day}).json()
    assert {"source": "chat", "score": 4, "reference": conversation_id, "comment": "客服很有耐心，謝謝"}.items() <= \
        next(c for c in report["comments"] if c["reference"] == conversation_id).items()
