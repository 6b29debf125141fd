"""What the browser tests share: where things are, the server handle, page objects for the
citizen widget and the agent console, and the axe-core runner. The tests speak in user terms
(roles and labels, as a screen reader finds them), not in CSS selectors where avoidable."""
from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE_JS = ROOT / "web_widget" / "node_modules" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


@dataclass(frozen=True)
class Server:
    url: str
    db: Path  # the chat database this server writes

    def rows(self, sql: str, *params: object) -> list[tuple]:
        with contextlib.closing(sqlite3.connect(self.db, timeout=10)) as con:
            return con.execute(sql, params).fetchall()

    def wait_rows(self, sql: str, *params: object, timeout: float = 10.0) -> list[tuple]:
        """The query's rows once there are any (the server commits just after the browser shows it)."""
        deadline = time.monotonic() + timeout
        while not (rows := self.rows(sql, *params)) and time.monotonic() < deadline:
            time.sleep(0.05)
        return rows


GREETING = "很高興為您服務"


class Widget:
    def __init__(self, page: Page, url: str) -> None:
        self.page, self.url = page, url
        self.root = page.locator("#hotline-widget")
        self.launcher = page.get_by_role("button", name="普發現金線上客服")
        self.panel = page.get_by_role("dialog", name="普發現金線上客服")
        self.log = page.get_by_role("log", name="對話內容")
        self.input = page.get_by_label("輸入您的問題")
        self.queue = self.root.locator(".hl-banner--queue")

    def visit(self) -> Widget:
        self.page.goto(self.url + "/")
        expect(self.launcher).to_be_visible()
        return self

    def open(self) -> Widget:
        self.launcher.click()
        expect(self.panel).to_be_visible()
        expect(self.log).to_contain_text(GREETING)
        return self

    def ask(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def bot_messages(self) -> Locator:
        return self.log.locator(".hl-msg--bot:not(.hl-waiting) .hl-bubble")

    def button(self, title: str) -> Locator:
        return self.log.get_by_role("button", name=title, exact=True)

    def wait_for_bot_replies(self, count: int) -> None:
        expect(self.bot_messages()).to_have_count(count)

    def stored(self) -> dict:
        return json.loads(self.page.evaluate("localStorage.getItem('hotline.chat.v1')") or "null")

    @property
    def conversation_id(self) -> str:
        return str(self.stored()["conversation_id"])


class Console:
    def __init__(self, page: Page, url: str) -> None:
        self.page, self.url = page, url
        self.queue_items = page.locator("#queue .queue-item")
        self.accept_button = page.get_by_role("button", name="接聽下一位")
        self.tabs = page.get_by_role("tablist", name="進行中的對話").get_by_role("tab")

    def login(self, username: str, password: str = "password1") -> Console:
        self.page.goto(self.url + "/agent")
        self.page.get_by_label("帳號", exact=True).fill(username)
        self.page.get_by_label("密碼", exact=True).fill(password)
        self.page.get_by_role("button", name="登入").click()
        expect(self.page.locator("#conn")).to_have_text("已連線")
        return self

    def accept_next(self) -> Locator:
        """Take the next citizen; the chat's tab panel."""
        expect(self.queue_items.first).to_be_visible()
        before = self.tabs.count()
        self.accept_button.click()
        expect(self.tabs).to_have_count(before + 1)
        return self.active_panel()

    def active_panel(self) -> Locator:
        return self.page.locator("#panels [role=tabpanel]:not([hidden])")

    def search_kb(self, query: str) -> Locator:
        self.page.get_by_role("searchbox", name="搜尋知識庫").fill(query)
        self.page.get_by_role("button", name="搜尋", exact=True).click()
        results = self.page.get_by_role("list", name="知識庫搜尋結果").get_by_role("listitem")
        expect(results.first).to_be_visible()
        return results


def run_axe(page: Page, context: str = "document") -> list[dict]:
    """axe-core's violations on the page (axe from web_widget/node_modules). axe is evaluated through
    the devtools protocol rather than added as a <script>: the pages' Content-Security-Policy (no
    inline script) stays in force, so a test also sees what a CSP would block for a real visitor."""
    page.evaluate(Path(AXE_JS).read_text(encoding="utf-8"))
    result = page.evaluate(f"async () => await axe.run({context}, {{resultTypes: ['violations']}})")
    return list(result["violations"])


def serious(violations: list[dict]) -> list[str]:
    """One line per serious or critical violation, with the offending nodes, for the assertion message."""
    return [f"{v['id']} ({v['impact']}): {v['help']} → {[n['target'] for n in v['nodes']][:5]}"
            for v in violations if v.get("impact") in ("serious", "critical")]


class EngineerPage:
    """The semantic engineer page (/engineer): miss clusters, models, match rate."""

    def __init__(self, page: Page, url: str) -> None:
        self.page, self.url = page, url
        self.clusters = page.get_by_role("list", name="未命中問題群組").locator(":scope > li")
        self.models_status = page.locator("#models-status")
        self.models_error = page.locator("#models-error")
        self.comparison = page.locator("#comparison")
        self.rate_table = page.get_by_role("table", name="每日匹配成功率")

    def login(self, username: str = "engineer1", password: str = "password1") -> EngineerPage:
        self.page.goto(self.url + "/engineer")
        self.page.get_by_label("帳號", exact=True).fill(username)
        self.page.get_by_label("密碼", exact=True).fill(password)
        self.page.get_by_role("button", name="登入").click()
        expect(self.page.get_by_role("heading", name="未命中問題分群")).to_be_visible()
        return self

    def cluster_with(self, text: str) -> Locator:
        """The cluster card holding a (masked) question."""
        return self.clusters.filter(has=self.page.get_by_text(text, exact=True))

    def button(self, name: str) -> Locator:
        return self.page.get_by_role("button", name=name, exact=True)
