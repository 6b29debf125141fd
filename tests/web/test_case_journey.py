"""Cases in the browser, against a real server and database: an agent records a case from the
console for the chat they hold; a supervisor approves and dispatches a case on /supervisor, the
agency user accepts and replies on /agency, the supervisor closes it and sees it closed; another
agency's user never sees it. axe-core checks both case pages."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, expect

from handoff.auth import hash_password
from tests.chat_client import login
from tests.conftest import OPEN_CLOCK
from tests.handoff.case_support import CONVERSATION, database, seed
from tests.servers import running_server
from tests.web.cases_web import new_context, staff_login  # noqa: F401  (new_context: a fixture)
from tests.web.support import AXE_JS, Console, Server, Widget, run_axe, serious

pytestmark = pytest.mark.slow
SUMMARY = "人：陳小姐 事：外籍配偶登記後未入帳 時：11/29 地：臺中 物：居留證"


@pytest.fixture(scope="module")
def case_server(kb_project: Path) -> Iterator[Server]:
    """A fresh chat database with staff, agency users (財政部: tax1, tax@mof.example; 內政部: moi1)
    and a chat agent1 handled."""
    path = kb_project / "var" / "web-cases.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = database(path)
    seed(db, hash_password("password1"))
    db.close()
    with running_server(kb_project, env={"HOTLINE_CLOCK": OPEN_CLOCK, "HOTLINE_DATABASE_URL": f"sqlite:///{path}"}) as url:
        yield Server(url, path)




def test_agent_records_a_case_for_the_active_chat(case_server: Server, new_context: Callable[..., BrowserContext],
                                                  artifacts: Path) -> None:
    console = Console(new_context().new_page(), case_server.url).login("agent2")
    widget = Widget(new_context().new_page(), case_server.url).visit().open()
    widget.ask("我想找真人客服")
    expect(widget.log).to_contain_text("轉接")  # a typed request for a person is handed off at once
    handoff = widget.button("真人客服").or_(widget.button("是，轉接真人客服")).first
    if handoff.count():  # (or, with another dialogue policy, after a confirming button)
        handoff.click()
    expect(console.queue_items).to_have_count(1)
    console.accept_next()
    page = console.page
    tools = page.locator("#case-tools")
    drawer = tools.locator("summary", has_text="建立後送案件")  # folded by default (the KB pane keeps its height)
    expect(drawer).to_be_visible()
    drawer.click()
    expect(tools.get_by_label("承辦機關（系統建議，可更改）")).not_to_have_value("")  # the server's suggestion

    tools.get_by_label("民眾姓名").fill("王先生")
    tools.get_by_label("聯絡方式").fill("0922333444")
    tools.get_by_label("問題概述（人、事、時、地、物）").fill("人：王先生 事：帳戶遭扣押能否入帳 時：今日")
    tools.get_by_role("button", name="建立後送案件").click()
    expect(tools.get_by_role("alert")).to_contain_text("須經民眾同意")  # consent is required
    tools.get_by_label("民眾同意將個人資料提供承辦機關處理（必要）").check()
    tools.get_by_label("緊急程度").select_option("urgent")
    tools.get_by_label("承辦機關（系統建議，可更改）").select_option("財政部")
    tools.get_by_role("button", name="建立後送案件").click()
    expect(tools.get_by_role("status")).to_contain_text("待督導核准")
    rows = case_server.wait_rows("select status, receiver, agency, urgency, consent, conversation_id, citizen_name "
                                 "from cases where receiver='agent2'")
    assert rows == [("draft", "agent2", "財政部", "urgent", 1, widget.conversation_id, "王先生")]
    expect(tools.get_by_role("list", name="我建立的案件")).to_contain_text("待核准")
    page.screenshot(path=str(artifacts / "cases-agent-form.png"), full_page=True)
    if AXE_JS.exists():
        assert serious(run_axe(page)) == [], "console with the case form"


def test_supervisor_approves_agency_accepts_and_replies_supervisor_closes(
        case_server: Server, new_context: Callable[..., BrowserContext], artifacts: Path) -> None:
    token = login(case_server.url, "agent1")
    created = httpx.post(f"{case_server.url}/api/cases", headers={"Authorization": f"Bearer {token}"}, json={
        "conversation_id": CONVERSATION, "citizen_name": "陳小姐", "citizen_contact": "0912345678", "consent": True,
        "summary": SUMMARY, "agency": "內政部"})
    assert created.status_code == 201, created.text
    number = created.json()["number"]

    boss = new_context().new_page()
    staff_login(boss, case_server.url, "/supervisor", "boss")
    cases = boss.locator("#panel-cases")
    cases.get_by_role("button", name=f"查看案件 {number}").click()
    detail = cases.locator(".case-detail")
    expect(detail.get_by_role("heading", name=f"案件 {number}")).to_be_visible()
    detail.get_by_label("承辦機關").select_option("財政部")  # corrected before approval
    detail.get_by_role("button", name="儲存修改").click()
    expect(cases.get_by_role("status").first).to_contain_text("已儲存修改")
    detail.get_by_role("button", name="核准", exact=True).click()
    expect(cases.get_by_role("status").first).to_contain_text("已核准")
    detail.get_by_role("button", name="派送", exact=True).click()
    expect(cases.get_by_role("status").first).to_contain_text("已派送")
    expect(detail).to_contain_text("受理期限")
    boss.screenshot(path=str(artifacts / "cases-supervisor.png"), full_page=True)
    if AXE_JS.exists():
        assert serious(run_axe(boss)) == [], "supervisor cases tab with a case open"

    other = new_context().new_page()
    staff_login(other, case_server.url, "/agency", "moi1")
    expect(other.get_by_role("table")).to_be_visible()
    expect(other.get_by_role("button", name=f"查看案件 {number}")).to_have_count(0)  # 財政部's case

    agency = new_context().new_page()
    staff_login(agency, case_server.url, "/agency", "tax1")
    expect(agency.get_by_role("list", name="通知清單")).to_contain_text(f"後送案件 {number} 已派送給財政部")
    agency.get_by_role("button", name=f"查看案件 {number}").click()
    agency.get_by_role("button", name="受理", exact=True).click()
    expect(agency.get_by_role("status").first).to_contain_text("已受理")
    expect(agency.locator(".case-detail")).to_contain_text("回覆民眾期限")
    agency.get_by_label("回覆民眾內容").fill("已協助查明並電話告知陳小姐，預計下週入帳。")
    agency.get_by_role("button", name="送出回覆").click()
    expect(agency.get_by_role("status").first).to_contain_text("已回覆民眾")
    agency.screenshot(path=str(artifacts / "cases-agency.png"), full_page=True)
    if AXE_JS.exists():
        assert serious(run_axe(agency)) == [], "agency page with a replied case"

    cases.get_by_role("button", name="重新整理").click()
    expect(cases.get_by_role("list", name="通知清單")).to_contain_text(f"財政部 已回覆民眾（案件 {number}）")
    cases.get_by_role("button", name=f"查看案件 {number}").click()
    expect(detail).to_contain_text("已協助查明並電話告知陳小姐")
    detail.get_by_role("button", name="結案", exact=True).click()
    expect(cases.get_by_role("status").first).to_contain_text("已結案")
    row = cases.get_by_role("row").filter(has=boss.get_by_role("button", name=f"查看案件 {number}"))
    expect(row).to_contain_text("已結案")
    assert case_server.wait_rows("select status, closed_by, accepted_by from cases where number=?", number) == [
        ("closed", "boss", "tax1")]

    # The month's report counts the case for 財政部: accepted, replied within 24 h (+10 points).
    boss.get_by_role("tab", name="月報表").click()
    report = boss.get_by_role("tabpanel", name="月報表")
    report.get_by_label("月份").fill(OPEN_CLOCK[:7])
    report.get_by_role("button", name="產生報表").click()
    expect(report.get_by_role("status")).to_contain_text(f"{OPEN_CLOCK[:7]} 月報表")
    by_agency = report.get_by_role("table", name="後送案件（依機關）")
    expect(by_agency.get_by_role("row", name="財政部")).to_contain_text("10")
    boss.screenshot(path=str(artifacts / "cases-report.png"), full_page=True)
