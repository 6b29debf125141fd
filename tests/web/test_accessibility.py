"""axe-core (from web_widget/node_modules, see web_widget/package.json) in the same Chromium: no
serious or critical violation on the widget, open mid-conversation, nor on the agent console
logged in with a chat open."""
from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, expect

from tests.conftest import VAGUE_QUESTION
from tests.web.support import AXE_JS, PHONE, Console, Server, Widget, run_axe, serious

pytestmark = pytest.mark.skipif(not AXE_JS.exists(), reason="axe-core missing: npm install --prefix web_widget")


def test_f_widget_has_no_serious_axe_violations(open_server: Server, new_context: Callable[..., BrowserContext]) -> None:
    for viewport in (None, PHONE):
        widget = Widget(new_context(viewport).new_page(), open_server.url).visit()
        assert serious(run_axe(widget.page)) == [], "closed widget"
        widget.open()
        widget.ask("ATM什麼時候可以領6000")
        expect(widget.log.locator(".hl-kind--answer")).to_have_count(1)
        widget.ask(VAGUE_QUESTION)
        expect(widget.button("真人客服")).to_be_visible()
        widget.log.get_by_role("button", name="這個回答有幫助", exact=True).click()
        assert serious(run_axe(widget.page)) == [], f"open widget at {viewport}"


def test_f_console_has_no_serious_axe_violations(open_server: Server,
                                                 new_context: Callable[..., BrowserContext]) -> None:
    console = Console(new_context().new_page(), open_server.url)
    console.page.goto(open_server.url + "/agent")
    assert serious(run_axe(console.page)) == [], "login form"
    console.login("agent2")

    widget = Widget(new_context().new_page(), open_server.url).visit().open()
    widget.ask("我想找真人客服")  # a confident request for a person queues at once (no yes/no click)
    expect(widget.queue).to_contain_text("第 1 位")
    expect(console.queue_items).to_have_count(1)
    assert serious(run_axe(console.page)) == [], "console with a queue"

    chat = console.accept_next()
    console.search_kb("郵局")
    expect(chat.get_by_role("log")).to_contain_text("已加入對話")
    chat.get_by_role("button", name="結案", exact=True).click()
    assert serious(run_axe(console.page)) == [], "console with a chat, KB results and the wrap-up form"

    chat.get_by_label("問題類別").select_option("其他")
    chat.get_by_role("button", name="結案並送出").click()
    expect(chat).to_contain_text("對話已結案")
    assert serious(run_axe(widget.page)) == [], "widget with the survey"


def test_f_widget_works_from_the_keyboard(open_server: Server, new_context: Callable[..., BrowserContext]) -> None:
    widget = Widget(new_context().new_page(), open_server.url).visit()
    page = widget.page
    widget.launcher.focus()
    page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    expect(widget.input).to_be_focused()
    page.keyboard.type(VAGUE_QUESTION)
    page.keyboard.press("Enter")
    first_suggestion = widget.log.locator(".hl-chip").first
    expect(first_suggestion).to_be_visible()
    first_suggestion.focus()
    page.keyboard.press("Enter")  # a suggestion button answers like a click
    expect(widget.log.locator(".hl-kind--answer")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    expect(widget.launcher).to_be_focused()
