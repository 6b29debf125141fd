"""`hotline deploy`/`rollback` from the command line reach the running servers through the shared
broker (Redis) at once, instead of at their next poll of the deployed pointer (issue 17, item 2)."""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from handoff.backends import make_backends
from handoff.cli import main
from handoff.settings import get_settings
from handoff.control import CONTROL_CHANNEL
from tests.infra import RedisServer


def listen(redis_url: str, prefix: str, ready: threading.Event, got: list[dict[str, Any]]) -> threading.Thread:
    """A server process's control subscription, in a thread with its own loop."""
    async def run() -> None:
        broker = make_backends(redis_url, prefix).broker
        await broker.start()
        try:
            async with broker.subscribe(CONTROL_CHANNEL) as inbox:
                ready.set()
                got.append(await asyncio.wait_for(inbox.get(), 10))
        finally:
            await broker.close()

    thread = threading.Thread(target=lambda: asyncio.run(run()), daemon=True)
    thread.start()
    return thread


@pytest.fixture(autouse=True)
def fresh_settings() -> Any:
    """Each test's environment, not the previous test's cached settings."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def two_versions(models: Path) -> None:
    for version in ("20260101-000000-000001", "20260102-000000-000002"):
        (models / version).mkdir(parents=True)
        (models / version / "pipeline.json").write_text("{}", encoding="utf-8")
    (models / "DEPLOYED").write_text("20260102-000000-000002\n", encoding="utf-8")
    (models / "PREVIOUS").write_text("20260101-000000-000001\n", encoding="utf-8")


def test_a_rollback_from_the_cli_is_announced_on_redis(redis_srv: RedisServer, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    two_versions(tmp_path / "models")
    prefix = "announce:"
    monkeypatch.setenv("HOTLINE_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HOTLINE_REDIS_URL", redis_srv.url)
    monkeypatch.setenv("HOTLINE_REDIS_PREFIX", prefix)
    ready, got = threading.Event(), []
    thread = listen(redis_srv.url, prefix, ready, got)
    assert ready.wait(10)
    result = CliRunner().invoke(main, ["rollback"])
    assert result.exit_code == 0, result.output
    assert "announced to the running servers" in result.output
    thread.join(10)
    assert got == [{"type": "deployed", "version": "20260101-000000-000001"}]
    assert (tmp_path / "models" / "DEPLOYED").read_text().strip() == "20260101-000000-000001"


def test_without_a_shared_broker_the_change_is_made_and_left_to_the_pollers(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    two_versions(tmp_path / "models")
    monkeypatch.setenv("HOTLINE_MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("HOTLINE_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    result = CliRunner().invoke(main, ["rollback"])
    assert result.exit_code == 0, result.output
    assert "rolled back to 20260101-000000-000001" in result.output
    assert "announced" not in result.output
    assert (tmp_path / "models" / "DEPLOYED").read_text().strip() == "20260101-000000-000001"
