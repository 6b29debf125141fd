"""Authentication (issue 12, item 5): throttling, constant-time failure, tokens out of URLs and
logs, security headers, disabling accounts and changing passwords, the one clock."""
from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

from handoff.security import LoginThrottle, MemoryFailures
from handoff.storage.database import Database
from handoff.storage.login_failures import SQLLoginFailures
from tests.chat_client import Agent, Client, staff_subprotocols
from tests.hardening.conftest import PASSWORD, Live, bearer

WEB = Path(__file__).resolve().parents[2] / "web_widget"


class FakeClock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 30, 10, 0, tzinfo=timezone(timedelta(hours=8)))

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def stores(tmp_path: Path) -> list[Any]:
    """The throttle's two stores: one process's memory, and the shared database."""
    return [MemoryFailures(), SQLLoginFailures(Database(f"sqlite:///{tmp_path / 'throttle.db'}"))]


@pytest.mark.parametrize("kind", [0, 1], ids=["memory", "database"])
def test_throttle_delays_grow_per_username_and_clear_on_success(tmp_path: Path, kind: int) -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock, store=stores(tmp_path)[kind])

    async def scenario() -> None:
        for _ in range(5):
            assert await throttle.retry_after("alice", "10.0.0.1") == 0
            await throttle.failed("alice", "10.0.0.1")
        waits = []
        for _ in range(4):
            wait = await throttle.retry_after("alice", "10.0.0.1")
            assert wait > 0
            waits.append(wait)
            clock.advance(wait)
            assert await throttle.retry_after("alice", "10.0.0.1") == 0
            await throttle.failed("alice", "10.0.0.1")
        assert waits == sorted(waits) and waits[-1] >= 4 * waits[0]  # growing delay
        assert await throttle.retry_after("ALICE", "10.0.0.2") > 0  # per username, whatever the address or case
        await throttle.succeeded("alice")
        assert await throttle.retry_after("alice", "10.0.0.2") == 0
    asyncio.run(scenario())


@pytest.mark.parametrize("kind", [0, 1], ids=["memory", "database"])
def test_throttle_per_address_across_usernames(tmp_path: Path, kind: int) -> None:
    throttle = LoginThrottle(clock=FakeClock(), store=stores(tmp_path)[kind])

    async def scenario() -> None:
        for i in range(25):
            assert await throttle.retry_after(f"user{i}", "10.0.0.9") == 0
            await throttle.failed(f"user{i}", "10.0.0.9")
        assert await throttle.retry_after("someone-new", "10.0.0.9") > 0
        assert await throttle.retry_after("someone-new", "10.0.0.10") == 0
    asyncio.run(scenario())


def test_app_servers_on_one_database_throttle_as_one(tmp_path: Path) -> None:
    """Behind nginx each attempt may reach another process: failures spread over three processes'
    throttles add up, as if one process had seen them all (per-process memory gave 3 × 5 free tries)."""
    db_url = f"sqlite:///{tmp_path / 'shared.db'}"
    Database(db_url).close()
    clock = FakeClock()
    servers = [LoginThrottle(clock=clock, store=SQLLoginFailures(Database(db_url))) for _ in range(3)]

    async def scenario() -> None:
        for attempt in range(5):
            server = servers[attempt % 3]
            assert await server.retry_after("alice", f"10.0.1.{attempt}") == 0
            await server.failed("alice", f"10.0.1.{attempt}")
        assert all([await s.retry_after("alice", "10.0.2.1") > 0 for s in servers])
        await servers[1].succeeded("alice")
        assert all([await s.retry_after("alice", "10.0.2.1") == 0 for s in servers])
    asyncio.run(scenario())


def test_repeated_wrong_passwords_get_429_with_retry_after(live: Live) -> None:
    """Reproduction: 25 wrong passwords in a row gave 25 × 401, no throttling."""
    statuses = []
    for _ in range(7):
        response = httpx.post(f"{live.url}/auth/login", json={"username": "temp2", "password": "wrong-one"})
        statuses.append(response.status_code)
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    locked = httpx.post(f"{live.url}/auth/login", json={"username": "temp2", "password": PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) >= 1  # even the right password waits


def test_unknown_and_known_usernames_fail_in_the_same_time(live: Live) -> None:
    """Reproduction: existing and unknown usernames were told apart by timing (64 ms vs 3 ms)."""
    def timed(username: str) -> float:
        start = time.perf_counter()
        assert httpx.post(f"{live.url}/auth/login", json={"username": username, "password": "nope-nope"}
                          ).status_code == 401
        return time.perf_counter() - start

    known = [timed("timing1") for _ in range(4)]
    unknown = [timed(f"nobody-{i}") for i in range(4)]
    assert statistics.median(unknown) > 0.5 * statistics.median(known)


def test_staff_token_is_not_in_the_url_or_the_server_log(live: Live) -> None:
    """Reproduction: staff tokens appeared in the server log (``WebSocket /ws/agent?token=s_…``)."""
    agent = Agent(live.url, "agent1")
    assert agent.hello["agent"] == "agent1"
    agent.close()
    time.sleep(0.3)
    assert "/ws/agent" in live.log and agent.token not in live.log
    query = Client(live.ws + f"/ws/agent?token={agent.token}")  # a token in the URL is not accepted
    with pytest.raises(ConnectionClosed) as info:
        query.ws.recv(timeout=5)
    assert info.value.rcvd is not None and info.value.rcvd.code == 4401


def test_security_headers_on_pages_and_api(live: Live) -> None:
    for path in ("/agent", "/engineer", "/supervisor", "/agency", "/static/agent.js"):
        headers = httpx.get(f"{live.url}{path}").headers
        csp = headers["content-security-policy"]
        script = re.search(r"script-src ([^;]*)", csp)
        assert script and "'unsafe-inline'" not in script.group(1), path
        assert "frame-ancestors 'none'" in csp and headers["x-frame-options"] == "DENY", path
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"
    home = httpx.get(f"{live.url}/").headers
    assert "script-src 'self'" in home["content-security-policy"] and "frame-ancestors 'self'" in home[
        "content-security-policy"]
    api = httpx.get(f"{live.url}/health").headers
    assert api["x-content-type-options"] == "nosniff" and "default-src 'none'" in api["content-security-policy"]


@pytest.mark.parametrize("page", sorted(p.name for p in WEB.glob("*.html") if not p.name.startswith("_")))
def test_pages_have_nothing_inline_that_csp_blocks(page: str) -> None:
    """Each page as a browser gets it: staff pages rendered from their template and the shell."""
    from handoff.api.pages import STAFF_PAGES, render

    html = render(page) if page in STAFF_PAGES.values() else (WEB / page).read_text(encoding="utf-8")
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler"
    if page != "index.html":  # the citizen demo page alone may keep its inline stylesheet
        assert "<style" not in html and not re.search(r"\sstyle\s*=", html), "inline style on a staff page"


def _cli(live: Live, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "handoff.cli", "user", *args], capture_output=True, text=True,
                          env={**os.environ, "HOTLINE_HOME": str(live.home)}, timeout=60)


def test_user_disable_stops_tokens_logins_and_sockets_at_once(live: Live) -> None:
    token = httpx.post(f"{live.url}/auth/login", json={"username": "temp1", "password": PASSWORD}).json()["token"]
    assert httpx.get(f"{live.url}/auth/me", headers=bearer(token)).status_code == 200
    result = _cli(live, "disable", "temp1")
    assert result.returncode == 0, result.stderr
    assert httpx.get(f"{live.url}/auth/me", headers=bearer(token)).status_code == 401
    assert httpx.post(f"{live.url}/auth/login", json={"username": "temp1", "password": PASSWORD}).status_code == 401
    socket = Client(live.ws + "/ws/agent", staff_subprotocols(token))
    with pytest.raises(ConnectionClosed) as info:
        socket.ws.recv(timeout=5)
    assert info.value.rcvd is not None and info.value.rcvd.code == 4401
    assert _cli(live, "disable", "temp1", "--enable").returncode == 0
    assert _cli(live, "disable", "no-such-user").returncode != 0


def test_user_passwd_changes_the_password_and_logs_out(live: Live) -> None:
    token = httpx.post(f"{live.url}/auth/login", json={"username": "temp1", "password": PASSWORD}).json()["token"]
    result = _cli(live, "passwd", "temp1", "--password", "new-password-2")
    assert result.returncode == 0, result.stderr
    assert httpx.get(f"{live.url}/auth/me", headers=bearer(token)).status_code == 401
    assert httpx.post(f"{live.url}/auth/login", json={"username": "temp1", "password": "new-password-2"}
                      ).status_code == 200
    assert _cli(live, "passwd", "temp1", "--password", "short").returncode != 0


def test_token_expiry_follows_the_injected_clock(tmp_path: Path) -> None:
    """Reproduction: with HOTLINE_CLOCK set, token expiry used the real clock."""
    from handoff.auth import hash_password, issue_token, staff_for_token
    from handoff.storage.database import Database
    from handoff.storage.schema import metadata
    from handoff.storage.store import SQLConversationStore

    db = Database(f"sqlite:///{tmp_path / 'chat.db'}")
    metadata.create_all(db.engine)
    clock = FakeClock()
    clock.at = datetime(2031, 1, 1, tzinfo=timezone.utc)  # years from the real clock

    async def run() -> tuple[object, object, object]:
        await SQLConversationStore(db).add_user("x", hash_password(PASSWORD), "agent", None, 3)
        token = await issue_token(db, "x", clock, ttl_seconds=3600)
        fresh = await staff_for_token(db, token, clock)
        clock.advance(3599)
        late = await staff_for_token(db, token, clock)
        clock.advance(2)
        expired = await staff_for_token(db, token, clock)
        return fresh, late, expired

    fresh, late, expired = asyncio.run(run())
    db.close()
    assert fresh is not None and late is not None and expired is None


def test_chat_records_follow_the_injected_clock(tmp_path: Path) -> None:
    """Reproduction: with HOTLINE_CLOCK set, chat timestamps used the real clock while hours and cases
    used the set one; every stored time of a chat now comes from the process's one clock."""
    from bot.hours import default_clock, set_default_clock
    from handoff.storage.database import Database
    from handoff.storage.schema import metadata
    from handoff.storage.store import SQLConversationStore

    db = Database(f"sqlite:///{tmp_path / 'chat.db'}")
    metadata.create_all(db.engine)
    store, clock, before = SQLConversationStore(db), FakeClock(), default_clock()
    clock.at = datetime(2031, 1, 1, tzinfo=timezone.utc)  # years from the real clock
    set_default_clock(clock)
    try:
        async def run() -> tuple[dict, list[dict]]:
            await store.create_conversation("c1", "h" * 64, "websocket")
            await store.add_message("c1", "citizen", "你好")
            clock.advance(90)
            await store.change_state("c1", "bot", "queued", queued_at=clock.now().timestamp())
            return await store.get_conversation("c1") or {}, await store.messages_since("c1")

        conversation, messages = asyncio.run(run())
    finally:
        set_default_clock(before)
        db.close()
    start = datetime(2031, 1, 1, tzinfo=timezone.utc).timestamp()
    assert conversation["created_at"] == start and messages[0]["created_at"] == start
    assert conversation["updated_at"] == start + 90
