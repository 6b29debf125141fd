"""What the case browser tests share: staff login, and browser contexts that let axe-core's
injected script run under the server's Content-Security-Policy (script-src 'self')."""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.web.support import DESKTOP


def staff_login(page: Page, url: str, path: str, username: str) -> None:
    page.goto(url + path)
    page.get_by_label("帳號", exact=True).fill(username)
    page.get_by_label("密碼", exact=True).fill("password1")
    page.get_by_role("button", name="登入").click()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Overrides tests/web/conftest.py's factory in the modules that import it: same contexts, with
    ``bypass_csp`` so the page's own CSP does not block axe-core (the pages' scripts are unaffected)."""
    contexts: list[BrowserContext] = []

    def make(viewport: dict[str, int] | None = None) -> BrowserContext:
        context = browser.new_context(viewport=viewport or DESKTOP, locale="zh-TW", timezone_id="Asia/Taipei",
                                      bypass_csp=True)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
