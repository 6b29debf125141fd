"""The whole journey in two browsers: the bot cannot help, the citizen asks for a person, an agent
takes the chat in the console, answers from the KB, closes with a wrap-up; the citizen rates it."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, expect

from tests.chat_client import Citizen
from tests.web.support import Console, Server, Widget

QUESTION = "我家的貓可以領嗎"


def test_b_citizen_to_agent_and_back(open_server: Server, new_context: Callable[..., BrowserContext],
                                     artifacts: Path) -> None:
    widget = Widget(new_context().new_page(), open_server.url).visit().open()
    widget.ask(QUESTION)
    human = widget.button("真人客服")
    expect(human).to_be_visible()
    human.click()
    expect(widget.log).to_contain_text("正在為您轉接真人文字客服")
    expect(widget.queue).to_contain_text("第 1 位")
    widget.page.screenshot(path=artifacts / "widget-queued-desktop.png")
    conversation_id = widget.conversation_id
    # the payload's echo is shown as the button title, never as "/handoff_yes"
    expect(widget.log.locator(".hl-msg--citizen .hl-bubble").last).to_have_text("真人客服")
    expect(widget.log).not_to_contain_text("/handoff_yes")

    console = Console(new_context().new_page(), open_server.url).login("agent1")
    expect(console.queue_items).to_have_count(1)
    expect(console.queue_items.first).to_contain_text(QUESTION)
    expect(console.queue_items.first).to_contain_text(re.compile("已等候 0:0[0-9]"))
    chat = console.accept_next()
    transcript = chat.get_by_role("log")
    expect(transcript).to_contain_text(QUESTION)  # the bot part of the conversation came along
    expect(chat).to_contain_text(conversation_id)
    expect(widget.queue).to_be_hidden()
    expect(widget.log).to_contain_text("客服人員 agent1 已加入對話")

    results = console.search_kb("ATM 領現")
    first = results.first
    question = first.get_by_role("heading").inner_text()
    answer = first.locator(".kb-answer").inner_text()
    first.get_by_role("button", name=f"插入答案：{question}").click()
    reply = chat.get_by_label("回覆民眾")
    expect(reply).to_have_value(answer)
    expect(chat).to_contain_text("引用知識庫")
    console.page.screenshot(path=artifacts / "console-chat-desktop.png")
    reply.press("Enter")
    expect(reply).to_have_value("")
    expect(transcript.locator(".msg--agent")).to_contain_text(answer[:30])
    expect(widget.log.locator(".hl-msg--agent .hl-bubble")).to_contain_text(answer[:30])

    chat.get_by_role("button", name="結案", exact=True).click()
    chat.get_by_label("問題類別").select_option("ATM領現")
    chat.get_by_label("摘要（人、事、時、地、物）").fill("人：民眾　事：詢問寵物可否領取，已說明 ATM 領現期間")
    chat.get_by_label("需要立案後續追蹤").check()
    chat.get_by_role("button", name="結案並送出").click()
    expect(chat).to_contain_text("對話已結案")
    expect(console.tabs.first).to_contain_text("已結束")

    survey = widget.log.get_by_role("group", name="請為本次服務評分")
    expect(survey.get_by_role("button")).to_have_count(5)
    widget.page.screenshot(path=artifacts / "widget-survey-desktop.png")
    survey.get_by_role("button", name="非常滿意").click()
    expect(widget.log).to_contain_text("謝謝您的來電")
    new_chat = widget.panel.get_by_role("button", name="開始新的對話")
    expect(new_chat).to_be_visible()

    assert open_server.wait_rows("SELECT score FROM surveys WHERE conversation_id = ?", conversation_id) == [(5,)]
    wrapups = open_server.rows("SELECT agent, category, summary, case_needed FROM wrapups WHERE conversation_id = ?",
                               conversation_id)
    assert len(wrapups) == 1 and wrapups[0][:2] == ("agent1", "ATM領現") and wrapups[0][3] == 1
    agent_rows = open_server.rows("SELECT text, payload, agent FROM messages WHERE conversation_id = ? "
                                  "AND sender = 'agent'", conversation_id)
    assert len(agent_rows) == 1
    text, payload, agent = agent_rows[0]
    assert text == answer.strip() and agent == "agent1"
    assert json.loads(payload)["kb_id"] == first.locator(".kb-meta").inner_text().rsplit("・", 1)[-1]
    state = open_server.rows("SELECT state, outcome FROM conversations WHERE id = ?", conversation_id)
    assert state == [("closed", "agent_resolved")]

    # a new conversation starts from scratch
    new_chat.click()
    expect(widget.log.locator(".hl-msg")).to_have_count(1)
    expect(widget.log).to_contain_text("很高興為您服務")
    widget.page.wait_for_function("id => JSON.parse(localStorage.getItem('hotline.chat.v1') || '{}')"
                                  ".conversation_id !== id", arg=conversation_id)


def test_b_transfer_to_another_agent(open_server: Server, new_context: Callable[..., BrowserContext],
                                     artifacts: Path) -> None:
    widget = Widget(new_context().new_page(), open_server.url).visit().open()
    widget.ask(QUESTION)
    widget.button("真人客服").click()
    expect(widget.queue).to_contain_text("第 1 位")
    first = Console(new_context().new_page(), open_server.url).login("agent1")
    second = Console(new_context().new_page(), open_server.url).login("agent2")
    chat = first.accept_next()
    header = widget.panel.locator("#hl-subtitle")
    expect(header).to_contain_text("agent1")
    widget.page.screenshot(path=artifacts / "transfer-01-first-agent.png")
    chat.get_by_label("轉接給（客服帳號）").fill("agent2")
    chat.get_by_role("button", name="轉接", exact=True).click()
    expect(chat).to_contain_text("已轉接給其他客服人員")
    expect(second.tabs).to_have_count(1)
    taken = second.active_panel()
    expect(taken).to_contain_text("由 agent1 轉接")
    expect(taken.get_by_role("log")).to_contain_text(QUESTION)
    expect(widget.log).to_contain_text("已為您轉接給客服人員 agent2")
    expect(header).to_contain_text("真人文字客服 agent2 為您服務")  # the citizen's header names the new agent
    expect(header).not_to_contain_text("agent1")
    widget.page.screenshot(path=artifacts / "transfer-02-header-names-agent2.png")
    reply = taken.get_by_label("回覆民眾")
    reply.fill("您好，我是 agent2，寵物不在發放對象內喔。")
    taken.get_by_role("button", name="送出", exact=True).click()
    expect(widget.log.locator(".hl-msg--agent")).to_contain_text("寵物不在發放對象內")
    taken.get_by_role("button", name="結案", exact=True).click()
    taken.get_by_label("問題類別").select_option("發放對象與資格")
    taken.get_by_role("button", name="結案並送出").click()
    expect(taken).to_contain_text("對話已結案")
    assert open_server.wait_rows("SELECT agent FROM wrapups WHERE conversation_id = ?",
                                 widget.conversation_id) == [("agent2",)]


def test_queue_wait_is_labelled_by_the_answer_speed_standard(open_server: Server,
                                                             new_context: Callable[..., BrowserContext],
                                                             artifacts: Path) -> None:
    """≤7 s 最佳 (green), ≤15 s 次佳 (amber), 16–30 s 偏慢, ≥31 s 最差 (red): a text label, not colour
    alone, counted up every second on the client (a fake clock here, so no waiting)."""
    console_page = new_context().new_page()
    console_page.clock.install()
    console = Console(console_page, open_server.url).login("agent1")
    widget = Widget(new_context().new_page(), open_server.url).visit().open()
    widget.ask(QUESTION)
    widget.button("真人客服").click()
    entry = console.queue_items.first
    expect(entry.locator(".speed")).to_have_text("最佳")
    expect(entry).to_have_class(re.compile("queue-item--best"))
    for seconds, label, key in ((10, "次佳", "good"), (10, "偏慢", "slow"), (15, "最差", "worst")):
        console_page.clock.run_for(seconds * 1000)
        expect(entry.locator(".speed")).to_have_text(label)
        expect(entry).to_have_class(re.compile(f"queue-item--{key}"))
    console_page.screenshot(path=artifacts / "console-queue-desktop.png")
    # leave the queue empty for the next test
    chat = console.accept_next()
    chat.get_by_role("button", name="結案", exact=True).click()
    chat.get_by_label("問題類別").select_option("其他")
    chat.get_by_role("button", name="結案並送出").click()
    expect(chat).to_contain_text("對話已結案")


def test_a_long_queue_shows_its_head_and_how_many_wait(open_server: Server,
                                                       new_context: Callable[..., BrowserContext],
                                                       artifacts: Path) -> None:
    """The agents' queue view carries the first 50 in line and the total (a view of every waiting
    citizen to every agent on every change closed the agents' sockets under load): the console
    lists 50, says how many more wait, and counts them all."""
    console = Console(new_context().new_page(), open_server.url).login("agent1")
    citizens = [Citizen(open_server.url) for _ in range(53)]
    try:
        for citizen in citizens:
            citizen.send(type="message", text="/handoff_yes")
        expect(console.page.locator("#queue-count")).to_have_text("53 位")
        expect(console.queue_items).to_have_count(50)
        expect(console.page.locator("#queue .queue-more")).to_have_text("另有 3 位民眾等候中")
        expect(console.queue_items.last).to_contain_text("第 50 位")
        expect(console.accept_button).to_be_enabled()
        console.page.locator("#queue .queue-more").scroll_into_view_if_needed()
        console.page.screenshot(path=artifacts / "console-queue-long-desktop.png")
    finally:
        for citizen in citizens:  # leave the queue empty for the next test
            citizen.send(type="leave")
            citizen.close()
    expect(console.page.locator("#queue-count")).to_have_text("0 位")
    expect(console.page.locator("#queue .queue-more")).to_have_count(0)
