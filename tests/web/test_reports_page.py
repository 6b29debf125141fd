"""The supervisor's 月報表 and 品質抽測 tabs in a real browser against a real server holding the
seeded October 2023 (tests/handoff/reports_seed.py): the figures and the charts show, the Excel
download opens with the same figures, and a quality review scored in the browser reaches the report."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.handoff.reports_seed import MONTH, NOW, seeded_server_db
from tests.servers import running_server
from tests.web.cases_web import new_context  # noqa: F401  (a fixture: contexts axe-core can run in under CSP)
from tests.web.support import ARTIFACTS, run_axe, serious

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server_url(kb_project: Path) -> Iterator[str]:
    db = seeded_server_db(kb_project, "web-reports")
    with running_server(kb_project, env={"HOTLINE_DATABASE_URL": f"sqlite:///{db}", "HOTLINE_CLOCK": NOW}) as url:
        yield url


def login(page: Page, url: str) -> None:
    page.goto(url + "/supervisor")
    page.get_by_label("帳號", exact=True).fill("boss")
    page.get_by_label("密碼", exact=True).fill("password1")
    page.get_by_role("button", name="登入").click()
    expect(page.get_by_role("tab", name="月報表")).to_be_visible()


def open_report(page: Page) -> None:
    page.get_by_role("tab", name="月報表").click()
    panel = page.get_by_role("tabpanel", name="月報表")
    panel.get_by_label("月份").fill(MONTH)
    panel.get_by_role("button", name="產生報表").click()
    expect(panel.get_by_role("status")).to_contain_text("2023-10 月報表")


def card(page: Page, title: str):  # type: ignore[no-untyped-def]
    return page.get_by_role("list", name="本月重點指標").get_by_role("listitem").filter(has_text=title)


def test_report_tab_shows_the_seeded_month(server_url: str, new_context: Callable[..., BrowserContext],
                                           tmp_path: Path) -> None:
    page = new_context().new_page()
    login(page, server_url)
    open_report(page)
    expect(card(page, "對話數")).to_contain_text("11")
    expect(card(page, "對話數")).to_contain_text("機器人獨立解決 3（27.3%）")
    expect(card(page, "智能問答匹配成功率")).to_contain_text("50.0%")
    expect(card(page, "智能問答匹配成功率")).to_contain_text("低於合約標準 85%")
    expect(card(page, "滿意度")).to_contain_text("60.0%")
    expect(card(page, "問卷回覆率")).to_contain_text("80.0%")
    expect(card(page, "後送案件受理")).to_contain_text("機關得分合計 10")
    panel = page.get_by_role("tabpanel", name="月報表")
    charts = panel.locator("canvas[role=img]")
    expect(charts).to_have_count(4)
    assert "本月匹配成功率 50.0%" in (charts.first.get_attribute("aria-label") or "")
    assert page.evaluate("() => Object.keys(window.Chart.instances).length") == 4  # drawn by Chart.js
    agencies = panel.get_by_role("table", name="後送案件（依機關）")
    expect(agencies.get_by_role("row", name="財政部")).to_contain_text("-10")
    expect(agencies.get_by_role("row", name="內政部")).to_contain_text("20")
    waits = panel.get_by_role("table", name="等候時間")
    expect(waits.get_by_role("row", name="7 秒內接通 2", exact=True)).to_be_visible()
    expect(waits.get_by_role("row", name="7 秒內接通比率 33.3%", exact=True)).to_be_visible()
    expect(panel.get_by_role("table", name="未命中主題（前 10 名）")).to_contain_text("ATM-001")
    assert not serious(run_axe(page, "document.getElementById('panel-reports')"))
    page.screenshot(path=str(ARTIFACTS / "supervisor-report-desktop.png"), full_page=True)

    with page.expect_download() as download_info:
        panel.get_by_role("button", name="下載 Excel").click()
    download = download_info.value
    assert download.suggested_filename == "hotline-report-2023-10.xlsx"
    path = tmp_path / "report.xlsx"
    download.save_as(path)
    from openpyxl import load_workbook

    summary = {(r[0], r[1]): r[3] for r in load_workbook(path)["摘要"].iter_rows(min_row=3, values_only=True)}
    assert (summary[("服務量", "chats")], summary[("智能問答匹配", "match_rate")]) == (11, 0.5)


def test_quality_sample_score_save_and_the_report_shows_it(server_url: str,
                                                          new_context: Callable[..., BrowserContext]) -> None:
    page = new_context().new_page()
    login(page, server_url)
    page.get_by_role("tab", name="品質抽測").click()
    panel = page.get_by_role("tabpanel", name="品質抽測")
    panel.get_by_label("月份").fill(MONTH)
    panel.get_by_label("月份").dispatch_event("change")
    agent = panel.get_by_label("客服人員")
    expect(agent.locator("option", has_text="agent1")).to_have_count(1)
    agent.select_option("agent1")
    panel.get_by_role("button", name="抽樣", exact=True).click()
    samples = panel.get_by_role("list", name="抽樣對話").get_by_role("button")
    expect(samples).to_have_count(1)  # c04 and c05 were reviewed already: only c08 is left
    samples.first.click()
    transcript = panel.get_by_role("list", name="對話紀錄")
    expect(transcript).to_contain_text("ATM 四月十號開始。")
    thanks = panel.get_by_role("checkbox", name="致謝")
    expect(thanks).not_to_be_checked()  # the pre-check found no 謝謝 in c08
    expect(panel.get_by_text("得分 0 / 100")).to_be_visible()
    panel.get_by_role("checkbox", name="答覆內容正確").check()
    expect(panel.get_by_text("得分 20 / 100")).to_be_visible()
    panel.get_by_label("備註").fill("未問候、未致謝")
    assert not serious(run_axe(page, "document.getElementById('panel-quality')"))
    page.screenshot(path=str(ARTIFACTS / "supervisor-quality-desktop.png"), full_page=True)
    panel.get_by_role("button", name="儲存評分").click()
    expect(page.locator("#toast")).to_contain_text("已儲存 c08 的評分：20 分")
    reviews = panel.get_by_role("table", name="抽測評分（依評分時間，新到舊）")
    expect(reviews.get_by_role("row", name="開啟對話 c08")).to_contain_text("20")

    open_report(page)
    # (100 + 40 + 80 + 20) / 4 = 60
    expect(card(page, "品質抽測")).to_contain_text("60 分")
    expect(card(page, "品質抽測")).to_contain_text("抽測 4 件")
    by_agent = page.get_by_role("table", name="品質抽測（依客服人員）")
    # agent1 now has 3 reviews: (100 + 40 + 20) / 3 = 53.33
    expect(by_agent.get_by_role("row", name="agent1")).to_contain_text("53.33")


def test_report_tab_gives_a_week_with_scores_comments_and_person_requests(
        server_url: str, new_context: Callable[..., BrowserContext]) -> None:
    page = new_context().new_page()
    login(page, server_url)
    page.get_by_role("tab", name="月報表").click()
    panel = page.get_by_role("tabpanel", name="月報表")
    panel.get_by_label("報表期間").select_option("week")
    panel.get_by_label("日期／週次／年度").fill("2023-W40")
    panel.get_by_role("button", name="產生報表").click()
    expect(panel.get_by_role("status")).to_contain_text("2023-W40 週報表（2023-10-02 至 2023-10-09 前")
    expect(card(page, "對話數")).to_contain_text("9")  # c02 … c10; c01 is on Sunday 10-01
    expect(panel.get_by_role("table", name="智能問答匹配").get_by_role("row", name="要求真人 1")).to_be_visible()
    scores = panel.get_by_role("table", name="各機關得分（通報 ±10、回應 ±10、抽測 ±5）")
    expect(scores.get_by_role("row", name="財政部")).to_contain_text("10")  # 1121002-0001 replied in 8 h
    comments = panel.get_by_role("table", name="回饋意見（對話問卷與案件問卷）")
    expect(comments).to_contain_text("回答很清楚，謝謝")
    expect(comments).to_contain_text("等太久了")
    page.screenshot(path=str(ARTIFACTS / "supervisor-report-week.png"), full_page=True)
