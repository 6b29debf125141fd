"""The citizen widget against a real server: a KB answer, text-only rendering, resume after a
reload, and screenshots at phone and desktop size."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, WebSocketRoute, expect

from tests.conftest import KB_SEED
from tests.web.support import DESKTOP, PHONE, Server, Widget

ANYTHING_ELSE = "還有其他問題需要為您服務嗎"
HOSTILE = "<img src=x onerror=alert(1)>"


def kb_answer(entry_id: str) -> str:
    for line in KB_SEED.read_text(encoding="utf-8").splitlines():
        if line.strip() and json.loads(line)["id"] == entry_id:
            return str(json.loads(line)["answer"])
    raise KeyError(entry_id)


def test_a_known_question_gets_the_kb_answer(open_server: Server, citizen_page: Page) -> None:
    widget = Widget(citizen_page, open_server.url).visit().open()
    widget.ask("ATM什麼時候可以領6000")
    answer = widget.log.locator(".hl-kind--answer .hl-bubble")
    expect(answer).to_contain_text(ANYTHING_ELSE)
    expect(answer).to_contain_text(kb_answer("ATM-001")[:24])
    # 👍 on the answer is stored against its seq
    widget.log.get_by_role("button", name="這個回答有幫助", exact=True).click()
    expect(widget.log).to_contain_text("感謝您的回饋")
    seq = int(widget.log.locator(".hl-kind--answer").get_attribute("data-seq") or 0)
    rows = open_server.wait_rows("SELECT helpful FROM feedback WHERE conversation_id = ? AND seq = ?",
                                 widget.conversation_id, seq)
    assert rows == [(1,)]


def test_d_markup_in_a_message_is_shown_as_text(open_server: Server, citizen_page: Page) -> None:
    dialogs: list[str] = []
    citizen_page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    widget = Widget(citizen_page, open_server.url).visit().open()
    widget.ask(HOSTILE)
    mine = widget.log.locator(".hl-msg--citizen .hl-bubble")
    expect(mine).to_have_text(HOSTILE)
    expect(widget.log.locator(".hl-msg--citizen[data-seq]")).to_have_count(1)  # the server's echo landed
    widget.wait_for_bot_replies(2)
    assert widget.root.locator("img").count() == 0
    # the replayed copy from the server after a reload is text too
    citizen_page.reload()
    expect(widget.log.locator(".hl-msg--citizen .hl-bubble")).to_have_text(HOSTILE)
    assert widget.root.locator("img").count() == 0
    assert citizen_page.locator("img").count() == 0
    assert dialogs == []


def test_e_reload_resumes_the_conversation(open_server: Server, citizen_page: Page) -> None:
    widget = Widget(citizen_page, open_server.url).visit().open()
    widget.ask("ATM什麼時候可以領6000")
    expect(widget.log.locator(".hl-kind--answer")).to_contain_text(ANYTHING_ELSE)
    before = widget.stored()
    citizen_page.reload()
    expect(widget.panel).to_be_visible()  # it was open: it opens again
    expect(widget.log).to_contain_text("ATM什麼時候可以領6000")
    expect(widget.log.locator(".hl-kind--answer")).to_contain_text(ANYTHING_ELSE)
    expect(widget.log.locator(".hl-msg")).to_have_count(3)  # greeting, question, answer: no duplicates
    assert widget.conversation_id == before["conversation_id"]
    # and the conversation goes on where it was
    widget.ask("郵局什麼時候可以領")
    expect(widget.log.locator(".hl-kind--answer")).to_have_count(2)
    assert widget.stored()["last_seq"] > before["last_seq"]


def test_e_dropped_connection_reconnects_and_sends_what_was_typed(open_server: Server, citizen_page: Page) -> None:
    """The network drops (the socket is cut and reconnects are refused for a while): the widget says
    so, keeps what the citizen typed, reconnects with backoff and resumes from last_seq."""
    sockets: list[WebSocketRoute] = []
    network = {"up": True}

    def route(ws: WebSocketRoute) -> None:
        if not network["up"]:
            ws.close(code=1011, reason="network down")
            return
        ws.connect_to_server()
        sockets.append(ws)

    citizen_page.route_web_socket("**/ws/chat", route)
    widget = Widget(citizen_page, open_server.url).visit().open()
    widget.ask("ATM什麼時候可以領6000")
    expect(widget.log.locator(".hl-kind--answer")).to_have_count(1)
    conversation_id = widget.conversation_id

    network["up"] = False
    sockets[-1].close()
    banner = widget.root.locator(".hl-banner--warn")
    expect(banner).to_contain_text("連線中斷")
    widget.ask("郵局什麼時候可以領")
    network["up"] = True
    expect(banner).to_be_hidden()
    expect(widget.log.locator(".hl-kind--answer")).to_have_count(2)
    expect(widget.log.locator(".hl-msg--citizen")).to_have_count(2)
    assert len(sockets) >= 2 and widget.conversation_id == conversation_id


def test_g_widget_screenshots(open_server: Server, new_context: Callable[..., BrowserContext],
                              artifacts: Path) -> None:
    for name, viewport in (("phone-360x740", PHONE), ("desktop", DESKTOP)):
        page = new_context(viewport).new_page()
        widget = Widget(page, open_server.url).visit()
        page.screenshot(path=artifacts / f"widget-closed-{name}.png")
        widget.open()
        widget.ask("ATM什麼時候可以領6000")
        expect(widget.log.locator(".hl-kind--answer")).to_contain_text(ANYTHING_ELSE)
        widget.ask("我家的貓可以領嗎")  # the bot cannot help: the 真人客服 button ("6000" is answered now)
        expect(widget.button("真人客服")).to_be_visible()
        expect(widget.log.locator(".hl-waiting")).to_have_count(0)
        box = widget.panel.bounding_box()
        assert box is not None
        if viewport is PHONE:  # full screen on a phone
            assert box["width"] == PHONE["width"] and box["height"] == PHONE["height"]
        page.screenshot(path=artifacts / f"widget-open-{name}.png")


HOSTILE_CSS = """
* { color: red !important; font-size: 40px !important; font-family: serif !important; letter-spacing: 9px !important; }
div, button, section { transform: rotate(3deg) !important; background: yellow !important; }
.hl-launcher, .hl-panel { display: none !important; }
"""


def test_h_host_page_css_cannot_reach_the_widget_nor_the_widget_the_page(open_server: Server, citizen_page: Page,
                                                                         artifacts: Path) -> None:
    """The widget lives in a shadow root: a hostile stylesheet on the host page (every element red,
    40px, rotated; the widget's own class names hidden) leaves it as it was, and the widget's
    stylesheet does not style the page's elements that happen to share its class names."""
    widget = Widget(citizen_page, open_server.url).visit()
    citizen_page.evaluate("""() => {
        const twin = document.createElement("p");
        twin.className = "hl-bubble";
        twin.id = "page-twin";
        twin.textContent = "a page paragraph with the widget's class name";
        document.querySelector("main").prepend(twin);
    }""")
    citizen_page.add_style_tag(content=HOSTILE_CSS)
    widget.open()
    widget.ask("ATM什麼時候可以領6000")
    expect(widget.log.locator(".hl-kind--answer")).to_contain_text(ANYTHING_ELSE)
    send = widget.panel.get_by_role("button", name="送出", exact=True)
    style = send.evaluate("""node => { const s = getComputedStyle(node);
        return {color: s.color, size: s.fontSize, spacing: s.letterSpacing, transform: s.transform}; }""")
    assert style == {"color": "rgb(255, 255, 255)", "size": "16px", "spacing": "normal", "transform": "none"}
    bubble = widget.log.locator(".hl-kind--answer .hl-bubble p").first
    assert bubble.evaluate("node => getComputedStyle(node).fontSize") == "16px"
    assert bubble.evaluate("node => getComputedStyle(node).color") != "rgb(255, 255, 255)"
    expect(widget.launcher).to_be_visible()
    # the widget's rules stay inside: the page's own .hl-bubble keeps the page's (hostile) style
    twin = citizen_page.locator("#page-twin")
    assert twin.evaluate("node => getComputedStyle(node).fontSize") == "40px"
    assert twin.evaluate("node => getComputedStyle(node).borderTopStyle") == "none"
    citizen_page.screenshot(path=artifacts / "widget-hostile-host-css.png")
