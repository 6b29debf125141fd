"""A real hotline server process on a loopback port, for end-to-end tests."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def running_server(home: Path, port: int | None = None, env: dict[str, str] | None = None,
                   timeout: float = 60.0) -> Iterator[str]:
    """Start ``hotline serve`` for the project at ``home``; yields its base URL; stops it after."""
    port = port or free_port()
    environ = {**os.environ, "HOTLINE_HOME": str(home), "HOTLINE_PORT": str(port), **(env or {})}
    log = (home / f"server-{port}.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "handoff.cli", "serve"], env=environ,
                               stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited early: {(home / f'server-{port}.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/health", timeout=1).json().get("status") == "ok":
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("server did not become ready")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


KB_TABLES = ("kb_revisions", "kb_entries", "kb_entry_history", "kb_draft_examples", "kb_changes")


def copy_kb(source: Path, target: Path) -> None:
    """Copy the KB tables (only) of the SQLite conversation database ``source`` into ``target``,
    creating ``target``'s schema when it does not exist yet (the KB lives in the chat database)."""
    import contextlib
    import sqlite3

    from handoff.storage.database import Database

    Database(f"sqlite:///{target}").close()  # the schema
    with contextlib.closing(sqlite3.connect(target)) as con:
        con.execute("ATTACH DATABASE ? AS seed", (str(source),))
        for table in KB_TABLES:
            con.execute(f"INSERT INTO {table} SELECT * FROM seed.{table}")
        con.commit()
        con.execute("DETACH DATABASE seed")
