"""Browser tests: a real server per module, one headless Chromium for the session.

Chromium is the system one (/usr/bin/chromium); ``playwright install`` is never needed. Each
module gets its own chat database (a fresh one beside ``<kb_project>/var/chat.db``, holding the
same staff accounts), so chats that other test modules leave queued in the shared ``kb_project``
cannot reach this module's agents.
"""
from __future__ import annotations

import contextlib
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.conftest import CLOSED_CLOCK, OPEN_CLOCK, ROOT
from tests.servers import running_server
from tests.web.support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, DESKTOP, Server

expect.set_options(timeout=15_000)


def _fresh_chat_db(home: Path, name: str) -> Path:
    """An empty chat database for one module, with the KB and staff accounts of ``kb_project``."""
    from tests.servers import copy_kb

    path = home / "var" / f"{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    copy_kb(home / "var" / "chat.db", path)  # the schema, and the KB (it lives in the chat database)
    with contextlib.closing(sqlite3.connect(path)) as con:
        con.execute("ATTACH DATABASE ? AS seed", (str(home / "var" / "chat.db"),))
        con.execute("INSERT INTO users SELECT * FROM seed.users")
        con.commit()
    return path


@contextlib.contextmanager
def _server(home: Path, name: str, clock: str) -> Iterator[Server]:
    db = _fresh_chat_db(home, name)
    with running_server(home, env={"HOTLINE_CLOCK": clock, "HOTLINE_DATABASE_URL": f"sqlite:///{db}"}) as url:
        yield Server(url, db)


WEB = ROOT / "web_widget"
BUNDLE = WEB / "static" / "widget.js"


@pytest.fixture(scope="session", autouse=True)
def widget_bundle() -> Path:
    """static/widget.js is built from src/widget/ by esbuild (`make install`, git-ignored): when it is
    missing or older than its sources (a test run straight after an edit), build it first."""
    sources = [*WEB.glob("src/widget/*.js"), WEB / "static" / "dom.js", WEB / "static" / "socket.js"]
    if BUNDLE.exists() and BUNDLE.stat().st_mtime >= max(p.stat().st_mtime for p in sources):
        return BUNDLE
    if not (WEB / "node_modules" / ".bin" / "esbuild").exists() or not shutil.which("npm"):
        pytest.fail("web_widget/static/widget.js is not built and esbuild is missing: run `make install`")
    subprocess.run(["npm", "run", "--prefix", str(WEB), "--silent", "build"], check=True)
    return BUNDLE


@pytest.fixture(scope="module")
def open_server(kb_project: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    """Staffed hours (OPEN_CLOCK): citizens can be handed to an agent."""
    with _server(kb_project, f"web-{request.module.__name__.rsplit('.', 1)[-1]}", OPEN_CLOCK) as server:
        yield server


@pytest.fixture(scope="module")
def closed_server(kb_project: Path, request: pytest.FixtureRequest) -> Iterator[Server]:
    """Off hours (CLOSED_CLOCK): citizens are offered a callback instead."""
    with _server(kb_project, f"web-{request.module.__name__.rsplit('.', 1)[-1]}-closed", CLOSED_CLOCK) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """A factory for isolated browser contexts (own storage), all closed after the test."""
    contexts: list[BrowserContext] = []

    def make(viewport: dict[str, int] | None = None) -> BrowserContext:
        context = browser.new_context(viewport=viewport or DESKTOP, locale="zh-TW", timezone_id="Asia/Taipei")
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def citizen_page(new_context: Callable[..., BrowserContext]) -> Page:
    return new_context().new_page()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
