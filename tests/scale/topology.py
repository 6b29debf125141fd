"""The scaled-out topology on one host, without containers: N ``hotline serve`` processes, each in
its own empty working directory (it holds only a copy of the release's config.yml), sharing
nothing but PostgreSQL and Redis, behind nginx with deploy/nginx.conf (round-robin, websocket
upgrade, no sticky sessions). The KB, the model versions and the deployed pointer are in the
database; every process fetches the deployed model into its own cache at start.

Used by tests/scale/test_stateless.py and by deploy/smoke.py (hosts without Docker).
"""
from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.infra import NginxServer, free_port, nginx_server

STAFF = [("agent1", "agent"), ("agent2", "agent"), ("boss", "supervisor"), ("engineer1", "engineer")]
PASSWORD = "password1"


def seed(database_url: str, kb_file: Path, model_dir: Path, staff: list[tuple[str, str]] = STAFF) -> str:
    """An empty database made ready: schema, staff, the KB imported, the model stored and deployed."""
    from bot.model_store import DEPLOYED
    from handoff.auth import hash_password
    from handoff.storage.database import Database
    from handoff.storage.model_db import DatabaseModels
    from handoff.storage.store import SQLConversationStore
    from kb_sync.readers import read_entries
    from kb_sync.store import KnowledgeBase

    db = Database(database_url)
    try:
        KnowledgeBase(db).import_entries(read_entries(kb_file), kb_file.name)
        store = DatabaseModels(db.engine)
        store.push(model_dir)
        store.set_pointer(DEPLOYED, model_dir.name)
        users = SQLConversationStore(db)
        for username, role in staff:
            asyncio.run(users.add_user(username, hash_password(PASSWORD), role, None, 5))
    finally:
        db.close()
    return model_dir.name


@dataclass
class App:
    home: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when a machine dies."""
        if self.alive:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def files(self) -> list[str]:
        """Everything in the working directory, relative (model cache files summarised by version)."""
        found = []
        for path in sorted(self.home.rglob("*")):
            relative = path.relative_to(self.home)
            if len(relative.parts) > 2 and relative.parts[0] == "models":
                continue
            found.append(relative.as_posix() + ("/" if path.is_dir() else ""))
        return found


def start_app(home: Path, port: int, env: dict[str, str], config: Path, timeout: float = 120.0) -> App:
    """``hotline serve`` in ``home`` (created empty, plus the release's config.yml) on ``port``."""
    home.mkdir(parents=True)
    shutil.copy(config, home / "config.yml")
    environ = {**os.environ, **env, "HOTLINE_HOME": str(home), "HOTLINE_PORT": str(port),
               "HOTLINE_MODEL_STORE": "database"}
    log = (home.parent / f"{home.name}.log").open("wb")  # beside the working directory, not in it
    process = subprocess.Popen([sys.executable, "-m", "handoff.cli", "serve"], env=environ, cwd=home,
                               stdout=log, stderr=subprocess.STDOUT)
    log.close()
    app = App(home, port, process)
    deadline = time.monotonic() + timeout
    while True:
        if not app.alive:
            raise RuntimeError(f"{home.name} exited: {(home.parent / f'{home.name}.log').read_text()[-3000:]}")
        try:
            if httpx.get(f"{app.url}/health", timeout=1).json().get("status") == "ok":
                return app
        except (httpx.HTTPError, ValueError):
            pass
        if time.monotonic() > deadline:
            app.stop()
            raise TimeoutError(f"{home.name} did not become ready")
        time.sleep(0.2)


@dataclass
class Topology:
    root: Path
    env: dict[str, str]
    config: Path
    apps: list[App]
    nginx: NginxServer
    generation: dict[int, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.nginx.url

    def kill(self, index: int) -> None:
        """SIGKILL app ``index``; nginx sends its traffic to the others."""
        self.apps[index].kill()

    def replace(self, index: int) -> App:
        """Kill app ``index`` (if still alive) and start a new one on the same port in a new empty
        directory (another machine, as far as the app can tell)."""
        self.apps[index].kill()
        self.generation[index] = self.generation.get(index, 0) + 1
        home = self.root / f"app{index + 1}-{self.generation[index]}"
        self.apps[index] = start_app(home, self.apps[index].port, self.env, self.config)
        return self.apps[index]


@contextmanager
def topology(root: Path, database_url: str, redis_url: str, config: Path, apps: int = 3,
             env: dict[str, str] | None = None) -> Iterator[Topology]:
    """``apps`` app processes and nginx in front; everything stopped on exit."""
    environ = {"HOTLINE_DATABASE_URL": database_url, "HOTLINE_REDIS_URL": redis_url, **(env or {})}
    ports = [free_port() for _ in range(apps)]
    started: list[App] = []
    world: Topology | None = None
    with ExitStack() as stack:
        stack.callback(lambda: [app.stop() for app in (world.apps if world else started)])  # replacements too
        for number, port in enumerate(ports, start=1):
            started.append(start_app(root / f"app{number}", port, environ, config))
        proxy = stack.enter_context(nginx_server(ports))
        world = Topology(root, environ, config, started, proxy)
        yield world
