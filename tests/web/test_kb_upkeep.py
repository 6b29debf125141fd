"""KB upkeep in the browser: a supervisor edits and approves an entry in /supervisor (知識庫維護),
an agent's console shows the announcement (佈達) and the agent acknowledges it; the supervisor
then sees who acknowledged."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.conftest import OPEN_CLOCK
from tests.handoff.test_kb_admin import private_project
from tests.servers import running_server
from tests.web.support import Console, run_axe, serious

QUESTION = "ATM什麼時候可以領6000"
NEW_ANSWER = "【更新】請攜帶提款卡至任一臺 ATM 領取，每日 24 小時皆可領，跨行手續費由政府負擔。"


@pytest.fixture(scope="module")
def server(kb_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server on a private copy of the project: this module changes the KB."""
    home = private_project(kb_project, tmp_path_factory.mktemp("kb_upkeep_web"))
    with running_server(home, env={"HOTLINE_CLOCK": OPEN_CLOCK}) as url:
        yield url


def supervisor_kb_tab(page: Page, url: str) -> None:
    page.goto(url + "/supervisor")
    page.get_by_label("帳號", exact=True).fill("boss")
    page.get_by_label("密碼", exact=True).fill("password1")
    page.get_by_role("button", name="登入").click()
    page.get_by_role("tab", name="知識庫維護").click()
    expect(page.get_by_role("heading", name="待審核")).to_be_visible()


def test_supervisor_approves_an_edit_and_the_agent_acknowledges_the_announcement(
        server: str, new_context: Callable[..., BrowserContext], artifacts: Path) -> None:
    intent = httpx.post(f"{server}/model/parse", json={"text": QUESTION}).json()["intent"]["name"]
    boss = new_context().new_page()
    supervisor_kb_tab(boss, server)

    boss.get_by_role("searchbox", name="搜尋知識庫條目").fill(intent)
    boss.get_by_role("button", name="搜尋", exact=True).click()
    boss.get_by_role("list", name="知識庫條目").get_by_role("button", name=intent).first.click()
    expect(boss.get_by_role("heading", level=2, name=intent)).to_be_focused()
    old_answer = boss.get_by_label("答案", exact=True).input_value()
    boss.get_by_label("答案", exact=True).fill(NEW_ANSWER)
    boss.get_by_role("button", name="儲存修改並送審").click()

    review = boss.locator(".kb-review")
    expect(review.get_by_role("heading", name="待審核：修改答案")).to_be_visible()
    expect(review.locator("ins").first).to_be_visible()  # the before/after view marks what is new
    expect(review.locator(".kb-side-text").nth(0)).to_contain_text(old_answer[:20])
    expect(review.locator(".kb-side-text").nth(1)).to_contain_text("跨行手續費由政府負擔")
    expect(boss.get_by_role("list", name="待審核項目").get_by_role("button", name=intent)).to_be_visible()
    assert serious(run_axe(boss)) == []
    boss.screenshot(path=str(artifacts / "supervisor-kb-review-desktop.png"), full_page=True)

    boss.get_by_label("核准說明（選填，會寫入版本紀錄與佈達）").fill("跨行手續費說明")
    boss.get_by_role("button", name="核准並佈達").click()
    expect(boss.locator(".kb-notice")).to_contain_text("已核准第")
    expect(boss.get_by_role("list", name="待審核項目").get_by_role("button", name=intent)).to_have_count(0)
    expect(boss.get_by_role("list", name="版本紀錄").locator("li").first).to_contain_text("boss")
    row = boss.get_by_role("table", name="佈達確認狀況").locator("tbody tr").first
    expect(row).to_contain_text(intent)
    expect(row.locator(".kb-unacked")).to_have_text("agent1、agent2")

    replies = httpx.post(f"{server}/webhooks/rest/webhook", json={"sender": "web-kb", "message": QUESTION}).json()
    assert NEW_ANSWER in replies[0]["text"]  # the bot answers with the approved text at once

    agent_page = new_context().new_page()
    Console(agent_page, server).login("agent1")
    board = agent_page.get_by_role("region", name="知識庫異動佈達")
    expect(board).to_be_visible()
    expect(board.get_by_role("heading", level=3)).to_contain_text(intent)
    expect(board).to_contain_text(NEW_ANSWER)
    expect(board).to_contain_text("跨行手續費說明")
    assert serious(run_axe(agent_page)) == []
    agent_page.screenshot(path=str(artifacts / "console-announcement-desktop.png"))
    board.get_by_role("button", name="已閱讀").click()
    expect(board).to_be_hidden()
    agent_page.reload()
    expect(agent_page.locator("#conn")).to_have_text("已連線")
    expect(agent_page.locator("#announcements")).to_be_hidden()  # acknowledged for good

    boss.get_by_role("button", name="重新整理").click()
    expect(row.locator(".kb-acked")).to_contain_text("agent1")
    expect(row.locator(".kb-unacked")).to_have_text("agent2")
