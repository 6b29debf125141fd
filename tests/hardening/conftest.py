"""One private project and one live server for the hardening tests (the outside view: real
sockets, real HTTP, the server's own log checked for tracebacks)."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import OPEN_CLOCK
from tests.projects import private_project
from tests.servers import running_server

PASSWORD = "password1"
AGENCY, OTHER_AGENCY = "財政部", "內政部"
STAFF = {"agent": "agent1", "agent2": "agent2", "engineer": "engineer1", "supervisor": "boss",
         "agency": "agency1", "other_agency": "agency2"}


@dataclass
class Live:
    url: str
    home: Path
    port: int

    @property
    def ws(self) -> str:
        return self.url.replace("http", "ws")

    @property
    def log(self) -> str:
        return (self.home / f"server-{self.port}.log").read_text(encoding="utf-8", errors="replace")


def staffed_project(kb_project: Path, home: Path) -> Path:
    """A private copy of the test project with agency users and accounts the tests may lock."""
    from handoff.auth import hash_password
    from handoff.storage.database import Database
    from handoff.storage.store import SQLConversationStore

    private_project(kb_project, home)
    db = Database(f"sqlite:///{home / 'var' / 'chat.db'}")
    store = SQLConversationStore(db)
    for username, agency in (("agency1", AGENCY), ("agency2", OTHER_AGENCY)):
        asyncio.run(store.add_user(username, hash_password(PASSWORD), "agency", None, 3, agency))
    for username in ("timing1", "temp1", "temp2"):  # accounts the auth tests may lock, disable or change
        asyncio.run(store.add_user(username, hash_password(PASSWORD), "agent", None, 3))
    db.close()
    return home


@pytest.fixture(scope="package")
def hard_project(kb_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return staffed_project(kb_project, tmp_path_factory.mktemp("hardening") / "home")


@pytest.fixture(scope="package")
def live(hard_project: Path) -> Iterator[Live]:
    from tests.servers import free_port

    port = free_port()
    with running_server(hard_project, port=port, env={"HOTLINE_CLOCK": OPEN_CLOCK}) as url:
        yield Live(url, hard_project, port)


def login_all(url: str) -> dict[str, str]:
    """A fresh login token per role name in ``STAFF``."""
    out = {}
    for role, username in STAFF.items():
        response = httpx.post(f"{url}/auth/login", json={"username": username, "password": PASSWORD})
        response.raise_for_status()
        out[role] = response.json()["token"]
    return out


@pytest.fixture(scope="package")
def tokens(live: Live) -> dict[str, str]:
    return login_all(live.url)


def traceback_lines(log: str) -> list[str]:
    return [line for line in log.splitlines() if "Traceback (most recent call last)" in line]


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}
