"""The contact-centre floor in real browsers (issue 13): agent states and no made-up waits, the live
wallboard, callbacks as work, records and their export, and layout facts of the staff pages.
Every step saves a screenshot: tests/artifacts/floor-<test>-<nn>-<step>.png."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook
from playwright.sync_api import BrowserContext, Page, expect

from tests.chat_client import Agent, Citizen, login
from tests.web.support import Console, Server, Widget

pytestmark = pytest.mark.slow
QUESTION = "我家的貓可以領嗎"
NUMBER = re.compile(r"\d{7}-\d{4}")


class Shots:
    """One screenshot per step, numbered in order."""

    def __init__(self, artifacts: Path, name: str) -> None:
        self.artifacts, self.name, self.count = artifacts, name, 0

    def __call__(self, page: Page, step: str) -> None:
        self.count += 1
        page.screenshot(path=self.artifacts / f"floor-{self.name}-{self.count:02d}-{step}.png")


def set_status(console: Console, state: str, reason: str | None = None) -> None:
    console.page.get_by_label("切換狀態").select_option(state)
    if reason:
        console.page.get_by_label("休息原因").select_option(reason)
    console.page.get_by_role("button", name="套用").click()


def staff_login(page: Page, url: str, path: str, username: str) -> None:
    page.goto(url + path)
    page.wait_for_load_state("networkidle")  # the page's modules have bound the login form
    page.get_by_label("帳號", exact=True).fill(username)
    page.get_by_label("密碼", exact=True).fill("password1")
    page.get_by_role("button", name="登入").click()
    expect(page.locator("#login-view")).to_be_hidden()


def handled_chat(url: str, agent_name: str, summary: str) -> str:
    """A chat queued, answered and closed with a 表1 wrap-up over the sockets; returns its number."""
    citizen = Citizen(url)
    citizen.say(QUESTION)
    citizen.send(type="message", text="/handoff_yes")
    number = citizen.wait_type("state", state="queued")["number"]
    agent = Agent(url, agent_name)
    agent.send(type="status", state="ready")
    agent.send(type="accept")
    conversation_id = agent.wait_for(lambda f: f.get("type") == "assigned"
                                     and f["conversation_id"] == citizen.conversation_id)["conversation_id"]
    agent.send(type="message", conversation_id=conversation_id, text="您好，寵物不在發放對象內喔。", client_id="r1")
    agent.wait_type("ack")
    agent.send(type="close", conversation_id=conversation_id, wrapup={
        "category": "發放對象與資格", "summary": summary, "answer": "寵物不在發放對象內",
        "citizen_name": "林小姐", "citizen_phone": "0922333444", "faq_needed": False})
    agent.wait_type("closed")
    agent.close()
    citizen.close()
    return str(number)


def test_agent_on_break_gets_no_chat_and_the_citizen_is_offered_a_callback(
        open_server: Server, new_context: Callable[..., BrowserContext], artifacts: Path) -> None:
    shot = Shots(artifacts, "break")
    console = Console(new_context().new_page(), open_server.url).login("agent1")
    expect(console.page.locator("#status-now")).to_have_text("就緒")
    set_status(console, "break", "用餐")
    expect(console.page.locator("#status-now")).to_have_text("休息（用餐）")
    shot(console.page, "agent-on-break")

    widget = Widget(new_context().new_page(), open_server.url).visit().open()
    widget.ask(QUESTION)
    widget.button("真人客服").click()
    expect(widget.queue).to_contain_text("目前沒有客服人員可以立即為您服務")
    expect(widget.queue).not_to_contain_text("分鐘")  # never a made-up wait
    form = widget.log.get_by_role("form", name="留言請專人回電")
    expect(form).to_be_visible()
    expect(widget.panel.get_by_role("button", name="離開排隊")).to_be_visible()
    shot(widget.page, "citizen-told-no-agent")

    expect(console.queue_items).to_have_count(1)
    expect(console.accept_button).to_be_disabled()  # on a break: no chat
    shot(console.page, "queue-but-no-accept")
    agent = Agent(open_server.url, "agent1")  # the server refuses too, whatever the page shows
    agent.send(type="accept")
    assert agent.wait_type("error")["code"] == "not_ready"
    agent.close()

    form.get_by_label("姓名").fill("王小明")
    form.get_by_label("聯絡電話").fill("0912-345-678")
    form.get_by_label("問題說明").fill("想問寵物能不能領普發現金")
    form.get_by_label("我同意提供聯絡資料供回電使用").check()
    form.get_by_role("button", name="送出回電需求").click()
    expect(widget.log).to_contain_text(re.compile(r"已收到您的回電需求（編號 \d{7}-\d{4}）"))
    expect(console.queue_items).to_have_count(0)  # a callback instead: out of the queue at once
    shot(widget.page, "callback-taken")
    rows = open_server.wait_rows("SELECT number, status FROM callbacks WHERE conversation_id = ?",
                                 widget.conversation_id)
    assert len(rows) == 1 and NUMBER.fullmatch(rows[0][0]) and rows[0][1] == "open"
    set_status(console, "ready")
    expect(console.page.locator("#status-now")).to_have_text("就緒")
    shot(console.page, "agent-ready-again")


def test_wallboard_updates_live_while_a_citizen_queues_and_an_agent_answers(
        open_server: Server, new_context: Callable[..., BrowserContext], artifacts: Path) -> None:
    shot = Shots(artifacts, "wallboard")
    board = new_context(viewport={"width": 1440, "height": 900}).new_page()
    staff_login(board, open_server.url, "/supervisor", "boss")
    board.get_by_role("tab", name="即時看板").click()
    expect(board.get_by_text("即時更新中")).to_be_visible()
    expect(board.locator("#wb-waiting")).to_have_text("0")
    answered = board.locator("#wb-bands + p")
    expect(answered).to_contain_text("今日已接聽")
    before = int(re.search(r"今日已接聽 (\d+)", answered.inner_text()).group(1))  # type: ignore[union-attr]
    shot(board, "empty-floor")

    console = Console(new_context().new_page(), open_server.url).login("agent2")
    expect(board.locator("#wb-agents tr[data-agent=agent2]")).to_contain_text("就緒")
    widget = Widget(new_context().new_page(), open_server.url).visit().open()
    widget.ask(QUESTION)
    widget.button("真人客服").click()
    expect(board.locator("#wb-waiting")).to_have_text("1")  # pushed, no reload
    expect(board.locator("#wb-longest")).not_to_have_text("—")
    shot(board, "citizen-waiting")

    chat = console.accept_next()
    reply = chat.get_by_label("回覆民眾")
    reply.fill("您好，我是 agent2，很高興為您服務。")
    reply.press("Enter")
    expect(board.locator("#wb-waiting")).to_have_text("0")
    expect(answered).to_contain_text(f"今日已接聽 {before + 1} 通")
    expect(board.locator("#wb-bands")).to_contain_text("≤7 秒")
    shot(board, "answered")

    set_status(console, "break", "會議")
    expect(board.locator("#wb-agents tr[data-agent=agent2]")).to_contain_text("休息")
    expect(board.locator("#wb-agents tr[data-agent=agent2]")).to_contain_text("會議")
    shot(board, "agent-on-break")
    set_status(console, "ready")


def test_callback_is_claimed_attempted_and_closed(open_server: Server, new_context: Callable[..., BrowserContext],
                                                  artifacts: Path) -> None:
    shot = Shots(artifacts, "callbacks")
    citizen = Citizen(open_server.url)
    citizen.send(type="callback", name="陳大文", phone="0911222333", question="回電測試：何時入帳", consent=True,
                 client_id="cb")
    citizen.wait_type("ack")
    citizen.close()

    page = new_context().new_page()
    staff_login(page, open_server.url, "/callbacks", "agent1")
    item = page.locator(".cb-item", has_text="回電測試：何時入帳")
    expect(item).to_contain_text("待處理")
    expect(item.locator(".cb-number")).to_have_text(NUMBER)
    shot(page, "listed")
    item.get_by_role("button", name="認領").click()
    expect(item).to_contain_text("處理中（agent1）")
    shot(page, "claimed")
    item.get_by_label("通話結果").select_option("no_answer")
    item.get_by_label("備註").fill("響鈴無人接")
    item.get_by_role("button", name="記錄通話").click()
    expect(item).to_contain_text("待處理")  # back in the queue, due again later
    expect(item.get_by_role("list", name="通話紀錄")).to_contain_text("未接聽（響鈴無人接）")
    shot(page, "no-answer")
    item.get_by_role("button", name="認領").click()
    item.get_by_label("通話結果").select_option("reached")
    item.get_by_role("button", name="記錄通話").click()
    expect(item.get_by_role("list", name="通話紀錄")).to_contain_text("已聯繫")
    item.get_by_role("button", name="結案").click()
    expect(item).to_have_count(0)  # the default list is the open work
    page.get_by_label("顯示").select_option("closed")
    expect(item).to_contain_text("已結案")
    shot(page, "closed")
    number = item.locator(".cb-number").inner_text()
    rows = open_server.rows("SELECT c.status, c.closed_by, count(a.id) FROM callbacks c JOIN callback_attempts a "
                            "ON a.callback_id = c.id WHERE c.number = ? GROUP BY c.id", number)
    assert rows == [("closed", "agent1", 2)]
    item.get_by_role("button", name="重新開啟").click()
    expect(item).to_have_count(0)  # no longer among the closed ones
    page.get_by_label("顯示").select_option("")
    expect(item).to_contain_text("待處理")
    assert open_server.rows("SELECT status FROM callbacks WHERE number = ?", number) == [("open",)]
    shot(page, "reopened")


def test_record_is_found_opened_and_exported(open_server: Server, new_context: Callable[..., BrowserContext],
                                             artifacts: Path) -> None:
    shot = Shots(artifacts, "records")
    number = handled_chat(open_server.url, "agent2", "人：林小姐　事：詢問寵物可否領取")
    page = new_context().new_page()
    staff_login(page, open_server.url, "/records", "boss")
    page.get_by_label("編號").fill(number)
    page.get_by_role("button", name="搜尋").click()
    row = page.locator("#rec-rows tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(number)
    expect(row).to_contain_text("林小姐")
    shot(page, "found")
    row.get_by_role("button", name=f"開啟 {number}").click()
    detail = page.locator("#rec-detail")
    expect(detail).to_contain_text("寵物不在發放對象內喔")
    expect(detail).to_contain_text("發放對象與資格")
    shot(page, "opened")

    with page.expect_download() as download:
        page.get_by_role("button", name="匯出 CSV").click()
    table = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert table[0][:4] == ["編號", "受話時間", "民眾姓名", "聯絡電話"]
    assert [r[0] for r in table[1:]] == [number] and table[1][2:4] == ["林小姐", "0922333444"]
    with page.expect_download() as download:
        page.get_by_role("button", name="匯出 Excel").click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert sheet["A1"].value == "編號" and sheet["A2"].value == number and sheet["G2"].value == "agent2"

    # role-scoped: an agent who did not handle it finds nothing
    mine = httpx.get(f"{open_server.url}/api/records", params={"number": number},
                     headers={"Authorization": f"Bearer {login(open_server.url, 'agent1')}"}).json()
    assert mine == []


def test_layout_tab_bar_and_kb_results_get_their_space(open_server: Server,
                                                       new_context: Callable[..., BrowserContext],
                                                       artifacts: Path) -> None:
    shot = Shots(artifacts, "layout")
    sup = new_context().new_page()
    staff_login(sup, open_server.url, "/supervisor", "boss")
    tabs = sup.get_by_role("tablist", name="督導功能")
    expect(tabs).to_be_visible()
    bar = tabs.bounding_box()
    assert bar is not None and bar["height"] <= 56, f"tab bar {bar}"  # one row of tabs, not tall boxes
    tops = {round(t.bounding_box()["y"]) for t in tabs.get_by_role("tab").all()}  # type: ignore[index]
    assert len(tops) == 1, f"tabs wrap onto {len(tops)} rows"
    shot(sup, "supervisor-tabs")

    citizen = Citizen(open_server.url)
    citizen.send(type="message", text="/handoff_yes")
    citizen.wait_type("state", state="queued")
    console = Console(new_context(viewport={"width": 1920, "height": 1080}).new_page(), open_server.url).login("agent1")
    set_status(console, "ready")
    console.accept_next()
    console.page.get_by_role("searchbox", name="搜尋知識庫").fill("ATM 領現")
    console.page.get_by_role("button", name="搜尋", exact=True).click()
    expect(console.page.locator("#kb-status")).not_to_be_empty()
    expect(console.page.locator("#case-tools")).to_be_visible()  # a chat is open: the case form is there, folded
    listed = console.page.get_by_role("list", name="知識庫搜尋結果")
    height = listed.evaluate("node => node.clientHeight")
    assert height >= 400, f"KB results get only {height}px"  # was about one line beside the case form
    shot(console.page, "kb-results-1920")
    console.page.locator("#case-tools summary").click()  # the case form opens on demand
    expect(console.page.locator("#case-citizen-name")).to_be_visible()
    shot(console.page, "case-form-open")
    citizen.close()


def test_wallboard_socket_is_for_supervisors_only(open_server: Server) -> None:
    from websockets.exceptions import ConnectionClosed

    from tests.chat_client import Client, staff_subprotocols

    ws_url = open_server.url.replace("http", "ws") + "/ws/wallboard"
    board = Client(ws_url, staff_subprotocols(login(open_server.url, "boss")))
    frame = board.wait_type("wallboard")
    assert {"waiting", "answer_bands", "agents_by_state", "open_callbacks"} <= set(frame)
    # the board only listens: whatever a client sends (binary, 10 KB, huge numbers) is ignored and
    # the pushes go on (a binary frame used to end the socket without a close frame)
    for hostile in (b"\x00\xff" * 5000, "x" * 10_000, '{"type": "explode", "seq": ' + "9" * 40 + "}"):
        board.ws.send(hostile)
    assert board.wait_type("wallboard")["waiting"] == frame["waiting"]
    board.close()
    for subprotocols, code in ((staff_subprotocols(login(open_server.url, "agent1")), 4403), (None, 4401)):
        refused = Client(ws_url, subprotocols)
        with pytest.raises(ConnectionClosed) as closed:
            refused.ws.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == code
    assert httpx.get(f"{open_server.url}/api/wallboard",
                     headers={"Authorization": f"Bearer {login(open_server.url, 'agent1')}"}).status_code == 403


STAFF_PAGES = {"/agent": "客服人員登入", "/supervisor": "督導登入", "/engineer": "語意工程師登入", "/agency": "承辦機關登入",
               "/callbacks": "客服人員／督導登入", "/records": "客服人員／督導登入"}


def test_z_every_staff_page_has_the_one_shell(open_server: Server, new_context: Callable[..., BrowserContext]) -> None:
    """Each staff page shows the shared login (its own heading), refuses an account of another role
    with its own words, and the floor pages take over a supervisor's login from one another."""
    page = new_context().new_page()
    for path, heading in STAFF_PAGES.items():
        page.goto(open_server.url + path)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        expect(page.get_by_label("帳號", exact=True)).to_be_focused()
        expect(page.locator("#session")).to_be_hidden()
    page.goto(open_server.url + "/agency")
    page.get_by_label("帳號", exact=True).fill("agent1")
    page.get_by_label("密碼", exact=True).fill("password1")
    page.get_by_role("button", name="登入").click()
    expect(page.get_by_role("alert").filter(has_text="這個帳號不是承辦機關帳號。")).to_be_visible()
    page.goto(open_server.url + "/records")
    page.get_by_label("帳號", exact=True).fill("boss")
    page.get_by_label("密碼", exact=True).fill("password1")
    page.get_by_role("button", name="登入").click()
    expect(page.locator("#who")).to_have_text("boss（督導）")
    page.get_by_role("link", name="回電工作").click()
    expect(page.locator("#who")).to_have_text("boss（督導）")
    expect(page.get_by_role("heading", name="客服人員／督導登入")).to_be_hidden()
    page.get_by_role("button", name="登出").click()
    expect(page.get_by_role("heading", name="客服人員／督導登入")).to_be_visible()
