"""The REST channel with Redis: the reply is read back from the record once the bot turn is
stored, not collected from the relay right after publishing (Redis delivers it later)."""
from __future__ import annotations

import contextlib
import secrets
import sqlite3
from pathlib import Path

import httpx

from tests.conftest import OPEN_CLOCK
from tests.infra import RedisServer
from tests.projects import private_project
from tests.servers import running_server


def test_the_rest_webhook_answers_with_redis_as_the_relay(kb_project: Path, tmp_path: Path,
                                                          redis_srv: RedisServer) -> None:
    home = private_project(kb_project, tmp_path / "project")
    env = {"HOTLINE_CLOCK": OPEN_CLOCK, "HOTLINE_REDIS_URL": redis_srv.url,
           "HOTLINE_REDIS_PREFIX": f"r{secrets.token_hex(3)}:"}

    def stored_replies(count_before: int) -> list[str]:
        """What the bot and system said in the record after the citizen's latest message."""
        with contextlib.closing(sqlite3.connect(home / "var" / "chat.db")) as con:
            rows = con.execute("select sender, text from messages order by id").fetchall()
        return [text for sender, text in rows[count_before:] if sender in ("bot", "system")]

    with running_server(home, env=env) as url:
        for n, text in enumerate(["你好", "ATM什麼時候可以領6000", "我家的貓咪可不可以也領一份", "/handoff_yes"] * 2):
            with contextlib.closing(sqlite3.connect(home / "var" / "chat.db")) as con:
                before = con.execute("select count(*) from messages").fetchone()[0]
            replies = httpx.post(f"{url}/webhooks/rest/webhook", timeout=30,
                                 json={"sender": f"rest-{n // 4}", "message": text}).json()
            assert all(r["recipient_id"] == f"rest-{n // 4}" for r in replies)
            assert [r["text"] for r in replies] == stored_replies(before) != [], (n, text)  # every reply, none lost
