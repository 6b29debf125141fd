"""Off hours (CLOSED_CLOCK): the bot cannot hand over, so it offers the callback form instead."""
from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.web.support import Server, Widget


def test_c_off_hours_callback_form(closed_server: Server, citizen_page: Page, artifacts: Path) -> None:
    widget = Widget(citizen_page, closed_server.url).visit().open()
    widget.ask("我家的貓可以領嗎")
    callback = widget.button("留言請專人回電")
    expect(callback).to_be_visible()
    expect(widget.button("真人客服")).to_have_count(0)  # nobody on duty: no handoff button
    callback.click()
    form = widget.log.get_by_role("form", name="留言請專人回電")
    expect(form).to_be_visible()
    expect(widget.log).to_contain_text("服務時間")

    # refused until every field is filled and consent is given
    form.get_by_role("button", name="送出回電需求").click()
    expect(form.get_by_role("alert")).to_contain_text("請填寫")
    form.get_by_label("姓名").fill("王小明")
    form.get_by_label("聯絡電話").fill("0912-345-678")
    form.get_by_label("問題說明").fill("想問寵物能不能領普發現金")
    form.get_by_role("button", name="送出回電需求").click()
    expect(form.get_by_role("alert")).to_contain_text("請勾選同意")
    form.get_by_label("我同意提供聯絡資料供回電使用").check()
    citizen_page.screenshot(path=artifacts / "widget-callback-desktop.png")
    form.get_by_role("button", name="送出回電需求").click()

    expect(widget.log).to_contain_text("已收到您的回電需求")
    expect(form.get_by_role("button", name="送出回電需求")).to_be_disabled()
    rows = closed_server.wait_rows("SELECT name, phone, question, consent FROM callbacks WHERE conversation_id = ?",
                                   widget.conversation_id)
    assert rows == [("王小明", "0912-345-678", "想問寵物能不能領普發現金", 1)]
